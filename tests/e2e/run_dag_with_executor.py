"""Run one DAG of the DAGs folder with ``dag.test(use_executor=True)``; print a JSON summary.

Used by ``test_exactly_once.py`` in a fresh process, so the Airflow configuration of that
test (its AIRFLOW_HOME, the LocalExecutor, the API server URL) is the one read at import.
"""

from __future__ import annotations

import json
import sys


def main(dag_id: str) -> None:
    from airflow.configuration import conf
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.session import create_session

    bag = DagBag(dag_folder=conf.get("core", "dags_folder"))
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    run = bag.get_dag(dag_id).test(use_executor=True)
    with create_session() as session:
        tis = run.get_task_instances(session=session)
        tries = {ti.task_id: ti.try_number for ti in tis}
        states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in tis}
    print(
        json.dumps({"state": str(getattr(run.state, "value", run.state)), "tries": tries, "states": states})
    )


if __name__ == "__main__":
    main(sys.argv[1])
