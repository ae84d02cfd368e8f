"""The Moodle sandbox as a child process, for runs with no Moodle configured."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import typing as t
import urllib.request

if t.TYPE_CHECKING:
    from types import TracebackType

READY_TIMEOUT_SECONDS = 30


class SandboxProcess:
    """Run ``python -m moodle_sandbox`` on a free loopback port until closed."""

    def __init__(
        self,
        *,
        seed: int = 1,
        token: str = "sandbox-token",
        anchor: int | None = None,
    ) -> None:
        """Choose the site's seed, its "now" as a Unix time, and the token."""
        self.seed = seed
        self.token = token
        self.anchor = anchor
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SandboxProcess:
        """Start the sandbox and wait until it answers."""
        command = [
            sys.executable,
            "-m",
            "moodle_sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--token",
            self.token,
            "--seed",
            str(self.seed),
        ]
        if self.anchor is not None:
            command += ["--anchor", str(self.anchor)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
        self._wait_until_ready()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the sandbox."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def control(self, method: str, path: str, body: object = None) -> t.Any:  # noqa: ANN401
        """Call one of the sandbox's control endpoints under ``/_sandbox/``."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL of our child
            f"{self.url}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def add_faults(self, rules: list[dict[str, t.Any]]) -> None:
        """Add fault rules, in the sandbox's rule format."""
        self.control("POST", "faults", {"rules": rules})

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.control("DELETE", "faults")

    def mutate(self, mutations: list[dict[str, t.Any]]) -> None:
        """Change the site: delete users, enrolments, courses or grade items."""
        self.control("POST", "mutations", {"mutations": mutations})

    def stats(self) -> dict[str, t.Any]:
        """Return the sandbox's counters: calls, faults, modelled seconds."""
        return t.cast("dict[str, t.Any]", self.control("GET", "stats"))

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                msg = f"The Moodle sandbox exited with code {self._process.returncode}."
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1):  # noqa: S310
                    return
            except OSError as error:
                if getattr(error, "code", None) is not None:
                    return
                time.sleep(0.1)
        msg = f"The Moodle sandbox did not answer on {self.url} within 30 s."
        raise TimeoutError(msg)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
