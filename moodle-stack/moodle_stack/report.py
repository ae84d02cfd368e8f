"""Row counts of each warehouse layer and a look at the mart."""

from __future__ import annotations

import typing as t

import psycopg
from psycopg import sql

if t.TYPE_CHECKING:
    from moodle_stack.warehouse import Connection

LAYERS = ("moodle_raw", "moodle_stg", "moodle_mart")
MART_PREVIEW = "moodle_mart.course_performance"
PREVIEW_ROWS = 5


def connect(connection: Connection) -> psycopg.Connection[t.Any]:
    """Open a connection to the warehouse."""
    return psycopg.connect(
        host=connection.host,
        port=connection.port,
        user=connection.user,
        password=connection.password,
        dbname=connection.database,
        autocommit=True,
    )


def layer_counts(connection: Connection) -> dict[str, dict[str, int]]:
    """Return the row count of every table and view, by schema."""
    counts: dict[str, dict[str, int]] = {}
    with connect(connection) as db:
        for schema in LAYERS:
            names = db.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s order by table_name",
                (schema,),
            ).fetchall()
            counts[schema] = {
                name: _count(db, schema, name) for (name,) in names
            }
    return counts


def _count(db: psycopg.Connection[t.Any], schema: str, table: str) -> int:
    query = sql.SQL("select count(*) from {}.{}").format(
        sql.Identifier(schema), sql.Identifier(table)
    )
    row = db.execute(query).fetchone()
    return int(row[0]) if row else 0


def format_counts(counts: dict[str, dict[str, int]]) -> str:
    """Format the counts as one aligned block per schema."""
    lines: list[str] = []
    for schema, tables in counts.items():
        lines.append(f"{schema} ({len(tables)} tables and views)")
        width = max((len(name) for name in tables), default=0)
        lines.extend(f"  {name:<{width}}  {rows:>8}" for name, rows in tables.items())
    return "\n".join(lines)


def mart_preview(connection: Connection) -> str:
    """Format the first rows of the course performance mart as a table."""
    with connect(connection) as db:
        cursor = db.execute(
            "select instance, course_id, course_shortname, enrolled_students, "
            "active_students, avg_final_grade_pct, completion_rate "
            f"from {MART_PREVIEW} order by instance, course_id limit %s",  # noqa: S608
            (PREVIEW_ROWS,),
        )
        header = [column.name for column in cursor.description or []]
        rows = [[_cell(value) for value in row] for row in cursor.fetchall()]
    widths = [
        max(len(text) for text in column) for column in zip(header, *rows, strict=True)
    ]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True))
        for line in [header, *rows]
    )


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
