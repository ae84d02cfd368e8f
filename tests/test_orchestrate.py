"""The Airflow side (orchestrate/): DAGs loaded by Airflow's DagBag, run by Meltano.

The DagBag runs in Meltano's Airflow environment (`make install-airflow`), in a
child process, because Airflow is not installed in the project's .venv.
"""

from __future__ import annotations

import json
import re
import shlex
import typing as t
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from .airflow_support import (
    MELTANO,
    ROOT,
    base_environment,
    require_airflow,
    run_checked,
)
from .conftest import query

if t.TYPE_CHECKING:
    from moodle_stack.sandbox import SandboxProcess
    from moodle_stack.warehouse import Connection

    from .conftest import Meltano

DAGS_FOLDER = ROOT / "orchestrate" / "airflow" / "dags"
NIGHTLY = "moodle-nightly"

# Loads the DAG folder with Airflow's DagBag and writes what the tests check as
# JSON to the file given as the second argument.
DAGBAG_SCRIPT = """
import json
import sys

from airflow.models import DagBag

bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
dags = {}
for dag_id, dag in bag.dags.items():
    dags[dag_id] = {
        "schedule": dag.timetable.summary,
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "tags": sorted(dag.tags),
        "fileloc": dag.fileloc,
        "tasks": {
            task.task_id: {
                "operator": type(task).__name__,
                "bash_command": task.bash_command,
                "cwd": task.cwd,
                "env": task.env,
                "append_env": task.append_env,
                "retries": task.retries,
                "retry_delay": task.retry_delay.total_seconds(),
                "depends_on_past": task.depends_on_past,
                "trigger_rule": str(task.trigger_rule),
                "upstream": sorted(task.upstream_task_ids),
            }
            for task in dag.tasks
        },
    }
with open(sys.argv[2], "w") as output:
    json.dump({"import_errors": bag.import_errors, "dags": dags}, output)
"""


def load_dagbag(tmp_path: Path, **extra_env: str) -> dict[str, t.Any]:
    """Load the DAG folder with Airflow's DagBag and return the DAGs and errors."""
    python = require_airflow()
    env = base_environment() | {
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
    }
    env.update(extra_env)
    output = tmp_path / "dagbag.json"
    run_checked([str(python), "-c", DAGBAG_SCRIPT, str(DAGS_FOLDER), str(output)], env)
    return json.loads(output.read_text())


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory) -> dict[str, t.Any]:
    """The DagBag of orchestrate/airflow/dags, with MELTANO_BIN and the root unset."""
    return load_dagbag(tmp_path_factory.mktemp("dagbag"))


def project_document() -> dict[str, t.Any]:
    return yaml.safe_load((ROOT / "meltano.yml").read_text())


def job_tasks(job_name: str) -> list[str]:
    jobs = {job["name"]: job for job in project_document()["jobs"]}
    return jobs[job_name]["tasks"]


def ordered_tasks(dag: dict[str, t.Any]) -> list[str]:
    """Return the task ids in chain order, and fail unless the tasks form one line."""
    tasks = dag["tasks"]
    first = [task_id for task_id, task in tasks.items() if not task["upstream"]]
    assert len(first) == 1, f"expected one first task, found {first}"
    order = first
    while len(order) < len(tasks):
        following = [
            task_id
            for task_id, task in tasks.items()
            if task["upstream"] == [order[-1]]
        ]
        assert len(following) == 1, f"after {order[-1]}: {following}"
        order.append(following[0])
    return order


def test_dagbag_has_no_import_errors(dagbag):
    assert dagbag["import_errors"] == {}


def test_one_dag_per_meltano_schedule(dagbag):
    schedules = {schedule["name"] for schedule in project_document()["schedules"]}
    assert set(dagbag["dags"]) == schedules


def test_nightly_dag_schedule_and_runs(dagbag):
    dag = dagbag["dags"][NIGHTLY]
    assert dag["schedule"] == "0 2 * * *"
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1
    assert Path(dag["fileloc"]).parent == DAGS_FOLDER


def test_nightly_dag_tags(dagbag):
    tags = dagbag["dags"][NIGHTLY]["tags"]
    assert "meltano" in tags
    assert f"schedule:{NIGHTLY}" in tags
    assert "job:moodle-all-sites" in tags


def test_nightly_tasks_follow_job_order(dagbag):
    dag = dagbag["dags"][NIGHTLY]
    expected = job_tasks("moodle-all-sites")
    commands = [dag["tasks"][task_id]["bash_command"] for task_id in ordered_tasks(dag)]
    assert commands == [
        shlex.join([str(MELTANO), "run", *task.split()]) for task in expected
    ]


def test_nightly_tasks_run_in_project(dagbag):
    for task_id, task in dagbag["dags"][NIGHTLY]["tasks"].items():
        assert task["operator"] == "BashOperator", task_id
        assert task["cwd"] == str(ROOT), task_id


def test_nightly_task_ids_name_the_task(dagbag):
    assert ordered_tasks(dagbag["dags"][NIGHTLY]) == [
        "tap-moodle-1_target-postgres",
        "tap-moodle-2_target-postgres",
        "tap-moodle-3_target-postgres",
        "tap-moodle-4_target-postgres",
        "dbt_build",
    ]


def test_nightly_tasks_retry_alone(dagbag):
    """Each job task is its own Airflow task, so a retry repeats only that site."""
    for task_id, task in dagbag["dags"][NIGHTLY]["tasks"].items():
        assert task["retries"] >= 1, task_id
        assert task["retry_delay"] >= timedelta(minutes=1).total_seconds(), task_id
        assert task["depends_on_past"] is False, task_id
        assert task["trigger_rule"] == "all_success", task_id


def test_missing_meltano_is_import_error(tmp_path):
    missing = tmp_path / "no-such-meltano"
    result = load_dagbag(tmp_path, MELTANO_BIN=str(missing))
    assert result["dags"] == {}
    errors = list(result["import_errors"].values())
    assert len(errors) == 1
    assert f"Meltano executable not found: {missing}" in errors[0]


def test_project_root_from_environment(tmp_path):
    """MELTANO_PROJECT_ROOT, which Meltano sets, wins over the file's location."""
    result = load_dagbag(tmp_path, MELTANO_PROJECT_ROOT=str(tmp_path))
    errors = list(result["import_errors"].values())
    assert len(errors) == 1
    assert f"Meltano executable not found: {tmp_path}/.venv/bin/meltano" in errors[0]


# Schedules of the kinds that meltano.yml does not use, in the format of
# `meltano schedule list --format=json` of Meltano 4.4.1.
OTHER_SCHEDULES = {
    "schedules": {
        "job": [
            {
                "name": "by-hand",
                "interval": "@manual",
                "cron_interval": None,
                "env": {},
                "job": {
                    "name": "moodle-site-1",
                    "tasks": ["tap-moodle-1 target-postgres"],
                },
            },
            {
                "name": "just-once",
                "interval": "@once",
                "cron_interval": None,
                "env": {"DBT_TARGET": "prod"},
                "job": {"name": "moodle-site-1", "tasks": [["dbt:run"], "dbt:run"]},
            },
        ],
        "elt": [
            {
                "name": "legacy-elt",
                "interval": "@daily",
                "cron_interval": "0 0 * * *",
                "env": {},
                "extractor": "tap-moodle-2",
                "loader": "target-postgres",
                "transform": "skip",
            }
        ],
    }
}


def test_other_schedule_kinds(tmp_path):
    """Manual, @once and extractor-loader schedules, from a stand-in meltano."""
    listing = tmp_path / "schedules.json"
    listing.write_text(json.dumps(OTHER_SCHEDULES))
    stand_in = tmp_path / "meltano"
    stand_in.write_text(f"#!/bin/sh\ncat {shlex.quote(str(listing))}\n")
    stand_in.chmod(0o755)
    result = load_dagbag(tmp_path, MELTANO_BIN=str(stand_in))
    assert result["import_errors"] == {}
    dags = result["dags"]
    assert set(dags) == {"by-hand", "just-once", "legacy-elt"}
    # Timetable summaries of Airflow 2.10: None is a DAG triggered by hand only.
    assert dags["by-hand"]["schedule"] == "None"
    assert dags["just-once"]["schedule"] == "@once"
    assert dags["legacy-elt"]["schedule"] == "0 0 * * *"
    # A repeated task gets a second id. A task given as a list runs like a string.
    assert ordered_tasks(dags["just-once"]) == ["dbt_run", "dbt_run_2"]
    for task in dags["just-once"]["tasks"].values():
        assert task["bash_command"] == shlex.join([str(stand_in), "run", "dbt:run"])
        assert task["env"] == {"DBT_TARGET": "prod"}
        assert task["append_env"] is True
    (elt_task,) = dags["legacy-elt"]["tasks"].values()
    assert elt_task["bash_command"] == shlex.join(
        [str(stand_in), "schedule", "run", "legacy-elt"]
    )


def makefile_pipeline_plugins() -> list[str]:
    match = re.search(
        r"^PIPELINE_PLUGINS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE
    )
    assert match, "PIPELINE_PLUGINS is missing from the Makefile"
    return match.group(1).split()


def project_plugins() -> dict[str, dict[str, t.Any]]:
    """Every plugin of the project's *.meltano.yml files, by name, with its type."""
    plugins: dict[str, dict[str, t.Any]] = {}
    for path in ROOT.glob("*/*.meltano.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        for kind, definitions in document.get("plugins", {}).items():
            for plugin in definitions:
                plugins[plugin["name"]] = plugin | {"type": kind}
    return plugins


def test_make_install_covers_pipeline_plugins():
    """`make install` names every plugin but Airflow, which install-airflow adds."""
    named = makefile_pipeline_plugins()
    plugins = project_plugins()
    for name in named:
        assert name in plugins, f"PIPELINE_PLUGINS names unknown plugin {name}"
    for name, plugin in plugins.items():
        if plugin["type"] == "orchestrators":
            assert name not in named, name
            continue
        installed_as = plugin.get("inherit_from", name)
        assert installed_as in named, f"make install does not install {name}"


@pytest.mark.e2e
def test_airflow_task_loads_site(
    meltano: Meltano, site_one: SandboxProcess, warehouse: Connection, tmp_path: Path
):
    """Airflow, started by Meltano, runs the DAG's first task against a sandbox site."""
    meltano.use_site(1, site_one, "airflow-site")
    meltano.env["AIRFLOW_DATABASE_SQL_ALCHEMY_CONN"] = (
        f"sqlite:///{tmp_path / 'airflow.db'}"
    )
    meltano.env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] = str(tmp_path / "airflow-logs")
    meltano.run(
        "invoke",
        "airflow",
        "tasks",
        "test",
        NIGHTLY,
        "tap-moodle-1_target-postgres",
        "2026-01-01",
    )
    rows = query(
        warehouse,
        "select count(*) from moodle_raw.courses where instance = %s",
        "airflow-site",
    )
    assert rows[0][0] > 0
