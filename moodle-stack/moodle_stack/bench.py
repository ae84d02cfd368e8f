"""The extraction benchmark: calls, wall time, load rate and memory, as ratios.

For each site size, a Moodle sandbox with the latency model of a real Moodle 4.5
site serves a synthetic site, and tap-moodle (the executable Meltano installed)
extracts it: once in full, then again incrementally with the state of the first
run. The sandbox counts the calls per wsfunction and the seconds its latency
model held answers back, which give the two lower bounds: the fewest calls the
API allows, and the wall time of a client that keeps ``concurrency`` requests in
flight all the time (modelled seconds divided by the concurrency).

The sequential baseline, one call after another with a one-second pause, is run
on the smallest size; its time for the larger sizes is computed from the same
formula, checked against that run. The load rate pipes the full run's records
into target-postgres and compares it with a plain ``COPY`` of the same rows into
the same tables, on an embedded PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

from moodle_sandbox import SandboxServer, build_site, expected_counts
from moodle_sandbox.site.counts import minimum_calls

from moodle_stack.benchreport import render
from moodle_stack.copyload import copy_records
from moodle_stack.environment import project_root
from moodle_stack.warehouse import Connection, EmbeddedPostgres

if t.TYPE_CHECKING:
    from moodle_sandbox import Site

SEED = 1
PAUSE_SECONDS = 1.0
TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # noqa: S105 - the sandbox's test token


@dataclasses.dataclass(frozen=True)
class TapRun:
    """One run of the tap against a sandbox."""

    wall_seconds: float
    peak_rss_mb: float
    records: int
    calls: dict[str, int]
    modelled_seconds: float
    state: dict[str, t.Any]
    output: Path

    @property
    def total_calls(self) -> int:
        """Calls of every wsfunction."""
        return sum(self.calls.values())


@dataclasses.dataclass(frozen=True)
class SizeResult:
    """The measurements of one site size."""

    size: str
    counts: dict[str, int]
    minimum: dict[str, int]
    full: TapRun
    incremental: TapRun
    concurrency: int

    @property
    def lower_bound_seconds(self) -> float:
        """Wall time if ``concurrency`` requests were in flight all the time."""
        return self.full.modelled_seconds / self.concurrency

    @property
    def baseline_seconds(self) -> float:
        """Sequential calls with a one-second pause: latency plus one second each."""
        return self.full.modelled_seconds + PAUSE_SECONDS * self.full.total_calls


def tap_executable(root: Path) -> Path:
    """Return the tap-moodle that Meltano installed."""
    return root / ".meltano" / "extractors" / "tap-moodle" / "venv" / "bin" / "tap-moodle"


def run_tap(
    root: Path,
    config: dict[str, t.Any],
    workdir: Path,
    name: str,
    state: dict[str, t.Any] | None = None,
) -> tuple[float, float, Path]:
    """Run the tap to a file and return wall seconds, peak memory (MB), output."""
    config_file = workdir / f"{name}.config.json"
    config_file.write_text(json.dumps(config))
    command = [str(tap_executable(root)), "--config", str(config_file)]
    if state:
        state_file = workdir / f"{name}.state.json"
        state_file.write_text(json.dumps(state))
        command += ["--state", str(state_file)]
    output = workdir / f"{name}.jsonl"
    with output.open("wb") as sink, (workdir / f"{name}.log").open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=sink, stderr=log)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        msg = f"tap-moodle failed with exit code {process.returncode}; see {log.name}"
        raise RuntimeError(msg)
    return wall, usage.ru_maxrss / 1024, output


def read_output(output: Path) -> tuple[int, dict[str, t.Any]]:
    """Return the number of records in a tap's output and its last state."""
    records = 0
    state: dict[str, t.Any] = {}
    with output.open() as lines:
        for line in lines:
            message = json.loads(line)
            if message["type"] == "RECORD":
                records += 1
            elif message["type"] == "STATE":
                state = message["value"]
    return records, state


def measured_run(  # noqa: PLR0913
    root: Path,
    server: SandboxServer,
    config: dict[str, t.Any],
    workdir: Path,
    name: str,
    state: dict[str, t.Any] | None = None,
) -> TapRun:
    """Run the tap once against the server and collect what both sides measured."""
    server.app.reset_stats()
    wall, peak, output = run_tap(root, config, workdir, name, state)
    stats = server.app.stats()
    records, last_state = read_output(output)
    return TapRun(
        wall_seconds=wall,
        peak_rss_mb=peak,
        records=records,
        calls=dict(stats.calls),
        modelled_seconds=stats.total_modelled_seconds,
        state=last_state,
        output=output,
    )


def tap_config(server: SandboxServer, concurrency: int) -> dict[str, t.Any]:
    """Return the tap's settings for a benchmark run."""
    return {
        "base_url": server.url,
        "token": server.token,
        "instance": "bench",
        "max_concurrency": concurrency,
    }


def bench_size(
    root: Path, size: str, concurrency: int, latency_scale: float, workdir: Path
) -> SizeResult:
    """Extract one site size in full and incrementally."""
    site = build_site(seed=SEED, size=size)
    with SandboxServer(
        site, token=TOKEN, latency_scale=latency_scale, max_concurrent=concurrency
    ) as server:
        config = tap_config(server, concurrency)
        full = measured_run(root, server, config, workdir, f"{size}-full")
        incremental = measured_run(
            root, server, config, workdir, f"{size}-incremental", full.state
        )
    return SizeResult(
        size=size,
        counts=expected_counts(site),
        minimum=minimum_calls(site),
        full=full,
        incremental=incremental,
        concurrency=concurrency,
    )


def bench_baseline(
    root: Path, size: str, latency_scale: float, workdir: Path
) -> tuple[TapRun, float]:
    """Run the sequential baseline: one request at a time, one per second.

    Returns the run and the time the baseline formula gives for it.
    """
    site: Site = build_site(seed=SEED, size=size)
    with SandboxServer(site, token=TOKEN, latency_scale=latency_scale) as server:
        config = {
            **tap_config(server, 1),
            "requests_per_second": 1 / PAUSE_SECONDS,
            "change_detection": False,
        }
        run = measured_run(root, server, config, workdir, f"{size}-baseline")
    return run, run.modelled_seconds + PAUSE_SECONDS * run.total_calls


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """Records per second into PostgreSQL, for one way of loading."""

    name: str
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.records / self.seconds


TARGET_SETTINGS = {
    "target-postgres, default settings": {},
    "target-postgres, no validation, batches of 100,000": {
        "validate_records": False,
        "batch_size_rows": 100_000,
    },
}


def run_target(
    root: Path, connection: Connection, records_file: Path, settings: dict[str, t.Any]
) -> float:
    """Load a tap's output with target-postgres and return the wall seconds."""
    target = root / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin"
    config = {
        "host": connection.host,
        "port": connection.port,
        "user": connection.user,
        "password": connection.password,
        "database": connection.database,
        "default_target_schema": "moodle_raw",
        "add_record_metadata": True,
        **settings,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(config, file)
    with records_file.open("rb") as source:
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [str(target / "target-postgres"), "--config", file.name],
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return time.monotonic() - started


def bench_loads(
    root: Path, records_file: Path, records: int, workdir: Path
) -> list[LoadResult]:
    """Load the same records with each target setting, then with COPY.

    Each target setting loads into a new database. COPY then replaces the rows
    of the last one, so it writes into tables target-postgres created.
    """
    embedded = EmbeddedPostgres(workdir / "pg" / "data", port=0)
    results = []
    connection: Connection | None = None
    try:
        for index, (name, settings) in enumerate(TARGET_SETTINGS.items()):
            embedded.database = f"bench_{index}"
            connection = embedded.start()
            seconds = run_target(root, connection, records_file, settings)
            results.append(LoadResult(name, records, seconds))
        assert connection is not None  # noqa: S101 - TARGET_SETTINGS is not empty
        seconds = copy_records(connection, records_file)
        results.append(LoadResult("COPY of the same rows", records, seconds))
    finally:
        embedded.stop()
    return results


def machine() -> str:
    """Describe the machine the benchmark ran on."""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def main(  # noqa: PLR0913
    sizes: list[str],
    concurrency: int,
    latency_scale: float,
    baseline_size: str,
    output: Path,
    command: str,
) -> int:
    """Run the benchmark and write its page."""
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="moodle-bench-") as temporary:
        workdir = Path(temporary)
        results = []
        for size in sizes:
            print(f"[bench] Extracting size {size}", flush=True)  # noqa: T201
            results.append(bench_size(root, size, concurrency, latency_scale, workdir))
        print(f"[bench] Sequential baseline on size {baseline_size}", flush=True)  # noqa: T201
        run, formula = bench_baseline(root, baseline_size, latency_scale, workdir)
        last = results[-1]
        print(f"[bench] Loading size {last.size} into PostgreSQL", flush=True)  # noqa: T201
        loads = bench_loads(root, last.full.output, last.full.records, workdir)
        page = render(
            command,
            machine(),
            latency_scale,
            results,
            (run, formula, baseline_size),
            loads,
        )
    output.write_text(page + "\n")
    print(page, flush=True)  # noqa: T201
    return 0
