"""`make bench` runs: the benchmark command on the smallest site, without its timings.

The benchmark itself takes about an hour. This test runs each of its parts but the
sequential baseline on size S, and checks the counts it reports, never the times.
"""

from __future__ import annotations

import re
import subprocess
import sys
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
    assert "visited each of 1 course (one course in 20)" in page
    assert re.search(r"The third run read 1 grade report and [1-9]\d* completion", page)


def test_every_load_is_reported(page):
    for load in ("end to end: the tap piped into target-postgres", "COPY of the same rows"):
        assert re.search(rf"\| {re.escape(load)}[^|]*\| [\d,]+ \|", page)


def test_pipeline_loads_every_record(page):
    records = re.search(r"grades, ([\d,]+) records in all", page).group(1)
    assert f"the piped run loaded {records} rows" in page


def test_load_size_must_be_benchmarked():
    command = [sys.executable, "-m", "moodle_stack", "bench", "--sizes", "S", "--load-size", "M"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "--load-size M is not one of --sizes S" in result.stderr


def test_peak_memory_counts_child_only():
    """The peak counts the child's memory only, not this process's at fork time."""
    ballast = b"b" * (400 * 2**20)  # noqa: F841 - this process's memory, 400 MB
    child = "import time; data = b'x' * (120 * 2**20); time.sleep(1)"
    process = subprocess.Popen([sys.executable, "-c", child])

    peak_mb = watch_peak_memory(process) / 1024

    assert process.returncode == 0
    assert 120 <= peak_mb < 300
