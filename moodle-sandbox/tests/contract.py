"""Contract checks: replay recorded Moodle calls on a sandbox, compare responses.

A success response must have the shape (keys, optional keys, JSON types) that
the recordings of the same wsfunction show together, as :mod:`shapes` defines
it. An error response must equal the recorded error body, because the sandbox
copies Moodle's classes, codes and messages. An XML response must have the
recorded XML layout.
"""

from __future__ import annotations

import os
import typing as t
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from scenarios import (
    Recording,
    is_schema_source,
    load_recording,
    replay_fields,
    skip_reason,
)
import pytest
from shapes import Shape, compare, describe, merge, uncovered
from wsclient import RawResponse, WsClient

if t.TYPE_CHECKING:
    from moodle_sandbox import SandboxServer, Site

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "recordings"
RECORDINGS_ENV = "MOODLE_RECORDINGS_DIR"
# <repository root>/../shared/moodle-recordings, the default place of the full
# recordings of real Moodle sites (one subfolder per Moodle version).
DEFAULT_RECORDINGS_DIR = (
    Path(__file__).resolve().parents[2].parent / "shared" / "moodle-recordings"
)

# Recorded paths that no sandbox response reaches, per wsfunction, with the reason.
KNOWN_UNCOVERED: dict[str, tuple[frozenset[str], str]] = {
    "core_enrol_get_enrolled_users": (
        frozenset(
            {
                "$[].preferences",
                "$[].preferences[]",
                "$[].preferences[].name",
                "$[].preferences[].value",
            }
        ),
        (
            "only the token's own user shows preferences here, and the sandbox's "
            "administrator is enrolled in no course"
        ),
    ),
    "core_course_get_contents": (
        frozenset({"$[].modules[].contentsinfo.mimetypes[]"}),
        ("the sandbox has no file resources, so every mimetypes list is empty"),
    ),
}


@dataclass(frozen=True)
class Replay:
    """A recording and the sandbox's response to the same call."""

    recording: Recording
    response: RawResponse


def full_recordings_dir() -> Path:
    """Return the folder of full recordings: $MOODLE_RECORDINGS_DIR or the default."""
    configured = os.environ.get(RECORDINGS_ENV)
    return Path(configured) if configured else DEFAULT_RECORDINGS_DIR


def recording_paths(folder: Path) -> list[Path]:
    """Return every recording file under a folder, subfolders included."""
    return sorted(folder.rglob("*.json"))


def load_all(paths: list[Path]) -> list[Recording]:
    return [load_recording(path) for path in paths]


def merged_shapes(recordings: list[Recording]) -> dict[str, Shape]:
    """Return, per wsfunction, the merged shape of its recorded success bodies."""
    shapes: dict[str, list[Shape]] = defaultdict(list)
    for recording in recordings:
        if is_schema_source(recording):
            shapes[t.cast("str", recording.wsfunction)].append(describe(recording.body))
    return {name: merge(found) for name, found in shapes.items()}


def replay_all(
    recordings: list[Recording],
    site: Site,
    server: SandboxServer,
    debug_server: SandboxServer,
) -> dict[str, Replay]:
    """Send every replayable recording to the sandbox, keyed by recording name.

    Recordings of a debug site go to ``debug_server``. Each server gets one
    keep-alive connection.
    """
    clients = {
        False: WsClient(server.url, server.token),
        True: WsClient(debug_server.url, debug_server.token),
    }
    replayable = [r for r in recordings if skip_reason(r) is None]
    replays = {}
    try:
        for recording in replayable:
            client = clients[recording.is_debug]
            fields = replay_fields(recording, site, client.token)
            response = client.request(fields, method=recording.method)
            replays[recording.name] = Replay(recording, response)
    finally:
        for client in clients.values():
            client.close()
    return replays


def check_replay(
    recording: Recording, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    """Assert that the sandbox's response has the recording's status, type and shape.

    Recordings that the sandbox cannot replay are skipped, with the reason.
    """
    reason = skip_reason(recording)
    if reason is not None:
        pytest.skip(reason)
    replay = replays[recording.name]
    assert replay.response.status == recording.status
    assert replay.response.content_type == recording.content_type
    problems = body_problems(replay, merged)
    assert not problems, "\n".join(problems)


def body_problems(replay: Replay, merged: dict[str, Shape]) -> list[str]:
    """List every way the sandbox's body departs from the recorded one."""
    recording = replay.recording
    if recording.is_xml:
        return _xml_problems(recording.body, replay.response.body.decode("utf-8"))
    body = replay.response.json()
    if recording.is_error:
        return _error_problems(recording.body, body)
    if isinstance(body, dict) and "exception" in body:
        return [f"$: error {body} where the recording has a success response"]
    if is_schema_source(recording):
        reference = merged[t.cast("str", recording.wsfunction)]
    else:
        reference = describe(recording.body)
    return compare(reference, describe(body))


def _error_problems(recorded: dict[str, str], actual: object) -> list[str]:
    if not isinstance(actual, dict) or "exception" not in actual:
        return [f"$: success response where the recording has the error {recorded}"]
    problems = []
    if set(actual) != set(recorded):
        problems.append(f"$: keys {sorted(actual)}, recorded {sorted(recorded)}")
    problems.extend(
        f"$.{key}: {actual[key]!r}, recorded {recorded[key]!r}"
        for key in sorted(set(actual) & set(recorded))
        if actual[key] != recorded[key]
    )
    return problems


def _xml_problems(recorded: str, actual: str) -> list[str]:
    """Compare XML responses: errors as text, other bodies by their layout.

    Moodle's XML also lists optional keys that the JSON body leaves out, as
    ``<VALUE null="null"/>``, and the sandbox writes only the keys it has (see
    ``encoding.encode_xml``). So null values are left out on both sides.
    """
    if "<EXCEPTION" in recorded:
        if actual != recorded:
            return [f"XML error body {actual!r}, recorded {recorded!r}"]
        return []
    recorded_value = _without_nulls(xml_to_value(recorded))
    actual_value = _without_nulls(xml_to_value(actual))
    return compare(describe(recorded_value), describe(actual_value))


def xml_to_value(text: str) -> object:
    """Decode Moodle's REST XML (RESPONSE, SINGLE, MULTIPLE, KEY, VALUE)."""
    root = ET.fromstring(text)  # noqa: S314 - the sandbox's or a recorded body
    if root.tag != "RESPONSE":
        msg = f"XML response has the root element <{root.tag}>, expected <RESPONSE>"
        raise ValueError(msg)
    children = list(root)
    return _xml_element_value(children[0]) if children else None


def _xml_element_value(element: ET.Element) -> object:
    if element.tag == "SINGLE":
        return {
            key.attrib["name"]: _xml_element_value(next(iter(key))) for key in element
        }
    if element.tag == "MULTIPLE":
        return [_xml_element_value(child) for child in element]
    if element.tag == "VALUE":
        return None if element.attrib.get("null") == "null" else element.text or ""
    msg = f"Unexpected XML element <{element.tag}> in a REST response"
    raise ValueError(msg)


def _without_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def coverage_gaps(
    function: str,
    replays: dict[str, Replay],
    merged: dict[str, Shape],
    *,
    ignore_known: bool = True,
) -> set[str]:
    """Return recorded paths of a function that no sandbox response reaches.

    Unless ``ignore_known`` is false, paths in :data:`KNOWN_UNCOVERED` are left
    out.
    """
    shapes = [
        describe(replay.response.json())
        for replay in replays.values()
        if replay.recording.wsfunction == function
        and is_schema_source(replay.recording)
    ]
    gaps = uncovered(merged[function], merge(shapes))
    if ignore_known:
        known, _reason = KNOWN_UNCOVERED.get(function, (frozenset(), ""))
        gaps -= known
    return gaps
