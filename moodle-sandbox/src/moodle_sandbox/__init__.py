"""An HTTP server imitating the REST web service of a Moodle 4.5 site.

Quick start::

    from moodle_sandbox import SandboxServer, build_site

    site = build_site(seed=1)
    with SandboxServer(site, port=0) as server:
        ...  # call server.endpoint with wstoken=server.token
        server.stats().calls  # requests per wsfunction
    site.expected_counts()  # records per tap-moodle stream

The README describes the latency model, the concurrency cap, fault injection,
site mutations and the control endpoints under ``/_sandbox/``.
"""

from __future__ import annotations

from moodle_sandbox.app import DEFAULT_TOKEN, REST_PATH, Request, Response, SandboxApp
from moodle_sandbox.faults import FaultInjector, FaultRule, FaultRuleError, parse_rules
from moodle_sandbox.functions import DEFAULT_SERVICE_FUNCTIONS, IMPLEMENTED_FUNCTIONS
from moodle_sandbox.latency import DEFAULT_COSTS, LatencyCost, LatencyModel
from moodle_sandbox.server import SandboxServer
from moodle_sandbox.site import (
    SIZE_PRESETS,
    Landmarks,
    Site,
    SizePreset,
    build_site,
    default_anchor,
)
from moodle_sandbox.site.counts import (
    CourseMart,
    expected_counts,
    expected_course_marts,
    minimum_calls,
)
from moodle_sandbox.site.mutations import (
    MutationError,
    apply_mutation,
    delete_course,
    delete_grade_item,
    delete_user,
    remove_enrolment,
    visit_course,
)
from moodle_sandbox.stats import ConcurrencyStats, StatsSnapshot

__all__ = [
    "DEFAULT_COSTS",
    "DEFAULT_SERVICE_FUNCTIONS",
    "DEFAULT_TOKEN",
    "IMPLEMENTED_FUNCTIONS",
    "REST_PATH",
    "SIZE_PRESETS",
    "ConcurrencyStats",
    "CourseMart",
    "FaultInjector",
    "FaultRule",
    "FaultRuleError",
    "Landmarks",
    "LatencyCost",
    "LatencyModel",
    "MutationError",
    "Request",
    "Response",
    "SandboxApp",
    "SandboxServer",
    "Site",
    "SizePreset",
    "StatsSnapshot",
    "apply_mutation",
    "build_site",
    "default_anchor",
    "delete_course",
    "delete_grade_item",
    "delete_user",
    "expected_counts",
    "expected_course_marts",
    "minimum_calls",
    "parse_rules",
    "remove_enrolment",
    "visit_course",
]
