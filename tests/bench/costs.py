"""What a record costs in CPU, how memory grows with the input, and what importing and parsing cost.

CPU per record is the pushing process's CPU time (``time.process_time``) over the records it
sent, against a sandbox without a rate limit, so no figure includes waiting:

* ``client``: ``RedexClient.generation.send_batch`` given rows already in memory (validation,
  encoding, sending);
* ``operator``: ``RedexPushGenerationDataOperator`` from a CSV file (reading, validation, encoding,
  sending, progress);
* ``peer``: the plain loop from the same CSV file (reading, grouping, ``json=`` encoding, sending).

Memory: peak RSS of the operator pushing 10 times as many records, as a ratio (flat is 1.0).
Import and parse times come from ``test_parse_and_import.probe`` (a fresh interpreter per run).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from tests.bench.common import (
    TOKENS,
    UNLIMITED,
    Window,
    connection_env,
    pacing_extra,
    run_children,
    sandbox,
    say,
    write_readings,
)
from tests.bench.push import PEER, PROVIDER

CLIENT = """
import csv, os
from collections import defaultdict
from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.pacing import PacingConfig
with open(SOURCE) as fh:
    rows = list(csv.DictReader(fh))
bodies = []
for start in range(0, len(rows), 3000):
    devices = defaultdict(list)
    for row in rows[start:start + 3000]:
        row = dict(row)
        devices[row.pop("RemoteInvId")].append(row)
    bodies.append({"Devices": [{"RemoteInvId": k, "Data": v} for k, v in devices.items()]})
token = BearerToken(os.environ["BENCH_TOKEN"])
client = RedexClient(os.environ["BENCH_URL"], token, pacing=PacingConfig(enabled=False))
cpu = time.process_time()
for body in bodies:
    client.generation.send_batch(body)
_report(records=len(rows), cpu_seconds=time.process_time() - cpu)
"""

FREE = Window(UNLIMITED, 1.0)


def _unlimited_run(code: str, source: Path) -> dict[str, Any]:
    with sandbox(FREE, ip=FREE) as running:
        env = connection_env(running.url, **pacing_extra(FREE, 0.0, "memory://"))
        env.update(BENCH_URL=running.url, BENCH_TOKEN=TOKENS[0], BENCH_START_AT="0")
        (result,) = run_children([code.replace("SOURCE", repr(str(source)))], env)
    return result


def cpu_per_record(folder: Path, records: int, *, rounds: int = 3) -> dict[str, float]:
    """Microseconds of CPU per record for the client, the operator and the peer.

    Each runs ``rounds`` times in turn and the least is its figure: what else the machine does
    only ever adds CPU time (on the development machine, quiet, the operator's figure came out
    at 7.9, 9.6 and 11.2 µs in three runs a minute apart), and all three get the same treatment.
    """
    source = folder / f"cpu-{records}.csv"
    if not source.exists():
        write_readings(source, inverters=records // 300, days=300, tag="CPU")
    runs: dict[str, list[float]] = {"client": [], "operator": [], "peer": []}
    for _ in range(rounds):
        for name, code in (("client", CLIENT), ("operator", PROVIDER), ("peer", PEER)):
            result = _unlimited_run(code, source)
            runs[name].append(round(result["cpu_seconds"] / result["records"] * 1e6, 2))
    for name, figures in runs.items():
        say(f"  {name:8} {min(figures):6.2f} us/record over {records:,} records (runs: {figures})")
    return {name: min(figures) for name, figures in runs.items()}


def rss_growth_ratio(folder: Path, small: int) -> float:
    """Peak RSS of the operator pushing ``10 * small`` records over pushing ``small``."""
    peaks = []
    for records in (small, 10 * small):
        source = folder / f"rss-{records}.csv"
        if not source.exists():
            write_readings(source, inverters=records // 300, days=300, tag="RSS")
        peaks.append(_unlimited_run(PROVIDER, source)["peak_rss_mib"])
        say(f"  operator {records:>9,} records: peak RSS {peaks[-1]:.0f} MiB")
    return round(peaks[1] / peaks[0], 3)


def import_and_parse(runs: int) -> dict[str, float]:
    """The provider's import time and the slowest example DAG's parse time, in ms (medians)."""
    from tests.bench.test_parse_and_import import DAG_FILES, probe

    imports, parses = [], []
    for path in DAG_FILES:
        results = [probe(path) for _ in range(runs)]
        imports += [float(r["provider"]) for r in results]  # type: ignore[arg-type]
        parses.append(statistics.median(float(r["parse"]) for r in results))  # type: ignore[arg-type]
    figures = {
        "import_ms": round(statistics.median(imports) * 1000, 1),
        "dag_parse_ms_max": round(max(parses) * 1000, 1),
    }
    say(f"  provider import {figures['import_ms']} ms; slowest DAG parse {figures['dag_parse_ms_max']} ms")
    return figures
