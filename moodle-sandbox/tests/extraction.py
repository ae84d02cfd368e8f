"""Extractions over HTTP for the tests: what a tap would read, and how often it calls.

``count_over_http`` reads everything with the fewest arguments.
``extract_minimally`` reads users in id batches and participants in pages, as
tap-moodle does, and makes no call that the API does not require.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from wsclient import WsClient

SITE_COURSE_ID = 1


def count_over_http(ws: WsClient) -> dict[str, int]:
    """Count what a complete extraction gets, using only the REST responses."""
    courses = ws.call("core_course_get_courses_by_field")["courses"]
    users = ws.call(
        "core_user_get_users", {"criteria": [{"key": "email", "value": "%"}]}
    )["users"]
    counts = {
        "site_info": 1,
        "users": len(users),
        "course_categories": len(ws.call("core_course_get_categories")),
        "courses": len(courses),
        "enrolments": 0,
        "enrolment_methods": 0,
        "grade_items": 0,
        "grades": 0,
        "course_completions": 0,
        "groups": 0,
    }
    assignments: set[tuple[int, int, int]] = set()
    for course in courses:
        if course["id"] == SITE_COURSE_ID:
            continue
        courseid = {"courseid": course["id"]}
        participants = ws.call("core_enrol_get_enrolled_users", courseid)
        counts["enrolments"] += len(participants)
        assignments |= {
            (course["id"], user["id"], role["roleid"])
            for user in participants
            for role in user["roles"]
        }
        methods = ws.call("core_enrol_get_course_enrolment_methods", courseid)
        counts["enrolment_methods"] += len(methods)
        report = ws.call("gradereport_user_get_grade_items", courseid)["usergrades"]
        if report:
            counts["grade_items"] += len(report[0]["gradeitems"])
        counts["grades"] += sum(len(row["gradeitems"]) for row in report)
        counts["groups"] += len(ws.call("core_group_get_course_groups", courseid))
        if course["enablecompletion"]:
            counts["course_completions"] += sum(
                "completionstatus"
                in ws.call(
                    "core_completion_get_course_completion_status",
                    {"courseid": course["id"], "userid": user["id"]},
                )
                for user in participants
            )
    counts["roles"] = len({roleid for _, _, roleid in assignments})
    counts["role_assignments"] = len(assignments)
    return counts


def extract_minimally(
    ws: WsClient, max_userid: int, users_batch_size: int, enrolled_users_page_size: int
) -> dict[str, int]:
    """Read every record with the fewest calls and return the records per stream.

    Users come in batches of ids from 1 to ``max_userid``: the API has no call
    that returns the highest id, so a tap finds it by reading past it, and the
    test passes it in. Participants come in pages until a short page.
    """
    ws.call("core_webservice_get_site_info")
    ws.call("core_course_get_categories")
    courses = ws.call("core_course_get_courses_by_field")["courses"]
    users = []
    for first in range(1, max_userid + 1, users_batch_size):
        ids = [str(userid) for userid in range(first, first + users_batch_size)]
        batch = ws.call("core_user_get_users_by_field", {"field": "id", "values": ids})
        users += [user for user in batch if "@" in user["email"]]
    counts = {"users": len(users), "enrolments": 0, "grades": 0}
    counts["course_completions"] = 0
    for course in courses:
        if course["id"] == SITE_COURSE_ID:
            continue
        participants = _participants(ws, course["id"], enrolled_users_page_size)
        counts["enrolments"] += len(participants)
        ws.call("core_enrol_get_course_enrolment_methods", {"courseid": course["id"]})
        report = ws.call(
            "gradereport_user_get_grade_items", {"courseid": course["id"]}
        )["usergrades"]
        counts["grades"] += sum(len(row["gradeitems"]) for row in report)
        if course["enablecompletion"]:
            # The grade report lists exactly the users that completion tracks.
            for row in report:
                answer = ws.call(
                    "core_completion_get_course_completion_status",
                    {"courseid": course["id"], "userid": row["userid"]},
                )
                counts["course_completions"] += "completionstatus" in answer
    return counts


def _participants(ws: WsClient, courseid: int, page_size: int) -> list[t.Any]:
    participants: list[t.Any] = []
    while True:
        page = ws.call(
            "core_enrol_get_enrolled_users",
            {
                "courseid": courseid,
                "options": [
                    {"name": "limitfrom", "value": len(participants)},
                    {"name": "limitnumber", "value": page_size},
                ],
            },
        )
        participants += page
        if len(page) < page_size:
            return participants
