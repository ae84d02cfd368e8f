"""Faults, a killed run and deletions: the warehouse ends equal to a clean run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import typing as t

import pytest

from .conftest import (
    ANCHOR,
    MELTANO,
    ROOT,
    SITE_ONE_TOKEN,
    Meltano,
    meltano_env,
    new_database,
    query,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from moodle_stack.sandbox import SandboxProcess
    from moodle_stack.warehouse import Connection

pytestmark = pytest.mark.e2e

EXTRACT_LOAD = ("run", "tap-moodle-1", "target-postgres")
MAIN_JOB = (*EXTRACT_LOAD, "dbt:run")
GRADE_REPORT = "gradereport_user_get_grade_items"
ENROLLED_USERS = "core_enrol_get_enrolled_users"
# stream_syncs records when each sync finished, which differs from run to run.
COMPARED_TABLES_EXCLUDE = ("stream_syncs", "stg_moodle__stream_syncs")
# Columns that hold the time of the load or of the model build.
RUN_TIME_COLUMNS = ("loaded_at", "calculated_at")
LAYERS = ("moodle_raw", "moodle_stg", "moodle_mart")


def layer_tables(warehouse: Connection, schema: str) -> list[str]:
    rows = query(
        warehouse,
        "select table_name from information_schema.tables "
        "where table_schema = %s order by 1",
        schema,
    )
    return [name for (name,) in rows if name not in COMPARED_TABLES_EXCLUDE]


def table_rows(warehouse: Connection, schema: str, table: str) -> list[tuple]:
    """Every row of a table as text, without the loader's columns, sorted."""
    columns = [
        name
        for (name,) in query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s "
            "and column_name not like '\\_sdc\\_%%' order by column_name",
            schema,
            table,
        )
        if name not in RUN_TIME_COLUMNS
    ]
    select = ", ".join(f'"{name}"::text' for name in columns)
    return sorted(
        query(warehouse, f'select {select} from {schema}."{table}"'),  # noqa: S608
        key=repr,
    )


# Answers contain links to the site, and each sandbox listens on its own port.
SANDBOX_URL = re.compile(r"http://127\.0\.0\.1:\d+")


def without_port(row: tuple) -> tuple:
    return tuple(
        SANDBOX_URL.sub("http://sandbox", value) if isinstance(value, str) else value
        for value in row
    )


def warehouse_snapshot(warehouse: Connection) -> dict[str, list[tuple]]:
    """Every row of every table and view of the three layers, by name."""
    return {
        f"{schema}.{table}": sorted(
            (without_port(row) for row in table_rows(warehouse, schema, table)),
            key=repr,
        )
        for schema in LAYERS
        for table in layer_tables(warehouse, schema)
    }


def assert_same_warehouse(loaded: dict, clean: dict) -> None:
    assert sorted(loaded) == sorted(clean)
    for table, rows in clean.items():
        assert len(loaded[table]) == len(rows), table
        assert loaded[table] == rows, table


@pytest.fixture(scope="module")
def clean_snapshot(
    postgres: Connection, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[tuple]]:
    """Every layer after one clean run of the main job."""
    from moodle_stack.sandbox import SandboxProcess

    warehouse = new_database(postgres, "test_reliability_clean")
    workdir = tmp_path_factory.mktemp("clean")
    meltano = Meltano(meltano_env(warehouse, workdir))
    with SandboxProcess(seed=1, token=SITE_ONE_TOKEN, anchor=ANCHOR) as sandbox:
        meltano.use_site(1, sandbox, "site-a")
        meltano.run(*MAIN_JOB)
    return warehouse_snapshot(warehouse)


@pytest.fixture
def fast_retries(meltano: Meltano) -> Meltano:
    """Short retry waits and timeouts, so that faults cost seconds."""
    meltano.env["TAP_MOODLE_1_BACKOFF_BASE"] = "0.05"
    meltano.env["TAP_MOODLE_1_MAX_RETRIES"] = "3"
    meltano.env["TAP_MOODLE_1_REQUEST_TIMEOUT"] = "3"
    return meltano


# Faults a run survives by retrying: the first run already succeeds.
RETRIED_FAULTS = {
    "server error": {"wsfunction": GRADE_REPORT, "fault": "http_error", "status": 502, "first": 2},
    "rate limit": {"wsfunction": ENROLLED_USERS, "fault": "rate_limit", "retry_after": 1, "first": 2},
    "reset connection": {"wsfunction": GRADE_REPORT, "fault": "reset", "first": 2},
    "hanging connection": {"wsfunction": ENROLLED_USERS, "fault": "hang", "seconds": 10, "first": 1},
    "random server errors": {"fault": "http_error", "status": 503, "probability": 0.05, "seed": 3},
    "latency spike": {"wsfunction": GRADE_REPORT, "fault": "latency", "seconds": 2, "first": 2},
}

# Faults that stop a run; the rerun after the site recovers completes it.
FATAL_FAULTS = {
    "php notice": {"wsfunction": GRADE_REPORT, "fault": "php_notice", "after": 3, "first": 1},
    "truncated json": {"wsfunction": ENROLLED_USERS, "fault": "truncated_json", "after": 4, "first": 1},
    "empty body": {"wsfunction": "core_completion_get_course_completion_status", "fault": "empty_body", "after": 20, "first": 1},
    "redirect to login": {"wsfunction": GRADE_REPORT, "fault": "redirect", "after": 5, "first": 1},
}


@pytest.mark.parametrize("rule", RETRIED_FAULTS.values(), ids=RETRIED_FAULTS.keys())
def test_retried_fault_leaves_clean_warehouse(
    fast_retries: Meltano, site_one, warehouse, clean_snapshot, rule
):
    fast_retries.use_site(1, site_one, "site-a")
    site_one.add_faults([rule])

    fast_retries.run(*MAIN_JOB)

    assert sum(site_one.stats()["faults"].values()) > 0
    assert_same_warehouse(warehouse_snapshot(warehouse), clean_snapshot)


@pytest.mark.parametrize("rule", FATAL_FAULTS.values(), ids=FATAL_FAULTS.keys())
def test_failed_run_then_rerun_equals_clean(
    fast_retries: Meltano, site_one, warehouse, clean_snapshot, rule
):
    fast_retries.use_site(1, site_one, "site-a")
    site_one.add_faults([rule])

    failed = fast_retries.run(*MAIN_JOB, check=False)
    site_one.clear_faults()
    fast_retries.run(*MAIN_JOB)

    assert failed.returncode != 0
    assert SITE_ONE_TOKEN not in failed.stdout + failed.stderr
    assert_same_warehouse(warehouse_snapshot(warehouse), clean_snapshot)


def test_skipped_course_is_read_again(
    meltano: Meltano, site_one, warehouse, clean_snapshot
):
    meltano.use_site(1, site_one, "site-a")
    course = 3
    site_one.add_faults(
        [
            {
                "wsfunction": GRADE_REPORT,
                "courseid": course,
                "fault": "moodle_error",
                "errorcode": "nopermissions",
            }
        ]
    )

    first = meltano.run(*MAIN_JOB)
    skipped = query(
        warehouse,
        "select count(*) from moodle_raw.grades where instance = 'site-a' "
        "and courseid = %s",
        course,
    )[0][0]
    site_one.clear_faults()
    # An incremental run: the course failed last time, so it is read again
    # although nothing in it changed.
    meltano.run(*MAIN_JOB)

    output = first.stdout + first.stderr
    # grade_items and grades share the failed answer, so each skips the course.
    assert "Calls that failed with errors concerning only one course or user: 1." in output
    assert "Streams skipped 2 courses or users because of them" in output
    assert "errorcode 'nopermissions'" in output
    assert skipped == 0
    assert_same_warehouse(warehouse_snapshot(warehouse), clean_snapshot)


def test_partition_errors_fail_when_asked(meltano: Meltano, site_one):
    meltano.use_site(1, site_one, "site-a")
    meltano.env["TAP_MOODLE_1_PARTITION_ERRORS"] = "fail"
    site_one.add_faults(
        [
            {
                "wsfunction": GRADE_REPORT,
                "courseid": 3,
                "fault": "moodle_error",
                "errorcode": "nopermissions",
            }
        ]
    )

    result = meltano.run(*EXTRACT_LOAD, check=False)

    assert result.returncode != 0
    assert "partition_errors is 'fail'" in result.stdout + result.stderr


def wait_for_fault(sandbox: SandboxProcess, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(sandbox.stats()["faults"].values()) > 0:
            return
        time.sleep(0.2)
    msg = "the sandbox never reached the hanging call"
    raise AssertionError(msg)


@pytest.mark.parametrize("stream_call", [ENROLLED_USERS, GRADE_REPORT])
def test_killed_run_then_rerun_equals_clean(
    meltano: Meltano, site_one, warehouse, clean_snapshot, stream_call
):
    meltano.use_site(1, site_one, "site-a")
    site_one.add_faults(
        [{"wsfunction": stream_call, "fault": "hang", "after": 5, "first": 1}]
    )
    process = subprocess.Popen(  # noqa: S603
        [str(MELTANO), *EXTRACT_LOAD],
        cwd=ROOT,
        env=meltano.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_fault(site_one)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    site_one.clear_faults()

    # Meltano keeps the killed run's job marked as running until its heartbeat
    # is 5 minutes old; --force starts the rerun at once.
    meltano.run("run", "--force", *MAIN_JOB[1:])

    assert_same_warehouse(warehouse_snapshot(warehouse), clean_snapshot)


@pytest.fixture
def two_sites(meltano: Meltano, site_one, site_two) -> Iterator[Meltano]:
    meltano.use_site(1, site_one, "site-a")
    meltano.use_site(2, site_two, "site-b")
    meltano.run("run", "tap-moodle-1", "target-postgres", "tap-moodle-2", "target-postgres", "dbt:run")
    yield meltano


def staging_rows(warehouse: Connection, model: str, instance: str) -> list[tuple]:
    rows = table_rows(warehouse, "moodle_stg", model)
    columns = [
        name
        for (name,) in query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'moodle_stg' and table_name = %s "
            "and column_name not like '\\_sdc\\_%%' order by column_name",
            model,
        )
    ]
    position = columns.index("instance")
    return [row for row in rows if row[position] == instance]


STAGING_MODELS = (
    "stg_moodle__users",
    "stg_moodle__courses",
    "stg_moodle__enrolments",
    "stg_moodle__role_assignments",
    "stg_moodle__grade_items",
    "stg_moodle__grades",
    "stg_moodle__course_completions",
)


def test_deletions_mark_only_their_site(two_sites: Meltano, site_one, warehouse):
    site_b_before = {m: staging_rows(warehouse, m, "site-b") for m in STAGING_MODELS}
    student, course, item, kept_course = deletion_targets(warehouse)
    site_one.mutate(
        [
            {"action": "delete_user", "userid": student},
            {"action": "delete_course", "courseid": course},
            {"action": "delete_grade_item", "itemid": item},
        ]
    )
    # A full sync: deletions that no one's course visit reveals wait for one.
    two_sites.env["TAP_MOODLE_1_FULL_SYNC_DAYS"] = "0"

    two_sites.run("run", "tap-moodle-1", "target-postgres", "dbt:run")

    def staged(sql: str, *params: object) -> int:
        return query(warehouse, sql, *params)[0][0]

    assert staged("select count(*) from moodle_stg.stg_moodle__users where instance = 'site-a' and user_id = %s", student) == 0
    assert staged("select count(*) from moodle_stg.stg_moodle__enrolments where instance = 'site-a' and user_id = %s", student) == 0
    assert staged("select count(*) from moodle_stg.stg_moodle__courses where instance = 'site-a' and course_id = %s", course) == 0
    assert staged("select count(*) from moodle_stg.stg_moodle__grades where instance = 'site-a' and course_id = %s", course) == 0
    assert staged("select count(*) from moodle_stg.stg_moodle__grade_items where instance = 'site-a' and grade_item_id = %s", item) == 0
    assert staged("select count(*) from moodle_stg.stg_moodle__enrolments where instance = 'site-a' and course_id = %s", kept_course) > 0
    assert staged("select count(*) from moodle_mart.course_performance where instance = 'site-a' and course_id = %s", course) == 0
    assert staged("select count(*) from moodle_raw.users where instance = 'site-a' and id = %s", student) == 1
    for model in STAGING_MODELS:
        assert staging_rows(warehouse, model, "site-b") == site_b_before[model], model


def deletion_targets(warehouse: Connection) -> tuple[int, int, int, int]:
    """Pick on site-a a student, a course, a grade item in another course, and a kept course."""
    courses = [
        course_id
        for (course_id,) in query(
            warehouse,
            "select distinct course_id from moodle_stg.stg_moodle__grade_items "
            "where instance = 'site-a' and item_type = 'mod' order by 1",
        )
    ]
    course, other = courses[0], courses[1]
    item = query(
        warehouse,
        "select min(grade_item_id) from moodle_stg.stg_moodle__grade_items "
        "where instance = 'site-a' and course_id = %s and item_type = 'mod'",
        other,
    )[0][0]
    student = query(
        warehouse,
        "select min(user_id) from moodle_stg.stg_moodle__enrolments "
        "where instance = 'site-a' and course_id = %s",
        other,
    )[0][0]
    return student, course, item, other
