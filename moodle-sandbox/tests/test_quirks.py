"""Behaviours of Moodle 4.5 that the recordings show and clients must handle.

The contract tests compare shapes. These compare values where the recorded
response does not depend on the site's data.
"""

from __future__ import annotations

import re
import typing as t

if t.TYPE_CHECKING:
    from wsclient import WsClient

    from moodle_sandbox import Site

NOT_ENROLLED_WARNING = "User is not enrolled or does not have requested capability"


def test_unsupported_search_key_returns_everyone(site: Site, client: WsClient) -> None:
    answer = client.call(
        "core_user_get_users", {"criteria": [{"key": "city", "value": "Lyon"}]}
    )

    assert answer["warnings"] == [
        {
            "item": "city",
            "warningcode": "invalidfieldparameter",
            "message": "The search key 'city' is not supported, look at the web "
            "service documentation",
        }
    ]
    assert len(answer["users"]) == sum(1 for user in site.users if not user.deleted)


def test_deleted_user_only_by_field(site: Site, client: WsClient) -> None:
    deleted = site.user(site.landmarks.deleted_user)
    assert deleted is not None
    by_id = {"criteria": [{"key": "id", "value": deleted.id}]}

    searched = client.call("core_user_get_users", by_id)
    fetched = client.call(
        "core_user_get_users_by_field", {"field": "id", "values": [deleted.id, 999_999]}
    )

    assert searched == {"users": [], "warnings": []}
    assert len(fetched) == 1
    assert fetched[0]["username"] == f"{deleted.email}.{deleted.timedeleted}"
    assert re.fullmatch(r"[0-9a-f]{32}", fetched[0]["email"])


def test_suspended_flag_is_bool(site: Site, client: WsClient) -> None:
    answer = client.call(
        "core_user_get_users",
        {"criteria": [{"key": "id", "value": site.landmarks.suspended_user}]},
    )

    assert answer["users"][0]["suspended"] is True


def test_assignments_need_enrolment_or_flag(site: Site, client: WsClient) -> None:
    courseids = [site.landmarks.flagship_course, site.landmarks.weekly_course]

    plain = client.call("mod_assign_get_assignments", {"courseids": courseids})
    included = client.call(
        "mod_assign_get_assignments",
        {"courseids": courseids, "includenotenrolledcourses": 1},
    )

    assert plain == {
        "courses": [],
        "warnings": [
            {
                "item": "course",
                "itemid": courseid,
                "warningcode": "2",
                "message": NOT_ENROLLED_WARNING,
            }
            for courseid in courseids
        ],
    }
    assert [course["id"] for course in included["courses"]] == courseids
    assert all(course["assignments"] for course in included["courses"])


def test_quizzes_without_courseids_empty(client: WsClient) -> None:
    answer = client.call("mod_quiz_get_quizzes_by_courses")

    assert answer == {"quizzes": [], "warnings": []}


def test_category_names_html_escaped(site: Site, client: WsClient) -> None:
    humanities = site.category(site.landmarks.humanities_category)
    assert humanities is not None

    answer = client.call(
        "core_course_get_categories",
        {"criteria": [{"key": "id", "value": humanities.id}]},
    )

    assert answer[0]["name"] == humanities.name.replace("&", "&amp;")


def test_categories_add_subcategories_by_default(site: Site, client: WsClient) -> None:
    marks = site.landmarks
    criteria = [{"key": "id", "value": marks.science_category}]

    with_children = client.call("core_course_get_categories", {"criteria": criteria})
    without = client.call(
        "core_course_get_categories", {"criteria": criteria, "addsubcategories": 0}
    )

    assert [c["id"] for c in with_children] == [
        marks.science_category,
        marks.nested_category,
    ]
    assert [c["id"] for c in without] == [marks.science_category]


def test_enrolment_methods_only_self_and_guest(site: Site, client: WsClient) -> None:
    flagship = client.call(
        "core_enrol_get_course_enrolment_methods",
        {"courseid": site.landmarks.flagship_course},
    )
    weekly = client.call(
        "core_enrol_get_course_enrolment_methods",
        {"courseid": site.landmarks.weekly_course},
    )
    empty = client.call(
        "core_enrol_get_course_enrolment_methods",
        {"courseid": site.landmarks.empty_course},
    )

    assert [method["type"] for method in flagship] == ["self"]
    assert "wsfunction" not in flagship[0]
    assert flagship[0]["status"] is True
    assert weekly[0]["wsfunction"] == "enrol_self_get_instance_info"
    assert empty == []


def test_gradeitem_ids_are_strings(site: Site, client: WsClient) -> None:
    answer = client.call(
        "core_grades_get_gradeitems", {"courseid": site.landmarks.flagship_course}
    )

    assert answer["gradeItems"]
    assert all(isinstance(item["id"], str) for item in answer["gradeItems"])


def test_completion_off_course(site: Site, client: WsClient) -> None:
    params = {
        "courseid": site.landmarks.completion_disabled_course,
        "userid": site.landmarks.completed_student,
    }

    activities = client.call("core_completion_get_activities_completion_status", params)
    course = client.call("core_completion_get_course_completion_status", params)

    assert activities == {"statuses": [], "warnings": []}
    assert course["errorcode"] == "cannotviewreport"


def test_completion_status_is_display_string(site: Site, client: WsClient) -> None:
    answer = client.call(
        "core_completion_get_course_completion_status",
        {
            "courseid": site.landmarks.flagship_course,
            "userid": site.landmarks.completed_student,
        },
    )

    status = answer["completionstatus"]
    assert status["completed"] is True
    assert {row["status"] for row in status["completions"]} == {"Yes"}


def test_user_without_grades_has_null_rows(site: Site, client: WsClient) -> None:
    answer = client.call(
        "gradereport_user_get_grade_items",
        {
            "courseid": site.landmarks.flagship_course,
            "userid": site.landmarks.ungraded_student,
        },
    )

    items = answer["usergrades"][0]["gradeitems"]
    manual = [item for item in items if item["itemtype"] == "manual"]
    assert manual
    assert all(item["graderaw"] is None for item in manual)
    assert all(item["gradeformatted"] == "-" for item in manual)
