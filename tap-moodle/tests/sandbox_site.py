"""One Moodle sandbox on the loopback interface, shared by every test of a session.

``test_core`` needs the server's URL while pytest collects it, before any fixture
runs, so the server starts on first use here and stops at interpreter exit. The
session fixtures in ``conftest`` return the same server.
"""

from __future__ import annotations

import atexit
import functools
import typing as t

from moodle_sandbox import SandboxServer, build_site

if t.TYPE_CHECKING:
    from moodle_sandbox import Site

SEED = 1
# The site's "now", 2025-01-01 00:00 UTC. Every time in the site is relative to
# it, so a fixed anchor gives the same records on every day the tests run.
ANCHOR = 1_735_689_600
# Shaped like a real Moodle token (32 hex digits), so that a leak is easy to find.
TOKEN = "5f4dcc3b5aa765d61d8327deb882cf99"  # noqa: S105 - a test token, no secret
INSTANCE = "sandbox-test"


@functools.cache
def shared_server() -> SandboxServer:
    """Start the session's sandbox on 127.0.0.1 and a free port, once."""
    site = build_site(seed=SEED, anchor=ANCHOR)
    server = SandboxServer(site, token=TOKEN, host="127.0.0.1", port=0).start()
    atexit.register(server.stop)
    return server


def tap_config_for(server: SandboxServer) -> dict[str, object]:
    """Return a tap configuration that points at ``server``, with fast retries."""
    return {
        "base_url": server.url,
        "token": server.token,
        "instance": INSTANCE,
        "request_timeout": 10,
        "max_retries": 1,
        "backoff_base": 0.01,
    }


def listed_enrolled_ids(site: Site, courseid: int) -> list[int]:
    """Return the enrolled users that are not deleted, as Moodle lists them."""
    return [
        userid
        for userid in site.enrolled_user_ids(courseid)
        if not site.user(userid).deleted
    ]
