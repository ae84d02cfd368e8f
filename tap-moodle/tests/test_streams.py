"""Full syncs of the tap against the Moodle sandbox, checked against the site model.

Each sync runs in-process over HTTP. Record counts come from
``moodle_sandbox.expected_counts``, which derives them from the site's records
and rules without the HTTP layer.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import typing as t
from collections import defaultdict

import pytest
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

from moodle_sandbox import SandboxServer, build_site, expected_counts
from tap_moodle.streams import STREAM_TYPES
from tap_moodle.streams.completion import task_size
from tap_moodle.streams.enrolments import ENROLLED_USERS, fetch_enrolled_users
from tap_moodle.tap import TapMoodle

from .sandbox_site import (
    ANCHOR,
    INSTANCE,
    SEED,
    listed_enrolled_ids,
    tap_config_for,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_sandbox import Site

# Names in expected_counts that no tap stream has yet.
NOT_TAP_STREAMS = ("groups",)
SYNC_MARKS = "stream_syncs"
STREAM_NAMES = [stream_type.name for stream_type in STREAM_TYPES]
GRADE_REPORT = "gradereport_user_get_grade_items"
ENROLMENT_METHODS = "core_enrol_get_course_enrolment_methods"

# Settings each full sync adds to the session's tap configuration.
SYNC_SETTINGS = {
    "defaults": {},
    # Every course needs several pages and the users several id batches.
    "small pages": {
        "enrolled_users_page_size": 7,
        "users_batch_size": 7,
        "max_concurrency": 2,
    },
    "one call for all users": {"users_strategy": "all", "max_concurrency": 1},
}


@dataclasses.dataclass
class SyncResult:
    """What one full sync sent: records as emitted and as the streams built them."""

    tap: TapMoodle
    output: str
    # Records after the streams' post_process, before the SDK conforms them to
    # the schema and drops fields the schema lacks.
    built: dict[str, list[dict[str, t.Any]]]
    emitted: dict[str, list[dict[str, t.Any]]]
    calls: dict[str, int]


def capture_built_records(tap: TapMoodle) -> dict[str, list[dict[str, t.Any]]]:
    """Wrap each stream's post_process to keep a copy of every record it returns."""
    built: dict[str, list[dict[str, t.Any]]] = defaultdict(list)
    for stream in tap.streams.values():
        post_process = stream.post_process

        def keep(row, context=None, *, post_process=post_process, name=stream.name):
            record = post_process(row, context)
            if record is not None:
                built[name].append(copy.deepcopy(record))
            return record

        stream.post_process = keep
    return built


def run_sync(tap: TapMoodle) -> str:
    """Run ``sync_all`` and return what the tap wrote to standard output."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        tap.sync_all()
    return output.getvalue()


def records_by_stream(output: str) -> dict[str, list[dict[str, t.Any]]]:
    """Return the records of each stream from the tap's Singer messages."""
    emitted: dict[str, list[dict[str, t.Any]]] = defaultdict(list)
    for line in output.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            emitted[message["stream"]].append(message["record"])
    return emitted


@pytest.fixture(scope="module", params=list(SYNC_SETTINGS))
def synced(request, sandbox_server, tap_config) -> SyncResult:
    settings = SYNC_SETTINGS[request.param]
    tap = TapMoodle(config={**tap_config, **settings}, parse_env_config=False)
    built = capture_built_records(tap)
    sandbox_server.reset_calls()
    output = run_sync(tap)
    calls = sandbox_server.calls
    return SyncResult(tap, output, built, records_by_stream(output), calls)


def expected_records(site: Site, tap: TapMoodle) -> dict[str, int]:
    """Return the record count of every tap stream after a full sync."""
    counts = {
        name: count
        for name, count in expected_counts(site).items()
        if name not in NOT_TAP_STREAMS
    }
    # One mark per other stream, because every stream finished its full sync.
    counts[SYNC_MARKS] = len(tap.streams) - 1
    return counts


def strict_schema(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """Return a copy of the schema in which every object rejects unknown fields."""
    strict = copy.deepcopy(schema)
    pending = [strict]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "properties" in node:
                node["additionalProperties"] = False
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return strict


def schema_errors(
    schema: dict[str, t.Any], records: list[dict[str, t.Any]]
) -> list[str]:
    """Return the first ten distinct validation errors of the records."""
    validator = DEFAULT_JSONSCHEMA_VALIDATOR(
        schema, format_checker=DEFAULT_JSONSCHEMA_VALIDATOR.FORMAT_CHECKER
    )
    found: dict[str, None] = {}
    for record in records:
        for error in validator.iter_errors(record):
            path = ".".join(str(part) for part in error.absolute_path)
            found[f"{path}: {error.message}"] = None
    return list(found)[:10]


def test_untracked_names_not_streams():
    assert [name for name in NOT_TAP_STREAMS if name in STREAM_NAMES] == []


def test_every_stream_has_expected_count(synced, sandbox_site):
    expected = expected_records(sandbox_site, synced.tap)
    assert sorted(synced.tap.streams) == sorted(expected)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_stream_record_count(synced, sandbox_site, name):
    expected = expected_records(sandbox_site, synced.tap)[name]
    assert len(synced.emitted[name]) == expected


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_records_carry_instance(synced, name):
    records = synced.emitted[name]
    instances = {record.get("instance") for record in records}
    assert records
    assert instances == {INSTANCE}


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_records_match_schema(synced, name):
    schema = synced.tap.streams[name].schema
    assert schema_errors(schema, synced.emitted[name]) == []


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_built_records_fit_schema(synced, name):
    """No field is outside the schema, where the SDK would drop it with one warning."""
    schema = strict_schema(synced.tap.streams[name].schema)
    assert schema_errors(schema, synced.built[name]) == []


def test_sync_marks_name_streams(synced):
    marks = synced.emitted[SYNC_MARKS]
    others = sorted(name for name in synced.tap.streams if name != SYNC_MARKS)
    assert sorted(mark["stream"] for mark in marks) == others
    assert [mark["skipped_courseids"] for mark in marks] == [[]] * len(marks)


def test_output_has_no_token(synced, sandbox_server):
    assert sandbox_server.token not in synced.output


def test_site_info_omits_private_key(synced):
    (info,) = synced.emitted["site_info"]
    assert "userprivateaccesskey" not in info


def test_course_answers_fetched_once(synced, sandbox_site):
    courses = sandbox_site.non_site_courses()
    page_size = int(synced.tap.config["enrolled_users_page_size"])
    pages = sum(
        len(listed_enrolled_ids(sandbox_site, course.id)) // page_size + 1
        for course in courses
    )
    assert synced.calls[GRADE_REPORT] == len(courses)
    assert synced.calls[ENROLMENT_METHODS] == len(courses)
    assert synced.calls[ENROLLED_USERS] == pages


@pytest.mark.parametrize("page_size", [0, -1])
def test_page_size_below_one_rejected(tap_config, page_size):
    config = {**tap_config, "enrolled_users_page_size": page_size}
    with pytest.raises(ConfigValidationError):
        TapMoodle(config=config, parse_env_config=False)


@pytest.fixture(scope="module")
def gap_server() -> Iterator[SandboxServer]:
    """A sandbox with one more account, 100 ids after the last one."""
    site = build_site(seed=SEED, anchor=ANCHOR)
    last = max(user.id for user in site.users)
    # From the list, not site.user(): that lookup caches an index of the users.
    template = next(u for u in site.users if u.id == site.landmarks.profile_user)
    late = dataclasses.replace(
        template, id=last + 100, username="late.user", email="late.user@example.test"
    )
    site.users.append(late)
    with SandboxServer(site, host="127.0.0.1", port=0) as server:
        yield server


def users_after_gap(server: SandboxServer, **settings: object) -> list[int]:
    config = {**tap_config_for(server), "users_batch_size": 10, **settings}
    tap = TapMoodle(config=config, parse_env_config=False)
    for stream in tap.streams.values():
        stream.selected = stream.name == "users"
    emitted = records_by_stream(run_sync(tap))
    return sorted(user["id"] for user in emitted["users"])


def test_users_after_long_id_gap(gap_server):
    expected = sorted(user.id for user in gap_server.site.users if not user.deleted)
    assert users_after_gap(gap_server) == expected


def test_users_beyond_max_id_gap_are_missed(gap_server):
    expected = sorted(user.id for user in gap_server.site.users if not user.deleted)
    ids = users_after_gap(gap_server, users_max_id_gap=50)
    assert ids == expected[:-1]


def test_course_streams_log_each_course_at_debug(tap_config, caplog):
    tap = TapMoodle(config=tap_config, parse_env_config=False)
    with caplog.at_level("DEBUG"):
        run_sync(tap)
    started = [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.getMessage().startswith("Beginning sync of")
    ]
    info = [message for level, message in started if level == "INFO"]
    debug = [message for level, message in started if level == "DEBUG"]
    assert any("'courses'" in message for message in info)
    assert not any("'grades'" in message for message in info)
    assert sum("'grades'" in message for message in debug) > 1


@pytest.mark.parametrize(
    ("users", "workers", "size"), [(9, 8, 2), (24, 8, 3), (200, 8, 10), (0, 8, 1)]
)
def test_status_task_size(users, workers, size):
    assert task_size(users, workers) == size


def test_small_course_statuses_use_every_worker():
    """A course of 17 to 40 tracked users keeps all eight workers busy."""
    site = build_site(seed=SEED, anchor=ANCHOR)
    course = next(
        c
        for c in site.non_site_courses()
        if c.enablecompletion and 16 < len(site.tracked_user_ids(c.id)) <= 40
    )
    with SandboxServer(site, host="127.0.0.1", port=0, latency_scale=3.0) as server:
        config = {
            **tap_config_for(server),
            "course_ids": [course.id],
            "max_concurrency": 8,
        }
        tap = TapMoodle(config=config, parse_env_config=False)
        for stream in tap.streams.values():
            stream.selected = stream.name == "course_completions"
        run_sync(tap)
        peak = server.stats().concurrency.peak

    assert peak == 8
