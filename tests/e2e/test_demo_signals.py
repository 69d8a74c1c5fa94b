"""The demo cleans up after itself: SIGTERM (as a service manager or ``kill`` sends) stops
every process it started, and nothing it ran listened beyond loopback.

Cheap on purpose: the demo runs until its first lifecycle step (Airflow up, DAGs parsed), then
gets SIGTERM; the rest of the lifecycle is the scheduler tests' business.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.helpers.paths import REPO_ROOT

pytestmark = pytest.mark.e2e

FIRST_STEP = "1/4 onboarding"
LOOPBACK = {"127.0.0.1", "::1"}


@pytest.fixture
def demo(stack_home: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.demo", "--home", str(stack_home / "demo"), "--timeout", "120"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a stray process of the demo's own group is ours to find and kill
    )
    try:
        yield process
    finally:
        for proc in _started_by(process.pid, stack_home):
            proc.kill()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _started_by(pid: int, home: Path) -> list[psutil.Process]:
    """Every live process the demo started: its descendants, and anything running in its home
    (a component in a session of its own outlives its parent when that dies first)."""
    found: dict[int, psutil.Process] = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        found.update({child.pid: child for child in psutil.Process(pid).children(recursive=True)})
    for proc in psutil.process_iter(["pid", "environ"]):
        environ = proc.info.get("environ") or {}
        if str(home) in environ.get("AIRFLOW_HOME", ""):
            found[proc.pid] = proc
    return [proc for proc in found.values() if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE]


def _listening(processes: list[psutil.Process]) -> set[tuple[str, int]]:
    addresses = set()
    for proc in processes:
        try:
            connections = proc.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        addresses |= {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}
    return addresses


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if marker in line:
            return lines
    raise AssertionError(f"the demo never printed {marker!r}:\n" + "\n".join(lines[-40:]))


def test_sigterm_stops_everything_the_demo_started_and_nothing_listened_beyond_loopback(
    demo: subprocess.Popen[str], stack_home: Path
) -> None:
    before = _read_until(demo, FIRST_STEP, timeout=300)
    started = _started_by(demo.pid, stack_home)
    names = {" ".join(proc.cmdline()[1:4]) for proc in started}
    assert len(started) >= 5, names  # the sandbox and four Airflow components, at least
    listening = _listening(started)
    assert listening, "nothing of the demo was listening"
    assert {ip for ip, _ in listening} <= LOOPBACK, listening
    # Every step so far said something: none of the start-up passed in silence.
    assert any("sandbox up" in line for line in before), before
    assert any("Airflow is up" in line for line in before), before

    demo.send_signal(signal.SIGTERM)
    output, _ = demo.communicate(timeout=120)

    assert demo.returncode == 130, output
    assert "stopping everything the demo started" in output
    assert _started_by(demo.pid, stack_home) == []
    still_open = {port for _, port in listening if _port_open(port)}
    assert still_open == set(), still_open


def _port_open(port: int) -> bool:
    from devtools.processes import port_open

    return port_open(port)
