"""The extraction benchmark: calls, wall time, load rate and memory, as ratios.

For each site size, a Moodle sandbox with the latency model of a real Moodle 4.5
site serves a synthetic site, and tap-moodle (the executable Meltano installed)
extracts it three times: in full; then incrementally with the first run's state,
with nothing changed on the site; then again after one enrolled user visited one
course in twenty. The site's last activity lies ``IDLE_HOURS`` before the first
run, outside the tap's default lookback, so the second run meets a site that is
unchanged for as long as change detection looks back. The sandbox counts the
calls per wsfunction and the seconds its latency model delayed responses, which
give the two lower bounds: the fewest calls the API allows, and the wall time of
a client that keeps ``concurrency`` requests in flight all the time (modelled
seconds divided by the concurrency).

The sequential baseline, one call after another with a one-second pause, is run
on the smallest size; its time for the larger sizes is computed from the same
formula, checked against that run. On the load size, the tap's output also goes
through target-postgres: piped straight from the tap, as ``meltano run`` does,
and read from a file, with each target setting, against a plain ``COPY`` of the
same rows into the same tables, on an embedded PostgreSQL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import signal
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

from moodle_sandbox import SandboxServer, build_site, expected_counts, visit_course
from moodle_sandbox.site.counts import minimum_calls

from moodle_stack.benchreport import render
from moodle_stack.copyload import copy_records
from moodle_stack.report import layer_counts
from moodle_stack.environment import project_root
from moodle_stack.warehouse import Connection, EmbeddedPostgres

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_sandbox import Site

SEED = 1
PAUSE_SECONDS = 1.0
MEMORY_POLL_SECONDS = 0.2
# Seconds a child process gets to stop after SIGTERM before it is killed.
STOP_SECONDS = 10
# The sandbox's "now", its last activity, lies at least this long before the
# first run: longer than the tap's default changes_lookback_hours (1).
IDLE_HOURS = 2
# Share of the courses that one enrolled user visits before the third run.
VISITED_SHARE = 0.05
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
    unchanged: TapRun
    after_visits: TapRun
    visited_courses: int
    visited_every: int
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
    log_file = workdir / f"{name}.log"
    with output.open("wb") as sink, log_file.open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=sink, stderr=log)  # noqa: S603
        with stopped_on_exit(process):
            peak_kb = watch_peak_memory(process)
        wall = time.monotonic() - started
    if process.returncode != 0:
        msg = (
            f"tap-moodle failed with exit code {process.returncode}. "
            f"The end of its log:\n{log_tail(log_file)}"
        )
        raise RuntimeError(msg)
    return wall, peak_kb / 1024, output


@contextlib.contextmanager
def stopped_on_exit(*processes: subprocess.Popen[bytes]) -> Iterator[None]:
    """Stop the processes if the block ends early, on an error or an interrupt."""
    try:
        yield
    except BaseException:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        raise


def log_tail(log_file: Path, lines: int = 20) -> str:
    """Return the last lines of a log, to quote in an error before its folder is removed."""
    return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])


def watch_peak_memory(process: subprocess.Popen[bytes]) -> int:
    """Wait for the process and return its peak resident memory in kB.

    The peak is the kernel's high-water mark of the process's own memory
    (``VmHWM``), read until it exits. ``ru_maxrss`` from ``wait4`` is wrong
    here, because it also counts this process's memory (the sandbox's site)
    from the fork until the child starts the tap.
    """
    status = Path(f"/proc/{process.pid}/status")
    peak = 0
    while process.poll() is None:
        with contextlib.suppress(OSError, ValueError):
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        time.sleep(MEMORY_POLL_SECONDS)
    return peak


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


def idle_anchor() -> int:
    """Return a site "now" that lies ``IDLE_HOURS`` before this moment."""
    return int(time.time()) - IDLE_HOURS * 3_600


def visit_step(share: float) -> int:
    """Return n such that visiting every n-th course visits ``share`` of them."""
    return max(1, round(1 / share))


def visit_courses(site: Site, share: float) -> int:
    """Record a visit of one enrolled user to every n-th course; return how many.

    Courses without enrolled users have no one to visit them and are passed.
    """
    visited = 0
    for course in site.non_site_courses()[:: visit_step(share)]:
        enrolled = site.enrolled_user_ids(course.id)
        if enrolled:
            visit_course(site, course.id, enrolled[0])
            visited += 1
    return visited


def bench_size(  # noqa: PLR0913
    root: Path,
    size: str,
    concurrency: int,
    latency_scale: float,
    workdir: Path,
    warehouse: Connection | None = None,
) -> tuple[SizeResult, Pipeline | None]:
    """Extract one site size in full, unchanged, and after visits.

    With a warehouse, also run the tap piped into target-postgres once.
    """
    site = build_site(seed=SEED, size=size, anchor=idle_anchor())
    counts, minimum = expected_counts(site), minimum_calls(site)
    with SandboxServer(
        site, token=TOKEN, latency_scale=latency_scale, max_concurrent=concurrency
    ) as server:
        config = tap_config(server, concurrency)
        full = measured_run(root, server, config, workdir, f"{size}-full")
        unchanged = measured_run(
            root, server, config, workdir, f"{size}-unchanged", full.state
        )
        visited = visit_courses(site, VISITED_SHARE)
        after_visits = measured_run(
            root, server, config, workdir, f"{size}-visits", unchanged.state
        )
        pipeline = None
        if warehouse is not None:
            seconds = run_pipeline(root, config, warehouse, workdir, f"{size}-pipeline")
            pipeline = Pipeline(raw_rows(warehouse), seconds, full.wall_seconds)
    result = SizeResult(
        size=size,
        counts=counts,
        minimum=minimum,
        full=full,
        unchanged=unchanged,
        after_visits=after_visits,
        visited_courses=visited,
        visited_every=visit_step(VISITED_SHARE),
        concurrency=concurrency,
    )
    return result, pipeline


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


@dataclasses.dataclass(frozen=True)
class Pipeline:
    """The tap piped into target-postgres, against the tap writing to a file."""

    records: int
    seconds: float
    extraction_seconds: float

    @property
    def rate(self) -> float:
        """Records per second from the Moodle server into PostgreSQL."""
        return self.records / self.seconds


TARGET_SETTINGS = {
    "target-postgres, default settings, from a file": {},
    "target-postgres, no validation, batches of 100,000, from a file": {
        "validate_records": False,
        "batch_size_rows": 100_000,
    },
}


def target_command(
    root: Path, connection: Connection, settings: dict[str, t.Any], workdir: Path
) -> list[str]:
    """Return the command of target-postgres with its settings, in ``workdir``."""
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
    config_file = workdir / f"target-{connection.database}.config.json"
    config_file.write_text(json.dumps(config))
    return [str(target / "target-postgres"), "--config", str(config_file)]


def run_target(
    root: Path,
    connection: Connection,
    records_file: Path,
    settings: dict[str, t.Any],
    workdir: Path,
) -> float:
    """Load a tap's output with target-postgres and return the wall seconds."""
    command = target_command(root, connection, settings, workdir)
    with records_file.open("rb") as source:
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            command,
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return time.monotonic() - started


def run_pipeline(
    root: Path,
    config: dict[str, t.Any],
    warehouse: Connection,
    workdir: Path,
    name: str,
) -> float:
    """Pipe a full run of the tap into target-postgres; return the wall seconds."""
    config_file = workdir / f"{name}.config.json"
    config_file.write_text(json.dumps(config))
    tap_command = [str(tap_executable(root)), "--config", str(config_file)]
    load_command = target_command(root, warehouse, {}, workdir)
    with (workdir / f"{name}.log").open("wb") as log:
        started = time.monotonic()
        tap = subprocess.Popen(tap_command, stdout=subprocess.PIPE, stderr=log)  # noqa: S603
        target = subprocess.Popen(  # noqa: S603
            load_command, stdin=tap.stdout, stdout=subprocess.DEVNULL, stderr=log
        )
        assert tap.stdout is not None  # noqa: S101 - stdout is a pipe
        tap.stdout.close()
        with stopped_on_exit(tap, target):
            codes = tap.wait(), target.wait()
        seconds = time.monotonic() - started
    if codes != (0, 0):
        msg = (
            f"tap-moodle | target-postgres exited with {codes}. The end of their "
            f"log:\n{log_tail(Path(log.name))}"
        )
        raise RuntimeError(msg)
    return seconds


def raw_rows(connection: Connection) -> int:
    """Return the rows of every table in the raw schema."""
    return sum(layer_counts(connection)["moodle_raw"].values())


def bench_loads(
    root: Path,
    embedded: EmbeddedPostgres,
    records_file: Path,
    records: int,
    workdir: Path,
) -> list[LoadResult]:
    """Load the same records with each target setting, then with COPY.

    Each target setting loads into a new database. COPY then replaces the rows
    of the last one, so it writes into tables target-postgres created.
    """
    results = []
    connection: Connection | None = None
    for index, (name, settings) in enumerate(TARGET_SETTINGS.items()):
        embedded.database = f"bench_{index}"
        connection = embedded.start()
        seconds = run_target(root, connection, records_file, settings, workdir)
        results.append(LoadResult(name, records, seconds))
    assert connection is not None  # noqa: S101 - TARGET_SETTINGS is not empty
    seconds = copy_records(connection, records_file)
    results.append(LoadResult("COPY of the same rows", records, seconds))
    return results


def machine() -> str:
    """Describe the machine the benchmark ran on."""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def revision(root: Path) -> str:
    """Return the commit of the code that runs, and whether files differ from it."""
    git = ["git", "-C", str(root)]
    try:
        commit = subprocess.run(  # noqa: S603
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(  # noqa: S603
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {commit}" + (", with local changes" if changed else "")


def main(  # noqa: PLR0913
    sizes: list[str],
    concurrency: int,
    latency_scale: float,
    baseline_size: str | None,
    load_size: str,
    output: Path,
    command: str,
) -> int:
    """Run the benchmark and write its page.

    A SIGTERM ends the run as Ctrl-C does, so that PostgreSQL, the tap and the
    temporary folder are cleaned up.
    """
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="moodle-bench-") as temporary:
        workdir = Path(temporary)
        embedded = EmbeddedPostgres(
            workdir / "pg" / "data", port=0, database="bench_pipeline"
        )
        try:
            page = run_all(
                root,
                embedded,
                workdir,
                sizes,
                concurrency,
                latency_scale,
                baseline_size,
                load_size,
                command,
            )
        finally:
            embedded.stop()
    output.write_text(page + "\n")
    print(page, flush=True)  # noqa: T201
    return 0


def run_all(  # noqa: PLR0913
    root: Path,
    embedded: EmbeddedPostgres,
    workdir: Path,
    sizes: list[str],
    concurrency: int,
    latency_scale: float,
    baseline_size: str | None,
    load_size: str,
    command: str,
) -> str:
    """Run every part of the benchmark and return the page."""
    results, pipeline = [], None
    # Started before the first size, so that every size runs beside it.
    pipeline_database = embedded.start()
    for size in sizes:
        say(f"Extracting size {size}: full, unchanged, after visits")
        warehouse = pipeline_database if size == load_size else None
        result, measured = bench_size(
            root, size, concurrency, latency_scale, workdir, warehouse
        )
        results.append(result)
        pipeline = measured or pipeline
    baseline = None
    if baseline_size:
        say(f"Sequential baseline on size {baseline_size}")
        run, formula = bench_baseline(root, baseline_size, latency_scale, workdir)
        baseline = (run, formula, baseline_size)
    loaded = next(r for r in results if r.size == load_size)
    say(f"Loading size {load_size}'s records into PostgreSQL")
    loads = bench_loads(root, embedded, loaded.full.output, loaded.full.records, workdir)
    return render(
        command,
        revision(root),
        machine(),
        latency_scale,
        results,
        baseline,
        (loads, pipeline, load_size),
        IDLE_HOURS,
    )


def stop_on_sigterm(signum: int, _frame: object) -> None:
    """Turn SIGTERM into an exit that runs every cleanup on the way out."""
    raise SystemExit(128 + signum)


def say(message: str) -> None:
    """Print a progress line of the benchmark."""
    print(f"[bench] {message}", flush=True)  # noqa: T201
