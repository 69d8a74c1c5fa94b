"""A scripted raw-socket HTTP server and envelope helpers for the client's HTTP tests.

``pytest-httpserver`` covers ordinary answers. What it cannot do — drop a connection without an
answer, or never answer — :class:`ScriptedServer` does: each accepted connection reads one
request, records it the moment it arrives, then plays the next scripted action.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.envelope import build_envelope, build_error_envelope
from airflow_provider_redex.client.pacing import PacingConfig

NO_PACING = PacingConfig(enabled=False)


@dataclass(frozen=True)
class Respond:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without a word."""


@dataclass(frozen=True)
class Hang:
    """Read the request, then never answer (until the server stops)."""


Action = Respond | Drop | Hang


def ok(data: object = None, status: int = 200, **headers: str) -> Respond:
    return Respond(status, wire_json.dumps(build_envelope(data, status_code=status)).encode(), headers)


def failed(status: int, message: str = "nope", **headers: str) -> Respond:
    return Respond(status, wire_json.dumps(build_error_envelope(status, message)).encode(), headers)


@dataclass(frozen=True)
class Arrival:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class ScriptedServer:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.script: deque[Action] = deque()
        self.arrivals: list[Arrival] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def play(self, *actions: Action) -> ScriptedServer:
        self.script.extend(actions)
        return self

    def close(self) -> None:
        self._stop.set()
        # shutdown() wakes the thread blocked in accept(); close() alone would not on Linux.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            arrival = _read_request(conn)
            if arrival is None:
                return
            self.arrivals.append(arrival)
            action = self.script.popleft() if self.script else ok({"Default": True})
            if isinstance(action, Hang):
                self._stop.wait()
            elif isinstance(action, Respond):
                conn.sendall(_http_response(action))


def _read_request(conn: socket.socket) -> Arrival | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Arrival(method, target, headers, body, time.time())


def _http_response(action: Respond) -> bytes:
    headers = {"Content-Type": "application/json", **action.headers}
    lines = [f"HTTP/1.1 {action.status} X", *(f"{k}: {v}" for k, v in headers.items())]
    lines += [f"Content-Length: {len(action.body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + action.body


def refusing_url() -> str:
    """A loopback URL where nothing listens: connecting is refused, so nothing can be sent."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
