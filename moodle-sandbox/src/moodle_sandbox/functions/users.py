"""``core_user_get_users`` and ``core_user_get_users_by_field``."""

from __future__ import annotations

import re
import typing as t

from moodle_sandbox.errors import invalid_user_field_parameter
from moodle_sandbox.functions.base import CallContext, WsFunction
from moodle_sandbox.functions.records import user_record
from moodle_sandbox.validation import Multiple, Single, text

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import User

# core_user_get_users compares these keys with SQL LIKE, case-insensitively, and
# the others with "=".
LIKE_KEYS = frozenset({"email", "firstname", "lastname"})
EXACT_KEYS = frozenset({"id", "idnumber", "username", "auth"})
BY_FIELD_FIELDS = frozenset({"id", "idnumber", "username", "email"})


def get_users(ctx: CallContext, params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Return the non-deleted users matching every supported criterion.

    An unsupported key adds a warning and is ignored, so that a call with only
    unsupported keys returns every user, as Moodle 4.5 does.
    """
    warnings: list[dict[str, t.Any]] = []
    tests: list[t.Callable[[User], bool]] = []
    for criterion in params["criteria"]:
        key, value = criterion["key"], criterion["value"]
        if key in LIKE_KEYS:
            tests.append(_like_test(key, value))
        elif key in EXACT_KEYS:
            tests.append(_exact_test(key, value))
        else:
            warnings.append(
                {
                    "item": key,
                    "warningcode": "invalidfieldparameter",
                    "message": f"The search key '{key}' is not supported, look at "
                    "the web service documentation",
                }
            )
    users = [
        user_record(ctx, user)
        for user in _candidates(ctx, params["criteria"])
        if not user.deleted and all(test(user) for test in tests)
    ]
    return {"users": users, "warnings": warnings}


def _candidates(ctx: CallContext, criteria: list[dict[str, str]]) -> list[User]:
    """Return the users that can match the criteria, by id.

    An ``id`` or ``username`` criterion narrows the search through an index, so
    such a call costs time in proportion to its answer. Any other search reads
    every user, as the SQL query of a real site scans the user table.
    """
    for criterion in criteria:
        key, value = criterion["key"], criterion["value"]
        if key == "id":
            wanted = str(int(value)) if _is_integer(value) else "0"
            return ctx.site.users_by_field("id", {wanted})
        if key == "username":
            return ctx.site.users_by_field("username", {value})
    return ctx.site.users


def get_users_by_field(ctx: CallContext, params: dict[str, t.Any]) -> list[t.Any]:
    """Return the users whose field equals one of the values, deleted ones too.

    Unknown values are dropped silently; a deleted user comes back with its
    mangled username and e-mail.
    """
    field = params["field"]
    if field not in BY_FIELD_FIELDS:
        raise invalid_user_field_parameter(field)
    wanted = set(params["values"])
    if field == "id":
        # PARAM_INT cleaning: "007" finds user 7, a non-number finds nobody.
        wanted = {str(int(value)) for value in wanted if _is_integer(value)}
    return [user_record(ctx, user) for user in ctx.site.users_by_field(field, wanted)]


def _is_integer(value: str) -> bool:
    return value.strip().lstrip("-").isdigit()


def _like_test(key: str, pattern: str) -> t.Callable[[User], bool]:
    regex = like_to_regex(pattern)
    return lambda user: regex.fullmatch(str(getattr(user, key))) is not None


def _exact_test(key: str, value: str) -> t.Callable[[User], bool]:
    if key == "id":
        # PARAM_INT cleaning turns a non-number into 0, which matches no user.
        wanted = int(value) if _is_integer(value) else 0
        return lambda user: user.id == wanted
    return lambda user: str(getattr(user, key)) == value


def like_to_regex(pattern: str) -> re.Pattern[str]:
    r"""Translate an SQL LIKE pattern into a case-insensitive regular expression.

    ``%`` matches any run of characters, ``_`` one character, and ``\`` escapes
    the next character, as in Moodle's ``sql_like``.
    """
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


FUNCTIONS = (
    WsFunction(
        "core_user_get_users",
        Single({"criteria": Multiple(Single({"key": text(), "value": text()}))}),
        get_users,
    ),
    WsFunction(
        "core_user_get_users_by_field",
        Single({"field": text(), "values": Multiple(text())}),
        get_users_by_field,
    ),
)
