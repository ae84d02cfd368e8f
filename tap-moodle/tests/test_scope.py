"""Scope settings (course ids, categories, ended courses) and the users strategies."""

from __future__ import annotations

import json

import pytest

from tap_moodle.tap import TapMoodle

from .sandbox_site import ANCHOR


def sync(tap: TapMoodle, capsys: pytest.CaptureFixture[str]) -> dict[str, list]:
    """Run a whole sync and return the records of each stream."""
    tap.sync_all()
    records: dict[str, list] = {}
    for line in capsys.readouterr().out.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            records.setdefault(message["stream"], []).append(message["record"])
    return records


def synced_streams(records: dict[str, list]) -> dict[str, list[int]]:
    return {row["stream"]: row["skipped_courseids"] for row in records["stream_syncs"]}


def test_course_ids_limit_courses_and_children(tap_config, capsys):
    tap = TapMoodle(config={**tap_config, "course_ids": [3, 2]})
    records = sync(tap, capsys)
    assert sorted(course["id"] for course in records["courses"]) == [2, 3]
    assert {row["courseid"] for row in records["enrolments"]} == {2, 3}
    assert {row["courseid"] for row in records["grades"]} <= {2, 3}


def test_partial_scope_marks_no_course_sync(tap_config, capsys):
    tap = TapMoodle(config={**tap_config, "course_ids": [2]})
    completed = synced_streams(sync(tap, capsys))
    assert "courses" not in completed
    assert "enrolments" not in completed
    assert "grades" not in completed
    assert "users" in completed
    assert "course_categories" in completed


def test_category_ids_limit_courses(tap_config, capsys, sandbox_site):
    tap = TapMoodle(config={**tap_config, "category_ids": [2]})
    records = sync(tap, capsys)
    expected = sorted(c.id for c in sandbox_site.courses if c.categoryid == 2)
    assert expected
    assert sorted(course["id"] for course in records["courses"]) == expected


def test_ended_course_window_skips_children(tap_config, capsys, sandbox_site):
    tap = TapMoodle(config={**tap_config, "ended_courses_days": 365})
    tap.scope.now = ANCHOR
    records = sync(tap, capsys)
    ended = [
        c.id
        for c in sandbox_site.courses
        if c.enddate and c.enddate < ANCHOR - 365 * 86_400
    ]
    assert ended
    assert set(ended) <= {course["id"] for course in records["courses"]}
    assert not {row["courseid"] for row in records["enrolments"]} & set(ended)
    completed = synced_streams(records)
    assert completed["enrolments"] == sorted(ended)
    assert completed["courses"] == []


def test_users_strategies_agree(tap_config, capsys, sandbox_site):
    all_at_once = TapMoodle(config={**tap_config, "users_strategy": "all"})
    batched = TapMoodle(config={**tap_config, "users_batch_size": 7})
    for tap in (all_at_once, batched):
        for name, stream in tap.streams.items():
            stream.selected = name == "users"
    first = sync(all_at_once, capsys)["users"]
    second = sync(batched, capsys)["users"]
    expected = sorted(user.id for user in sandbox_site.users if not user.deleted)
    assert sorted(user["id"] for user in first) == expected
    assert sorted(user["id"] for user in second) == expected


def test_id_batches_leave_out_deleted_users(tap_config, capsys, sandbox_site):
    tap = TapMoodle(config={**tap_config, "users_batch_size": 10})
    for name, stream in tap.streams.items():
        stream.selected = name == "users"
    ids = {user["id"] for user in sync(tap, capsys)["users"]}
    deleted = [user.id for user in sandbox_site.users if user.deleted]
    assert deleted
    assert not ids & set(deleted)
