"""Contract tests against every full recording of a real Moodle site.

The recordings live outside the repository: in $MOODLE_RECORDINGS_DIR, else in
<repository root>/../shared/moodle-recordings. Without that folder every test
here is skipped, and the trimmed fixtures of test_contract.py still run.
"""

from __future__ import annotations

import typing as t

import pytest
from contract import (
    KNOWN_UNCOVERED,
    RECORDINGS_ENV,
    Replay,
    check_replay,
    coverage_gaps,
    full_recordings_dir,
    load_all,
    recording_paths,
)
from scenarios import is_schema_source

if t.TYPE_CHECKING:
    from shapes import Shape

ROOT = full_recordings_dir()
PATHS = recording_paths(ROOT) if ROOT.is_dir() else []
RECORDINGS = load_all(PATHS)
BY_NAME = {
    str(path.relative_to(ROOT).with_suffix("")): recording
    for path, recording in zip(PATHS, RECORDINGS, strict=True)
}
SCHEMA_FUNCTIONS = sorted(
    {t.cast("str", r.wsfunction) for r in RECORDINGS if is_schema_source(r)}
)
MISSING_REASON = (
    f"no recordings of a real Moodle site in {ROOT}: set {RECORDINGS_ENV} to the "
    "folder that holds them"
)


def _params(names: list[str]) -> list[t.Any]:
    if names:
        return names
    return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING_REASON))]


@pytest.mark.parametrize("name", _params(sorted(BY_NAME)))
def test_response_matches_full_recording(
    name: str, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    check_replay(BY_NAME[name], replays, merged)


@pytest.mark.parametrize("function", _params(SCHEMA_FUNCTIONS))
def test_sandbox_reaches_fully_recorded_paths(
    function: str, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    gaps = coverage_gaps(function, replays, merged)

    assert not gaps, f"no sandbox response reaches {sorted(gaps)}"


@pytest.mark.parametrize(
    "function", _params(sorted(KNOWN_UNCOVERED) if RECORDINGS else [])
)
def test_known_gaps_still_unreached_in_full(
    function: str, replays: dict[str, Replay], merged: dict[str, Shape]
) -> None:
    known, _reason = KNOWN_UNCOVERED[function]
    gaps = coverage_gaps(function, replays, merged, ignore_known=False)
    reached = (known & set(merged[function])) - gaps

    assert not reached, f"remove {sorted(reached)} from KNOWN_UNCOVERED"
