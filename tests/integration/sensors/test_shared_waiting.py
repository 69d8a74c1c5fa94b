"""A hundred deferred triggers on one account, across the four kinds, against the sandbox over real
HTTP: what waiting costs per interval, and that every trigger still gets its own answer.

The triggers run through Airflow's own ``SharedStreamManager``, as the triggerer runs them
(``devtools.shared_streams``). The sandbox records every REDEX request it serves, by route, so
the figures are the server's own. They are printed (``-s`` shows them); the asserts are on
counts, never on timings.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.routes import ROUTES
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from airflow_provider_redex.triggers.status import (
    RedexDeviceApplicationTrigger,
    RedexGenerationProcessTrigger,
    RedexRecApplicationTrigger,
    RedexRetirementApplicationTrigger,
    RedexStatusTrigger,
)
from devtools.shared_streams import TriggererDriver, pending_retirements
from tests.helpers import harness

PER_KIND = 25
INTERVAL = 0.6
INTERVALS = 8
BASELINE_INTERVALS = 4
PROCESSING_SECONDS = 360_000.0
"""Generation processes stay ``New`` until the test moves the sandbox clock."""
TIME_SCALE = 0.01


class RouteLog:
    """Every REDEX request the sandbox serves: ``(time.monotonic(), route name)``."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.hits: list[tuple[float, str]] = []
        for route in sandbox.app.router.routes:
            name = str(getattr(route, "name", "")).split(".alias")[0]
            if name in ROUTES:
                route.app = self._counting(route.app, name)  # type: ignore[attr-defined]

    def _counting(self, app: Callable[..., Any], name: str) -> Callable[..., Any]:
        async def counted(scope: Any, receive: Any, send: Any) -> None:
            self.hits.append((time.monotonic(), name))
            await app(scope, receive, send)

        return counted

    def between(self, start: float, end: float) -> Counter[str]:
        return Counter(name for at, name in self.hits if start <= at < end)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    config = harness.sandbox_config(processing_seconds=PROCESSING_SECONDS, time_scale=TIME_SCALE)
    with running_sandbox(config) as running:
        # The triggers pace on the sandbox's own (scaled) account window.
        extra = {"account_window_seconds": 60 * TIME_SCALE, "pacing_margin_seconds": 0}
        conn = {"conn_type": "redex", "host": running.url, "password": running.token, "extra": extra}
        monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))
        yield running


def waiting_items(sandbox: RunningSandbox) -> dict[type[RedexStatusTrigger], list[str]]:
    """``PER_KIND`` undecided items of each kind, made through the API."""
    ours = rules.earliest_claimable_date(rules.today_earliest())
    days = [ours + timedelta(days=1 + d) for d in range(PER_KIND)]
    device = harness.approved_device(sandbox, "Shared", since=ours, inverters=1)
    inverter = device.inverters[0]
    with harness.client(sandbox) as redex:
        data = [
            {"Timestamp": d, "PeriodProductionInKWh": "1500", "AccumulatedEnergyInKWh": "1500"} for d in days
        ]
        stored = redex.generation.send_daily({"RemoteInvId": inverter, "Data": data}).process_id
        sandbox.admin("POST", "clock/advance", {"Seconds": 3 * PROCESSING_SECONDS})
        assert str(redex.generation.get_process(stored).status.value) == "Success"
        recs = [
            str(
                redex.rec_applications.create_for_grouped_device(
                    {"DeviceId": device.device_id, "VintageFrom": d, "VintageTo": d}
                ).id
            )
            for d in days
        ]
        retirements = pending_retirements(redex, PER_KIND, reason="shared waiting")
        file_id = str(redex.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
        devices = [
            str(
                redex.device_applications.create_grouped(
                    harness.grouped_device_request(f"Wait{n}", file_id, inverters=1)
                ).id
            )
            for n in range(PER_KIND)
        ]
        record = {"PeriodProductionInKWh": "5", "AccumulatedEnergyInKWh": "5"}
        processes = [
            str(
                redex.generation.send_daily(
                    {"RemoteInvId": inverter, "Data": [{**record, "Timestamp": d}]}
                ).process_id
            )
            for d in days
        ]
    return {
        RedexDeviceApplicationTrigger: devices,
        RedexRecApplicationTrigger: recs,
        RedexRetirementApplicationTrigger: retirements,
        RedexGenerationProcessTrigger: processes,
    }


LIST_ROUTES = {
    RedexDeviceApplicationTrigger: "device_applications",
    RedexRecApplicationTrigger: "rec_applications",
    RedexRetirementApplicationTrigger: "retirements",
    RedexGenerationProcessTrigger: "generation",
}


def test_a_hundred_deferred_sensors_cost_one_request_per_kind_per_interval(sandbox: RunningSandbox) -> None:
    items = waiting_items(sandbox)
    log = RouteLog(sandbox)

    async def alone() -> Counter[str]:
        """The baseline: the same triggers each polling on their own (``run()``)."""
        driver = TriggererDriver()
        for cls, ids in items.items():
            for item in ids:
                trigger = cls(
                    resource_ids=[item],
                    redex_conn_id="redex_default",
                    deadline=time.time() + 60,
                    poll_interval=INTERVAL,
                )
                driver.start(trigger, alone=True)
        try:
            await asyncio.sleep(INTERVAL * 1.5)
            start = time.monotonic()
            await asyncio.sleep(INTERVAL * BASELINE_INTERVALS)
            return log.between(start, time.monotonic())
        finally:
            await driver.stop()

    async def scenario() -> dict[str, Any]:
        driver = TriggererDriver()
        deadline = time.time() + 120
        tasks = {
            item: driver.start(
                cls(
                    resource_ids=[item],
                    redex_conn_id="redex_default",
                    deadline=deadline,
                    poll_interval=INTERVAL,
                )
            )
            for cls, ids in items.items()
            for item in ids
        }
        try:
            await asyncio.sleep(INTERVAL * 1.5)  # the first polls
            start = time.monotonic()
            await asyncio.sleep(INTERVAL * INTERVALS)
            end = time.monotonic()
            waited = log.between(start, end)
            # Fresh readings each trigger received while all waited, and the gaps between them.
            seen = [[at for at in d.at if start <= at < end] for d in driver.deliveries]
            groups = len(driver.groups)
            # Decisions: one of each application kind, every generation process.
            device, rec, retirement = (
                items[RedexDeviceApplicationTrigger][0],
                items[RedexRecApplicationTrigger][0],
                items[RedexRetirementApplicationTrigger][0],
            )
            await asyncio.to_thread(sandbox.admin, "POST", f"applications/{device}/approve")
            await asyncio.to_thread(
                sandbox.admin, "POST", f"applications/{rec}/reject", {"Reason": "vintage already claimed"}
            )
            await asyncio.to_thread(sandbox.admin, "POST", f"applications/{retirement}/approve")
            await asyncio.to_thread(
                sandbox.admin, "POST", "clock/advance", {"Seconds": 3 * PROCESSING_SECONDS}
            )
            decided = [tasks[i] for i in (device, rec, retirement, *items[RedexGenerationProcessTrigger])]
            await asyncio.wait_for(asyncio.gather(*decided), timeout=30)
            still_waiting = [t for item, t in tasks.items() if t not in decided and t.done()]
            return {
                "waited": waited,
                "seen": dict(zip(tasks, seen, strict=True)),
                "groups": groups,
                "tasks": tasks,
                "early": still_waiting,
            }
        finally:
            await driver.stop()

    time.sleep(3 * 60 * TIME_SCALE)  # the setup's unpaced burst leaves the sandbox's windows
    baseline = asyncio.run(alone())
    outcome = asyncio.run(scenario())

    waited: Counter[str] = outcome["waited"]
    per_interval = {
        cls.__name__: sum(n for route, n in waited.items() if route.startswith(prefix)) / INTERVALS
        for cls, prefix in LIST_ROUTES.items()
    }
    print(f"\nwaiting_requests_per_interval by kind ({PER_KIND} triggers each): {per_interval}")
    print(f"requests while waiting: {dict(waited)}")
    alone_rate = sum(baseline.values()) / BASELINE_INTERVALS
    print(f"the same triggers alone, per interval: {alone_rate:.1f} ({dict(baseline)})")
    longest = {
        cls.__name__: max(b - a for i in ids for a, b in itertools.pairwise(outcome["seen"][i])) / INTERVAL
        for cls, ids in items.items()
    }
    print(f"longest gap between two fresh readings of one trigger, in intervals: {longest}")

    assert outcome["groups"] == 4  # one shared poll per kind
    for cls in (RedexDeviceApplicationTrigger, RedexRecApplicationTrigger, RedexRetirementApplicationTrigger):
        route = f"{LIST_ROUTES[cls]}.list"
        assert waited[route] <= INTERVALS + 1, waited  # one list per interval (a boundary may add one)
        assert waited[f"{LIST_ROUTES[cls]}.get"] == 0, waited  # nothing decided: no single reads
    # The 25 processes in one G4 request per interval (ProcessId repeated), as for a list.
    assert waited["generation.get_process"] <= INTERVALS + 1, waited
    # Fair: within a kind, every trigger saw every poll's fresh reading (a boundary may cut one).
    for ids in items.values():
        counts = [len(outcome["seen"][item]) for item in ids]
        assert min(counts) >= max(counts) - 1 >= INTERVALS // 2, counts
    assert not outcome["early"]

    tasks = outcome["tasks"]
    device_event, rec_event, retirement_event = (
        tasks[items[cls][0]].result()[0]
        for cls in (
            RedexDeviceApplicationTrigger,
            RedexRecApplicationTrigger,
            RedexRetirementApplicationTrigger,
        )
    )
    assert device_event["status"] == "success" and device_event["result"]["device_id"]
    assert rec_event["status"] == "failure"
    assert (
        "vintage already claimed" in rec_event["message"]
        and rec_event["application_number"] in rec_event["message"]
    )
    assert retirement_event["status"] == "success" and retirement_event["result"]["certificate_url"]
    assert all(tasks[p].result()[0]["status"] == "success" for p in items[RedexGenerationProcessTrigger])
