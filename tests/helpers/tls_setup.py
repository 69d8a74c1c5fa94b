"""A private CA, the sandbox served over HTTPS with it, and a real forward proxy (proxy.py).

Helpers for the TLS and proxy tests (``tests/integration/tls`` and the triggerer's in
``tests/e2e``): nothing here is a stand-in for what is tested. The sandbox is the real FastAPI
app under uvicorn with a certificate from a throw-away CA (trustme); the proxy is ``proxy.py``
in its own process, whose access log tells which tunnels it opened. The ``pki`` and
``forward_proxy`` fixtures are registered by the conftest files that import them.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
import uvicorn

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.http_settings import HttpSettings
from airflow_provider_redex.client.pacing import PacingConfig
from airflow_provider_redex.sandbox import SandboxConfig
from airflow_provider_redex.sandbox.app import create_app

ENVIRONMENT_BUNDLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
"""The variables a managed host sets to its own CA bundle; the tests point them at the unrelated CA."""
ENVIRONMENT_PROXIES = ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
"""Proxy variables a test clears, so only the connection decides whether the proxy is used."""


@dataclass(frozen=True)
class Pki:
    """PEM files: the CA REDEX's certificate chains to, REDEX's own, and an unrelated CA."""

    ca_bundle: Path
    server_pem: Path
    unrelated_bundle: Path


def make_pki(folder: Path) -> Pki:
    ca, unrelated = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    pki = Pki(folder / "redex-ca.pem", folder / "redex-server.pem", folder / "unrelated-ca.pem")
    ca.cert_pem.write_to_path(str(pki.ca_bundle))
    server.private_key_and_cert_chain_pem.write_to_path(str(pki.server_pem))
    unrelated.cert_pem.write_to_path(str(pki.unrelated_bundle))
    return pki


@dataclass
class TlsSandbox:
    url: str
    config: SandboxConfig
    ca_bundle: Path

    def client(self) -> RedexClient:
        """The sync client on the first account, trusting the private CA only, unpaced."""
        http = HttpSettings(verify=str(self.ca_bundle), trust_env=False)
        token = BearerToken(self.config.tokens[0])
        return RedexClient(self.url, token, pacing=PacingConfig(enabled=False), http=http)

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        response = requests.request(
            method, f"{self.url}/sandbox/{path}", json=json, timeout=30, verify=str(self.ca_bundle)
        )
        response.raise_for_status()
        return response.json()["Data"]


@contextlib.contextmanager
def running_tls_sandbox(config: SandboxConfig, pki: Pki) -> Iterator[TlsSandbox]:
    """The sandbox on ``https://127.0.0.1:<free port>`` with the private CA's certificate."""
    sock = socket.create_server(("127.0.0.1", 0))
    uvicorn_config = uvicorn.Config(
        create_app(config),
        log_level="warning",
        access_log=False,
        lifespan="off",
        ssl_certfile=str(pki.server_pem),
        ssl_keyfile=str(pki.server_pem),
    )
    server = uvicorn.Server(uvicorn_config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the TLS sandbox did not start")
        time.sleep(0.01)
    try:
        yield TlsSandbox(f"https://127.0.0.1:{sock.getsockname()[1]}", config, pki.ca_bundle)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def redex_connection(sandbox: TlsSandbox, proxy: ForwardProxy | None = None) -> dict[str, Any]:
    """A ``redex`` connection (``AIRFLOW_CONN_...`` JSON) trusting the private CA, via ``proxy`` if given."""
    extra: dict[str, Any] = {"verify": str(sandbox.ca_bundle)}
    if proxy is not None:
        extra["proxies"] = {"https": proxy.url}
    return {"conn_type": "redex", "host": sandbox.url, "password": sandbox.config.tokens[0], "extra": extra}


@dataclass
class ForwardProxy:
    url: str
    log_file: Path

    def tunnels_to(self, url: str, *, at_least: int = 1, wait: float = 10.0) -> int:
        """CONNECT tunnels to ``url``'s host and port in the proxy's log, waiting up to ``wait`` s
        for ``at_least`` of them (the proxy logs a tunnel when it closes)."""
        target = "CONNECT " + url.split("://", 1)[1].rstrip("/")
        deadline = time.monotonic() + wait
        while True:
            count = self.log_file.read_text().count(target) if self.log_file.exists() else 0
            if count >= at_least or time.monotonic() > deadline:
                return count
            time.sleep(0.1)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def tunnel_clients(self, url: str) -> set[int]:
        """The client-side ports of the logged (closed) CONNECT tunnels to ``url``'s host and port."""
        target = re.escape("CONNECT " + url.split("://", 1)[1].rstrip("/"))
        text = self.log_file.read_text() if self.log_file.exists() else ""
        return {int(port) for port in re.findall(rf":(\d+) - {target} ", text)}


@contextlib.contextmanager
def running_forward_proxy(folder: Path) -> Iterator[ForwardProxy]:
    """proxy.py on a free loopback port, one worker, logging each tunnel it closes."""
    port_file, log_file = folder / "proxy.port", folder / "proxy.log"
    command = [
        sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0",
        "--port-file", str(port_file), "--num-workers", "1", "--num-acceptors", "1",
        "--log-file", str(log_file), "--log-level", "INFO",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"proxy.py did not start (exit code {process.poll()})")
            time.sleep(0.05)
        yield ForwardProxy(f"http://127.0.0.1:{port_file.read_text().strip()}", log_file)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def pki() -> Iterator[Pki]:
    """The CAs, in a folder outside pytest's temporary ones: another pytest session on the machine
    may delete those while Airflow processes of an e2e stack still read the bundle."""
    folder = Path(tempfile.mkdtemp(prefix="redex-tls-"))
    try:
        yield make_pki(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def forward_proxy(pki: Pki) -> Iterator[ForwardProxy]:
    """proxy.py for the module's tests; its port file and log beside the CAs."""
    with running_forward_proxy(pki.ca_bundle.parent) as proxy:
        yield proxy
