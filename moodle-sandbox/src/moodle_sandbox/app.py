"""The REST endpoint without the HTTP transport: one request in, one response out.

:class:`SandboxApp` checks the token, the function and its arguments in the
order of Moodle 4.5's REST server, calls the wsfunction and encodes the answer.
Later work can wrap :meth:`SandboxApp.handle` to add latency, a concurrency cap
or injected faults without touching the HTTP layer or the wsfunctions.
"""

from __future__ import annotations

import logging
import threading
import typing as t
from collections import Counter
from dataclasses import dataclass

from moodle_sandbox import errors
from moodle_sandbox.encoding import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    encode_json,
    encode_xml,
    encode_xml_error,
)
from moodle_sandbox.functions import (
    DEFAULT_SERVICE_FUNCTIONS,
    CallContext,
    function_table,
    known_functions,
)
from moodle_sandbox.phpparams import decode_fields, parse_form
from moodle_sandbox.validation import validate

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from moodle_sandbox.phpparams import PhpValue
    from moodle_sandbox.site.site import Site

REST_PATH = "/webservice/rest/server.php"
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a fixed, public test token
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# Request fields that the REST server consumes itself and never passes on.
_SERVER_FIELDS = frozenset({"wstoken", "wsfunction", "moodlewsrestformat"})
_SETTING_PREFIX = "moodlewssetting"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """An HTTP request to the sandbox, reduced to what the endpoint reads."""

    method: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str = FORM_CONTENT_TYPE


@dataclass(frozen=True)
class Response:
    """The HTTP response to send: status, content type and body."""

    status: int
    content_type: str
    body: bytes


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
    """

    def __init__(
        self,
        site: Site,
        token: str = DEFAULT_TOKEN,
        wwwroot: str = "http://127.0.0.1",
        service_functions: Iterable[str] | None = None,
        *,
        debug: bool = False,
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
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()

    @property
    def calls(self) -> dict[str, int]:
        """Return how many requests named each wsfunction, failed ones included."""
        with self._calls_lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        """Set every call count back to zero."""
        with self._calls_lock:
            self._calls.clear()

    def handle(self, request: Request) -> Response:
        """Answer one request to the sandbox.

        Moodle answers every web service failure with HTTP 200 and an error
        body; only a wrong path (404) or a bug in the sandbox (500) gives
        another status.
        """
        if request.path != REST_PATH:
            text = f"Not found: {request.path}. The endpoint is {REST_PATH}.\n"
            return Response(404, "text/plain; charset=utf-8", text.encode())
        params = decode_fields(self._fields(request))
        as_json = params.get("moodlewsrestformat") == "json"
        wsfunction = params.get("wsfunction")
        if isinstance(wsfunction, str) and wsfunction:
            with self._calls_lock:
                self._calls[wsfunction] += 1
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
