"""Client for Moodle's REST web service (``/webservice/rest/server.php``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import time
import typing as t
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter

from tap_moodle.errors import (
    MoodleResponseError,
    MoodleTransientError,
    MoodleWebServiceError,
    body_excerpt,
    mask_secret,
)
from tap_moodle.ratelimit import RateLimit
from tap_moodle.wsparams import encode_params

if t.TYPE_CHECKING:
    from collections.abc import Mapping

REST_PATH = "/webservice/rest/server.php"
BACKOFF_MAX_SECONDS = 60.0
HTTP_OK = 200
HTTP_FORBIDDEN = 403
HTTP_TOO_MANY_REQUESTS = 429
HTTP_SERVER_ERROR = 500

# Form fields of the REST protocol. PHP keeps the last field of a name, so an
# argument with one of these names would replace the client's own value.
RESERVED_FIELDS = frozenset({"wstoken", "wsfunction", "moodlewsrestformat"})

logger = logging.getLogger(__name__)


class MoodleClient:
    """Call wsfunctions of one Moodle site and return their decoded JSON answers.

    Every call is a form-encoded POST: the token travels only in the request body,
    never in a URL. Transient failures (timeouts, refused or reset connections,
    HTTP 5xx and 429) are retried with exponential backoff and jitter.
    """

    def __init__(  # noqa: PLR0913
        self,
        base_url: str,
        token: str,
        *,
        site: str,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        verify_tls: bool = True,
        user_agent: str = "tap-moodle",
        max_concurrency: int = 1,
        requests_per_second: float | None = None,
    ) -> None:
        """Prepare a pooled keep-alive session for one site.

        Args:
            base_url: The site's address, such as ``https://moodle.example.edu``.
            token: The web service token. It is sent only in POST bodies.
            site: The site's name in log lines and error messages.
            timeout: Seconds to wait for the server to connect or to send data.
            max_retries: Retries of a transient failure before giving up.
            backoff_base: Seconds of the first retry's wait; each retry doubles it.
            verify_tls: Whether to verify the server's TLS certificate.
            user_agent: The ``User-Agent`` header of every request.
            max_concurrency: Threads that call at once; sizes the connection pool.
            requests_per_second: Upper limit of requests started per second.
        """
        self.endpoint = base_url.rstrip("/") + REST_PATH
        self.site = site
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self._token = token
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent
        self._session.verify = verify_tls
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max_concurrency)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._rate_limit = RateLimit(requests_per_second)
        self.clock_offset: float | None = None

    def call(
        self,
        wsfunction: str,
        params: Mapping[str, t.Any] | None = None,
    ) -> t.Any:  # noqa: ANN401
        """Call ``wsfunction`` with ``params`` and return the decoded answer.

        Raises:
            MoodleWebServiceError: Moodle answered with an exception object.
            MoodleResponseError: The answer was not a JSON document.
            MoodleTransientError: A transient failure outlasted every retry.
        """
        reserved = RESERVED_FIELDS.intersection(params or {})
        if reserved:
            msg = (
                f"Invalid argument {sorted(reserved)} for wsfunction '{wsfunction}': "
                "the client sets these fields itself."
            )
            raise ValueError(msg)
        fields = [
            ("wstoken", self._token),
            ("wsfunction", wsfunction),
            ("moodlewsrestformat", "json"),
            *encode_params(params or {}),
        ]
        attempt = 0
        while True:
            try:
                return self._call_once(wsfunction, fields)
            except MoodleTransientError as error:
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                self._wait_before_retry(error, attempt)

    def server_time(self) -> float:
        """Return the server's Unix time now, or this machine's before any response.

        The server's clock is read from the HTTP ``Date`` header of its first
        response, so times compared with Moodle's own do not depend on this
        machine's clock.
        """
        return time.time() + (self.clock_offset or 0.0)

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def _wait_before_retry(self, error: MoodleTransientError, attempt: int) -> None:
        delay = self.backoff_base * 2 ** (attempt - 1)
        delay = min(delay, BACKOFF_MAX_SECONDS) * random.uniform(0.5, 1.0)  # noqa: S311
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        logger.warning(
            "Retry %d of %d in %.1f s: %s", attempt, self.max_retries, delay, error
        )
        time.sleep(delay)

    def _call_once(self, wsfunction: str, fields: list[tuple[str, str]]) -> t.Any:  # noqa: ANN401
        self._rate_limit.wait()
        started = time.monotonic()
        try:
            response = self._session.post(
                self.endpoint, data=fields, timeout=self.timeout, allow_redirects=False
            )
        except (requests.Timeout, requests.ConnectionError) as error:
            detail = mask_secret(f"{type(error).__name__}: {error}", self._token)
            raise MoodleTransientError(self.site, wsfunction, detail) from None
        logger.debug(
            "wsfunction '%s' answered HTTP %d, %d bytes in %.3f s",
            wsfunction,
            response.status_code,
            len(response.content),
            time.monotonic() - started,
        )
        if self.clock_offset is None:
            self.clock_offset = _clock_offset(response)
        return self._decode(wsfunction, response)

    def _decode(self, wsfunction: str, response: requests.Response) -> t.Any:  # noqa: ANN401
        self._check_status(wsfunction, response)
        text = response.text
        if not text.strip():
            raise self._response_error(wsfunction, response, "empty body")
        try:
            payload = json.loads(text)
        except ValueError:
            reason = _describe_non_json(text)
            if reason == HTML_PAGE:
                # A maintenance or proxy error page: retried, because such
                # pages usually go away.
                excerpt = body_excerpt(text, self._token)
                detail = f"{reason} (HTTP {response.status_code}): {excerpt!r}"
                raise MoodleTransientError(self.site, wsfunction, detail) from None
            raise self._response_error(wsfunction, response, reason) from None
        if isinstance(payload, dict) and "exception" in payload:
            raise MoodleWebServiceError(
                self.site,
                wsfunction,
                errorcode=str(payload.get("errorcode", "")),
                exception=str(payload["exception"]),
                message=mask_secret(str(payload.get("message", "")), self._token),
                debuginfo=payload.get("debuginfo"),
            )
        return payload

    def _check_status(self, wsfunction: str, response: requests.Response) -> None:
        status = response.status_code
        if status == HTTP_TOO_MANY_REQUESTS or status >= HTTP_SERVER_ERROR:
            raise MoodleTransientError(
                self.site,
                wsfunction,
                f"HTTP {status} {response.reason}",
                retry_after=_retry_after_seconds(response),
            )
        if response.is_redirect:
            location = response.headers.get("Location", "")
            reason = (
                f"redirect to {location!r}: the base URL is wrong or the site "
                "sends web service requests to its login page"
            )
            raise self._response_error(wsfunction, response, reason)
        if status == HTTP_FORBIDDEN:
            reason = (
                "access forbidden: web services or the REST protocol may be "
                "disabled on the site (Site administration > Server > Web services)"
            )
            raise self._response_error(wsfunction, response, reason)
        if status != HTTP_OK:
            reason = f"unexpected HTTP status {status} {response.reason}"
            raise self._response_error(wsfunction, response, reason)

    def _response_error(
        self, wsfunction: str, response: requests.Response, reason: str
    ) -> MoodleResponseError:
        return MoodleResponseError(
            self.site,
            wsfunction,
            reason=reason,
            status_code=response.status_code,
            excerpt=body_excerpt(response.text, self._token),
        )


HTML_PAGE = "an HTML page instead of JSON (maintenance page, or not a Moodle site)"
PHP_MESSAGE = re.compile(
    r"^\s*(<br\s*/?>\s*)?(<b>)?(Notice|Warning|Deprecated|Fatal error|Parse error)",
    re.IGNORECASE,
)


def _describe_non_json(text: str) -> str:
    start = text.lstrip()[:100].lower()
    if start.startswith(("<?xml", "<exception", "<response")):
        return "an XML document instead of JSON"
    if PHP_MESSAGE.match(text):
        return (
            "a PHP notice or warning before the answer: turn off 'Display debug "
            "messages' on the site"
        )
    if start.startswith(("<!doctype html", "<html")) or "<html" in start:
        return HTML_PAGE
    if text.lstrip().startswith(("{", "[")):
        return "truncated or invalid JSON"
    return "invalid JSON"


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _clock_offset(response: requests.Response) -> float | None:
    """Seconds the server's clock is ahead of this machine's, from ``Date``."""
    try:
        server_date = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    if server_date.tzinfo is None:
        server_date = server_date.replace(tzinfo=dt.UTC)
    return server_date.timestamp() - time.time()
