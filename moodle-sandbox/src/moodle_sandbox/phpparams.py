"""Decoding of form fields in PHP's bracket syntax into nested values.

PHP, and so Moodle's REST server, reads ``criteria[0][key]=email`` as a nested
array. PHP arrays are ordered maps: this module builds them as dicts with string
keys, then turns every map whose keys are exactly ``"0"``, ``"1"``, … in order into
a list, so ``values[0]=3&values[1]=5`` decodes to ``{"values": ["3", "5"]}``.
"""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qsl

if t.TYPE_CHECKING:
    from collections.abc import Iterable

# A decoded value: a string, or a list or dict of decoded values.
PhpValue: t.TypeAlias = str | list["PhpValue"] | dict[str, "PhpValue"]


def parse_form(text: str) -> list[tuple[str, str]]:
    """Split a query string or form-encoded body into (name, value) fields."""
    return parse_qsl(text, keep_blank_values=True)


def decode_fields(fields: Iterable[tuple[str, str]]) -> dict[str, PhpValue]:
    """Build nested values from form fields the way PHP fills ``$_POST``.

    A later field with the same name replaces an earlier one, as in PHP, and
    ``name[]`` appends with the next free integer key.

    Args:
        fields: Form fields in the order they were sent.

    Returns:
        The decoded parameters, with sequential maps turned into lists.
    """
    root: dict[str, t.Any] = {}
    for name, value in fields:
        base, keys = split_name(name)
        if not base:
            continue
        _assign(root, [base, *keys], value)
    return {key: _listify(item) for key, item in root.items()}


def split_name(name: str) -> tuple[str, list[str]]:
    """Split ``criteria[0][key]`` into ``("criteria", ["0", "key"])``.

    A name whose brackets do not close is taken literally, without keys.
    """
    start = name.find("[")
    if start <= 0:
        return name, []
    base = name[:start]
    keys: list[str] = []
    rest = name[start:]
    while rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return name, []
        keys.append(rest[1:end])
        rest = rest[end + 1 :]
    return base, keys


def _assign(container: dict[str, t.Any], path: list[str], value: str) -> None:
    for depth, key in enumerate(path):
        is_last = depth == len(path) - 1
        slot = _next_index(container) if key == "" and depth > 0 else key
        if is_last:
            container[slot] = value
            return
        child = container.get(slot)
        if not isinstance(child, dict):
            child = {}
            container[slot] = child
        container = child


def _next_index(container: dict[str, t.Any]) -> str:
    indexes = [int(key) for key in container if key.lstrip("-").isdigit()]
    return str(max(indexes) + 1) if indexes else "0"


def _listify(value: t.Any) -> PhpValue:  # noqa: ANN401
    if not isinstance(value, dict):
        return t.cast("str", value)
    items = {key: _listify(item) for key, item in value.items()}
    if list(items) == [str(index) for index in range(len(items))]:
        return list(items.values())
    return items
