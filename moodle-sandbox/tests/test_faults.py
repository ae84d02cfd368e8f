"""Fault injection: rule format, triggers, matching, and each fault's response."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import typing as t

import pytest
from sandbox_http import control, rest_call

from moodle_sandbox import (
    FaultInjector,
    FaultRule,
    FaultRuleError,
    SandboxServer,
    parse_rules,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_sandbox import Site

SITE_INFO = "core_webservice_get_site_info"
GRADE_REPORT = "gradereport_user_get_grade_items"
COMPLETION = "core_completion_get_course_completion_status"
HTML = "text/html; charset=utf-8"


@pytest.fixture
def sandbox(site: Site) -> Iterator[SandboxServer]:
    """Return a sandbox of its own, so that its rules and counters start empty."""
    with SandboxServer(site) as running:
        yield running


def add_rule(sandbox: SandboxServer, **fields: t.Any) -> None:
    sandbox.faults.add([FaultRule(**fields)])


# Rule format.


def test_parse_rules_accepts_three_shapes() -> None:
    rule = {"fault": "reset"}

    assert parse_rules({"rules": [rule]}) == [FaultRule(fault="reset")]
    assert parse_rules([rule, rule]) == [FaultRule(fault="reset")] * 2
    assert parse_rules(rule) == [FaultRule(fault="reset")]


def test_rule_round_trips_through_json() -> None:
    data = {
        "fault": "http_error",
        "wsfunction": GRADE_REPORT,
        "courseid": 5,
        "status": 503,
        "first": 2,
    }
    rule = FaultRule.from_dict(data)

    assert FaultRule.from_dict(rule.to_dict()) == rule
    assert rule.to_dict() == data


def test_rule_without_trigger_fires_every_call() -> None:
    rule = FaultRule.from_dict({"fault": "reset", "every": True})

    assert rule.to_dict()["every"] is True
    assert rule.first is None
    assert rule.probability is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fault": "explode"}, "Unknown fault 'explode'"),
        ({"wsfunction": SITE_INFO}, "needs 'fault'"),
        ({"fault": "reset", "colour": "red"}, "Unknown fault rule fields"),
        ({"fault": "reset", "status": 500}, "does not take 'status'"),
        ({"fault": "http_error", "status": 404}, "'status' must be one of"),
        ({"fault": "reset", "first": 0}, "'first' must be at least 1"),
        ({"fault": "reset", "probability": 1.5}, "between 0 and 1"),
        ({"fault": "reset", "first": 1, "probability": 0.5}, "not both"),
        ({"fault": "reset", "every": True, "first": 1}, "one of 'every'"),
        ({"fault": "reset", "every": False}, "'every' can only be true"),
        ({"fault": "reset", "courseid": "5"}, "'courseid' must be int"),
        ({"fault": "reset", "courseid": True}, "'courseid' must be int"),
        ({"fault": "latency"}, "needs 'seconds' above 0"),
        ({"fault": "php_notice", "level": "Fatal"}, "'level' must be one of"),
        ({"fault": "moodle_error", "errorcode": "madeup"}, "has no known message"),
        ({"fault": "truncated_json", "declared_length": "half"}, "declared_length"),
    ],
)
def test_invalid_rule_rejected(data: dict[str, t.Any], message: str) -> None:
    with pytest.raises(FaultRuleError, match=message):
        FaultRule.from_dict(data)


def test_parse_rules_names_bad_rule_position() -> None:
    with pytest.raises(FaultRuleError, match="Fault rule 1: Unknown fault"):
        parse_rules([{"fault": "reset"}, {"fault": "nope"}])


# Triggers and matching, without HTTP.


def test_first_fires_on_first_n_matches() -> None:
    injector = FaultInjector([FaultRule(fault="reset", first=2)])

    fired = [injector.pick(SITE_INFO, {}) is not None for _ in range(4)]

    assert fired == [True, True, False, False]


def test_after_lets_calls_through_first() -> None:
    injector = FaultInjector([FaultRule(fault="reset", first=1, after=2)])

    fired = [injector.pick(SITE_INFO, {}) is not None for _ in range(4)]

    assert fired == [False, False, True, False]


def test_probability_is_seeded() -> None:
    def decisions(seed: int) -> list[bool]:
        rule = FaultRule(fault="reset", probability=0.5, seed=seed)
        injector = FaultInjector([rule])
        return [injector.pick(SITE_INFO, {}) is not None for _ in range(40)]

    assert decisions(7) == decisions(7)
    assert decisions(7) != decisions(8)
    assert 5 < sum(decisions(7)) < 35


def test_probability_bounds() -> None:
    never = FaultInjector([FaultRule(fault="reset", probability=0.0)])
    always = FaultInjector([FaultRule(fault="reset", probability=1.0)])

    assert all(never.pick(SITE_INFO, {}) is None for _ in range(20))
    assert all(always.pick(SITE_INFO, {}) is not None for _ in range(20))


def test_rule_matches_function_and_arguments() -> None:
    rule = FaultRule(fault="reset", wsfunction=COMPLETION, courseid=5, userid=7)

    assert rule.matches(COMPLETION, {"courseid": "5", "userid": "7"})
    assert rule.matches(COMPLETION, {"courseid": " 5", "userid": "07"})
    assert not rule.matches(COMPLETION, {"courseid": "5", "userid": "8"})
    assert not rule.matches(COMPLETION, {"courseid": "5"})
    assert not rule.matches(GRADE_REPORT, {"courseid": "5", "userid": "7"})


def test_any_function_matches_missing_wsfunction() -> None:
    rule = FaultRule(fault="reset")

    assert rule.matches(None, {})
    assert rule.matches(SITE_INFO, {})


def test_first_firing_rule_wins() -> None:
    exhausted = FaultRule(fault="reset", first=1)
    fallback = FaultRule(fault="empty_body")
    injector = FaultInjector([exhausted, fallback])

    picked = [injector.pick(SITE_INFO, {}) for _ in range(3)]

    assert picked == [exhausted, fallback, fallback]
    assert [rule["fired"] for rule in injector.describe()] == [1, 2]


def test_clear_removes_rules() -> None:
    injector = FaultInjector([FaultRule(fault="reset")])

    removed = injector.clear()

    assert removed == 1
    assert injector.pick(SITE_INFO, {}) is None


# Responses of each fault over HTTP.


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_error_has_html_body(sandbox: SandboxServer, status: int) -> None:
    add_rule(sandbox, fault="http_error", status=status)

    answer = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == status
    assert answer.headers["content-type"] == HTML
    assert f"<title>{status} ".encode() in answer.body


def test_http_error_defaults_to_500(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="http_error")

    assert rest_call(sandbox.port, SITE_INFO).status == 500


def test_rate_limit_with_retry_after(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="rate_limit", retry_after=7)

    answer = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == 429
    assert answer.headers["retry-after"] == "7"
    assert b"429 Too Many Requests" in answer.body


def test_rate_limit_without_retry_after(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="rate_limit")

    answer = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == 429
    assert "retry-after" not in answer.headers


def test_maintenance_is_moodle_page(sandbox: SandboxServer, site: Site) -> None:
    add_rule(sandbox, fault="maintenance")

    answer = rest_call(sandbox.port, SITE_INFO)
    page = answer.body.decode()

    assert answer.status == 503
    assert answer.headers["retry-after"] == "300"
    assert answer.headers["content-type"] == HTML
    assert f"<title>{site.sitename} under maintenance</title>" in page
    assert "The site is undergoing maintenance and is currently not available" in page


@pytest.mark.parametrize(
    ("errorcode", "exception"),
    [
        ("nopermissions", "core\\exception\\required_capability_exception"),
        ("invalidtoken", "core\\exception\\moodle_exception"),
        ("servicerequireslogin", "core\\exception\\moodle_exception"),
        ("codingerror", "core\\exception\\coding_exception"),
    ],
)
def test_moodle_error_known_codes(
    sandbox: SandboxServer, errorcode: str, exception: str
) -> None:
    add_rule(sandbox, fault="moodle_error", errorcode=errorcode)

    answer = rest_call(sandbox.port, SITE_INFO)
    body = answer.json()

    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert body["errorcode"] == errorcode
    assert body["exception"] == exception
    assert body["message"]


def test_moodle_error_custom_fields(sandbox: SandboxServer) -> None:
    add_rule(
        sandbox,
        fault="moodle_error",
        errorcode="mycode",
        exception="my_exception",
        message="Custom message",
    )

    body = rest_call(sandbox.port, SITE_INFO).json()

    assert body == {
        "exception": "my_exception",
        "errorcode": "mycode",
        "message": "Custom message",
    }


def test_moodle_error_follows_request_format(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="moodle_error", errorcode="nopermissions")

    answer = rest_call(sandbox.port, SITE_INFO, rest_format="")

    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert b"<ERRORCODE>nopermissions</ERRORCODE>" in answer.body


def test_xml_error_even_for_json_request(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="xml_error", errorcode="invalidtoken")

    answer = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == 200
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert answer.body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>')
    assert b'<EXCEPTION class="core\\exception\\moodle_exception">' in answer.body
    assert b"<ERRORCODE>invalidtoken</ERRORCODE>" in answer.body


def test_php_notice_precedes_json(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="php_notice", level="Notice", text="Undefined index: x")

    answer = rest_call(sandbox.port, SITE_INFO)
    notice, _, rest = answer.body.partition(b"<br />\n{")

    assert answer.status == 200
    assert notice.startswith(b"<br />\n<b>Notice</b>:  Undefined index: x in <b>")
    assert json.loads(b"{" + rest)["sitename"]


def test_truncated_json_with_matching_length(
    sandbox: SandboxServer, site: Site
) -> None:
    params = {"courseid": site.landmarks.flagship_course}
    full = rest_call(sandbox.port, GRADE_REPORT, params)
    add_rule(sandbox, fault="truncated_json")

    cut = rest_call(sandbox.port, GRADE_REPORT, params)

    assert cut.status == 200
    assert cut.body == full.body[: len(full.body) // 2]
    assert cut.headers["content-length"] == str(len(cut.body))
    with pytest.raises(json.JSONDecodeError):
        cut.json()


def test_truncated_json_keep_bytes(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="truncated_json", keep_bytes=10)

    assert len(rest_call(sandbox.port, SITE_INFO).body) == 10


def test_truncated_json_declaring_full_length(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="truncated_json", declared_length="full", keep_bytes=20)

    with pytest.raises(http.client.IncompleteRead) as caught:
        rest_call(sandbox.port, SITE_INFO)

    assert len(caught.value.partial) == 20
    assert caught.value.expected is not None
    assert caught.value.expected > 0


def test_empty_body(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="empty_body")

    answer = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == 200
    assert answer.body == b""
    assert answer.headers["content-type"] == "application/json"


def test_redirect_to_login(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="redirect")

    answer = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == 303
    assert answer.headers["location"] == f"{sandbox.url}/login/index.php"
    assert b"This page should automatically redirect" in answer.body


def test_latency_spike_adds_seconds(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="latency", seconds=0.2)

    started = time.monotonic()
    answer = rest_call(sandbox.port, SITE_INFO)
    elapsed = time.monotonic() - started
    stats = sandbox.stats()

    assert answer.status == 200
    assert answer.json()["sitename"]
    assert elapsed >= 0.18
    assert stats.modelled_seconds[SITE_INFO] == pytest.approx(0.2)


def test_reset_closes_without_answer(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="reset", first=1)

    with pytest.raises(ConnectionResetError):
        rest_call(sandbox.port, SITE_INFO)
    after = rest_call(sandbox.port, SITE_INFO)

    assert after.status == 200
    assert sandbox.stats().faults == {"reset": 1}


def test_hang_until_client_gives_up(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="hang", wsfunction=GRADE_REPORT)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        rest_call(sandbox.port, GRADE_REPORT, {"courseid": 2}, timeout=0.5)
    waited = time.monotonic() - started
    other = rest_call(sandbox.port, SITE_INFO)

    assert waited >= 0.45
    assert other.status == 200
    assert sandbox.stats().faults == {"hang": 1}


def test_hang_with_seconds_closes_connection(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="hang", seconds=0.3)

    started = time.monotonic()
    with pytest.raises(http.client.RemoteDisconnected):
        rest_call(sandbox.port, SITE_INFO, timeout=5)

    assert time.monotonic() - started >= 0.25


def test_hang_blocks_neither_others_nor_stop(site: Site) -> None:
    sandbox = SandboxServer(site, max_concurrent=1)
    sandbox.start()
    add_rule(sandbox, fault="hang", wsfunction=GRADE_REPORT)
    hung = socket.create_connection(("127.0.0.1", sandbox.port), timeout=5)
    body = f"wstoken=sandbox-token&wsfunction={GRADE_REPORT}&courseid=2"
    hung.sendall(
        (
            "POST /webservice/rest/server.php HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
    )
    try:
        deadline = time.monotonic() + 5
        while not sandbox.stats().faults and time.monotonic() < deadline:
            time.sleep(0.01)
        others = [rest_call(sandbox.port, SITE_INFO).status for _ in range(3)]
        stopper = threading.Thread(target=sandbox.stop)
        started = time.monotonic()
        stopper.start()
        stopper.join(timeout=5)
        stop_seconds = time.monotonic() - started
        received = hung.recv(100)
    finally:
        hung.close()
        sandbox.stop()

    assert others == [200, 200, 200]
    assert not stopper.is_alive()
    assert stop_seconds < 3
    assert received == b""


# Rules over HTTP.


def test_http_rules_add_list_and_clear(sandbox: SandboxServer) -> None:
    rules = {"rules": [{"fault": "empty_body", "wsfunction": SITE_INFO, "first": 1}]}

    added = control(sandbox.port, "POST", "/_sandbox/faults", rules)
    faulted = rest_call(sandbox.port, SITE_INFO)
    listed = control(sandbox.port, "GET", "/_sandbox/faults").json()
    cleared = control(sandbox.port, "DELETE", "/_sandbox/faults")
    after = control(sandbox.port, "GET", "/_sandbox/faults").json()

    assert added.status == 200
    assert added.json()["added"] == [1]
    assert faulted.body == b""
    assert listed["rules"][0]["fired"] == 1
    assert listed["rules"][0]["matched"] == 1
    assert listed["rules"][0]["wsfunction"] == SITE_INFO
    assert cleared.json() == {"removed": 1}
    assert after == {"rules": []}


def test_http_rules_invalid_is_400(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "POST", "/_sandbox/faults", {"fault": "nope"})

    assert answer.status == 400
    assert "Unknown fault 'nope'" in answer.json()["error"]
    assert sandbox.faults.describe() == []


def test_http_rule_matches_course(sandbox: SandboxServer, site: Site) -> None:
    target = site.landmarks.flagship_course
    other = site.landmarks.weekly_course
    rule = {"fault": "http_error", "wsfunction": GRADE_REPORT, "courseid": target}
    control(sandbox.port, "POST", "/_sandbox/faults", rule)

    hit = rest_call(sandbox.port, GRADE_REPORT, {"courseid": target})
    missed = rest_call(sandbox.port, GRADE_REPORT, {"courseid": other})

    assert hit.status == 500
    assert missed.status == 200


def test_faulted_calls_are_counted(sandbox: SandboxServer) -> None:
    add_rule(sandbox, fault="http_error", first=2)

    for _ in range(3):
        rest_call(sandbox.port, SITE_INFO)
    stats = sandbox.stats()

    assert stats.calls == {SITE_INFO: 3}
    assert stats.faults == {"http_error": 2}
