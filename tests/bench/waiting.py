"""What waiting costs: 100 deferred sensors' triggers on one account, alone and beside four pushes.

The sandbox is seeded (through the real client, its rate limit lifted for the seeding) with a
quarter of the waiters in each kind: device applications and REC applications in review,
retirements pending, generation processes still processing. Each sensor is asked to defer, as a
worker would (its in-worker first check skipped), and the triggers it hands over all run in one
asyncio loop in one process, as the triggerer runs them: a trigger with a shared stream key
subscribes through Airflow's ``SharedStreamManager`` (one poll loop per key), any other runs
its own ``run()``. The sandbox's fixed-window counters then say how many requests the waiting
cost per poll interval, and, with four operators pushing on the same account at the same time,
whether any window went over the limit and how much of its speed the push kept against the same
four pushes run alone just before (same window, default margin and store, both started at a
server window's start). Two figures, because a push of exactly ``k`` full windows is the worst
case for the first: ``shared_push_ratio`` compares the two pushes' end-to-end efficiency, and
300 requests at 60 per window fill exactly 5 windows alone, so any request the waiting takes
moves the last burst into a sixth (at most 0.8 for any client, however little it waits);
``shared_push_rate_ratio`` compares the push requests the server took per full window, beside
and alone: the share of the budget the push kept, which is its efficiency ratio for a push of
any length (56 of 60 when the waiting takes one request per kind per window: 0.933).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench.common import (
    TOKENS,
    UNLIMITED,
    Window,
    account_windows,
    connection_env,
    finish_child,
    limiter,
    pacing_extra,
    refused,
    sandbox,
    say,
    start_child,
)
from tests.bench.push import (
    PROVIDER,
    ideal_seconds,
    input_files,
    local_origin,
    summarize,
    window_start_after,
)

KINDS = ("device", "rec", "retirement", "generation")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

TRIGGERS = """
import asyncio, os
from airflow_provider_redex import sensors
ids = json.loads(os.environ["BENCH_WAIT_IDS"])
poll = float(os.environ["BENCH_POLL"])
made = {
    "device": lambda i: sensors.RedexDeviceApplicationSensor(device_application_id=i, task_id="d" + i),
    "rec": lambda i: sensors.RedexRecApplicationSensor(rec_application_id=i, task_id="r" + i),
    "retirement": lambda i: sensors.RedexRetirementApplicationSensor(
        retirement_application_id=i, task_id="t" + i
    ),
    "generation": lambda i: sensors.RedexGenerationProcessSensor(process_ids=[i], task_id="g" + i),
}
triggers = []
for kind, values in ids.items():
    for value in values:
        sensor = made[kind](str(value))
        sensor.deferrable, sensor.poke_interval, sensor.timeout = True, poll, 3600
        sensor._check_now = lambda *args, **kwargs: None  # the worker's first check: not measured here
        try:
            sensor.execute({})
        except BaseException as deferred:  # TaskDeferred
            triggers.append(deferred.trigger)
assert len(triggers) == sum(len(v) for v in ids.values()), "a sensor did not defer"
# Ready (imported, every sensor deferred): the bench then says when to start, as a triggerer
# that is already running when the pushes begin.
signals = os.environ["BENCH_SIGNALS"]
open(signals + ".ready", "w").close()
while not os.path.exists(signals + ".go"):
    time.sleep(0.05)
time.sleep(max(0.0, float(open(signals + ".go").read()) - time.time()))

fresh = {}  # trigger number -> when a poll brought it a fresh reading of its own item

async def recorded(stream, number, trigger):
    wanted = {trigger.target.key(i) for i in trigger.resource_ids}
    async for snapshot in stream:
        if wanted <= getattr(snapshot, "models", {}).keys():
            fresh.setdefault(number, []).append(time.monotonic())
        yield snapshot

def waiting(number, trigger, manager):
    # As the triggerer: a trigger with a shared stream key subscribes to its key's one poll loop.
    key = trigger.shared_stream_key() if manager and hasattr(trigger, "shared_stream_key") else None
    if key is None:
        return trigger.run().__anext__()
    stream = manager.subscribe(trigger_id=number, trigger=trigger, key=key)
    return trigger.filter_shared_stream(recorded(stream, number, trigger)).__anext__()

def longest_gap(started, ended):
    # In poll intervals: the longest a trigger went without a fresh reading, from the start on.
    gaps = [
        max(b - a for a, b in zip([started, *fresh.get(n, [])], [*fresh.get(n, []), ended]))
        for n in range(len(triggers))
    ]
    return round(max(gaps, default=0.0) / poll, 2)

async def main():
    try:
        from airflow.triggers.shared_stream import SharedStreamManager
        manager = SharedStreamManager()
    except ImportError:
        manager = None
    runs = [asyncio.ensure_future(waiting(n, t, manager)) for n, t in enumerate(triggers)]
    started = time.monotonic()
    until = started + float(os.environ["BENCH_SECONDS"])
    while time.monotonic() < until and not os.path.exists(signals + ".stop"):
        await asyncio.sleep(0.1)
    early = [run for run in runs if run.done()]
    for run in runs:
        run.cancel()
    return len(early), longest_gap(started, time.monotonic())

finished, gap = asyncio.run(main())
_report(
    records=0,
    cpu_seconds=time.process_time(),
    triggers=len(triggers),
    finished_early=finished,
    longest_gap=gap,
)
"""


def seed_waiters(running: Any, per_kind: int) -> dict[str, list[str]]:
    """``per_kind`` undecided resources of each kind on the first account, through the real client."""
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pacing import PacingConfig

    counters = limiter(running)
    saved = counters.account.limit, counters.ip.limit
    counters.account.limit = counters.ip.limit = UNLIMITED
    client = RedexClient(running.url, BearerToken(TOKENS[0]), pacing=PacingConfig(enabled=False))
    try:
        document = str(client.documents.upload(PDF, filename="odf.pdf").id)
        ids: dict[str, list[str]] = {kind: [] for kind in KINDS}
        for n in range(per_kind):
            created = client.device_applications.create_grouped(_grouped(document, f"WAIT-DEV{n:03d}"))
            ids["device"].append(str(created.id))
        approved = client.device_applications.create_grouped(_grouped(document, "WAIT-GEN"))
        running.admin("POST", f"applications/{approved.id}/approve", {"Reason": "bench"})
        device_id = str(client.device_applications.get(approved.id).device_id)
        days = _claimable_days(per_kind)
        client.generation.send_daily(_daily("WAIT-GEN", days, "1000.000"))
        running.admin("POST", "clock/advance", {"Seconds": 100_000})  # that push is processed now
        for day in days:
            body = {"VintageFrom": day, "VintageTo": day, "DeviceId": device_id}
            ids["rec"].append(str(client.rec_applications.create_for_grouped_device(body).id))
        beneficiary = next(iter(client.beneficiaries.list())).id
        for _ in range(per_kind):
            request = {"BeneficiaryId": beneficiary, "Quantity": "1", "Reason": "bench", "Registry": "IREC"}
            ids["retirement"].append(str(client.retirements.create(request).id))
        for day in days:
            ref = client.generation.send_daily(_daily("WAIT-GEN", [day], "1.000"))
            ids["generation"].append(str(ref.process_id))
    finally:
        client.close()
        counters.account.limit, counters.ip.limit = saved
    return ids


def _claimable_days(count: int) -> list[date]:
    from airflow_provider_redex.client.models import rules

    start = max(rules.earliest_claimable_date(date.today()), date.today() - timedelta(days=count + 30))
    return [start + timedelta(days=i) for i in range(count)]


def _daily(inverter: str, days: list[date], kwh: str) -> dict[str, Any]:
    rows = [
        {"Timestamp": d.isoformat(), "PeriodProductionInKWh": kwh, "AccumulatedEnergyInKWh": kwh}
        for d in days
    ]
    return {"RemoteInvId": inverter, "Data": rows}


def _grouped(file_id: str, inverter: str) -> dict[str, Any]:
    return {
        "CountryCode": "VN",
        "GroupedEnglishName": f"Bench {inverter}",
        "GroupedLocalName": f"Bench {inverter}",
        "Province": "VN-SG",
        "Timezone": "UTC+07:00",
        "GenerationDataFrequency": "Daily",
        "Devices": [
            {
                "InstallationName": "Bench Roof",
                "Address": "1 Bench Road",
                "PostalCode": "700000",
                "Latitude": Decimal("10.5"),
                "Longitude": Decimal("106.7"),
                "GridConnectionDate": "2023-01-01",
                "OwnersDeclarationStartDate": "2023-01-01",
                "Domestic": False,
                "DeclarationFormFileId": file_id,
                "PercentageRenewable": Decimal(100),
                "Inverters": [
                    {
                        "RemoteInvId": inverter,
                        "ElectronicSerialNumber": f"SN-{inverter}",
                        "BrandCode": "HW21",
                        "InstalledCapacity": Decimal("9.9"),
                    }
                ],
            }
        ],
    }


def _waiting_sandbox(window: Window) -> Any:
    return sandbox(window, sample_data=True, processing_seconds=1000.0)


def waiting_requests_per_interval(window: Window, *, waiters: int, intervals: int) -> dict[str, Any]:
    """Requests per poll interval that ``waiters`` deferred sensors cost (poll interval = the window)."""
    with _waiting_sandbox(window) as running:
        ids = seed_waiters(running, waiters // len(KINDS))
        env = _trigger_env(running, window, ids, seconds=intervals * window.seconds)
        child = start_child(TRIGGERS, env)
        start_at = _go(env, child, lambda: time.time() + 1.0)
        _clear_at(running, start_at)
        time.sleep(max(0.0, start_at + intervals * window.seconds - time.time()))
        total = sum(sum(per) for per in account_windows(running).values())
        result = finish_child(child)
    per_interval = round(total / intervals, 1)
    say(
        f"  {result['triggers']} triggers, poll every {window.seconds:g} s: {total} requests in {intervals} "
        f"intervals = {per_interval} per interval ({result['finished_early']} finished early); the longest "
        f"a trigger went without a fresh reading: {result['longest_gap']} intervals"
    )
    return {
        "waiting_requests_per_interval": per_interval,
        "waiting_triggers": result["triggers"],
        "waiting_longest_gap_intervals": result["longest_gap"],
    }


def shared_budget(window: Window, *, waiters: int, requests: int, folder: Path) -> dict[str, Any]:
    """Four operators pushing and ``waiters`` triggers waiting, on one account, default budget store.

    The same four pushes also run alone, just before, in the same configuration (window,
    default margin and store, a fresh sandbox), so ``shared_push_ratio`` compares like with
    like: what the waiting costs the push, apart from what this machine and the scenario's
    short window cost it anyway (the sandbox serves the pushes from this process).
    """
    files = input_files(folder, requests, 4)
    alone = _pushes(window, requests, files, waiters=0)
    beside = _pushes(window, requests, files, waiters=waiters)
    figures = {
        "shared_budget_max_per_window": beside["max_per_window"],
        "shared_budget_limit": window.limit,
        "shared_budget_429s": beside["http_429"],
        "shared_push_efficiency": beside["efficiency"],
        "shared_push_efficiency_alone": alone["efficiency"],
        # A push within one window has an ideal of 0 s (the quick plan): no ratio to give.
        "shared_push_ratio": round(beside["efficiency"] / alone["efficiency"], 3)
        if alone["efficiency"]
        else None,
        "shared_waiting_longest_gap_intervals": beside["longest_gap"],
    }
    rate_alone, rate_beside = steady_rate(alone["push_per_window"]), steady_rate(beside["push_per_window"])
    if rate_alone and rate_beside is not None:
        figures["shared_push_rate_ratio"] = round(rate_beside / rate_alone, 3)
    say(
        f"  the 4 pushes alone: {alone['efficiency']} (max {alone['max_per_window']} per window, "
        f"{alone['http_429']} x 429; push requests per server window {alone['push_per_window']}); "
        f"beside {waiters} triggers: push requests per window {beside['push_per_window']}; "
        f"{json.dumps(figures)}"
    )
    return figures


def _pushes(window: Window, requests: int, files: list[Path], *, waiters: int) -> dict[str, Any]:
    """One run of the four pushes, beside ``waiters`` deferred sensors' triggers (0: alone)."""
    with _waiting_sandbox(window) as running:
        ids = seed_waiters(running, waiters // len(KINDS)) if waiters else {}
        seconds = ideal_seconds(requests, window) * 1.6 + 2 * window.seconds
        env = _trigger_env(running, window, ids, seconds=seconds + 60.0)
        waiting = start_child(TRIGGERS, env) if waiters else None

        def start_at() -> float:  # every push has imported by then; at a server window's start
            return window_start_after(running, window, 15.0)

        # The triggers wait already when the pushes begin, as in a running triggerer.
        env["BENCH_START_AT"] = str(_go(env, waiting, start_at) if waiting is not None else start_at())
        pushes = [start_child(PROVIDER.replace("SOURCE", repr(str(path))), env) for path in files]
        _clear_at(running, float(env["BENCH_START_AT"]))
        results = [finish_child(proc) for proc in pushes]
        gap = None
        if waiting is not None:
            Path(env["BENCH_SIGNALS"] + ".stop").touch()
            gap = finish_child(waiting)["longest_gap"]
        per_window = [count for per in account_windows(running).values() for count in per]
        pushed = push_per_window(running, window, float(env["BENCH_START_AT"]))
        server_429 = refused(running)
        origin = local_origin(running)  # the seeding moved the sandbox's clock forward
    run = summarize("provider", 4, requests, window, results, server_429, origin)
    return {
        "efficiency": round(run.efficiency, 3),
        "max_per_window": max(per_window),
        "http_429": server_429,
        "longest_gap": gap,
        "push_per_window": pushed,
    }


def push_per_window(running: Any, window: Window, since: float) -> list[int]:
    """Push requests the server took in each of its windows, from the push's first to its last.

    Read from the generation processes the sandbox created (one per accepted push, stamped with
    its clock), so the waiting's own requests in the same windows are not counted.
    """
    sandbox = running.app.state.sandbox
    ahead = sandbox.clock.origin - local_origin(running)  # the sandbox clock stamps ``created``
    taken = Counter(
        math.floor((process.created - sandbox.clock.origin) / window.seconds)
        for process in sandbox.state.generation.processes.values()
        if process.created - ahead >= since
    )
    return [taken[index] for index in range(min(taken), max(taken) + 1)] if taken else []


def steady_rate(per_window: list[int]) -> float | None:
    """Push requests per window in the push's full windows (its first and last are partial)."""
    middle = per_window[1:-1]
    return sum(middle) / len(middle) if middle else None


def _trigger_env(
    running: Any, window: Window, ids: dict[str, list[str]], *, seconds: float
) -> dict[str, str]:
    # No rate_limit_storage, no margin: a deployment's defaults (see hooks/budget_store.py).
    extra = pacing_extra(window, None)
    env = connection_env(running.url, **extra)
    env.update(
        BENCH_WAIT_IDS=json.dumps(ids),
        BENCH_POLL=str(window.seconds),
        BENCH_SECONDS=str(seconds),
        BENCH_SIGNALS=str(Path(tempfile.mkdtemp(prefix="redex-bench-wait-")) / "triggers"),
    )
    return env


def _go(env: dict[str, str], child: Any, start_at: Callable[[], float]) -> float:
    """Wait until the triggers' child is ready, then tell it to start at ``start_at()``."""
    signals = Path(env["BENCH_SIGNALS"])
    deadline = time.monotonic() + 600
    while not Path(f"{signals}.ready").exists():
        if child.poll() is not None or time.monotonic() > deadline:
            finish_child(child)  # raises with the child's stderr
            raise RuntimeError("the triggers' child never got ready")
        time.sleep(0.05)
    start = start_at()
    Path(f"{signals}.go").write_text(str(start))
    return start


def _clear_at(running: Any, start_at: float) -> None:
    """Forget the seeding's requests: count from the agreed start on."""
    time.sleep(max(0.0, start_at - time.time() - 0.05))
    limiter(running).clear()
