"""The event-driven example DAG: scheduled on an Asset that the decision watcher feeds."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"
if str(DAGS) not in sys.path:  # as Airflow does for the DAGs folder (redex_common)
    sys.path.insert(0, str(DAGS))


def test_the_example_dag_runs_on_each_retirement_decision_with_no_waiting_task() -> None:
    from airflow.dag_processing.dagbag import DagBag

    from airflow_provider_redex.triggers import RedexApplicationDecidedTrigger

    bag = DagBag(dag_folder=str(DAGS / "redex_on_retirement_decided.py"))
    module = importlib.import_module("redex_on_retirement_decided")

    assert bag.import_errors == {}
    dag = bag.dags["redex_on_retirement_decided"]
    assert [task.task_type for task in dag.tasks] == ["_PythonDecoratedOperator"]  # no sensor
    (watcher,) = module.RETIREMENT_DECIDED.watchers
    assert isinstance(watcher.trigger, RedexApplicationDecidedTrigger)
    assert watcher.trigger.serialize()[1]["kind"] == "retirements"
