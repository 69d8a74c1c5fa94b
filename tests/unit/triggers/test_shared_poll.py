"""Shared waiting: triggers of one kind on one connection share one poll, driven by Airflow's own
``SharedStreamManager`` exactly as the triggerer drives it.

The REDEX side is a small scripted fake (statuses per id, every request recorded): these tests pin
what is sent per interval and what each trigger decides. The same over real HTTP against the
sandbox is ``tests/integration/sensors/test_shared_waiting.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.hooks.redex import RedexAsyncHook
from airflow_provider_redex.triggers import shared
from airflow_provider_redex.triggers.status import (
    RedexDeviceApplicationTrigger,
    RedexGenerationProcessTrigger,
    RedexRecApplicationTrigger,
    RedexStatusTrigger,
)

# devtools/ is not installed: it sits at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from devtools.shared_streams import TriggererDriver

INTERVAL = 0.05
_KINDS = {
    "rec_applications.list": RecApplicationStatus,
    "device_applications.list": DeviceApplicationStatus,
}


class FakeRedex:
    """Applications and processes with scripted statuses; records every request as it is sent."""

    def __init__(self) -> None:
        self.statuses: dict[str, LifecycleStatus] = {}
        self.reasons: dict[str, str] = {}
        self.requests: list[tuple[float, str]] = []
        self.rec_applications = SimpleNamespace(get=self._get_application("rec_applications.get"))
        self.device_applications = SimpleNamespace(get=self._get_application("device_applications.get"))
        self.generation = SimpleNamespace(get_process=self._get_process)

    def add(self, status: LifecycleStatus) -> str:
        item_id = str(uuid4()) if not isinstance(status, ProcessStatus) else str(20_001 + len(self.statuses))
        self.statuses[item_id] = status
        return item_id

    def model(self, item_id: str) -> Any:
        return SimpleNamespace(
            id=item_id,
            process_id=item_id,
            application_number=f"N-{item_id[:8]}",
            status=SimpleNamespace(value=self.statuses[item_id]),
            review_comment=self.reasons.get(item_id),
            device_id=uuid4(),
        )

    def paginate(self, route: str, item_model: Any, *, params: dict[str, Any]) -> Any:
        wanted = params.get("Statuses") or [params["Status"]]
        kind = _KINDS[route]
        items = [self.model(i) for i, s in self.statuses.items() if isinstance(s, kind) and s.value in wanted]
        return SimpleNamespace(iter_pages=lambda: self._pages(route, params, items))

    async def _pages(self, route: str, params: dict[str, Any], items: list[Any]) -> AsyncIterator[Any]:
        for start in range(0, max(len(items), 1), 100):
            self.requests.append((time.monotonic(), f"{route} {params}"))
            yield SimpleNamespace(items=items[start : start + 100])

    def _get_application(self, route: str) -> Callable[[Any], Any]:
        async def get(item_id: Any) -> Any:
            self.requests.append((time.monotonic(), route))
            return self.model(str(item_id))

        return get

    async def _get_process(self, process_id: int) -> Any:
        self.requests.append((time.monotonic(), "generation.get_process"))
        return self.model(str(process_id))

    async def aclose(self) -> None:
        pass

    def sent(self, prefix: str = "") -> int:
        return sum(1 for _, route in self.requests if route.startswith(prefix))


@pytest.fixture
def redex(monkeypatch: pytest.MonkeyPatch) -> FakeRedex:
    fake = FakeRedex()

    async def get_client(self: RedexAsyncHook) -> FakeRedex:
        return fake

    monkeypatch.setattr(RedexAsyncHook, "get_client", get_client)
    return fake


@pytest.fixture
async def triggerer() -> AsyncIterator[TriggererDriver]:
    driver = TriggererDriver()
    yield driver
    await driver.stop()


def _trigger(
    cls: type[RedexStatusTrigger], *ids: str, deadline: float = 60, conn: str = "redex_default"
) -> Any:
    return cls(
        resource_ids=list(ids), redex_conn_id=conn, deadline=time.time() + deadline, poll_interval=INTERVAL
    )


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


def _polls(fake: FakeRedex, prefix: str) -> list[float]:
    return [at for at, route in fake.requests if route.startswith(prefix)]


async def test_forty_waiting_triggers_cost_one_list_request_per_interval(
    redex: FakeRedex, triggerer: TriggererDriver
) -> None:
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(40)]
    tasks = [triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in ids]

    await _until(lambda: redex.sent("rec_applications.list") >= 6)

    assert redex.sent() == redex.sent("rec_applications.list")  # no GET while all are listed
    lists = _polls(redex, "rec_applications.list")
    gaps = [b - a for a, b in itertools.pairwise(lists)]
    assert min(gaps) > INTERVAL * 0.5  # one list per interval, not one per trigger
    assert not any(task.done() for task in tasks)


async def test_each_trigger_gets_its_own_decision_with_number_status_and_reason(
    redex: FakeRedex, triggerer: TriggererDriver
) -> None:
    waiting, approved, rejected = (redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(3))
    tasks = {
        i: triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in (waiting, approved, rejected)
    }
    await _until(lambda: redex.sent("rec_applications.list") >= 1)

    redex.statuses[approved] = RecApplicationStatus.APPROVED
    redex.statuses[rejected] = RecApplicationStatus.REJECTED
    redex.reasons[rejected] = "Vintage overlaps an issued period"
    await _until(lambda: tasks[approved].done() and tasks[rejected].done())

    (success,) = tasks[approved].result()
    assert success["status"] == "success"
    assert success["result"]["rec_application_id"] == approved
    (failure,) = tasks[rejected].result()
    assert failure["status"] == "failure"
    for part in (f"N-{rejected[:8]}", "Rejected", "Vintage overlaps an issued period"):
        assert part in failure["message"]
    # The two that left the undecided list were read once each; the one still waiting never was.
    assert redex.sent("rec_applications.get") == 2
    await _until(lambda: redex.sent("rec_applications.list") >= 4)
    assert not tasks[waiting].done()


async def test_an_undecided_item_times_out_after_a_final_check(
    redex: FakeRedex, triggerer: TriggererDriver
) -> None:
    item = redex.add(RecApplicationStatus.IN_PROGRESS)
    task = triggerer.start(_trigger(RedexRecApplicationTrigger, item, deadline=INTERVAL * 3))

    (event,) = await asyncio.wait_for(task, 5)

    assert event["status"] == "timeout"
    assert "InProgress" in event["message"]
    assert redex.sent("rec_applications.get") == 1  # the final check, after the deadline


async def test_kinds_and_connections_do_not_share_a_poll(
    redex: FakeRedex, triggerer: TriggererDriver
) -> None:
    rec = redex.add(RecApplicationStatus.IN_PROGRESS)
    device = redex.add(DeviceApplicationStatus.IN_PROGRESS)
    for conn in ("redex_a", "redex_b"):
        triggerer.start(_trigger(RedexRecApplicationTrigger, rec, conn=conn))
    triggerer.start(_trigger(RedexDeviceApplicationTrigger, device))

    await _until(lambda: redex.sent("device_applications.list") >= 3)

    assert len(triggerer.groups) == 3


async def test_an_unverified_device_application_is_found_by_a_second_status_filter(
    redex: FakeRedex, triggerer: TriggererDriver
) -> None:
    item = redex.add(DeviceApplicationStatus.UNVERIFIED)
    task = triggerer.start(_trigger(RedexDeviceApplicationTrigger, item))

    await _until(lambda: redex.sent("device_applications.list") >= 5)

    # First poll: not on the InProgress list, so read once; from then on listed under Unverified.
    assert redex.sent("device_applications.get") == 1
    assert any("Unverified" in route for _, route in redex.requests)
    assert not task.done()


async def test_generation_processes_are_read_once_per_distinct_id(
    redex: FakeRedex, triggerer: TriggererDriver
) -> None:
    first, second = redex.add(ProcessStatus.PROCESSING), redex.add(ProcessStatus.NEW)
    tasks = [triggerer.start(_trigger(RedexGenerationProcessTrigger, first, second)) for _ in range(10)]
    await _until(lambda: redex.sent() >= 6)
    per_poll = len({round(at, 2) for at in _polls(redex, "generation")})
    assert redex.sent() <= 2 * per_poll + 2  # two ids, not twenty reads per interval

    redex.statuses[first] = ProcessStatus.SUCCESS
    redex.statuses[second] = ProcessStatus.SUCCESS
    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)

    assert all(events[0]["status"] == "success" for events in results)
    assert results[0][0]["result"]["process_ids"] == [int(first), int(second)]


async def test_a_failed_list_is_an_error_event_for_every_waiting_trigger(
    redex: FakeRedex, triggerer: TriggererDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [redex.add(RecApplicationStatus.IN_PROGRESS) for _ in range(3)]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("REDEX is down")

    monkeypatch.setattr(redex, "paginate", broken)
    tasks = [triggerer.start(_trigger(RedexRecApplicationTrigger, i)) for i in ids]

    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)

    for (event,) in results:
        assert event["status"] == "error"
        assert "ConnectionError: REDEX is down" in event["message"]


def test_the_key_is_the_kind_and_the_connection() -> None:
    trigger = _trigger(RedexRecApplicationTrigger, str(uuid4()), conn="redex_x")
    assert trigger.shared_stream_key() == (shared.STREAM_NAMESPACE, "rec_applications", "redex_x")


@pytest.fixture(autouse=True)
def _board_is_left_empty() -> Iterator[None]:
    yield
    assert not shared.BOARD._waiters
