"""Push efficiency against a fixed-window REDEX: the provider and the plain HttpHook loop, one sitting.

Efficiency = the best schedule the server allows / the time taken. A fixed-window server lets
``limit`` requests through at once and ``limit`` more at each window start, so ``n`` requests
need ``(ceil(n / limit) - 1) * window`` seconds when the first one opens a window: the ideal, as
REDEX's issue 9 counts it (40 s for 300 requests at 60 per 10 s). Every push here starts at one
agreed instant, a server window's start, so that ideal is the best schedule the server allows
both clients. A client whose first request came ``phase`` seconds into a window could, by luck,
finish up to ``phase`` sooner (a burst at the end of one window and another at the start of the
next) and show an efficiency above 1; a paced client never bursts twice within ``window +
margin``, whatever the phase. The phase of each run's first request is printed beside it. The
time taken runs from the first request sent to the last answer received, over every pushing
process; reading the input before the first request is not counted, for either client (the peer
reads its whole CSV before the agreed instant, the operator streams it).

* ``provider``: ``RedexPushGenerationDataOperator`` streaming a CSV (1 process: its own budget;
  4 processes: one budget on Redis, one account).
* ``peer``: what a user writes without the provider: read the CSV, POST batches of 3000 with
  ``HttpHook.run_with_advanced_retry`` (tenacity: random exponential backoff on any failure).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.common import (
    Window,
    connection_env,
    pacing_extra,
    refused,
    run_children,
    sandbox,
    say,
    write_readings,
)

RECORDS_PER_REQUEST = 3000

WAIT_UNTIL_START = """
import os
time.sleep(max(0.0, float(os.environ["BENCH_START_AT"]) - time.time()))
"""

PROVIDER = (
    """
from airflow_provider_redex.operators import RedexPushGenerationDataOperator
operator = RedexPushGenerationDataOperator(task_id="push", source=SOURCE, progress_interval=3600)
"""
    + WAIT_UNTIL_START
    + """
cpu = time.process_time()
report = operator.execute({})
_report(records=report["records_sent"], cpu_seconds=time.process_time() - cpu)
"""
)

PACED_GETS = (
    """
import os
from airflow_provider_redex.hooks.redex import RedexHook
client = RedexHook().get_client()
count = int(os.environ["BENCH_REQUESTS"])
"""
    + WAIT_UNTIL_START
    + """
cpu = time.process_time()
for _ in range(count):
    client.request("accounts.get_profile")
_report(records=0, cpu_seconds=time.process_time() - cpu)
"""
)
"""The pacing alone: small GETs through the hook's client, so CPU per request plays no part."""

PEER = (
    """
import csv, tenacity
from collections import defaultdict
from airflow.providers.http.hooks.http import HttpHook
from airflow_provider_redex.client.routes import route
hook = HttpHook(method="POST", http_conn_id="plain_redex")
path = route("generation.send_batch").path
retry_args = dict(
    wait=tenacity.wait_random_exponential(multiplier=0.5, max=10),
    stop=tenacity.stop_after_attempt(30),
    retry=tenacity.retry_if_exception_type(Exception),
    reraise=True,
)
cpu = time.process_time()
with open(SOURCE) as fh:
    rows = list(csv.DictReader(fh))
"""
    + WAIT_UNTIL_START
    + """
for start in range(0, len(rows), 3000):
    devices = defaultdict(list)
    for row in rows[start:start + 3000]:
        row = dict(row)
        devices[row.pop("RemoteInvId")].append(row)
    body = {"Devices": [{"RemoteInvId": k, "Data": v} for k, v in devices.items()]}
    hook.run_with_advanced_retry(_retry_args=retry_args, endpoint=path, json=body)
_report(records=len(rows), cpu_seconds=time.process_time() - cpu)
"""
)


@dataclass(frozen=True)
class PushRun:
    """One push scenario's outcome."""

    client: str
    processes: int
    requests: int
    seconds: float
    ideal_seconds: float
    http_429: int
    records: int
    cpu_seconds: float
    phase_seconds: float = 0.0

    @property
    def efficiency(self) -> float:
        return self.ideal_seconds / self.seconds if self.seconds > 0 else 0.0


def local_origin(running: Any) -> float:
    """Where the sandbox's windows start, on this machine's clock (a test may move its clock forward)."""
    clock = running.app.state.sandbox.clock
    return float(clock.origin - (clock.now() - time.time()))


def window_start_after(running: Any, window: Window, seconds: float) -> float:
    """The first start of a server window at least ``seconds`` from now, on this machine's clock."""
    origin = local_origin(running)
    return origin + math.ceil((time.time() + seconds - origin) / window.seconds) * window.seconds


def ideal_seconds(requests: int, window: Window) -> float:
    return (math.ceil(requests / window.limit) - 1) * window.seconds


def input_files(folder: Path, requests: int, processes: int) -> list[Path]:
    """``processes`` CSVs with ``requests`` full requests of records between them (cached per shape)."""
    per_process = requests // processes
    files = []
    for n in range(processes):
        path = folder / f"push-{requests}-{processes}-{n}.csv"
        if not path.exists():
            write_readings(path, inverters=per_process * 10, days=RECORDS_PER_REQUEST // 10, tag=f"P{n}")
        files.append(path)
    return files


def push(
    client: str,
    window: Window,
    *,
    requests: int,
    processes: int,
    margin: float,
    folder: Path,
    storage: str = "",
) -> PushRun:
    """Push ``requests`` full requests in ``processes`` processes against a fresh fixed-window sandbox."""
    codes = {"provider": PROVIDER, "peer": PEER, "pacing": PACED_GETS}
    code = codes[client]
    files = input_files(folder, requests, processes) if client != "pacing" else [Path("-")] * processes
    with sandbox(window) as running:
        env = connection_env(running.url, **pacing_extra(window, margin, storage))
        env["BENCH_REQUESTS"] = str(requests // processes)
        # After every child has imported (and the peer has read its CSV), at a server window's start.
        env["BENCH_START_AT"] = str(window_start_after(running, window, 4.0 + 2.5 * processes))
        results = run_children([code.replace("SOURCE", repr(str(path))) for path in files], env)
        server_429 = refused(running)
        origin = local_origin(running)
    run = summarize(client, processes, requests, window, results, server_429, origin)
    say(
        f"  {client:8} {processes} proc: {run.seconds:6.1f} s for {requests} requests "
        f"(ideal {run.ideal_seconds:g} s; first request {run.phase_seconds:.1f} s into a server window) "
        f"efficiency {run.efficiency:.3f}, {run.http_429} x 429"
    )
    return run


def summarize(
    client: str,
    processes: int,
    requests: int,
    window: Window,
    results: list[dict[str, Any]],
    server_429: int,
    origin: float,
) -> PushRun:
    """The runs of one scenario as one push; ``origin`` is where the sandbox's windows start."""
    first = min(r["first_send"] for r in results)
    last = max(r["last_answer"] for r in results)
    return PushRun(
        client=client,
        processes=processes,
        requests=requests,
        seconds=last - first,
        ideal_seconds=ideal_seconds(requests, window),
        phase_seconds=(first - origin) % window.seconds,
        http_429=max(server_429, sum(r["http_429"] for r in results)),
        records=sum(r["records"] for r in results),
        cpu_seconds=sum(r["cpu_seconds"] for r in results),
    )
