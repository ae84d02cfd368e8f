"""``core_course_get_contents``: a course's sections with their activities."""

from __future__ import annotations

import datetime as dt
import json
import typing as t

from moodle_sandbox.functions.base import CallContext, WsFunction
from moodle_sandbox.functions.completion import completion_data
from moodle_sandbox.site.builder import DAY
from moodle_sandbox.site.model import COMPLETION_TRACKING_AUTOMATIC
from moodle_sandbox.validation import Single, integer, name_value_options

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import Course, Module, Section

# Per module: (purpose, plural name) as Moodle 4.5 reports them.
MODULE_TYPES = {
    "forum": ("collaboration", "Forums"),
    "page": ("content", "Pages"),
    "assign": ("assessment", "Assignments"),
    "quiz": ("assessment", "Quizzes"),
    "label": ("content", "Text and media areas"),
    "url": ("content", "URLs"),
}
EMPTY_CUSTOMDATA = json.dumps("")
# English month names, fixed so that section names do not depend on the locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def get_contents(ctx: CallContext, params: dict[str, t.Any]) -> list[t.Any]:
    """Return the course's sections, each with its activities.

    Options ``excludemodules``, ``excludecontents``, ``sectionid``,
    ``sectionnumber``, ``cmid`` and ``modname`` filter the result. Other options
    are accepted and ignored.
    """
    course = ctx.course_or_error(params["courseid"])
    options = {option["name"]: option["value"] for option in params["options"]}
    sections = ctx.site.course_sections(course.id)
    if "sectionid" in options:
        sections = [s for s in sections if str(s.id) == options["sectionid"]]
    if "sectionnumber" in options:
        sections = [s for s in sections if str(s.number) == options["sectionnumber"]]
    return [_section_record(ctx, course, section, options) for section in sections]


def _section_record(
    ctx: CallContext, course: Course, section: Section, options: dict[str, str]
) -> dict[str, t.Any]:
    modules = [
        module
        for module in ctx.site.course_modules(course.id)
        if module.section == section.number
        and options.get("cmid", str(module.id)) == str(module.id)
        and options.get("modname", module.modname) == module.modname
    ]
    if _is_set(options, "excludemodules"):
        modules = []
    return {
        "id": section.id,
        "name": _section_name(course, section),
        "visible": 1,
        "summary": "",
        "summaryformat": 1,
        "section": section.number,
        "hiddenbynumsections": 0,
        "uservisible": True,
        "component": None,
        "itemid": None,
        "modules": [
            _module_record(
                ctx, module, exclude_contents=_is_set(options, "excludecontents")
            )
            for module in modules
        ],
    }


def _section_name(course: Course, section: Section) -> str:
    if section.name:
        return section.name
    if section.number == 0:
        return "General"
    if course.format != "weeks":
        return "New section"
    start = course.startdate + (section.number - 1) * 7 * DAY
    first = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    last = dt.datetime.fromtimestamp(start + 6 * DAY, tz=dt.UTC)
    first_month, last_month = MONTHS[first.month - 1], MONTHS[last.month - 1]
    return f"{first.day} {first_month} - {last.day} {last_month}"


def _is_set(options: dict[str, str], name: str) -> bool:
    return options.get(name) not in {None, "", "0"}


def _module_record(
    ctx: CallContext, module: Module, *, exclude_contents: bool
) -> dict[str, t.Any]:
    purpose, plural = MODULE_TYPES[module.modname]
    record: dict[str, t.Any] = {"id": module.id}
    if module.modname != "label":
        record["url"] = f"{ctx.wwwroot}/mod/{module.modname}/view.php?id={module.id}"
    record.update(
        name=module.name, instance=module.instance, contextid=module.contextid
    )
    if module.modname == "label":
        record["description"] = f'<div class="no-overflow"><p>{module.name}</p></div>'
    record.update(
        visible=int(module.visible),
        uservisible=True,
        visibleoncoursepage=1,
        modicon=(
            f"{ctx.wwwroot}/theme/image.php/boost/{module.modname}/"
            f"{ctx.theme_revision}/monologo?filtericon=1"
        ),
        modname=module.modname,
        purpose=purpose,
        branded=False,
        modplural=plural,
        availability=None,
        indent=0,
        onclick="",
        afterlink=None,
    )
    if module.modname == "forum":
        record["activitybadge"] = []
    record.update(
        customdata=_customdata(module),
        noviewlink=module.modname == "label",
        completion=module.completion,
    )
    if module.completion:
        record["completiondata"] = completion_data(
            ctx, module, ctx.userid, tracked=False
        )
    record.update(downloadcontent=1, dates=_dates(ctx, module), groupmode=0)
    _add_contents(ctx, module, record)
    if exclude_contents and "contents" in record:
        # Moodle 4.5 keeps the key and ``contentsinfo`` but sends no files.
        record["contents"] = []
    return record


def _customdata(module: Module) -> str:
    settings = module.settings
    data: dict[str, t.Any] = {}
    if module.modname == "forum":
        data["trackingtype"] = str(settings.get("trackingtype", 1))
    elif module.modname == "url":
        data = {"display": 4, "filtericon": True}
    elif module.modname == "assign":
        if module.completion == COMPLETION_TRACKING_AUTOMATIC:
            data["customcompletionrules"] = {"completionsubmit": "1"}
        if settings.get("duedate"):
            data["duedate"] = settings["duedate"]
        if settings.get("allowsubmissionsfromdate"):
            data["allowsubmissionsfromdate"] = str(settings["allowsubmissionsfromdate"])
    elif module.modname == "quiz" and settings.get("timeclose"):
        data["timeclose"] = str(settings["timeclose"])
    return json.dumps(data, separators=(",", ":")) if data else EMPTY_CUSTOMDATA


def _dates(ctx: CallContext, module: Module) -> list[dict[str, t.Any]]:
    settings = module.settings
    anchor = ctx.site.anchor
    dates: list[dict[str, t.Any]] = []
    if module.modname == "assign":
        opened = int(settings.get("allowsubmissionsfromdate", 0))
        due = int(settings.get("duedate", 0))
        if opened:
            label = "Opened:" if opened <= anchor else "Opens:"
            dates.append(_date(label, opened, "allowsubmissionsfromdate"))
        if due:
            dates.append(_date("Due:", due, "duedate"))
    elif module.modname == "quiz" and settings.get("timeclose"):
        close = int(settings["timeclose"])
        label = "Closed:" if close <= anchor else "Closes:"
        dates.append(_date(label, close, "timeclose"))
    return dates


def _date(label: str, timestamp: int, dataid: str) -> dict[str, t.Any]:
    return {"label": label, "timestamp": timestamp, "dataid": dataid}


def _add_contents(ctx: CallContext, module: Module, record: dict[str, t.Any]) -> None:
    if module.modname == "page":
        content = {
            "type": "file",
            "filename": "index.html",
            "filepath": "/",
            "filesize": 0,
            "fileurl": (
                f"{ctx.wwwroot}/webservice/pluginfile.php/{module.contextid}"
                "/mod_page/content/index.html?forcedownload=1"
            ),
            "timecreated": None,
            "timemodified": module.timemodified,
            "sortorder": 1,
        }
    elif module.modname == "url":
        content = {
            "type": "url",
            "filename": module.name,
            "filepath": None,
            "filesize": 0,
            "fileurl": str(module.settings.get("externalurl", "")),
            "timecreated": None,
            "timemodified": module.timemodified,
            "sortorder": None,
        }
    else:
        return
    content.update(userid=None, author=None, license=None)
    record["contents"] = [content]
    record["contentsinfo"] = {
        "filescount": 1,
        "filessize": 0,
        "lastmodified": module.timemodified,
        "mimetypes": [],
        "repositorytype": "",
    }


FUNCTIONS = (
    WsFunction(
        "core_course_get_contents",
        Single({"courseid": integer(), "options": name_value_options()}),
        get_contents,
    ),
)
