"""The REC, retirement and generation sensors in every mode, and every failure the sandbox can decide.

Success runs go through ``dag.test``: the sandbox decides only once the task is seen waiting
the way its mode waits (a running poke loop, up for reschedule, deferred to a trigger that
``dag.test`` runs inline). Failures are checked both ways a sensor can learn of them: a poke
in the worker, and a real trigger run whose event is fed to ``execute_complete``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from airflow_provider_redex.sensors import (
    RedexGenerationProcessSensor,
    RedexRecApplicationSensor,
    RedexRetirementApplicationSensor,
)
from airflow_provider_redex.sensors.base import RedexStatusSensor
from tests.helpers import harness

MODES = {"poke": "mode='poke'", "reschedule": "mode='reschedule'", "deferrable": "deferrable=True"}
BENEFICIARY = {
    "BeneficiaryType": "Corporate",
    "BeneficiaryName": "Sensor Test Co",
    "CountryCode": "SG",
    "CorporateName": "Sensor Test Co Pte",
    "CorporateAddress": "1 Fusionopolis Way",
}
PROCESSING_SECONDS = 360_000.0
"""Sandbox seconds a generation process spends in each step: an hour of real time at 1 %, so a
process moves only when a test moves the sandbox clock."""


@pytest.fixture
def slow_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    with running_sandbox(harness.sandbox_config(processing_seconds=PROCESSING_SECONDS)) as sandbox:
        harness.connect(monkeypatch, sandbox)
        yield sandbox


def pending_rec_application(sandbox: RunningSandbox, name: str) -> str:
    ours = rules.earliest_claimable_date(rules.today_earliest())
    start = ours + timedelta(days=1)
    device = harness.approved_device(sandbox, name, since=ours)
    harness.push_daily(sandbox, {device.inverters[0]: {start: "1500"}})
    with harness.client(sandbox) as redex:
        created = redex.rec_applications.create_for_grouped_device(
            {"DeviceId": device.device_id, "VintageFrom": start, "VintageTo": start}
        )
    return str(created.id)


def pending_retirement(sandbox: RunningSandbox) -> str:
    """A retirement of half a REC from the account's sample inventory."""
    with harness.client(sandbox) as redex:
        item = next(i for i in redex.inventories.list_recs() if i.available >= 1)
        beneficiary = redex.beneficiaries.create(BENEFICIARY).id
        created = redex.retirements.create(
            {
                "BeneficiaryId": beneficiary,
                "Quantity": "0.5",
                "Reason": "sensor test",
                "Registry": item.registry.value.value,
                "VintageYear": item.vintage_year,
            }
        )
    return str(created.id)


def pending_processes(sandbox: RunningSandbox, count: int, *, known_inverter: bool = True) -> list[int]:
    """``count`` generation sends; an unknown inverter makes REDEX fail the process."""
    inverter = harness.approved_device(sandbox, f"Gen{count}{known_inverter}", inverters=1).inverters[0]
    inverter = inverter if known_inverter else "NOT-REGISTERED"
    ids = []
    with harness.client(sandbox) as redex:
        for day in range(count):
            record = {"Timestamp": f"2025-06-{day + 1:02d}", "PeriodProductionInKWh": "5"}
            body = {"RemoteInvId": inverter, "Data": [{**record, "AccumulatedEnergyInKWh": "5"}]}
            ids.append(redex.generation.send_daily(body).process_id)
    return ids


def _wait_in_dag(dags: Path, dag_id: str, mode: str, sensor: str, act: Callable[[], None]) -> Any:
    watcher = harness.once_waiting(dag_id, mode, act)
    result = harness.run_dag(
        dags, dag_id, f"{sensor[:-1]}, task_id='wait', poke_interval=0.3, timeout=120, {MODES[mode]})"
    )
    watcher.join(timeout=5)
    assert not watcher.is_alive(), "the sensor was never seen waiting"
    assert result.state == "success", result
    return result.xcoms["wait"]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_rec_application_sensor_waits_until_approved(airflow_db: Path, redex_sandbox: Any, mode: str) -> None:
    application_id = pending_rec_application(redex_sandbox, f"RecWait{mode}")

    value = _wait_in_dag(
        airflow_db,
        f"rec_sensor_{mode}",
        mode,
        f"RedexRecApplicationSensor(rec_application_id={application_id!r})",
        lambda: redex_sandbox.admin("POST", f"applications/{application_id}/approve"),
    )

    assert value["rec_application_id"] == application_id
    assert value["status"] == "Approved"
    assert value["application_number"]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_retirement_sensor_waits_until_completed(airflow_db: Path, redex_sandbox: Any, mode: str) -> None:
    retirement_id = pending_retirement(redex_sandbox)

    value = _wait_in_dag(
        airflow_db,
        f"retirement_sensor_{mode}",
        mode,
        f"RedexRetirementApplicationSensor(retirement_application_id={retirement_id!r})",
        lambda: redex_sandbox.admin("POST", f"applications/{retirement_id}/approve"),
    )

    assert value["retirement_application_id"] == retirement_id
    assert value["status"] == "Completed"
    assert value["certificate_url"].endswith(".pdf")


@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_generation_sensor_waits_until_every_process_succeeded(
    airflow_db: Path, slow_sandbox: RunningSandbox, mode: str, count: int
) -> None:
    process_ids = pending_processes(slow_sandbox, count)
    # One id as REDEX returns it, several as the push operator's XCom renders them.
    argument = process_ids[0] if count == 1 else str(process_ids)

    def process_everything() -> None:
        slow_sandbox.admin("POST", "clock/advance", {"Seconds": 3 * PROCESSING_SECONDS})

    value = _wait_in_dag(
        airflow_db,
        f"generation_sensor_{mode}_{count}",
        mode,
        f"RedexGenerationProcessSensor(process_ids={argument!r})",
        process_everything,
    )

    assert value["process_ids"] == process_ids
    assert value["statuses"] == {str(pid): "Success" for pid in process_ids}


# --- failures: a poke and a trigger run both fail with number, status and reason ------------------


def _trigger_event(sensor: RedexStatusSensor) -> dict[str, Any]:
    """Run the sensor's trigger against the sandbox to its event, as the triggerer would."""
    trigger = sensor.trigger_class(
        resource_ids=sensor.resource_ids(),
        redex_conn_id=sensor.redex_conn_id,
        deadline=time.time() + 60,
        poll_interval=0.05,
    )

    async def first_event() -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("the trigger yielded nothing")

    return asyncio.run(first_event())


def _assert_fails_both_ways(sensor: RedexStatusSensor, *parts: str) -> None:
    with pytest.raises(AirflowFailException) as poked:
        sensor.poke({})  # type: ignore[arg-type]
    event = _trigger_event(sensor)
    assert event["status"] == "failure"
    with pytest.raises(AirflowFailException) as resumed:
        sensor.execute_complete({}, event)  # type: ignore[arg-type]
    for part in parts:
        assert part in str(poked.value)
        assert part in str(resumed.value)


def _number(sandbox: Any, area: str, resource_id: str) -> str:
    with harness.client(sandbox) as redex:
        return str(getattr(redex, area).get(resource_id).application_number)


@pytest.mark.parametrize(("decision", "status"), [("reject", "Rejected"), ("return", "ToReSubmit")])
def test_rec_application_sensor_fails_on_a_decision_against_it(
    redex_sandbox: Any, decision: str, status: str
) -> None:
    application_id = pending_rec_application(redex_sandbox, f"RecFail{decision}")
    redex_sandbox.admin(
        "POST", f"applications/{application_id}/{decision}", {"Reason": "meter not certified"}
    )
    sensor = RedexRecApplicationSensor(task_id="wait", rec_application_id=application_id)

    number = _number(redex_sandbox, "rec_applications", application_id)
    _assert_fails_both_ways(sensor, number, status, "meter not certified")


@pytest.mark.parametrize(("decision", "status"), [("reject", "Rejected"), ("return", "Returned")])
def test_retirement_sensor_fails_on_a_decision_against_it(
    redex_sandbox: Any, decision: str, status: str
) -> None:
    retirement_id = pending_retirement(redex_sandbox)
    redex_sandbox.admin("POST", f"applications/{retirement_id}/{decision}", {"Reason": "invoice unpaid"})
    sensor = RedexRetirementApplicationSensor(task_id="wait", retirement_application_id=retirement_id)

    number = _number(redex_sandbox, "retirements", retirement_id)
    _assert_fails_both_ways(sensor, number, status, "invoice unpaid")


def test_generation_sensor_fails_when_one_process_failed(redex_sandbox: Any) -> None:
    good = pending_processes(redex_sandbox, 1)
    bad = pending_processes(redex_sandbox, 1, known_inverter=False)
    assert harness.process_statuses(redex_sandbox, good + bad) == ["Success", "Failed"]
    sensor = RedexGenerationProcessSensor(task_id="wait", process_ids=good + bad)

    # A process has no application number, and REDEX gives no reason for a failed one (6.4).
    _assert_fails_both_ways(sensor, f"generation process {bad[0]}", "Failed", "REDEX gave no reason")


# --- the trigger's deadline: one final read, even when the deadline has already passed -----------


@pytest.mark.parametrize(("approve", "outcome"), [(True, "success"), (False, "timeout")])
def test_a_trigger_past_its_deadline_reads_once_and_reports_what_it_read(
    redex_sandbox: Any, approve: bool, outcome: str
) -> None:
    application_id = pending_rec_application(redex_sandbox, f"RecDeadline{approve}")
    if approve:
        redex_sandbox.admin("POST", f"applications/{application_id}/approve")
    sensor = RedexRecApplicationSensor(task_id="wait", rec_application_id=application_id)
    trigger = sensor.trigger_class(
        resource_ids=[application_id], redex_conn_id="redex_default", deadline=time.time() - 60
    )
    before = harness.account_requests(redex_sandbox)

    async def events() -> list[dict[str, Any]]:
        return [dict(event.payload) async for event in trigger.run()]

    (event,) = asyncio.run(events())

    assert harness.account_requests(redex_sandbox) == before + 1
    assert event["status"] == outcome
    assert event["redex_status"] == ("Approved" if approve else "InProgress")


# --- a push's processes: read together; chunks recovered by look-up need no wait -----------------


def test_generation_sensor_reads_a_push_s_processes_in_one_request(redex_sandbox: Any) -> None:
    process_ids = pending_processes(redex_sandbox, 3)
    push_output = {"process_ids": process_ids, "recovered_chunks": [], "chunks": 3}
    sensor = RedexGenerationProcessSensor(task_id="wait", process_ids=push_output)
    redex_sandbox.admin("POST", "clock/advance", {"Seconds": 10})  # all three processed
    before = harness.account_requests(redex_sandbox)

    done = sensor.poke({})  # type: ignore[arg-type]

    assert harness.account_requests(redex_sandbox) == before + 1  # ProcessId=..&ProcessId=..
    assert getattr(done, "xcom_value", None) == {
        "process_ids": process_ids,
        "statuses": {str(pid): "Success" for pid in process_ids},
    }


def test_a_push_whose_every_chunk_was_recovered_leaves_nothing_to_wait_for(redex_sandbox: Any) -> None:
    recovered = {"chunk": 0, "records": 10, "RemoteInvId": "INV-1", "FromDate": "2024-01-01"}
    push_output = {"process_ids": [], "recovered_chunks": [recovered], "chunks": 1}
    sensor = RedexGenerationProcessSensor(task_id="wait", process_ids=push_output, deferrable=True)
    before = harness.account_requests(redex_sandbox)

    value = sensor.execute({})  # type: ignore[arg-type]  # succeeds in the worker: no deferral

    assert value == {"process_ids": [], "statuses": {}}
    assert harness.account_requests(redex_sandbox) == before
    with pytest.raises(ValueError, match=r"push\.output"):
        RedexGenerationProcessSensor(task_id="empty", process_ids=[]).poke({})  # type: ignore[arg-type]
