"""Both hooks reach REDEX over TLS with the connection's private CA, directly and through a proxy.

The sandbox serves HTTPS with a certificate from a throw-away CA; the connection names that CA in
``extra.verify`` while ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE`` and ``SSL_CERT_FILE`` point at an
unrelated CA, as on a managed host. The sync client (tasks), the async client (triggers), a
poke-mode sensor and a deferred sensor whose trigger runs must all get through, and through a real
forward proxy (``proxy.py``) when the connection names one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.errors import RedexTransportError
from airflow_provider_redex.hooks.redex import RedexAsyncHook, RedexHook
from tests.helpers import harness
from tests.helpers.tls_setup import (
    ENVIRONMENT_BUNDLES,
    ENVIRONMENT_PROXIES,
    ForwardProxy,
    Pki,
    TlsSandbox,
    redex_connection,
    running_tls_sandbox,
)


@pytest.fixture
def tls_sandbox(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsSandbox]:
    """The HTTPS sandbox, with the environment's CA bundles pointing at the unrelated CA."""
    for name in ENVIRONMENT_BUNDLES:
        monkeypatch.setenv(name, str(pki.unrelated_bundle))
    for name in ENVIRONMENT_PROXIES:
        monkeypatch.delenv(name, raising=False)
    with running_tls_sandbox(harness.sandbox_config(), pki) as sandbox:
        yield sandbox


def use_connection(monkeypatch: pytest.MonkeyPatch, conn: dict[str, Any]) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))


async def async_profile_id() -> str:
    async with await RedexAsyncHook().get_client() as client:
        return str((await client.accounts.get_profile()).id)


@pytest.mark.parametrize("through", ["direct", "proxy"])
def test_both_hooks_trust_the_connections_ca_over_the_environment(
    tls_sandbox: TlsSandbox, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, through: str
) -> None:
    proxy = forward_proxy if through == "proxy" else None
    use_connection(monkeypatch, redex_connection(tls_sandbox, proxy))
    with RedexHook().get_client() as client:
        sync_id = str(client.accounts.get_profile().id)
    assert asyncio.run(async_profile_id()) == sync_id
    assert RedexHook().test_connection()[0]
    # One tunnel per client: the sync client, the async client, the connection test's client.
    expected = 3 if proxy else 0
    assert forward_proxy.tunnels_to(tls_sandbox.url, at_least=expected, wait=10 if proxy else 0.5) == expected


def test_without_the_connections_ca_the_environments_unrelated_ca_refuses_redex(
    tls_sandbox: TlsSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: the environment really points elsewhere, so the tests above prove the extra wins.
    use_connection(monkeypatch, {**redex_connection(tls_sandbox), "extra": {}})
    with RedexHook().get_client() as client, pytest.raises(RedexTransportError) as sync_error:
        client.accounts.get_profile()
    with pytest.raises(RedexTransportError) as async_error:
        asyncio.run(async_profile_id())
    for error in (sync_error.value, async_error.value):
        assert error.request_sent is False and "could not connect" in str(error)


def new_device_application(name: str) -> str:
    with RedexHook().get_client() as client:
        file_id = str(client.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
        request = harness.grouped_device_request(name, file_id, inverters=1)
        return str(client.device_applications.create_grouped(request).id)


@pytest.mark.parametrize(("mode", "argument"), [("poke", "mode='poke'"), ("deferrable", "deferrable=True")])
def test_poke_and_deferred_sensors_wait_over_tls_through_the_proxy(
    airflow_db: Path,
    tls_sandbox: TlsSandbox,
    forward_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    argument: str,
) -> None:
    use_connection(monkeypatch, redex_connection(tls_sandbox, forward_proxy))
    application_id = new_device_application(f"Tls{mode}")
    dag_id = f"tls_proxy_sensor_{mode}"
    watcher = harness.once_waiting(
        dag_id, mode, lambda: tls_sandbox.admin("POST", f"applications/{application_id}/approve")
    )
    result = harness.run_dag(
        airflow_db,
        dag_id,
        f"RedexDeviceApplicationSensor(task_id='wait', device_application_id={application_id!r}, "
        f"poke_interval=0.3, timeout=120, {argument})",
    )
    watcher.join(timeout=5)
    assert result.state == "success", result
    assert result.xcoms["wait"]["device_id"]
    # The worker's clients and, when deferred, the trigger's went through the proxy.
    assert forward_proxy.tunnels_to(tls_sandbox.url, at_least=3) >= 3
