"""Session fixtures: the Moodle sandbox and a tap configuration pointing at it."""

from __future__ import annotations

import typing as t

import pytest

from .sandbox_site import shared_server, tap_config_for

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_sandbox import SandboxServer, Site


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = shared_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sandbox_site(sandbox_server: SandboxServer) -> Site:
    return sandbox_server.site


@pytest.fixture(scope="session")
def tap_config(sandbox_server: SandboxServer) -> dict[str, object]:
    return tap_config_for(sandbox_server)
