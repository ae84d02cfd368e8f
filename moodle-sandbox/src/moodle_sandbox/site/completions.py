"""Generator step: course completion criteria and the students' progress.

Courses with completion on require every criterion (aggregation "all"): each
tracked activity and self completion. A course counts as complete for a student
when every criterion is met; its completion time is the latest criterion's.
"""

from __future__ import annotations

import typing as t

from moodle_sandbox.site.grading import active_students
from moodle_sandbox.site.model import (
    COMPLETION_TRACKING_AUTOMATIC,
    COMPLETION_TRACKING_NONE,
    CRITERIA_TYPE_ACTIVITY,
    CRITERIA_TYPE_SELF,
    ActivityCompletion,
    CompletionCriterion,
    CriterionCompletion,
)
from moodle_sandbox.site.site import ADMIN_USER_ID

if t.TYPE_CHECKING:
    from moodle_sandbox.site.builder import Builder
    from moodle_sandbox.site.model import Course, Module

MANUAL_COMPLETION_SHARE = 0.65
OVERRIDDEN_SHARE = 0.5
SELF_COMPLETION_SHARE = 0.45


def add_completion(builder: Builder) -> None:
    """Create criteria and progress for each course with completion on."""
    submissions = _submission_times(builder)
    for course in builder.courses:
        if not course.enablecompletion:
            continue
        tracked_modules = [
            module
            for module in builder.course_modules(course.id)
            if module.completion != COMPLETION_TRACKING_NONE
        ]
        criteria = _add_criteria(builder, course, tracked_modules)
        students = active_students(builder, course.id)
        if course.id == builder.marks["weekly_course"]:
            builder.marks["weekly_student"] = students[0]
        for userid in students:
            _add_progress(builder, userid, tracked_modules, criteria, submissions)


def _add_criteria(
    builder: Builder, course: Course, modules: list[Module]
) -> list[CompletionCriterion]:
    criteria = [
        CompletionCriterion(
            builder.next_id("criterion"), course.id, CRITERIA_TYPE_ACTIVITY, module.id
        )
        for module in modules
    ]
    criteria.append(
        CompletionCriterion(builder.next_id("criterion"), course.id, CRITERIA_TYPE_SELF)
    )
    builder.completion_criteria.extend(criteria)
    return criteria


def _add_progress(
    builder: Builder,
    userid: int,
    modules: list[Module],
    criteria: list[CompletionCriterion],
    submissions: dict[tuple[int, int], int],
) -> None:
    marks = builder.marks
    forced = {marks["completed_student"], marks.get("weekly_student", 0)}
    complete_all = userid in forced
    module_times: dict[int, int] = {}
    for module in modules:
        submitted = submissions.get((module.id, userid))
        row = _activity_state(builder, userid, module, submitted, force=complete_all)
        if row is not None:
            builder.activity_completions.append(row)
            module_times[module.id] = row.timemodified
    times: list[int] = []
    for criterion in criteria:
        time = _criterion_time(
            builder, userid, criterion, module_times, complete_all=complete_all
        )
        if time is not None:
            builder.criterion_completions.append(
                CriterionCompletion(criterion.id, userid, time)
            )
            times.append(time)
    if len(times) == len(criteria):
        builder.course_completions[(criteria[0].courseid, userid)] = max(times)


def _activity_state(
    builder: Builder,
    userid: int,
    module: Module,
    submitted: int | None,
    *,
    force: bool,
) -> ActivityCompletion | None:
    rng = builder.rng
    if module.completion == COMPLETION_TRACKING_AUTOMATIC:
        if submitted is None and force:
            submitted = builder.days_ago(5, 10)
        if submitted is None:
            return None
        return ActivityCompletion(module.id, userid, 1, submitted)
    if not force and rng.random() >= MANUAL_COMPLETION_SHARE:
        return None
    overrideby = ADMIN_USER_ID if rng.random() < OVERRIDDEN_SHARE else None
    return ActivityCompletion(module.id, userid, 1, builder.days_ago(1, 40), overrideby)


def _submission_times(builder: Builder) -> dict[tuple[int, int], int]:
    """Return when each student submitted each graded activity, by (cmid, user).

    The time comes from the grade row: its submission time, else its grading
    time. Rows without either mean no submission.
    """
    cmids = {item.id: item.cmid for item in builder.grade_items if item.cmid}
    times: dict[tuple[int, int], int] = {}
    for grade in builder.grades:
        time = grade.timesubmitted or grade.timegraded
        if grade.itemid in cmids and time:
            times[(cmids[grade.itemid], grade.userid)] = time
    return times


def _criterion_time(
    builder: Builder,
    userid: int,
    criterion: CompletionCriterion,
    module_times: dict[int, int],
    *,
    complete_all: bool,
) -> int | None:
    if criterion.criteriatype == CRITERIA_TYPE_ACTIVITY:
        return module_times.get(t.cast("int", criterion.cmid))
    if userid == builder.marks["incomplete_student"]:
        return None
    if complete_all or builder.rng.random() < SELF_COMPLETION_SHARE:
        return builder.days_ago(0, 20)
    return None
