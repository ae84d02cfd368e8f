"""Size presets M and L, exact counts on M, and responses that never scan the site.

Building M takes a few seconds, so one M site serves this module. L is only
checked through its preset, because building it takes about 15 seconds.
"""

from __future__ import annotations

import json
import random
import typing as t
from urllib.parse import urlencode

import pytest
from wsclient import encode

from moodle_sandbox import (
    REST_PATH,
    SIZE_PRESETS,
    Request,
    Response,
    SandboxApp,
    Site,
    build_site,
    expected_counts,
)
from moodle_sandbox.site.model import ROLE_STUDENT

ANCHOR = 1_767_225_600
SAMPLED_COURSES = 20


@pytest.fixture(scope="module")
def site_m() -> Site:
    site = build_site(seed=1, size="M", anchor=ANCHOR)
    site.build_indexes()
    return site


def answer(app: SandboxApp, wsfunction: str, params: dict[str, t.Any]) -> Response:
    """Call a wsfunction in-process, without HTTP."""
    fields = [
        ("wstoken", app.token),
        ("wsfunction", wsfunction),
        ("moodlewsrestformat", "json"),
        *encode(params),
    ]
    request = Request("POST", REST_PATH, body=urlencode(fields).encode())
    return app.handle(request)


def call(app: SandboxApp, wsfunction: str, params: dict[str, t.Any]) -> t.Any:
    """Call a wsfunction in-process and decode the JSON response."""
    return json.loads(answer(app, wsfunction, params).body)


# Presets.


def test_presets_named_s_m_l() -> None:
    assert list(SIZE_PRESETS) == ["S", "M", "L"]


def test_l_is_four_times_m() -> None:
    m, large = SIZE_PRESETS["M"], SIZE_PRESETS["L"]

    assert large.users[0] == 4 * m.users[0]
    assert large.generic_courses[0] + 4 == 4 * (m.generic_courses[0] + 4)
    assert large.course_students == m.course_students
    assert large.generic_grade_items == m.generic_grade_items


def test_m_has_preset_sizes(site_m: Site) -> None:
    courses = site_m.non_site_courses()
    enrolments = expected_counts(site_m)["enrolments"]
    with_completion = sum(course.enablecompletion for course in courses)

    assert len(courses) == 500
    assert len(site_m.users) == 20_000
    assert 55_000 <= enrolments <= 65_000
    assert 0.4 <= with_completion / len(courses) <= 0.6


def test_m_has_about_ten_grade_items(site_m: Site) -> None:
    courses = site_m.non_site_courses()
    items = [
        sum(not item.is_total for item in site_m.course_grade_items(course.id))
        for course in courses
    ]

    assert 9.5 <= sum(items) / len(items) <= 11


def test_m_course_shortnames_unique(site_m: Site) -> None:
    shortnames = [course.shortname for course in site_m.courses]

    assert len(set(shortnames)) == len(shortnames)


def test_m_usernames_unique(site_m: Site) -> None:
    usernames = [user.username for user in site_m.users]

    assert len(set(usernames)) == len(usernames)


def test_s_keeps_four_teachers() -> None:
    site = build_site(seed=1, anchor=ANCHOR)
    teachers = {
        assignment.userid
        for assignment in site.role_assignments
        if assignment.roleid != ROLE_STUDENT
    }

    assert SIZE_PRESETS["S"].extra_teachers == 0
    assert len(teachers) <= 5


# Exact counts on M.


def test_m_users_count_matches_answers(site_m: Site) -> None:
    app = SandboxApp(site_m)
    found = []
    for first in range(1, len(site_m.users) + 1, 500):
        ids = [str(userid) for userid in range(first, first + 500)]
        found += call(
            app, "core_user_get_users_by_field", {"field": "id", "values": ids}
        )
    live = [user for user in found if "@" in user["email"]]

    assert len(live) == expected_counts(site_m)["users"]


def test_m_enrolments_match_answers(site_m: Site) -> None:
    app = SandboxApp(site_m)
    userfields = [{"name": "userfields", "value": "id"}]
    enrolments = sum(
        len(
            call(
                app,
                "core_enrol_get_enrolled_users",
                {"courseid": course.id, "options": userfields},
            )
        )
        for course in site_m.non_site_courses()
    )

    assert enrolments == expected_counts(site_m)["enrolments"]


def test_m_sampled_courses_match_answers(site_m: Site) -> None:
    app = SandboxApp(site_m)
    sampler = random.Random(5)  # noqa: S311 - picks test courses, not secrets
    courses = sampler.sample(site_m.non_site_courses(), SAMPLED_COURSES)
    for course in courses:
        report = call(app, "gradereport_user_get_grade_items", {"courseid": course.id})
        tracked = site_m.tracked_user_ids(course.id)
        items = site_m.course_grade_items(course.id)
        grades = sum(len(row["gradeitems"]) for row in report["usergrades"])

        assert sorted(row["userid"] for row in report["usergrades"]) == sorted(tracked)
        assert grades == len(tracked) * len(items)


# Responses cost time in proportion to their size.


class ScanGuard(list[t.Any]):
    """A record list that fails the test when anything reads all of it."""

    def __iter__(self) -> t.Any:
        msg = "A request read a whole record list of the site"
        raise AssertionError(msg)


GUARDED = (
    "users",
    "user_enrolments",
    "role_assignments",
    "grades",
    "grade_items",
    "grade_categories",
    "modules",
    "criterion_completions",
    "activity_completions",
)


@pytest.fixture
def guarded_app() -> SandboxApp:
    """Return an app whose site fails any request that reads a whole record list."""
    site = build_site(seed=1, anchor=ANCHOR)
    site.build_indexes()
    for name in GUARDED:
        # Set directly, so that the indexes built above stay in place.
        setattr(site, name, ScanGuard(getattr(site, name)))
    return SandboxApp(site)


def test_scan_guard_catches_full_scan(guarded_app: SandboxApp) -> None:
    all_users = {"criteria": [{"key": "email", "value": "%"}]}

    assert answer(guarded_app, "core_user_get_users", all_users).status == 500


def test_course_calls_read_no_whole_list(guarded_app: SandboxApp) -> None:
    site = guarded_app.site
    courseid = site.landmarks.flagship_course
    student = site.landmarks.completed_student
    calls = [
        ("core_user_get_users_by_field", {"field": "id", "values": ["3", "4", "5"]}),
        ("core_user_get_users_by_field", {"field": "username", "values": ["admin"]}),
        ("core_user_get_users", {"criteria": [{"key": "id", "value": "3"}]}),
        ("core_enrol_get_enrolled_users", {"courseid": courseid}),
        ("core_enrol_get_course_enrolment_methods", {"courseid": courseid}),
        ("gradereport_user_get_grade_items", {"courseid": courseid}),
        ("gradereport_user_get_grade_items", {"courseid": courseid, "userid": student}),
        (
            "core_completion_get_course_completion_status",
            {"courseid": courseid, "userid": student},
        ),
        (
            "core_completion_get_activities_completion_status",
            {"courseid": courseid, "userid": student},
        ),
        ("core_course_get_contents", {"courseid": courseid}),
        ("core_group_get_course_groups", {"courseid": courseid}),
        ("core_grades_get_gradeitems", {"courseid": courseid}),
    ]

    for wsfunction, params in calls:
        response = answer(guarded_app, wsfunction, params)

        assert response.status == 200, wsfunction
        assert b'"exception"' not in response.body, wsfunction
