"""Stream of the site's user accounts."""

from __future__ import annotations

import collections
import re
import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, MoodleStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

ALL_USERS = "core_user_get_users"
USERS_BY_FIELD = "core_user_get_users_by_field"

# Moodle keeps a deleted account's row: it sets the e-mail address to an MD5 hex
# digest and appends the deletion's Unix time to the username. A live account's
# e-mail address always has an "@".
DELETED_EMAIL = re.compile(r"^[0-9a-f]{32}$")


# PHP ignores request fields beyond max_input_vars, 1000 by default, so a call
# sends at most this many ids.
MAX_IDS_PER_CALL = 900

NAME_VALUE = th.ObjectType(
    th.Property("name", th.StringType),
    th.Property("value", th.StringType),
)


class UsersStream(MoodleStream):
    """Every user account that is not deleted, suspended ones included.

    Two strategies, set by ``users_strategy``:

    * ``id_batches`` (default) asks ``core_user_get_users_by_field`` for ids 1 to
      N, then N+1 to 2N, and so on, until ``users_max_id_gap`` ids in a row
      return no account.
      Each answer is bounded, so a site with many users is never asked for all
      of them at once. Deleted accounts, which this function returns with a
      mangled e-mail address, are left out.
    * ``all`` makes one call of ``core_user_get_users`` with the criterion
      ``email LIKE '%'``, which matches every account that is not deleted. On a
      large site that one answer is large and slow.

    Fields a site leaves empty are omitted by Moodle and arrive as null.
    """

    name = "users"
    wsfunction = ALL_USERS
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

    @property
    def wsfunctions(self) -> tuple[str, ...]:
        """The one wsfunction that the configured strategy calls."""
        return (USERS_BY_FIELD,) if self._by_id_batches else (ALL_USERS,)

    @property
    def _by_id_batches(self) -> bool:
        return self.config.get("users_strategy", "id_batches") == "id_batches"

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[dict[str, t.Any]]:
        """Yield every user account that is not deleted."""
        users = self._users_by_id() if self._by_id_batches else self._all_users()
        for user in users:
            yield _stringify_preferences(user)

    def _all_users(self) -> list[dict[str, t.Any]]:
        criteria = {"criteria": [{"key": "email", "value": "%"}]}
        return t.cast("list[dict[str, t.Any]]", self.client.call(ALL_USERS, criteria)["users"])

    def _users_by_id(self) -> Iterable[dict[str, t.Any]]:
        """Yield users in windows of id batches, then probe the gap after the last.

        Windows start at one batch and double up to max_concurrency batches in
        flight, so a small site costs few calls. When a window ends with an
        empty batch, one call asks for the next users_max_id_gap ids at once:
        an empty answer ends the list, and any account found resumes the
        batches after it.
        """
        size = max(1, int(self.config.get("users_batch_size", 500)))
        gap = max(1, int(self.config.get("users_max_id_gap", 2_000)))
        first, width = 1, 1
        while True:
            starts = [first + index * size for index in range(width)]
            futures = [self._submit_ids(list(range(s, s + size))) for s in starts]
            batches = [future.result() for future in futures]
            for batch in batches:
                yield from (user for user in batch if not is_deleted(user))
            first += width * size
            width = min(2 * width, self.moodle.max_concurrency)
            if batches[-1]:
                continue
            found = self._probe(first, gap)
            if not found:
                return
            yield from (user for user in found if not is_deleted(user))
            first = max(user["id"] for user in found) + 1

    def _probe(self, first: int, count: int) -> list[dict[str, t.Any]]:
        """Return the accounts with ids first to first + count - 1."""
        chunks = [
            list(range(start, min(start + MAX_IDS_PER_CALL, first + count)))
            for start in range(first, first + count, MAX_IDS_PER_CALL)
        ]
        futures = [self._submit_ids(chunk) for chunk in chunks]
        return [user for future in futures for user in future.result()]

    def _submit_ids(self, ids: list[int]) -> Future[list[dict[str, t.Any]]]:
        params = {"field": "id", "values": ids}
        return self.moodle.executor.submit(self.client.call, USERS_BY_FIELD, params)


def is_deleted(user: dict[str, t.Any]) -> bool:
    """Return whether the account is deleted: its e-mail is Moodle's MD5 stand-in."""
    return bool(DELETED_EMAIL.match(user.get("email") or ""))


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
