"""Site mutations for deletion tests: effects over HTTP and on the expected counts."""

from __future__ import annotations

import hashlib
import time
import typing as t

import pytest
from extraction import count_over_http
from wsclient import WsClient

from moodle_sandbox import (
    MutationError,
    SandboxServer,
    Site,
    apply_mutation,
    build_site,
    delete_course,
    delete_grade_item,
    delete_user,
    expected_counts,
    minimum_calls,
    remove_enrolment,
    visit_course,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

ANCHOR = 1_767_225_600
ALL_USERS = {"criteria": [{"key": "email", "value": "%"}]}


@pytest.fixture
def own_site() -> Site:
    """Return a site that only this test changes."""
    return build_site(seed=1, anchor=ANCHOR)


@pytest.fixture
def served(own_site: Site) -> Iterator[tuple[Site, WsClient]]:
    with SandboxServer(own_site) as sandbox:
        ws = WsClient(sandbox.url, sandbox.token)
        try:
            yield own_site, ws
        finally:
            ws.close()


def participant_ids(ws: WsClient, courseid: int) -> list[int]:
    users = ws.call("core_enrol_get_enrolled_users", {"courseid": courseid})
    return [user["id"] for user in users]


def report_user_ids(ws: WsClient, courseid: int) -> list[int]:
    report = ws.call("gradereport_user_get_grade_items", {"courseid": courseid})
    return [row["userid"] for row in report["usergrades"]]


# delete_user.


def test_delete_user_marks_account_deleted(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    userid = site.landmarks.weekly_student
    user = site.user(userid)
    assert user is not None

    delete_user(site, userid)
    listed = ws.call("core_user_get_users", ALL_USERS)["users"]
    by_id = ws.call("core_user_get_users_by_field", {"field": "id", "values": [userid]})

    assert userid not in [row["id"] for row in listed]
    assert by_id[0]["username"] == f"{user.email}.{site.anchor}"
    assert by_id[0]["email"] == hashlib.md5(user.username.encode()).hexdigest()  # noqa: S324
    assert "idnumber" not in by_id[0]
    assert "customfields" not in by_id[0]


def test_delete_user_removes_enrolments(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    userid = site.landmarks.weekly_student
    courses = [c.id for c in site.courses if userid in site.enrolled_user_ids(c.id)]
    before = expected_counts(site)

    delete_user(site, userid)
    after = expected_counts(site)

    assert courses
    for courseid in courses:
        assert userid not in participant_ids(ws, courseid)
        assert userid not in report_user_ids(ws, courseid)
        assert site.role_ids(courseid, userid) == []
    assert after["users"] == before["users"] - 1
    assert after["enrolments"] == before["enrolments"] - len(courses)
    assert after["grades"] < before["grades"]
    assert all(userid not in group.member_ids for group in site.groups)
    assert all(grade.userid != userid for grade in site.grades)


def test_delete_user_counts_match_http(served: tuple[Site, WsClient]) -> None:
    site, ws = served

    delete_user(site, site.landmarks.weekly_student)
    delete_user(site, site.landmarks.two_role_user)

    assert count_over_http(ws) == expected_counts(site)


def test_delete_user_keeps_max_user_id(own_site: Site) -> None:
    before = minimum_calls(own_site, users_batch_size=10)
    last = max(user.id for user in own_site.users)

    delete_user(own_site, last)

    assert minimum_calls(own_site, users_batch_size=10) == before


def test_delete_user_time_is_settable(own_site: Site) -> None:
    userid = own_site.landmarks.weekly_student

    delete_user(own_site, userid, timedeleted=1_700_000_000)
    user = own_site.user(userid)

    assert user is not None
    assert user.visible_username.endswith(".1700000000")


@pytest.mark.parametrize(
    ("userid", "message"),
    [(999_999, "no user has this id"), (1, "guest and admin"), (2, "guest and admin")],
)
def test_delete_user_rejected(own_site: Site, userid: int, message: str) -> None:
    with pytest.raises(MutationError, match=message):
        delete_user(own_site, userid)


def test_delete_user_twice_rejected(own_site: Site) -> None:
    with pytest.raises(MutationError, match="already deleted"):
        delete_user(own_site, own_site.landmarks.deleted_user)


# remove_enrolment.


def test_remove_enrolment_only_that_course(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    userid = site.landmarks.suspended_enrolment_student
    flagship = site.landmarks.flagship_course
    others = [
        c.id
        for c in site.non_site_courses()
        if c.id != flagship and userid in site.enrolled_user_ids(c.id)
    ]
    before = expected_counts(site)

    remove_enrolment(site, flagship, userid)

    assert others
    assert userid not in participant_ids(ws, flagship)
    assert all(userid in participant_ids(ws, courseid) for courseid in others)
    assert expected_counts(site)["enrolments"] == before["enrolments"] - 1
    assert expected_counts(site)["users"] == before["users"]


def test_remove_enrolment_of_tracked_student(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    userid = site.landmarks.completed_student
    flagship = site.landmarks.flagship_course
    assert userid in report_user_ids(ws, flagship)

    remove_enrolment(site, flagship, userid)
    status = ws.call(
        "core_completion_get_course_completion_status",
        {"courseid": flagship, "userid": userid},
    )

    assert userid not in report_user_ids(ws, flagship)
    assert status["errorcode"] == "usernotenroled"
    assert (flagship, userid) not in site.last_course_access
    assert count_over_http(ws) == expected_counts(site)


def test_remove_enrolment_of_two_methods(own_site: Site) -> None:
    flagship = own_site.landmarks.flagship_course
    doubles = [
        userid
        for userid in own_site.enrolled_user_ids(flagship)
        if len(own_site.user_enrolments_in(flagship, userid)) > 1
    ]
    assert doubles

    remove_enrolment(own_site, flagship, doubles[0])

    assert own_site.user_enrolments_in(flagship, doubles[0]) == []


def test_remove_missing_enrolment_rejected(own_site: Site) -> None:
    with pytest.raises(MutationError, match="not enrolled there"):
        remove_enrolment(own_site, own_site.landmarks.empty_course, 3)


# delete_course.


def test_delete_course_removes_everything(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    courseid = site.landmarks.weekly_course
    course = site.course(courseid)
    assert course is not None
    before = expected_counts(site)
    calls_before = minimum_calls(site)

    delete_course(site, courseid)
    listed = ws.call("core_course_get_courses_by_field")["courses"]
    contents = ws.call("core_enrol_get_enrolled_users", {"courseid": courseid})
    categories = ws.call("core_course_get_categories")
    category = next(row for row in categories if row["id"] == course.categoryid)

    assert courseid not in [row["id"] for row in listed]
    assert contents["errorcode"] == "invalidrecord"
    assert category["coursecount"] == sum(
        1 for c in site.courses if c.categoryid == course.categoryid
    )
    assert expected_counts(site)["courses"] == before["courses"] - 1
    assert expected_counts(site)["groups"] == before["groups"] - 2
    assert minimum_calls(site)["gradereport_user_get_grade_items"] == (
        calls_before["gradereport_user_get_grade_items"] - 1
    )
    assert all(
        grade.itemid in {i.id for i in site.grade_items} for grade in site.grades
    )
    assert count_over_http(ws) == expected_counts(site)


def test_delete_site_course_rejected(own_site: Site) -> None:
    with pytest.raises(MutationError, match="site course"):
        delete_course(own_site, 1)


def test_delete_unknown_course_rejected(own_site: Site) -> None:
    with pytest.raises(MutationError, match="no course has this id"):
        delete_course(own_site, 999)


# delete_grade_item.


def test_delete_grade_item_leaves_report(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    courseid = site.landmarks.flagship_course
    item = next(i for i in site.course_grade_items(courseid) if not i.is_total)
    tracked = len(site.tracked_user_ids(courseid))
    before = expected_counts(site)

    delete_grade_item(site, item.id)
    report = ws.call("gradereport_user_get_grade_items", {"courseid": courseid})
    item_ids = {row["id"] for row in report["usergrades"][0]["gradeitems"]}

    assert item.id not in item_ids
    assert expected_counts(site)["grade_items"] == before["grade_items"] - 1
    assert expected_counts(site)["grades"] == before["grades"] - tracked
    assert count_over_http(ws) == expected_counts(site)


def test_delete_total_item_rejected(own_site: Site) -> None:
    total = next(item for item in own_site.grade_items if item.itemtype == "course")

    with pytest.raises(MutationError, match="course total"):
        delete_grade_item(own_site, total.id)


def test_delete_unknown_item_rejected(own_site: Site) -> None:
    with pytest.raises(MutationError, match="no grade item has this id"):
        delete_grade_item(own_site, 999_999)


# visit_course.


def visitors(ws: WsClient, courseid: int) -> dict[int, dict[str, t.Any]]:
    users = ws.call("core_enrol_get_enrolled_users", {"courseid": courseid})
    return {user["id"]: user for user in users}


def test_visit_course_sets_access_times(served: tuple[Site, WsClient]) -> None:
    site, ws = served
    courseid = site.landmarks.flagship_course
    userid = participant_ids(ws, courseid)[0]
    before = expected_counts(site)

    visit_course(site, courseid, userid, timeaccess=ANCHOR + 600)

    visitor = visitors(ws, courseid)[userid]
    assert visitor["lastcourseaccess"] == ANCHOR + 600
    assert visitor["lastaccess"] == ANCHOR + 600
    assert expected_counts(site) == before


def test_visit_course_defaults_to_now(own_site: Site) -> None:
    courseid = own_site.landmarks.flagship_course
    userid = next(iter(own_site.tracked_user_ids(courseid)))
    started = int(time.time())

    visit_course(own_site, courseid, userid)

    visited = own_site.last_course_access[(courseid, userid)]
    assert started <= visited <= time.time()


def test_visit_course_keeps_later_site_access(own_site: Site) -> None:
    courseid = own_site.landmarks.flagship_course
    userid = next(iter(own_site.tracked_user_ids(courseid)))
    site_access = own_site.user(userid).lastaccess

    visit_course(own_site, courseid, userid, timeaccess=site_access - 1)

    assert own_site.user(userid).lastaccess == site_access


def test_visit_by_user_not_enrolled_rejected(own_site: Site) -> None:
    with pytest.raises(MutationError, match="not enrolled there"):
        visit_course(own_site, own_site.landmarks.flagship_course, 999_999)


# apply_mutation: the JSON form.


def test_apply_mutation_runs_action(own_site: Site) -> None:
    courseid = own_site.landmarks.hidden_course

    apply_mutation(own_site, {"action": "delete_course", "courseid": courseid})

    assert own_site.course(courseid) is None


def test_apply_mutation_records_visit(own_site: Site) -> None:
    courseid = own_site.landmarks.flagship_course
    userid = own_site.tracked_user_ids(courseid)[0]
    mutation = {
        "action": "visit_course",
        "courseid": courseid,
        "userid": userid,
        "timeaccess": ANCHOR + 60,
    }

    apply_mutation(own_site, mutation)

    assert own_site.last_course_access[(courseid, userid)] == ANCHOR + 60


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ({"action": "drop_table"}, "Unknown mutation action"),
        ({"userid": 5}, "Unknown mutation action None"),
        ({"action": "delete_user"}, "needs the integer argument 'userid'"),
        ({"action": "delete_user", "userid": "5"}, "needs an integer 'userid'"),
        ({"action": "delete_user", "userid": True}, "needs an integer 'userid'"),
        ({"action": "delete_course", "courseid": 5, "force": 1}, "does not take"),
        ({"action": "visit_course", "courseid": 5}, "needs the integer argument 'userid'"),
    ],
)
def test_apply_mutation_rejects_bad_input(
    own_site: Site, mutation: dict[str, t.Any], message: str
) -> None:
    with pytest.raises(MutationError, match=message):
        apply_mutation(own_site, mutation)


def test_replace_records_rejects_unknown_field(own_site: Site) -> None:
    with pytest.raises(AttributeError, match="no record field 'teachers'"):
        own_site.replace_records(teachers=[])
