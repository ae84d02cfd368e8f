"""Activity lists: assignments, quizzes and forums of a set of courses.

Without ``courseids`` these functions cover only the courses the token's user is
enrolled in. The sandbox's token belongs to the administrator, who is enrolled
nowhere, so such a call returns nothing, as on the recorded site for quizzes.
"""

from __future__ import annotations

import typing as t

from moodle_sandbox.functions.base import CallContext, WsFunction, format_string
from moodle_sandbox.validation import Multiple, Presence, Single, boolean, integer, text

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import Course, Module

NOT_ENROLLED_MESSAGE = "User is not enrolled or does not have requested capability"
NO_ACCESS_MESSAGE = "No access rights in course context"
QUIZ_REVIEW_DURING_AND_AFTER = 69904
QUIZ_REVIEW_OVERALL_FEEDBACK = 4368


def _requested_courses(
    ctx: CallContext, courseids: list[int], warningcode: str, message: str
) -> tuple[list[Course], list[dict[str, t.Any]]]:
    """Split the requested ids into existing courses and warnings for the rest."""
    courses: list[Course] = []
    warnings: list[dict[str, t.Any]] = []
    for courseid in dict.fromkeys(courseids):
        course = ctx.site.course(courseid)
        if course is None:
            warnings.append(
                {
                    "item": "course",
                    "itemid": courseid,
                    "warningcode": warningcode,
                    "message": message,
                }
            )
        else:
            courses.append(course)
    return courses, warnings


def _modules(ctx: CallContext, course: Course, modname: str) -> list[Module]:
    return [m for m in ctx.site.course_modules(course.id) if m.modname == modname]


def get_assignments(ctx: CallContext, params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Return the assignments per course.

    Courses the token's user is not enrolled in (every course, for the
    sandbox's administrator) give a warning with code "2" unless
    ``includenotenrolledcourses`` is set, as on Moodle 4.5.
    """
    courseids = params["courseids"]
    if not params["includenotenrolledcourses"]:
        warnings = [
            {
                "item": "course",
                "itemid": courseid,
                "warningcode": "2",
                "message": NOT_ENROLLED_MESSAGE,
            }
            for courseid in dict.fromkeys(courseids)
        ]
        return {"courses": [], "warnings": warnings}
    courses, warnings = _requested_courses(ctx, courseids, "2", NOT_ENROLLED_MESSAGE)
    return {
        "courses": [
            {
                "id": course.id,
                "fullname": format_string(course.fullname),
                "shortname": format_string(course.shortname),
                "timemodified": course.timemodified,
                "assignments": [
                    _assignment(module) for module in _modules(ctx, course, "assign")
                ],
            }
            for course in courses
        ],
        "warnings": warnings,
    }


def _assignment(module: Module) -> dict[str, t.Any]:
    settings = module.settings
    return {
        "id": module.instance,
        "cmid": module.id,
        "course": module.courseid,
        "name": module.name,
        "nosubmissions": 0,
        "submissiondrafts": 0,
        "sendnotifications": 0,
        "sendlatenotifications": 0,
        "sendstudentnotifications": 1,
        "duedate": int(settings.get("duedate", 0)),
        "allowsubmissionsfromdate": int(settings.get("allowsubmissionsfromdate", 0)),
        "grade": int(settings.get("grade", 100)),
        "timemodified": module.timemodified,
        "completionsubmit": int(settings.get("completionsubmit", 0)),
        "cutoffdate": 0,
        "gradingduedate": 0,
        "teamsubmission": 0,
        "requireallteammemberssubmit": 0,
        "teamsubmissiongroupingid": 0,
        "blindmarking": 0,
        "hidegrader": 0,
        "revealidentities": 0,
        "attemptreopenmethod": "untilpass",
        "maxattempts": 1,
        "markingworkflow": 0,
        "markingallocation": 0,
        "markinganonymous": 0,
        "requiresubmissionstatement": 0,
        "preventsubmissionnotingroup": 0,
        "configs": [
            _config("onlinetext", "enabled", "1"),
            _config("onlinetext", "wordlimit", "0"),
            _config("onlinetext", "wordlimitenabled", "0"),
            _config("comments", "enabled", "0"),
        ],
        "intro": module.intro,
        "introformat": 1,
        "introfiles": [],
        "introattachments": [],
        "timelimit": 0,
        "submissionattachments": 0,
    }


def _config(plugin: str, name: str, value: str) -> dict[str, str]:
    return {
        "plugin": plugin,
        "subtype": "assignsubmission",
        "name": name,
        "value": value,
    }


def get_quizzes(ctx: CallContext, params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Return the quizzes of the requested courses; unknown ids give a warning."""
    courses, warnings = _requested_courses(
        ctx, params["courseids"], "1", NO_ACCESS_MESSAGE
    )
    quizzes = [
        _quiz(module) for course in courses for module in _modules(ctx, course, "quiz")
    ]
    return {"quizzes": quizzes, "warnings": warnings}


def _quiz(module: Module) -> dict[str, t.Any]:
    settings = module.settings
    review = QUIZ_REVIEW_DURING_AND_AFTER
    return {
        "id": module.instance,
        "coursemodule": module.id,
        "course": module.courseid,
        "name": module.name,
        "intro": module.intro,
        "introformat": 1,
        "introfiles": [],
        "section": module.section,
        "visible": module.visible,
        "groupmode": 0,
        "groupingid": 0,
        "lang": "",
        "timeopen": int(settings.get("timeopen", 0)),
        "timeclose": int(settings.get("timeclose", 0)),
        "timelimit": 0,
        "overduehandling": "autosubmit",
        "graceperiod": 86400,
        "preferredbehaviour": "deferredfeedback",
        "canredoquestions": 0,
        "attempts": 2,
        "attemptonlast": 0,
        "grademethod": 1,
        "decimalpoints": 2,
        "questiondecimalpoints": -1,
        "reviewattempt": review,
        "reviewcorrectness": review,
        "reviewmaxmarks": review,
        "reviewmarks": review,
        "reviewspecificfeedback": review,
        "reviewgeneralfeedback": review,
        "reviewrightanswer": review,
        "reviewoverallfeedback": QUIZ_REVIEW_OVERALL_FEEDBACK,
        "questionsperpage": 1,
        "navmethod": "free",
        "shuffleanswers": 1,
        "sumgrades": int(settings.get("sumgrades", 1)),
        "grade": int(settings.get("grade", 10)),
        "timecreated": module.timemodified,
        "timemodified": module.timemodified,
        "password": "",
        "subnet": "",
        "browsersecurity": "",
        "delay1": 0,
        "delay2": 0,
        "showuserpicture": 0,
        "showblocks": 0,
        "completionattemptsexhausted": 0,
        "completionpass": 0,
        "allowofflineattempts": 0,
        "autosaveperiod": 60,
        "hasfeedback": 0,
        "hasquestions": 1,
    }


def get_forums(ctx: CallContext, params: dict[str, t.Any]) -> list[t.Any]:
    """Return the forums of the requested courses; unknown ids are skipped."""
    courses, _ = _requested_courses(ctx, params["courseids"], "1", NO_ACCESS_MESSAGE)
    return [
        _forum(module)
        for course in courses
        for module in _modules(ctx, course, "forum")
    ]


def _forum(module: Module) -> dict[str, t.Any]:
    settings = module.settings
    return {
        "id": module.instance,
        "course": module.courseid,
        "type": str(settings.get("type", "general")),
        "name": module.name,
        "intro": module.intro,
        "introformat": 1,
        "introfiles": [],
        "lang": "",
        "duedate": 0,
        "cutoffdate": 0,
        "assessed": 0,
        "assesstimestart": 0,
        "assesstimefinish": 0,
        "scale": 0,
        "grade_forum": 0,
        "grade_forum_notify": 0,
        "maxbytes": 0,
        "maxattachments": 1,
        "forcesubscribe": 0,
        "trackingtype": int(settings.get("trackingtype", 1)),
        "rsstype": 0,
        "rssarticles": 0,
        "timemodified": module.timemodified,
        "warnafter": 0,
        "blockafter": 0,
        "blockperiod": 0,
        "completiondiscussions": 0,
        "completionreplies": 0,
        "completionposts": 0,
        "cmid": module.id,
        "numdiscussions": int(settings.get("numdiscussions", 0)),
        "cancreatediscussions": True,
        "lockdiscussionafter": 0,
        "istracked": False,
    }


def _course_ids() -> Multiple:
    return Multiple(integer(), Presence.DEFAULT, default=[])


FUNCTIONS = (
    WsFunction(
        "mod_assign_get_assignments",
        Single(
            {
                "courseids": _course_ids(),
                "capabilities": Multiple(text(), Presence.DEFAULT, default=[]),
                "includenotenrolledcourses": boolean(Presence.DEFAULT, default=False),
            }
        ),
        get_assignments,
    ),
    WsFunction(
        "mod_quiz_get_quizzes_by_courses",
        Single({"courseids": _course_ids()}),
        get_quizzes,
    ),
    WsFunction(
        "mod_forum_get_forums_by_courses",
        Single({"courseids": _course_ids()}),
        get_forums,
    ),
)
