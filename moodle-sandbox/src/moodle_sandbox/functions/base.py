"""What every wsfunction implementation shares: its declaration and call context."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from moodle_sandbox.errors import course_not_found, user_not_found
from moodle_sandbox.site.site import ADMIN_USER_ID

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from moodle_sandbox.site.model import Course, User
    from moodle_sandbox.site.site import Site
    from moodle_sandbox.validation import Single

# Moodle's format_string() escapes "&" unless it starts an entity.
_BARE_AMPERSAND = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")


@dataclass(frozen=True)
class CallContext:
    """What a wsfunction needs besides its arguments.

    Attributes:
        site: The synthetic site.
        wwwroot: The site's base URL, as Moodle's ``$CFG->wwwroot``.
        userid: The id of the token's user; the sandbox's token belongs to the
            site administrator.
    """

    site: Site
    wwwroot: str
    userid: int = ADMIN_USER_ID

    @property
    def theme_revision(self) -> int:
        """Return the theme cache revision that image URLs contain."""
        return self.site.anchor - 7200

    def course_or_error(self, courseid: int) -> Course:
        """Return a course, or raise ``invalidrecord`` naming the course table."""
        course = self.site.course(courseid)
        if course is None:
            raise course_not_found(courseid)
        return course

    def user_or_error(self, userid: int) -> User:
        """Return a user, deleted or not, or raise ``invalidrecord`` (user table)."""
        user = self.site.user(userid)
        if user is None:
            raise user_not_found(userid)
        return user


@dataclass(frozen=True)
class WsFunction:
    """A wsfunction: its name, parameter description and implementation."""

    name: str
    parameters: Single
    handler: Callable[[CallContext, dict[str, t.Any]], object]


def format_string(text: str) -> str:
    """Escape a name the way Moodle's ``format_string`` does for web services.

    Only a bare ``&`` changes (to ``&amp;``); existing entities stay as they are.
    """
    return _BARE_AMPERSAND.sub("&amp;", text)


def php_number(value: float) -> int | float:
    """Return a number as PHP's ``json_encode`` writes it: whole floats as ints.

    Moodle's answers show ``graderaw`` and ``weightraw`` as ``9`` or ``79.2``
    for the same field, so a whole value becomes an int here as well.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
