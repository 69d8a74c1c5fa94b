"""The status triggers: serialization, the polling loop, the deadline and the final check."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from airflow.sdk._shared.module_loading import import_string
from airflow.sdk.serde import deserialize, serialize

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.triggers import status as status_module
from airflow_provider_redex.triggers.events import validate_trigger_event
from airflow_provider_redex.triggers.status import (
    RedexDeviceApplicationTrigger,
    RedexGenerationProcessTrigger,
    RedexRecApplicationTrigger,
    RedexRetirementApplicationTrigger,
    RedexStatusTrigger,
)

ALL_TRIGGERS = [
    RedexDeviceApplicationTrigger,
    RedexGenerationProcessTrigger,
    RedexRecApplicationTrigger,
    RedexRetirementApplicationTrigger,
]


@pytest.mark.parametrize("trigger_class", ALL_TRIGGERS)
def test_serialize_round_trips_through_airflow_serde(trigger_class: type[RedexStatusTrigger]) -> None:
    trigger = trigger_class(
        resource_ids=["42"], redex_conn_id="redex_x", deadline=1_900_000_000.5, poll_interval=7
    )
    classpath, kwargs = trigger.serialize()

    assert classpath == f"airflow_provider_redex.triggers.status.{trigger_class.__name__}"
    # JSON primitives only: json.dumps would refuse anything else.
    assert json.loads(json.dumps(kwargs)) == kwargs
    rebuilt = import_string(classpath)(**deserialize(serialize(kwargs)))
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs == {
        "resource_ids": ["42"],
        "redex_conn_id": "redex_x",
        "deadline": 1_900_000_000.5,
        "poll_interval": 7.0,
    }


def test_trigger_refuses_an_empty_id_list() -> None:
    with pytest.raises(ValueError, match="at least one id"):
        RedexDeviceApplicationTrigger(resource_ids=[], redex_conn_id="c", deadline=0)


class _FakeAsyncApplications:
    """Answers GETs from a script of statuses; records each call."""

    def __init__(self, statuses: list[LifecycleStatus], reason: str | None = None) -> None:
        self._statuses: Iterator[LifecycleStatus] = iter(statuses)
        self._last = statuses[-1]
        self.calls = 0
        self.reason = reason

    async def get(self, application_id: Any) -> Any:
        self.calls += 1
        status = next(self._statuses, self._last)
        return SimpleNamespace(
            id=application_id,
            application_number="1000000183401473",
            status=SimpleNamespace(value=status, description=None),
            review_comment=self.reason,
            device_id=uuid4(),
        )


class _FakeClient:
    def __init__(self, applications: _FakeAsyncApplications) -> None:
        self.device_applications = applications
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def fake_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    holder: dict[str, _FakeClient] = {}

    def install(statuses: list[LifecycleStatus], reason: str | None = None) -> _FakeClient:
        client = _FakeClient(_FakeAsyncApplications(statuses, reason))
        holder["client"] = client

        async def _client(self: RedexStatusTrigger) -> _FakeClient:
            return client

        monkeypatch.setattr(status_module.RedexStatusTrigger, "_client", _client)
        return client

    yield install


async def _events(trigger: RedexStatusTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


async def test_success_after_polling_yields_one_success_event_with_the_device_id(fake_client: Any) -> None:
    client = fake_client([DeviceApplicationStatus.UNVERIFIED, DeviceApplicationStatus.APPROVED])
    trigger = RedexDeviceApplicationTrigger(
        resource_ids=[str(uuid4())], redex_conn_id="c", deadline=time.time() + 60, poll_interval=0
    )

    events = await _events(trigger)

    assert len(events) == 1
    event = validate_trigger_event(events[0])
    assert event["status"] == "success"
    assert event["result"] is not None and event["result"]["device_id"]
    assert client.device_applications.calls == 2
    assert client.closed


@pytest.mark.parametrize("failed", sorted(DeviceApplicationStatus.failure_states()))
async def test_terminal_failure_names_number_status_and_reason(
    fake_client: Any, failed: LifecycleStatus
) -> None:
    fake_client([failed], reason="ODF signature missing")
    trigger = RedexDeviceApplicationTrigger(
        resource_ids=[str(uuid4())], redex_conn_id="c", deadline=time.time() + 60, poll_interval=0
    )

    (event,) = await _events(trigger)

    assert event["status"] == "failure"
    for part in ("1000000183401473", failed.value, "ODF signature missing"):
        assert part in event["message"]


async def test_deadline_passed_checks_once_more_before_timing_out(fake_client: Any) -> None:
    # The deadline falls inside the first wait; the read after it finds the decision.
    client = fake_client([DeviceApplicationStatus.IN_PROGRESS, DeviceApplicationStatus.APPROVED])
    trigger = RedexDeviceApplicationTrigger(
        resource_ids=[str(uuid4())], redex_conn_id="c", deadline=time.time() + 0.05, poll_interval=3600
    )

    (event,) = await _events(trigger)

    assert event["status"] == "success"
    assert client.device_applications.calls == 2


async def test_deadline_passed_and_still_moving_is_a_timeout_with_the_status(fake_client: Any) -> None:
    fake_client([DeviceApplicationStatus.IN_PROGRESS])
    trigger = RedexDeviceApplicationTrigger(
        resource_ids=[str(uuid4())], redex_conn_id="c", deadline=time.time() - 1, poll_interval=3600
    )

    (event,) = await _events(trigger)

    assert event["status"] == "timeout"
    assert "InProgress" in event["message"]


async def test_an_exception_while_polling_becomes_an_error_event(monkeypatch: pytest.MonkeyPatch) -> None:
    async def _client(self: RedexStatusTrigger) -> Any:
        raise ConnectionError("sandbox is down")

    monkeypatch.setattr(status_module.RedexStatusTrigger, "_client", _client)
    trigger = RedexDeviceApplicationTrigger(resource_ids=["x"], redex_conn_id="c", deadline=time.time() + 60)

    (event,) = await _events(trigger)

    assert event["status"] == "error"
    assert "ConnectionError: sandbox is down" in event["message"]
