"""``python -m tests.bench.latency``: the spread the pacing margin must cover, measured here.

A paced request is planned for a millisecond instant (the slot); the server reads its own
clock when the request arrives. The margin must cover the *spread* of that delay (sleep
overshoot, building and sending the request, the network), not its size. This sends
``REQUESTS`` requests through the real sync client with a small, always-full window (so every
request sleeps to its slot first) to a bare local HTTP server that stamps each arrival, and
prints the delay's minimum, median, 99th percentile and maximum, in milliseconds.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REQUESTS = 300


class _StampingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.arrivals: list[float] = []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _StampingServer

    def do_GET(self) -> None:
        self.server.arrivals.append(time.time())
        body = b'{"Data": {"Name": "x"}, "Meta": null, "Errors": null, "StatusCode": 200, "Message": null}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def measure(requests: int = REQUESTS) -> dict[str, float]:
    from airflow_provider_redex.client import pacing_window
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.base_client import SyncAPIClient
    from airflow_provider_redex.client.pacing import PacingConfig, RateBudget, RatePolicy

    planned: list[float] = []
    reserve = pacing_window.MEMORY_STORE.reserve

    def recording_reserve(windows: Any, member: str) -> pacing_window.Reservation:
        reservation = reserve(windows, member)
        planned.append((pacing_window.now_ms() + reservation.wait_ms) / 1000)
        return reservation

    pacing_window.MEMORY_STORE.reserve = recording_reserve  # type: ignore[method-assign]
    server = _StampingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = PacingConfig(account=RatePolicy(5, 0.25), ip=RatePolicy(10**6, 1.0), margin_seconds=0.0)
    budget = RateBudget(config, api_host="latency.test", account_key=uuid.uuid4().hex, key_prefix="latency")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with SyncAPIClient(url, BearerToken("t"), rate_budget=budget, max_retries=0) as client:
        for _ in range(requests):
            client.request("accounts.get_profile")
    server.shutdown()
    pacing_window.MEMORY_STORE.reserve = reserve  # type: ignore[method-assign]
    delays = sorted((arrived - slot) * 1000 for arrived, slot in zip(server.arrivals, planned, strict=True))
    return {
        "delay_ms_min": round(delays[0], 2),
        "delay_ms_median": round(statistics.median(delays), 2),
        "delay_ms_p99": round(delays[int(len(delays) * 0.99) - 1], 2),
        "delay_ms_max": round(delays[-1], 2),
        "spread_ms_p99": round(delays[int(len(delays) * 0.99) - 1] - delays[0], 2),
        "spread_ms_max": round(delays[-1] - delays[0], 2),
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else REQUESTS)))
