"""Incremental syncs: change detection per course and its bookmark in the state."""

from __future__ import annotations

import json
import time

import pytest

from moodle_sandbox import SandboxServer, build_site, expected_counts, parse_rules, visit_course
from singer_sdk.exceptions import ConfigValidationError

from tap_moodle.changes import ChangeDetector, enrolled_fingerprint
from tap_moodle.tap import TapMoodle

from .sandbox_site import ANCHOR, SEED, TOKEN, tap_config_for

GRADE_REPORT = "gradereport_user_get_grade_items"
COMPLETION = "core_completion_get_course_completion_status"
HEAVY = (GRADE_REPORT, COMPLETION)
NOW = 1_800_000_000
HOUR = 3_600

STUDENT = {"id": 5, "lastcourseaccess": NOW - 100 * HOUR, "roles": [{"roleid": 5}]}
TEACHER = {"id": 3, "lastcourseaccess": NOW - 200 * HOUR, "roles": [{"roleid": 3}]}


def detector(previous=None, **options) -> ChangeDetector:
    settings = {"enabled": True, "lookback_hours": 1, "full_sync_days": 7}
    return ChangeDetector(previous or {}, **{**settings, **options}, now=NOW)


def bookmark_after(first: ChangeDetector, courseids=(7,), failed=()) -> dict:
    return first.next_bookmark(courseids, failed)


def incremental(users=(STUDENT, TEACHER), **previous_changes) -> ChangeDetector:
    """An incremental sync whose visits count from 50 hours ago."""
    first = detector()
    first.course_changed(7, NOW - 500 * HOUR, list(users))
    previous = {**bookmark_after(first), **previous_changes}
    previous["last_sync_started_at"] = NOW - 49 * HOUR
    return detector(previous)


def test_first_sync_is_full():
    changes = detector()
    assert changes.since is None
    assert changes.course_changed(7, 0, [STUDENT])


def test_unvisited_course_is_unchanged():
    changes = incremental()
    assert not changes.course_changed(7, NOW - 500 * HOUR, [STUDENT, TEACHER])
    assert changes.unchanged == {7}


def test_visit_since_bookmark_is_change():
    changes = incremental()
    visitor = {**STUDENT, "lastcourseaccess": NOW - 10 * HOUR}
    assert changes.course_changed(7, NOW - 500 * HOUR, [visitor, TEACHER])


def test_visit_at_bookmark_is_change():
    changes = incremental()
    visitor = {**STUDENT, "lastcourseaccess": changes.since}
    assert changes.course_changed(7, NOW - 500 * HOUR, [visitor, TEACHER])


def test_edit_at_bookmark_is_change():
    changes = incremental()
    assert changes.course_changed(7, changes.since, [STUDENT, TEACHER])


def test_course_edit_is_change():
    changes = incremental()
    assert changes.course_changed(7, NOW - 10 * HOUR, [STUDENT, TEACHER])


def test_new_enrolment_is_change():
    changes = incremental()
    newcomer = {"id": 9, "lastcourseaccess": 0, "roles": [{"roleid": 5}]}
    assert changes.course_changed(7, NOW - 500 * HOUR, [STUDENT, TEACHER, newcomer])


def test_role_change_is_change():
    changes = incremental()
    promoted = {**STUDENT, "roles": [{"roleid": 3}]}
    assert changes.course_changed(7, NOW - 500 * HOUR, [promoted, TEACHER])


def test_failed_course_is_read_again():
    changes = incremental(retry_courseids=[7])
    assert changes.course_changed(7, NOW - 500 * HOUR, [STUDENT, TEACHER])


def test_old_full_sync_forces_full():
    changes = incremental(last_full_sync_at=NOW - 8 * 24 * HOUR)
    assert changes.since is None


def test_disabled_detection_is_full():
    first = detector()
    first.course_changed(7, 0, [STUDENT])
    changes = detector(bookmark_after(first), enabled=False)
    assert changes.since is None


def test_bookmark_stores_sync_start():
    bookmark = bookmark_after(detector(), failed=[4, 4, 2])
    assert bookmark["last_sync_started_at"] == NOW
    assert bookmark["last_full_sync_at"] == NOW
    assert bookmark["retry_courseids"] == [2, 4]
    assert "changes_since" not in bookmark


@pytest.mark.parametrize(("lookback_hours", "since"), [(1, NOW - HOUR), (24, NOW - 24 * HOUR)])
def test_lookback_applies_when_bookmark_is_read(lookback_hours, since):
    bookmark = bookmark_after(detector())
    later = ChangeDetector(
        bookmark, enabled=True, lookback_hours=lookback_hours, full_sync_days=7, now=NOW + 600
    )
    assert later.since == since


def test_visit_within_lookback_before_last_start_is_change():
    changes = incremental()
    visitor = {**STUDENT, "lastcourseaccess": NOW - 49 * HOUR - 30 * 60}
    assert changes.course_changed(7, NOW - 500 * HOUR, [visitor, TEACHER])


def test_earlier_bookmark_with_changes_since_is_read():
    first = detector()
    first.course_changed(7, NOW - 500 * HOUR, [STUDENT, TEACHER])
    bookmark = bookmark_after(first)
    del bookmark["last_sync_started_at"]
    bookmark["changes_since"] = NOW - 30 * HOUR
    changes = detector(bookmark)
    assert changes.since == NOW - 30 * HOUR
    assert not changes.course_changed(7, NOW - 500 * HOUR, [STUDENT, TEACHER])


def test_start_on_server_clock_chooses_sync():
    bookmark = bookmark_after(detector())
    bookmark["last_full_sync_at"] = NOW - 7 * 24 * HOUR + 60
    changes = detector(bookmark)
    assert not changes.is_full
    changes.start(NOW + 120)
    assert changes.is_full
    assert changes.next_bookmark([7], [])["last_sync_started_at"] == NOW + 120


def test_bookmark_drops_removed_courses():
    first = detector()
    first.course_changed(7, 0, [STUDENT])
    first.course_changed(8, 0, [TEACHER])
    bookmark = first.next_bookmark([8], [])
    assert list(bookmark["enrolled_users"]) == ["8"]


def test_fingerprint_ignores_order():
    assert enrolled_fingerprint([STUDENT, TEACHER]) == enrolled_fingerprint(
        [TEACHER, STUDENT]
    )


def sync_with_state(tap_config, capsys, state=None):
    tap = TapMoodle(config=tap_config, state=state or {}, parse_env_config=False)
    tap.sync_all()
    messages = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    records: dict[str, list] = {}
    for message in messages:
        if message["type"] == "RECORD":
            records.setdefault(message["stream"], []).append(message["record"])
    return states[-1], records


@pytest.fixture
def counted(sandbox_server):
    sandbox_server.reset_calls()
    return sandbox_server


def test_unchanged_site_skips_heavy_calls(tap_config, capsys, counted, sandbox_site):
    state, first = sync_with_state(tap_config, capsys)
    full_calls = dict(counted.calls)
    counted.reset_calls()

    _, second = sync_with_state(tap_config, capsys, state)

    courses = len(sandbox_site.non_site_courses())
    assert full_calls[GRADE_REPORT] == courses
    assert counted.calls.get(GRADE_REPORT, 0) == 0
    assert counted.calls.get(COMPLETION, 0) == 0
    # Batches of user ids still in flight when the last one comes back empty
    # may or may not be cancelled, so that count varies by a few calls.
    varying = (*HEAVY, "core_user_get_users_by_field")
    light = {name: n for name, n in full_calls.items() if name not in varying}
    assert {n: c for n, c in counted.calls.items() if n not in varying} == light
    assert "grades" not in second
    assert len(second["enrolments"]) == len(first["enrolments"])
    syncs = {row["stream"]: row["skipped_courseids"] for row in second["stream_syncs"]}
    assert len(syncs["grades"]) == courses
    assert syncs["enrolments"] == []


def test_bookmark_state_stays_small(tap_config, capsys, sandbox_site):
    state, _ = sync_with_state(tap_config, capsys)
    bookmark = state["bookmarks"]["courses"]["change_detection"]
    assert len(bookmark["enrolled_users"]) == len(sandbox_site.non_site_courses())
    assert len(json.dumps(state)) < 200 * len(sandbox_site.courses)


@pytest.fixture
def own_server():
    """A sandbox whose site only this test changes."""
    site = build_site(seed=SEED, anchor=ANCHOR)
    with SandboxServer(site, token=TOKEN, host="127.0.0.1", port=0) as server:
        yield server


def test_visit_after_sync_is_read_again(capsys, own_server):
    config = tap_config_for(own_server)
    site = own_server.site
    state, _ = sync_with_state(config, capsys)
    courseid = site.landmarks.flagship_course
    visitor = next(iter(site.tracked_user_ids(courseid)))
    visit_course(site, courseid, visitor)
    own_server.reset_calls()

    _, second = sync_with_state(config, capsys, state)

    assert own_server.calls[GRADE_REPORT] == 1
    assert {row["courseid"] for row in second["grades"]} == {courseid}
    syncs = {row["stream"]: row["skipped_courseids"] for row in second["stream_syncs"]}
    assert courseid not in syncs["grades"]
    assert len(syncs["grades"]) == len(site.non_site_courses()) - 1


def test_clock_difference_is_logged_and_followed(tap_config, caplog):
    tap = TapMoodle(config=tap_config, parse_env_config=False)
    tap.client.clock_offset = 2 * HOUR

    tap._start_on_server_clock()

    assert tap.changes.started_at == pytest.approx(time.time() + 2 * HOUR, abs=5)
    assert "differs from this machine's by +7200 s" in caplog.text


def test_site_without_date_header_is_logged(tap_config, caplog):
    tap = TapMoodle(config=tap_config, parse_env_config=False)
    tap.client.clock_offset = None

    tap._start_on_server_clock()

    assert "sent no readable HTTP Date header" in caplog.text


@pytest.mark.parametrize("hours", [0, "0.01"])
def test_too_short_lookback_is_rejected(tap_config, hours):
    config = {**tap_config, "changes_lookback_hours": hours}
    with pytest.raises(ConfigValidationError, match=r"changes_lookback_hours is 0(\.01)?: under 0\.05"):
        TapMoodle(config=config, parse_env_config=False)


def test_completion_error_skips_one_user(capsys, own_server):
    site = own_server.site
    course = next(c for c in site.non_site_courses() if c.enablecompletion)
    failing = site.tracked_user_ids(course.id)[0]
    own_server.faults.add(
        parse_rules(
            {
                "fault": "moodle_error",
                "wsfunction": COMPLETION,
                "courseid": course.id,
                "userid": failing,
                "errorcode": "nopermissions",
            }
        )
    )
    state, records = sync_with_state(tap_config_for(own_server), capsys)

    read = {(r["courseid"], r["userid"]) for r in records["course_completions"]}
    tracked = {(course.id, userid) for userid in site.tracked_user_ids(course.id)}
    assert tracked - read == {(course.id, failing)}
    assert len(read) == expected_counts(site)["course_completions"] - 1
    bookmark = state["bookmarks"]["courses"]["change_detection"]
    assert bookmark["retry_courseids"] == [course.id]
