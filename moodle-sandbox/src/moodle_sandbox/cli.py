"""Command line: ``python -m moodle_sandbox`` runs a sandbox until interrupted."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import typing as t

from moodle_sandbox.app import DEFAULT_TOKEN
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
        choices=sorted(SIZE_PRESETS),
        help="site size preset (default: %(default)s)",
    )
    parser.add_argument(
        "--anchor",
        type=int,
        default=None,
        help="the site's 'now' as a Unix time; times are relative to it "
        "(default: today 00:00 UTC)",
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
    site = build_site(seed=args.seed, size=args.size, anchor=args.anchor)
    server = SandboxServer(
        site,
        token=args.token,
        host=args.host,
        port=args.port,
        log_requests=args.log_requests,
        debug=args.debug,
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
    )
    sys.stdout.flush()
    while not stop.wait(timeout=0.5):
        pass
    server.stop()
    return 0
