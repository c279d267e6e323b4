"""Airflow DAG: run `akhbar ingest` every 30 minutes, retrying a failed run under the same run id.

    cp examples/airflow_dag.py $AIRFLOW_HOME/dags/akhbar_ingest.py && airflow dags test akhbar_ingest

The run id is the DAG run's logical time (``{{ ts_nodash }}``, e.g. ``airflow-20241104T103000``):
a retry of the same DAG run writes the same file names, so it replaces only its own files and
never another run's. Exit codes of ``akhbar ingest``: 0 done; 2 bad arguments or feeds file,
where retrying cannot help, so the task fails at once (``AirflowFailException``); 3 run failed,
which Airflow retries. Paths are those of a checkout in /srv/akhbar; for Dataflow or Flink add
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
EXIT_CONFIG, EXIT_FAILED = 2, 3


def run_ingest(run_id: str) -> str:
    command = [AKHBAR, "ingest", "--feeds", FEEDS, "--output", OUTPUT, "--run-id", run_id, *RUNNER_ARGS]
    # Output goes straight to the task log (per-stage counts, the report's path).
    code = subprocess.run(command, check=False).returncode
    if code == EXIT_CONFIG:
        raise AirflowFailException(f"akhbar ingest: bad arguments or feeds file (exit {code}); not retrying")
    if code != 0:
        raise AirflowException(f"akhbar ingest: run {run_id} failed (exit {code}); will retry with the same run id")
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
