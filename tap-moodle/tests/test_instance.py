from __future__ import annotations

import pytest

from tap_moodle.tap import instance_from_url


@pytest.mark.parametrize(
    ("url", "instance"),
    [
        ("https://moodle.example.edu", "moodle.example.edu"),
        ("https://Moodle.Example.edu/", "moodle.example.edu"),
        ("https://example.edu/moodle/", "example.edu/moodle"),
        ("http://127.0.0.1:8081", "127.0.0.1:8081"),
    ],
)
def test_instance_from_url(url, instance):
    assert instance_from_url(url) == instance
