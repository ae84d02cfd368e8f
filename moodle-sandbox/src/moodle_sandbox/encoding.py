r"""Serialisation of answers the way Moodle's REST server writes them.

JSON follows PHP's ``json_encode`` defaults: compact, ``/`` escaped as ``\/`` and
every non-ASCII character as ``\uXXXX``. XML follows ``webservice_rest_server``
of Moodle 4.5: ``<RESPONSE>`` with ``<SINGLE>``, ``<MULTIPLE>``, ``<KEY>`` and
``<VALUE>`` elements, booleans as 1/0, and ``<EXCEPTION>`` for errors.
"""

from __future__ import annotations

import json
import typing as t

if t.TYPE_CHECKING:
    from moodle_sandbox.errors import MoodleError

JSON_CONTENT_TYPE = "application/json"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n'


def encode_json(value: object) -> bytes:
    """Encode an answer as PHP's ``json_encode`` would."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    # A "/" can only occur inside JSON strings, so escaping every one is safe.
    return text.replace("/", "\\/").encode("ascii")


def encode_xml(value: object) -> bytes:
    """Encode an answer in the XML format of Moodle's REST server.

    NOTE: Moodle walks the function's return description, so it also writes
    ``<VALUE null="null"/>`` for optional keys that the JSON answer leaves out.
    The sandbox has no return descriptions and writes only the keys present.
    """
    parts = [XML_DECLARATION, "<RESPONSE>\n"]
    _append_xml(value, parts)
    parts.append("</RESPONSE>\n")
    return "".join(parts).encode("utf-8")


def encode_xml_error(error: MoodleError, *, debug: bool = False) -> bytes:
    """Encode an error as Moodle's ``<EXCEPTION class=...>`` document.

    A debug site adds ``<DEBUGINFO>`` after the message when the exception has
    a ``debuginfo``, as ``webservice_rest_server::generate_error`` does.
    """
    message = error.message_for(debug=debug)
    parts = [
        XML_DECLARATION,
        f'<EXCEPTION class="{error.exception}">\n',
        f"<ERRORCODE>{_escape_compat(error.errorcode)}</ERRORCODE>\n",
        f"<MESSAGE>{_escape_compat(message)}</MESSAGE>\n",
    ]
    debuginfo = error.debuginfo_for(debug=debug)
    if debug and debuginfo is not None:
        parts.append(f"<DEBUGINFO>{_escape_compat(debuginfo)}</DEBUGINFO>\n")
    parts.append("</EXCEPTION>\n")
    return "".join(parts).encode("utf-8")


def _append_xml(value: object, parts: list[str]) -> None:
    if isinstance(value, dict):
        parts.append("<SINGLE>\n")
        for key, item in value.items():
            parts.append(f'<KEY name="{key}">')
            _append_xml(item, parts)
            parts.append("</KEY>\n")
        parts.append("</SINGLE>\n")
    elif isinstance(value, list):
        parts.append("<MULTIPLE>\n")
        for item in value:
            _append_xml(item, parts)
        parts.append("</MULTIPLE>\n")
    elif value is None:
        parts.append('<VALUE null="null"/>\n')
    else:
        parts.append(f"<VALUE>{_escape_quotes(_php_string(value))}</VALUE>\n")


def _php_string(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _escape_quotes(text: str) -> str:
    """Escape like Moodle's ``s()``: ``htmlspecialchars`` with ``ENT_QUOTES``."""
    return _escape_compat(text).replace("'", "&#039;")


def _escape_compat(text: str) -> str:
    """Escape like ``htmlspecialchars`` with ``ENT_COMPAT``: quotes stay single."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
