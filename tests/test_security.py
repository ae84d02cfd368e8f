"""The web service token appears in no log line, state or table, at debug level."""

from __future__ import annotations

import subprocess
import typing as t

import pytest

from .conftest import MELTANO, ROOT, query

if t.TYPE_CHECKING:
    from moodle_stack.warehouse import Connection

    from .conftest import Meltano

pytestmark = pytest.mark.e2e

# Shaped like a real token (32 hex digits) and accepted by no sandbox.
WRONG_TOKEN = "0123456789abcdef0123456789abcdef"  # noqa: S105 - a test value


def warehouse_text(warehouse: Connection) -> str:
    """Return every row of every table in moodle_raw as one text."""
    tables = query(
        warehouse,
        "select table_name from information_schema.tables "
        "where table_schema = 'moodle_raw'",
    )
    rows = [
        query(warehouse, f'select t::text from moodle_raw."{name}" as t')  # noqa: S608
        for (name,) in tables
    ]
    return "\n".join(str(row) for table in rows for row in table)


def state_text(meltano: Meltano) -> str:
    result = subprocess.run(  # noqa: S603
        [str(MELTANO), "state", "get", "dev:tap-moodle-1-to-target-postgres"],
        cwd=ROOT,
        env=meltano.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout + result.stderr


def test_rejected_token_is_never_printed(meltano: Meltano, site_one):
    meltano.use_site(1, site_one, "site-a")
    meltano.env["TAP_MOODLE_1_TOKEN"] = WRONG_TOKEN

    result = meltano.run(
        "--log-level=debug", "run", "tap-moodle-1", "target-postgres", check=False
    )

    assert result.returncode != 0
    assert "invalidtoken" in result.stdout + result.stderr
    assert WRONG_TOKEN not in result.stdout
    assert WRONG_TOKEN not in result.stderr


def test_token_absent_after_successful_sync(meltano: Meltano, site_one, warehouse):
    meltano.use_site(1, site_one, "site-a")

    result = meltano.run(
        "--log-level=debug", "run", "tap-moodle-1", "target-postgres", check=False
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert site_one.token not in result.stdout
    assert site_one.token not in result.stderr
    assert site_one.token not in state_text(meltano)
    loaded = warehouse_text(warehouse)
    assert "site-a" in loaded
    assert site_one.token not in loaded
