"""Smoke run of ``python -m tests.bench --quick``: every scenario runs and the last line is the JSON.

Only the shape is checked (every figure present, the pacing held the limit): the figures themselves
are printed, never asserted as timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bench, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "push_efficiency",
    "push_efficiency_4p",
    "push_429s",
    "peer_efficiency",
    "peer_efficiency_4p",
    "peer_429s",
    "us_per_record_client",
    "us_per_record_operator",
    "us_per_record_peer",
    "rss_growth_ratio_1m_vs_100k",
    "waiting_requests_per_interval",
    "shared_budget_max_per_window",
    "shared_budget_limit",
    "shared_push_efficiency",
    "shared_push_ratio",
    "import_ms",
    "dag_parse_ms_max",
}


def test_quick_bench_ends_with_one_json_line_of_every_figure(redis_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "REDEX_BENCH_REDIS": redis_url, "AIRFLOW_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures) >= KEYS, KEYS - set(figures)
    # Behaviour, not speed: the paced client never drew a 429 and the shared budget held.
    assert figures["push_429s"] == 0
    assert figures["shared_budget_max_per_window"] <= figures["shared_budget_limit"]
    print(done.stderr[-3000:], done.stdout.splitlines()[-1], sep="\n")
