"""Stream of the site's user accounts."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, MoodleStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

NAME_VALUE = th.ObjectType(
    th.Property("name", th.StringType),
    th.Property("value", th.StringType),
)


class UsersStream(MoodleStream):
    """Every user account that is not deleted, suspended ones included.

    ``core_user_get_users`` with the criterion ``email LIKE '%'`` matches every
    account, because Moodle requires an e-mail address. Deleted accounts are left
    out by Moodle itself. Fields a site leaves empty are omitted by Moodle and
    arrive as null.
    """

    name = "users"
    wsfunction = "core_user_get_users"
    primary_keys = ("instance", "id")
    personal_fields = (
        "username",
        "firstname",
        "lastname",
        "fullname",
        "email",
        "idnumber",
        "address",
        "phone1",
        "phone2",
        "city",
        "interests",
        "description",
        "profileimageurlsmall",
        "profileimageurl",
        "customfields",
    )
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("id", th.IntegerType, required=True),
        th.Property("username", th.StringType),
        th.Property("firstname", th.StringType),
        th.Property("lastname", th.StringType),
        th.Property("fullname", th.StringType),
        th.Property("email", th.StringType),
        th.Property("idnumber", th.StringType),
        th.Property("address", th.StringType),
        th.Property("phone1", th.StringType),
        th.Property("phone2", th.StringType),
        th.Property("interests", th.StringType, description="Comma-separated tags."),
        th.Property("department", th.StringType),
        th.Property("institution", th.StringType),
        th.Property("city", th.StringType),
        th.Property("country", th.StringType),
        th.Property("auth", th.StringType),
        th.Property("suspended", th.BooleanType),
        th.Property("confirmed", th.BooleanType),
        th.Property("lang", th.StringType),
        th.Property("theme", th.StringType),
        th.Property("calendartype", th.StringType),
        th.Property("timezone", th.StringType, description="'99' is the server's."),
        th.Property("mailformat", th.IntegerType),
        th.Property("trackforums", th.IntegerType),
        th.Property("description", th.StringType),
        th.Property("descriptionformat", th.IntegerType),
        th.Property(
            "firstaccess", th.IntegerType, description="Unix time; 0 means never."
        ),
        th.Property(
            "lastaccess", th.IntegerType, description="Unix time; 0 means never."
        ),
        th.Property("profileimageurlsmall", th.StringType),
        th.Property("profileimageurl", th.StringType),
        th.Property(
            "customfields",
            th.ArrayType(
                th.ObjectType(
                    th.Property("type", th.StringType),
                    th.Property("value", th.StringType),
                    th.Property("displayvalue", th.StringType),
                    th.Property("name", th.StringType),
                    th.Property("shortname", th.StringType),
                )
            ),
        ),
        th.Property(
            "preferences",
            th.ArrayType(NAME_VALUE),
            description="Values arrive as numbers or strings and are kept as text.",
        ),
    ).to_dict()

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[dict[str, t.Any]]:
        """Yield every user account that is not deleted."""
        answer = self.client.call(
            self.wsfunction, {"criteria": [{"key": "email", "value": "%"}]}
        )
        for user in answer["users"]:
            yield _stringify_preferences(user)


def _stringify_preferences(user: dict[str, t.Any]) -> dict[str, t.Any]:
    preferences = user.get("preferences")
    if preferences:
        user["preferences"] = [
            {"name": item["name"], "value": _text(item.get("value"))}
            for item in preferences
        ]
    return user


def _text(value: object) -> str | None:
    return None if value is None else str(value)
