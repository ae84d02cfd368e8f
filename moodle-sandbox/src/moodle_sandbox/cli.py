"""Command line: ``python -m moodle_sandbox`` runs a sandbox until interrupted."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import typing as t
from pathlib import Path

from moodle_sandbox.app import DEFAULT_TOKEN
from moodle_sandbox.control import CONTROL_PREFIX
from moodle_sandbox.faults import FaultRule, FaultRuleError, parse_rules
from moodle_sandbox.server import SandboxServer
from moodle_sandbox.site.generator import build_site
from moodle_sandbox.site.presets import DEFAULT_SIZE, SIZE_PRESETS

if t.TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

logger = logging.getLogger("moodle_sandbox")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line options."""
    parser = argparse.ArgumentParser(
        prog="moodle-sandbox",
        description=(
            "Serve a synthetic Moodle 4.5 site over the REST web service "
            "(/webservice/rest/server.php) until SIGINT or SIGTERM."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="IPv4 address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8081,
        help="TCP port; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--token",
        default=DEFAULT_TOKEN,
        help="the accepted wstoken (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the synthetic site (default: %(default)s)",
    )
    parser.add_argument(
        "--size",
        default=DEFAULT_SIZE,
        choices=list(SIZE_PRESETS),
        help="site size preset: S about 70 users and 10 courses, M 20,000 users "
        "and 500 courses, L 80,000 users and 2,000 courses (default: %(default)s)",
    )
    parser.add_argument(
        "--anchor",
        type=int,
        default=None,
        help="the site's 'now' as a Unix time; times are relative to it "
        "(default: today 00:00 UTC)",
    )
    parser.add_argument(
        "--latency-scale",
        type=_non_negative_float,
        default=0.0,
        metavar="FACTOR",
        help="factor on the modelled latency of a real Moodle 4.5 server: 0 adds "
        "none, 1 is real time, 0.1 ten times faster with the same ratios "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-concurrent",
        type=_positive_int,
        default=None,
        metavar="N",
        help="serve at most N REST requests at once, like N PHP-FPM workers; "
        "others queue (default: no limit)",
    )
    parser.add_argument(
        "--faults",
        type=Path,
        default=None,
        metavar="FILE.json",
        help='fault rules to start with, as {"rules": [...]} in a JSON file; '
        "see the README for the rule format (default: none)",
    )
    parser.add_argument(
        "--log-requests", action="store_true", help="log every HTTP request line"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="imitate a site whose debugging is set to DEVELOPER, so that error "
        "bodies include debuginfo",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGINT or SIGTERM, then stop it cleanly."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        faults = _read_faults(args.faults)
    except (OSError, ValueError) as error:
        logger.error("Cannot read fault rules from %s: %s", args.faults, error)  # noqa: TRY400
        return 2
    started = time.monotonic()
    site = build_site(seed=args.seed, size=args.size, anchor=args.anchor)
    logger.info(
        "Built site of size %s (seed %d) in %.1f s: %d users, %d courses",
        site.size,
        site.seed,
        time.monotonic() - started,
        len(site.users),
        len(site.courses),
    )
    server = SandboxServer(
        site,
        token=args.token,
        host=args.host,
        port=args.port,
        log_requests=args.log_requests,
        debug=args.debug,
        latency_scale=args.latency_scale,
        max_concurrent=args.max_concurrent,
        faults=faults,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server.start()
    except OSError as error:
        logger.error("Cannot listen on %s:%d: %s", args.host, args.port, error)  # noqa: TRY400
        return 1
    sys.stdout.write(
        f"url: {server.url}\nendpoint: {server.endpoint}\ntoken: {server.token}\n"
        f"control: {server.url}{CONTROL_PREFIX}\n"
    )
    sys.stdout.flush()
    while not stop.wait(timeout=0.5):
        pass
    server.stop()
    return 0


def _read_faults(path: Path | None) -> list[FaultRule]:
    """Read fault rules from a JSON file, or none without a file.

    Raises:
        OSError: If the file cannot be read.
        ValueError: If it is not JSON or contains an invalid rule.
    """
    if path is None:
        return []
    try:
        return parse_rules(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        msg = f"not valid JSON: {error}"
        raise ValueError(msg) from None
    except FaultRuleError as error:
        raise ValueError(str(error)) from None


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"must be a number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 0:
        msg = f"must be 0 or more, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"must be a whole number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 1:
        msg = f"must be at least 1, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value
