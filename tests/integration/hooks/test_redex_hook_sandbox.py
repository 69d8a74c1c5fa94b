"""The hooks over real HTTP against the sandbox: both grants, the connection test, a trigger's client.

The connection is an ``AIRFLOW_CONN_*`` variable, as a user sets it for UAT; only the host
differs (the sandbox on loopback).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from airflow_provider_redex.hooks.redex import RedexAsyncHook, RedexHook
from airflow_provider_redex.sandbox.server import RunningSandbox


def set_connection(monkeypatch: pytest.MonkeyPatch, **fields: Any) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps({"conn_type": "redex", **fields}))


def test_connection_test_passes_with_the_accounts_bearer_token(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox
) -> None:
    set_connection(monkeypatch, host=sandbox.url, password=sandbox.token)
    assert RedexHook().test_connection() == (True, "Connection to REDEX works: the account profile was read")


def test_connection_test_passes_with_the_api_key_grant(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox
) -> None:
    account = sandbox.config.accounts[0]
    extra = {"api_key": account.api_key, "client_id": account.client_id}
    set_connection(monkeypatch, host=sandbox.url, password=account.client_secret, extra=extra)
    ok, message = RedexHook().test_connection()
    assert ok, message


def test_connection_test_fails_on_an_unknown_token_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox
) -> None:
    set_connection(monkeypatch, host=sandbox.url, password="not-a-sandbox-token")
    ok, message = RedexHook().test_connection()
    assert not ok
    assert "401" in message and "not-a-sandbox-token" not in message


def test_sync_and_async_clients_read_the_same_account(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox
) -> None:
    set_connection(monkeypatch, host=sandbox.url, password=sandbox.token)
    with RedexHook().get_client() as client:
        profile_id = client.accounts.get_profile().id

    async def async_profile_id() -> Any:
        async with await RedexAsyncHook().get_client() as client:
            envelope = await client.request("accounts.get_profile")
            return envelope.data["Id"]

    assert str(profile_id) == asyncio.run(async_profile_id())
    assert profile_id == sandbox.config.accounts[0].account_id
