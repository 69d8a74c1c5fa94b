"""A scripted REDEX for the trigger tests, and Airflow's shared-stream manager driven as the
triggerer drives it (``devtools.shared_streams``)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementStatus
from airflow_provider_redex.hooks.redex import RedexAsyncHook
from airflow_provider_redex.triggers import shared

# devtools/ is not installed: it sits at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from devtools.shared_streams import TriggererDriver

_KINDS = {
    "rec_applications.list": RecApplicationStatus,
    "device_applications.list": DeviceApplicationStatus,
    "retirements.list": RetirementStatus,
}


class FakeRedex:
    """Applications and processes with scripted statuses; records every request as it is sent."""

    def __init__(self) -> None:
        self.statuses: dict[str, LifecycleStatus] = {}
        self.reasons: dict[str, str] = {}
        self.requests: list[tuple[float, str]] = []
        self.listings: list[tuple[str, list[int]]] = []
        """One entry per ``list()`` paged through: its route and ``[pages requested]``."""
        self.rec_applications = SimpleNamespace(
            get=self._get_application("rec_applications.get"), list=self.lister("rec_applications.list")
        )
        self.device_applications = SimpleNamespace(
            get=self._get_application("device_applications.get"), list=self.lister("device_applications.list")
        )
        self.retirements = SimpleNamespace(
            get=self._get_application("retirements.get"), list=self.lister("retirements.list")
        )
        self.generation = SimpleNamespace(get_process=self._get_process)

    def add(self, status: LifecycleStatus) -> str:
        item_id = str(uuid4()) if not isinstance(status, ProcessStatus) else str(20_001 + len(self.statuses))
        self.statuses[item_id] = status
        return item_id

    def model(self, item_id: str) -> Any:
        if item_id not in self.statuses:
            raise LookupError(f"404: no {item_id}")
        return SimpleNamespace(
            id=item_id,
            process_id=item_id,
            application_number=f"N-{item_id[:8]}",
            status=SimpleNamespace(value=self.statuses[item_id]),
            review_comment=self.reasons.get(item_id),
            device_id=uuid4(),
        )

    def lister(self, route: str) -> Callable[..., Any]:
        """``client.<area>.list(**filters)``: an object whose ``iter_pages()`` pages the matches."""

        def list_(**filters: Any) -> Any:
            wanted = [s.value for s in filters.get("statuses") or [filters["status"]]]
            kind = _KINDS[route]
            items = [
                self.model(i) for i, s in self.statuses.items() if isinstance(s, kind) and s.value in wanted
            ]
            return SimpleNamespace(iter_pages=lambda: self._pages(route, filters, items))

        return list_

    async def _pages(self, route: str, filters: dict[str, Any], items: list[Any]) -> AsyncIterator[Any]:
        shown = {
            name: [s.value for s in v] if isinstance(v, list) else v.value for name, v in filters.items()
        }
        pages = [0]
        self.listings.append((route, pages))
        for start in range(0, max(len(items), 1), 100):
            self.requests.append((time.monotonic(), f"{route} {shown}"))
            pages[0] += 1
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

    def pages(self, route: str) -> list[int]:
        """Pages requested by each listing of ``route`` so far, in order: one entry per poll."""
        return [pages[0] for listed, pages in self.listings if listed == route]


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
    # On Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives just as the awaited
    # item is ready (fixed in 3.12); a trigger inside ``_wait_on_stream`` then keeps waiting until
    # its deadline (60 s here). Cancel what is still running until it ends, as the triggerer's
    # cleanup would have to.
    for task in driver.tasks:
        task.cancel()
    while pending := [task for task in driver.tasks if not task.done()]:
        _, still = await asyncio.wait(pending, timeout=0.5)
        for task in still:
            task.cancel()
    await driver.stop()


@pytest.fixture
def until() -> Callable[..., Awaitable[None]]:
    """``await until(condition)``: poll a condition every few ms, failing after ``timeout``."""

    async def wait(condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "condition not reached"
            await asyncio.sleep(0.005)

    return wait


@pytest.fixture(autouse=True)
def _board_is_left_empty() -> Any:
    yield
    assert not shared.BOARD._waiters
