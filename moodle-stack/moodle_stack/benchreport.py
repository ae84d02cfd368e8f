"""The benchmark's page, docs/benchmarks.md: ratios first, then the raw numbers."""

from __future__ import annotations

import datetime as dt
import typing as t

if t.TYPE_CHECKING:
    from moodle_stack.bench import LoadResult, SizeResult, TapRun

# Targets on the M site.
WALL_TARGET = 1.25
SPEEDUP_TARGET = 20.0
INCREMENTAL_TARGET = 0.10


def verdict(ok: bool) -> str:  # noqa: FBT001
    """Return the word for a target met or missed."""
    return "met" if ok else "**missed**"


def calls_table(result: SizeResult) -> list[str]:
    """Return a table of calls per wsfunction against the API's minimum."""
    rows = ["| wsfunction | calls | minimum | ratio |", "|---|---:|---:|---:|"]
    names = sorted(set(result.minimum) | set(result.full.calls))
    for name in names:
        calls = result.full.calls.get(name, 0)
        minimum = result.minimum.get(name, 0)
        ratio = f"{calls / minimum:.2f}" if minimum else "-"
        rows.append(f"| `{name}` | {calls:,} | {minimum:,} | {ratio} |")
    total_minimum = sum(result.minimum.values())
    rows.append(
        f"| all | {result.full.total_calls:,} | {total_minimum:,} | "
        f"{result.full.total_calls / total_minimum:.2f} |"
    )
    return rows


def size_section(result: SizeResult) -> list[str]:
    """Return the section of one site size."""
    full, incremental = result.full, result.incremental
    wall_ratio = full.wall_seconds / result.lower_bound_seconds
    speedup = result.baseline_seconds / full.wall_seconds
    incremental_share = incremental.total_calls / full.total_calls
    lines = [
        f"### Size {result.size}",
        "",
        f"{result.counts['courses']:,} courses, {result.counts['users']:,} users, "
        f"{result.counts['enrolments']:,} enrolments, {result.counts['grades']:,} "
        f"grades, {full.records:,} records in all.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| wall time / lower bound | {wall_ratio:.2f} |",
        f"| sequential baseline / wall time | {speedup:.1f} |",
        f"| incremental calls / full calls | {incremental_share:.1%} |",
        f"| incremental wall time / full wall time | "
        f"{incremental.wall_seconds / full.wall_seconds:.1%} |",
        f"| peak memory of the tap, full run | {full.peak_rss_mb:.0f} MB |",
        f"| full run: wall time, lower bound | {full.wall_seconds:.1f} s, "
        f"{result.lower_bound_seconds:.1f} s |",
        f"| modelled server time | {full.modelled_seconds:.1f} s |",
        "",
        *calls_table(result),
        "",
    ]
    return lines


def targets_section(result: SizeResult) -> list[str]:
    """Return the targets on the M site, each met or missed."""
    wall_ratio = result.full.wall_seconds / result.lower_bound_seconds
    speedup = result.baseline_seconds / result.full.wall_seconds
    share = result.incremental.total_calls / result.full.total_calls
    return [
        f"## Targets on size {result.size}",
        "",
        "| target | measured | |",
        "|---|---:|---|",
        f"| wall time within {WALL_TARGET} times the lower bound at concurrency "
        f"{result.concurrency} | {wall_ratio:.2f} | {verdict(wall_ratio <= WALL_TARGET)} |",
        f"| at least {SPEEDUP_TARGET:.0f} times faster than the sequential baseline "
        f"| {speedup:.1f} | {verdict(speedup >= SPEEDUP_TARGET)} |",
        f"| unchanged-site incremental run under {INCREMENTAL_TARGET:.0%} of the full "
        f"run's calls | {share:.1%} | {verdict(share < INCREMENTAL_TARGET)} |",
        "",
    ]


HEAVY_WSFUNCTIONS = (
    "gradereport_user_get_grade_items",
    "core_completion_get_course_completion_status",
)


def incremental_section(result: SizeResult) -> list[str]:
    """Explain what the incremental run read again, and what it cost without it."""
    full, incremental = result.full, result.incremental
    reports = incremental.calls.get(HEAVY_WSFUNCTIONS[0], 0)
    courses = full.calls.get(HEAVY_WSFUNCTIONS[0], 0)
    light = incremental.total_calls - sum(
        incremental.calls.get(name, 0) for name in HEAVY_WSFUNCTIONS
    )
    return [
        f"## Incremental run on size {result.size}",
        "",
        f"The second run read the grade report of {reports:,} of {courses:,} "
        "courses again. Those courses had a visit by an enrolled user within "
        "`changes_lookback_hours` (24) before the first run: the sandbox's last "
        "visits reach up to its 'now', midnight UTC of the day of the run, and the "
        "lookback re-reads them on purpose, to catch completions that cron "
        "records after a visit. The calls that every incremental run makes "
        "(site info, users, courses, enrolled users and enrolment methods) were "
        f"{light:,}, {light / full.total_calls:.1%} of the full run: that is the "
        "cost on a site with no visit in the lookback window.",
        "",
    ]


def baseline_section(run: TapRun, formula_seconds: float, size: str) -> list[str]:
    """Return the check of the baseline formula against a measured run."""
    return [
        "## Sequential baseline",
        "",
        "The approach this project replaces calls one wsfunction after another "
        "with a one-second pause. Its time is the modelled server time plus one "
        "second per call. On size "
        f"{size} it ran for real (concurrency 1, one request per second): "
        f"{run.wall_seconds:.1f} s measured against {formula_seconds:.1f} s from "
        f"the formula, a ratio of {run.wall_seconds / formula_seconds:.2f}. The "
        "larger sizes use the formula with their own calls and modelled time, "
        "because running them would take hours.",
        "",
    ]


def loads_section(loads: list[LoadResult], size: str) -> list[str]:
    """Return the load rates into PostgreSQL, against COPY."""
    copy_rate = loads[-1].rate
    rows = [
        f"## Loading into PostgreSQL (size {size}'s records)",
        "",
        "target-postgres reads the full run's output from a file here, so the "
        "rate is the loader's alone; in `meltano run` the tap and the loader run "
        "at the same time.",
        "",
        "| load | records per second | share of COPY |",
        "|---|---:|---:|",
    ]
    rows += [
        f"| {load.name} | {load.rate:,.0f} | {load.rate / copy_rate:.1%} |"
        for load in loads
    ]
    return [*rows, ""]


def render(  # noqa: PLR0913
    command: str,
    machine: str,
    latency_scale: float,
    results: list[SizeResult],
    baseline: tuple[TapRun, float, str],
    loads: list[LoadResult],
) -> str:
    """Return the whole page."""
    today = dt.datetime.now(tz=dt.UTC).date().isoformat()
    lines = [
        "# Benchmarks",
        "",
        f"Command: `{command}`. Machine: {machine}. Run on {today}.",
        "",
        "The Moodle sandbox serves each site with the latency of a real Moodle 4.5 "
        f"site on a 2-core machine, times {latency_scale}, and at most "
        f"{results[0].concurrency} requests at once. The lower bound of the wall "
        "time is the sandbox's modelled server time divided by the concurrency. "
        "Times are noisy: compare the ratios, which come from one run.",
        "",
    ]
    last = results[-1]
    lines += targets_section(last)
    for result in results:
        lines += size_section(result)
    lines += incremental_section(last)
    run, formula, size = baseline
    lines += baseline_section(run, formula, size)
    lines += loads_section(loads, last.size)
    return "\n".join(lines)
