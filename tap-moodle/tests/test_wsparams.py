from __future__ import annotations

import pytest

from tap_moodle.wsparams import encode_params


def test_scalars_keep_their_names():
    assert encode_params({"courseid": 14, "userid": 0}) == [
        ("courseid", "14"),
        ("userid", "0"),
    ]


def test_list_of_mappings_uses_indexes_and_keys():
    fields = encode_params({"criteria": [{"key": "email", "value": "%"}]})
    assert fields == [("criteria[0][key]", "email"), ("criteria[0][value]", "%")]


def test_options_in_order():
    fields = encode_params(
        {
            "options": [
                {"name": "limitfrom", "value": 0},
                {"name": "limitnumber", "value": 100},
            ]
        }
    )
    assert fields == [
        ("options[0][name]", "limitfrom"),
        ("options[0][value]", "0"),
        ("options[1][name]", "limitnumber"),
        ("options[1][value]", "100"),
    ]


def test_nested_list_inside_mapping():
    fields = encode_params({"field": "id", "values": [3, 4]})
    assert fields == [("field", "id"), ("values[0]", "3"), ("values[1]", "4")]


def test_booleans_become_one_and_zero():
    assert encode_params({"a": True, "b": False}) == [("a", "1"), ("b", "0")]


def test_none_is_left_out():
    assert encode_params({"courseid": 3, "userid": None}) == [("courseid", "3")]


def test_non_ascii_text_is_kept():
    assert encode_params({"values": ["Попов"]}) == [("values[0]", "Попов")]


def test_unsupported_type_names_key():
    with pytest.raises(TypeError, match="criteria\\[0\\]"):
        encode_params({"criteria": [object()]})
