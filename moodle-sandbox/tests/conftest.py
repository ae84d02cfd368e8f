"""Fixtures: one synthetic site and sandboxes serving it over HTTP.

The contract modules share two module fixtures, which read the module's own
RECORDINGS: their shapes merged by wsfunction, and their replays on the sandbox.
"""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

import pytest

# The helper modules (scenarios, shapes, wsclient, contract) sit next to the
# tests. The repository's pytest.ini imports test files with
# --import-mode=importlib, which does not put this folder on sys.path.
TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from contract import merged_shapes, replay_all  # noqa: E402
from wsclient import WsClient  # noqa: E402

from moodle_sandbox import SandboxServer, build_site  # noqa: E402

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from contract import Replay
    from shapes import Shape

    from moodle_sandbox import Site

# The site's "now": 2026-01-01 00:00 UTC. A fixed anchor makes every response
# the same from one run to the next.
ANCHOR = 1_767_225_600
SEED = 1


@pytest.fixture(scope="session")
def site() -> Site:
    return build_site(seed=SEED, anchor=ANCHOR)


@pytest.fixture(scope="session")
def server(site: Site) -> Iterator[SandboxServer]:
    with SandboxServer(site) as running:
        yield running


@pytest.fixture(scope="session")
def debug_server(site: Site) -> Iterator[SandboxServer]:
    """Return a sandbox that imitates a site with debugging set to DEVELOPER."""
    with SandboxServer(site, debug=True) as running:
        yield running


@pytest.fixture
def client(server: SandboxServer) -> Iterator[WsClient]:
    ws = WsClient(server.url, server.token)
    yield ws
    ws.close()


@pytest.fixture
def debug_client(debug_server: SandboxServer) -> Iterator[WsClient]:
    ws = WsClient(debug_server.url, debug_server.token)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def merged(request: pytest.FixtureRequest) -> dict[str, Shape]:
    """Return the shapes of the module's RECORDINGS, merged by wsfunction."""
    return merged_shapes(request.module.RECORDINGS)


@pytest.fixture(scope="module")
def replays(
    request: pytest.FixtureRequest,
    site: Site,
    server: SandboxServer,
    debug_server: SandboxServer,
) -> dict[str, Replay]:
    """Replay the module's RECORDINGS on the sandbox."""
    return replay_all(request.module.RECORDINGS, site, server, debug_server)
