"""Four processes share one rate budget (Redis, an SQLite file, PostgreSQL) and never overfill a
fixed-window server.

The server is ours and tiny: it records the arrival time of every request and counts them in
fixed windows aligned to its own clock at an arbitrary offset, answering 429 past the limit, as
REDEX does. The check then replays the arrivals against fixed windows at many alignments: a
moving window of ``window + margin`` must keep every one of them at or under the limit.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.envelope import build_envelope, build_error_envelope

REPO = Path(__file__).resolve().parents[2]
PROCESSES = 4
REQUESTS_PER_PROCESS = 20
LIMIT = 20
WINDOW = 2.0
MARGIN = 0.3  # the spread on this shared 2-core machine stays well under it (python -m tests.bench)

WORKER = textwrap.dedent(
    """
    import sys, time
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.base_client import SyncAPIClient
    from airflow_provider_redex.client.pacing import PacingConfig, RateBudget, RatePolicy

    url, storage, prefix, count, start_at = sys.argv[1:6]
    config = PacingConfig(
        account=RatePolicy(int(sys.argv[6]), float(sys.argv[7])),
        ip=RatePolicy(10_000, 10.0),
        margin_seconds=float(sys.argv[8]),
        storage_uri=storage,
        account_key="shared-account",
    )
    budget = RateBudget(config, api_host="fixed-window.test", account_key="shared-account", key_prefix=prefix)
    with SyncAPIClient(url, BearerToken("tok-shared"), rate_budget=budget, max_retries=0) as client:
        time.sleep(max(0.0, float(start_at) - time.time()))
        for _ in range(int(count)):
            client.request("accounts.get_profile")
    print("done")
    """
)


class FixedWindowServer(ThreadingHTTPServer):
    """Counts requests per fixed window of its own clock; answers 429 past the limit."""

    daemon_threads = True

    def __init__(self, limit: int, window: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.limit, self.window = limit, window
        self.origin = time.time() + 0.37  # windows aligned to "its own clock", not to ours
        self.arrivals: list[float] = []
        self.counts: Counter[int] = Counter()
        self.refused = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def admit(self) -> float | None:
        """Record one arrival; ``None`` if admitted, else the seconds until its window ends."""
        now = time.time()
        with self.lock:
            self.arrivals.append(now)
            window = math.floor((now - self.origin) / self.window)
            if self.counts[window] >= self.limit:
                self.refused += 1
                return self.origin + (window + 1) * self.window - now
            self.counts[window] += 1
            return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FixedWindowServer

    def do_GET(self) -> None:
        wait = self.server.admit()
        if wait is None:
            self._answer(200, build_envelope({"Name": "Acme"}), {})
        else:
            envelope = build_error_envelope(429, "Rate limit exceeded")
            self._answer(429, envelope, {"Retry-After": str(max(1, math.ceil(wait)))})

    def _answer(self, status: int, envelope: object, headers: dict[str, str]) -> None:
        body = wire_json.dumps(envelope).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fixed_window_server() -> Iterator[FixedWindowServer]:
    server = FixedWindowServer(LIMIT, WINDOW)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def prefix() -> str:
    return f"redex-test-processes-{uuid.uuid4().hex}"


@pytest.fixture(params=["redis", "sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, prefix: str, tmp_path: Path) -> Iterator[str]:
    """A shared store of each kind, emptied afterwards."""
    if request.param == "redis":
        redis_url: str = request.getfixturevalue("redis_url")
        yield redis_url
        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
    elif request.param == "sqlite":
        yield f"sql+sqlite:///{tmp_path / 'budget.sqlite'}"
    else:
        postgres_dsn: str = request.getfixturevalue("postgres_dsn")
        with own_postgres_database(postgres_dsn) as url:
            yield f"sql+{url}"


@contextmanager
def own_postgres_database(dsn: str) -> Iterator[str]:
    """A database of this test's own on the shared server, dropped afterwards."""
    import psycopg2

    name = f"redex_pacing_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    try:
        admin.cursor().execute(f"CREATE DATABASE {name}")
        yield dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://") + f"/{name}"
    finally:
        from airflow_provider_redex.client import pacing_stores

        for uri, store in list(pacing_stores._sync_stores.items()):
            if name in uri:
                store._engine.dispose()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def busiest_fixed_window(arrivals: list[float], window: float, offset: float) -> int:
    counts = Counter(math.floor((at + offset) / window) for at in arrivals)
    return max(counts.values())


def test_four_processes_sharing_a_budget_never_overfill_a_fixed_window(
    storage: str, prefix: str, fixed_window_server: FixedWindowServer
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    start_at = time.time() + 3.0  # let every process finish importing before the first request
    args = [fixed_window_server.url, storage, prefix, str(REQUESTS_PER_PROCESS), str(start_at)]
    args += [str(LIMIT), str(WINDOW), str(MARGIN)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()[-2000:]
        assert out.strip() == b"done"

    arrivals = sorted(fixed_window_server.arrivals)
    total = PROCESSES * REQUESTS_PER_PROCESS
    assert len(arrivals) == total
    assert fixed_window_server.refused == 0
    offsets = [WINDOW * step / 40 for step in range(40)]
    busiest = {offset: busiest_fixed_window(arrivals, WINDOW, offset) for offset in offsets}
    assert max(busiest.values()) <= LIMIT, busiest

    span = arrivals[-1] - arrivals[0]
    ideal_span = (math.ceil(total / LIMIT) - 1) * WINDOW  # full batches, one per window, at the ceiling
    print(
        json.dumps(
            {
                "store": storage.split("://", 1)[0],
                "requests": total,
                "processes": PROCESSES,
                "policy": f"{LIMIT} per {WINDOW:g} s (paced over {WINDOW + MARGIN:g} s)",
                "span_seconds": round(span, 2),
                "ideal_span_seconds": ideal_span,
                "throughput_fraction_of_ceiling": round(ideal_span / span, 3) if span else None,
                "busiest_fixed_window": max(busiest.values()),
                "server_429s": fixed_window_server.refused,
            }
        )
    )
