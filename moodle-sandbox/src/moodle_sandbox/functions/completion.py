"""``core_completion_get_course_completion_status`` and the activities' status."""

from __future__ import annotations

import typing as t

from moodle_sandbox import errors
from moodle_sandbox.functions.base import CallContext, WsFunction
from moodle_sandbox.site.model import (
    COMPLETION_TRACKING_AUTOMATIC,
    COMPLETION_TRACKING_MANUAL,
    COMPLETION_TRACKING_NONE,
    CRITERIA_TYPE_ACTIVITY,
)
from moodle_sandbox.validation import Single, integer

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import CompletionCriterion, Course, Module

AGGREGATION_ALL = 1


def get_course_completion_status(
    ctx: CallContext, params: dict[str, t.Any]
) -> dict[str, t.Any]:
    """Return a tracked user's course completion with one row per criterion.

    Raises:
        MoodleError: ``invalidrecord`` for an unknown course or user;
            ``cannotviewreport`` when the course has completion off;
            ``notenroled`` when the token's own user is not tracked, and
            ``usernotenroled`` for any other user that completion does not
            track (not a student, or no active enrolment). The last code comes
            from the Moodle 4.5 source; the recordings only show ``notenroled``.
    """
    course = ctx.course_or_error(params["courseid"])
    user = ctx.user_or_error(params["userid"])
    site = ctx.site
    if not course.enablecompletion:
        raise errors.cannot_view_report()
    if not site.is_tracked(course.id, user.id):
        if user.id == ctx.userid:
            raise errors.not_enrolled_self()
        raise errors.user_not_enrolled()
    completions = [
        _criterion_row(ctx, criterion, user.id)
        for criterion in site.criteria(course.id)
    ]
    return {
        "completionstatus": {
            "completed": (course.id, user.id) in site.course_completions,
            "aggregation": AGGREGATION_ALL,
            "completions": completions,
        },
        "warnings": [],
    }


def _criterion_row(
    ctx: CallContext, criterion: CompletionCriterion, userid: int
) -> dict[str, t.Any]:
    timecompleted = ctx.site.criterion_time(criterion.id, userid)
    complete = timecompleted is not None
    if criterion.criteriatype == CRITERIA_TYPE_ACTIVITY:
        module = t.cast("Module", ctx.site.module(t.cast("int", criterion.cmid)))
        title = "Activity completion"
        link = f"{ctx.wwwroot}/mod/{module.modname}/view.php?id={module.id}"
        details_criteria = f'<a href="{link}">{module.name}</a>'
        manual = module.completion == COMPLETION_TRACKING_MANUAL
        requirement = "Marking yourself complete" if manual else ""
    else:
        title = "Self completion"
        details_criteria = title
        requirement = "Marking yourself complete"
    return {
        "type": criterion.criteriatype,
        "title": title,
        "status": "Yes" if complete else "No",
        "complete": complete,
        "timecompleted": timecompleted,
        "details": {
            "type": title,
            "criteria": details_criteria,
            "requirement": requirement,
            "status": "",
        },
    }


def get_activities_completion_status(
    ctx: CallContext, params: dict[str, t.Any]
) -> dict[str, t.Any]:
    """Return the user's state of every activity with completion tracking.

    A course with completion off has no such activity, so ``statuses`` is empty;
    a user that completion does not track gets state 0 everywhere.
    """
    course = ctx.course_or_error(params["courseid"])
    user = ctx.user_or_error(params["userid"])
    tracked = ctx.site.is_tracked(course.id, user.id)
    statuses = []
    for module in tracked_modules(ctx, course):
        data = completion_data(ctx, module, user.id, tracked=tracked)
        statuses.append(
            {
                "cmid": module.id,
                "modname": module.modname,
                "instance": module.instance,
                "state": data.pop("state"),
                "timecompleted": data.pop("timecompleted"),
                "tracking": module.completion,
                **data,
            }
        )
    return {"statuses": statuses, "warnings": []}


def tracked_modules(ctx: CallContext, course: Course) -> list[Module]:
    """Return the course's activities with completion tracking on."""
    if not course.enablecompletion:
        return []
    return [
        module
        for module in ctx.site.course_modules(course.id)
        if module.completion != COMPLETION_TRACKING_NONE
    ]


def completion_data(
    ctx: CallContext, module: Module, userid: int, *, tracked: bool
) -> dict[str, t.Any]:
    """Return a user's completion fields for one activity, in Moodle's key order.

    Shared by the activities' status and ``completiondata`` in course contents.
    """
    row = ctx.site.activity_completion(module.id, userid) if tracked else None
    state = 0 if row is None else row.state
    automatic = module.completion == COMPLETION_TRACKING_AUTOMATIC
    details = []
    if automatic:
        details.append(
            {
                "rulename": "completionsubmit",
                "rulevalue": {
                    "status": int(state > 0),
                    "description": "Make a submission",
                },
            }
        )
    return {
        "state": state,
        "timecompleted": 0 if row is None else row.timemodified,
        "overrideby": None if row is None else row.overrideby,
        "valueused": False,
        "hascompletion": True,
        "isautomatic": automatic,
        "istrackeduser": tracked,
        "uservisible": True,
        "details": details,
        "isoverallcomplete": state > 0,
    }


FUNCTIONS = (
    WsFunction(
        "core_completion_get_course_completion_status",
        Single({"courseid": integer(), "userid": integer()}),
        get_course_completion_status,
    ),
    WsFunction(
        "core_completion_get_activities_completion_status",
        Single({"courseid": integer(), "userid": integer()}),
        get_activities_completion_status,
    ),
)
