"""Incremental syncs: change detection per course and its bookmark in the state."""

from __future__ import annotations

import json

import pytest

from tap_moodle.changes import ChangeDetector, enrolled_fingerprint
from tap_moodle.tap import TapMoodle

GRADE_REPORT = "gradereport_user_get_grade_items"
COMPLETION = "core_completion_get_course_completion_status"
HEAVY = (GRADE_REPORT, COMPLETION)
NOW = 1_800_000_000
HOUR = 3_600

STUDENT = {"id": 5, "lastcourseaccess": NOW - 100 * HOUR, "roles": [{"roleid": 5}]}
TEACHER = {"id": 3, "lastcourseaccess": NOW - 200 * HOUR, "roles": [{"roleid": 3}]}


def detector(previous=None, **options) -> ChangeDetector:
    settings = {"enabled": True, "lookback_hours": 24, "full_sync_days": 7}
    return ChangeDetector(previous or {}, **{**settings, **options}, now=NOW)


def bookmark_after(first: ChangeDetector, courseids=(7,), failed=()) -> dict:
    return first.next_bookmark(courseids, failed)


def incremental(users=(STUDENT, TEACHER), **previous_changes) -> ChangeDetector:
    first = detector()
    first.course_changed(7, NOW - 500 * HOUR, list(users))
    previous = {**bookmark_after(first), **previous_changes}
    previous["changes_since"] = NOW - 50 * HOUR
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


def test_bookmark_starts_lookback_before_sync():
    bookmark = bookmark_after(detector(), failed=[4, 4, 2])
    assert bookmark["changes_since"] == NOW - 24 * HOUR
    assert bookmark["last_full_sync_at"] == NOW
    assert bookmark["retry_courseids"] == [2, 4]


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
