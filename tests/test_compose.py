"""docker-compose.yml and its Dockerfile, checked without a Docker engine.

The file is validated against the Compose Specification's JSON schema
(tests/data/compose-spec.json) and against the project: services, variables,
plugins and jobs. The commands of the Meltano services then run in this
checkout, as the image would run them, against an embedded PostgreSQL in the
place of the metadata-db and warehouse services.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import secrets
import shlex
import subprocess
import typing as t
from pathlib import Path
from urllib.parse import quote

import jsonschema
import psycopg
import pytest
import yaml

from .airflow_support import (
    MELTANO,
    ROOT,
    BackgroundProcess,
    base_environment,
    free_port,
    require_airflow,
    run_checked,
    wait_until,
)

if t.TYPE_CHECKING:
    from moodle_stack.warehouse import Connection

COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = ROOT / "tests" / "data" / "compose-spec.json"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

# Where the Dockerfile puts the project (WORKDIR); the tests use this checkout.
IMAGE_PROJECT_ROOT = "/project"
# The services that run the project's image, whose entrypoint is meltano.
MELTANO_SERVICES = ("airflow-init", "airflow-scheduler", "airflow-webserver", "meltano")
MAIN_JOB = ["run", "tap-moodle-1", "target-postgres", "dbt:run"]
HEALTH_TIMEOUT_SECONDS = 300

# ${NAME}, ${NAME:-default}, ${NAME:?error} and the other forms of Compose's
# interpolation; $$ is a literal $, left for the container's shell.
INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>[^}]*)\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
SHELL_VARIABLE = re.compile(r"\$\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def read_env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and "=" in stripped:
            key, value = stripped.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def interpolate(text: str, values: dict[str, str]) -> str:
    """Apply Compose's interpolation to ``text``, as `docker compose config` does."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        modifier = match["modifier"] or ""
        value = values.get(name)
        if modifier.startswith((":?", "?")):
            if not value:
                msg = f"{name} is required: {modifier.lstrip(':?')}"
                raise KeyError(msg)
            return value
        if modifier.startswith(":-"):
            return value or modifier[2:]
        if modifier.startswith("-"):
            return modifier[1:] if value is None else value
        return value or ""

    return INTERPOLATION.sub(replace, text)


def interpolated_names(text: str) -> set[str]:
    return {
        match["braced"] or match["bare"]
        for match in INTERPOLATION.finditer(text)
        if not match["escaped"]
    }


def compose_document(values: dict[str, str] | None = None) -> dict[str, t.Any]:
    """The compose file, interpolated with ``values`` (raw when None)."""
    text = COMPOSE_FILE.read_text()
    if values is not None:
        text = interpolate(text, values)
    return yaml.safe_load(text)


def services() -> dict[str, dict[str, t.Any]]:
    return compose_document()["services"]


def project_plugins() -> dict[str, dict[str, t.Any]]:
    plugins: dict[str, dict[str, t.Any]] = {}
    for path in ROOT.glob("*/*.meltano.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        for definitions in document.get("plugins", {}).values():
            for plugin in definitions:
                plugins[plugin["name"]] = plugin
    return plugins


def project_jobs() -> set[str]:
    document = yaml.safe_load((ROOT / "meltano.yml").read_text())
    return {job["name"] for job in document.get("jobs", [])}


def plugin_commands(name: str) -> set[str]:
    plugins = project_plugins()
    plugin = plugins[name]
    commands = set(plugin.get("commands", {}))
    if "inherit_from" in plugin:
        commands |= plugin_commands(plugin["inherit_from"])
    return commands


def meltano_command_lines(service: dict[str, t.Any]) -> list[list[str]]:
    """The meltano argument lists that a service of the project's image runs."""
    command = service["command"]
    entrypoint = service.get("entrypoint")
    if entrypoint is None:
        return [list(command)]
    assert entrypoint == ["/bin/sh", "-c"], entrypoint
    (script,) = command
    lines = []
    for part in script.split("&&"):
        words = shlex.split(part)
        assert words[0] == "meltano", part
        lines.append(words[1:])
    return lines


# --- The file itself ---------------------------------------------------------


def test_compose_matches_compose_schema():
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = [
        f"{error.json_path}: {error.message}"
        for error in validator.iter_errors(compose_document())
    ]
    assert errors == []


def test_compose_schema_rejects_a_typo():
    """The schema catches misspelt keys, so the test above can fail."""
    schema = json.loads(SCHEMA_FILE.read_text())
    document = compose_document()
    document["services"]["warehouse"]["healtcheck"] = document["services"][
        "warehouse"
    ].pop("healthcheck")
    assert not jsonschema.Draft202012Validator(schema).is_valid(document)


def test_interpolated_variables_are_in_env_example():
    missing = interpolated_names(COMPOSE_FILE.read_text()) - set(read_env_example())
    assert missing == set()


def test_shell_variables_are_in_env_example():
    """Variables that the containers' shell reads at run time come from .env."""
    used = set(SHELL_VARIABLE.findall(COMPOSE_FILE.read_text())) - {
        "POSTGRES_USER",
        "POSTGRES_DB",
    }
    assert used, "expected the airflow-init command to read AIRFLOW_ADMIN_*"
    assert used - set(read_env_example()) == set()


def test_env_example_has_no_values_for_secrets():
    for name, value in read_env_example().items():
        if re.search(r"PASSWORD|TOKEN|SECRET|FERNET", name):
            assert value == "", f"{name} has a value in .env.example"


def test_services_have_image_or_build():
    for name, service in services().items():
        assert "image" in service or "build" in service, name
        build = service.get("build")
        if build:
            context = ROOT / build["context"]
            assert context.is_dir(), f"{name}: build context {context} is missing"
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"


def test_depends_on_names_services():
    all_services = services()
    for name, service in all_services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in all_services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in all_services[dependency], (name, dependency)
            if condition["condition"] == "service_completed_successfully":
                assert all_services[dependency]["restart"] == "no", (name, dependency)


def test_volumes_exist():
    document = compose_document()
    named_volumes = set(document.get("volumes", {}))
    for name, service in document["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), (
                    f"{name}: bind mount {source} is missing"
                )
            else:
                assert source in named_volumes, (
                    f"{name}: volume {source} is not declared"
                )


def test_long_running_services_restart_and_report_health():
    for name in ("warehouse", "metadata-db", "airflow-scheduler", "airflow-webserver"):
        service = services()[name]
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name


def test_ports_are_published_on_loopback_only():
    for name, service in services().items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port}"


# --- The image ---------------------------------------------------------------


def dockerfile_text() -> str:
    build = services()["meltano"]["build"]
    return (ROOT / build["context"] / build["dockerfile"]).read_text()


def test_meltano_services_share_the_image():
    for name in MELTANO_SERVICES:
        service = services()[name]
        assert service["image"] == "moodle-warehouse-meltano:latest", name
        assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}, name


def test_dockerfile_base_image():
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile_text(), re.MULTILINE)


def test_dockerfile_runs_make_targets():
    match = re.search(
        r"^RUN make ([\w -]+?)\s*(?:\\|&&|$)", dockerfile_text(), re.MULTILINE
    )
    assert match, "the Dockerfile does not run make"
    makefile = (ROOT / "Makefile").read_text()
    targets = match.group(1).split()
    assert targets == ["install", "install-airflow"]
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), target


def test_dockerfile_entrypoint_and_paths():
    text = dockerfile_text()
    assert 'ENTRYPOINT ["meltano"]' in text
    assert f"WORKDIR {IMAGE_PROJECT_ROOT}" in text
    assert f"MELTANO_PROJECT_ROOT={IMAGE_PROJECT_ROOT}" in text
    assert f"PATH={IMAGE_PROJECT_ROOT}/.venv/bin:$PATH" in text


def test_image_holds_no_secrets():
    ignored = DOCKERIGNORE.read_text().split()
    assert ".env" in ignored
    for line in dockerfile_text().splitlines():
        if line.lstrip().startswith(("ENV", "ARG")) or line.startswith("    "):
            assert not re.search(r"PASSWORD|TOKEN|SECRET|FERNET", line), line


# --- Meltano, Airflow and the warehouse ---------------------------------------


def test_commands_name_project_plugins_and_jobs():
    plugins = project_plugins()
    jobs = project_jobs()
    for name in MELTANO_SERVICES:
        for words in meltano_command_lines(services()[name]):
            if words[0] == "invoke":
                assert words[1] in plugins, f"{name}: unknown plugin {words[1]}"
            elif words[0] == "run":
                for block in words[1:]:
                    plugin, _, command = block.partition(":")
                    if command:
                        assert command in plugin_commands(plugin), f"{name}: {block}"
                    else:
                        assert plugin in plugins or plugin in jobs, f"{name}: {block}"
            else:
                pytest.fail(f"{name}: unexpected meltano command {words}")


def test_manual_service_runs_main_job():
    assert services()["meltano"]["command"] == MAIN_JOB
    assert services()["meltano"]["profiles"] == ["manual"]


def test_main_job_dry_run(tmp_path):
    env = base_environment() | {
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}"
    }
    run_checked([str(MELTANO), *MAIN_JOB[:1], "--dry-run", *MAIN_JOB[1:]], env)


def loader_warehouse_variables() -> set[str]:
    document = yaml.safe_load((ROOT / "load" / "loaders.meltano.yml").read_text())
    (loader,) = document["plugins"]["loaders"]
    return {
        value.lstrip("$")
        for value in loader["config"].values()
        if isinstance(value, str) and value.startswith("$WAREHOUSE_")
    }


def test_warehouse_environment_matches_loader():
    """Each WAREHOUSE_* that target-postgres and dbt read reaches the services."""
    read = loader_warehouse_variables()
    profile = (ROOT / "transform" / "profiles" / "profiles.yml").read_text()
    read |= set(re.findall(r"env_var\('(WAREHOUSE_[A-Z_]+)'", profile))
    assert read == {
        "WAREHOUSE_HOST",
        "WAREHOUSE_PORT",
        "WAREHOUSE_USER",
        "WAREHOUSE_PASSWORD",
        "WAREHOUSE_DATABASE",
    }
    from_env_file = set(read_env_example())
    for name in MELTANO_SERVICES:
        service = services()[name]
        assert service["env_file"] == ".env", name
        provided = set(service["environment"]) | from_env_file
        assert read <= provided, f"{name} lacks {read - provided}"


def test_warehouse_service_matches_environment():
    """The meltano services reach the warehouse service with its own credentials."""
    environment = services()["meltano"]["environment"]
    assert environment["WAREHOUSE_HOST"] == "warehouse"
    assert environment["WAREHOUSE_PORT"] == "5432"
    warehouse = services()["warehouse"]
    assert warehouse["image"] == "postgres:15"
    assert warehouse["ports"][0].endswith(":5432")
    credentials = warehouse["environment"]
    assert interpolated_names(credentials["POSTGRES_USER"]) == {"WAREHOUSE_USER"}
    assert interpolated_names(credentials["POSTGRES_PASSWORD"]) == {
        "WAREHOUSE_PASSWORD"
    }
    assert interpolated_names(credentials["POSTGRES_DB"]) == {"WAREHOUSE_DATABASE"}


def airflow_settings() -> list[dict[str, t.Any]]:
    return project_plugins()["airflow"]["settings"]


def test_airflow_variables_reach_airflow():
    """Meltano reads a declared setting as AIRFLOW_<SECTION>_<KEY> and overwrites
    Airflow's AIRFLOW__<SECTION>__<KEY> with it, so the compose file must use the
    first form for declared settings.
    """
    declared = {setting["name"] for setting in airflow_settings()}
    overwritten = {setting["env"] for setting in airflow_settings()}
    meltano_names = {
        "AIRFLOW_" + name.upper().replace(".", "_"): name for name in declared
    }
    for variable in services()["meltano"]["environment"]:
        if variable.startswith("AIRFLOW__"):
            assert variable not in overwritten, f"Meltano overwrites {variable}"
        elif variable.startswith("AIRFLOW_"):
            assert variable in meltano_names, f"{variable} is no Airflow setting"


# --- The services' commands, run in this checkout ------------------------------


@dataclasses.dataclass
class ComposeRun:
    """The compose file interpolated with test values, and the servers behind it."""

    metadata: Connection
    values: dict[str, str]

    def environment(self, service: str) -> dict[str, str]:
        """The environment of a service's container, pointed at this checkout."""
        document = compose_document(self.values)
        service_environment = {
            key: str(value)
            for key, value in document["services"][service]["environment"].items()
        }
        host = f"{self.metadata.host}:{self.metadata.port}"
        env = base_environment() | self.values
        for key, value in service_environment.items():
            env[key] = value.replace("@metadata-db:5432/", f"@{host}/")
        env["WAREHOUSE_HOST"] = self.metadata.host
        env["WAREHOUSE_PORT"] = str(self.metadata.port)
        # The image's ENV, with this checkout in the place of /project.
        env["MELTANO_PROJECT_ROOT"] = str(ROOT)
        env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
        return env

    def connect(self, database: str) -> psycopg.Connection[t.Any]:
        return psycopg.connect(
            host=self.metadata.host,
            port=self.metadata.port,
            user=self.metadata.user,
            password=self.metadata.password,
            dbname=database,
            autocommit=True,
        )


@pytest.fixture(scope="module")
def compose_run(postgres: Connection) -> ComposeRun:
    """The compose file's values and databases, on the embedded PostgreSQL."""
    require_airflow()
    assert quote(postgres.password, safe="") == postgres.password, (
        "The embedded server's password has characters that database URLs must escape."
    )
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    values = read_env_example() | {
        "METADATA_DB_USER": postgres.user,
        "METADATA_DB_PASSWORD": postgres.password,
        "WAREHOUSE_USER": postgres.user,
        "WAREHOUSE_PASSWORD": postgres.password,
        "WAREHOUSE_DATABASE": "compose_warehouse",
        "AIRFLOW_FERNET_KEY": fernet_key,
        "AIRFLOW_WEBSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW_ADMIN_USERNAME": "admin",
        # A leading "-" once made the password read as an option.
        "AIRFLOW_ADMIN_PASSWORD": "-" + secrets.token_urlsafe(16),
        "AIRFLOW_ADMIN_EMAIL": "admin@example.org",
    }
    run = ComposeRun(postgres, values)

    # What the metadata-db service does on an empty volume: create POSTGRES_DB,
    # then run init.sql in it.
    metadata_db = compose_document(values)["services"]["metadata-db"]
    postgres_db = metadata_db["environment"]["POSTGRES_DB"]
    with run.connect("postgres") as db:
        for database in (postgres_db, "meltano", "compose_warehouse"):
            db.execute(f'drop database if exists "{database}" with (force)')
        db.execute(f'create database "{postgres_db}"')
        db.execute("create database compose_warehouse")
    init_sql = (ROOT / "orchestrate" / "metadata-db" / "init.sql").read_text()
    with run.connect(postgres_db) as db:
        db.execute(init_sql)
    return run


def test_meltano_system_database_url(compose_run: ComposeRun):
    """MELTANO_DATABASE_URI of the compose file works with the image's drivers."""
    run_checked([str(MELTANO), "state", "list"], compose_run.environment("meltano"))
    with compose_run.connect("meltano") as db:
        tables = {row[0] for row in db.execute("select tablename from pg_tables")}
    assert {"state", "runs"} <= tables


def test_airflow_init_command(compose_run: ComposeRun):
    """The airflow-init command migrates Airflow's database and adds the user."""
    service = compose_document(compose_run.values)["services"]["airflow-init"]
    run_checked(
        [*service["entrypoint"], *service["command"]],
        compose_run.environment("airflow-init"),
    )
    with compose_run.connect("airflow") as db:
        users = db.execute("select username from ab_user").fetchall()
    assert users == [("admin",)]


def health_command(
    service: dict[str, t.Any], port: int, container_port: int
) -> list[str]:
    """The service's healthcheck command, pointed at the port the test chose."""
    kind, *command = service["healthcheck"]["test"]
    assert kind == "CMD"
    return [word.replace(f":{container_port}/", f":{port}/") for word in command]


def is_healthy(command: list[str], env: dict[str, str]) -> bool:
    try:
        result = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def test_scheduler_and_webserver_become_healthy(
    compose_run: ComposeRun, tmp_path: Path
):
    """The scheduler and webserver commands start and pass their healthchecks."""
    document = compose_document(compose_run.values)
    scheduler = document["services"]["airflow-scheduler"]
    webserver = document["services"]["airflow-webserver"]
    scheduler_port = free_port()
    webserver_port = free_port()
    test_overrides = {
        # Nothing may run: the DAG is created paused.
        "AIRFLOW_CORE_DAGS_ARE_PAUSED_AT_CREATION": "true",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "logs"),
        # Free ports on the loopback address, in the place of the container's.
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(scheduler_port),
        "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
        "AIRFLOW_WEBSERVER_WEB_SERVER_PORT": str(webserver_port),
        "AIRFLOW__WEBSERVER__WORKERS": "1",
    }
    scheduler_env = compose_run.environment("airflow-scheduler") | test_overrides
    webserver_env = compose_run.environment("airflow-webserver") | test_overrides
    scheduler_check = health_command(scheduler, scheduler_port, 8974)
    webserver_check = health_command(webserver, webserver_port, 8080)
    assert not is_healthy(scheduler_check, scheduler_env), "a scheduler runs already"

    with (
        BackgroundProcess(
            ["meltano", *scheduler["command"]],
            scheduler_env,
            tmp_path / "scheduler.log",
        ) as scheduler_process,
        BackgroundProcess(
            ["meltano", *webserver["command"]],
            webserver_env,
            tmp_path / "webserver.log",
        ) as webserver_process,
    ):

        def both_healthy() -> bool:
            scheduler_process.assert_running()
            webserver_process.assert_running()
            return is_healthy(scheduler_check, scheduler_env) and is_healthy(
                webserver_check, webserver_env
            )

        wait_until(
            both_healthy,
            HEALTH_TIMEOUT_SECONDS,
            lambda: "scheduler:\n"
            + scheduler_process.log_tail()
            + "\nwebserver:\n"
            + webserver_process.log_tail(),
        )

        # The scheduler parsed the DAG file, which ran `meltano schedule list`
        # with the container's environment.
        def registered_dags() -> list[tuple[str, str]]:
            with compose_run.connect("airflow") as db:
                return db.execute("select dag_id, fileloc from dag").fetchall()

        wait_until(lambda: bool(registered_dags()), 120, scheduler_process.log_tail)
        with compose_run.connect("airflow") as db:
            errors = db.execute(
                "select filename, stacktrace from import_error"
            ).fetchall()
            runs = db.execute("select count(*) from dag_run").fetchone()
        assert errors == []
        assert runs == (0,)
    # Only the project's DAG, from the folder that orchestrators.meltano.yml
    # sets: Airflow's example DAGs are off.
    dags_folder = ROOT / "orchestrate" / "airflow" / "dags"
    assert registered_dags() == [
        ("moodle-nightly", str(dags_folder / "meltano_schedules.py"))
    ]
