"""Shared waiting: triggers of one kind on one connection share one poll, driven by Airflow's own
``SharedStreamManager`` exactly as the triggerer drives it.

The REDEX side is a small scripted fake (statuses per id, every request recorded): these tests pin
what is sent per interval and what each trigger decides. The same over real HTTP against the
sandbox is ``tests/integration/sensors/test_shared_waiting.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any
from uuid import uuid4

import pytest

from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.triggers import RedexApplicationDecidedTrigger, shared
from airflow_provider_redex.triggers.status import (
    RedexDeviceApplicationTrigger,
    RedexGenerationProcessTrigger,
    RedexRecApplicationTrigger,
    RedexStatusTrigger,
)

INTERVAL = 0.05


def _trigger(
    cls: type[RedexStatusTrigger], *ids: str, deadline: float = 60, conn: str = "redex_default"
) -> Any:
    return cls(
        resource_ids=list(ids), redex_conn_id=conn, deadline=time.time() + deadline, poll_interval=INTERVAL
    )


def _polls(fake: Any, prefix: str) -> list[float]:
    return [at for at, route in fake.requests if route.startswith(prefix)]


async def test_forty_waiting_triggers_cost_one_list_request_per_interval(
    redex: Any, triggerer: Any, until: Any
) -> None:
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(40)]
    tasks = [triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in ids]

    await until(lambda: redex.sent("rec_applications.list") >= 6)

    assert redex.sent() == redex.sent("rec_applications.list")  # no GET while all are listed
    lists = _polls(redex, "rec_applications.list")
    gaps = [b - a for a, b in itertools.pairwise(lists)]
    assert min(gaps) > INTERVAL * 0.5  # one list per interval, not one per trigger
    assert not any(task.done() for task in tasks)


async def test_each_trigger_gets_its_own_decision_with_number_status_and_reason(
    redex: Any, triggerer: Any, until: Any
) -> None:
    waiting, approved, rejected = (redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(3))
    tasks = {
        i: triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in (waiting, approved, rejected)
    }
    await until(lambda: redex.sent("rec_applications.list") >= 1)

    redex.statuses[approved] = RecApplicationStatus.APPROVED
    redex.statuses[rejected] = RecApplicationStatus.REJECTED
    redex.reasons[rejected] = "Vintage overlaps an issued period"
    await until(lambda: tasks[approved].done() and tasks[rejected].done())

    (success,) = tasks[approved].result()
    assert success["status"] == "success"
    assert success["result"]["rec_application_id"] == approved
    (failure,) = tasks[rejected].result()
    assert failure["status"] == "failure"
    for part in (f"N-{rejected[:8]}", "Rejected", "Vintage overlaps an issued period"):
        assert part in failure["message"]
    # The two that left the undecided list were read once each; the one still waiting never was.
    assert redex.sent("rec_applications.get") == 2
    await until(lambda: redex.sent("rec_applications.list") >= 4)
    assert not tasks[waiting].done()


async def test_an_undecided_item_times_out_after_a_final_check(redex: Any, triggerer: Any) -> None:
    item = redex.add(RecApplicationStatus.IN_PROGRESS)
    task = triggerer.start(_trigger(RedexRecApplicationTrigger, item, deadline=INTERVAL * 3))

    (event,) = await asyncio.wait_for(task, 5)

    assert event["status"] == "timeout"
    assert "InProgress" in event["message"]
    assert redex.sent("rec_applications.get") == 1  # the final check, after the deadline


async def test_kinds_and_connections_do_not_share_a_poll(redex: Any, triggerer: Any, until: Any) -> None:
    rec = redex.add(RecApplicationStatus.IN_PROGRESS)
    device = redex.add(DeviceApplicationStatus.IN_PROGRESS)
    for conn in ("redex_a", "redex_b"):
        triggerer.start(_trigger(RedexRecApplicationTrigger, rec, conn=conn))
    triggerer.start(_trigger(RedexDeviceApplicationTrigger, device))

    await until(lambda: redex.sent("device_applications.list") >= 3)

    assert len(triggerer.groups) == 3


async def test_an_unverified_device_application_is_found_by_a_second_status_filter(
    redex: Any, triggerer: Any, until: Any
) -> None:
    item = redex.add(DeviceApplicationStatus.UNVERIFIED)
    task = triggerer.start(_trigger(RedexDeviceApplicationTrigger, item))

    await until(lambda: redex.sent("device_applications.list") >= 5)

    # First poll: not on the InProgress list, so read once; from then on listed under Unverified.
    assert redex.sent("device_applications.get") == 1
    assert any("Unverified" in route for _, route in redex.requests)
    assert not task.done()


async def test_generation_processes_are_read_once_per_distinct_id(
    redex: Any, triggerer: Any, until: Any
) -> None:
    first, second = redex.add(ProcessStatus.PROCESSING), redex.add(ProcessStatus.NEW)
    tasks = [triggerer.start(_trigger(RedexGenerationProcessTrigger, first, second)) for _ in range(10)]
    await until(lambda: redex.sent() >= 6)
    per_poll = len({round(at, 2) for at in _polls(redex, "generation")})
    assert redex.sent() <= 2 * per_poll + 2  # two ids, not twenty reads per interval

    redex.statuses[first] = ProcessStatus.SUCCESS
    redex.statuses[second] = ProcessStatus.SUCCESS
    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)

    assert all(events[0]["status"] == "success" for events in results)
    assert results[0][0]["result"]["process_ids"] == [int(first), int(second)]


async def test_a_failed_list_is_an_error_event_for_every_waiting_trigger(
    redex: Any, triggerer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(3)]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("REDEX is down")

    monkeypatch.setattr(redex.rec_applications, "list", broken)
    tasks = [triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in ids]

    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)

    for (event,) in results:
        assert event["status"] == "error"
        assert "ConnectionError: REDEX is down" in event["message"]


def test_the_key_is_the_kind_and_the_connection() -> None:
    trigger = _trigger(RedexRecApplicationTrigger, str(uuid4()), conn="redex_x")
    assert trigger.shared_stream_key() == (shared.STREAM_NAMESPACE, "rec_applications", "redex_x")


async def test_paging_stops_once_every_waited_for_item_is_found_unless_a_watcher_needs_all(
    redex: Any, triggerer: Any, until: Any
) -> None:
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(150)]  # two pages
    triggerer.start(_trigger(RedexRecApplicationTrigger, ids[0]))
    await until(lambda: len(redex.pages("rec_applications.list")) >= 3)
    assert set(redex.pages("rec_applications.list")) == {1}  # the first page held it: one request

    triggerer.start(RedexApplicationDecidedTrigger(kind="rec_applications", poll_interval=INTERVAL))
    before = len(redex.pages("rec_applications.list"))
    await until(lambda: len(redex.pages("rec_applications.list")) >= before + 4)
    joined = redex.pages("rec_applications.list")[before + 1 :]  # the first may have begun before
    assert set(joined) == {2}  # now both pages, every poll
    assert len(triggerer.groups) == 1
