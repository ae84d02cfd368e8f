"""Command line: ``python -m moodle_stack demo``, ``bench`` and ``warehouse``."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import typing as t

from pathlib import Path

from moodle_sandbox import SIZE_PRESETS
from moodle_sandbox.site.presets import get_preset

from moodle_stack import bench, demo
from moodle_stack.environment import project_root
from moodle_stack.warehouse import EmbeddedPostgres

if t.TYPE_CHECKING:
    from collections.abc import Callable

Number = t.TypeVar("Number", int, float)

# Site sizes, smallest first as the sandbox declares them. The real sequential
# baseline runs on the smallest.
SIZE_ORDER = tuple(SIZE_PRESETS)
BASELINE_SIZE = SIZE_ORDER[0]


def warehouse(action: str) -> int:
    """Start, stop or show the embedded PostgreSQL of the project."""
    embedded = EmbeddedPostgres(project_root() / ".warehouse" / "pgdata")
    if action == "start":
        demo.say(f"Embedded PostgreSQL runs at {embedded.start().describe()}")
    elif action == "stop":
        embedded.stop()
        demo.say("Embedded PostgreSQL stopped.")
    else:
        port = embedded.running_port()
        state = f"runs on 127.0.0.1:{port}" if port else "is stopped"
        demo.say(f"Embedded PostgreSQL {state} ({embedded.data_dir}).")
    return 0


def main() -> int:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(prog="moodle_stack", description=__doc__)
    try:
        root = project_root()
    except FileNotFoundError as error:
        parser.error(str(error))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the main job on embedded defaults")
    store = commands.add_parser("warehouse", help="manage the embedded PostgreSQL")
    store.add_argument("action", choices=["start", "stop", "status"])
    bench_parser = add_bench_parser(commands, root)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=f"[{arguments.command}] %(message)s")
    if arguments.command == "demo":
        return demo.main()
    if arguments.command == "bench":
        try:
            return run_bench(bench_parser, arguments)
        except KeyboardInterrupt:
            bench.say("Interrupted: PostgreSQL, the sandbox and the tap are stopped.")
            return 130
    return warehouse(arguments.action)


def run_bench(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    """Check the benchmark's options and run it."""
    if arguments.load_size not in arguments.sizes:
        parser.error(
            f"--load-size {arguments.load_size!r} is not one of --sizes "
            f"{','.join(arguments.sizes)}: add it to --sizes or pick one of them"
        )
    return bench.main(
        sizes=arguments.sizes,
        concurrency=arguments.concurrency,
        latency_scale=arguments.latency_scale,
        baseline_size=arguments.baseline_size,
        load_size=arguments.load_size,
        output=arguments.output,
        command=" ".join(["python -m moodle_stack", *sys.argv[1:]]),
    )


def size_name(value: str) -> str:
    """Return a site size's name in capitals, or fail with the known names."""
    try:
        return get_preset(value.strip()).name
    except ValueError:
        msg = f"invalid size {value!r}: use one of {', '.join(SIZE_ORDER)}"
        raise argparse.ArgumentTypeError(msg) from None


def size_list(value: str) -> list[str]:
    """Return the sizes of a comma-separated list, smallest first, each once."""
    names = [size_name(part) for part in value.split(",")]
    if len(set(names)) < len(names):
        msg = f"invalid list {value!r}: name each size once"
        raise argparse.ArgumentTypeError(msg)
    return sorted(names, key=SIZE_ORDER.index)


def baseline_size(value: str) -> str | None:
    """Return the baseline's size, or None for 'none'."""
    if value.strip().lower() == "none":
        return None
    if value.strip().upper() != BASELINE_SIZE:
        msg = (
            f"invalid size {value!r}: the baseline makes one call per second, "
            f"which on a size above {BASELINE_SIZE} takes hours; use "
            f"{BASELINE_SIZE} or none"
        )
        raise argparse.ArgumentTypeError(msg)
    return BASELINE_SIZE


def above_zero(convert: Callable[[str], Number], hint: str) -> Callable[[str], Number]:
    """Return a parser of finite numbers above 0. ``hint`` names what to use."""

    def parse(value: str) -> Number:
        msg = f"invalid value {value!r}: use {hint}"
        try:
            number = convert(value)
        except ValueError:
            raise argparse.ArgumentTypeError(msg) from None
        if not math.isfinite(number) or number <= 0:
            raise argparse.ArgumentTypeError(msg)
        return number

    return parse


def page_path(value: str) -> Path:
    """Return the page's path if its folder exists and is writable."""
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        msg = f"invalid page {value!r}: name a file, such as docs/benchmarks.md"
        raise argparse.ArgumentTypeError(msg)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        msg = (
            f"invalid page {value!r}: folder {str(folder)!r} is missing or "
            "not writable"
        )
        raise argparse.ArgumentTypeError(msg) from None
    return path


def add_bench_parser(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    root: Path,
) -> argparse.ArgumentParser:
    """Declare the options of the benchmark command and return its parser."""
    bench_parser = commands.add_parser(
        "bench",
        help="extract sandbox sites and report calls, time and load rates",
        description=(
            "Extract sandbox sites and write docs/benchmarks.md. With the "
            "defaults it takes about 50 minutes on 2 cores."
        ),
    )
    known = ",".join(SIZE_ORDER)
    bench_parser.add_argument(
        "--sizes",
        type=size_list,
        default=known,
        help=f"comma-separated site sizes, from {known} (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--concurrency",
        type=above_zero(int, "a whole number of at least 1"),
        default=8,
        help="the tap's max_concurrency and the sandbox's workers (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--latency-scale",
        type=above_zero(float, "a number above 0, such as 1"),
        default=1.0,
        help="factor on a real Moodle site's latency; 1 imitates it (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--baseline-size",
        type=baseline_size,
        default=BASELINE_SIZE,
        help=(
            f"run the sequential baseline for real on size {BASELINE_SIZE}, or "
            "'none' to skip it (default: %(default)s)"
        ),
    )
    bench_parser.add_argument(
        "--load-size",
        type=size_name,
        default="M",
        help="one of --sizes, whose records are loaded into PostgreSQL (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--output",
        type=page_path,
        default=root / "docs" / "benchmarks.md",
        help="the page to write, replaced if it exists (default: docs/benchmarks.md)",
    )
    return bench_parser


if __name__ == "__main__":
    sys.exit(main())
