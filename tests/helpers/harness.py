"""Run REDEX operators and sensors the way Airflow runs them, against a live sandbox.

``dag.test()`` is Airflow's own runner: the task SDK's task runner, the in-process execution
API (so ``task_state_store``, XCom and rendering are the real ones), reschedules, and a real
trigger run for deferred tasks. It only runs DAGs that live in the DAGs folder, so each test
writes its DAG there first.

Shared by ``tests/integration/operators`` and ``tests/integration/sensors``:
``from tests.helpers import harness``; ``tests/integration/conftest.py`` exposes its fixtures.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.sandbox.config import SandboxConfig
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox

DAG_HEADER = """\
from datetime import timedelta
from airflow.sdk import DAG
from airflow_provider_redex.operators import *  # noqa: F403
from airflow_provider_redex.sensors import *  # noqa: F403
"""


@dataclass
class DagResult:
    """What a test run left behind: the run's state, each task's state, tries and return value."""

    state: str
    task_states: dict[str, str]
    xcoms: dict[str, Any]
    tries: dict[str, int]


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A fresh metadata DB in the tests' throw-away AIRFLOW_HOME; returns the DAGs folder."""
    from airflow.configuration import conf
    from airflow.utils import db

    db.initdb()
    dags = Path(conf.get("core", "dags_folder"))
    dags.mkdir(parents=True, exist_ok=True)
    return dags


class TaskStateStore:
    """A task instance's ``task_state_store`` for tests that call ``execute`` directly: kept by
    the test across "tries", and storing JSON only, as Airflow's does."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = json.loads(json.dumps(value))


def sandbox_config(**overrides: Any) -> SandboxConfig:
    """Fast sandbox: 1 sandbox second = 10 ms; decisions by the admin API unless told."""
    settings: dict[str, Any] = {"time_scale": 0.01, "approve_after": None, "processing_seconds": 1.0}
    settings.update(overrides)
    return SandboxConfig(**settings)


@pytest.fixture
def redex_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A sandbox on loopback and the ``redex_default`` connection pointing at it."""
    with running_sandbox(sandbox_config()) as sandbox:
        connect(monkeypatch, sandbox)
        yield sandbox


def connect(monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox) -> None:
    conn = {"conn_type": "redex", "host": sandbox.url, "password": sandbox.token}
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))


def records(sandbox: RunningSandbox) -> dict[str, int]:
    """What the sandbox holds, per kind (``DeviceApplications``, ``Beneficiaries`` ...)."""
    return dict(sandbox.admin("GET", "counters")["Records"])


def posts(sandbox: RunningSandbox) -> int:
    """POST requests that reached the sandbox so far, answered or not."""
    by_route = sandbox.admin("GET", "counters")["Requests"]
    return sum(count for route, count in by_route.items() if route.startswith("POST "))


def requests_seen(sandbox: RunningSandbox) -> int:
    """REDEX API requests the sandbox has received so far (every window, every IP)."""
    per_ip = sandbox.admin("GET", "counters")["RateLimits"]["PerIp"]
    return sum(window["Arrived"] for windows in per_ip.values() for window in windows)


def run_dag(
    dags_folder: Path, dag_id: str, tasks: str, *, default_args: str = "{}", dag_arguments: str = ""
) -> DagResult:
    """Write a DAG holding ``tasks`` (Python source, one task per line) and run it once.

    :param dag_arguments: more ``DAG(...)`` arguments, as source (``"render_template_as_native_obj=True"``).
    """
    from airflow.dag_processing.dagbag import DagBag

    dag_id = re.sub(r"[^A-Za-z0-9_]", "_", dag_id)[:200]
    source = DAG_HEADER + (
        f"with DAG({dag_id!r}, schedule=None, default_args={default_args}"
        + (f", {dag_arguments}" if dag_arguments else "")
        + ") as dag:\n"
        + textwrap.indent(textwrap.dedent(tasks).strip() + "\n", "    ")
    )
    path = dags_folder / f"{dag_id}.py"
    path.write_text(source)
    bag = DagBag(dag_folder=str(path))
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag(dag_id)
    assert dag is not None
    run = dag.test()
    return _result(run)


def _result(run: Any) -> DagResult:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = run.get_task_instances(session=session)
        states = {ti.task_id: _text(ti.state) for ti in tis}
        tries = {ti.task_id: ti.try_number for ti in tis}
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=run.dag_id, key="return_value")
        ).all()
        xcoms = {row.task_id: XComModel.deserialize_value(row) for row in rows}
    return DagResult(state=_text(run.state), task_states=states, xcoms=xcoms, tries=tries)


def _text(state: Any) -> str:
    return str(getattr(state, "value", state))


def searchable_pdf(path: Path, pad_to: int = 0) -> Path:
    """A tiny PDF with a text layer (one line of text), optionally padded to at least a size."""
    text = b"BT /F1 12 Tf 72 720 Td (Owner Declaration Form) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(text)).encode() + b" >> stream\n" + text + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj " + body + b" endobj\n"
    out += b"%" + b"0" * max(0, pad_to - len(out)) + b"\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")


# --- REDEX state for the tests, made through the real client -------------------------------------


def client(sandbox: RunningSandbox, account: int = 0) -> Any:
    """The real client for one sandbox account, pacing off (the tests decide the load)."""
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pacing import PacingConfig

    token = sandbox.config.tokens[account]
    return RedexClient(sandbox.url, BearerToken(token), pacing=PacingConfig(enabled=False))


def account_requests(sandbox: RunningSandbox, account: int = 0) -> int:
    """REDEX API requests the sandbox has counted for one business account, every window."""
    account_id = str(sandbox.config.accounts[account].account_id)
    per_account = sandbox.admin("GET", "counters")["RateLimits"]["PerAccount"]
    return sum(window["Arrived"] for window in per_account.get(account_id, []))


@dataclass
class ApprovedDevice:
    """A grouped device REDEX approved: the ids the later lifecycle steps take."""

    application_id: str
    device_id: str
    inverters: list[str]


def grouped_device_request(
    name: str, file_id: str, *, inverters: int = 2, frequency: str = "Daily", since: date | None = None
) -> dict[str, Any]:
    """A D1 body: one device in Viet Nam with ``inverters`` small inverters, effective ``since``."""
    since = since or date(2025, 1, 1)
    return {
        "CountryCode": "VN",
        "GroupedEnglishName": name,
        "GroupedLocalName": name,
        "Province": "VN-01",
        "Timezone": "UTC+07:00",
        "GenerationDataFrequency": frequency,
        "Devices": [
            {
                "InstallationName": f"{name} roof",
                "Address": "1 Le Loi",
                "PostalCode": "700000",
                "Latitude": "22.3",
                "Longitude": "103.2",
                "GridConnectionDate": since.isoformat(),
                "OwnersDeclarationStartDate": since.isoformat(),
                "Domestic": False,
                "DeclarationFormFileId": file_id,
                "PercentageRenewable": "100",
                "Inverters": [
                    {
                        "RemoteInvId": f"{name}-INV-{i}",
                        "ElectronicSerialNumber": f"SN-{name}-{i}",
                        "BrandCode": "HW21",
                        "InstalledCapacity": "9.9",
                    }
                    for i in range(inverters)
                ],
            }
        ],
    }


def approved_device(
    sandbox: RunningSandbox,
    name: str,
    *,
    inverters: int = 2,
    frequency: str = "Daily",
    since: date | None = None,
) -> ApprovedDevice:
    """Register a grouped device through the API and approve it through the admin API."""
    with client(sandbox) as redex:
        file_id = str(redex.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
        request = grouped_device_request(name, file_id, inverters=inverters, frequency=frequency, since=since)
        application_id = str(redex.device_applications.create_grouped(request).id)
        sandbox.admin("POST", f"applications/{application_id}/approve")
        device_id = redex.device_applications.get(application_id).device_id
    assert device_id is not None
    inverter_ids = [f"{name}-INV-{i}" for i in range(inverters)]
    return ApprovedDevice(application_id, str(device_id), inverter_ids)


def process_statuses(sandbox: RunningSandbox, process_ids: list[int], *, attempts: int = 500) -> list[str]:
    """Poll G4 until every process has ended; their final statuses (a bound on reads, not on time)."""
    with client(sandbox) as redex:
        for _ in range(attempts):
            statuses = [redex.generation.get_process(pid).status for pid in process_ids]
            if all(status.is_terminal for status in statuses):
                return [str(status.value) for status in statuses]
            time.sleep(0.01)
    raise AssertionError(f"processes {process_ids} still running after {attempts} reads")


def push_daily(sandbox: RunningSandbox, readings: dict[str, dict[date, str]]) -> None:
    """Store daily readings (``{inverter: {day: kWh}}``) with one G2 send, and wait until stored."""
    devices = [
        {
            "RemoteInvId": inverter,
            "Data": [
                {"Timestamp": day, "PeriodProductionInKWh": kwh, "AccumulatedEnergyInKWh": kwh}
                for day, kwh in sorted(days.items())
            ],
        }
        for inverter, days in readings.items()
    ]
    with client(sandbox) as redex:
        process_id = redex.generation.send_batch({"Devices": devices}).process_id
    assert process_statuses(sandbox, [process_id]) == ["Success"]


#: What a sensor task looks like in the metadata DB while it waits in each mode: the proof that
#: it really waited that way. ``dag.test`` runs a trigger inline with the task put back to
#: ``queued``, so a deferral shows as the resume method it recorded, not as a state.
WAITING = {
    "poke": lambda state, next_method: state == "running",
    "reschedule": lambda state, next_method: state == "up_for_reschedule",
    "deferrable": lambda state, next_method: next_method == "execute_complete",
}


def once_waiting(
    dag_id: str, mode: str, act: Callable[[], object], task_id: str = "wait"
) -> threading.Thread:
    """Run ``act`` in a thread once the task is seen waiting in ``mode``, and a check later."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    seen_waiting = WAITING[mode]

    def watch() -> None:
        for _ in range(2400):  # a bound on reads; the sensor's own timeout ends the run first
            with create_session() as session:
                row = session.execute(
                    select(TaskInstance.state, TaskInstance.next_method).where(
                        TaskInstance.dag_id == dag_id, TaskInstance.task_id == task_id
                    )
                ).first()
            if row is not None and seen_waiting(_text(row[0]), row[1]):
                time.sleep(0.7)  # with poke_interval < 0.7 s it checks again while waiting
                act()
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread
