"""The responses of injected faults, shaped like those of a real Moodle server.

Sources of the shapes:

* ``maintenance``: Moodle's CLI maintenance mode (``lib/setup.php``) responds
  to every web request with ``503 Moodle under maintenance``, ``Retry-After: 300``
  and the page that ``enable_cli_maintenance_mode()`` writes: a plain page
  titled "<site name> under maintenance" with the ``sitemaintenance`` string.
* ``redirect``: Moodle's ``redirect()`` sends ``303 See Other`` with a small
  "This page should automatically redirect" page.
* ``http_error`` and ``rate_limit``: the default error page of nginx, the usual
  proxy in front of PHP-FPM.
* ``php_notice``: PHP's HTML error format, used when ``display_errors`` is on.
"""

from __future__ import annotations

import html
import typing as t
from http import HTTPStatus

from moodle_sandbox import errors
from moodle_sandbox.encoding import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    encode_json,
    encode_xml_error,
)
from moodle_sandbox.messages import ConnectionAction, Response

if t.TYPE_CHECKING:
    from moodle_sandbox.faults import FaultRule

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
MAINTENANCE_RETRY_AFTER = "300"
MAINTENANCE_MESSAGE = (
    "The site is undergoing maintenance and is currently not available"
)
LOGIN_PATH = "/login/index.php"
DEFAULT_ERRORCODE = "invalidparameter"
DEFAULT_PHP_LEVEL = "Warning"
DEFAULT_PHP_TEXT = 'Undefined array key "sandbox"'
PHP_ERROR_FILE = "/var/www/moodle/lib/externallib.php"
PHP_ERROR_LINE = 100


def replacing_response(  # noqa: PLR0911 - one return per fault kind
    rule: FaultRule, *, as_json: bool, debug: bool, wwwroot: str, sitename: str
) -> Response:
    """Return the response of a fault that replaces the wsfunction's response.

    Raises:
        ValueError: If the rule's fault does not replace the response.
    """
    fault = rule.fault
    if fault == "http_error":
        return _proxy_error(rule.status or HTTPStatus.INTERNAL_SERVER_ERROR)
    if fault == "rate_limit":
        response = _proxy_error(HTTPStatus.TOO_MANY_REQUESTS)
        if rule.retry_after is None:
            return response
        return _with_headers(response, ("Retry-After", str(rule.retry_after)))
    if fault == "maintenance":
        return _maintenance_page(sitename)
    if fault in {"moodle_error", "xml_error"}:
        error = errors.error_for_code(
            rule.errorcode or DEFAULT_ERRORCODE,
            rule.exception,
            rule.message,
            rule.debuginfo,
        )
        if fault == "moodle_error" and as_json:
            body = encode_json(error.to_body(debug=debug))
            return Response(200, JSON_CONTENT_TYPE, body)
        return Response(200, XML_CONTENT_TYPE, encode_xml_error(error, debug=debug))
    if fault == "empty_body":
        return Response(200, JSON_CONTENT_TYPE if as_json else XML_CONTENT_TYPE, b"")
    if fault == "redirect":
        return _login_redirect(wwwroot)
    msg = f"Fault '{fault}' does not replace the response"
    raise ValueError(msg)


def altered_response(rule: FaultRule, response: Response) -> Response:
    """Return the wsfunction's response changed by ``php_notice`` or ``truncated_json``.

    Raises:
        ValueError: If the rule's fault does not alter a response.
    """
    if rule.fault == "php_notice":
        return _replace_body(response, _php_error(rule) + response.body)
    if rule.fault == "truncated_json":
        full = len(response.body)
        keep = full // 2 if rule.keep_bytes is None else min(rule.keep_bytes, full)
        cut = _replace_body(response, response.body[:keep])
        if rule.declared_length != "full":
            return cut
        action = ConnectionAction("close", content_length=full)
        return Response(cut.status, cut.content_type, cut.body, cut.headers, action)
    msg = f"Fault '{rule.fault}' does not alter a response"
    raise ValueError(msg)


def connection_response(rule: FaultRule) -> Response:
    """Return the placeholder response of a ``hang`` or ``reset`` fault.

    The HTTP layer sends nothing of it; only its ``connection`` action counts.
    """
    action = ConnectionAction(rule.fault, seconds=rule.seconds)
    return Response(0, "", b"", connection=action)


def _proxy_error(status: int) -> Response:
    phrase = f"{int(status)} {HTTPStatus(status).phrase}"
    page = (
        f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return Response(int(status), HTML_CONTENT_TYPE, page.encode())


def _maintenance_page(sitename: str) -> Response:
    title = f"{html.escape(sitename)} under maintenance"
    content = f"<div class='alert-danger'>{MAINTENANCE_MESSAGE}</div>"
    return Response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        HTML_CONTENT_TYPE,
        _plain_page(title, content).encode(),
        headers=(
            ("Retry-After", MAINTENANCE_RETRY_AFTER),
            ("Cache-Control", "no-store, no-cache, must-revalidate"),
        ),
    )


def _login_redirect(wwwroot: str) -> Response:
    url = f"{wwwroot}{LOGIN_PATH}"
    content = (
        '<div style="margin-top: 3em; margin-left:auto; margin-right:auto; '
        'text-align:center;">This page should automatically redirect. If nothing '
        "is happening please use the continue link below.<br />"
        f'<a href="{html.escape(url)}">Continue</a></div>'
    )
    return Response(
        HTTPStatus.SEE_OTHER,
        HTML_CONTENT_TYPE,
        _plain_page("Redirect", content).encode(),
        headers=(("Location", url),),
    )


def _plain_page(title: str, content: str) -> str:
    """Return a page with the structure of Moodle's ``error/plainpage.php``."""
    return (
        '<!DOCTYPE html>\n<html  dir="ltr" lang="en" xml:lang="en">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        f"<title>{title}</title>\n</head>\n<body>\n"
        f'<div id="page"><div id="region-main">\n<h1>{title}</h1>\n{content}\n'
        "</div></div>\n</body>\n</html>\n"
    )


def _php_error(rule: FaultRule) -> bytes:
    level = rule.level or DEFAULT_PHP_LEVEL
    text = html.escape(rule.text or DEFAULT_PHP_TEXT, quote=False)
    return (
        f"<br />\n<b>{level}</b>:  {text} in <b>{PHP_ERROR_FILE}</b> on line "
        f"<b>{PHP_ERROR_LINE}</b><br />\n"
    ).encode()


def _replace_body(response: Response, body: bytes) -> Response:
    return Response(
        response.status,
        response.content_type,
        body,
        response.headers,
        response.connection,
    )


def _with_headers(response: Response, *headers: tuple[str, str]) -> Response:
    return Response(
        response.status,
        response.content_type,
        response.body,
        (*response.headers, *headers),
        response.connection,
    )
