"""Client behaviour on answers a Moodle site sends but the sandbox does not."""

from __future__ import annotations

import email.utils
import json
import time
import types

import pytest

from tap_moodle import client as client_module
from tap_moodle.client import MoodleClient
from tap_moodle.errors import (
    MoodleResponseError,
    MoodleTransientError,
    MoodleWebServiceError,
)

from .canned_server import Canned, CannedServer

TOKEN = "0123456789abcdef0123456789abcdef"
FUNCTION = "core_course_get_courses_by_field"


def make_client(url: str, **options) -> MoodleClient:
    settings = {"timeout": 5.0, "max_retries": 2, "backoff_base": 0.01, **options}
    return MoodleClient(url, TOKEN, site="test-site", **settings)


def call(server: CannedServer, **options):
    return make_client(server.url, **options).call(FUNCTION, {"courseid": 3})


def test_token_only_in_post_body():
    with CannedServer(Canned('{"courses": [], "warnings": []}')) as server:
        call(server)
    request = server.received[0]
    assert request.method == "POST"
    assert request.path == "/webservice/rest/server.php"
    assert TOKEN not in request.path
    assert f"wstoken={TOKEN}" in request.body
    assert "moodlewsrestformat=json" in request.body


def test_exception_object_becomes_typed_error():
    body = {
        "exception": "moodle_exception",
        "errorcode": "invalidtoken",
        "message": f"Invalid token {TOKEN}",
    }
    with CannedServer(Canned(json.dumps(body))) as server:
        with pytest.raises(MoodleWebServiceError) as caught:
            call(server)
    error = caught.value
    assert error.errorcode == "invalidtoken"
    assert "test-site" in str(error)
    assert FUNCTION in str(error)
    assert TOKEN not in str(error)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('<?xml version="1.0"?><EXCEPTION class="x"></EXCEPTION>', "XML document"),
        ("", "empty body"),
        ('<br /><b>Notice</b>: undefined {"courses": []}', "PHP notice"),
        ('Warning: Undefined array key "x"\n{"courses": []}', "PHP notice"),
        ('{"courses": [', "truncated or invalid JSON"),
        ("Service unavailable", "invalid JSON"),
    ],
)
def test_non_json_answer_names_reason(body, reason):
    with CannedServer(Canned(body)) as server:
        with pytest.raises(MoodleResponseError) as caught:
            call(server)
    assert reason in str(caught.value)
    assert FUNCTION in str(caught.value)


def test_body_excerpt_masks_token():
    body = f"<?xml version='1.0'?><RESPONSE>token {TOKEN} rejected</RESPONSE>"
    with CannedServer(Canned(body)) as server:
        with pytest.raises(MoodleResponseError) as caught:
            call(server)
    assert TOKEN not in str(caught.value)
    assert "***" in str(caught.value)


def test_html_page_is_retried_then_fails():
    body = f"<!DOCTYPE html><html><body>Maintenance {TOKEN}</body></html>"
    with CannedServer(Canned(body)) as server:
        with pytest.raises(MoodleTransientError) as caught:
            call(server)
    message = str(caught.value)
    assert "HTML page" in message
    assert "Maintenance" in message
    assert TOKEN not in message
    assert len(server.received) == 3


def test_redirect_to_login_page_is_not_followed():
    redirect = Canned("", 303, {"Location": "https://moodle.test/login/index.php"})
    with CannedServer(redirect) as server:
        with pytest.raises(MoodleResponseError, match="login/index.php"):
            call(server)
    assert len(server.received) == 1


def test_forbidden_hints_at_disabled_web_services():
    with CannedServer(Canned("", 403)) as server:
        with pytest.raises(MoodleResponseError, match="REST protocol"):
            call(server)


def test_server_error_is_retried_then_succeeds():
    responses = [Canned("", 503), Canned("", 502), Canned('{"courses": []}')]
    with CannedServer(*responses) as server:
        assert call(server) == {"courses": []}
    assert len(server.received) == 3


def test_too_many_requests_honours_retry_after():
    responses = [Canned("", 429, {"Retry-After": "0"}), Canned("[]")]
    with CannedServer(*responses) as server:
        assert call(server) == []
    assert len(server.received) == 2


def test_retry_waits_for_retry_after(monkeypatch):
    waits: list[float] = []
    # Replace only the client's clock, because the replaying server sleeps too.
    clock = types.SimpleNamespace(
        sleep=waits.append, monotonic=time.monotonic, time=time.time
    )
    monkeypatch.setattr(client_module, "time", clock)
    responses = [Canned("", 429, {"Retry-After": "30"}), Canned("[]")]
    with CannedServer(*responses) as server:
        assert call(server) == []
    assert waits == [30.0]


def test_transient_error_after_last_retry():
    with CannedServer(Canned("", 500)) as server:
        with pytest.raises(MoodleTransientError, match="HTTP 500"):
            call(server, max_retries=2)
    assert len(server.received) == 3


def test_timeout_is_transient():
    with CannedServer(Canned("[]", delay=0.5)) as server:
        with pytest.raises(MoodleTransientError, match="Timeout"):
            call(server, timeout=0.1, max_retries=0)


def test_refused_connection_is_transient():
    with CannedServer(Canned("[]")) as server:
        url = server.url
    with pytest.raises(MoodleTransientError, match="ConnectionError"):
        make_client(url, max_retries=0).call(FUNCTION)


# The server's clock, for change detection.


def test_server_time_follows_date_header():
    ahead = time.time() + 3_600
    date = email.utils.formatdate(ahead, usegmt=True)
    with CannedServer(Canned("[]", 200, {"Date": date})) as server:
        client = make_client(server.url)
        client.call(FUNCTION)
    assert client.clock_offset == pytest.approx(3_600, abs=2)
    assert client.server_time() == pytest.approx(ahead, abs=2)


@pytest.fixture
def local_zone_not_utc(monkeypatch):
    """Run this machine's local time in UTC-3, so a date read as local time is off."""
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_zone_not_utc")
def test_date_without_zone_is_read_as_utc():
    ahead = time.time() + 3_600
    date = email.utils.formatdate(ahead, usegmt=True).removesuffix(" GMT")
    with CannedServer(Canned("[]", 200, {"Date": date})) as server:
        client = make_client(server.url)
        client.call(FUNCTION)
    assert client.clock_offset == pytest.approx(3_600, abs=2)


@pytest.mark.parametrize("date", ["", "yesterday"])
def test_unreadable_date_falls_back_to_local_clock(date):
    with CannedServer(Canned("[]", 200, {"Date": date})) as server:
        client = make_client(server.url)
        client.call(FUNCTION)
    assert client.clock_offset is None
    assert client.server_time() == pytest.approx(time.time(), abs=2)
