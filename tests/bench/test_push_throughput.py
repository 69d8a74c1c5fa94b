"""Benchmark: pushing generation data, the provider's way against the plain way, in one run.

Figures, not asserts on time: records/s as a fraction of the rate-limit ceiling, 429s drawn,
peak memory (max RSS of the pushing process), for

* ``provider``: ``RedexPushGenerationDataOperator`` streaming a CSV through the paced client;
* ``plain``: what a user writes without the provider: read the CSV into a list, POST batches of
  3000 with ``HttpHook`` in a loop, and on a 429 sleep ``Retry-After`` and try again.

The sandbox runs in this process with REDEX's request rate (``LIMIT`` requests per
``WINDOW`` s, one a second), so the ceiling is ``3000 * LIMIT / WINDOW`` = 3000 records/s as
on REDEX; the client keeps its default pacing margin. Each push runs in a child process of its
own so its memory is its own; an import-only child gives the baseline both carry.

    python -m pytest tests/bench -s      # prints the table
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bench.common import write_readings

ROOT = Path(__file__).resolve().parents[2]
# REDEX's own rate (60 requests a minute: one a second, 3000 records/s at most) in shorter
# windows, so the run spans several windows in well under a minute per push.
LIMIT, WINDOW = 10, 10.0
INVERTERS, DAYS = 400, 300  # 120,000 records: 40 full requests, four windows' worth
TOKEN = "bench-token"
CEILING = 3000 * LIMIT / WINDOW


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from airflow_provider_redex.sandbox.config import SandboxConfig, WindowPolicy
    from airflow_provider_redex.sandbox.server import running_sandbox

    config = SandboxConfig(
        tokens=(TOKEN,), account_policy=WindowPolicy(LIMIT, WINDOW), sample_data=False, approve_after=None
    )
    with running_sandbox(config) as running:
        yield running


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "readings.csv"
    write_readings(path, inverters=INVERTERS, days=DAYS)
    return path


PROVIDER_PUSH = """
import json, time
from airflow_provider_redex.operators import RedexPushGenerationDataOperator
started = time.monotonic()
report = RedexPushGenerationDataOperator(task_id="push", source={source!r}).execute({{}})
print("RESULT " + json.dumps({{"seconds": time.monotonic() - started, "records": report["records_sent"],
                              "requests": report["requests"], "http_429": 0}}))
"""

PLAIN_PUSH = """
import csv, json, time
from collections import defaultdict
from airflow.providers.http.hooks.http import HttpHook
from airflow_provider_redex.client.routes import route

started = time.monotonic()
with open({source!r}) as fh:
    rows = list(csv.DictReader(fh))          # the plain way: the whole file in memory
hook = HttpHook(method="POST", http_conn_id="plain_redex")
path, http_429, requests = route("generation.send_batch").path, 0, 0
for start in range(0, len(rows), 3000):
    devices = defaultdict(list)
    for row in rows[start:start + 3000]:
        devices[row.pop("RemoteInvId")].append(row)
    body = {{"Devices": [{{"RemoteInvId": k, "Data": v}} for k, v in devices.items()]}}
    while True:
        requests += 1
        response = hook.run(path, json=body, extra_options={{"check_response": False}})
        if response.status_code != 429:
            response.raise_for_status()
            break
        http_429 += 1
        time.sleep(float(response.headers.get("Retry-After", "1")))
print("RESULT " + json.dumps({{"seconds": time.monotonic() - started, "records": len(rows),
                              "requests": requests, "http_429": http_429}}))
"""


def run_child(code: str, sandbox_url: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; its RESULT line plus its peak RSS in MiB."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "AIRFLOW_CONN_REDEX_DEFAULT": json.dumps(
            {
                "conn_type": "redex",
                "host": sandbox_url,
                "password": TOKEN,
                "extra": {
                    "account_requests": LIMIT,
                    "account_window_seconds": WINDOW,
                },
            }
        ),
        "AIRFLOW_CONN_PLAIN_REDEX": json.dumps(
            {"conn_type": "http", "host": sandbox_url, "extra": {"Authorization": f"Bearer {TOKEN}"}}
        ),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, stderr[-4000:]
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    return result


def test_push_throughput_provider_against_plain_httphook_loop(
    sandbox: Any, readings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = run_child(
        "import json, airflow_provider_redex.operators, airflow.providers.http.hooks.http\n"
        "print('RESULT ' + json.dumps({'seconds': 0, 'records': 0, 'requests': 0, 'http_429': 0}))",
        sandbox.url,
    )
    provider = run_child(PROVIDER_PUSH.format(source=str(readings)), sandbox.url)
    plain = run_child(PLAIN_PUSH.format(source=str(readings)), sandbox.url)

    records = INVERTERS * DAYS
    assert provider["records"] == plain["records"] == records
    assert provider["http_429"] == 0
    # The server lets LIMIT requests through at once, then LIMIT more per window: the fastest this
    # push can possibly go. The steady ceiling (3000 records/s) is what a long push tends to.
    ideal_seconds = (-(-records // 3000 // LIMIT) - 1) * WINDOW
    rows = [("", "seconds", "records/s", "of ceiling", "of fastest", "requests", "429s", "peak RSS")]
    for name, r in (("provider", provider), ("plain", plain)):
        rate = r["records"] / r["seconds"]
        rows.append(
            (
                name,
                f"{r['seconds']:.1f}",
                f"{rate:,.0f}",
                f"{rate / CEILING:.0%}",
                f"{ideal_seconds / r['seconds']:.0%}",
                str(r["requests"]),
                str(r["http_429"]),
                f"{r['peak_rss_mib']:.0f} MiB",
            )
        )
    rows.append(("imports", "", "", "", "", "", "", f"{baseline['peak_rss_mib']:.0f} MiB"))
    with capsys.disabled():
        policy = f"{LIMIT} requests of 3000 records per {WINDOW:g} s"
        print(f"\n\npush of {records:,} records; ceiling {CEILING:,.0f} records/s ({policy}); ", end="")
        print(f"fastest possible {ideal_seconds:g} s")
        for row in rows:
            print(f"{row[0]:10}" + "".join(f"{cell:>11}" for cell in row[1:]))
        print()
