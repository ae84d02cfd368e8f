"""The main job end to end: sandbox sites -> moodle_raw -> moodle_stg -> moodle_mart."""

from __future__ import annotations

import typing as t

import pytest
from moodle_sandbox import expected_counts, expected_course_marts

from .conftest import query, sandbox_site

if t.TYPE_CHECKING:
    from moodle_stack.warehouse import Connection

    from .conftest import Meltano

pytestmark = pytest.mark.e2e

MAIN_JOB = ("run", "tap-moodle-1", "target-postgres", "dbt:run")

STREAMS = (
    "site_info",
    "users",
    "course_categories",
    "courses",
    "enrolments",
    "roles",
    "role_assignments",
    "enrolment_methods",
    "grade_items",
    "grades",
    "course_completions",
)

# Primary keys of the raw tables, as the tap declares them.
RAW_KEYS = {
    "site_info": ("instance",),
    "users": ("instance", "id"),
    "course_categories": ("instance", "id"),
    "courses": ("instance", "id"),
    "enrolments": ("instance", "courseid", "userid"),
    "roles": ("instance", "roleid"),
    "role_assignments": ("instance", "courseid", "userid", "roleid"),
    "enrolment_methods": ("instance", "id"),
    "grade_items": ("instance", "id"),
    "grades": ("instance", "itemid", "userid"),
    "course_completions": ("instance", "courseid", "userid"),
}


def raw_counts(warehouse: Connection, instance: str) -> dict[str, int]:
    return {
        stream: query(
            warehouse,
            f"select count(*) from moodle_raw.{stream} where instance = %s",  # noqa: S608
            instance,
        )[0][0]
        for stream in STREAMS
    }


def staging_counts(warehouse: Connection, instance: str) -> dict[str, int]:
    return {
        stream: query(
            warehouse,
            f"select count(*) from moodle_stg.stg_moodle__{stream} "  # noqa: S608
            "where instance = %s",
            instance,
        )[0][0]
        for stream in STREAMS
    }


def raw_rows(warehouse: Connection, stream: str, instance: str) -> list[tuple]:
    """Every row of a raw table for one site, without the loader's columns."""
    columns = [
        name
        for (name,) in query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'moodle_raw' and table_name = %s "
            "and column_name not like '\\_sdc\\_%%' order by column_name",
            stream,
        )
    ]
    select = ", ".join(f"{name}::text" for name in columns)
    order = ", ".join(RAW_KEYS[stream])
    return query(
        warehouse,
        f"select {select} from moodle_raw.{stream} "  # noqa: S608
        f"where instance = %s order by {order}",
        instance,
    )


def duplicate_keys(warehouse: Connection, stream: str) -> int:
    keys = ", ".join(RAW_KEYS[stream])
    return query(
        warehouse,
        f"select count(*) from (select {keys} from moodle_raw.{stream} "  # noqa: S608
        f"group by {keys} having count(*) > 1) as duplicates",
    )[0][0]


def test_main_job_fills_every_layer(meltano: Meltano, site_one, warehouse):
    meltano.use_site(1, site_one, "site-a")
    meltano.run(*MAIN_JOB)

    expected = expected_counts(sandbox_site(site_one))
    loaded = raw_counts(warehouse, "site-a")
    for stream in STREAMS:
        assert loaded[stream] == expected[stream], stream
    assert staging_counts(warehouse, "site-a") == loaded

    courses = expected["courses"] - 1  # the site course is left out
    mart_rows = query(
        warehouse,
        "select count(*) from moodle_mart.course_performance where instance = %s",
        "site-a",
    )[0][0]
    assert mart_rows == courses


def test_second_run_adds_no_duplicates(meltano: Meltano, site_one, warehouse):
    meltano.use_site(1, site_one, "site-a")
    meltano.run(*MAIN_JOB)
    first = {stream: raw_rows(warehouse, stream, "site-a") for stream in STREAMS}

    meltano.run(*MAIN_JOB)

    for stream in STREAMS:
        assert duplicate_keys(warehouse, stream) == 0, stream
        assert raw_rows(warehouse, stream, "site-a") == first[stream], stream


def test_two_sites_stay_apart(meltano: Meltano, site_one, site_two, warehouse):
    meltano.use_site(1, site_one, "site-a")
    meltano.use_site(2, site_two, "site-b")
    meltano.run("run", "tap-moodle-1", "target-postgres")
    site_a = {stream: raw_rows(warehouse, stream, "site-a") for stream in STREAMS}

    meltano.run("run", "tap-moodle-2", "target-postgres", "dbt:build")

    expected_b = expected_counts(sandbox_site(site_two))
    loaded_b = raw_counts(warehouse, "site-b")
    for stream in STREAMS:
        assert loaded_b[stream] == expected_b[stream], stream
        assert raw_rows(warehouse, stream, "site-a") == site_a[stream], stream
    instances = query(
        warehouse,
        "select distinct instance from moodle_mart.course_performance order by 1",
    )
    assert instances == [("site-a",), ("site-b",)]


def test_mart_matches_sandbox_figures(meltano: Meltano, site_one, warehouse):
    meltano.use_site(1, site_one, "site-a")
    meltano.run(*MAIN_JOB)

    rows = query(
        warehouse,
        "select course_id, course_shortname, enrolled_students, completed_students,"
        " avg_final_grade_pct from moodle_mart.course_performance"
        " where instance = %s order by course_id",
        "site-a",
    )
    loaded = {row[0]: row[1:] for row in rows}
    expected = expected_course_marts(sandbox_site(site_one))
    assert sorted(loaded) == [mart.courseid for mart in expected]
    for mart in expected:
        shortname, enrolled, completed, average = loaded[mart.courseid]
        assert shortname == mart.shortname, mart.courseid
        assert enrolled == mart.enrolled_students, mart.courseid
        assert completed == mart.completed_students, mart.courseid
        if mart.average_grade_percent is None:
            assert average is None, mart.courseid
        else:
            assert float(average) == pytest.approx(
                mart.average_grade_percent, abs=0.005
            ), mart.courseid
