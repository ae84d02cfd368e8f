"""`make bench` runs: the benchmark command on the smallest site, without its timings.

The benchmark itself takes about an hour. This test runs each of its parts but the
sequential baseline on size S, and checks the counts it reports, never the times.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from moodle_stack.bench import watch_peak_memory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    output = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    command = [
        sys.executable, "-m", "moodle_stack", "bench",
        "--sizes", "S", "--load-size", "S", "--baseline-size", "none",
        "--output", str(output),
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
    return output.read_text()


def test_page_has_every_section(page):
    for heading in (
        "## Targets on size S",
        "### Size S",
        "## Calls above the minimum",
        "## Incremental runs on size S",
        "## Loading into PostgreSQL (size S's records)",
    ):
        assert heading in page


def test_unchanged_site_reads_no_grade_report(page):
    assert re.search(r"The second run read 0 grade reports and 0 completion statuses", page)


def test_visited_course_is_read_again(page):
    assert "visited every 20th course: 1 course in all" in page
    assert re.search(r"The third run read 1 grade report and [1-9]\d* completion", page)


def test_every_load_is_reported(page):
    for load in ("end to end: the tap piped into target-postgres", "COPY of the same rows"):
        assert re.search(rf"\| {re.escape(load)}[^|]*\| [\d,]+ \|", page)


def test_pipeline_loads_every_record(page):
    records = re.search(r"grades, ([\d,]+) records in all", page).group(1)
    assert f"the piped run loaded {records} rows" in page


def bench(*arguments: str, **options: t.Any) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "moodle_stack", "bench", *arguments]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, **options
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sizes", "S", "--load-size", "M"], "--load-size 'M' is not one of --sizes S"),
        (["--sizes", "S,X"], "invalid size 'X': use one of S, M, L"),
        (["--sizes="], "invalid size '': use one of S, M, L"),
        (["--sizes", "S,s"], "invalid list 'S,s': name each size once"),
        (["--concurrency", "0"], "invalid value '0': use a whole number of at least 1"),
        (["--latency-scale", "0"], "invalid value '0': use a number above 0"),
        (["--latency-scale", "nan"], "invalid value 'nan': use a number above 0"),
        (["--baseline-size", "M"], "invalid size 'M': the baseline makes one call per second"),
        (["--output", "missing-folder/page.md"], "folder 'missing-folder' is missing"),
        (["--output", "docs"], "invalid page 'docs': name a file"),
    ],
)
def test_bad_option_fails_before_work(arguments, message):
    result = bench(*arguments)

    assert result.returncode == 2
    assert message in result.stderr
    assert "[bench]" not in result.stdout


def test_sizes_any_case_and_order():
    result = bench("--sizes", "m,s", "--load-size", "l")

    assert result.returncode == 2
    assert "--load-size 'L' is not one of --sizes S,M" in result.stderr


def test_page_names_the_commit(page):
    code = r"Code: (commit [0-9a-f]{7,}(, with local changes)?|not a git checkout)\."
    assert re.search(code, page)


def test_sigterm_stops_everything(tmp_path):
    """A SIGTERM stops PostgreSQL, the sandbox and the tap, and removes the work folder."""
    command = [
        sys.executable, "-m", "moodle_stack", "bench", "--sizes", "S", "--load-size", "S",
        "--baseline-size", "none", "--output", str(tmp_path / "page.md"),
    ]
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("[bench] Extracting size S"):
            break
    time.sleep(3)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)

    assert process.returncode == 128 + signal.SIGTERM
    assert not list(tmp_path.glob("moodle-bench-*"))
    assert not (tmp_path / "page.md").exists()
    assert not processes_using(tmp_path)


def processes_using(folder: Path) -> list[str]:
    """Return the command lines of running processes that name the folder."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in text:
            found.append(text)
    return found


def test_peak_memory_counts_child_only():
    """The peak counts the child's memory only, not this process's at fork time."""
    ballast = b"b" * (400 * 2**20)  # noqa: F841 - this process's memory, 400 MB
    child = "import time; data = b'x' * (120 * 2**20); time.sleep(1)"
    process = subprocess.Popen([sys.executable, "-c", child])

    peak_mb = watch_peak_memory(process) / 1024

    assert process.returncode == 0
    assert 120 <= peak_mb < 300
