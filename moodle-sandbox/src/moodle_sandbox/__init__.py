"""An HTTP server imitating the REST web service of a Moodle 4.5 site.

Quick start::

    from moodle_sandbox import SandboxServer, build_site

    site = build_site(seed=1)
    with SandboxServer(site, port=0) as server:
        ...  # call server.endpoint with wstoken=server.token
    site.expected_counts()  # records per tap-moodle stream
"""

from __future__ import annotations

from moodle_sandbox.app import DEFAULT_TOKEN, REST_PATH, Request, Response, SandboxApp
from moodle_sandbox.functions import DEFAULT_SERVICE_FUNCTIONS, IMPLEMENTED_FUNCTIONS
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
)

__all__ = [
    "DEFAULT_SERVICE_FUNCTIONS",
    "DEFAULT_TOKEN",
    "IMPLEMENTED_FUNCTIONS",
    "REST_PATH",
    "SIZE_PRESETS",
    "CourseMart",
    "Landmarks",
    "Request",
    "Response",
    "SandboxApp",
    "SandboxServer",
    "Site",
    "SizePreset",
    "build_site",
    "default_anchor",
    "expected_counts",
    "expected_course_marts",
]
