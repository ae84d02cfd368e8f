"""Parameter descriptions and their validation, after Moodle's external API.

Each wsfunction declares its arguments with :class:`Value`, :class:`Single` and
:class:`Multiple`, the counterparts of Moodle's ``external_value``,
``external_single_structure`` and ``external_multiple_structure``. Validation
follows ``external_api::validate_parameters`` of Moodle 4.5: a missing required
argument, an unexpected key or a value of the wrong type raises
``invalidparameter``; a missing argument with a default takes the default. The
error's ``debuginfo``, shown on debug sites only, uses Moodle's texts and names
the keys that lead to the bad value.
"""

from __future__ import annotations

import enum
import re
import typing as t
from dataclasses import dataclass, field

from moodle_sandbox.errors import InvalidParameterError, invalid_parameter

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from moodle_sandbox.phpparams import PhpValue

# PHP's validate_param compares the value with its cleaned form, so only the
# canonical spelling of an integer passes: "007" and "+3" do not.
_INT_PATTERN = re.compile(r"-?(?:0|[1-9][0-9]*)")
_ALPHANUMEXT_PATTERN = re.compile(r"[A-Za-z0-9_-]*")


class ParamType(enum.Enum):
    """Moodle ``PARAM_*`` types that the sandbox's wsfunctions use."""

    INT = "int"
    BOOL = "bool"
    RAW = "raw"
    ALPHANUMEXT = "alphanumext"


class Presence(enum.Enum):
    """Moodle's ``VALUE_REQUIRED``, ``VALUE_OPTIONAL`` and ``VALUE_DEFAULT``."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    DEFAULT = "default"


@dataclass(frozen=True)
class Value:
    """A scalar argument (``external_value``)."""

    type: ParamType
    presence: Presence = Presence.REQUIRED
    default: object = None


@dataclass(frozen=True)
class Single:
    """A structure with named keys (``external_single_structure``)."""

    keys: Mapping[str, Spec]
    presence: Presence = Presence.REQUIRED
    default: object = None


@dataclass(frozen=True)
class Multiple:
    """A list of values of one description (``external_multiple_structure``)."""

    content: Spec
    presence: Presence = Presence.REQUIRED
    default: object = field(default=None)


Spec = Value | Single | Multiple


def validate(description: Single, params: Mapping[str, PhpValue]) -> dict[str, t.Any]:
    """Check decoded arguments against a wsfunction's description.

    Args:
        description: The wsfunction's parameters.
        params: Decoded arguments, without ``wstoken``, ``wsfunction`` and
            ``moodlewsrestformat``.

    Returns:
        The arguments with ints and bools converted and defaults filled in.

    Raises:
        MoodleError: ``invalidparameter`` for any mismatch.
    """
    return t.cast("dict[str, t.Any]", _validate_single(description, dict(params)))


def _validate(description: Spec, value: PhpValue) -> object:
    if isinstance(description, Value):
        return _validate_value(description, value)
    if isinstance(description, Single):
        return _validate_single(description, value)
    return _validate_multiple(description, value)


def _validate_value(description: Value, value: PhpValue) -> object:
    if not isinstance(value, str):
        detail = "Scalar type expected, array or object received."
        raise invalid_parameter(detail)
    if description.type is ParamType.INT:
        if not _INT_PATTERN.fullmatch(value):
            raise _wrong_type(description, value)
        return int(value)
    if description.type is ParamType.BOOL:
        if value not in {"0", "1"}:
            raise _wrong_type(description, value)
        return value == "1"
    if description.type is ParamType.ALPHANUMEXT and not (
        _ALPHANUMEXT_PATTERN.fullmatch(value)
    ):
        raise _wrong_type(description, value)
    return value


def _wrong_type(description: Value, value: str) -> InvalidParameterError:
    return invalid_parameter(
        f'Invalid external api parameter: the value is "{value}", '
        f'the server was expecting "{description.type.value}" type'
    )


def _validate_single(description: Single, value: PhpValue) -> dict[str, object]:
    if isinstance(value, list):
        # A PHP list is an array with the keys 0, 1, ...
        value = {str(index): item for index, item in enumerate(value)}
    if not isinstance(value, dict):
        raise _not_an_array(value)
    result: dict[str, object] = {}
    for name, subdescription in description.keys.items():
        if name in value:
            try:
                result[name] = _validate(subdescription, value[name])
            except InvalidParameterError as error:
                raise error.within(name) from None
        elif subdescription.presence is Presence.REQUIRED:
            detail = f"Missing required key in single structure: {name}"
            raise invalid_parameter(detail)
        elif subdescription.presence is Presence.DEFAULT:
            default = subdescription.default
            result[name] = list(default) if isinstance(default, list) else default
    unexpected = [name for name in value if name not in description.keys]
    if unexpected:
        detail = (
            f"Unexpected keys ({', '.join(unexpected)}) detected in parameter array."
        )
        raise invalid_parameter(detail)
    return result


def _validate_multiple(description: Multiple, value: PhpValue) -> list[object]:
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        raise _not_an_array(value)
    return [_validate(description.content, item) for item in items]


def _not_an_array(value: str) -> InvalidParameterError:
    return invalid_parameter(f"Only arrays accepted. The bad value is: '{value}'")


def integer(presence: Presence = Presence.REQUIRED, default: int = 0) -> Value:
    """Describe a ``PARAM_INT`` argument."""
    return Value(ParamType.INT, presence, default)


def text(presence: Presence = Presence.REQUIRED, default: str = "") -> Value:
    """Describe a ``PARAM_RAW`` (or text) argument."""
    return Value(ParamType.RAW, presence, default)


def boolean(presence: Presence = Presence.REQUIRED, *, default: bool = False) -> Value:
    """Describe a ``PARAM_BOOL`` argument."""
    return Value(ParamType.BOOL, presence, default)


def name_value_options() -> Multiple:
    """Describe the ``options[i][name]``/``options[i][value]`` list of Moodle."""
    return Multiple(
        Single(
            {
                "name": Value(ParamType.ALPHANUMEXT),
                "value": Value(ParamType.RAW),
            }
        ),
        Presence.DEFAULT,
        default=[],
    )
