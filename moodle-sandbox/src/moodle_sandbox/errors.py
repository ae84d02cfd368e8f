r"""Moodle exceptions as the REST server returns them.

Moodle 4.5 answers a failed call with HTTP 200 and a body naming the PHP exception
class, the ``errorcode`` and the message. The classes and messages here are those
of a Moodle 4.5 (Build 20241007) site with debugging off, which adds no
``debuginfo``.
"""

from __future__ import annotations

MOODLE_EXCEPTION = "core\\exception\\moodle_exception"
INVALID_PARAMETER_EXCEPTION = "core\\exception\\invalid_parameter_exception"
CODING_EXCEPTION = "core\\exception\\coding_exception"
MISSING_RECORD_EXCEPTION = "dml_missing_record_exception"
ACCESS_EXCEPTION = "webservice_access_exception"


class MoodleError(Exception):
    """A Moodle exception that the server returns as an error body."""

    def __init__(self, exception: str, errorcode: str, message: str) -> None:
        """Store the PHP exception class, the error code and the message."""
        super().__init__(message)
        self.exception = exception
        self.errorcode = errorcode
        self.message = message

    def to_body(self) -> dict[str, str]:
        """Return the JSON error body: ``exception``, ``errorcode``, ``message``."""
        return {
            "exception": self.exception,
            "errorcode": self.errorcode,
            "message": self.message,
        }


def invalid_token() -> MoodleError:
    """Return the error for a missing or unknown ``wstoken``."""
    return MoodleError(
        MOODLE_EXCEPTION, "invalidtoken", "Invalid token - token not found"
    )


def invalid_parameter() -> MoodleError:
    """Return the error for a missing, unexpected or wrongly typed argument.

    Moodle puts the detail into ``debuginfo`` only, which it leaves out when
    debugging is off, so every such error has the same message.
    """
    return MoodleError(
        INVALID_PARAMETER_EXCEPTION,
        "invalidparameter",
        "Invalid parameter value detected",
    )


def missing_record(table: str) -> MoodleError:
    """Return the error for a record that a ``MUST_EXIST`` lookup did not find."""
    return MoodleError(
        MISSING_RECORD_EXCEPTION,
        "invalidrecord",
        f"Can't find data record in database table {table}.",
    )


def access_exception() -> MoodleError:
    """Return the error for a function that the token's service does not offer."""
    return MoodleError(ACCESS_EXCEPTION, "accessexception", "Access control exception")


def coding_error(detail: str) -> MoodleError:
    """Return Moodle's ``coding_exception`` with its fixed message prefix."""
    return MoodleError(
        CODING_EXCEPTION,
        "codingerror",
        f"Coding error detected, it must be fixed by a programmer: {detail}",
    )


def moodle_exception(errorcode: str, message: str) -> MoodleError:
    """Return a plain ``moodle_exception`` with the given code and message."""
    return MoodleError(MOODLE_EXCEPTION, errorcode, message)


def function_not_found() -> MoodleError:
    """Return the error for a wsfunction name that Moodle does not know."""
    return missing_record("external_functions")


def course_not_found() -> MoodleError:
    """Return the error for a course id that does not exist."""
    return missing_record("course")


def user_not_found() -> MoodleError:
    """Return the error for a user id that does not exist."""
    return missing_record("user")


def invalid_user_field_parameter() -> MoodleError:
    """Return the error of ``core_user_get_users_by_field`` for an unknown field."""
    return coding_error("invalid field parameter")


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

    Moodle puts the context error's message into this one; for a missing
    context that is the ``invalidparameter`` message.
    """
    inner = invalid_parameter().message
    return moodle_exception(
        "errorcoursecontextnotvalid",
        f"You cannot execute functions in the course context (course id:{courseid})."
        f" The context error message was: {inner}",
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
