"""Processes and waits for ``devtools.stack``: free ports, polling with a reason, and one
component run in its own session so that stopping it stops its children and nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import requests

T = TypeVar("T")


class StackError(RuntimeError):
    """A component did not start, stopped early, or a wait ran out; the message says which and why."""


def free_port() -> int:
    """A TCP port free on loopback right now (another process could still take it; good enough here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.5,
    alive: Callable[[], None] | None = None,
) -> T:
    """Call ``probe`` until it returns something other than ``None``/``False``; fail naming ``what``.

    ``alive`` is called on every round so that a component that died is reported at once
    instead of after the whole timeout.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        try:
            result = probe()
        except (requests.RequestException, OSError) as exc:
            last_error = exc
            result = None
        if result is not None and result is not False:
            return result
        time.sleep(interval)
    raise StackError(f"timed out after {timeout:.0f}s waiting for {what}; last error: {last_error!r}")


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into ``KeyboardInterrupt``, as Ctrl-C is, inside the block.

    The components run in sessions of their own (so each can be stopped as a whole), so a
    signal sent to the demo does not reach them: the demo must stop them itself, and it does so
    in the ``finally`` that Ctrl-C already runs. The first signal starts that cleanup; further
    ones are ignored until it is done, so a second Ctrl-C cannot leave half the stack running.
    """

    def interrupt(signum: int, frame: object) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class ManagedProcess:
    """One component: started in its own session so that stopping it also stops its children
    (LocalExecutor workers, uvicorn workers, Celery pool processes) and nothing else."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    log_path: Path
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                list(self.argv),
                env=dict(self.env),
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        if self.popen is not None and self.popen.poll() is not None:
            raise StackError(
                f"{self.name} exited with code {self.popen.returncode}; last log lines:\n{self.tail()}"
            )

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the component's process group, then SIGKILL whatever is left after ``timeout``."""
        if self.popen is None:
            return
        pgid = self.popen.pid  # start_new_session=True: the group id is the leader's pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=timeout)
        # Children (task supervisors, pool workers) may outlive the leader: finish the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
