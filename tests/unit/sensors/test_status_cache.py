"""Sensors poking in one process share one list read per kind for a short time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.sensors import RedexDeviceApplicationSensor, RedexRecApplicationSensor
from airflow_provider_redex.sensors.base import RedexStatusSensor
from airflow_provider_redex.sensors.status_cache import STATUS_CACHE


class FakeSyncRedex:
    """Lists and GETs over scripted statuses; counts what is sent."""

    def __init__(self) -> None:
        self.statuses: dict[str, LifecycleStatus] = {}
        self.sent: list[str] = []
        self.rec_applications = SimpleNamespace(
            get=lambda i: self._get("rec_applications.get", i),
            list=self.lister("rec_applications.list", RecApplicationStatus),
        )
        self.device_applications = SimpleNamespace(
            get=lambda i: self._get("device_applications.get", i),
            list=self.lister("device_applications.list", DeviceApplicationStatus),
        )

    def model(self, item_id: str) -> Any:
        status = self.statuses[item_id]
        return SimpleNamespace(
            id=item_id,
            application_number=f"N-{item_id[:6]}",
            status=SimpleNamespace(value=status),
            review_comment="Meter data missing" if status.is_failure else None,
            device_id=None,
        )

    def lister(self, route: str, kind: type[LifecycleStatus]) -> Any:
        def list_(**filters: Any) -> Iterator[Any]:
            shown = {k: [s.value for s in v] if isinstance(v, list) else v.value for k, v in filters.items()}
            self.sent.append(f"{route} {shown}")
            wanted = [s.value for s in filters.get("statuses") or [filters["status"]]]
            for item_id, status in self.statuses.items():
                if isinstance(status, kind) and status.value in wanted:
                    yield self.model(item_id)

        return list_

    def _get(self, route: str, item_id: Any) -> Any:
        self.sent.append(route)
        return self.model(str(item_id))


@pytest.fixture
def redex(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSyncRedex]:
    fake = FakeSyncRedex()

    @contextmanager
    def client(self: RedexStatusSensor) -> Iterator[FakeSyncRedex]:
        yield fake

    monkeypatch.setattr(RedexStatusSensor, "_client", client)
    STATUS_CACHE.clear()
    yield fake
    STATUS_CACHE.clear()


def _rec_sensor(item_id: str) -> RedexRecApplicationSensor:
    return RedexRecApplicationSensor(
        task_id=f"wait_{item_id[:6]}", rec_application_id=item_id, poke_interval=60
    )


def test_ten_sensors_poking_in_one_process_send_one_list_request(redex: FakeSyncRedex) -> None:
    ids = [str(uuid4()) for _ in range(10)]
    for item_id in ids:
        redex.statuses[item_id] = RecApplicationStatus.IN_PROGRESS

    assert [_rec_sensor(item_id).poke({}) for item_id in ids] == [False] * 10  # type: ignore[arg-type]

    assert redex.sent == ["rec_applications.list {'statuses': ['Draft', 'InProgress']}"]


def test_a_decided_item_is_read_with_its_own_get_and_fails_with_number_status_and_reason(
    redex: FakeSyncRedex,
) -> None:
    waiting, rejected = str(uuid4()), str(uuid4())
    redex.statuses |= {waiting: RecApplicationStatus.IN_PROGRESS, rejected: RecApplicationStatus.REJECTED}

    assert _rec_sensor(waiting).poke({}) is False  # type: ignore[arg-type]
    with pytest.raises(AirflowFailException) as failure:
        _rec_sensor(rejected).poke({})  # type: ignore[arg-type]

    for part in (f"N-{rejected[:6]}", "Rejected", "Meter data missing"):
        assert part in str(failure.value)
    assert [route.split(" ")[0] for route in redex.sent] == ["rec_applications.list", "rec_applications.get"]


def test_an_unverified_device_application_widens_the_next_list(redex: FakeSyncRedex) -> None:
    item_id = str(uuid4())
    redex.statuses[item_id] = DeviceApplicationStatus.UNVERIFIED
    sensor = RedexDeviceApplicationSensor(task_id="wait", device_application_id=item_id, poke_interval=60)

    assert sensor.poke({}) is False  # type: ignore[arg-type]
    assert sensor.poke({}) is False  # type: ignore[arg-type]
    assert sensor.poke({}) is False  # type: ignore[arg-type]

    assert redex.sent == [
        "device_applications.list {'status': 'InProgress'}",
        "device_applications.get",
        "device_applications.list {'status': 'InProgress'}",
        "device_applications.list {'status': 'Unverified'}",
    ]


def test_the_list_is_read_again_once_older_than_half_the_poke_interval(redex: FakeSyncRedex) -> None:
    item_id = str(uuid4())
    redex.statuses[item_id] = RecApplicationStatus.IN_PROGRESS
    sensor = RedexRecApplicationSensor(task_id="wait", rec_application_id=item_id, poke_interval=0)

    sensor.poke({})  # type: ignore[arg-type]
    sensor.poke({})  # type: ignore[arg-type]

    assert len(redex.sent) == 2
