"""The shape comparison that the contract tests rely on must catch departures."""

from __future__ import annotations

from contract import xml_to_value
from shapes import compare, describe, json_type, merge, uncovered


def test_json_type_tells_numbers_apart() -> None:
    assert json_type(True) == "bool"  # noqa: FBT003
    assert json_type(3) == "int"
    assert json_type(3.5) == "float"
    assert json_type(None) == "null"
    assert json_type("3") == "string"
    assert json_type([]) == "array"
    assert json_type({}) == "object"


def test_identical_documents_have_no_problems() -> None:
    document = {"users": [{"id": 1, "city": "Lyon"}], "warnings": []}

    assert compare(describe(document), describe(document)) == []


def test_int_allowed_where_floats_recorded() -> None:
    recorded = describe({"graderaw": [1.5, None]})

    assert compare(recorded, describe({"graderaw": [9]})) == []
    assert compare(recorded, describe({"graderaw": [None]})) == []


def test_float_rejected_where_ints_recorded() -> None:
    problems = compare(describe({"id": 3}), describe({"id": 3.0}))

    assert problems == ["$.id: type ['float'], recorded ['int']"]


def test_null_rejected_where_never_recorded() -> None:
    problems = compare(describe({"id": 3}), describe({"id": None}))

    assert problems == ["$.id: type ['null'], recorded ['int']"]


def test_string_id_rejected_where_int_recorded() -> None:
    problems = compare(describe([{"id": 3}]), describe([{"id": "3"}]))

    assert problems == ["$[].id: type ['string'], recorded ['int']"]


def test_unrecorded_key_reported() -> None:
    problems = compare(describe({"id": 1}), describe({"id": 1, "extra": 2}))

    assert problems == ["$: keys ['extra'] not in the recording"]


def test_missing_required_key_reported() -> None:
    recorded = describe([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])

    problems = compare(recorded, describe([{"id": 1}]))

    assert problems == ["$[]: required keys ['name'] missing"]


def test_optional_key_may_be_absent() -> None:
    recorded = describe([{"id": 1, "city": "Lyon"}, {"id": 2}])

    assert compare(recorded, describe([{"id": 3}])) == []


def test_empty_optional_value_reported() -> None:
    recorded = describe([{"id": 1, "city": "Lyon"}, {"id": 2}])

    problems = compare(recorded, describe([{"id": 3, "city": ""}]))

    assert problems == [
        (
            "$[].city: sent empty, but the recording leaves this optional key out "
            "instead of sending it empty"
        )
    ]


def test_empty_required_value_allowed() -> None:
    recorded = describe([{"id": 1, "department": "History"}])

    assert compare(recorded, describe([{"id": 2, "department": ""}])) == []


def test_elements_under_always_empty_list_reported() -> None:
    recorded = describe({"courses": [], "warnings": []})

    problems = compare(recorded, describe({"courses": [], "warnings": [{"a": 1}]}))

    assert problems == ["$.warnings[]: the recording has no elements here"]


def test_bare_list_versus_wrapper_reported() -> None:
    problems = compare(describe([{"id": 1}]), describe({"courses": [{"id": 1}]}))

    assert "$: type ['object'], recorded ['array']" in problems


def test_merge_makes_key_optional() -> None:
    merged = merge([describe({"a": 1, "b": 2}), describe({"a": 3})])

    assert merged["$"].required == {"a"}
    assert merged["$"].all_keys == {"a", "b"}


def test_uncovered_lists_unreached_paths() -> None:
    recorded = describe({"users": [{"id": 1}]})

    assert uncovered(recorded, describe({"users": []})) == {"$.users[]", "$.users[].id"}


def test_xml_response_decodes_to_values() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<SINGLE>\n'
        '<KEY name="a"><VALUE>1</VALUE>\n</KEY>\n'
        '<KEY name="b"><MULTIPLE>\n<VALUE>x</VALUE>\n</MULTIPLE>\n</KEY>\n'
        '<KEY name="c"><VALUE null="null"/>\n</KEY>\n'
        "</SINGLE>\n</RESPONSE>\n"
    )

    assert xml_to_value(text) == {"a": "1", "b": ["x"], "c": None}
