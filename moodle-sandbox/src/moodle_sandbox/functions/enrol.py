"""``core_enrol_get_enrolled_users`` and ``core_enrol_get_course_enrolment_methods``."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass, field

from moodle_sandbox import errors
from moodle_sandbox.functions.base import CallContext, WsFunction
from moodle_sandbox.functions.records import participant_record
from moodle_sandbox.site.model import ROLE_EDITINGTEACHER, ROLE_STUDENT, ROLE_TEACHER
from moodle_sandbox.site.site import SITE_COURSE_ID
from moodle_sandbox.validation import Single, integer, name_value_options

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import EnrolInstance

SORT_FIELDS = frozenset({"id", "firstname", "lastname", "siteorder"})
# The fields user_get_user_details() accepts in the "userfields" option.
USER_FIELDS = frozenset(
    {
        "id",
        "username",
        "fullname",
        "firstname",
        "lastname",
        "email",
        "address",
        "phone1",
        "phone2",
        "department",
        "institution",
        "interests",
        "firstaccess",
        "lastaccess",
        "auth",
        "confirmed",
        "idnumber",
        "lang",
        "theme",
        "timezone",
        "mailformat",
        "trackforums",
        "description",
        "city",
        "url",
        "country",
        "profileimageurlsmall",
        "profileimageurl",
        "customfields",
        "groups",
        "roles",
        "preferences",
        "enrolledcourses",
        "suspended",
        "lastcourseaccess",
    }
)
# A few capabilities of the standard roles, for the "withcapability" option.
# NOTE: any other capability matches nobody; Moodle would check the real
# role definitions.
CAPABILITY_ROLES: dict[str, frozenset[int]] = {
    "moodle/course:update": frozenset({ROLE_EDITINGTEACHER}),
    "moodle/grade:edit": frozenset({ROLE_EDITINGTEACHER}),
    "moodle/grade:viewall": frozenset({ROLE_EDITINGTEACHER, ROLE_TEACHER}),
    "moodle/course:isincompletionreports": frozenset({ROLE_STUDENT}),
    "moodle/grade:view": frozenset({ROLE_STUDENT}),
    "mod/assign:submit": frozenset({ROLE_STUDENT}),
}
_NOT_ALPHANUMEXT = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class ParticipantOptions:
    """The ``options`` of ``core_enrol_get_enrolled_users``, parsed."""

    withcapability: str = ""
    groupid: int = 0
    onlyactive: bool = False
    userfields: list[str] = field(default_factory=list)
    limitfrom: int = 0
    limitnumber: int = 0
    sortby: str = "id"
    sortdirection: str = "ASC"


def parse_participant_options(options: list[dict[str, str]]) -> ParticipantOptions:
    """Read the options the way Moodle 4.5 does; unknown names are ignored.

    Raises:
        MoodleError: ``invalidparameter`` for a ``sortby`` other than id,
            firstname, lastname or siteorder, or a ``sortdirection`` other than
            ASC or DESC (in any case).
    """
    parsed = ParticipantOptions()
    for option in options:
        reader = _OPTION_READERS.get(option["name"])
        if reader is not None:
            reader(parsed, option["value"])
    return parsed


def _read_sortby(options: ParticipantOptions, value: str) -> None:
    # The debuginfo texts come from enrol/externallib.php of the Moodle source.
    if value not in SORT_FIELDS:
        detail = (
            f"Invalid value for sortby parameter (value: {value}),"
            "allowed values are: id,firstname,lastname,siteorder"
        )
        raise errors.invalid_parameter(detail)
    options.sortby = value


def _read_sortdirection(options: ParticipantOptions, value: str) -> None:
    direction = value.upper()
    if direction not in {"ASC", "DESC"}:
        detail = (
            "Invalid value for sortdirection parameter\n"
            f"                        (value: {direction}),"
            "allowed values are: ASC,DESC"
        )
        raise errors.invalid_parameter(detail)
    options.sortdirection = direction


def _read_userfields(options: ParticipantOptions, value: str) -> None:
    options.userfields += [_NOT_ALPHANUMEXT.sub("", name) for name in value.split(",")]


_OPTION_READERS: dict[str, t.Callable[[ParticipantOptions, str], None]] = {
    "withcapability": lambda options, value: setattr(options, "withcapability", value),
    "groupid": lambda options, value: setattr(options, "groupid", _php_int(value)),
    "onlyactive": lambda options, value: setattr(
        options, "onlyactive", value not in {"", "0"}
    ),
    "userfields": _read_userfields,
    "limitfrom": lambda options, value: setattr(options, "limitfrom", _php_int(value)),
    "limitnumber": lambda options, value: setattr(
        options, "limitnumber", _php_int(value)
    ),
    "sortby": _read_sortby,
    "sortdirection": _read_sortdirection,
}


def get_enrolled_users(ctx: CallContext, params: dict[str, t.Any]) -> list[t.Any]:
    """Return one record per user enrolled in the course, whatever the enrolment.

    Suspended and ended enrolments are included unless ``onlyactive`` is set;
    ``limitfrom``/``limitnumber`` page through the sorted list.
    """
    options = parse_participant_options(params["options"])
    course = ctx.course_or_error(params["courseid"])
    site = ctx.site
    users = [site.user(userid) for userid in _participant_ids(ctx, course.id, options)]
    present = [user for user in users if user is not None and not user.deleted]
    present.sort(key=lambda user: _sort_key(user, options.sortby))
    if options.sortdirection == "DESC":
        present.reverse()
    start = max(options.limitfrom, 0)
    end = start + options.limitnumber if options.limitnumber > 0 else None
    records = [participant_record(ctx, user, course.id) for user in present[start:end]]
    return [_select_fields(record, options.userfields) for record in records]


def _participant_ids(
    ctx: CallContext, courseid: int, options: ParticipantOptions
) -> list[int]:
    site = ctx.site
    if courseid == SITE_COURSE_ID:
        # Everybody takes part in the front page; the guest account does not.
        return [user.id for user in site.users if user.id != 1]
    userids = site.enrolled_user_ids(courseid)
    if options.onlyactive:
        userids = [u for u in userids if site.has_active_enrolment(courseid, u)]
    if options.groupid:
        groups = [g for g in site.course_groups(courseid) if g.id == options.groupid]
        members = {member for group in groups for member in group.member_ids}
        userids = [u for u in userids if u in members]
    if options.withcapability:
        roles = CAPABILITY_ROLES.get(options.withcapability, frozenset())
        userids = [u for u in userids if roles & set(site.role_ids(courseid, u))]
    return userids


def _sort_key(user: t.Any, sortby: str) -> tuple[t.Any, ...]:  # noqa: ANN401
    if sortby == "firstname":
        return (user.firstname, user.id)
    if sortby in {"lastname", "siteorder"}:
        return (user.lastname, user.firstname, user.id)
    return (user.id,)


def _select_fields(record: dict[str, t.Any], userfields: list[str]) -> dict[str, t.Any]:
    """Keep only the requested fields; ``id`` and ``fullname`` always stay.

    Raises:
        MoodleError: ``invaliduserfield`` for a field that Moodle does not know
            (errorcode from the Moodle 4.5 source, message not recorded).
    """
    if not userfields:
        return record
    for name in userfields:
        if name not in USER_FIELDS:
            raise errors.invalid_user_field(name)
    wanted = {*userfields, "id", "fullname"}
    return {key: value for key, value in record.items() if key in wanted}


def _php_int(value: str) -> int:
    """Clean a value like PHP's ``(int)`` cast: leading digits, else 0."""
    match = re.match(r"\s*([-+]?\d+)", value)
    return int(match.group(1)) if match else 0


def get_course_enrolment_methods(
    ctx: CallContext, params: dict[str, t.Any]
) -> list[t.Any]:
    """Return the enabled self and guest methods, as Moodle's public info lists them."""
    course = ctx.course_or_error(params["courseid"])
    return [
        _method_record(instance)
        for instance in ctx.site.listed_enrolment_methods(course.id)
    ]


def _method_record(instance: EnrolInstance) -> dict[str, t.Any]:
    default_names = {"self": "Self enrolment (Student)", "guest": "Guest access"}
    record: dict[str, t.Any] = {
        "id": instance.id,
        "courseid": instance.courseid,
        "type": instance.enrol,
        "name": instance.name or default_names[instance.enrol],
        "status": True,
    }
    # enrol_self names its info function only when a key is needed; enrol_guest
    # names it for every enabled instance.
    if instance.enrol == "guest" or instance.password:
        record["wsfunction"] = f"enrol_{instance.enrol}_get_instance_info"
    return record


FUNCTIONS = (
    WsFunction(
        "core_enrol_get_enrolled_users",
        Single({"courseid": integer(), "options": name_value_options()}),
        get_enrolled_users,
    ),
    WsFunction(
        "core_enrol_get_course_enrolment_methods",
        Single({"courseid": integer()}),
        get_course_enrolment_methods,
    ),
)
