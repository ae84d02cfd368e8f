"""User records as Moodle's ``user_get_user_details`` builds them.

Key order and the rule "leave an empty optional field out" follow the answers of
``core_user_get_users`` and ``core_enrol_get_enrolled_users`` on Moodle 4.5.
"""

from __future__ import annotations

import typing as t

from moodle_sandbox.functions.base import format_string

if t.TYPE_CHECKING:
    from moodle_sandbox.functions.base import CallContext
    from moodle_sandbox.site.model import User


def picture_urls(ctx: CallContext) -> dict[str, str]:
    """Return ``profileimageurlsmall`` and ``profileimageurl`` (default picture)."""
    base = f"{ctx.wwwroot}/theme/image.php/boost/core/{ctx.theme_revision}/u"
    return {"profileimageurlsmall": f"{base}/f2", "profileimageurl": f"{base}/f1"}


def user_record(ctx: CallContext, user: User) -> dict[str, t.Any]:
    """Build a user as ``core_user_get_users`` and ``..._by_field`` return it.

    A deleted user keeps its names but shows the mangled username and e-mail.
    """
    record: dict[str, t.Any] = {
        "id": user.id,
        "username": user.visible_username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "fullname": user.fullname,
        "email": user.visible_email,
        "department": user.department,
    }
    _add_if(record, "institution", user.institution)
    _add_if(record, "idnumber", "" if user.deleted else user.idnumber)
    record.update(
        firstaccess=user.firstaccess,
        lastaccess=user.lastaccess,
        auth=user.auth,
        suspended=user.suspended,
        confirmed=user.confirmed,
        lang="en",
        theme="",
        timezone="99",
        mailformat=1,
        trackforums=0,
    )
    if user.description and not user.deleted:
        record.update(description=user.description, descriptionformat=1)
    _add_if(record, "city", user.city)
    _add_if(record, "country", user.country)
    record.update(picture_urls(ctx))
    if user.customfields and not user.deleted:
        record["customfields"] = [
            {
                "type": "text",
                "value": field.value,
                "displayvalue": field.value,
                "name": field.name,
                "shortname": field.shortname,
            }
            for field in user.customfields
        ]
    _add_preferences(record, user)
    return record


def participant_record(ctx: CallContext, user: User, courseid: int) -> dict[str, t.Any]:
    """Build a user as ``core_enrol_get_enrolled_users`` returns it for a course."""
    site = ctx.site
    record: dict[str, t.Any] = {
        "id": user.id,
        "username": user.username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "fullname": user.fullname,
        "email": user.email,
        "department": user.department,
    }
    _add_if(record, "institution", user.institution)
    _add_if(record, "idnumber", user.idnumber)
    record.update(
        firstaccess=user.firstaccess,
        lastaccess=user.lastaccess,
        lastcourseaccess=site.last_course_access.get((courseid, user.id), 0),
    )
    if user.description:
        record.update(description=user.description, descriptionformat=1)
    _add_if(record, "city", user.city)
    _add_if(record, "country", user.country)
    record.update(picture_urls(ctx))
    if user.customfields:
        record["customfields"] = [
            {"type": "text", "value": f.value, "name": f.name, "shortname": f.shortname}
            for f in user.customfields
        ]
    groups = site.user_groups(courseid, user.id)
    if groups:
        record["groups"] = [
            {
                "id": group.id,
                "name": format_string(group.name),
                "description": f'<div class="text_to_html">{group.description}</div>',
                "descriptionformat": 0,
            }
            for group in groups
        ]
    record["roles"] = [
        {
            "roleid": roleid,
            "name": "",
            "shortname": site.roles[roleid].shortname,
            "sortorder": 0,
        }
        for roleid in site.role_ids(courseid, user.id)
    ]
    _add_preferences(record, user)
    enrolled = _enrolled_courses(ctx, user.id)
    if enrolled:
        record["enrolledcourses"] = enrolled
    return record


def _enrolled_courses(ctx: CallContext, userid: int) -> list[dict[str, t.Any]]:
    """Return the user's courses with an active enrolment, by course sort order.

    NOTE: Moodle seems to leave the key out when the list is empty; every
    recorded participant had at least one course, so that case is unverified.
    """
    site = ctx.site
    courses = [site.course(courseid) for courseid in site.enrolled_course_ids(userid)]
    ordered = sorted((c for c in courses if c is not None), key=lambda c: c.sortorder)
    return [
        {
            "id": course.id,
            "fullname": format_string(course.fullname),
            "shortname": format_string(course.shortname),
        }
        for course in ordered
    ]


def _add_preferences(record: dict[str, t.Any], user: User) -> None:
    if user.preferences:
        record["preferences"] = [
            {"name": name, "value": value} for name, value in user.preferences
        ]


def _add_if(record: dict[str, t.Any], key: str, value: str) -> None:
    if value:
        record[key] = value
