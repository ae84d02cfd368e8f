"""The synthetic site: determinism, required variety, and counts that match HTTP."""

from __future__ import annotations

import dataclasses
import typing as t
from urllib.parse import urlencode

import pytest
from extraction import count_over_http
from wsclient import WsClient, encode

from moodle_sandbox import (
    REST_PATH,
    Request,
    SandboxApp,
    SandboxServer,
    Site,
    build_site,
    expected_counts,
    expected_course_marts,
)
from moodle_sandbox.site.model import ROLE_EDITINGTEACHER, ROLE_STUDENT, ROLE_TEACHER

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_sandbox.site.model import Course

SITE_COURSE_ID = 1
DAY = 86_400
RECORD_FIELDS = [
    field.name for field in dataclasses.fields(Site) if not field.name.startswith("_")
]
# Calls whose response bodies must be byte-identical for two sites built alike.
SAMPLE_CALLS: list[tuple[str, dict[str, t.Any]]] = [
    ("core_webservice_get_site_info", {}),
    ("core_user_get_users", {"criteria": [{"key": "email", "value": "%"}]}),
    ("core_course_get_courses_by_field", {}),
    ("core_course_get_categories", {}),
]
COURSE_CALLS = [
    "core_course_get_contents",
    "core_enrol_get_enrolled_users",
    "gradereport_user_get_grade_items",
    "core_group_get_course_groups",
]


def answer_bytes(site: Site, wsfunction: str, params: dict[str, t.Any]) -> bytes:
    """Return the raw response body of the HTTP-free endpoint, with a fixed wwwroot."""
    app = SandboxApp(site, wwwroot="http://sandbox.test")
    fields = [
        ("wstoken", app.token),
        ("wsfunction", wsfunction),
        ("moodlewsrestformat", "json"),
        *encode(params),
    ]
    request = Request("POST", REST_PATH, body=urlencode(fields).encode())
    response = app.handle(request)
    assert response.status == 200
    return response.body


# Determinism.


def test_same_seed_same_records(site: Site) -> None:
    again = build_site(seed=site.seed, anchor=site.anchor)

    for name in RECORD_FIELDS:
        assert getattr(again, name) == getattr(site, name), name


def test_same_seed_same_responses(site: Site) -> None:
    again = build_site(seed=site.seed, anchor=site.anchor)
    calls = [
        *SAMPLE_CALLS,
        *[
            (name, {"courseid": site.landmarks.flagship_course})
            for name in COURSE_CALLS
        ],
    ]

    for wsfunction, params in calls:
        assert answer_bytes(again, wsfunction, params) == answer_bytes(
            site, wsfunction, params
        ), wsfunction


def test_other_seed_other_site(site: Site) -> None:
    other = build_site(seed=site.seed + 1, anchor=site.anchor)

    assert [u.username for u in other.users] != [u.username for u in site.users]
    assert answer_bytes(other, *SAMPLE_CALLS[1]) != answer_bytes(site, *SAMPLE_CALLS[1])


def test_anchor_shifts_times_only(site: Site) -> None:
    later = build_site(seed=site.seed, anchor=site.anchor + DAY)

    assert [u.username for u in later.users] == [u.username for u in site.users]
    assert [c.shortname for c in later.courses] == [c.shortname for c in site.courses]
    flagship = site.course(site.landmarks.flagship_course)
    later_flagship = later.course(site.landmarks.flagship_course)
    assert flagship is not None
    assert later_flagship is not None
    assert later_flagship.startdate == flagship.startdate + DAY


def test_unknown_size_rejected() -> None:
    with pytest.raises(ValueError, match="Unknown site size 'XL'"):
        build_site(size="XL")


# Variety the site must have for every seed.


@pytest.fixture(params=[1, 2, 3, 17], ids=lambda seed: f"seed{seed}")
def any_site(request: pytest.FixtureRequest, site: Site) -> Site:
    seed = t.cast("int", request.param)
    return site if seed == site.seed else build_site(seed=seed, anchor=site.anchor)


def test_landmarks_resolve(any_site: Site) -> None:
    marks = any_site.landmarks
    for name in (
        "flagship_course",
        "weekly_course",
        "empty_course",
        "hidden_course",
        "largest_course",
        "completion_disabled_course",
    ):
        assert any_site.course(getattr(marks, name)) is not None, name
    for name in (
        "editing_teacher",
        "non_editing_teacher",
        "two_role_user",
        "suspended_user",
        "deleted_user",
        "completed_student",
        "incomplete_student",
        "ungraded_student",
        "weekly_student",
        "nonascii_user",
        "profile_user",
    ):
        assert any_site.user(getattr(marks, name)) is not None, name
    group_ids = {group.id for group in any_site.groups}
    assert marks.flagship_group in group_ids
    assert marks.empty_group in group_ids


def test_categories_nested_and_hidden(any_site: Site) -> None:
    marks = any_site.landmarks
    nested = any_site.category(marks.nested_category)
    hidden = any_site.category(marks.hidden_category)
    humanities = any_site.category(marks.humanities_category)

    assert len(any_site.categories) >= 5
    assert nested is not None
    assert nested.parent == marks.science_category
    assert nested.depth == 2
    assert hidden is not None
    assert not hidden.visible
    assert humanities is not None
    assert "&" in humanities.name


def test_hidden_course_has_enrolments(any_site: Site) -> None:
    hidden = any_site.course(any_site.landmarks.hidden_course)

    assert hidden is not None
    assert not hidden.visible
    assert any_site.enrolled_user_ids(hidden.id)


def test_empty_course_has_no_enrolments(any_site: Site) -> None:
    empty = any_site.landmarks.empty_course

    assert any_site.enrolments(empty) == []
    assert any_site.course_sections(empty)


def test_students_and_teachers_enrolled(any_site: Site) -> None:
    flagship = any_site.landmarks.flagship_course
    roles = {
        roleid
        for userid in any_site.enrolled_user_ids(flagship)
        for roleid in any_site.role_ids(flagship, userid)
    }
    two_role = any_site.role_ids(flagship, any_site.landmarks.two_role_user)

    assert roles == {ROLE_STUDENT, ROLE_TEACHER, ROLE_EDITINGTEACHER}
    assert len(two_role) == 2


def test_special_accounts_present(any_site: Site) -> None:
    marks = any_site.landmarks
    suspended = any_site.user(marks.suspended_user)
    deleted = any_site.user(marks.deleted_user)
    nonascii = any_site.user(marks.nonascii_user)

    assert suspended is not None
    assert suspended.suspended
    assert deleted is not None
    assert deleted.deleted
    assert nonascii is not None
    assert not nonascii.firstname.isascii()
    assert any(user.auth == "email" and not user.confirmed for user in any_site.users)


def test_grades_cover_all_cases(any_site: Site) -> None:
    values = [grade.rawgrade for grade in any_site.grades]

    assert any(value is None for value in values)
    assert any(isinstance(value, float) and not value.is_integer() for value in values)
    assert any(grade.overridden and grade.locked for grade in any_site.grades)
    assert any(item.scale for item in any_site.grade_items)
    assert any(item.hidden for item in any_site.grade_items)
    assert {item.itemtype for item in any_site.grade_items} >= {
        "mod",
        "manual",
        "category",
        "course",
    }


def test_completion_tracked_and_partial(any_site: Site) -> None:
    marks = any_site.landmarks
    flagship = marks.flagship_course
    tracked = any_site.tracked_user_ids(flagship)
    completed = [u for u in tracked if (flagship, u) in any_site.course_completions]
    disabled = any_site.course(marks.completion_disabled_course)

    assert any_site.criteria(flagship)
    assert marks.completed_student in completed
    assert marks.incomplete_student not in completed
    assert 0 < len(completed) < len(tracked)
    assert disabled is not None
    assert not disabled.enablecompletion


# Counts: the model's expected_counts against the HTTP responses.


@pytest.fixture(params=[1, 2, 3], ids=lambda seed: f"seed{seed}")
def served_site(
    request: pytest.FixtureRequest, site: Site
) -> Iterator[tuple[Site, WsClient]]:
    seed = t.cast("int", request.param)
    if seed != site.seed:
        site = build_site(seed=seed, anchor=site.anchor)
    with SandboxServer(site) as sandbox:
        ws = WsClient(sandbox.url, sandbox.token)
        try:
            yield site, ws
        finally:
            ws.close()


def test_expected_counts_match_http(served_site: tuple[Site, WsClient]) -> None:
    site, ws = served_site

    assert count_over_http(ws) == expected_counts(site)


def test_site_counts_method_matches_function(site: Site) -> None:
    assert site.expected_counts() == expected_counts(site)


def test_course_marts_match_http(served_site: tuple[Site, WsClient]) -> None:
    site, ws = served_site

    for mart in expected_course_marts(site):
        course = {"courseid": mart.courseid}
        participants = ws.call("core_enrol_get_enrolled_users", course)
        students = [
            user
            for user in participants
            if any(role["shortname"] == "student" for role in user["roles"])
        ]
        report = ws.call("gradereport_user_get_grade_items", course)["usergrades"]
        completed = 0
        if t.cast("Course", site.course(mart.courseid)).enablecompletion:
            for row in report:
                status = ws.call(
                    "core_completion_get_course_completion_status",
                    {"courseid": mart.courseid, "userid": row["userid"]},
                )
                completed += status["completionstatus"]["completed"]
        totals = [
            item["graderaw"] / item["grademax"] * 100
            for row in report
            for item in row["gradeitems"]
            if item["itemtype"] == "course" and item["graderaw"] is not None
        ]
        average = sum(totals) / len(totals) if totals else None

        assert len(students) == mart.enrolled_students, mart.shortname
        assert completed == mart.completed_students, mart.shortname
        assert average == pytest.approx(mart.average_grade_percent), mart.shortname


def test_empty_course_returns_empty(site: Site, client: WsClient) -> None:
    course = {"courseid": site.landmarks.empty_course}

    assert client.call("core_enrol_get_enrolled_users", course) == []
    assert client.call("gradereport_user_get_grade_items", course) == {
        "usergrades": [],
        "warnings": [],
    }
    assert client.call("core_group_get_course_groups", course) == []


def test_hidden_course_listed_for_admin(site: Site, client: WsClient) -> None:
    courses = client.call("core_course_get_courses_by_field")["courses"]
    hidden = [course for course in courses if course["visible"] == 0]

    assert [course["id"] for course in hidden] == [site.landmarks.hidden_course]


def test_paging_covers_participants(site: Site, client: WsClient) -> None:
    courseid = site.landmarks.largest_course
    everyone = client.call("core_enrol_get_enrolled_users", {"courseid": courseid})
    pages = []
    start = 0
    while True:
        options = [
            {"name": "limitfrom", "value": start},
            {"name": "limitnumber", "value": 7},
        ]
        page = client.call(
            "core_enrol_get_enrolled_users", {"courseid": courseid, "options": options}
        )
        if not page:
            break
        pages.append(page)
        start += 7

    assert [user["id"] for page in pages for user in page] == [
        user["id"] for user in everyone
    ]
    assert all(len(page) == 7 for page in pages[:-1])


def test_onlyactive_drops_inactive_enrolments(site: Site, client: WsClient) -> None:
    marks = site.landmarks
    course = {"courseid": marks.flagship_course}
    everyone = {u["id"] for u in client.call("core_enrol_get_enrolled_users", course)}
    active = {
        u["id"]
        for u in client.call(
            "core_enrol_get_enrolled_users",
            {**course, "options": [{"name": "onlyactive", "value": 1}]},
        )
    }

    assert everyone - active == {
        marks.suspended_enrolment_student,
        marks.ended_enrolment_student,
    }
    assert marks.suspended_user in active


def test_excludecontents_keeps_contentsinfo(site: Site, client: WsClient) -> None:
    options = [{"name": "excludecontents", "value": 1}]
    sections = client.call(
        "core_course_get_contents",
        {"courseid": site.landmarks.weekly_course, "options": options},
    )
    with_files = [
        module
        for section in sections
        for module in section["modules"]
        if "contentsinfo" in module
    ]

    assert with_files
    assert all(module["contents"] == [] for module in with_files)
