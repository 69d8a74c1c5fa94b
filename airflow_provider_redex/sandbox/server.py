"""Running the sandbox: uvicorn in a thread for tests, or in the foreground for the CLI.

The server uses its own h11 protocol class for one reason: to drop a connection on
purpose. An ASGI app cannot reach its socket, so the protocol keeps each live transport
under the client address that ASGI's ``scope["client"]`` also carries; the fault injector
looks it up there and aborts it (the client sees a reset, not an HTTP answer).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from airflow_provider_redex.sandbox.config import SandboxConfig

_LIVE: dict[tuple[str, int], asyncio.BaseTransport] = {}


class _DroppableH11Protocol(H11Protocol):
    """h11 as uvicorn ships it, plus a registry of live transports keyed by peer address."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        peer = transport.get_extra_info("peername")
        # uvloop's transports are not asyncio.Transport subclasses, hence no isinstance check.
        if isinstance(peer, tuple):
            self._peer: tuple[str, int] | None = (str(peer[0]), int(peer[1]))
            _LIVE[self._peer] = transport
        else:
            self._peer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_peer", None) is not None:
            _LIVE.pop(self._peer, None)  # type: ignore[arg-type]
        super().connection_lost(exc)


async def abort_connection(scope: MutableMapping[str, Any]) -> bool:
    """Reset the connection a request came on; ``False`` when the server is not ours."""
    client = scope.get("client")
    transport = _LIVE.get((str(client[0]), int(client[1]))) if client else None
    if transport is None:
        return False
    abort = getattr(transport, "abort", transport.close)
    abort()
    # Let the loop run connection_lost, so uvicorn knows the peer is gone before anything
    # tries to write the (lost) answer.
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return True


def uvicorn_config(app: FastAPI, host: str, port: int, *, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_DroppableH11Protocol,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
    )


@dataclass
class RunningSandbox:
    """A sandbox serving on ``url``; ``admin`` calls its ``/sandbox/`` API."""

    url: str
    config: SandboxConfig
    app: FastAPI

    @property
    def token(self) -> str:
        """The first account's bearer token (the demo token unless tokens were given)."""
        return self.config.tokens[0]

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call the admin API (``path`` relative to ``/sandbox/``) and return its ``Data``."""
        import requests

        response = requests.request(method, f"{self.url}/sandbox/{path.lstrip('/')}", json=json, timeout=30)
        response.raise_for_status()
        return response.json()["Data"]


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


@contextmanager
def running_sandbox(
    config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a fresh sandbox in a background thread for the duration of the block.

    ``port=0`` binds a free port first, so there is no race between choosing it and using it.
    """
    from airflow_provider_redex.sandbox.app import create_app

    config = config or SandboxConfig()
    app = create_app(config)
    sock = _bind(host, port)
    server = uvicorn.Server(uvicorn_config(app, host, port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.01)
    bound_port = sock.getsockname()[1]
    try:
        yield RunningSandbox(url=f"http://{host}:{bound_port}", config=config, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(config: SandboxConfig, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the CLI)."""
    from airflow_provider_redex.sandbox.app import create_app

    uvicorn.Server(uvicorn_config(create_app(config), host, port, log_level="info")).run()
