"""Benchmark: what the provider costs at import, and what each example DAG costs to parse.

Figures, not asserts on time. Each figure comes from a fresh interpreter, as the dag-processor
forks one per file: Airflow's own SDK is imported first (the processor already has it), then
the provider, then the DAG file, each timed on its own. The median of ``RUNS`` runs is shown.

    python -m pytest tests/bench -s      # prints the table
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("redex_*.py") if p.name != "redex_common.py")
# Fresh interpreters per DAG file: one keeps the suite short; set more for a steadier median
# (python -m tests.bench measures import and parse with its own repetitions).
RUNS = int(os.environ.get("REDEX_BENCH_PARSE_RUNS", "1"))

PROBE = """
import json, sys, time
sys.path.insert(0, {dags!r})
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
import airflow_provider_redex.operators, airflow_provider_redex.sensors
t2 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
t3 = time.perf_counter()
bag = DagBag(dag_folder={path!r})
t4 = time.perf_counter()
print("RESULT " + json.dumps({{"airflow_sdk": t1 - t0, "provider": t2 - t1, "parse": t4 - t3,
                              "dags": sorted(bag.dag_ids), "errors": list(bag.import_errors)}}))
"""


def probe(path: Path) -> dict[str, object]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(dags=str(DAGS), path=str(path))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    data: dict[str, object] = json.loads(line.removeprefix("RESULT "))
    return data


def test_provider_import_and_dag_parse_times(capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    for path in DAG_FILES:
        runs = [probe(path) for _ in range(RUNS)]
        for run in runs:
            assert run["errors"] == [] and len(run["dags"]) == 1, run  # type: ignore[arg-type]
        medians = [
            statistics.median(float(r[key]) for r in runs) for key in ("airflow_sdk", "provider", "parse")
        ]  # type: ignore[arg-type]
        rows.append((path.name, *medians))

    with capsys.disabled():
        print(f"\n\nmedian of {RUNS} fresh interpreters per file (seconds)")
        print(f"{'DAG file':28} {'airflow.sdk':>12} {'provider':>9} {'DAG parse':>10}")
        for name, sdk, provider, parse in rows:
            print(f"{name:28} {sdk:12.3f} {provider:9.3f} {parse:10.3f}")
        print()
