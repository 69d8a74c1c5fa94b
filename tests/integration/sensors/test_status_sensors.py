"""Each sensor in poke, reschedule and deferrable mode (a real trigger run), and its failures."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.sensors import (
    RedexDeviceApplicationSensor,
    RedexRecApplicationSensor,
    RedexRetirementApplicationSensor,
)
from airflow_provider_redex.triggers.status import RedexDeviceApplicationTrigger
from tests.helpers import harness

MODES = {
    "poke": "mode='poke'",
    "reschedule": "mode='reschedule'",
    "deferrable": "deferrable=True",
}

ODF_ID = "5428c55f-db08-400b-959f-08747d140a19"


def _client(sandbox: Any) -> RedexClient:
    return RedexClient(sandbox.url, BearerToken(sandbox.token))


def _new_device_application(sandbox: Any, name: str) -> str:
    """A pending device application, made through the API as the register operator would."""
    with _client(sandbox) as client:
        file_id = client.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id
        request = {
            "CountryCode": "VN",
            "GroupedEnglishName": name,
            "GroupedLocalName": name,
            "Province": "VN-01",
            "Devices": [
                {
                    "InstallationName": "roof",
                    "Address": "1 Le Loi",
                    "PostalCode": "700000",
                    "Latitude": "22.3",
                    "Longitude": "103.2",
                    "GridConnectionDate": "2025-01-01",
                    "OwnersDeclarationStartDate": "2025-01-01",
                    "Domestic": False,
                    "DeclarationFormFileId": str(file_id),
                    "PercentageRenewable": "100",
                    "Inverters": [
                        {
                            "RemoteInvId": f"{name}-1",
                            "ElectronicSerialNumber": "SN",
                            "BrandCode": "HW21",
                            "InstalledCapacity": "5",
                        }
                    ],
                }
            ],
        }
        return str(client.device_applications.create_grouped(request).id)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_device_application_sensor_waits_until_approved(
    airflow_db: Path, redex_sandbox: Any, mode: str
) -> None:
    application_id = _new_device_application(redex_sandbox, f"Wait{mode}")
    dag_id = f"device_sensor_{mode}"
    watcher = harness.once_waiting(
        dag_id, mode, lambda: redex_sandbox.admin("POST", f"applications/{application_id}/approve")
    )

    result = harness.run_dag(
        airflow_db,
        dag_id,
        f"RedexDeviceApplicationSensor(task_id='wait', device_application_id={application_id!r}, "
        f"poke_interval=0.3, timeout=120, {MODES[mode]})",
    )
    watcher.join(timeout=5)

    assert not watcher.is_alive()
    assert result.state == "success", result
    value = result.xcoms["wait"]
    assert value["device_application_id"] == application_id
    assert value["device_id"]  # assigned on approval, needed by the REC application


@pytest.mark.parametrize("mode", sorted(MODES))
def test_device_application_sensor_fails_when_declined(
    airflow_db: Path, redex_sandbox: Any, mode: str
) -> None:
    application_id = _new_device_application(redex_sandbox, f"Decline{mode}")
    redex_sandbox.admin("POST", f"applications/{application_id}/reject", {"Reason": "ODF not signed"})

    result = harness.run_dag(
        airflow_db,
        f"device_sensor_declined_{mode}",
        f"RedexDeviceApplicationSensor(task_id='wait', device_application_id={application_id!r}, "
        f"poke_interval=0.3, timeout=60, {MODES[mode]})",
        default_args="{'retries': 2}",
    )

    # A decision is final: the task fails without using its retries.
    assert result.task_states["wait"] == "failed"


def test_declined_failure_names_number_status_and_reason(redex_sandbox: Any) -> None:
    application_id = _new_device_application(redex_sandbox, "DeclineText")
    redex_sandbox.admin("POST", f"applications/{application_id}/reject", {"Reason": "ODF not signed"})
    with _client(redex_sandbox) as client:
        number = client.device_applications.get(application_id).application_number

    sensor = RedexDeviceApplicationSensor(task_id="wait", device_application_id=application_id)
    with pytest.raises(AirflowFailException) as excinfo:
        sensor.poke({})  # type: ignore[arg-type]

    message = str(excinfo.value)
    assert number and number in message
    assert "Declined" in message
    assert "ODF not signed" in message


def test_trigger_run_against_the_sandbox_and_execute_complete(redex_sandbox: Any) -> None:
    application_id = _new_device_application(redex_sandbox, "TriggerDirect")
    redex_sandbox.admin("POST", f"applications/{application_id}/reject", {"Reason": "wrong province"})
    trigger = RedexDeviceApplicationTrigger(
        resource_ids=[application_id],
        redex_conn_id="redex_default",
        deadline=time.time() + 30,
        poll_interval=0.1,
    )

    async def first_event() -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("the trigger yielded nothing")

    event = asyncio.run(first_event())

    assert event["status"] == "failure"
    assert event["reason"] == "wrong province"
    sensor = RedexDeviceApplicationSensor(task_id="wait", device_application_id=application_id)
    with pytest.raises(AirflowFailException, match="wrong province"):
        sensor.execute_complete({}, event)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sensor_class", "argument"),
    [
        (RedexRecApplicationSensor, "rec_application_id"),
        (RedexRetirementApplicationSensor, "retirement_application_id"),
    ],
)
def test_unknown_event_is_refused(sensor_class: Any, argument: str) -> None:
    sensor = sensor_class(task_id="wait", **{argument: "00000000-0000-0000-0000-000000000001"})
    with pytest.raises(Exception, match="unknown status"):
        sensor.execute_complete({}, {"status": "done", "message": "?"})
    with pytest.raises(Exception, match="event=None"):
        sensor.execute_complete({}, None)
