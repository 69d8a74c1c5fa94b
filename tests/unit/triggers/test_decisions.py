"""The AssetWatcher trigger: each REDEX decision fires once, history never fires, and watching
shares the poll of the sensors of that kind."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from airflow.sdk._shared.module_loading import import_string
from airflow.sdk.serde import deserialize, serialize

from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementStatus
from airflow_provider_redex.triggers.decisions import CURSOR_KEY, RedexApplicationDecidedTrigger
from airflow_provider_redex.triggers.status import RedexRecApplicationTrigger

INTERVAL = 0.03


class MemoryStateStore:
    """The Asset state store the triggerer hands an asset trigger, kept in a dict."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.loads(json.dumps(value))


def _watcher(kind: str = "rec_applications", **kwargs: Any) -> RedexApplicationDecidedTrigger:
    return RedexApplicationDecidedTrigger(kind=kind, poll_interval=INTERVAL, **kwargs)


async def _collect(events: AsyncIterator[Any], into: list[dict[str, Any]]) -> None:
    async for event in events:
        into.append(event.payload)


async def test_each_decision_fires_once_and_history_never(redex: Any, until: Any) -> None:
    redex.add(RecApplicationStatus.APPROVED)  # decided before the watcher started: history
    approved, rejected, waiting = (redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(3))
    fired: list[dict[str, Any]] = []
    task = asyncio.create_task(_collect(_watcher().run(), fired))
    try:
        await until(lambda: redex.sent("rec_applications.list") >= 2)
        assert fired == []

        redex.statuses[approved] = RecApplicationStatus.APPROVED
        redex.statuses[rejected] = RecApplicationStatus.REJECTED
        redex.reasons[rejected] = "Meter data missing"
        await until(lambda: len(fired) == 2)
        later = redex.add(RecApplicationStatus.IN_PROGRESS)  # created after the start
        await until(lambda: redex.sent("rec_applications.list") >= 6)
        redex.statuses[later] = RecApplicationStatus.APPROVED
        await until(lambda: len(fired) == 3)
        await until(lambda: redex.sent("rec_applications.list") >= 10)
    finally:
        task.cancel()

    by_id = {event["application_id"]: event for event in fired}
    assert sorted(by_id) == sorted([approved, rejected, later])  # each once, the waiting one never
    assert by_id[approved]["decision"] == "success"
    assert by_id[approved]["result"]["rec_application_id"] == approved
    assert by_id[rejected] | {"result": None} == {
        "kind": "rec_applications",
        "application_id": rejected,
        "application_number": f"N-{rejected[:8]}",
        "status": "Rejected",
        "decision": "failure",
        "reason": "Meter data missing",
        "result": None,
    }
    assert waiting not in by_id


async def test_only_the_chosen_statuses_fire(redex: Any, until: Any) -> None:
    completed, rejected = (redex.add(RetirementStatus.IN_PROGRESS) for _ in range(2))
    fired: list[dict[str, Any]] = []
    task = asyncio.create_task(_collect(_watcher("retirements", statuses=["Completed"]).run(), fired))
    try:
        await until(lambda: redex.sent("retirements.list") >= 2)
        redex.statuses[completed] = RetirementStatus.COMPLETED
        redex.statuses[rejected] = RetirementStatus.REJECTED
        await until(lambda: redex.sent("retirements.get") >= 2)
        await until(lambda: redex.sent("retirements.list") >= 5)
    finally:
        task.cancel()

    assert [event["application_id"] for event in fired] == [completed]


async def test_watching_shares_the_poll_of_the_waiting_sensors(
    redex: Any, triggerer: Any, until: Any
) -> None:
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(5)]
    watcher = triggerer.start(_watcher())
    sensors = [
        triggerer.start(
            RedexRecApplicationTrigger(
                resource_ids=[i], redex_conn_id="redex_default", deadline=1e10, poll_interval=INTERVAL
            )
        )
        for i in ids
    ]
    await until(lambda: redex.sent("rec_applications.list") >= 3)
    redex.statuses[ids[0]] = RecApplicationStatus.APPROVED
    (event,) = await asyncio.wait_for(sensors[0], 5)
    await until(lambda: redex.sent("rec_applications.list") >= 6)

    assert event["status"] == "success"
    assert len(triggerer.groups) == 1
    assert redex.sent("rec_applications.get") == 1  # one read serves the sensor and the watcher
    assert not watcher.done()


async def test_the_cursor_survives_a_restart_in_the_asset_state_store(redex: Any, until: Any) -> None:
    store = MemoryStateStore()
    decided_meanwhile, waiting = (redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(2))
    first = _watcher()
    first.asset_state_store = store  # type: ignore[assignment]  # what the triggerer injects
    task = asyncio.create_task(_collect(first.run(), []))
    await until(lambda: sorted(store.values.get(CURSOR_KEY, [])) == sorted([decided_meanwhile, waiting]))
    task.cancel()

    redex.statuses[decided_meanwhile] = RecApplicationStatus.APPROVED  # while the triggerer was down
    fired: list[dict[str, Any]] = []
    second = _watcher()
    second.asset_state_store = store  # type: ignore[assignment]
    task = asyncio.create_task(_collect(second.run(), fired))
    try:
        await until(lambda: len(fired) == 1)
        await until(lambda: redex.sent("rec_applications.list") >= 6)
    finally:
        task.cancel()

    assert [event["application_id"] for event in fired] == [decided_meanwhile]
    assert store.values[CURSOR_KEY] == [waiting]


def test_serialize_round_trips_as_json_primitives() -> None:
    trigger = RedexApplicationDecidedTrigger(
        kind="retirements", redex_conn_id="redex_x", statuses=["Completed"]
    )
    classpath, kwargs = trigger.serialize()

    assert json.loads(json.dumps(kwargs)) == kwargs
    assert import_string(classpath)(**deserialize(serialize(kwargs))).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "generation_processes"}, "kind must be one of"),
        ({"kind": "retirements", "statuses": ["Approved"]}, "not decisions of retirements"),
    ],
)
def test_refuses_what_it_cannot_watch(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedexApplicationDecidedTrigger(**kwargs)
