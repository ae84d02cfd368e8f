"""Control endpoints under /_sandbox/: stats, site facts, errors, loopback only."""

from __future__ import annotations

import json
import typing as t

import pytest
from sandbox_http import control, rest_call

from moodle_sandbox import (
    Request,
    SandboxApp,
    SandboxServer,
    build_site,
    expected_counts,
    minimum_calls,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_sandbox import Site

SITE_INFO = "core_webservice_get_site_info"
STATS_KEYS = {
    "calls",
    "bytes",
    "modelled_seconds",
    "faults",
    "total_calls",
    "total_bytes",
    "total_modelled_seconds",
    "latency_scale",
    "concurrency",
}


@pytest.fixture
def sandbox(site: Site) -> Iterator[SandboxServer]:
    with SandboxServer(site, latency_scale=0.001, max_concurrent=3) as running:
        yield running


def test_stats_lists_counters(sandbox: SandboxServer) -> None:
    answer_bytes = len(rest_call(sandbox.port, SITE_INFO).body)
    rest_call(sandbox.port, SITE_INFO)

    answer = control(sandbox.port, "GET", "/_sandbox/stats")
    stats = answer.json()

    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert set(stats) == STATS_KEYS
    assert stats["calls"] == {SITE_INFO: 2}
    assert stats["bytes"] == {SITE_INFO: 2 * answer_bytes}
    assert stats["modelled_seconds"][SITE_INFO] > 0
    assert stats["total_calls"] == 2
    assert stats["latency_scale"] == 0.001
    assert stats["concurrency"]["max_concurrent"] == 3
    assert stats["concurrency"]["peak"] == 1


def test_stats_match_python_api(sandbox: SandboxServer) -> None:
    rest_call(sandbox.port, SITE_INFO)

    over_http = control(sandbox.port, "GET", "/_sandbox/stats").json()

    assert over_http == sandbox.stats().to_dict()


def test_stats_reset_returns_previous(sandbox: SandboxServer) -> None:
    rest_call(sandbox.port, SITE_INFO)

    reset = control(sandbox.port, "POST", "/_sandbox/stats/reset")
    after = control(sandbox.port, "GET", "/_sandbox/stats").json()

    assert reset.status == 200
    assert reset.json()["calls"] == {SITE_INFO: 1}
    assert after["calls"] == {}
    assert after["total_bytes"] == 0
    assert after["concurrency"]["peak"] == 0


def test_control_requests_not_counted(sandbox: SandboxServer) -> None:
    control(sandbox.port, "GET", "/_sandbox/stats")
    control(sandbox.port, "GET", "/_sandbox/site")

    assert sandbox.stats().total_calls == 0
    assert sandbox.stats().total_bytes == 0


def test_python_reset_calls_resets_stats(sandbox: SandboxServer) -> None:
    rest_call(sandbox.port, SITE_INFO)

    sandbox.reset_calls()

    assert sandbox.calls == {}
    assert sandbox.stats().total_bytes == 0


def test_site_endpoint_describes_site(sandbox: SandboxServer, site: Site) -> None:
    answer = control(sandbox.port, "GET", "/_sandbox/site").json()

    assert answer["seed"] == site.seed
    assert answer["size"] == "S"
    assert answer["anchor"] == site.anchor
    assert answer["sitename"] == site.sitename
    assert answer["expected_counts"] == expected_counts(site)
    assert answer["landmarks"]["flagship_course"] == site.landmarks.flagship_course


def test_minimum_calls_endpoint(sandbox: SandboxServer, site: Site) -> None:
    path = "/_sandbox/minimum_calls?users_batch_size=7&enrolled_users_page_size=5"

    answer = control(sandbox.port, "GET", path).json()

    assert answer["users_batch_size"] == 7
    assert answer["enrolled_users_page_size"] == 5
    assert answer["calls"] == minimum_calls(site, 7, 5)
    assert answer["total"] == sum(answer["calls"].values())


def test_minimum_calls_endpoint_defaults(sandbox: SandboxServer, site: Site) -> None:
    answer = control(sandbox.port, "GET", "/_sandbox/minimum_calls").json()

    assert answer["users_batch_size"] == 500
    assert answer["enrolled_users_page_size"] == 1000
    assert answer["calls"] == minimum_calls(site)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/_sandbox/minimum_calls?users_batch_size=abc", "must be an integer"),
        ("/_sandbox/minimum_calls?users_batch_size=0", "at least 1"),
    ],
)
def test_minimum_calls_bad_argument(
    sandbox: SandboxServer, path: str, message: str
) -> None:
    answer = control(sandbox.port, "GET", path)

    assert answer.status == 400
    assert message in answer.json()["error"]


def test_unknown_control_path_is_404(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "GET", "/_sandbox/nothing")

    assert answer.status == 404
    assert "/_sandbox/stats" in answer.json()["error"]


def test_wrong_method_is_405(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "PUT", "/_sandbox/faults")

    assert answer.status == 405
    assert answer.headers["allow"] == "GET, POST, DELETE"


def test_invalid_json_is_400(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "POST", "/_sandbox/faults", None)
    raw = sandbox.app.handle(
        Request("POST", "/_sandbox/faults", body=b"{not json", content_type="x")
    )

    assert answer.status == 400
    assert raw.status == 400
    assert "not valid JSON" in json.loads(raw.body)["error"]


def test_non_loopback_client_forbidden(site: Site) -> None:
    app = SandboxApp(site)

    answer = app.handle(Request("GET", "/_sandbox/stats", client_address="192.0.2.10"))

    assert answer.status == 403
    assert "loopback clients only" in json.loads(answer.body)["error"]


def test_ipv6_loopback_allowed(site: Site) -> None:
    app = SandboxApp(site)

    answer = app.handle(Request("GET", "/_sandbox/stats", client_address="::1"))

    assert answer.status == 200


def test_control_only_under_sandbox_prefix(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "GET", "/webservice/rest/_sandbox/stats")
    rest = rest_call(sandbox.port, SITE_INFO)

    assert answer.status == 404
    assert rest.status == 200


def test_control_needs_no_token(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "GET", "/_sandbox/stats")

    assert answer.status == 200


def test_mutations_endpoint_changes_site() -> None:
    site = build_site(seed=2, anchor=1_767_225_600)
    userid = site.landmarks.weekly_student
    before = expected_counts(site)
    with SandboxServer(site) as sandbox:
        answer = control(
            sandbox.port,
            "POST",
            "/_sandbox/mutations",
            {"mutations": [{"action": "delete_user", "userid": userid}]},
        )
        counted = control(sandbox.port, "GET", "/_sandbox/site").json()

    assert answer.status == 200
    assert answer.json()["applied"] == 1
    assert answer.json()["expected_counts"]["users"] == before["users"] - 1
    assert counted["expected_counts"] == expected_counts(site)


def test_mutations_endpoint_reports_failure() -> None:
    site = build_site(seed=2, anchor=1_767_225_600)
    with SandboxServer(site) as sandbox:
        answer = control(
            sandbox.port,
            "POST",
            "/_sandbox/mutations",
            [
                {"action": "delete_grade_item", "itemid": site.grade_items[0].id},
                {"action": "delete_course", "courseid": 1},
            ],
        )

    assert answer.status == 400
    assert "Mutation 1 failed, after 1 applied" in answer.json()["error"]
    assert "site course" in answer.json()["error"]


def test_mutations_endpoint_rejects_bad_shape(sandbox: SandboxServer) -> None:
    answer = control(sandbox.port, "POST", "/_sandbox/mutations", "delete")
    item = control(sandbox.port, "POST", "/_sandbox/mutations", [3])

    assert answer.status == 400
    assert item.status == 400
    assert "must be a JSON object" in item.json()["error"]
