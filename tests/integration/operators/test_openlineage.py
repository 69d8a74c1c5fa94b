"""Lineage as a lineage tool receives it: the OpenLineage provider's listener, with its file
transport, around a real ``dag.test()`` run of the upload and registration against the sandbox.

The same run checks the extra link the registration leaves (Airflow computes it in the worker
and keeps it in XCom). The run happens in a fresh interpreter: the OpenLineage provider reads
its configuration once per process, and the other tests of this session run with it off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.sandbox.server import RunningSandbox

# A real Airflow run in a process of its own (10-35 s): out of the fast tier.
pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[3] / "dags" / "sample_data"
WEB_URL = "https://uat.redex.example"

DAG = """\
from airflow.sdk import DAG
from airflow_provider_redex.operators import (
    RedexRegisterGroupedDeviceOperator,
    RedexUploadDocumentOperator,
)

with DAG("redex_lineage_check", schedule=None) as dag:
    upload = RedexUploadDocumentOperator(task_id="upload_odf", path={odf!r})
    register = RedexRegisterGroupedDeviceOperator(
        task_id="register",
        grouped_device_file={device!r},
        declaration_form_file_id=upload.output["file_id"],
    )
"""

RUN = """\
from pathlib import Path
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={path!r})
assert not bag.import_errors, bag.import_errors
run = bag.get_dag("redex_lineage_check").test()
Path({state!r}).write_text(str(run.state))
"""


def _complete_events(path: Path) -> dict[str, dict[str, Any]]:
    """The COMPLETE run events, by task id (the job name is ``<dag_id>.<task_id>``)."""
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {
        event["job"]["name"].rpartition(".")[2]: event
        for event in events
        if event.get("eventType") == "COMPLETE" and "." in event["job"]["name"]
    }


def _datasets(event: dict[str, Any], side: str) -> list[tuple[str, str]]:
    return [(dataset["namespace"], dataset["name"]) for dataset in event[side]]


def test_openlineage_events_name_the_files_read_and_the_redex_resources_made(
    airflow_db: Path, redex_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    dag_file = airflow_db / "redex_lineage_check.py"
    odf, device = SAMPLES / "owner_declaration_form.pdf", SAMPLES / "grouped_device.json"
    dag_file.write_text(DAG.format(odf=str(odf), device=str(device)))
    lineage_file = tmp_path / "openlineage.jsonl"
    env = dict(os.environ)
    env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps(
        {"type": "file", "log_file_path": str(lineage_file), "append": True}
    )
    env["AIRFLOW__OPENLINEAGE__NAMESPACE"] = "redex-tests"
    connection = json.loads(env["AIRFLOW_CONN_REDEX_DEFAULT"])
    connection["extra"] = {**connection.get("extra", {}), "web_url": WEB_URL}
    env["AIRFLOW_CONN_REDEX_DEFAULT"] = json.dumps(connection)
    # dag.test() runs the task with in-process execution API comms, which a forked child cannot
    # use (the listener forks by default; a real worker's socket comms allow it): emit in a thread.
    env["AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD"] = "True"

    state_file = tmp_path / "run-state"  # not stdout: the listener's thread logs there meanwhile
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN.format(path=str(dag_file), state=str(state_file)))],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = (result.stdout + result.stderr)[-4000:]
    assert state_file.exists() and state_file.read_text() == "success", output

    events = _complete_events(lineage_file)
    host = redex_sandbox.url.split("://", 1)[1].rstrip("/")
    (upload_output,) = _datasets(events["upload_odf"], "outputs")
    assert _datasets(events["upload_odf"], "inputs") == [("file", str(odf))]
    assert upload_output[0] == f"redex://{host}" and upload_output[1].startswith("documents/")
    assert _datasets(events["register"], "inputs") == [("file", str(device))]
    (register_output,) = _datasets(events["register"], "outputs")
    assert register_output[0] == f"redex://{host}"
    assert register_output[1].startswith("device-applications/")

    application_id = register_output[1].rpartition("/")[2]
    assert _link(dag_file.stem, "register", "_link_RedexDeviceApplicationLink") == (
        f"{WEB_URL}/device-applications/{application_id}"
    )


def _link(dag_id: str, task_id: str, key: str) -> Any:
    """An extra link's value as the task left it in XCom (the API server reads it from there)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    query = select(XComModel).where(
        XComModel.dag_id == dag_id, XComModel.task_id == task_id, XComModel.key == key
    )
    with create_session() as session:
        (row,) = session.scalars(query).all()
        return XComModel.deserialize_value(row)
