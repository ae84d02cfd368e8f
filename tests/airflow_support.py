"""Helpers of the Airflow and Compose tests: the project's Meltano and Airflow."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import typing as t
from pathlib import Path

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
MELTANO = ROOT / ".venv" / "bin" / "meltano"
AIRFLOW_PYTHON = (
    ROOT / ".meltano" / "orchestrators" / "airflow" / "venv" / "bin" / "python"
)

# `meltano invoke airflow` runs `airflow config list`, `version` and `db init`
# before the command itself. That took 25 to 45 s on the project's 2-core machine.
MELTANO_TIMEOUT_SECONDS = 600

# Variables of the developer's shell that would change what the tests run.
FOREIGN_PREFIXES = ("MELTANO_", "AIRFLOW", "TAP_MOODLE_", "WAREHOUSE_")


def require_airflow() -> Path:
    """Return the python of Meltano's Airflow environment, or fail with the fix."""
    assert AIRFLOW_PYTHON.exists(), (
        f"Airflow is not installed ({AIRFLOW_PYTHON} is missing): "
        "run `make install-airflow`."
    )
    return AIRFLOW_PYTHON


def base_environment() -> dict[str, str]:
    """Return this process's environment without Meltano, Airflow or site variables."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(FOREIGN_PREFIXES)
    } | {"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}


def run_checked(
    command: Sequence[str],
    env: Mapping[str, str],
    timeout: float = MELTANO_TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """Run a command in the project folder and assert that it exits with 0."""
    result = subprocess.run(  # noqa: S603
        list(command),
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} exited with {result.returncode}:\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    )
    return result


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BackgroundProcess:
    """A long-running command in its own process group, stopped on exit."""

    def __init__(
        self, command: Sequence[str], env: Mapping[str, str], log: Path
    ) -> None:
        self.command = list(command)
        self.env = dict(env)
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BackgroundProcess:
        with self.log.open("wb") as output:
            self._process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the process with SIGTERM, which Meltano passes on to Airflow.

        The process group gets SIGKILL if it still runs after 30 s.
        """
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)

    def assert_running(self) -> None:
        """Fail with the end of the log if the process has exited."""
        assert self._process is not None
        code = self._process.poll()
        assert code is None, (
            f"{' '.join(self.command)} exited with {code}:\n"
            f"{self.log.read_text(errors='replace')[-6000:]}"
        )

    def log_tail(self) -> str:
        """Return the end of the process's output."""
        return self.log.read_text(errors="replace")[-6000:]


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
    interval: float = 3,
) -> None:
    """Poll ``condition`` until it returns True; fail with ``describe()`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s: {describe()}")
