"""Fixtures of the end-to-end tests: a real PostgreSQL, sandbox sites, Meltano."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import typing as t
from pathlib import Path

import psycopg
import pytest
from moodle_sandbox import Site, build_site, default_anchor

from moodle_stack.sandbox import SandboxProcess
from moodle_stack.warehouse import Connection, EmbeddedPostgres

if t.TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
MELTANO = ROOT / ".venv" / "bin" / "meltano"
MELTANO_TIMEOUT_SECONDS = 900


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    """An embedded PostgreSQL server for the whole test session."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data", port=0)
    yield server.start()
    server.stop()


def new_database(postgres: Connection, name: str) -> Connection:
    """Create an empty database on the server, dropping any of that name."""
    admin = dataclasses.replace(postgres, database="postgres")
    with psycopg.connect(**_connect_args(admin), autocommit=True) as db:
        db.execute(f'drop database if exists "{name}"')
        db.execute(f'create database "{name}"')
    return dataclasses.replace(postgres, database=name)


@pytest.fixture
def warehouse(postgres: Connection, request: pytest.FixtureRequest) -> Connection:
    """A fresh, empty database for one test."""
    # dbt rejects database names with spaces, and PostgreSQL cuts names at 63.
    node = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")
    return new_database(postgres, "test_" + node[:50].rstrip("_"))


# Shaped like real tokens (32 hex digits), so that a leak is easy to find.
SITE_ONE_TOKEN = "9f86d081884c7d659a2feaa0c55ad015"  # noqa: S105 - a test value
SITE_TWO_TOKEN = "60303ae22b998861bce3b28f33eec1be"  # noqa: S105 - a test value

# The sandbox's "now": fixed, so that a test and its sandbox build the same site.
ANCHOR = int(default_anchor())


@pytest.fixture
def site_one() -> Iterator[SandboxProcess]:
    """Sandbox site with seed 1."""
    with SandboxProcess(seed=1, token=SITE_ONE_TOKEN, anchor=ANCHOR) as sandbox:
        yield sandbox


@pytest.fixture
def site_two() -> Iterator[SandboxProcess]:
    """Sandbox site with seed 2: a different site."""
    with SandboxProcess(seed=2, token=SITE_TWO_TOKEN, anchor=ANCHOR) as sandbox:
        yield sandbox


def sandbox_site(sandbox: SandboxProcess) -> Site:
    """Build, in the test process, the same site that a sandbox serves."""
    return build_site(seed=sandbox.seed, anchor=sandbox.anchor)


class Meltano:
    """Runs ``meltano`` in the project with a test's environment and system db."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def use_site(self, number: int, sandbox: SandboxProcess, instance: str) -> None:
        prefix = f"TAP_MOODLE_{number}_"
        self.env[prefix + "BASE_URL"] = sandbox.url
        self.env[prefix + "TOKEN"] = sandbox.token
        self.env[prefix + "INSTANCE"] = instance

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run meltano; with ``check``, fail the test unless it succeeds."""
        result = subprocess.run(  # noqa: S603
            [str(MELTANO), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=MELTANO_TIMEOUT_SECONDS,
            check=False,
        )
        if check:
            assert result.returncode == 0, (
                f"meltano {' '.join(args)} failed:\n{result.stderr[-6000:]}"
            )
        return result


def meltano_env(warehouse: Connection, workdir: Path) -> dict[str, str]:
    """Return an environment with the warehouse and a system database in workdir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TAP_MOODLE_", "WAREHOUSE_", "MELTANO_"))
    }
    env.update(warehouse.environment())
    env["MELTANO_DATABASE_URI"] = f"sqlite:///{workdir / 'meltano.db'}"
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_TARGET_PATH"] = str(workdir / "dbt-target")
    env["DBT_LOG_PATH"] = str(workdir / "dbt-logs")
    return env


@pytest.fixture
def meltano(warehouse: Connection, tmp_path: Path) -> Meltano:
    """Meltano with the test's warehouse and its own system database (state)."""
    return Meltano(meltano_env(warehouse, tmp_path))


def _connect_args(connection: Connection) -> dict[str, t.Any]:
    return {
        "host": connection.host,
        "port": connection.port,
        "user": connection.user,
        "password": connection.password,
        "dbname": connection.database,
    }


def query(connection: Connection, sql: str, *params: object) -> list[tuple[t.Any, ...]]:
    """Run one query on the warehouse and return every row."""
    with psycopg.connect(**_connect_args(connection)) as db:
        return db.execute(sql, params).fetchall()
