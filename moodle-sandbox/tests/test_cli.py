"""The command line: ``python -m moodle_sandbox`` serves until SIGTERM or SIGINT."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import typing as t

import pytest
from sandbox_http import control, rest_call
from wsclient import WsClient

from moodle_sandbox import SandboxServer

if t.TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from moodle_sandbox import Site

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
BANNER_LINES = 4


class RunningCli(t.NamedTuple):
    process: subprocess.Popen[str]
    lines: dict[str, str]


def start_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - runs this interpreter only
        [sys.executable, "-m", "moodle_sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def read_banner(process: subprocess.Popen[str]) -> dict[str, str]:
    """Read the url, endpoint, token and control lines that the CLI prints once ready.

    A thread reads stdout, because a blocking readline() cannot time out.
    """
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for _ in range(BANNER_LINES):
            lines.put(stdout.readline())

    threading.Thread(target=pump, daemon=True).start()
    banner: dict[str, str] = {}
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while len(banner) < BANNER_LINES:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            msg = f"The CLI printed no url within {STARTUP_TIMEOUT} s: {banner}"
            raise TimeoutError(msg) from None
        if not line:
            msg = f"The CLI exited before printing its url: {banner}"
            raise RuntimeError(msg)
        name, _, value = line.strip().partition(": ")
        banner[name] = value
    return banner


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    """Send a signal, wait for the exit and return (exit code, stderr)."""
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=STOP_TIMEOUT)
    return process.returncode, stderr


@pytest.fixture
def run_cli() -> Iterator[t.Callable[..., RunningCli]]:
    """Return a starter of ``python -m moodle_sandbox --port 0 ARGS``.

    Every process it started is killed at teardown if still running.
    """
    processes: list[subprocess.Popen[str]] = []

    def run(*args: str) -> RunningCli:
        process = start_cli("--port", "0", *args)
        processes.append(process)
        return RunningCli(process, read_banner(process))

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=STOP_TIMEOUT)


def test_cli_prints_url_and_serves(run_cli: t.Callable[..., RunningCli]) -> None:
    cli = run_cli("--seed", "3", "--anchor", "1767225600")
    url = cli.lines["url"]
    ws = WsClient(url, cli.lines["token"])
    try:
        info = ws.call("core_webservice_get_site_info")
    finally:
        ws.close()

    assert url.startswith("http://127.0.0.1:")
    assert not url.endswith(":0")
    assert cli.lines["endpoint"] == f"{url}/webservice/rest/server.php"
    assert info["siteurl"] == url
    assert "seed 3" in info["sitename"]


def test_cli_stops_on_sigterm(run_cli: t.Callable[..., RunningCli]) -> None:
    cli = run_cli()

    code, stderr = stop(cli.process, signal.SIGTERM)

    assert code == 0
    assert "Received SIGTERM, stopping" in stderr
    assert "stopped" in stderr


def test_cli_stops_on_sigint(run_cli: t.Callable[..., RunningCli]) -> None:
    cli = run_cli()

    code, stderr = stop(cli.process, signal.SIGINT)

    assert code == 0
    assert "Received SIGINT, stopping" in stderr


def test_cli_token_and_debug_options(run_cli: t.Callable[..., RunningCli]) -> None:
    token = "custom-token"  # noqa: S105 - a test token
    cli = run_cli("--token", token, "--debug")
    ws = WsClient(cli.lines["url"], token)
    try:
        answer = ws.call("core_course_get_contents")
        wrong = ws.request([("wstoken", "sandbox-token"), ("wsfunction", "x")])
    finally:
        ws.close()

    assert cli.lines["token"] == token
    assert answer["debuginfo"] == "Missing required key in single structure: courseid"
    assert b"invalidtoken" in wrong.body


def test_cli_port_in_use_exits_1(site: Site) -> None:
    with SandboxServer(site) as taken:
        process = start_cli("--port", str(taken.port))
        _stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT)

    assert process.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{taken.port}" in stderr


def test_cli_rejects_unknown_size() -> None:
    process = start_cli("--size", "XL")
    _stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT)

    assert process.returncode == 2
    assert "invalid choice: 'XL'" in stderr


def test_cli_prints_control_url(run_cli: t.Callable[..., RunningCli]) -> None:
    cli = run_cli()

    assert cli.lines["control"] == f"{cli.lines['url']}/_sandbox/"


def test_cli_help_names_options_and_units() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "moodle_sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=True,
    )
    text = " ".join(process.stdout.split())

    assert "--latency-scale FACTOR" in text
    assert "--max-concurrent N" in text
    assert "--faults FILE.json" in text
    assert "--size {S,M,L}" in text
    assert "1 is real time" in text
    assert "N PHP-FPM workers" in text


def test_cli_latency_cap_and_faults(
    run_cli: t.Callable[..., RunningCli], tmp_path: Path
) -> None:
    rules = {
        "rules": [
            {"fault": "http_error", "wsfunction": "core_course_get_categories"},
        ]
    }
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps(rules), encoding="utf-8")
    cli = run_cli(
        "--latency-scale", "0.01", "--max-concurrent", "3", "--faults", str(faults)
    )
    port = int(cli.lines["url"].rsplit(":", 1)[1])

    faulted = rest_call(port, "core_course_get_categories")
    info = rest_call(port, "core_webservice_get_site_info")
    stats = control(port, "GET", "/_sandbox/stats").json()

    assert faulted.status == 500
    assert info.status == 200
    assert stats["latency_scale"] == 0.01
    assert stats["concurrency"]["max_concurrent"] == 3
    assert stats["faults"] == {"http_error": 1}
    assert stats["modelled_seconds"]["core_webservice_get_site_info"] > 0


def test_cli_invalid_faults_file_exits_2(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text('{"rules": [{"fault": "explode"}]}', encoding="utf-8")

    process = start_cli("--faults", str(faults))
    _stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT)

    assert process.returncode == 2
    assert "Unknown fault 'explode'" in stderr


def test_cli_missing_faults_file_exits_2(tmp_path: Path) -> None:
    process = start_cli("--faults", str(tmp_path / "missing.json"))
    _stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT)

    assert process.returncode == 2
    assert "Cannot read fault rules" in stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--latency-scale", "-1", "must be 0 or more"),
        ("--latency-scale", "fast", "must be a number"),
        ("--max-concurrent", "0", "must be at least 1"),
    ],
)
def test_cli_rejects_bad_numbers(option: str, value: str, message: str) -> None:
    process = start_cli(option, value)
    _stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT)

    assert process.returncode == 2
    assert message in stderr
