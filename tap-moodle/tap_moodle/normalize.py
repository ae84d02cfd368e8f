"""Make a record's values fit its stream's JSON schema before it is written.

Moodle's answers mostly match their declared types, with exceptions seen on real
sites: ids that arrive as strings, numbers as numeric strings, booleans as 0 and
1. PostgreSQL rejects the NUL character in text, and a JSON escape of half a
UTF-16 surrogate pair cannot be encoded as UTF-8. This module converts what it
can convert without loss and leaves every other value as it is, for the SDK's
schema validation to report.
"""

from __future__ import annotations

import re
import typing as t

# Unpaired UTF-16 surrogates, which json.loads accepts from "\\ud800" escapes.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def normalize(value: object, schema: t.Mapping[str, t.Any]) -> object:
    """Return ``value`` converted to the types ``schema`` allows, where lossless."""
    types = _types(schema)
    if isinstance(value, str):
        return _from_text(_clean_text(value), types)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and "boolean" in types and "integer" not in types:
        return bool(value) if value in (0, 1) else value
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        return {
            key: normalize(item, properties[key]) if key in properties else item
            for key, item in value.items()
        }
    if isinstance(value, list) and "items" in schema:
        return [normalize(item, schema["items"]) for item in value]
    return value


def _types(schema: t.Mapping[str, t.Any]) -> set[str]:
    declared = schema.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for option in schema.get("anyOf", []):
        types |= _types(option)
    return types


def _clean_text(text: str) -> str:
    return LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def _from_text(text: str, types: set[str]) -> object:
    """Convert text that the schema wants as a number or a boolean."""
    if "string" in types or not types:
        return text
    stripped = text.strip()
    if "integer" in types and INTEGER_TEXT.match(stripped):
        return int(stripped)
    if "number" in types and NUMBER_TEXT.match(stripped):
        number = float(stripped)
        return int(number) if number.is_integer() and "." not in stripped else number
    if "boolean" in types and stripped in {"0", "1", "true", "false"}:
        return stripped in {"1", "true"}
    if "null" in types and stripped == "":
        return None
    return text
