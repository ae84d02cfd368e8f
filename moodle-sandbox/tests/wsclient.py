"""A small Moodle REST client for the tests, over one keep-alive connection."""

from __future__ import annotations

import http.client
import json
import typing as t
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from moodle_sandbox import REST_PATH


@dataclass(frozen=True)
class RawResponse:
    """An HTTP response as received."""

    status: int
    content_type: str
    body: bytes

    def json(self) -> t.Any:
        return json.loads(self.body)


def encode(params: dict[str, t.Any]) -> list[tuple[str, str]]:
    """Flatten nested arguments into PHP bracket form fields."""
    fields: list[tuple[str, str]] = []

    def add(key: str, value: t.Any) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                add(f"{key}[{name}]", item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                add(f"{key}[{index}]", item)
        elif isinstance(value, bool):
            fields.append((key, "1" if value else "0"))
        else:
            fields.append((key, str(value)))

    for name, value in params.items():
        add(name, value)
    return fields


class WsClient:
    """Send requests to one sandbox, reusing a single HTTP/1.1 connection."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.token = token
        self.connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=10
        )

    def close(self) -> None:
        self.connection.close()

    def request(
        self,
        fields: list[tuple[str, str]],
        *,
        method: str = "POST",
        path: str = REST_PATH,
    ) -> RawResponse:
        """Send form fields by POST body or GET query string."""
        body = urlencode(fields)
        if method == "GET":
            self.connection.request("GET", f"{path}?{body}")
        else:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            self.connection.request("POST", path, body=body, headers=headers)
        response = self.connection.getresponse()
        return RawResponse(
            response.status, response.getheader("Content-Type", ""), response.read()
        )

    def call(self, wsfunction: str, params: dict[str, t.Any] | None = None) -> t.Any:
        """Call a wsfunction with the token in JSON format and decode the answer."""
        fields = [
            ("wstoken", self.token),
            ("wsfunction", wsfunction),
            ("moodlewsrestformat", "json"),
            *encode(params or {}),
        ]
        return self.request(fields).json()
