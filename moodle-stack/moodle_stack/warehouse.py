"""An embedded PostgreSQL server for the demo and the tests.

It runs the PostgreSQL binaries that the ``pgserver`` package ships, listening on
TCP on the loopback address only, so that target-postgres and dbt connect to it
like to any other warehouse. PostgreSQL refuses to run as root: under root the
server runs as a system user ``pgserver``, created on first use.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pwd
import secrets
import socket
import subprocess
import typing as t
from pathlib import Path

from pgserver import _commands as pg_commands
from pgserver import utils as pg_utils

if t.TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger(__name__)

SYSTEM_USER = "pgserver"
DEFAULT_PORT = 54329
START_TIMEOUT_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class Connection:
    """Where a PostgreSQL database listens, and who connects to it."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def environment(self) -> dict[str, str]:
        """Return the ``WAREHOUSE_*`` variables that meltano.yml and dbt read."""
        return {
            "WAREHOUSE_HOST": self.host,
            "WAREHOUSE_PORT": str(self.port),
            "WAREHOUSE_USER": self.user,
            "WAREHOUSE_PASSWORD": self.password,
            "WAREHOUSE_DATABASE": self.database,
        }

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Connection | None:
        """Read a configured warehouse from ``WAREHOUSE_*`` variables, if any."""
        host = env.get("WAREHOUSE_HOST", "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(env.get("WAREHOUSE_PORT") or 5432),
            user=env.get("WAREHOUSE_USER") or "postgres",
            password=env.get("WAREHOUSE_PASSWORD") or "",
            database=env.get("WAREHOUSE_DATABASE") or "warehouse",
        )

    def describe(self) -> str:
        """Return a psql command line that connects, without the password."""
        return (
            f"psql -h {self.host} -p {self.port} -U {self.user} -d {self.database}"
        )


class EmbeddedPostgres:
    """A PostgreSQL server in a local data directory, on 127.0.0.1 only."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = DEFAULT_PORT,
        database: str = "warehouse",
    ) -> None:
        """Point at a data directory; nothing starts until ``start``.

        Port 0, or a port in use, picks a free port.
        """
        self.data_dir = data_dir.resolve()
        self.port = port
        self.database = database
        self._user = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def password_file(self) -> Path:
        """The file beside the data directory that holds the password."""
        return self.data_dir.parent / "postgres-password"

    @property
    def password(self) -> str:
        """The password of the ``postgres`` user, generated on first use."""
        if not self.password_file.exists():
            self.password_file.parent.mkdir(parents=True, exist_ok=True)
            self.password_file.write_text(secrets.token_urlsafe(24))
            self.password_file.chmod(0o600)
        return self.password_file.read_text().strip()

    @property
    def log_file(self) -> Path:
        """The server's log file."""
        return self.data_dir / "server.log"

    def start(self) -> Connection:
        """Start the server unless it runs already, and create the database."""
        self._prepare_data_dir()
        port = self.running_port()
        if port is None:
            port = self._start_server()
        else:
            logger.info("Embedded PostgreSQL already runs on port %d", port)
        connection = Connection(
            "127.0.0.1", port, "postgres", self.password, self.database
        )
        self._create_database(connection)
        return connection

    def stop(self) -> None:
        """Stop the server if it runs."""
        if self.running_port() is None:
            return
        self._pg_ctl(["stop", "-m", "fast", "-w"])

    def running_port(self) -> int | None:
        """Return the port of the running server, or None if it does not run."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        if not pg_utils.process_is_running(pid):
            return None
        return port

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            self._grant_system_user()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()

    def _initdb(self) -> None:
        """Create the cluster: TCP clients need the password, the socket does not."""
        logger.info("Initialising embedded PostgreSQL in %s", self.data_dir)
        password_file = self.data_dir.parent / "initdb-password"
        password_file.write_text(self.password)
        if self._user is not None:
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(password_file, entry.pw_uid, entry.pw_gid)
        try:
            self._run(
                "initdb",
                ["-D", str(self.data_dir), "--encoding=UTF8", "--locale=C"]
                + ["-U", "postgres", f"--pwfile={password_file}"]
                + ["--auth-local=trust", "--auth-host=scram-sha-256"],
            )
        finally:
            password_file.unlink()

    def _grant_system_user(self) -> None:
        pg_utils.ensure_user_exists(SYSTEM_USER)
        pg_utils.ensure_prefix_permissions(self.data_dir)
        pg_utils.ensure_prefix_permissions(pg_commands.POSTGRES_BIN_PATH)
        readable = 0o044
        pg_utils.ensure_folder_permissions(
            pg_commands.POSTGRES_BIN_PATH, readable | 0o011
        )
        pg_utils.ensure_folder_permissions(
            pg_commands.POSTGRES_BIN_PATH.parent / "lib", readable
        )
        entry = pwd.getpwnam(SYSTEM_USER)
        for path in (self.data_dir, *self.data_dir.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)

    def _start_server(self) -> int:
        port = self.port if self.port and _port_is_free(self.port) else _free_port()
        options = f"-h 127.0.0.1 -p {port} -k {self.data_dir}"
        logger.info("Starting embedded PostgreSQL on 127.0.0.1:%d", port)
        self._pg_ctl(["start", "-w", "-l", str(self.log_file), "-o", options])
        return port

    def _create_database(self, connection: Connection) -> None:
        exists = self._psql(
            connection,
            "postgres",
            f"select 1 from pg_database where datname = '{self.database}'",
        )
        if exists.strip() != "1":
            self._psql(connection, "postgres", f'create database "{self.database}"')

    def _psql(self, connection: Connection, database: str, sql: str) -> str:
        return self._run(
            "psql",
            ["-h", str(self.data_dir), "-p", str(connection.port), "-U", "postgres"]
            + ["-d", database, "-tAc", sql],
        )

    def _pg_ctl(self, args: list[str]) -> str:
        return self._run("pg_ctl", ["-D", str(self.data_dir), *args])

    def _run(self, program: str, args: list[str]) -> str:
        command = [str(pg_commands.POSTGRES_BIN_PATH / program), *args]
        result = subprocess.run(  # noqa: S603
            command,
            capture_output=True,
            text=True,
            user=self._user,
            cwd="/",
            timeout=START_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            msg = (
                f"{program} failed with exit code {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}. "
                f"Server log: {self.log_file}"
            )
            raise RuntimeError(msg)
        return result.stdout


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
