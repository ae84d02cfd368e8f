"""Start-up check of the service's functions, personal data, partition errors."""

from __future__ import annotations

import json
import logging
import re

import pytest
from moodle_sandbox import DEFAULT_SERVICE_FUNCTIONS, SandboxServer
from singer_sdk.exceptions import ConfigValidationError

from tap_moodle.errors import (
    MoodleConfigurationError,
    MoodlePartitionError,
    MoodleWebServiceError,
)
from tap_moodle.failures import PartitionFailures
from tap_moodle.personal import PersonalDataPolicy
from tap_moodle.tap import TapMoodle

SALT = "a-site-specific-secret-salt"
HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def records_of(tap: TapMoodle, capsys: pytest.CaptureFixture[str], stream: str):
    """Sync one stream and return its records from the tap's output."""
    for name, selected in ((name, name == stream) for name in tap.streams):
        tap.streams[name].selected = selected
    tap.sync_all()
    lines = capsys.readouterr().out.splitlines()
    messages = [json.loads(line) for line in lines if line.startswith("{")]
    return [
        message["record"]
        for message in messages
        if message["type"] == "RECORD" and message["stream"] == stream
    ]


def users_with(tap_config, capsys, **settings):
    tap = TapMoodle(config={**tap_config, **settings}, setup_mapper=True)
    return {user["id"]: user for user in records_of(tap, capsys, "users")}


def server_without_grade_report(site) -> SandboxServer:
    """Return a sandbox whose service lacks gradereport_user_get_grade_items."""
    functions = [
        name
        for name in DEFAULT_SERVICE_FUNCTIONS
        if name != "gradereport_user_get_grade_items"
    ]
    return SandboxServer(site, token="t" * 32, service_functions=functions)


def test_missing_function_is_named_with_streams(sandbox_site, tap_config):
    server = server_without_grade_report(sandbox_site)
    with server:
        config = {**tap_config, "base_url": server.url, "token": server.token}
        tap = TapMoodle(config=config)
        with pytest.raises(MoodleConfigurationError) as raised:
            tap.sync_all()
    message = str(raised.value)
    assert "gradereport_user_get_grade_items" in message
    assert "grade_items" in message
    assert "grades" in message
    assert server.token not in message


def test_deselected_stream_needs_no_function(sandbox_site, tap_config, capsys):
    server = server_without_grade_report(sandbox_site)
    with server:
        config = {**tap_config, "base_url": server.url, "token": server.token}
        records = records_of(TapMoodle(config=config), capsys, "course_categories")
    assert len(records) == len(sandbox_site.categories)


def test_personal_data_keep_is_unchanged(tap_config, capsys, sandbox_site):
    users = users_with(tap_config, capsys)
    admin = next(user for user in sandbox_site.users if user.username == "admin")
    assert users[admin.id]["email"] == admin.email


def test_personal_data_hash_is_stable_hex(tap_config, capsys):
    first = users_with(
        tap_config, capsys, personal_data="hash", personal_data_salt=SALT
    )
    second = users_with(
        tap_config, capsys, personal_data="hash", personal_data_salt=SALT
    )
    for userid, user in first.items():
        assert HEX_DIGEST.match(user["email"]), userid
        assert HEX_DIGEST.match(user["fullname"]), userid
        assert user["email"] == second[userid]["email"], userid
    assert len({user["email"] for user in first.values()}) > 1


def test_personal_data_hash_differs_per_salt(tap_config, capsys):
    first = users_with(
        tap_config, capsys, personal_data="hash", personal_data_salt=SALT
    )
    other = users_with(
        tap_config, capsys, personal_data="hash", personal_data_salt=SALT[::-1]
    )
    assert all(other[i]["email"] != user["email"] for i, user in first.items())


def test_personal_data_drop_keeps_ids(tap_config, capsys):
    users = users_with(tap_config, capsys, personal_data="drop")
    assert users
    for userid, user in users.items():
        assert user["id"] == userid
        assert user["email"] is None
        assert user["username"] is None
        assert user["lastname"] is None
        assert user.get("customfields") is None
        assert user["lastaccess"] is not None


def test_personal_data_hash_needs_salt(tap_config):
    with pytest.raises(ConfigValidationError, match="personal_data_salt"):
        TapMoodle(config={**tap_config, "personal_data": "hash"})


def test_personal_data_policy_rejects_unknown_mode():
    with pytest.raises(ValueError, match="'mask'"):
        PersonalDataPolicy("mask")


def course_error(errorcode: str = "nopermissions") -> MoodleWebServiceError:
    return MoodleWebServiceError(
        "site-a",
        "gradereport_user_get_grade_items",
        errorcode=errorcode,
        exception="required_capability_exception",
        message="Sorry, but you do not currently have permissions to do that.",
    )


def test_partition_failures_are_counted(caplog):
    failures = PartitionFailures("site-a", logging.getLogger("test"), fatal=False)
    failures.record("grades", course_error(), courseid=7)
    failures.record("grades", course_error(), courseid=9)
    failures.record("course_completions", course_error(), courseid=7, userid=3)
    failures.report()
    assert failures.count() == 3
    assert failures.count("grades") == 2
    assert "course 9: errorcode 'nopermissions'" in caplog.text
    assert "course 7, user 3" in caplog.text


def test_shared_answer_failure_counts_one_call(caplog):
    failures = PartitionFailures("site-a", logging.getLogger("test"), fatal=False)
    failures.record("grade_items", course_error(), courseid=7)
    failures.record("grades", course_error(), courseid=7)
    failures.report()
    assert "concerning only one course or user: 1." in caplog.text
    assert "Streams skipped 2 courses or users" in caplog.text


def test_partition_failure_is_fatal_when_asked():
    failures = PartitionFailures("site-a", logging.getLogger("test"), fatal=True)
    with pytest.raises(MoodlePartitionError, match="course 7") as raised:
        failures.record("grades", course_error(), courseid=7)
    assert "partition_errors" in str(raised.value)
    assert "site-a" in str(raised.value)


def test_stream_syncs_lists_completed_streams(tap_config, capsys):
    tap = TapMoodle(config=tap_config)
    tap.sync_all()
    lines = capsys.readouterr().out.splitlines()
    messages = [json.loads(line) for line in lines if line.startswith("{")]
    records = [
        message["record"]
        for message in messages
        if message["type"] == "RECORD" and message["stream"] == "stream_syncs"
    ]
    last_other = max(
        index
        for index, message in enumerate(messages)
        if message["type"] == "RECORD" and message["stream"] != "stream_syncs"
    )
    first_sync = min(
        index
        for index, message in enumerate(messages)
        if message["type"] == "RECORD" and message["stream"] == "stream_syncs"
    )
    expected = sorted(name for name in tap.streams if name != "stream_syncs")
    assert sorted(record["stream"] for record in records) == expected
    assert all(record["skipped_courseids"] == [] for record in records)
    assert all(record["instance"] == tap_config["instance"] for record in records)
    assert first_sync > last_other
