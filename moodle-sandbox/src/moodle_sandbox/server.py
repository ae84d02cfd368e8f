"""The HTTP server: HTTP/1.1 with keep-alive, one thread per connection."""

from __future__ import annotations

import logging
import select
import socket
import struct
import threading
import time
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from moodle_sandbox.app import DEFAULT_TOKEN, REST_PATH, SandboxApp
from moodle_sandbox.latency import LatencyModel
from moodle_sandbox.messages import Request
from moodle_sandbox.site.generator import build_site

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from moodle_sandbox.faults import FaultInjector, FaultRule
    from moodle_sandbox.messages import ConnectionAction, Response
    from moodle_sandbox.site.site import Site
    from moodle_sandbox.stats import StatsSnapshot

logger = logging.getLogger(__name__)
# Seconds an idle keep-alive connection stays open before its thread ends.
IDLE_CONNECTION_TIMEOUT = 30
# Seconds between the serving loop's checks for a stop request, so stop() waits
# up to this long. The standard library's default is 0.5 s.
SHUTDOWN_POLL_INTERVAL = 0.05
# Seconds between a hanging connection's checks for a closed client or a
# stopping server.
HANG_POLL_INTERVAL = 0.1


class _HttpServer(ThreadingHTTPServer):
    """A threading server that remembers its open connections to close them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], app: SandboxApp, *, log_requests: bool
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.app = app
        self.log_requests = log_requests
        # Set when the server stops, so that hanging connections give up.
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: t.Any, client_address: t.Any) -> None:  # noqa: ANN401
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: t.Any) -> None:  # noqa: ANN401
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection, idle keep-alive ones too."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("Connection was already closed")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_TIMEOUT
    # The handler writes the headers and the body in two sends. With Nagle's
    # algorithm on, the body then waits for the client's delayed ACK of the
    # headers, and Linux delays an ACK by at least 40 ms.
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def _answer(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "Send the form body with a Content-Length header")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=url.query,
            body=body,
            content_type=self.headers.get_content_type(),
            client_address=self.client_address[0],
        )
        response = self.server.app.handle(request)
        action = response.connection
        if action is not None and action.kind == "hang":
            self._hang(action)
            return
        if action is not None and action.kind == "reset":
            self._reset()
            return
        self._send(response)

    def _send(self, response: Response) -> None:
        action = response.connection
        length = len(response.body)
        if action is not None and action.content_length is not None:
            length = action.content_length
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in response.headers:
            self.send_header(name, value)
        if action is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(response.body)

    def _hang(self, action: ConnectionAction) -> None:
        """Keep the connection open without a response, then close it.

        The hang ends when the client closes the connection, when the server
        stops, or after ``action.seconds``. Only this connection's thread
        waits, so other requests and the server's shutdown go on.
        """
        self.close_connection = True
        deadline = None if action.seconds is None else time.monotonic() + action.seconds
        connection = self.connection
        while not self.server.stopping.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            try:
                readable, _, _ = select.select([connection], [], [], HANG_POLL_INTERVAL)
                # Read and drop whatever the client sends; b"" means it closed.
                if readable and not connection.recv(4096):
                    return
            except OSError:
                return

    def _reset(self) -> None:
        """Close the connection at once with a TCP reset and no response."""
        self.close_connection = True
        # SO_LINGER on with a zero timeout makes close() send RST, not FIN.
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.connection.close()

    def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002, ANN401
        # Request lines go to debug unless the server was asked to log them.
        level = logging.INFO if self.server.log_requests else logging.DEBUG
        logger.log(level, "%s - %s", self.address_string(), format % args)


class SandboxServer:
    """A Moodle sandbox listening on HTTP, usable as a context manager.

    Example:
        ``with SandboxServer(build_site(seed=1), port=0) as server:`` then send
        requests to ``server.endpoint`` with ``wstoken=server.token``.

    Args:
        site: The site to serve; defaults to ``build_site()`` (seed 1, size S).
        token: The only accepted ``wstoken``.
        host: The address to listen on.
        port: The TCP port; 0 picks a free one, readable from ``port`` after
            :meth:`start`.
        service_functions: Functions of the token's external service; defaults
            to every implemented function.
        log_requests: Log each request line at INFO instead of DEBUG.
        debug: Imitate a site whose debugging is set to DEVELOPER, so that
            error bodies carry ``debuginfo`` where Moodle's exception has one.
        latency_scale: Factor on the modelled latency of a real Moodle site; 0
            (the default) adds none, 1 imitates the real timings, 0.1 runs ten
            times faster with the same ratios.
        latency: A full latency model, in place of the default model with
            ``latency_scale``.
        max_concurrent: The most REST requests served at once, like PHP-FPM
            workers; others wait. ``None`` (the default) sets no cap.
        faults: Fault rules to start with.
    """

    def __init__(  # noqa: PLR0913
        self,
        site: Site | None = None,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        service_functions: Iterable[str] | None = None,
        log_requests: bool = False,
        debug: bool = False,
        latency_scale: float = 0.0,
        latency: LatencyModel | None = None,
        max_concurrent: int | None = None,
        faults: Iterable[FaultRule] = (),
    ) -> None:
        """Configure the server; nothing listens before :meth:`start`.

        Raises:
            ValueError: For a negative latency scale or a cap below 1.
        """
        self.site = build_site() if site is None else site
        self.token = token
        self.host = host
        self.port = port
        self._log_requests = log_requests
        self.debug = debug
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.app = SandboxApp(
            self.site,
            self.token,
            service_functions=service_functions,
            debug=debug,
            latency=LatencyModel(scale=latency_scale) if latency is None else latency,
            max_concurrent=max_concurrent,
            faults=faults,
        )

    @property
    def url(self) -> str:
        """Return the base URL of the site, such as ``http://127.0.0.1:8081``."""
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """Return the URL of the REST endpoint."""
        return self.url + REST_PATH

    @property
    def calls(self) -> dict[str, int]:
        """Return how many requests named each wsfunction since the last reset."""
        return self.app.calls

    @property
    def faults(self) -> FaultInjector:
        """Return the fault rules; call ``add`` or ``clear`` on them."""
        return self.app.faults

    def stats(self) -> StatsSnapshot:
        """Return the counters: calls, bytes, modelled seconds, faults, concurrency."""
        return self.app.stats()

    def reset_stats(self) -> StatsSnapshot:
        """Set every counter back to zero and return their values just before."""
        return self.app.reset_stats()

    def reset_calls(self) -> None:
        """Set every counter back to zero, as :meth:`reset_stats` does."""
        self.app.reset_stats()

    def start(self) -> t.Self:
        """Bind the port and serve requests from a background thread.

        Raises:
            RuntimeError: If the server is already running.
            OSError: If the address cannot be bound.
        """
        if self._httpd is not None:
            msg = f"The Moodle sandbox is already running at {self.url}"
            raise RuntimeError(msg)
        started = time.monotonic()
        self.site.build_indexes()
        logger.info(
            "Built the site's lookup indexes in %.1f s", time.monotonic() - started
        )
        httpd = _HttpServer(
            (self.host, self.port), self.app, log_requests=self._log_requests
        )
        self.port = httpd.server_address[1]
        self.app.wwwroot = self.url
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_INTERVAL},
            name="moodle-sandbox",
            daemon=True,
        )
        self._thread.start()
        logger.info(
            "Moodle sandbox started at %s (seed %d, size %s, debug %s, "
            "latency scale %g, max concurrent %s, %d fault rules)",
            self.url,
            self.site.seed,
            self.site.size,
            "on" if self.debug else "off",
            self.app.latency.scale,
            self.app.workers.max_concurrent or "unlimited",
            len(self.app.faults.describe()),
        )
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and release the port."""
        if self._httpd is None:
            return
        self._httpd.stopping.set()
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None
        logger.info("Moodle sandbox at %s stopped", self.url)

    def __enter__(self) -> t.Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()
