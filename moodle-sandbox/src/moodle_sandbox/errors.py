r"""Moodle exceptions as the REST server returns them.

Moodle 4.5 answers a failed call with HTTP 200 and a body naming the PHP exception
class, the ``errorcode`` and the message. The classes and messages here are those
of a Moodle 4.5 (Build 20241007) site. With debugging off, the default, the body
has no ``debuginfo``. A site with debugging set to DEVELOPER adds ``debuginfo``
where the exception carries one and appends it to ``message`` in brackets; the
sandbox does the same when it runs in debug mode.
"""

from __future__ import annotations

import typing as t

MOODLE_EXCEPTION = "core\\exception\\moodle_exception"
INVALID_PARAMETER_EXCEPTION = "core\\exception\\invalid_parameter_exception"
CODING_EXCEPTION = "core\\exception\\coding_exception"
MISSING_RECORD_EXCEPTION = "dml_missing_record_exception"
ACCESS_EXCEPTION = "webservice_access_exception"
INVALID_PARAMETER_MESSAGE = "Invalid parameter value detected"
# The debuginfo of webservice_access_exception on Moodle 4.5, with its original
# line breaks and indentation. {function} is the wsfunction name.
ACCESS_DEBUGINFO = (
    "Access to the function {function}() is not allowed.\n"
    "                     There could be multiple reasons for this:\n"
    "                     1. The service linked to the user token does not contain"
    " the function.\n"
    "                     2. The service is user-restricted and the user is not"
    " listed.\n"
    "                     3. The service is IP-restricted and the user IP is not"
    " listed.\n"
    "                     4. The service is time-restricted and the time has"
    " expired.\n"
    "                     5. The token is time-restricted and the time has"
    " expired.\n"
    "                     6. The service requires a specific capability which the"
    " user does not have.\n"
    "                     7. The function is called with username/password (no"
    " user token is sent)\n"
    "                     and none of the services has the function to allow the"
    " user.\n"
    "                     These settings can be found in Administration > Site"
    " administration\n"
    "                     > Server > Web services > External services and Manage"
    " tokens."
)


class MoodleError(Exception):
    """A Moodle exception that the server returns as an error body.

    Args:
        exception: The PHP exception class.
        errorcode: Moodle's error code.
        message: The message on a site with debugging off.
        debuginfo: The exception's ``debuginfo``, or ``None`` if it has none.
        debug_message: The message on a debug site before ``debuginfo`` is
            appended, when it differs from ``message``; this happens when the
            message quotes another exception's message.
    """

    def __init__(
        self,
        exception: str,
        errorcode: str,
        message: str,
        debuginfo: str | None = None,
        debug_message: str | None = None,
    ) -> None:
        """Store the PHP exception class, the error code and the texts."""
        super().__init__(message)
        self.exception = exception
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo
        self.debug_message = debug_message

    def debuginfo_for(self, *, debug: bool) -> str | None:
        """Return the ``debuginfo`` the exception has on a site in this mode."""
        del debug
        return self.debuginfo

    def message_for(self, *, debug: bool) -> str:
        """Return the message, with ``debuginfo`` appended on a debug site.

        Moodle's ``moodle_exception`` appends a non-empty ``debuginfo`` in
        brackets when debugging is set to DEVELOPER.
        """
        if not debug:
            return self.message
        message = self.debug_message or self.message
        debuginfo = self.debuginfo_for(debug=True)
        return f"{message} ({debuginfo})" if debuginfo else message

    def to_body(self, *, debug: bool = False) -> dict[str, str]:
        """Return the JSON error body: ``exception``, ``errorcode``, ``message``.

        A debug site adds ``debuginfo`` whenever the exception has one.
        """
        body = {
            "exception": self.exception,
            "errorcode": self.errorcode,
            "message": self.message_for(debug=debug),
        }
        debuginfo = self.debuginfo_for(debug=debug)
        if debug and debuginfo is not None:
            body["debuginfo"] = debuginfo
        return body


class InvalidParameterError(MoodleError):
    """Moodle's ``invalid_parameter_exception``, with the path to the bad value.

    ``external_api::validate_parameters`` rethrows the error once per enclosing
    structure key, as ``key => <inner message>: <inner debuginfo>``. The inner
    message already carries the inner debuginfo on a debug site, so the final
    ``debuginfo`` depends on the mode and is built on demand.

    Args:
        detail: The innermost ``debuginfo``, or ``None`` if Moodle gives none.
        keys: The structure keys that enclose the bad value, outermost first.
    """

    def __init__(self, detail: str | None = None, keys: tuple[str, ...] = ()) -> None:
        """Store the innermost detail and the enclosing keys."""
        super().__init__(
            INVALID_PARAMETER_EXCEPTION, "invalidparameter", INVALID_PARAMETER_MESSAGE
        )
        self.detail = detail
        self.keys = keys

    def within(self, key: str) -> InvalidParameterError:
        """Return the error as the structure key ``key`` rethrows it."""
        return InvalidParameterError(self.detail, (key, *self.keys))

    def debuginfo_for(self, *, debug: bool) -> str | None:
        """Return the ``debuginfo``, wrapped once per enclosing key."""
        debuginfo = self.detail
        for key in reversed(self.keys):
            inner = INVALID_PARAMETER_MESSAGE
            if debug and debuginfo:
                inner = f"{inner} ({debuginfo})"
            debuginfo = f"{key} => {inner}: {debuginfo or ''}"
        return debuginfo


def invalid_token() -> MoodleError:
    """Return the error for a missing or unknown ``wstoken``."""
    return MoodleError(
        MOODLE_EXCEPTION, "invalidtoken", "Invalid token - token not found"
    )


def invalid_parameter(debuginfo: str | None = None) -> InvalidParameterError:
    """Return the error for a missing, unexpected or wrongly typed argument.

    Moodle puts the detail into ``debuginfo`` only, which it leaves out when
    debugging is off, so every such error has the same message there.
    """
    return InvalidParameterError(debuginfo)


def missing_record(table: str, column: str, value: int | str) -> MoodleError:
    """Return the error for a record that a ``MUST_EXIST`` lookup did not find.

    The ``debuginfo`` is the SQL query with its parameters, as Moodle's DML
    layer prints them for ``get_record(table, [column => value])``.
    """
    return MoodleError(
        MISSING_RECORD_EXCEPTION,
        "invalidrecord",
        f"Can't find data record in database table {table}.",
        debuginfo=(
            # A message text, never sent to a database.
            f"SELECT * FROM {{{table}}} WHERE {column} = ?\n"  # noqa: S608
            f"[array (\n  0 => {_php_export(value)},\n)]"
        ),
    )


def _php_export(value: int | str) -> str:
    """Write a scalar the way PHP's ``var_export`` does."""
    if isinstance(value, int):
        return str(value)
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def access_exception(wsfunction: str) -> MoodleError:
    """Return the error for a function that the token's service does not offer."""
    return MoodleError(
        ACCESS_EXCEPTION,
        "accessexception",
        "Access control exception",
        debuginfo=ACCESS_DEBUGINFO.format(function=wsfunction),
    )


def coding_error(hint: str, debuginfo: str | None = None) -> MoodleError:
    """Return Moodle's ``coding_exception`` with its fixed message prefix."""
    return MoodleError(
        CODING_EXCEPTION,
        "codingerror",
        f"Coding error detected, it must be fixed by a programmer: {hint}",
        debuginfo=debuginfo,
    )


def moodle_exception(errorcode: str, message: str) -> MoodleError:
    """Return a plain ``moodle_exception`` with the given code and message."""
    return MoodleError(MOODLE_EXCEPTION, errorcode, message)


def function_not_found(wsfunction: str) -> MoodleError:
    """Return the error for a wsfunction name that Moodle does not know."""
    return missing_record("external_functions", "name", wsfunction)


def course_not_found(courseid: int) -> MoodleError:
    """Return the error for a course id that does not exist."""
    return missing_record("course", "id", courseid)


def user_not_found(userid: int) -> MoodleError:
    """Return the error for a user id that does not exist.

    NOTE: the debuginfo assumes ``get_record('user', ['id' => ...])``, because
    no recording shows this error on a debug site.
    """
    return missing_record("user", "id", userid)


def invalid_user_field_parameter(field: str) -> MoodleError:
    """Return the error of ``core_user_get_users_by_field`` for an unknown field."""
    return coding_error(
        "invalid field parameter",
        f"The search field '{field}' is not supported, look at the web service "
        "documentation",
    )


def cannot_view_report() -> MoodleError:
    """Return the error for a completion report of a course with completion off."""
    return moodle_exception("cannotviewreport", "You cannot view this report")


def not_enrolled_self() -> MoodleError:
    """Return the completion error when the token's own user is not tracked."""
    return moodle_exception("notenroled", "You are not enrolled in this course")


def user_not_enrolled() -> MoodleError:
    """Return the completion error for another user that completion does not track.

    Taken from the Moodle 4.5 source (``completion/classes/external.php``,
    string ``usernotenroled`` of ``core_completion``), not from a recording.
    """
    return moodle_exception("usernotenroled", "User is not enrolled in this course")


def course_context_not_valid(courseid: int) -> MoodleError:
    """Return the error for a course whose context cannot be validated.

    Moodle puts the context error's message into this one. For a missing
    context that is the ``invalidparameter`` message, followed by "(Context does
    not exist)" on a debug site.
    """
    inner = invalid_parameter("Context does not exist")
    prefix = (
        f"You cannot execute functions in the course context (course id:{courseid})."
        " The context error message was: "
    )
    return MoodleError(
        MOODLE_EXCEPTION,
        "errorcoursecontextnotvalid",
        prefix + inner.message_for(debug=False),
        debug_message=prefix + inner.message_for(debug=True),
    )


def user_deleted() -> MoodleError:
    """Return ``core_user::require_active_user``'s error for a deleted user."""
    return moodle_exception("userdeleted", "This user account has been deleted")


def user_not_confirmed(username: str) -> MoodleError:
    """Return ``core_user::require_active_user``'s error for an unconfirmed user."""
    return moodle_exception("usernotconfirmed", f"Could not confirm {username}")


def guest_not_allowed() -> MoodleError:
    """Return ``core_user::require_active_user``'s error for the guest user."""
    return moodle_exception(
        "guestsarenotallowed", "The guest user is not allowed to do this"
    )


def invalid_user_field(name: str) -> MoodleError:
    """Return ``user_get_user_details``' error for an unknown ``userfields`` entry."""
    return moodle_exception("invaliduserfield", f"Invalid user field: {name}")


def invalid_external_parameter(name: str) -> MoodleError:
    """Return the error Moodle raises for a criteria key a function does not know.

    Taken from the Moodle 4.5 source (string ``invalidextparam`` of
    ``core_webservice``), not from a recorded answer.
    """
    return moodle_exception(
        "invalidextparam", f"Invalid external api parameter: {name}"
    )


def not_implemented(wsfunction: str) -> MoodleError:
    """Return the sandbox's own error for a service function it cannot answer."""
    return MoodleError(
        "moodle_sandbox\\not_implemented_exception",
        "sandboxnotimplemented",
        f"The Moodle sandbox does not implement wsfunction '{wsfunction}'.",
    )


REQUIRED_CAPABILITY_EXCEPTION = "core\\exception\\required_capability_exception"
REQUIRE_LOGIN_EXCEPTION = "core\\exception\\require_login_exception"
NO_PERMISSIONS_MESSAGE = (
    "Sorry, but you do not currently have permissions to do that "
    "(View site-wide cohorts)."
)
SERVICE_REQUIRES_LOGIN_MESSAGE = (
    "Web service is not available (the session has been logged out or has expired)"
)
CODING_ERROR_MESSAGE = (
    "Coding error detected, it must be fixed by a programmer: invalid field parameter"
)
# The exception class and message of error codes a fault can name without a
# message. Recorded responses of Moodle 4.5 give invalidtoken, nopermissions,
# codingerror, requireloginerror, invalidparameter and accessexception. The
# messages of servicerequireslogin and sitemaintenance are the English strings
# of Moodle's webservice and admin language files.
KNOWN_ERRORS: dict[str, tuple[str, str]] = {
    "invalidtoken": (MOODLE_EXCEPTION, "Invalid token - token not found"),
    "nopermissions": (
        REQUIRED_CAPABILITY_EXCEPTION,
        NO_PERMISSIONS_MESSAGE,
    ),
    "servicerequireslogin": (
        MOODLE_EXCEPTION,
        SERVICE_REQUIRES_LOGIN_MESSAGE,
    ),
    "codingerror": (
        CODING_EXCEPTION,
        CODING_ERROR_MESSAGE,
    ),
    "requireloginerror": (
        REQUIRE_LOGIN_EXCEPTION,
        "Course or activity not accessible.",
    ),
    "invalidparameter": (INVALID_PARAMETER_EXCEPTION, INVALID_PARAMETER_MESSAGE),
    "accessexception": (ACCESS_EXCEPTION, "Access control exception"),
    "sitemaintenance": (
        MOODLE_EXCEPTION,
        "The site is undergoing maintenance and is currently not available",
    ),
}


def error_for_code(
    errorcode: str,
    exception: str | None = None,
    message: str | None = None,
    debuginfo: str | None = None,
) -> MoodleError:
    """Return an error with a code, filling in Moodle's class and message.

    Raises:
        ValueError: If the code has no known message and none is given.
    """
    known_exception, known_message = KNOWN_ERRORS.get(errorcode, (None, None))
    if message is None and known_message is None:
        msg = (
            f"Error code '{errorcode}' has no known message: give 'message', or use "
            f"one of {sorted(KNOWN_ERRORS)}"
        )
        raise ValueError(msg)
    return MoodleError(
        exception or known_exception or MOODLE_EXCEPTION,
        errorcode,
        t.cast("str", message or known_message),
        debuginfo=debuginfo,
    )
