"""A loopback HTTP server that answers with prepared responses, in order.

It produces the answers a Moodle sandbox does not: XML and HTML bodies, empty
bodies, redirects and HTTP errors. Each request is recorded for inspection.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

if t.TYPE_CHECKING:
    from types import TracebackType


@dataclasses.dataclass
class Canned:
    """One prepared response."""

    body: str
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0


@dataclasses.dataclass
class Received:
    """One recorded request."""

    method: str
    path: str
    body: str


class CannedServer:
    """Serve the prepared responses one per request; the last one repeats."""

    def __init__(self, *responses: Canned) -> None:
        self.responses = list(responses)
        self.received: list[Received] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> CannedServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Canned:
        if len(self.responses) > 1:
            return self.responses.pop(0)
        return self.responses[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                server.received.append(Received("POST", self.path, body))
                canned = server._next()
                time.sleep(canned.delay)
                payload = canned.body.encode()
                self.send_response_only(canned.status)
                if "Date" not in canned.headers:
                    self.send_header("Date", self.date_time_string())
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
