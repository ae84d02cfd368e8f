"""``core_course_get_categories`` and ``core_course_get_courses_by_field``."""

from __future__ import annotations

import typing as t

from moodle_sandbox.errors import invalid_external_parameter, invalid_parameter
from moodle_sandbox.functions.base import CallContext, WsFunction, format_string
from moodle_sandbox.site.model import ROLE_EDITINGTEACHER
from moodle_sandbox.site.site import SITE_COURSE_ID
from moodle_sandbox.validation import Multiple, Presence, Single, boolean, text

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import Category, Course

# The filters every course of a default Moodle 4.5 site reports.
DEFAULT_FILTERS = (
    "displayh5p",
    "activitynames",
    "mathjaxloader",
    "emoticon",
    "urltolink",
    "mediaplugin",
)
INT_FIELDS = frozenset({"id", "category", "sectionid"})


def get_categories(ctx: CallContext, params: dict[str, t.Any]) -> list[t.Any]:
    """Return the categories matching every criterion, with their descendants.

    Without criteria every category is returned; the token's user is an
    administrator, so hidden ones are included.
    """
    site = ctx.site
    found = [
        category
        for category in site.categories
        if all(_category_matches(category, c) for c in params["criteria"])
    ]
    if params["criteria"] and params["addsubcategories"]:
        prefixes = [f"{category.path}/" for category in found]
        found += [
            category
            for category in site.categories
            if category not in found and category.path.startswith(tuple(prefixes))
        ]
    found.sort(key=lambda category: category.sortorder)
    return [_category_record(ctx, category) for category in found]


def _category_matches(category: Category, criterion: dict[str, str]) -> bool:
    key, value = criterion["key"], criterion["value"]
    if key in {"id", "parent", "visible"}:
        number = int(value) if value.strip().lstrip("-").isdigit() else 0
        actual = {"id": category.id, "parent": category.parent}.get(
            key, int(category.visible)
        )
        return actual == number
    if key == "ids":
        return str(category.id) in {part.strip() for part in value.split(",")}
    if key == "name":
        return category.name == value
    if key == "idnumber":
        return category.idnumber == value
    if key == "theme":
        return value == ""
    raise invalid_external_parameter(key)


def _category_record(ctx: CallContext, category: Category) -> dict[str, t.Any]:
    coursecount = sum(
        1 for course in ctx.site.courses if course.categoryid == category.id
    )
    return {
        "id": category.id,
        "name": format_string(category.name),
        "idnumber": category.idnumber,
        "description": category.description,
        "descriptionformat": 1,
        "parent": category.parent,
        "sortorder": category.sortorder,
        "coursecount": coursecount,
        "visible": int(category.visible),
        "visibleold": int(category.visible),
        "timemodified": category.timemodified,
        "depth": category.depth,
        "path": category.path,
        "theme": "",
    }


def get_courses_by_field(
    ctx: CallContext, params: dict[str, t.Any]
) -> dict[str, t.Any]:
    """Return the courses whose field matches the value, or all without a field.

    Raises:
        MoodleError: ``invalidparameter`` for an unknown field or an empty value.
    """
    field, value = params["field"], params["value"]
    courses = ctx.site.courses
    if field:
        if value == "":
            # NOTE: Moodle gives this error a debuginfo that no recording shows,
            # so a sandbox in debug mode leaves it out.
            raise invalid_parameter()
        courses = [
            course for course in courses if _course_matches(ctx, course, field, value)
        ]
    return {
        "courses": [course_record(ctx, course) for course in courses],
        "warnings": [],
    }


def _course_matches(ctx: CallContext, course: Course, field: str, value: str) -> bool:
    if field in INT_FIELDS:
        number = int(value) if value.strip().isdigit() else 0
        if field == "id":
            return course.id == number
        if field == "category":
            return course.categoryid == number
        return any(s.id == number for s in ctx.site.course_sections(course.id))
    if field == "ids":
        return str(course.id) in {part.strip() for part in value.split(",")}
    if field == "shortname":
        return course.shortname == value
    if field == "idnumber":
        return course.idnumber == value
    raise invalid_parameter()


def course_record(ctx: CallContext, course: Course) -> dict[str, t.Any]:
    """Build a course as ``core_course_get_courses_by_field`` returns it."""
    site = ctx.site
    category = site.category(course.categoryid)
    is_site = course.id == SITE_COURSE_ID
    record: dict[str, t.Any] = {
        "id": course.id,
        "fullname": format_string(course.fullname),
        "displayname": format_string(course.fullname),
        "shortname": format_string(course.shortname),
        "courseimage": (
            f"{ctx.wwwroot}/pluginfile.php/{course.contextid}/course/generated/course.svg"
        ),
        "categoryid": course.categoryid,
        "categoryname": "" if category is None else format_string(category.name),
        "sortorder": course.sortorder,
        "summary": course.summary,
        "summaryformat": 1,
        "summaryfiles": [],
        "overviewfiles": [],
        "showactivitydates": False,
        "showcompletionconditions": None if is_site else True,
        "contacts": _contacts(ctx, course),
        "enrollmentmethods": [
            instance.enrol for instance in site.instances(course.id) if instance.enabled
        ],
        "idnumber": course.idnumber,
        "format": course.format,
        "showgrades": 1,
        "newsitems": course.newsitems,
        "startdate": course.startdate,
        "enddate": course.enddate,
        "maxbytes": 0,
        "showreports": 0,
        "visible": int(course.visible),
        "groupmode": course.groupmode,
        "groupmodeforce": 0,
        "defaultgroupingid": 0,
        "enablecompletion": int(course.enablecompletion),
        "completionnotify": 0,
        "lang": "",
        "theme": "",
        "marker": 0,
        "legacyfiles": 0,
        "calendartype": "",
        "timecreated": course.timecreated,
        "timemodified": course.timemodified,
        "requested": 0,
        "cacherev": ctx.theme_revision,
        "filters": [
            {"filter": name, "localstate": 0, "inheritedstate": 1}
            for name in DEFAULT_FILTERS
        ],
    }
    if not is_site:
        record["courseformatoptions"] = _format_options(course)
    return record


def _contacts(ctx: CallContext, course: Course) -> list[dict[str, t.Any]]:
    """Return the course contacts: users with the editing teacher role."""
    site = ctx.site
    contacts = []
    for userid in site.enrolled_user_ids(course.id):
        user = site.user(userid)
        if user and ROLE_EDITINGTEACHER in site.role_ids(course.id, userid):
            contacts.append({"id": user.id, "fullname": user.fullname})
    return contacts


def _format_options(course: Course) -> list[dict[str, t.Any]]:
    options: list[dict[str, t.Any]] = [
        {"name": "hiddensections", "value": 1},
        {"name": "coursedisplay", "value": 0},
    ]
    if course.format == "weeks":
        options.append({"name": "automaticenddate", "value": 1})
    options.append({"name": "indentation", "value": "1"})
    return options


FUNCTIONS = (
    WsFunction(
        "core_course_get_categories",
        Single(
            {
                "criteria": Multiple(
                    Single({"key": text(), "value": text()}),
                    Presence.DEFAULT,
                    default=[],
                ),
                "addsubcategories": boolean(Presence.DEFAULT, default=True),
            }
        ),
        get_categories,
    ),
    WsFunction(
        "core_course_get_courses_by_field",
        Single(
            {
                "field": text(Presence.DEFAULT, ""),
                "value": text(Presence.DEFAULT, ""),
            }
        ),
        get_courses_by_field,
    ),
)
