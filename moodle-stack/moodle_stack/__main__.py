"""Command line: ``python -m moodle_stack demo`` and ``... warehouse start|stop``."""

from __future__ import annotations

import argparse
import logging
import sys

from moodle_stack import demo
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
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="[demo] %(message)s")
    if arguments.command == "demo":
        return demo.main()
    return warehouse(arguments.action)


if __name__ == "__main__":
    sys.exit(main())
