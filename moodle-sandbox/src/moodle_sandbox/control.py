"""Control endpoints under ``/_sandbox/``: counters, faults, mutations, site facts.

They exist only under ``/_sandbox/``, never under Moodle's own paths, take and
return JSON, and need no token. They serve loopback clients only (HTTP 403
for others), because anyone who reaches them can change the site.

===========  ===========================  =========================================
method       path                         effect
===========  ===========================  =========================================
GET          ``/_sandbox/stats``          the counters (:class:`StatsSnapshot`)
POST         ``/_sandbox/stats/reset``    reset them, return their values before
GET          ``/_sandbox/faults``         the fault rules with their counters
POST         ``/_sandbox/faults``         add rules (``{"rules": [...]}``)
DELETE       ``/_sandbox/faults``         remove every rule
POST         ``/_sandbox/mutations``      change the site (``{"mutations": [...]}``)
GET          ``/_sandbox/site``           seed, size, landmarks, expected counts
GET          ``/_sandbox/minimum_calls``  :func:`minimum_calls`; query arguments
                                          ``users_batch_size`` and
                                          ``enrolled_users_page_size``
===========  ===========================  =========================================
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import typing as t
from http import HTTPStatus
from urllib.parse import parse_qs

from moodle_sandbox.faults import FaultRuleError, parse_rules
from moodle_sandbox.messages import Response
from moodle_sandbox.site.counts import (
    DEFAULT_ENROLLED_USERS_PAGE_SIZE,
    DEFAULT_USERS_BATCH_SIZE,
    expected_counts,
    minimum_calls,
)
from moodle_sandbox.site.mutations import MutationError, apply_mutation

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from moodle_sandbox.app import SandboxApp
    from moodle_sandbox.messages import Request

CONTROL_PREFIX = "/_sandbox/"
JSON_CONTENT_TYPE = "application/json"

logger = logging.getLogger(__name__)


class ControlError(Exception):
    """A control request that cannot be served: status and message for the client."""

    def __init__(self, status: int, message: str) -> None:
        """Store the HTTP status and the message."""
        super().__init__(message)
        self.status = status
        self.message = message


class ControlEndpoints:
    """The ``/_sandbox/`` endpoints of one :class:`SandboxApp`."""

    def __init__(self, app: SandboxApp) -> None:
        """Serve the control endpoints of ``app``."""
        self.app = app
        self._routes: dict[str, dict[str, Callable[[Request], object]]] = {
            "stats": {"GET": self._get_stats},
            "stats/reset": {"POST": self._reset_stats},
            "faults": {
                "GET": self._get_faults,
                "POST": self._add_faults,
                "DELETE": self._clear_faults,
            },
            "mutations": {"POST": self._mutate},
            "site": {"GET": self._get_site},
            "minimum_calls": {"GET": self._get_minimum_calls},
        }

    def handle(self, request: Request) -> Response:
        """Serve one request whose path starts with ``/_sandbox/``."""
        try:
            return _json_response(HTTPStatus.OK, self._dispatch(request))
        except ControlError as error:
            logger.info(
                "Control request %s %s failed: %s",
                request.method,
                request.path,
                error.message,
            )
            headers: tuple[tuple[str, str], ...] = ()
            if error.status == HTTPStatus.METHOD_NOT_ALLOWED:
                name = request.path.removeprefix(CONTROL_PREFIX).strip("/")
                headers = (("Allow", ", ".join(self._routes[name])),)
            return _json_response(error.status, {"error": error.message}, headers)

    def _dispatch(self, request: Request) -> object:
        if not _is_loopback(request.client_address):
            raise ControlError(
                HTTPStatus.FORBIDDEN,
                f"The control endpoints serve loopback clients only, not "
                f"{request.client_address}",
            )
        name = request.path.removeprefix(CONTROL_PREFIX).strip("/")
        methods = self._routes.get(name)
        if methods is None:
            known = ", ".join(CONTROL_PREFIX + route for route in self._routes)
            raise ControlError(
                HTTPStatus.NOT_FOUND,
                f"No control endpoint at {request.path}. The endpoints are: {known}",
            )
        handler = methods.get(request.method)
        if handler is None:
            raise ControlError(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{request.path} does not accept {request.method}: use "
                f"{' or '.join(methods)}",
            )
        return handler(request)

    def _get_stats(self, _request: Request) -> object:
        return self.app.stats().to_dict()

    def _reset_stats(self, _request: Request) -> object:
        return self.app.reset_stats().to_dict()

    def _get_faults(self, _request: Request) -> object:
        return {"rules": self.app.faults.describe()}

    def _add_faults(self, request: Request) -> object:
        try:
            rules = parse_rules(_read_json(request))
        except FaultRuleError as error:
            raise ControlError(HTTPStatus.BAD_REQUEST, str(error)) from None
        added = self.app.faults.add(rules)
        logger.info("Added fault rules %s", added)
        return {"added": added, "rules": self.app.faults.describe()}

    def _clear_faults(self, _request: Request) -> object:
        removed = self.app.faults.clear()
        logger.info("Removed %d fault rules", removed)
        return {"removed": removed}

    def _mutate(self, request: Request) -> object:
        data = _read_json(request)
        if isinstance(data, dict) and "mutations" in data:
            data = data["mutations"]
        mutations = [data] if isinstance(data, dict) else data
        if not isinstance(mutations, list):
            raise ControlError(
                HTTPStatus.BAD_REQUEST,
                'Send {"mutations": [...]}, a list or one mutation object',
            )
        site = self.app.site
        for position, mutation in enumerate(mutations):
            if not isinstance(mutation, dict):
                raise ControlError(
                    HTTPStatus.BAD_REQUEST,
                    f"Mutation {position} must be a JSON object, got {mutation!r}",
                )
            try:
                apply_mutation(site, mutation)
            except MutationError as error:
                raise ControlError(
                    HTTPStatus.BAD_REQUEST,
                    f"Mutation {position} failed, after {position} applied: {error}",
                ) from None
            logger.info("Applied mutation %s", mutation)
        return {"applied": len(mutations), "expected_counts": expected_counts(site)}

    def _get_site(self, _request: Request) -> object:
        site = self.app.site
        return {
            "seed": site.seed,
            "size": site.size,
            "anchor": site.anchor,
            "sitename": site.sitename,
            "landmarks": dataclasses.asdict(site.landmarks),
            "expected_counts": expected_counts(site),
        }

    def _get_minimum_calls(self, request: Request) -> object:
        arguments = parse_qs(request.query)
        batch = _int_argument(arguments, "users_batch_size", DEFAULT_USERS_BATCH_SIZE)
        page = _int_argument(
            arguments, "enrolled_users_page_size", DEFAULT_ENROLLED_USERS_PAGE_SIZE
        )
        try:
            calls = minimum_calls(self.app.site, batch, page)
        except ValueError as error:
            raise ControlError(HTTPStatus.BAD_REQUEST, str(error)) from None
        return {
            "users_batch_size": batch,
            "enrolled_users_page_size": page,
            "calls": calls,
            "total": sum(calls.values()),
        }


def is_control_path(path: str) -> bool:
    """Return whether a request path belongs to the control endpoints."""
    return path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _read_json(request: Request) -> object:
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ControlError(
            HTTPStatus.BAD_REQUEST, f"The request body is not valid JSON: {error}"
        ) from None


def _int_argument(arguments: dict[str, list[str]], name: str, default: int) -> int:
    values = arguments.get(name)
    if not values:
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise ControlError(
            HTTPStatus.BAD_REQUEST,
            f"Query argument '{name}' must be an integer, got {values[-1]!r}",
        ) from None


def _json_response(
    status: int, data: object, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    body = json.dumps(data, indent=1, sort_keys=True).encode() + b"\n"
    return Response(int(status), JSON_CONTENT_TYPE, body, headers)
