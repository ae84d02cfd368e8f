"""The wsfunctions the sandbox implements, and Moodle's list of known functions."""

from __future__ import annotations

import functools
from importlib import resources

from moodle_sandbox.functions import (
    completion,
    contents,
    courses,
    enrol,
    grades,
    groups,
    modules,
    users,
)
from moodle_sandbox.functions.base import CallContext, WsFunction
from moodle_sandbox.functions.site_info import site_info_function

SITE_INFO = "core_webservice_get_site_info"

# Every implemented function except site info, which depends on the service.
_FUNCTIONS: tuple[WsFunction, ...] = (
    *users.FUNCTIONS,
    *courses.FUNCTIONS,
    *contents.FUNCTIONS,
    *enrol.FUNCTIONS,
    *grades.FUNCTIONS,
    *completion.FUNCTIONS,
    *groups.FUNCTIONS,
    *modules.FUNCTIONS,
)

# The implemented functions, in the order of the external service recorded on a
# real Moodle 4.5 site; that order is what core_webservice_get_site_info lists.
DEFAULT_SERVICE_FUNCTIONS: tuple[str, ...] = (
    SITE_INFO,
    "core_user_get_users",
    "core_user_get_users_by_field",
    "core_course_get_courses_by_field",
    "core_course_get_categories",
    "core_course_get_contents",
    "core_enrol_get_enrolled_users",
    "core_enrol_get_course_enrolment_methods",
    "gradereport_user_get_grade_items",
    "core_completion_get_course_completion_status",
    "core_completion_get_activities_completion_status",
    "core_group_get_course_groups",
    "mod_assign_get_assignments",
    "mod_quiz_get_quizzes_by_courses",
    "mod_forum_get_forums_by_courses",
    "core_grades_get_gradeitems",
)

IMPLEMENTED_FUNCTIONS: frozenset[str] = frozenset(
    {SITE_INFO, *(function.name for function in _FUNCTIONS)}
)


def function_table(service_functions: list[str]) -> dict[str, WsFunction]:
    """Return every implemented wsfunction by name, for one service's list."""
    table = {function.name: function for function in _FUNCTIONS}
    table[SITE_INFO] = site_info_function(service_functions)
    return table


@functools.cache
def known_functions() -> frozenset[str]:
    """Return the names of all 757 functions registered on Moodle 4.5.

    The list is the ``external_functions`` table of a Moodle 4.5
    (Build 20241007) site with the standard plugins.
    """
    data = resources.files("moodle_sandbox").joinpath("data/moodle45_functions.txt")
    lines = data.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


__all__ = [
    "DEFAULT_SERVICE_FUNCTIONS",
    "IMPLEMENTED_FUNCTIONS",
    "CallContext",
    "WsFunction",
    "function_table",
    "known_functions",
]
