"""Contract tests against the trimmed recordings in tests/fixtures/recordings.

Each recorded call is replayed on the sandbox with the ids of the records that
have the same role there, and the response must have the recorded shape. These
tests always run, because the fixtures are part of the repository.
"""

from __future__ import annotations

import typing as t

import pytest
from contract import (
    FIXTURES_DIR,
    KNOWN_UNCOVERED,
    Replay,
    check_replay,
    coverage_gaps,
    load_all,
    recording_paths,
)
from scenarios import is_schema_source

if t.TYPE_CHECKING:
    from shapes import Shape

RECORDINGS = load_all(recording_paths(FIXTURES_DIR))
BY_NAME = {recording.name: recording for recording in RECORDINGS}
SCHEMA_FUNCTIONS = sorted(
    {t.cast("str", r.wsfunction) for r in RECORDINGS if is_schema_source(r)}
)


def test_fixture_folder_has_recordings() -> None:
    assert len(RECORDINGS) >= 80


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_response_matches_recording(
    name: str, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    check_replay(BY_NAME[name], replays, merged)


@pytest.mark.parametrize("function", SCHEMA_FUNCTIONS)
def test_sandbox_reaches_recorded_paths(
    function: str, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    """Every key and type the recordings show appears in some sandbox response.

    So the synthetic site has the variety a client must handle: optional keys
    present and absent, null and non-null values, non-empty nested lists.
    """
    gaps = coverage_gaps(function, replays, merged)

    assert not gaps, f"no sandbox response reaches {sorted(gaps)}"


@pytest.mark.parametrize("function", sorted(KNOWN_UNCOVERED))
def test_known_gaps_are_still_gaps(
    function: str, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    """A path listed as unreachable must not be reached, or the list is stale."""
    known, _reason = KNOWN_UNCOVERED[function]
    gaps = coverage_gaps(function, replays, merged, ignore_known=False)
    reached = (known & set(merged[function])) - gaps

    assert not reached, f"remove {sorted(reached)} from KNOWN_UNCOVERED"
