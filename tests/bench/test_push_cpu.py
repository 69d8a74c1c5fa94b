"""Benchmark: CPU spent per generation record by the client and by the push operator.

Figures, never asserts on time. The sandbox runs in a process of its own with a rate limit far
above what a push can use, so nothing waits for a slot and nothing of the server's work is
counted; each measurement runs in a fresh child interpreter and reads its own CPU clock
(``time.process_time``: every thread of the process, so a read-ahead thread is counted too).

* ``client``: ``client.generation.send_batch(request)`` for requests built beforehand, as a
  program that has its records in hand would call it (validation of the models is outside);
* ``operator``: ``RedexPushGenerationDataOperator.execute`` on a CSV file, from reading the
  file to the last acknowledgement (reading, validation, packing, encoding, sending);
* ``plain``: the plain ``requests`` loop a user would write: read the CSV, group each 3000
  rows, ``json.dumps`` the body, POST it.

    python -m pytest tests/bench/test_push_cpu.py -s          # prints the table
    REDEX_BENCH_CPU_RECORDS=300000 python -m pytest ... -s    # a bigger push
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bench-cpu-token"
RECORDS = int(os.environ.get("REDEX_BENCH_CPU_RECORDS", "30000"))
DAYS = 300

SANDBOX = """
import sys, time
from airflow_provider_redex.sandbox.config import SandboxConfig, WindowPolicy
from airflow_provider_redex.sandbox.server import running_sandbox
config = SandboxConfig(tokens=({token!r},), account_policy=WindowPolicy(1_000_000, 1.0),
                       ip_policy=WindowPolicy(1_000_000, 1.0), sample_data=False, approve_after=None)
with running_sandbox(config) as sandbox:
    print(sandbox.url, flush=True)
    sys.stdin.read()
"""

CLIENT = """
import csv, json, time
from collections import defaultdict
from airflow_provider_redex.client.models.generation import BatchGenerationRequest
from airflow_provider_redex.hooks.redex import RedexHook
with open({source!r}, newline="") as fh:
    rows = list(csv.DictReader(fh))
requests = []
for start in range(0, len(rows), 3000):
    devices = defaultdict(list)
    for row in rows[start:start + 3000]:
        devices[row.pop("RemoteInvId")].append(row)
    requests.append(BatchGenerationRequest.from_input(
        {{"Devices": [{{"RemoteInvId": k, "Data": v}} for k, v in devices.items()]}}))
with RedexHook().get_client() as client:
    started = time.process_time()
    for request in requests:
        client.generation.send_batch(request)
    cpu = time.process_time() - started
print("RESULT " + json.dumps({{"cpu": cpu, "records": len(rows)}}))
"""

OPERATOR = """
import json, time
from airflow_provider_redex.operators import RedexPushGenerationDataOperator
operator = RedexPushGenerationDataOperator(task_id="push", source={source!r}, progress_interval=3600)
started = time.process_time()
report = operator.execute({{}})
cpu = time.process_time() - started
print("RESULT " + json.dumps({{"cpu": cpu, "records": report["records_sent"]}}))
"""

PLAIN = """
import csv, json, time
from collections import defaultdict
import requests
from airflow_provider_redex.client.routes import route
started = time.process_time()
session = requests.Session()
session.headers["Authorization"] = "Bearer {token}"
url = {url!r} + route("generation.send_batch").path
with open({source!r}, newline="") as fh:
    rows = list(csv.DictReader(fh))
for start in range(0, len(rows), 3000):
    devices = defaultdict(list)
    for row in rows[start:start + 3000]:
        devices[row.pop("RemoteInvId")].append(row)
    body = {{"Devices": [{{"RemoteInvId": k, "Data": v}} for k, v in devices.items()]}}
    session.post(url, json=body).raise_for_status()
cpu = time.process_time() - started
print("RESULT " + json.dumps({{"cpu": cpu, "records": len(rows)}}))
"""


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    env = {**os.environ, "PYTHONPATH": _pythonpath()}
    code = textwrap.dedent(SANDBOX.format(token=TOKEN))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        yield proc.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench-cpu") / "readings.csv"
    first = date.today() - timedelta(days=DAYS + 2)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"])
        for n in range(RECORDS):
            inverter, day = divmod(n, DAYS)
            kwh = 40_123 + day
            writer.writerow(
                [
                    f"CPU-INV{inverter:05d}",
                    (first + timedelta(days=day)).isoformat(),
                    f"{kwh / 1000:.3f}",
                    f"{kwh * (day + 1) / 1000:.3f}",
                ]
            )
    return path


def _pythonpath() -> str:
    return os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def run_child(code: str, url: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": _pythonpath(),
        "AIRFLOW_CONN_REDEX_DEFAULT": json.dumps(
            {
                "conn_type": "redex",
                "host": url,
                "password": TOKEN,
                "extra": {"account_requests": 1_000_000, "account_window_seconds": 1},
            }
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def test_cpu_per_record_of_client_operator_and_plain_loop(
    sandbox_url: str, readings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(readings)
    figures = {
        "client": run_child(CLIENT.format(source=source), sandbox_url),
        "operator": run_child(OPERATOR.format(source=source), sandbox_url),
        "plain": run_child(PLAIN.format(source=source, url=sandbox_url, token=TOKEN), sandbox_url),
    }
    for result in figures.values():
        assert result["records"] == RECORDS
    with capsys.disabled():
        print(f"\n\nCPU per record, push of {RECORDS:,} records (process CPU time / records)")
        for name, result in figures.items():
            print(f"{name:10}{result['cpu'] * 1e6 / RECORDS:8.1f} us/record")
        print(
            "JSON "
            + json.dumps(
                {f"us_per_record_{k}": round(v["cpu"] * 1e6 / RECORDS, 2) for k, v in figures.items()}
            )
        )
