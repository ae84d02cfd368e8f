"""A plain ``COPY`` of a tap's records into the tables target-postgres created.

The benchmark's reference for load speed: the same rows, into the same tables,
with no validation, no upsert and no per-record work in Python beyond building
each row. Parsing the tap's output happens before the clock starts.
"""

from __future__ import annotations

import collections
import json
import time
import typing as t

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from moodle_stack.report import connect

if t.TYPE_CHECKING:
    from pathlib import Path

    from moodle_stack.warehouse import Connection

SCHEMA = "moodle_raw"


def read_records(records_file: Path) -> dict[str, list[dict[str, t.Any]]]:
    """Return the records of a tap's output, grouped by stream."""
    streams: dict[str, list[dict[str, t.Any]]] = collections.defaultdict(list)
    with records_file.open() as lines:
        for line in lines:
            message = json.loads(line)
            if message["type"] == "RECORD":
                streams[message["stream"]].append(message["record"])
    return streams


def copy_records(connection: Connection, records_file: Path) -> float:
    """Replace the rows of every stream's table with a COPY; return its seconds."""
    streams = read_records(records_file)
    with connect(connection) as db:
        plans = {stream: _columns(db, stream, rows) for stream, rows in streams.items()}
        for stream in plans:
            db.execute(sql.SQL("truncate {}.{}").format(*_table(stream)))
        db.commit()
        started = time.monotonic()
        for stream, columns in plans.items():
            _copy(db, stream, columns, streams[stream])
        db.commit()
        return time.monotonic() - started


def _table(stream: str) -> tuple[sql.Identifier, sql.Identifier]:
    return sql.Identifier(SCHEMA), sql.Identifier(stream)


def _columns(
    db: psycopg.Connection[t.Any], stream: str, rows: list[dict[str, t.Any]]
) -> dict[str, str]:
    """Return the table's columns that the records fill, with their type names."""
    existing = dict(
        db.execute(
            "select column_name, udt_name from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (SCHEMA, stream),
        ).fetchall()
    )
    keys = {key for row in rows for key in row}
    return {name: existing[name] for name in sorted(keys & set(existing))}


def _copy(
    db: psycopg.Connection[t.Any],
    stream: str,
    columns: dict[str, str],
    rows: list[dict[str, t.Any]],
) -> None:
    statement = sql.SQL("copy {}.{} ({}) from stdin").format(
        *_table(stream), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    kinds = list(columns.items())
    with db.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row([_value(row.get(name), udt) for name, udt in kinds])


def _value(value: object, udt_name: str) -> object:
    """Adapt a JSON value to its column: JSON documents, or arrays of them."""
    if value is None:
        return None
    if udt_name in {"jsonb", "json"}:
        return Jsonb(value)
    if udt_name in {"_jsonb", "_json"} and isinstance(value, list):
        return [Jsonb(item) for item in value]
    if isinstance(value, dict):
        return json.dumps(value)
    return value
