"""Generator steps: enrolments, role assignments, course access and groups."""

from __future__ import annotations

import typing as t

from moodle_sandbox.site import names
from moodle_sandbox.site.builder import DAY
from moodle_sandbox.site.model import (
    ROLE_EDITINGTEACHER,
    ROLE_STUDENT,
    ROLE_TEACHER,
    Course,
    Group,
    UserEnrolment,
)

if t.TYPE_CHECKING:
    from moodle_sandbox.site.builder import Builder

HIDDEN_COURSE_STUDENTS = (8, 12)
# Share of active enrolments whose user has visited the course.
COURSE_ACCESS_SHARE = 0.75
# Share of the flagship's students spread over its three groups.
GROUPED_SHARE = 0.6


def add_enrolments(builder: Builder) -> None:
    """Enrol students and teachers in every course except the empty one.

    The flagship course gets the special cases: a user with two roles, a user
    enrolled through two methods, a suspended and an ended enrolment, the
    suspended account and a self-registered user.
    """
    students = builder.people["students"]
    editing, second_editing, non_editing, generic_teacher = builder.people["teachers"]
    flagship = builder.courses_of_kind("flagship")[0]
    weekly = builder.courses_of_kind("weekly")[0]
    generics = builder.courses_of_kind("generic")
    hidden = builder.courses_of_kind("hidden")[0]

    rosters: dict[int, list[int]] = {
        flagship.id: _sample(builder, students, builder.preset.flagship_students),
        weekly.id: _sample(builder, students, builder.preset.course_students),
        hidden.id: _sample(builder, students, HIDDEN_COURSE_STUDENTS),
    }
    for course in generics:
        rosters[course.id] = _sample(builder, students, builder.preset.course_students)

    inactive = _pick_inactive_students(rosters, flagship.id)
    for courseid, roster in rosters.items():
        course = builder.course(courseid)
        for userid in roster:
            suspended = userid == inactive[0]
            ended = userid == inactive[1]
            _enrol(
                builder,
                course,
                userid,
                "manual",
                ROLE_STUDENT,
                suspended=suspended and courseid == flagship.id,
                ended=ended and courseid == flagship.id,
            )

    flagship_roster = rosters[flagship.id]
    two_role_user = flagship_roster[2]
    double_enrolled = flagship_roster[3]
    _assign(builder, flagship.id, two_role_user, ROLE_TEACHER)
    _enrol(builder, flagship, double_enrolled, "self", ROLE_STUDENT)
    _enrol(builder, flagship, builder.people["suspended"][0], "manual", ROLE_STUDENT)
    _enrol(builder, flagship, builder.people["selfreg"][0], "self", ROLE_STUDENT)
    _enrol(builder, flagship, editing, "manual", ROLE_EDITINGTEACHER)
    _enrol(builder, flagship, non_editing, "manual", ROLE_TEACHER)
    _enrol(builder, weekly, second_editing, "manual", ROLE_EDITINGTEACHER)
    _enrol(builder, weekly, editing, "manual", ROLE_TEACHER)
    _enrol(builder, weekly, rosters[weekly.id][0], "self", ROLE_STUDENT)
    _enrol(builder, hidden, editing, "manual", ROLE_EDITINGTEACHER)
    extra_teachers = builder.people["extra_teachers"]
    for index, course in enumerate(generics):
        if extra_teachers:
            teacher = extra_teachers[index % len(extra_teachers)]
        else:
            teacher = generic_teacher if index % 2 == 0 else editing
        _enrol(builder, course, teacher, "manual", ROLE_EDITINGTEACHER)

    _add_course_access(builder)
    largest = max(generics, key=lambda course: (len(rosters[course.id]), -course.id))
    without_completion = [course for course in generics if not course.enablecompletion]
    builder.marks.update(
        flagship_course=flagship.id,
        weekly_course=weekly.id,
        empty_course=builder.courses_of_kind("empty")[0].id,
        hidden_course=hidden.id,
        largest_course=largest.id,
        completion_disabled_course=without_completion[0].id,
        editing_teacher=editing,
        non_editing_teacher=non_editing,
        two_role_user=two_role_user,
        suspended_user=builder.people["suspended"][0],
        deleted_user=builder.people["deleted"][0],
        suspended_enrolment_student=inactive[0],
        ended_enrolment_student=inactive[1],
    )


def _sample(builder: Builder, pool: list[int], bounds: tuple[int, int]) -> list[int]:
    count = min(builder.pick_count(bounds), len(pool))
    return sorted(builder.rng.sample(pool, count))


def _pick_inactive_students(
    rosters: dict[int, list[int]], flagshipid: int
) -> tuple[int, int]:
    """Pick two flagship students who also study elsewhere.

    Their flagship enrolment becomes suspended or ended. Moodle lists only
    courses with an active enrolment in ``enrolledcourses``, so a second course
    keeps that list non-empty.
    """
    elsewhere = {
        userid
        for courseid, roster in rosters.items()
        if courseid != flagshipid
        for userid in roster
    }
    # The first four students have other roles in the flagship course.
    candidates = [u for u in rosters[flagshipid][4:] if u in elsewhere]
    candidates = candidates or rosters[flagshipid][4:]
    return candidates[-1], candidates[-2]


def _enrol(  # noqa: PLR0913
    builder: Builder,
    course: Course,
    userid: int,
    method: str,
    roleid: int,
    *,
    suspended: bool = False,
    ended: bool = False,
) -> None:
    instance = builder.enrol_instance(course.id, method)
    timestart = course.startdate - 7 * DAY
    builder.user_enrolments.append(
        UserEnrolment(
            id=builder.next_id("user_enrolment"),
            instanceid=instance.id,
            courseid=course.id,
            userid=userid,
            suspended=suspended,
            timestart=timestart,
            timeend=builder.anchor - 3 * DAY if ended else 0,
        )
    )
    _assign(builder, course.id, userid, roleid)


def _assign(builder: Builder, courseid: int, userid: int, roleid: int) -> None:
    builder.assign_role(courseid, userid, roleid)


def _add_course_access(builder: Builder) -> None:
    users = {user.id: user for user in builder.users}
    for enrolment in builder.user_enrolments:
        key = (enrolment.courseid, enrolment.userid)
        if key in builder.last_course_access or enrolment.suspended:
            continue
        visited = builder.rng.random() < COURSE_ACCESS_SHARE
        if users[enrolment.userid].lastaccess and visited:
            builder.last_course_access[key] = builder.days_ago(0, 30)


def add_groups(builder: Builder) -> None:
    """Create groups: three filled and one empty in the flagship, two in weekly.

    One flagship student belongs to two groups, and the editing teacher to one.
    """
    flagship = builder.courses_of_kind("flagship")[0]
    weekly = builder.courses_of_kind("weekly")[0]
    students = [
        userid
        for userid in builder.course_students(flagship.id)
        if userid in builder.people["students"]
    ]
    grouped = students[: max(3, int(len(students) * GROUPED_SHARE))]
    members: list[list[int]] = [[], [], []]
    for index, userid in enumerate(grouped):
        members[index % 3].append(userid)
    members[1].append(members[0][0])
    members[0].append(builder.people["teachers"][0])
    for (name, description), member_ids in zip(
        names.FLAGSHIP_GROUPS, members, strict=True
    ):
        _add_group(builder, flagship.id, (name, description), sorted(member_ids))
    builder.marks["flagship_group"] = builder.groups[0].id
    empty_text = (names.EMPTY_GROUP_NAME, names.LOREM)
    empty = _add_group(builder, flagship.id, empty_text, [])
    builder.marks["empty_group"] = empty.id

    weekly_students = builder.course_students(weekly.id)
    half = len(weekly_students) // 2
    for index, (name, description) in enumerate(names.TUTORIAL_GROUPS):
        member_ids = weekly_students[index * half : (index + 1) * half]
        _add_group(
            builder,
            weekly.id,
            (name, description),
            member_ids,
            enrolmentkey="" if index == 0 else None,
        )


def _add_group(
    builder: Builder,
    courseid: int,
    text: tuple[str, str],
    member_ids: list[int],
    enrolmentkey: str | None = None,
) -> Group:
    """Create a group from its (name, description) and members."""
    name, description = text
    groupid = builder.next_id("group")
    group = Group(
        id=groupid,
        courseid=courseid,
        name=name,
        description=description,
        idnumber=f"GRP-{groupid}" if member_ids else "",
        enrolmentkey=enrolmentkey,
        member_ids=tuple(member_ids),
    )
    builder.groups.append(group)
    return group
