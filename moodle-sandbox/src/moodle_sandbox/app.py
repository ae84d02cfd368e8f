"""The REST endpoint without the HTTP transport: one request in, one response out.

:class:`SandboxApp` checks the token, the function and its arguments in the
order of Moodle 4.5's REST server, calls the wsfunction and encodes the answer.
Around that call it counts the request, applies a fault rule if one fires,
waits for a free worker under the concurrency cap and delays the response by
the modelled latency. Paths under ``/_sandbox/`` go to the control endpoints.
"""

from __future__ import annotations

import logging
import time
import typing as t

from moodle_sandbox import errors
from moodle_sandbox.control import ControlEndpoints, is_control_path
from moodle_sandbox.encoding import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    encode_json,
    encode_xml,
    encode_xml_error,
)
from moodle_sandbox.fault_responses import (
    altered_response,
    connection_response,
    replacing_response,
)
from moodle_sandbox.faults import (
    ALTERING_FAULTS,
    CONNECTION_FAULTS,
    REPLACING_FAULTS,
    FaultInjector,
)
from moodle_sandbox.functions import (
    DEFAULT_SERVICE_FUNCTIONS,
    CallContext,
    function_table,
    known_functions,
)
from moodle_sandbox.latency import LatencyModel
from moodle_sandbox.messages import FORM_CONTENT_TYPE, Request, Response
from moodle_sandbox.phpparams import decode_fields, parse_form
from moodle_sandbox.stats import Counters, StatsSnapshot, WorkerPool
from moodle_sandbox.validation import validate

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from moodle_sandbox.faults import FaultRule
    from moodle_sandbox.phpparams import PhpValue
    from moodle_sandbox.site.site import Site

REST_PATH = "/webservice/rest/server.php"
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a fixed, public test token
# Request fields that the REST server consumes itself and never passes on.
_SERVER_FIELDS = frozenset({"wstoken", "wsfunction", "moodlewsrestformat"})
_SETTING_PREFIX = "moodlewssetting"

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_TOKEN", "REST_PATH", "Request", "Response", "SandboxApp"]


class SandboxApp:
    """The Moodle REST endpoint of one synthetic site with one token.

    Args:
        site: The site to serve.
        token: The only ``wstoken`` accepted; it belongs to the site admin.
        wwwroot: The site's base URL, used in URLs inside answers.
        service_functions: Functions of the token's external service. Other
            Moodle functions get ``accessexception``. Defaults to every function
            the sandbox implements.
        debug: Imitate a site whose debugging is set to DEVELOPER, so that
            error bodies carry ``debuginfo`` where Moodle's exception has one.
        latency: The latency model; the default adds no latency.
        max_concurrent: The most REST requests served at once, like the
            PHP-FPM workers of a Moodle server; ``None`` for no cap.
        faults: Fault rules to start with; more can be added to ``faults``.
    """

    def __init__(  # noqa: PLR0913
        self,
        site: Site,
        token: str = DEFAULT_TOKEN,
        wwwroot: str = "http://127.0.0.1",
        service_functions: Iterable[str] | None = None,
        *,
        debug: bool = False,
        latency: LatencyModel | None = None,
        max_concurrent: int | None = None,
        faults: Iterable[FaultRule] = (),
    ) -> None:
        """Prepare the function table for the service."""
        self.site = site
        self.token = token
        self.wwwroot = wwwroot.rstrip("/")
        self.debug = debug
        names = (
            DEFAULT_SERVICE_FUNCTIONS
            if service_functions is None
            else service_functions
        )
        self.service_functions = list(dict.fromkeys(names))
        self._functions = function_table(self.service_functions)
        self.latency = LatencyModel() if latency is None else latency
        self.workers = WorkerPool(max_concurrent)
        self.faults = FaultInjector(faults)
        self.counters = Counters()
        self.control = ControlEndpoints(self)

    @property
    def calls(self) -> dict[str, int]:
        """Return how many requests named each wsfunction, failed ones included."""
        return self.counters.calls()

    def stats(self) -> StatsSnapshot:
        """Return the counters: calls, bytes, modelled seconds, faults, concurrency."""
        return self.counters.snapshot(self.latency.scale, self.workers.stats())

    def reset_stats(self) -> StatsSnapshot:
        """Set every counter back to zero and return their values just before."""
        snapshot = self.stats()
        self.counters.reset()
        self.workers.reset()
        return snapshot

    def reset_calls(self) -> None:
        """Set every counter back to zero, as :meth:`reset_stats` does."""
        self.reset_stats()

    def handle(self, request: Request) -> Response:
        """Answer one request to the sandbox.

        Moodle answers every web service failure with HTTP 200 and an error
        body; only a wrong path (404), a bug in the sandbox (500) or an
        injected fault gives another status.
        """
        if is_control_path(request.path):
            return self.control.handle(request)
        if request.path != REST_PATH:
            text = f"Not found: {request.path}. The endpoint is {REST_PATH}.\n"
            return Response(404, "text/plain; charset=utf-8", text.encode())
        return self._serve_rest(request)

    def _serve_rest(self, request: Request) -> Response:
        """Count, fault, queue and delay one REST request around its response."""
        params = decode_fields(self._fields(request))
        as_json = params.get("moodlewsrestformat") == "json"
        wsfunction = params.get("wsfunction")
        name = wsfunction if isinstance(wsfunction, str) and wsfunction else None
        if name is not None:
            self.counters.count_call(name)
        rule = self.faults.pick(name, params)
        if rule is not None:
            self.counters.count_fault(rule.fault)
            # Debug level, because a probability rule can fire on every call;
            # the stats count the faults per kind.
            logger.debug("Injecting fault '%s' into wsfunction '%s'", rule.fault, name)
            if rule.fault in CONNECTION_FAULTS:
                return connection_response(rule)
        with self.workers.worker():
            started = time.monotonic()
            response = self._respond(params, name, as_json=as_json, rule=rule)
            modelled = self.latency.seconds(name, len(response.body))
            if rule is not None and rule.fault == "latency":
                modelled += t.cast("float", rule.seconds)
            # The time spent building the response counts towards the modelled
            # time, so a request keeps its worker for the modelled time, or for
            # as long as building took if that was longer.
            remaining = started + modelled - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self.counters.record_response(name, len(response.body), modelled)
        return response

    def _respond(
        self,
        params: dict[str, PhpValue],
        wsfunction: str | None,
        *,
        as_json: bool,
        rule: FaultRule | None,
    ) -> Response:
        """Return the wsfunction's response, or the fault's in its place."""
        if rule is not None and rule.fault in REPLACING_FAULTS:
            return replacing_response(
                rule,
                as_json=as_json,
                debug=self.debug,
                wwwroot=self.wwwroot,
                sitename=self.site.sitename,
            )
        response = self._moodle_response(params, wsfunction, as_json=as_json)
        if rule is not None and rule.fault in ALTERING_FAULTS:
            return altered_response(rule, response)
        return response

    def _moodle_response(
        self, params: dict[str, PhpValue], wsfunction: str | None, *, as_json: bool
    ) -> Response:
        try:
            answer = self._call(params, wsfunction)
        except errors.MoodleError as error:
            logger.debug(
                "wsfunction '%s' failed: errorcode '%s'", wsfunction, error.errorcode
            )
            return _error_response(error, as_json=as_json, debug=self.debug)
        except Exception:
            logger.exception("Sandbox bug in wsfunction '%s'", wsfunction)
            text = (
                f"Internal error of the Moodle sandbox in wsfunction '{wsfunction}'\n"
            )
            return Response(500, "text/plain; charset=utf-8", text.encode())
        if as_json:
            return Response(200, JSON_CONTENT_TYPE, encode_json(answer))
        return Response(200, XML_CONTENT_TYPE, encode_xml(answer))

    def _fields(self, request: Request) -> list[tuple[str, str]]:
        """Return the query fields, then the form body's: later names win, as in PHP."""
        fields = parse_form(request.query)
        if request.method == "POST" and request.content_type == FORM_CONTENT_TYPE:
            fields += parse_form(request.body.decode("utf-8", errors="replace"))
        return fields

    def _call(self, params: dict[str, PhpValue], wsfunction: PhpValue | None) -> object:
        if params.get("wstoken") != self.token:
            raise errors.invalid_token()
        if not isinstance(wsfunction, str) or not wsfunction:
            # NOTE: no recording shows this error on a debug site, so its
            # debuginfo is left out.
            raise errors.invalid_parameter()
        function = self._functions.get(wsfunction)
        if function is None and wsfunction not in known_functions():
            raise errors.function_not_found(wsfunction)
        if wsfunction not in self.service_functions:
            raise errors.access_exception(wsfunction)
        if function is None:
            raise errors.not_implemented(wsfunction)
        arguments = {
            name: value
            for name, value in params.items()
            if name not in _SERVER_FIELDS and not name.startswith(_SETTING_PREFIX)
        }
        context = CallContext(site=self.site, wwwroot=self.wwwroot)
        return function.handler(context, validate(function.parameters, arguments))


def _error_response(
    error: errors.MoodleError, *, as_json: bool, debug: bool
) -> Response:
    if as_json:
        body = encode_json(error.to_body(debug=debug))
        return Response(200, JSON_CONTENT_TYPE, body)
    return Response(200, XML_CONTENT_TYPE, encode_xml_error(error, debug=debug))
