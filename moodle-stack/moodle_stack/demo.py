"""Run the main job on embedded defaults and show what it loaded.

With no warehouse configured (``WAREHOUSE_HOST`` empty), an embedded PostgreSQL
starts in ``.warehouse/`` and keeps running afterwards, so the data can be queried.
With no Moodle configured (``TAP_MOODLE_1_BASE_URL`` empty), the Moodle sandbox
serves a synthetic site for the run.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import typing as t

from moodle_stack import report
from moodle_stack.environment import pipeline_environment, project_root
from moodle_stack.sandbox import SandboxProcess
from moodle_stack.warehouse import Connection, EmbeddedPostgres

if t.TYPE_CHECKING:
    from pathlib import Path

MAIN_JOB = ("run", "tap-moodle-1", "target-postgres", "dbt:run")
SANDBOX_INSTANCE = "sandbox-1"


def say(message: str) -> None:
    """Print a line of the demo's own output."""
    print(f"[demo] {message}", flush=True)  # noqa: T201


def warehouse_for(root: Path, env: dict[str, str]) -> Connection:
    """Return the configured warehouse, or start the embedded one."""
    configured = Connection.from_environment(env)
    if configured is not None:
        say(f"Using the configured warehouse: {configured.describe()}")
        return configured
    embedded = EmbeddedPostgres(root / ".warehouse" / "pgdata")
    connection = embedded.start()
    say(f"No WAREHOUSE_HOST set: embedded PostgreSQL runs at {connection.describe()}")
    say("Stop it with: .venv/bin/python -m moodle_stack warehouse stop")
    return connection


def run_main_job(root: Path, env: dict[str, str]) -> int:
    """Run ``meltano run tap-moodle-1 target-postgres dbt:run``."""
    meltano = str(root / ".venv" / "bin" / "meltano")
    say("Running: meltano " + " ".join(MAIN_JOB))
    return subprocess.run([meltano, *MAIN_JOB], cwd=root, env=env, check=False).returncode  # noqa: S603


def main() -> int:
    """Run the main job end to end and print what each layer holds."""
    root = project_root()
    env = pipeline_environment(root)
    connection = warehouse_for(root, env)
    env.update(connection.environment())
    with contextlib.ExitStack() as stack:
        if not env.get("TAP_MOODLE_1_BASE_URL"):
            sandbox = stack.enter_context(SandboxProcess())
            say(f"No TAP_MOODLE_1_BASE_URL set: the Moodle sandbox serves {sandbox.url}")
            env["TAP_MOODLE_1_BASE_URL"] = sandbox.url
            env["TAP_MOODLE_1_TOKEN"] = sandbox.token
            env.setdefault("TAP_MOODLE_1_INSTANCE", SANDBOX_INSTANCE)
        exit_code = run_main_job(root, env)
    if exit_code != 0:
        say(f"The main job failed with exit code {exit_code}; its log is above.")
        return exit_code
    say("Rows per layer:\n" + report.format_counts(report.layer_counts(connection)))
    say("First rows of moodle_mart.course_performance:\n" + report.mart_preview(connection))
    return 0


if __name__ == "__main__":
    sys.exit(main())
