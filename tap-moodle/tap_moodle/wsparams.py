"""Encoding of wsfunction arguments into Moodle's PHP bracket form."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping, Sequence


def encode_params(params: Mapping[str, t.Any]) -> list[tuple[str, str]]:
    """Flatten nested arguments into the form fields Moodle's REST server reads.

    Lists become numbered keys and mappings become named keys, the way PHP parses
    ``criteria[0][key]=email``. Booleans become ``1``/``0``; ``None`` values are
    left out, because Moodle treats a missing optional argument as its default.

    Args:
        params: Arguments of one wsfunction call.

    Returns:
        Form fields in order, ready for a form-encoded POST body.

    Raises:
        TypeError: If a value is neither a scalar, a list nor a mapping.
    """
    fields: list[tuple[str, str]] = []
    for name, value in params.items():
        _encode_value(name, value, fields)
    return fields


def _encode_value(key: str, value: object, fields: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for name, item in value.items():
            _encode_value(f"{key}[{name}]", item, fields)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for index, item in enumerate(value):
            _encode_value(f"{key}[{index}]", item, fields)
    else:
        fields.append((key, _scalar(key, value)))


def _scalar(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, str)):
        return str(value)
    msg = (
        f"Argument '{key}' has unsupported type {type(value).__name__}: "
        "use a string, number, boolean, list or mapping."
    )
    raise TypeError(msg)
