"""What every bench scenario shares: a sandbox per scenario, child processes, input files, counters.

Each push runs in a fresh interpreter (``run_children``) so its CPU time and peak memory are its
own; the sandbox runs in the bench's process, in a thread, with the scenario's fixed window.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ("bench-token-a", "bench-token-b", "bench-token-c")
UNLIMITED = 10**7


@dataclass(frozen=True)
class Window:
    """A fixed-window REDEX policy: ``limit`` requests per ``seconds``."""

    limit: int
    seconds: float


@contextmanager
def sandbox(account: Window, *, ip: Window | None = None, **options: Any) -> Iterator[Any]:
    """A fresh sandbox with ``account`` as its per-account policy (REDEX's IP policy unless given)."""
    from airflow_provider_redex.sandbox.config import SandboxConfig, WindowPolicy
    from airflow_provider_redex.sandbox.server import running_sandbox

    ip_policy = ip or Window(3000, 300.0)
    config = SandboxConfig(
        tokens=TOKENS,
        account_policy=WindowPolicy(account.limit, account.seconds),
        ip_policy=WindowPolicy(ip_policy.limit, ip_policy.seconds),
        approve_after=None,
        **{"sample_data": False, **options},
    )
    with running_sandbox(config) as running:
        yield running


def limiter(running: Any) -> Any:
    """The sandbox's rate limiter (the bench runs it in-process and reads it directly)."""
    return running.app.state.sandbox.limiter


def account_windows(running: Any) -> dict[str, list[int]]:
    """Requests that arrived in each fixed account window, per account id."""
    per_account = limiter(running).account.snapshot()
    return {account: [w["Arrived"] for w in windows] for account, windows in per_account.items()}


def refused(running: Any) -> int:
    return int(limiter(running).refused_total)


def write_readings(path: Path, *, inverters: int, days: int, tag: str = "BENCH") -> int:
    """A daily-generation CSV of ``inverters * days`` records; returns the record count."""
    first = date.today() - timedelta(days=days + 2)  # readings may not be in the future
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"])
        for inverter in range(inverters):
            total = 0
            for day in range(days):
                total += 40_123 + day
                writer.writerow(
                    [
                        f"{tag}-INV{inverter:05d}",
                        (first + timedelta(days=day)).isoformat(),
                        f"{(40_123 + day) / 1000:.3f}",
                        f"{total / 1000:.3f}",
                    ]
                )
    return inverters * days


def connection_env(url: str, *, token: str = TOKENS[0], **extra: Any) -> dict[str, str]:
    """``redex_default`` and ``plain_redex`` (an ``http`` connection for the peer) as env variables."""
    return {
        "AIRFLOW_CONN_REDEX_DEFAULT": json.dumps(
            {"conn_type": "redex", "host": url, "password": token, "extra": extra}
        ),
        "AIRFLOW_CONN_PLAIN_REDEX": json.dumps(
            {"conn_type": "http", "host": url, "extra": {"Authorization": f"Bearer {token}"}}
        ),
    }


def pacing_extra(window: Window, margin: float | None, storage: str = "") -> dict[str, Any]:
    """Connection extras for ``window`` (``None``: the default margin; no storage: the default store).

    A unique account key keeps each run's budget its own.
    """
    extra: dict[str, Any] = {
        "account_requests": window.limit,
        "account_window_seconds": window.seconds,
        "account_key": f"bench-{uuid.uuid4().hex[:12]}",
    }
    if margin is not None:
        extra["pacing_margin_seconds"] = margin
    if storage:
        extra["rate_limit_storage"] = storage
    return extra


# Every child records its HTTP exchanges: first send, last answer, 429s seen.
RECORDER = """
import json, time, requests
_exchanges = []
_send = requests.Session.send
def _recording_send(self, request, **kwargs):
    started = time.time()
    response = _send(self, request, **kwargs)
    _exchanges.append((started, time.time(), response.status_code))
    return response
requests.Session.send = _recording_send
def _peak_rss_mib():
    # VmHWM: this program's own peak. ru_maxrss would also count the pages a fork shared with
    # the bench's process before exec, which hosts the sandboxes and grows with their data.
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def _report(**figures):
    figures.update(
        peak_rss_mib=_peak_rss_mib(),
        first_send=min((e[0] for e in _exchanges), default=0.0),
        last_answer=max((e[1] for e in _exchanges), default=0.0),
        requests=len(_exchanges),
        http_429=sum(1 for e in _exchanges if e[2] == 429),
    )
    print("RESULT " + json.dumps(figures), flush=True)
"""


def start_child(code: str, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    full_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **env,
    }
    # Files, not pipes: a chatty child never blocks on a full pipe while the bench waits for it.
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish_child)
    proc = subprocess.Popen(
        [sys.executable, "-c", RECORDER + textwrap.dedent(code)],
        env=full_env,
        cwd=ROOT,
        stdout=out,
        stderr=err,
    )
    proc.bench_files = (out, err)  # type: ignore[attr-defined]
    return proc


def _output(stream: Any) -> str:
    stream.seek(0)
    text: str = stream.read().decode(errors="replace")
    stream.close()
    return text


def finish_child(proc: subprocess.Popen[bytes], timeout: float = 1200) -> dict[str, Any]:
    """Wait for a child; its RESULT figures, with its own peak RSS in MiB (``peak_rss_mib``)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("a bench child ran past its timeout")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = (_output(stream) for stream in proc.bench_files)  # type: ignore[attr-defined]
    if proc.returncode != 0:
        raise RuntimeError(f"bench child failed ({proc.returncode}):\n{stderr[-4000:]}")
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def run_children(codes: Sequence[str], env: Mapping[str, str]) -> list[dict[str, Any]]:
    """Start every child at once and collect them all."""
    procs = [start_child(code, env) for code in codes]
    return [finish_child(proc) for proc in procs]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
