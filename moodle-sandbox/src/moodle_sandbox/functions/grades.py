"""``gradereport_user_get_grade_items`` and ``core_grades_get_gradeitems``."""

from __future__ import annotations

import typing as t

from moodle_sandbox import errors
from moodle_sandbox.functions.base import (
    CallContext,
    WsFunction,
    format_string,
    php_number,
)
from moodle_sandbox.site.gradebook import ItemResult, user_report
from moodle_sandbox.validation import Presence, Single, integer

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import Course, User

SUCCESS_ICON = (
    '<i class="icon fa fa-check text-success fa-fw inline"  title="Pass" '
    'role="img" aria-label="Pass"></i>'
)
FAILURE_ICON = (
    '<i class="icon fa fa-xmark text-danger fa-fw inline"  title="Fail" '
    'role="img" aria-label="Fail"></i>'
)
GUEST_USER_ID = 1
# Moodle's FORMAT_HTML and FORMAT_PLAIN; a missing row reports 0.
FEEDBACK_FORMAT_HTML = 1
FEEDBACK_FORMAT_PLAIN = 2


def get_grade_items(ctx: CallContext, params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Return each graded user's report, or one user's report.

    With ``userid`` 0 the report covers the students with an active enrolment,
    sorted by last and first name, optionally only the members of ``groupid``.
    A single ``userid`` works even for a user who is not enrolled.
    """
    course = ctx.course_or_error(params["courseid"])
    site = ctx.site
    if params["userid"]:
        users = [_active_user(ctx, params["userid"])]
    else:
        userids = site.tracked_user_ids(course.id)
        if params["groupid"]:
            groups = [
                g for g in site.course_groups(course.id) if g.id == params["groupid"]
            ]
            members = {member for group in groups for member in group.member_ids}
            userids = [userid for userid in userids if userid in members]
        users = [u for u in (site.user(uid) for uid in userids) if u is not None]
        users.sort(key=lambda user: (user.lastname, user.firstname, user.id))
    return {
        "usergrades": [_user_grades(ctx, course, user) for user in users],
        "warnings": [],
    }


def _active_user(ctx: CallContext, userid: int) -> User:
    """Return the user, checked like Moodle's ``core_user::require_active_user``.

    Raises:
        MoodleError: ``invalidrecord`` for an unknown id; ``userdeleted``,
            ``usernotconfirmed`` or ``guestsarenotallowed`` for those accounts
            (codes and messages from the Moodle 4.5 source, not recorded).
    """
    user = ctx.user_or_error(userid)
    if user.deleted:
        raise errors.user_deleted()
    if not user.confirmed:
        raise errors.user_not_confirmed(user.username)
    if user.id == GUEST_USER_ID:
        raise errors.guest_not_allowed()
    return user


def _user_grades(ctx: CallContext, course: Course, user: User) -> dict[str, t.Any]:
    site = ctx.site
    has_subcategory = any(
        category.parentid is not None
        for category in site.course_grade_categories(course.id)
    )
    return {
        "courseid": course.id,
        "courseidnumber": course.idnumber,
        "userid": user.id,
        "userfullname": user.fullname,
        "useridnumber": user.idnumber,
        "maxdepth": 3 if has_subcategory else 2,
        "gradeitems": [
            _item_record(ctx, result)
            for result in user_report(site, course.id, user.id)
        ],
    }


def _item_record(ctx: CallContext, result: ItemResult) -> dict[str, t.Any]:
    item = result.item
    grade = result.grade
    record: dict[str, t.Any] = {
        "id": item.id,
        "itemname": None if item.itemname is None else format_string(item.itemname),
        "itemtype": item.itemtype,
        "itemmodule": item.itemmodule,
        "iteminstance": item.iteminstance,
        "itemnumber": None if item.is_total else 0,
        "idnumber": item.idnumber,
        "categoryid": item.categoryid,
        "outcomeid": None,
        # The recorded report shows scaleid null even for a scale item.
        "scaleid": None,
        "locked": False,
    }
    if item.cmid is not None:
        record["cmid"] = item.cmid
    if result.weight is not None:
        record["weightraw"] = php_number(result.weight)
        record["weightformatted"] = f"{result.weight * 100:.2f} %"
    if result.has_row and result.graderaw is None and item.itemtype != "course":
        record["status"] = "novalue"
    record["graderaw"] = (
        None if result.graderaw is None else php_number(result.graderaw)
    )
    record["gradedatesubmitted"] = None if grade is None else grade.timesubmitted
    record["gradedategraded"] = _date_graded(ctx, result)
    record.update(
        gradehiddenbydate=False,
        gradeneedsupdate=False,
        gradeishidden=item.hidden,
        gradeislocked=grade is not None and grade.locked,
        gradeisoverridden=grade is not None and grade.overridden,
        gradeformatted=_formatted_grade(result),
        grademin=item.grademin,
        grademax=result.grademax,
        rangeformatted=_range(result),
        percentageformatted=_percentage(result),
        feedback="" if grade is None else grade.feedback,
        feedbackformat=_feedback_format(result),
    )
    return record


def _date_graded(ctx: CallContext, result: ItemResult) -> int | None:
    if result.item.is_total:
        return ctx.site.regrade_time if result.graderaw is not None else None
    return None if result.grade is None else result.grade.timegraded


def _formatted_grade(result: ItemResult) -> str:
    item = result.item
    value = result.graderaw
    if value is None:
        return "-"
    if item.scale:
        return item.scale[int(value) - item.grademin]
    text = f"{value:.2f}"
    if item.gradepass:
        return (SUCCESS_ICON if value >= item.gradepass else FAILURE_ICON) + text
    return text


def _range(result: ItemResult) -> str:
    item = result.item
    if item.scale:
        return f"{item.scale[0]}&ndash;{item.scale[-1]}"
    return f"{item.grademin}&ndash;{result.grademax}"


def _percentage(result: ItemResult) -> str:
    percentage = result.percentage
    return "-" if percentage is None else f"{percentage:.2f} %"


def _feedback_format(result: ItemResult) -> int:
    if not result.has_row:
        return 0
    grade = result.grade
    has_content = grade is not None and (grade.rawgrade is not None or grade.feedback)
    if result.item.itemtype == "manual" and has_content:
        return FEEDBACK_FORMAT_HTML
    return FEEDBACK_FORMAT_PLAIN


def get_gradeitems(ctx: CallContext, params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Return the course's gradable items (no totals) with their category names.

    As in Moodle 4.5 the list is under camelCase ``gradeItems`` and each ``id``
    is a string; items of the top category name the course.
    """
    course = ctx.course_or_error(params["courseid"])
    site = ctx.site
    items = []
    for item in sorted(site.course_grade_items(course.id), key=lambda i: i.id):
        if item.is_total:
            continue
        category = site.grade_category(item.categoryid or 0)
        is_top = category is None or category.parentid is None
        category_name = course.fullname if is_top else category.fullname
        items.append(
            {
                "id": str(item.id),
                "itemname": format_string(item.itemname or ""),
                "category": format_string(category_name),
            }
        )
    return {"gradeItems": items, "warnings": []}


FUNCTIONS = (
    WsFunction(
        "gradereport_user_get_grade_items",
        Single(
            {
                "courseid": integer(),
                "userid": integer(Presence.DEFAULT, 0),
                "groupid": integer(Presence.DEFAULT, 0),
            }
        ),
        get_grade_items,
    ),
    WsFunction(
        "core_grades_get_gradeitems",
        Single({"courseid": integer()}),
        get_gradeitems,
    ),
)
