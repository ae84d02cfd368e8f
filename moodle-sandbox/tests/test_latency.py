"""The latency model: fitted constants, scale, and what a served request records."""

from __future__ import annotations

import time
import typing as t

import pytest
from sandbox_http import rest_call

from moodle_sandbox import DEFAULT_COSTS, LatencyCost, LatencyModel, SandboxServer

if t.TYPE_CHECKING:
    from moodle_sandbox import Site

# (wsfunction, response bytes, seconds) of the real site that the model imitates.
SOURCE_TIMINGS = [
    ("core_webservice_get_site_info", 2_641, 0.030),
    ("core_enrol_get_enrolled_users", 161_715, 0.3),
    ("gradereport_user_get_grade_items", 353_242, 1.1),
    ("core_completion_get_course_completion_status", 887, 0.030),
]
SCALE = 0.01


@pytest.mark.parametrize(("wsfunction", "size", "seconds"), SOURCE_TIMINGS)
def test_model_fits_source_timings(wsfunction: str, size: int, seconds: float) -> None:
    model = LatencyModel(scale=1.0)

    assert model.seconds(wsfunction, size) == pytest.approx(seconds, rel=0.05)


def test_model_off_by_default() -> None:
    model = LatencyModel()

    assert not model.enabled
    assert model.seconds("gradereport_user_get_grade_items", 1_000_000) == 0.0


def test_scale_keeps_ratios() -> None:
    full = LatencyModel(scale=1.0)
    tenth = LatencyModel(scale=0.1)

    for wsfunction, size, _ in SOURCE_TIMINGS:
        assert tenth.seconds(wsfunction, size) == pytest.approx(
            full.seconds(wsfunction, size) / 10
        )


def test_unknown_function_uses_default_cost() -> None:
    model = LatencyModel(scale=1.0, default=LatencyCost(0.5, 0.25))

    assert model.seconds("core_cohort_get_cohorts", 2_000) == pytest.approx(1.0)
    assert model.seconds(None, 0) == pytest.approx(0.5)


def test_default_costs_cover_tap_heavy_calls() -> None:
    assert "core_user_get_users_by_field" in DEFAULT_COSTS
    assert "core_enrol_get_enrolled_users" in DEFAULT_COSTS
    assert "gradereport_user_get_grade_items" in DEFAULT_COSTS


def test_negative_scale_rejected() -> None:
    with pytest.raises(ValueError, match="scale must be 0 or more"):
        LatencyModel(scale=-1)


def test_negative_cost_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        LatencyCost(-0.1, 0.0)


def test_served_call_records_modelled_seconds(site: Site) -> None:
    courseid = site.landmarks.flagship_course
    model = LatencyModel(scale=SCALE)
    with SandboxServer(site, latency_scale=SCALE) as sandbox:
        report = rest_call(
            sandbox.port, "gradereport_user_get_grade_items", {"courseid": courseid}
        )
        info = rest_call(sandbox.port, "core_webservice_get_site_info")
        stats = sandbox.stats()

    report_seconds = model.seconds("gradereport_user_get_grade_items", len(report.body))
    info_seconds = model.seconds("core_webservice_get_site_info", len(info.body))
    assert stats.latency_scale == SCALE
    assert stats.bytes["gradereport_user_get_grade_items"] == len(report.body)
    assert stats.modelled_seconds["gradereport_user_get_grade_items"] == (
        pytest.approx(report_seconds)
    )
    assert stats.modelled_seconds["core_webservice_get_site_info"] == (
        pytest.approx(info_seconds)
    )
    assert stats.total_modelled_seconds == pytest.approx(report_seconds + info_seconds)


def test_served_call_waits_modelled_time(site: Site) -> None:
    courseid = site.landmarks.flagship_course
    with SandboxServer(site, latency_scale=0.1) as sandbox:
        started = time.monotonic()
        rest_call(
            sandbox.port, "gradereport_user_get_grade_items", {"courseid": courseid}
        )
        elapsed = time.monotonic() - started
        modelled = sandbox.stats().modelled_seconds["gradereport_user_get_grade_items"]

    assert modelled > 0.02
    assert elapsed >= modelled * 0.9


def test_no_latency_records_zero_seconds(server: SandboxServer) -> None:
    server.reset_stats()
    rest_call(server.port, "core_webservice_get_site_info")
    stats = server.stats()

    assert stats.latency_scale == 0.0
    assert stats.modelled_seconds["core_webservice_get_site_info"] == 0.0
    assert stats.bytes["core_webservice_get_site_info"] > 0


def test_request_without_function_counts_in_totals(site: Site) -> None:
    with SandboxServer(site, latency_scale=SCALE) as sandbox:
        answer = rest_call(sandbox.port, "")
        stats = sandbox.stats()

    assert stats.calls == {}
    assert stats.total_bytes == len(answer.body)
    assert stats.total_modelled_seconds == pytest.approx(
        LatencyModel(scale=SCALE).seconds(None, len(answer.body))
    )
