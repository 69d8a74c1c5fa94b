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


async def test_generation_processes_of_every_waiting_trigger_are_read_in_one_request_per_poll(
    redex: Any, triggerer: Any, until: Any
) -> None:
    ids = [redex.add(ProcessStatus.PROCESSING) for _ in range(25)]
    tasks = [triggerer.start(_trigger(RedexGenerationProcessTrigger, i)) for i in ids]
    tasks += [triggerer.start(_trigger(RedexGenerationProcessTrigger, *ids[:2])) for _ in range(5)]
    await until(lambda: redex.sent() >= 6)

    assert {route for _, route in redex.requests} == {"generation.get_process x25"}
    assert not any(task.done() for task in tasks)

    redex.statuses[ids[0]] = ProcessStatus.SUCCESS
    redex.statuses[ids[1]] = ProcessStatus.FAILED
    await until(lambda: sum(task.done() for task in tasks) == 7)
    assert tasks[0].result()[0]["status"] == "success"
    assert tasks[1].result()[0]["status"] == "failure"
    assert all(task.result()[0]["status"] == "failure" for task in tasks[25:])  # [0] ok, [1] failed
    assert not any(task.done() for task in tasks[2:25])

    await until(lambda: redex.requests[-1][1] == "generation.get_process x23")


async def test_a_server_that_reads_one_process_id_is_read_one_id_at_a_time_and_said_so_once(
    redex: Any, triggerer: Any, until: Any, caplog: pytest.LogCaptureFixture
) -> None:
    redex.one_id_per_g4 = True
    first, second, third = (redex.add(ProcessStatus.NEW) for _ in range(3))
    tasks = [triggerer.start(_trigger(RedexGenerationProcessTrigger, i)) for i in (first, second, third)]
    await until(lambda: redex.sent() >= 9)

    # The first poll asks for all three and learns from the answer; then one read per id.
    routes = [route for _, route in redex.requests]
    assert routes[0] == "generation.get_process x3"
    assert routes[1:3] == ["generation.get_process"] * 2
    assert set(routes[3:]) == {"generation.get_process"}
    warnings = [r.getMessage() for r in caplog.records if "reads one ProcessId per request" in r.getMessage()]
    assert len(warnings) == 1 and "one request per undecided process" in warnings[0]

    for process in (first, second, third):
        redex.statuses[process] = ProcessStatus.SUCCESS
    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert [events[0]["result"]["process_ids"] for events in results] == [
        [int(first)],
        [int(second)],
        [int(third)],
    ]


async def test_a_lone_generation_trigger_reads_its_processes_in_one_request(redex: Any) -> None:
    first, second = redex.add(ProcessStatus.PROCESSING), redex.add(ProcessStatus.NEW)
    trigger = _trigger(RedexGenerationProcessTrigger, first, second)
    run = asyncio.ensure_future(trigger.run().__anext__())
    await asyncio.sleep(INTERVAL * 2.5)
    redex.statuses[first] = redex.statuses[second] = ProcessStatus.SUCCESS
    event = (await asyncio.wait_for(run, 5)).payload

    assert event["status"] == "success" and event["result"]["process_ids"] == [int(first), int(second)]
    assert {route for _, route in redex.requests} == {"generation.get_process x2"}


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


async def test_a_cancelled_trigger_stops_even_when_a_snapshot_is_ready(
    redex: Any, triggerer: Any, until: Any
) -> None:
    """The triggerer cancels a trigger once (task cleared, deadline moved): it must end then, not
    keep polling REDEX until its deadline. Python 3.11's ``asyncio.wait_for`` drops a cancel that
    meets a ready item; with 40 triggers on one poll some always have a snapshot ready."""
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(40)]
    tasks = [triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in ids]
    for _ in range(5):
        before = redex.sent("rec_applications.list")
        await until(lambda before=before: redex.sent("rec_applications.list") > before)
        for task in tasks:
            task.cancel()  # once, as the triggerer does
        _, running = await asyncio.wait(tasks, timeout=5)  # at once when it works; 60 s when not
        assert not running, f"{len(running)} of {len(tasks)} triggers ignored their cancellation"
        tasks = [triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in ids]
