"""Command line: ``python -m moodle_stack demo`` and ``... warehouse start|stop``."""

from __future__ import annotations

import argparse
import logging
import sys

from pathlib import Path

from moodle_stack import bench, demo
from moodle_stack.environment import project_root
from moodle_stack.warehouse import EmbeddedPostgres


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
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the main job on embedded defaults")
    store = commands.add_parser("warehouse", help="manage the embedded PostgreSQL")
    store.add_argument("action", choices=["start", "stop", "status"])
    add_bench_parser(commands)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="[demo] %(message)s")
    if arguments.command == "demo":
        return demo.main()
    if arguments.command == "bench":
        return run_bench(parser, arguments)
    return warehouse(arguments.action)


def run_bench(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    """Check the benchmark's options and run it."""
    sizes = arguments.sizes.split(",")
    if arguments.load_size not in sizes:
        parser.error(
            f"--load-size {arguments.load_size} is not one of --sizes "
            f"{arguments.sizes}: add it to --sizes or pick one of them"
        )
    baseline = None if arguments.baseline_size == "none" else arguments.baseline_size
    return bench.main(
        sizes=sizes,
        concurrency=arguments.concurrency,
        latency_scale=arguments.latency_scale,
        baseline_size=baseline,
        load_size=arguments.load_size,
        output=arguments.output,
        command=" ".join(["python -m moodle_stack", *sys.argv[1:]]),
    )


def add_bench_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Declare the options of the benchmark command."""
    bench_parser = commands.add_parser(
        "bench", help="extract sandbox sites and report calls, time and load rates"
    )
    bench_parser.add_argument(
        "--sizes", default="S,M,L", help="site sizes, smallest first (default: %(default)s)"
    )
    bench_parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="the tap's max_concurrency and the sandbox's workers (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--latency-scale",
        type=float,
        default=1.0,
        help="factor on a real Moodle site's latency; 1 imitates it (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--baseline-size",
        default="S",
        help=(
            "size on which the sequential baseline runs for real, or 'none' to "
            "skip it (default: %(default)s)"
        ),
    )
    bench_parser.add_argument(
        "--load-size",
        default="M",
        help="size whose records are loaded into PostgreSQL (default: %(default)s)",
    )
    bench_parser.add_argument(
        "--output",
        type=Path,
        default=project_root() / "docs" / "benchmarks.md",
        help="the page to write (default: docs/benchmarks.md)",
    )


if __name__ == "__main__":
    sys.exit(main())
