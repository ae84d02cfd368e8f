"""The benchmark's page, docs/benchmarks.md: ratios first, then the raw numbers."""

from __future__ import annotations

import datetime as dt
import typing as t

if t.TYPE_CHECKING:
    from moodle_stack.bench import LoadResult, Pipeline, SizeResult, TapRun

# Targets on the M site.
TARGET_SIZE = "M"
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
    full = result.full
    wall_ratio = full.wall_seconds / result.lower_bound_seconds
    speedup = result.baseline_seconds / full.wall_seconds
    return [
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
        *incremental_rows(result),
        f"| peak memory of the tap, full run | {full.peak_rss_mb:.0f} MB |",
        f"| full run: wall time, lower bound | {full.wall_seconds:.1f} s, "
        f"{result.lower_bound_seconds:.1f} s |",
        f"| modelled server time | {full.modelled_seconds:.1f} s |",
        "",
        *calls_table(result),
        "",
    ]


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """Return a count with its noun: '1 course', '25 courses'."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def incremental_rows(result: SizeResult) -> list[str]:
    """Return the calls and wall time of both incremental runs against the full run."""
    full = result.full
    runs = (
        ("unchanged site", result.unchanged),
        (f"after visits to {plural(result.visited_courses, 'course')}", result.after_visits),
    )
    return [
        f"| incremental run, {name}: calls, wall time (share of the full run) | "
        f"{run.total_calls / full.total_calls:.1%}, "
        f"{run.wall_seconds / full.wall_seconds:.1%} |"
        for name, run in runs
    ]


def targets_section(result: SizeResult) -> list[str]:
    """Return the targets on the M site, each met or missed."""
    wall_ratio = result.full.wall_seconds / result.lower_bound_seconds
    speedup = result.baseline_seconds / result.full.wall_seconds
    share = result.unchanged.total_calls / result.full.total_calls
    lead = []
    if result.size != TARGET_SIZE:
        lead = [
            f"The targets are set for size {TARGET_SIZE}. This run has no size "
            f"{TARGET_SIZE}, so they are checked on size {result.size}. On a "
            "smaller site the tap's start-up and the calls that every run makes "
            "take a larger share of the time.",
            "",
        ]
    return [
        f"## Targets on size {result.size}",
        "",
        *lead,
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


def heavy_calls(run: TapRun) -> tuple[int, int]:
    """Return a run's grade report calls and completion status calls."""
    return run.calls.get(HEAVY_WSFUNCTIONS[0], 0), run.calls.get(HEAVY_WSFUNCTIONS[1], 0)


def reads(run: TapRun) -> str:
    """Return what a run read of the heavy per-course wsfunctions, in words."""
    reports, completions = heavy_calls(run)
    return (
        f"{plural(reports, 'grade report')} and "
        f"{plural(completions, 'completion status', 'completion statuses')}"
    )


def called(run: TapRun) -> str:
    """Return the wsfunctions a run called, in words."""
    names = [f"`{name}`" for name, calls in sorted(run.calls.items()) if calls]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def incremental_section(result: SizeResult, idle_hours: int) -> list[str]:
    """Explain what each incremental run read, against the full run."""
    full, unchanged, visits = result.full, result.unchanged, result.after_visits
    courses, completions = heavy_calls(full)
    return [
        f"## Incremental runs on size {result.size}",
        "",
        f"The sandbox's last activity lies at least {idle_hours} hours before "
        "the first run, outside the tap's default `changes_lookback_hours` (1), "
        "and nothing changes between the first and the second run. The second "
        f"run read {reads(unchanged)}, against {courses:,} and {completions:,} "
        f"in the full run: its {unchanged.total_calls:,} calls are "
        f"{unchanged.total_calls / full.total_calls:.1%} of the full run's, and "
        f"went to {called(unchanged)}.",
        "",
        "Before the third run, one enrolled user visited every "
        f"{ordinal(result.visited_every)} course: "
        f"{plural(result.visited_courses, 'course')} in all. The third "
        f"run read {reads(visits)}: {visits.total_calls / full.total_calls:.1%} "
        "of the full run's calls. A course visited within the lookback before "
        "a run is read again by the next run too, so on a busy site the share "
        "grows with the number of courses visited between runs and in the hour "
        "before.",
        "",
    ]


def ordinal(number: int) -> str:
    """Return '20th', '21st', '22nd' or '23rd'."""
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    if 10 <= number % 100 <= 20:
        suffix = "th"
    return f"{number}{suffix}"


def above_minimum_section() -> list[str]:
    """Return why two wsfunctions take more calls than the minimum."""
    return [
        "## Calls above the minimum",
        "",
        "The minimum counts the user id batches up to the highest user id, which "
        "the tap cannot know in advance. The tap doubles its window of batches "
        "up to `max_concurrency`, so the last window may contain empty batches. "
        "It then requests the next `users_max_id_gap` ids (2,000 by default), so "
        "that no account beyond a gap in the ids is missed. Those calls return "
        "empty responses.",
        "",
        "The minimum counts one completion status call per tracked user. The tap "
        "requests the status of every enrolled user in a course with completion "
        "on, because which users completion tracks depends on the site's role "
        "permissions. "
        "For the others Moodle returns the error `nottracked`, for instance for "
        "teachers.",
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


def loads_section(
    loads: list[LoadResult], pipeline: Pipeline | None, size: str
) -> list[str]:
    """Return the load rates into PostgreSQL, against COPY."""
    copy_rate = loads[-1].rate
    rows = [
        f"## Loading into PostgreSQL (size {size}'s records)",
        "",
        "| load | records per second | share of COPY |",
        "|---|---:|---:|",
    ]
    if pipeline is not None:
        rows.append(
            "| end to end: the tap piped into target-postgres (default settings), "
            f"as `meltano run` does | {pipeline.rate:,.0f} | "
            f"{pipeline.rate / copy_rate:.1%} |"
        )
    rows += [
        f"| {load.name} | {load.rate:,.0f} | {load.rate / copy_rate:.1%} |"
        for load in loads
    ]
    rows.append("")
    if pipeline is not None:
        rows += [
            f"End to end, the piped run loaded {pipeline.records:,} rows in "
            f"{pipeline.seconds:.1f} s: "
            f"{pipeline.seconds / pipeline.extraction_seconds:.2f} times the full "
            f"run of the tap alone ({pipeline.extraction_seconds:.1f} s). The "
            "closer that ratio is to 1, the more of the time the loader spent "
            "waiting for the Moodle server's answers. The other rows load the "
            "full run's output from a file, so they measure the loader alone.",
            "",
        ]
    return rows


def render(  # noqa: PLR0913
    command: str,
    revision: str,
    machine: str,
    latency_scale: float,
    results: list[SizeResult],
    baseline: tuple[TapRun, float, str] | None,
    loading: tuple[list[LoadResult], Pipeline | None, str],
    idle_hours: int,
) -> str:
    """Return the whole page."""
    today = dt.datetime.now(tz=dt.UTC).date().isoformat()
    lines = [
        "# Benchmarks",
        "",
        f"Command: `{command}`. Code: {revision}. Machine: {machine}. Run on {today}.",
        "",
        "The Moodle sandbox serves each site with the latency measured on a real "
        f"Moodle 4.5 site, times {latency_scale} (`--latency-scale`), and at most "
        f"{results[0].concurrency} requests at once. The lower bound of the wall "
        "time is the sandbox's modelled server time divided by the concurrency. "
        "The sequential baseline's time is computed: the modelled server time "
        "plus one second per call. Absolute times vary between machines and "
        "runs. Each ratio divides two times of the same run, so the ratios vary "
        "less.",
        "",
    ]
    loads, pipeline, load_size = loading
    target = next((r for r in results if r.size == TARGET_SIZE), results[-1])
    lines += targets_section(target)
    for result in results:
        lines += size_section(result)
    lines += above_minimum_section()
    lines += incremental_section(target, idle_hours)
    if baseline is not None:
        lines += baseline_section(*baseline)
    lines += loads_section(loads, pipeline, load_size)
    return "\n".join(lines)
