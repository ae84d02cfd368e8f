"""Changes to a site between extractions, for tests of deletions.

Each mutation replaces the affected record lists of the :class:`Site` through
:meth:`Site.replace_records`, so its indexes and :func:`expected_counts` follow
at once. The site is changed in place: build a site of its own for a test that
mutates it.

What each mutation removes:

* :func:`delete_user`: marks the account deleted as Moodle's ``delete_user()``
  does. The username becomes ``<email>.<time>``, the e-mail the md5 of the old
  username, and the idnumber, profile fields and preferences are cleared. Its
  enrolments, role assignments, group memberships, grades, completion rows and
  course access times are removed.
* :func:`remove_enrolment`: removes a user's enrolments in one course with the
  roles, group memberships, grades, completion rows and access time there.
* :func:`delete_course`: removes a course with everything in it.
* :func:`delete_grade_item`: removes a grade item and its grades.

One mutation adds activity instead: :func:`visit_course` records an enrolled
user's visit to a course, as Moodle does on every page of the course.
"""

from __future__ import annotations

import dataclasses
import time
import typing as t

from moodle_sandbox.site.site import ADMIN_USER_ID, SITE_COURSE_ID

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from moodle_sandbox.site.model import Group
    from moodle_sandbox.site.site import Site

GUEST_USER_ID = 1


class MutationError(ValueError):
    """A mutation that names a missing record or one Moodle cannot delete."""


def delete_user(site: Site, userid: int, *, timedeleted: int | None = None) -> None:
    """Delete a user account the way Moodle does.

    Args:
        site: The site to change.
        userid: The account to delete.
        timedeleted: The deletion time in the mangled username; defaults to the
            site's anchor so that the result does not depend on the clock.

    Raises:
        MutationError: For an unknown or already deleted user, the guest user
            or the main administrator, which Moodle refuses to delete.
    """
    user = site.user(userid)
    if user is None:
        msg = f"Cannot delete user {userid}: no user has this id"
        raise MutationError(msg)
    if user.deleted:
        msg = f"Cannot delete user {userid}: the account is already deleted"
        raise MutationError(msg)
    if userid in {GUEST_USER_ID, ADMIN_USER_ID}:
        msg = f"Cannot delete user {userid}: Moodle keeps the guest and admin accounts"
        raise MutationError(msg)
    deleted = dataclasses.replace(
        user,
        deleted=True,
        timedeleted=site.anchor if timedeleted is None else timedeleted,
        idnumber="",
        customfields=(),
        preferences=(),
    )

    def of_user(row: t.Any) -> bool:  # noqa: ANN401
        return bool(row.userid == userid)

    site.replace_records(
        users=[deleted if u.id == userid else u for u in site.users],
        **_without_user_rows(site, of_user, lambda key: key[1] == userid),
    )


def remove_enrolment(site: Site, courseid: int, userid: int) -> None:
    """Unenrol a user from one course, through every enrolment method.

    Raises:
        MutationError: If the user has no enrolment in the course.
    """
    _require_enrolment(
        site, courseid, userid, f"remove the enrolment of user {userid} in course"
    )
    itemids = {item.id for item in site.course_grade_items(courseid)}
    cmids = {module.id for module in site.course_modules(courseid)}
    criterionids = {criterion.id for criterion in site.criteria(courseid)}

    def in_course(row: t.Any) -> bool:  # noqa: ANN401
        if row.userid != userid:
            return False
        course_of_row = getattr(row, "courseid", None)
        if course_of_row is not None:
            return bool(course_of_row == courseid)
        return bool(
            getattr(row, "itemid", None) in itemids
            or getattr(row, "cmid", None) in cmids
            or getattr(row, "criterionid", None) in criterionids
        )

    site.replace_records(
        **_without_user_rows(site, in_course, lambda key: key == (courseid, userid))
    )


def delete_course(site: Site, courseid: int) -> None:
    """Delete a course with its enrolments, activities, grades and completion.

    Raises:
        MutationError: For an unknown course or the site course.
    """
    if courseid == SITE_COURSE_ID:
        msg = "Cannot delete course 1: it is the site course"
        raise MutationError(msg)
    if site.course(courseid) is None:
        msg = f"Cannot delete course {courseid}: no course has this id"
        raise MutationError(msg)
    itemids = {item.id for item in site.course_grade_items(courseid)}
    cmids = {module.id for module in site.course_modules(courseid)}
    criterionids = {criterion.id for criterion in site.criteria(courseid)}

    def other(rows: list[t.Any]) -> list[t.Any]:
        return [row for row in rows if row.courseid != courseid]

    site.replace_records(
        courses=[course for course in site.courses if course.id != courseid],
        enrol_instances=other(site.enrol_instances),
        user_enrolments=other(site.user_enrolments),
        role_assignments=other(site.role_assignments),
        groups=other(site.groups),
        sections=other(site.sections),
        modules=other(site.modules),
        grade_categories=other(site.grade_categories),
        grade_items=other(site.grade_items),
        grades=[g for g in site.grades if g.itemid not in itemids],
        completion_criteria=other(site.completion_criteria),
        criterion_completions=[
            row
            for row in site.criterion_completions
            if row.criterionid not in criterionids
        ],
        course_completions={
            key: time
            for key, time in site.course_completions.items()
            if key[0] != courseid
        },
        activity_completions=[
            row for row in site.activity_completions if row.cmid not in cmids
        ],
        last_course_access={
            key: time
            for key, time in site.last_course_access.items()
            if key[0] != courseid
        },
    )


def delete_grade_item(site: Site, itemid: int) -> None:
    """Delete a grade item and every grade of it.

    Raises:
        MutationError: For an unknown item or a category or course total,
            which Moodle deletes only with its category or course.
    """
    item = next((item for item in site.grade_items if item.id == itemid), None)
    if item is None:
        msg = f"Cannot delete grade item {itemid}: no grade item has this id"
        raise MutationError(msg)
    if item.is_total:
        msg = f"Cannot delete grade item {itemid}: it is a {item.itemtype} total"
        raise MutationError(msg)
    site.replace_records(
        grade_items=[i for i in site.grade_items if i.id != itemid],
        grades=[grade for grade in site.grades if grade.itemid != itemid],
    )


def visit_course(
    site: Site, courseid: int, userid: int, *, timeaccess: int | None = None
) -> None:
    """Record a visit of an enrolled user to a course.

    Moodle stores the time of a user's last access to each course, which
    ``core_enrol_get_enrolled_users`` returns as ``lastcourseaccess``, and the
    user's last access to the site, ``lastaccess``.

    Args:
        site: The site to change.
        courseid: The course visited.
        userid: The visitor, who must be enrolled in the course.
        timeaccess: The visit's Unix time; defaults to now on this machine's
            clock, which is also the clock of the sandbox's HTTP ``Date``.

    Raises:
        MutationError: If the user is not enrolled in the course.
    """
    _require_enrolment(
        site, courseid, userid, f"record a visit of user {userid} to course"
    )
    when = int(time.time()) if timeaccess is None else timeaccess
    users = [
        dataclasses.replace(user, lastaccess=max(user.lastaccess, when))
        if user.id == userid
        else user
        for user in site.users
    ]
    site.replace_records(
        users=users,
        last_course_access={**site.last_course_access, (courseid, userid): when},
    )


def apply_mutation(site: Site, mutation: Mapping[str, t.Any]) -> None:
    """Apply one mutation given as JSON, such as ``{"action": "delete_user", ...}``.

    The actions and their arguments: ``delete_user`` (``userid``, optional
    ``timedeleted``), ``remove_enrolment`` (``courseid``, ``userid``),
    ``delete_course`` (``courseid``), ``delete_grade_item`` (``itemid``) and
    ``visit_course`` (``courseid``, ``userid``, optional ``timeaccess``).

    Raises:
        MutationError: For an unknown action, a missing or non-integer argument,
            an unexpected argument, or a mutation that the site rejects.
    """
    action = mutation.get("action")
    if action not in _ACTIONS:
        msg = f"Unknown mutation action {action!r}: use one of {sorted(_ACTIONS)}"
        raise MutationError(msg)
    required, optional, apply = _ACTIONS[action]
    arguments = {name: value for name, value in mutation.items() if name != "action"}
    unexpected = sorted(set(arguments) - set(required) - set(optional))
    if unexpected:
        msg = f"Mutation '{action}' does not take {unexpected}: it takes "
        msg += f"{[*required, *optional]}"
        raise MutationError(msg)
    for name in required:
        if name not in arguments:
            msg = f"Mutation '{action}' needs the integer argument '{name}'"
            raise MutationError(msg)
    for name, value in arguments.items():
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"Mutation '{action}' needs an integer '{name}', got {value!r}"
            raise MutationError(msg)
    apply(site, arguments)


def _require_enrolment(site: Site, courseid: int, userid: int, action: str) -> None:
    """Raise unless the user is enrolled in the course; ``action`` names the change."""
    if not site.user_enrolments_in(courseid, userid):
        msg = f"Cannot {action} {courseid}: the user is not enrolled there"
        raise MutationError(msg)


def _without_user_rows(
    site: Site,
    matches: Callable[[t.Any], bool],
    matches_key: Callable[[tuple[int, int]], bool],
) -> dict[str, t.Any]:
    """Return the per-user record lists without the rows that ``matches`` selects.

    ``matches_key`` selects the (course, user) keys of the access times and
    course completions to drop.
    """
    userid_rows = (
        "user_enrolments",
        "role_assignments",
        "grades",
        "criterion_completions",
        "activity_completions",
    )
    changes: dict[str, t.Any] = {
        name: [row for row in getattr(site, name) if not matches(row)]
        for name in userid_rows
    }
    changes["groups"] = [_without_members(group, matches) for group in site.groups]
    for name in ("course_completions", "last_course_access"):
        rows: dict[tuple[int, int], int] = getattr(site, name)
        changes[name] = {k: v for k, v in rows.items() if not matches_key(k)}
    return changes


def _without_members(group: Group, matches: Callable[[t.Any], bool]) -> Group:
    """Return the group without the members whose membership ``matches`` selects."""
    kept = tuple(
        userid
        for userid in group.member_ids
        if not matches(_Membership(group.courseid, userid))
    )
    if kept == group.member_ids:
        return group
    return dataclasses.replace(group, member_ids=kept)


@dataclasses.dataclass(frozen=True)
class _Membership:
    """A group membership seen as a row with a course and a user."""

    courseid: int
    userid: int


_ACTIONS: dict[
    str, tuple[tuple[str, ...], tuple[str, ...], Callable[[Site, dict[str, int]], None]]
] = {
    "delete_user": (
        ("userid",),
        ("timedeleted",),
        lambda site, a: delete_user(
            site, a["userid"], timedeleted=a.get("timedeleted")
        ),
    ),
    "remove_enrolment": (
        ("courseid", "userid"),
        (),
        lambda site, a: remove_enrolment(site, a["courseid"], a["userid"]),
    ),
    "delete_course": (
        ("courseid",),
        (),
        lambda site, a: delete_course(site, a["courseid"]),
    ),
    "delete_grade_item": (
        ("itemid",),
        (),
        lambda site, a: delete_grade_item(site, a["itemid"]),
    ),
    "visit_course": (
        ("courseid", "userid"),
        ("timeaccess",),
        lambda site, a: visit_course(
            site, a["courseid"], a["userid"], timeaccess=a.get("timeaccess")
        ),
    ),
}
