"""HTTP requests and responses as the sandbox handles them, without the transport."""

from __future__ import annotations

from dataclasses import dataclass

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
LOOPBACK_ADDRESS = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """An HTTP request to the sandbox, reduced to what the endpoints read.

    Attributes:
        client_address: The client's IP address; the control endpoints accept
            loopback clients only.
    """

    method: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str = FORM_CONTENT_TYPE
    client_address: str = LOOPBACK_ADDRESS


@dataclass(frozen=True)
class ConnectionAction:
    """An action of the HTTP layer on the connection, in place of a normal response.

    Attributes:
        kind: ``hang`` (read the request, never respond), ``reset`` (close at
            once with a TCP reset) or ``close`` (send the response, then close).
        seconds: ``hang`` only: how long to hang before closing; ``None`` hangs
            until the client or the server closes the connection.
        content_length: ``close`` only: the ``Content-Length`` to declare in
            place of the body's real length.
    """

    kind: str
    seconds: float | None = None
    content_length: int | None = None


@dataclass(frozen=True)
class Response:
    """The HTTP response to send.

    Attributes:
        headers: Extra headers besides ``Content-Type`` and ``Content-Length``.
        connection: A fault that changes how the connection ends, or ``None``.
    """

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    connection: ConnectionAction | None = None
