"""Airflow DAG: run `akhbar ingest` every 30 minutes, retrying a failed run under the same run id.

    cp examples/airflow_dag.py $AIRFLOW_HOME/dags/akhbar_ingest.py && airflow dags test akhbar_ingest

The run id is the DAG run's logical time (``{{ ts_nodash }}``, e.g. ``airflow-20241104T103000``):
a retry of the same DAG run writes the same file names, so it replaces only its own files and
never another run's, and it first repairs what a killed attempt left (pipelines/housekeeping.py).
Exit codes of ``akhbar ingest``: 0 done; 2 bad arguments, feeds file or unwritable output, where
retrying cannot help, so the task fails at once (``AirflowFailException``); 3 run failed, 4 the
output is locked by another live run (a slow run overlapping this slot), 5 no feed could be
fetched at all: Airflow retries those; 6 fewer articles than ``--min-articles``: the feeds answer
but yield too little, which a retry rarely changes, so the task fails at once for a person to
look. A daily ``compact`` task merges the day's small files (it takes the same lease). Paths are those of a checkout in /srv/akhbar; for Dataflow or Flink add
the runner options of examples/RUNNERS.md to ``RUNNER_ARGS``. Needs Airflow 2.4+; nothing here
imports akhbar or Beam, so the scheduler's own environment needs neither.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

AKHBAR = "/srv/akhbar/.venv/bin/akhbar"
FEEDS = "/srv/akhbar/configs/feeds.yaml"
OUTPUT = "/srv/akhbar/data/live"  # or gs://BUCKET/akhbar, s3://BUCKET/akhbar with RUNNER_ARGS below
RUNNER_ARGS: list[str] = []  # e.g. ["--runner", "DataflowRunner", "--project", "P", "--region", "R", ...]
EXIT_CONFIG, EXIT_FAILED, EXIT_LOCKED, EXIT_NO_FEEDS, EXIT_TOO_FEW = 2, 3, 4, 5, 6
MIN_ARTICLES = 1  # a run of a working schedule that writes nothing at all is worth a look


def run_ingest(run_id: str) -> str:
    command = [AKHBAR, "ingest", "--feeds", FEEDS, "--output", OUTPUT, "--run-id", run_id,
               "--lock-timeout", "300", "--min-articles", str(MIN_ARTICLES), *RUNNER_ARGS]
    # Output goes straight to the task log (per-stage counts, the report's path).
    code = subprocess.run(command, check=False).returncode
    if code == EXIT_CONFIG:
        raise AirflowFailException(f"akhbar ingest: bad arguments, feeds file or output (exit {code}); not retrying")
    if code == EXIT_TOO_FEW:
        raise AirflowFailException(f"akhbar ingest: run {run_id} wrote fewer than {MIN_ARTICLES} articles (exit 6)")
    if code != 0:
        reason = {EXIT_LOCKED: "output locked by another run", EXIT_NO_FEEDS: "no feed could be fetched"}.get(
            code, "run failed")
        raise AirflowException(f"akhbar ingest: {reason} (exit {code}); will retry with the same run id")
    return run_id


with DAG(
    dag_id="akhbar_ingest",
    description="Arabic news feeds → partitioned Parquet (akhbar ingest)",
    schedule="*/30 * * * *",
    start_date=datetime(2024, 11, 1),
    catchup=False,  # feeds list only their latest items: back-filling old slots fetches nothing older
    max_active_runs=1,  # runs never overlap, like flock in examples/cron.txt
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5), "execution_timeout": timedelta(minutes=25)},
    tags=["akhbar"],
) as dag:
    ingest = PythonOperator(
        task_id="ingest",
        python_callable=run_ingest,
        op_kwargs={"run_id": "airflow-{{ ts_nodash }}"},  # templated: same id on every retry of this DAG run
    )
    # The run already wrote OUTPUT/reports/RUN_ID.html; this prints its path into the task log and
    # re-renders it from the tables (e.g. after the report layout changed). Pure bash, no Python needed.
    report = BashOperator(
        task_id="report",
        bash_command=f'{AKHBAR} report {OUTPUT} --run-id "airflow-{{{{ ts_nodash }}}}"',
    )
    ingest >> report

# Once a day, merge the small files of partitions older than a day into one per partition. It
# waits for a running ingest's lease (exit 4 after --lock-timeout, which Airflow retries).
with DAG(
    dag_id="akhbar_compact",
    description="akhbar compact: one file per partition",
    schedule="15 3 * * *",
    start_date=datetime(2024, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["akhbar"],
) as compact_dag:
    BashOperator(task_id="compact", bash_command=f"{AKHBAR} compact {OUTPUT} --older-than 1 --lock-timeout 1200")
