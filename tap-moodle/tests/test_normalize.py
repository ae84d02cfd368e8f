"""Values fitted to the stream schema: numeric text, 0/1 booleans, NUL, surrogates."""

from __future__ import annotations

import pytest
from singer_sdk import typing as th

from tap_moodle.normalize import normalize

SCHEMA = th.PropertiesList(
    th.Property("id", th.IntegerType, required=True),
    th.Property("grade", th.NumberType),
    th.Property("visible", th.BooleanType),
    th.Property("name", th.StringType),
    th.Property(
        "items",
        th.ArrayType(
            th.ObjectType(
                th.Property("id", th.IntegerType),
                th.Property("locked", th.BooleanType),
            )
        ),
    ),
).to_dict()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "42", 42),
        ("id", 42, 42),
        ("grade", "7.5", 7.5),
        ("grade", "8", 8),
        ("grade", "", None),
        ("grade", None, None),
        ("visible", 1, True),
        ("visible", 0, False),
        ("visible", "1", True),
        ("visible", True, True),
        ("name", "12", "12"),
        ("name", "a\x00b", "ab"),
        ("name", "half \ud800 pair", "half \ufffd pair"),
    ],
)
def test_value_fits_schema(field, value, expected):
    record = normalize({"id": 1, field: value}, SCHEMA)
    assert record[field] == expected
    assert type(record[field]) is type(expected)


def test_nested_items_are_fitted():
    record = normalize({"id": 1, "items": [{"id": "3", "locked": 0}]}, SCHEMA)
    assert record["items"] == [{"id": 3, "locked": False}]


def test_unconvertible_text_is_kept():
    record = normalize({"id": "twelve"}, SCHEMA)
    assert record["id"] == "twelve"


def test_unknown_keys_are_kept():
    record = normalize({"id": 1, "extra": "\x00x"}, SCHEMA)
    assert record["extra"] == "\x00x"
