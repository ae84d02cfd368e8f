"""HTTP helpers for tests that break connections: one new connection per request."""

from __future__ import annotations

import http.client
import json
import typing as t
from dataclasses import dataclass
from urllib.parse import urlencode

from wsclient import encode

from moodle_sandbox import REST_PATH

TIMEOUT = 10.0


@dataclass(frozen=True)
class Answer:
    """An HTTP response with its headers."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> t.Any:
        return json.loads(self.body)


def rest_call(  # noqa: PLR0913 - the REST fields plus the client timeout
    port: int,
    wsfunction: str,
    params: dict[str, t.Any] | None = None,
    *,
    token: str = "sandbox-token",  # noqa: S107 - the sandbox's public test token
    rest_format: str = "json",
    timeout: float = TIMEOUT,
) -> Answer:
    """POST one REST call on a fresh connection and read the whole response."""
    fields = [("wstoken", token), ("wsfunction", wsfunction)]
    if rest_format:
        fields.append(("moodlewsrestformat", rest_format))
    fields += encode(params or {})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _send(port, "POST", REST_PATH, urlencode(fields).encode(), headers, timeout)


def control(
    port: int, method: str, path: str, data: object = None, *, timeout: float = TIMEOUT
) -> Answer:
    """Send a request to a control endpoint, with ``data`` as its JSON body."""
    body = None if data is None else json.dumps(data).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return _send(port, method, path, body, headers, timeout)


def _send(  # noqa: PLR0913, PLR0917 - one argument per part of the request
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float,
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()
