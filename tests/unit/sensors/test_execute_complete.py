"""Every sensor resumes only on a known event, and names number, status and reason on failure.

The failure states here include the ones the sandbox cannot reach through its admin API
(Withdrawn, Cancelled): the readings are built from REDEX-shaped JSON through the client's models.
"""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client.models.devices import DeviceApplication, DeviceApplicationStatus
from airflow_provider_redex.client.models.rec_applications import RecApplication, RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementApplication, RetirementStatus
from airflow_provider_redex.sensors import (
    RedexDeviceApplicationSensor,
    RedexGenerationProcessSensor,
    RedexRecApplicationSensor,
    RedexRetirementApplicationSensor,
)
from airflow_provider_redex.triggers.events import RedexTriggerEventError

APPLICATION_ID = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
SENSORS = [
    RedexDeviceApplicationSensor(task_id="device", device_application_id=APPLICATION_ID),
    RedexGenerationProcessSensor(task_id="generation", process_ids=[20001, 20002]),
    RedexRecApplicationSensor(task_id="rec", rec_application_id=APPLICATION_ID),
    RedexRetirementApplicationSensor(task_id="retirement", retirement_application_id=APPLICATION_ID),
]


@pytest.mark.parametrize("sensor", SENSORS, ids=lambda s: s.task_id)
def test_execute_complete_refuses_a_missing_event(sensor: Any) -> None:
    with pytest.raises(RedexTriggerEventError, match="event=None"):
        sensor.execute_complete({}, None)


@pytest.mark.parametrize("sensor", SENSORS, ids=lambda s: s.task_id)
@pytest.mark.parametrize("event", [{"status": "done", "message": "?"}, {"message": "no status"}, "success"])
def test_execute_complete_refuses_an_unknown_event(sensor: Any, event: Any) -> None:
    with pytest.raises(RedexTriggerEventError):
        sensor.execute_complete({}, event)


def _wire(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "Id": APPLICATION_ID,
        "ApplicationNumber": "1000000183401473",
        "Status": {"Value": status, "Description": status},
        "ReviewComment": "signature missing",
        **extra,
    }


FAILED = (
    [
        (RedexDeviceApplicationSensor, DeviceApplication, status, {})
        for status in sorted(DeviceApplicationStatus.failure_states(), key=lambda s: s.value)
    ]
    + [
        (
            RedexRecApplicationSensor,
            RecApplication,
            status,
            {
                "Quantity": "1",
                "VintageFrom": "2026-01-01T00:00:00",
                "VintageTo": "2026-01-31T00:00:00",
                "Registry": {"Value": "IREC", "Description": "I-REC"},
            },
        )
        for status in sorted(RecApplicationStatus.failure_states(), key=lambda s: s.value)
    ]
    + [
        (RedexRetirementApplicationSensor, RetirementApplication, status, {"Amount": "1"})
        for status in sorted(RetirementStatus.failure_states(), key=lambda s: s.value)
    ]
)


@pytest.mark.parametrize(
    ("sensor_class", "model", "status", "extra"),
    FAILED,
    ids=[f"{case[0].__name__}-{case[2].value}" for case in FAILED],
)
def test_every_failure_state_fails_with_number_status_and_reason(
    sensor_class: Any, model: Any, status: Any, extra: dict[str, Any]
) -> None:
    sensor = sensor_class(task_id="wait", **{sensor_class.trigger_class.target.id_name: APPLICATION_ID})
    reading = sensor.target.reading(APPLICATION_ID, model.model_validate(_wire(status.value, **extra)))
    event = sensor.target.decide([reading])

    with pytest.raises(AirflowFailException) as failed:
        sensor.execute_complete({}, dict(event))

    for part in ("1000000183401473", status.value, "signature missing"):
        assert part in str(failed.value)
