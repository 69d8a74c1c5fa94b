"""What Airflow knows about REDEX work: which task made or waits on an application, the pushes.

Purpose
    The page ties each REDEX application to the Airflow task that created it (its return
    value, the application id, in XCom) or that is still waiting on it (a deferred or
    rescheduled sensor, the id in its rendered fields), and lists the latest generation
    pushes and stored certificates from the operators' XCom results.

How it works
    A handful of indexed reads on the metadata database, by the operators' class names
    (``TaskInstance.operator``), newest first and bounded (:data:`RECENT_TASKS`). Nothing here
    calls REDEX. Tasks of DAGs the user may not read are dropped by the caller.

What it does not do
    A task whose XCom was cleared, or a waiting sensor whose rendered fields were pruned, is
    not linked. Pushes and certificates without rendered fields are assumed to use the
    operators' default connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from airflow_provider_redex.client.models.generation import ProcessStatus

RECENT_TASKS = 200
"""Task instances read per kind: enough for weeks of daily runs, cheap to read."""
RECENT_PUSHES = 10

CREATORS = (
    "RedexRegisterGroupedDeviceOperator",
    "RedexCreateRecApplicationOperator",
    "RedexCreateRetirementOperator",
)
# Sensor class -> the templated field that holds the application id it waits on.
WAITERS = {
    "RedexDeviceApplicationSensor": "device_application_id",
    "RedexRecApplicationSensor": "rec_application_id",
    "RedexRetirementApplicationSensor": "retirement_application_id",
}
PUSHER = "RedexPushGenerationDataOperator"
PROCESS_SENSOR = "RedexGenerationProcessSensor"
CERTIFICATE_SAVER = "RedexDownloadRetirementCertificateOperator"
WAITING_STATES = ("deferred", "up_for_reschedule", "running", "queued", "scheduled")
DEFAULT_CONN_ID = "redex_default"


@dataclass(frozen=True)
class TaskRef:
    """One task instance, enough to name it and link to it in the Airflow UI."""

    dag_id: str
    run_id: str
    task_id: str
    state: str | None
    when: datetime | None = None

    @property
    def href(self) -> str:
        return f"/dags/{quote(self.dag_id)}/runs/{quote(self.run_id, safe='')}/tasks/{quote(self.task_id)}"

    @property
    def label(self) -> str:
        return f"{self.dag_id}.{self.task_id}"


@dataclass(frozen=True)
class PushResult:
    """One push operator's result (its XCom) and the task that made it."""

    task: TaskRef
    records: int
    requests: int
    process_ids: tuple[int, ...]


@dataclass(frozen=True)
class StoredCertificate:
    """Where the certificate operator saved a retirement's certificate."""

    task: TaskRef
    application_number: str
    path: str
    size: int


@dataclass
class AirflowFacts:
    """Everything the page takes from the metadata database for one connection."""

    made_by: dict[str, TaskRef] = field(default_factory=dict)
    waited_on_by: dict[str, TaskRef] = field(default_factory=dict)
    pushes: list[PushResult] = field(default_factory=list)
    certificates: dict[str, StoredCertificate] = field(default_factory=dict)
    # ProcessIds a generation sensor saw succeed: it succeeds only once every one is Success,
    # so REDEX need not be asked again.
    settled_processes: dict[int, str] = field(default_factory=dict)

    def visible_to(self, dag_ids: set[str]) -> AirflowFacts:
        """Only what belongs to DAGs in ``dag_ids`` (those the user may read)."""
        return AirflowFacts(
            made_by={k: t for k, t in self.made_by.items() if t.dag_id in dag_ids},
            waited_on_by={k: t for k, t in self.waited_on_by.items() if t.dag_id in dag_ids},
            pushes=[p for p in self.pushes if p.task.dag_id in dag_ids],
            certificates={k: c for k, c in self.certificates.items() if c.task.dag_id in dag_ids},
            settled_processes=self.settled_processes,
        )


def read_airflow_facts(conn_id: str) -> AirflowFacts:
    """Read the links, pushes and certificates for ``conn_id`` from the metadata database."""
    from airflow.utils.session import create_session

    facts = AirflowFacts()
    with create_session() as session:
        for ref, value in _results(session, CREATORS):
            if isinstance(value, str):
                facts.made_by.setdefault(value, ref)
        for ref, fields in _rendered(session, tuple(WAITERS), WAITING_STATES):
            if _conn(fields) == conn_id:
                for name in WAITERS.values():
                    if isinstance(fields.get(name), str):
                        facts.waited_on_by.setdefault(fields[name], ref)
        for _, fields in _rendered(session, (PROCESS_SENSOR,), ("success",)):
            if _conn(fields) == conn_id:
                for process_id in _process_ids(fields.get("process_ids")):
                    facts.settled_processes[process_id] = ProcessStatus.SUCCESS.value
        pushes = (_push(ref, value) for ref, value in _results_of(session, PUSHER, conn_id))
        facts.pushes = [push for push in pushes if push is not None][:RECENT_PUSHES]
        for ref, value in _results_of(session, CERTIFICATE_SAVER, conn_id):
            stored = _certificate(ref, value)
            if stored is not None:
                facts.certificates.setdefault(stored.application_number, stored)
    return facts


def _conn(fields: Mapping[str, Any]) -> Any:
    return fields.get("redex_conn_id", DEFAULT_CONN_ID)


def _results_of(session: Any, operator: str, conn_id: str) -> list[tuple[TaskRef, Any]]:
    """``operator``'s results on ``conn_id`` (the connection read from its rendered fields)."""
    conns = {_key(ref): _conn(fields) for ref, fields in _rendered(session, (operator,))}
    return [
        (ref, v)
        for ref, v in _results(session, (operator,))
        if conns.get(_key(ref), DEFAULT_CONN_ID) == conn_id
    ]


def _key(ref: TaskRef) -> tuple[str, str, str]:
    return (ref.dag_id, ref.run_id, ref.task_id)


def _results(session: Any, operators: Iterable[str]) -> list[tuple[TaskRef, Any]]:
    """The ``return_value`` XCom of the newest task instances of ``operators``."""
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    query = (
        select(TI.dag_id, TI.run_id, TI.task_id, TI.state, TI.end_date, XComModel.value)
        .join(XComModel, _same_task_instance(XComModel, TI))
        .where(TI.operator.in_(list(operators)), XComModel.key == "return_value")
        .order_by(XComModel.timestamp.desc())
        .limit(RECENT_TASKS)
    )
    return [
        (
            TaskRef(row.dag_id, row.run_id, row.task_id, row.state, row.end_date),
            XComModel.deserialize_value(row),
        )
        for row in session.execute(query)
    ]


def _rendered(
    session: Any, operators: Iterable[str], states: Iterable[str] | None = None
) -> list[tuple[TaskRef, Mapping[str, Any]]]:
    """The rendered template fields of the newest task instances of ``operators``."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as RTIF
    from airflow.models.taskinstance import TaskInstance as TI
    from sqlalchemy import select

    query = (
        select(TI.dag_id, TI.run_id, TI.task_id, TI.state, TI.start_date, RTIF.rendered_fields)
        .join(RTIF, _same_task_instance(RTIF, TI))
        .where(TI.operator.in_(list(operators)))
        .order_by(TI.start_date.desc())
        .limit(RECENT_TASKS)
    )
    if states is not None:
        query = query.where(TI.state.in_(list(states)))
    return [
        (TaskRef(row.dag_id, row.run_id, row.task_id, row.state, row.start_date), row.rendered_fields or {})
        for row in session.execute(query)
    ]


def _same_task_instance(table: Any, ti: Any) -> Any:
    """The join condition from a per-task-instance table (XCom, rendered fields) to its TI."""
    return (
        (table.dag_id == ti.dag_id)
        & (table.run_id == ti.run_id)
        & (table.task_id == ti.task_id)
        & (table.map_index == ti.map_index)
    )


def _push(ref: TaskRef, value: Any) -> PushResult | None:
    if not isinstance(value, Mapping):
        return None
    return PushResult(
        task=ref,
        records=int(value.get("records_sent") or 0),
        requests=int(value.get("requests") or 0),
        process_ids=tuple(int(p) for p in value.get("process_ids") or ()),
    )


def _certificate(ref: TaskRef, value: Any) -> StoredCertificate | None:
    if not isinstance(value, Mapping) or not value.get("application_number"):
        return None
    return StoredCertificate(
        task=ref,
        application_number=str(value["application_number"]),
        path=str(value.get("path") or ""),
        size=int(value.get("bytes") or 0),
    )


def _process_ids(value: Any) -> list[int]:
    from airflow_provider_redex.sensors.generation import parse_process_ids

    try:
        return parse_process_ids(value)
    except (TypeError, ValueError):  # rendered fields truncated or of another shape
        return []
