"""Typed errors for answers of Moodle's REST web service.

Moodle answers almost every failure with HTTP 200. The error is in the body: a JSON
object with ``exception``, ``errorcode`` and ``message``, an XML ``<EXCEPTION>``
document, or an HTML page. Every error here names the site and the wsfunction, and
none of them contains the web service token.
"""

from __future__ import annotations

# Error codes that concern one course or one user, not the whole site. A stream
# skips that partition, logs a warning and goes on with the next one.
PARTITION_ERRORCODES = frozenset(
    {
        "cannotviewreport",
        "errorcoursecontextnotvalid",
        # A course or user deleted while the sync runs.
        "invalidrecord",
        "nopermissions",
        "notenroled",
        "nottracked",
        "requireloginerror",
    }
)

# Error codes that mean the token or the site's web service setup must change.
CONFIGURATION_ERRORCODES = frozenset(
    {
        "accessexception",
        "invalidtoken",
        "servicerequireslogin",
        "sitemaintenance",
    }
)

BODY_EXCERPT_LENGTH = 200


def mask_secret(text: str, secret: str | None) -> str:
    """Replace every occurrence of ``secret`` in ``text`` with asterisks."""
    if secret:
        return text.replace(secret, "***")
    return text


def body_excerpt(body: str, secret: str | None) -> str:
    """Return the start of a response body for an error message, secret masked."""
    excerpt = mask_secret(body, secret)[:BODY_EXCERPT_LENGTH]
    return excerpt.replace("\n", " ").strip()


class MoodleError(Exception):
    """Base class of every error raised for a Moodle web service call."""

    def __init__(self, site: str, wsfunction: str, detail: str) -> None:
        """Build the message from the site, the wsfunction and the detail."""
        self.site = site
        self.wsfunction = wsfunction
        self.detail = detail
        super().__init__(f"Moodle site '{site}', wsfunction '{wsfunction}': {detail}")


class MoodleWebServiceError(MoodleError):
    """Moodle answered with an exception object (``exception``, ``errorcode``)."""

    def __init__(  # noqa: PLR0913
        self,
        site: str,
        wsfunction: str,
        *,
        errorcode: str,
        exception: str,
        message: str,
        debuginfo: str | None = None,
    ) -> None:
        """Store the fields of Moodle's exception object."""
        self.errorcode = errorcode
        self.exception = exception
        self.moodle_message = message
        self.debuginfo = debuginfo
        detail = f"errorcode '{errorcode}' ({exception}): {message}"
        super().__init__(site, wsfunction, detail + self._hint(errorcode))

    @staticmethod
    def _hint(errorcode: str) -> str:
        hints = {
            "invalidtoken": " Check the token setting: it is wrong, expired, or "
            "its user is suspended.",
            "accessexception": " Add this function to the external service of the "
            "token (Site administration > Server > Web services > External "
            "services > Functions).",
            "nopermissions": " Grant the token's user the capability that the "
            "message names, or use a site administrator's token.",
            "servicerequireslogin": " Authorise the token's user for the external "
            "service, or make the service available to all users.",
            "sitemaintenance": " The site is in maintenance mode: run again once "
            "it is over.",
        }
        return hints.get(errorcode, "")

    @property
    def concerns_partition(self) -> bool:
        """Whether the error concerns one course or one user only."""
        return self.errorcode in PARTITION_ERRORCODES

    @property
    def is_configuration_error(self) -> bool:
        """Whether the token or the site's web service setup must change."""
        return self.errorcode in CONFIGURATION_ERRORCODES


class MoodleConfigurationError(MoodleError):
    """The site's web service setup does not allow what the sync needs."""


class MoodlePartitionError(MoodleError):
    """A course or user failed while ``partition_errors`` is ``fail``."""


class MoodleResponseError(MoodleError):
    """The answer was not the JSON document the wsfunction returns."""

    def __init__(
        self,
        site: str,
        wsfunction: str,
        *,
        reason: str,
        status_code: int,
        excerpt: str,
    ) -> None:
        """Name what was wrong with the answer and quote its start."""
        self.reason = reason
        self.status_code = status_code
        self.excerpt = excerpt
        detail = f"{reason} (HTTP {status_code}); body starts with: {excerpt!r}"
        super().__init__(site, wsfunction, detail)


class MoodleTransientError(MoodleError):
    """A failure that a later retry may not meet: timeouts, resets, HTTP 5xx, 429."""

    def __init__(
        self,
        site: str,
        wsfunction: str,
        detail: str,
        *,
        retry_after: float | None = None,
    ) -> None:
        """Store the wait the server asked for, if it sent ``Retry-After``."""
        self.retry_after = retry_after
        super().__init__(site, wsfunction, detail)
