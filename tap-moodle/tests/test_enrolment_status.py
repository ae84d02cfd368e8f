"""Moodle's enrolment method status: true, or a text that says why not."""

from __future__ import annotations

import pytest

from tap_moodle.streams.courses import _split_status


@pytest.mark.parametrize(
    ("status", "available", "reason"),
    [
        (True, True, None),
        ("Enrolment has ended", False, "Enrolment has ended"),
        (False, False, None),
        (None, False, None),
    ],
)
def test_status_is_split(status, available, reason):
    method = _split_status({"id": 4, "type": "self", "status": status})
    assert method["status"] is available
    assert method["unavailable_reason"] == reason
    assert method["id"] == 4
