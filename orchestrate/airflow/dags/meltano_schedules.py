"""Build one Airflow DAG per schedule of the Meltano project.

The schedules come from ``meltano schedule list --format=json``, run each time
Airflow parses this file, so a schedule added to meltano.yml appears without a
redeploy of the DAGs. A job schedule becomes a chain of BashOperator tasks, one
``meltano run <task>`` per task of the job, in the job's order. Airflow retries
only the task that failed, so a failed site is extracted again without the sites
before it. As in ``meltano run <job>``, the tasks after a failed one do not run.

Environment:
    MELTANO_PROJECT_ROOT: the Meltano project, which Meltano sets for Airflow.
        Without it, the folder three levels above this file.
    MELTANO_BIN: the ``meltano`` executable. Without it, the project's
        .venv/bin/meltano.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow import DAG
from airflow.operators.bash import BashOperator

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(
    os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parents[3]
)
MELTANO_BIN = os.environ.get("MELTANO_BIN") or str(
    PROJECT_ROOT / ".venv" / "bin" / "meltano"
)

# Airflow stops parsing a DAG file after core.dagbag_import_timeout, 30 s by
# default. `meltano schedule list` took 1.5 s on the project's 2-core machine.
SCHEDULE_LIST_TIMEOUT_SECONDS = 25

DEFAULT_ARGS = {
    "owner": "meltano",
    "depends_on_past": False,
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "email_on_failure": False,
    "email_on_retry": False,
}
DEFAULT_TAGS = ["meltano"]

# A fixed date in the past: with catchup off, the first run is the latest
# interval, not every interval since this date.
START_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)

# An interval that Meltano gives no cron expression but Airflow runs as it is.
ONCE_INTERVAL = "@once"


def list_schedules() -> dict:
    """Run ``meltano schedule list --format=json`` and return its ``schedules``."""
    command = [MELTANO_BIN, "schedule", "list", "--format=json"]
    logger.info(
        "Listing Meltano schedules: %s in %s", shlex.join(command), PROJECT_ROOT
    )
    try:
        result = subprocess.run(  # noqa: S603
            command,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=SCHEDULE_LIST_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as error:
        msg = (
            f"Meltano executable not found: {MELTANO_BIN}. Run `make install` in "
            f"{PROJECT_ROOT} or set MELTANO_BIN."
        )
        raise RuntimeError(msg) from error
    if result.returncode != 0:
        msg = (
            f"`{shlex.join(command)}` failed with exit code {result.returncode} "
            f"in {PROJECT_ROOT}:\n{result.stderr[-4000:]}"
        )
        raise RuntimeError(msg)
    return json.loads(result.stdout)["schedules"]


def airflow_schedule(schedule: dict) -> str | None:
    """Return the Airflow schedule of a Meltano schedule.

    That is the cron expression, ``@once``, or None (triggered by hand only) for
    Meltano's ``@manual`` and ``@none``.
    """
    if schedule.get("cron_interval"):
        return schedule["cron_interval"]
    if schedule.get("interval") == ONCE_INTERVAL:
        return ONCE_INTERVAL
    return None


def task_id_for(task: str, used_ids: set[str]) -> str:
    """Turn a job task such as ``dbt:build`` into a task id not yet in ``used_ids``."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", task).strip("_") or "task"
    task_id = base
    number = 2
    while task_id in used_ids:
        task_id = f"{base}_{number}"
        number += 1
    used_ids.add(task_id)
    return task_id


def meltano_command(*args: str) -> str:
    """Return the bash command line that runs ``meltano`` with these arguments."""
    return shlex.join([MELTANO_BIN, *args])


def new_dag(schedule: dict, tags: list[str]) -> DAG:
    """Create the DAG of one schedule, with no tasks yet."""
    return DAG(
        dag_id=schedule["name"],
        description=f"Meltano schedule {schedule['name']}",
        schedule=airflow_schedule(schedule),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=tags,
    )


def job_dag(schedule: dict) -> DAG:
    """Build the DAG of a job schedule: one ``meltano run`` task per job task."""
    job = schedule["job"]
    tags = [*DEFAULT_TAGS, f"schedule:{schedule['name']}", f"job:{job['name']}"]
    dag = new_dag(schedule, tags)
    used_ids: set[str] = set()
    previous = None
    for task in job["tasks"]:
        # A job task is a string of blocks or, in meltano.yml, a list of blocks.
        blocks = (
            task.split() if isinstance(task, str) else [str(block) for block in task]
        )
        operator = BashOperator(
            task_id=task_id_for(" ".join(blocks), used_ids),
            bash_command=meltano_command("run", *blocks),
            cwd=str(PROJECT_ROOT),
            env=schedule.get("env") or None,
            append_env=True,
            dag=dag,
        )
        if previous is not None:
            previous >> operator
        previous = operator
    logger.info(
        "DAG %s: job %s, %d tasks, schedule %s",
        dag.dag_id,
        job["name"],
        len(job["tasks"]),
        airflow_schedule(schedule),
    )
    return dag


def elt_dag(schedule: dict) -> DAG:
    """Build the DAG of a legacy extractor-loader schedule: one task."""
    tags = [*DEFAULT_TAGS, f"schedule:{schedule['name']}"]
    dag = new_dag(schedule, tags)
    BashOperator(
        task_id="schedule_run",
        bash_command=meltano_command("schedule", "run", schedule["name"]),
        cwd=str(PROJECT_ROOT),
        env=schedule.get("env") or None,
        append_env=True,
        dag=dag,
    )
    logger.info(
        "DAG %s: extractor-loader schedule, schedule %s",
        dag.dag_id,
        airflow_schedule(schedule),
    )
    return dag


def create_dags() -> dict[str, DAG]:
    """Build the DAGs of every Meltano schedule, by DAG id."""
    schedules = list_schedules()
    dags: dict[str, DAG] = {}
    for schedule in schedules.get("job", []):
        dags[schedule["name"]] = job_dag(schedule)
    for schedule in schedules.get("elt", []):
        dags[schedule["name"]] = elt_dag(schedule)
    return dags


# Airflow collects the DAG objects found in the module's globals.
globals().update(create_dags())
