"""RedexHook and RedexAsyncHook against a fake REDEX profile endpoint (pytest-httpserver).

Connections come from ``AIRFLOW_CONN_*`` environment variables, the way Airflow resolves them
outside a task, so the hooks run their real lookup path.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from airflow.providers.common.compat.connection import get_async_connection
from airflow.providers.common.compat.sdk import redact
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_redex.client.async_client import AsyncRedexClient
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.routes import route
from airflow_provider_redex.hooks import redex as redex_hooks
from airflow_provider_redex.hooks.connection import RedexConnectionError
from airflow_provider_redex.hooks.redex import RedexAsyncHook, RedexHook

TOKEN = "hook-test-token-9f8e7d6c"
API_KEY = "0b8d3f52-6a61-4c0e-8d1e-2f5a8b7c9d10"
CLIENT_ID = "hook-test-client"
SECRET = "hook-test-secret-5a4b3c2d"
ACCESS_TOKEN = "granted-access-token-1a2b3c4d"
ACCOUNT_ID = "9a3c5e1f-2b4d-4f6a-8c0e-1d3f5a7b9c2e"
PROFILE_PATH = route("accounts.get_profile").path
TOKEN_PATH = route("auth.token").path


def envelope(data: Any, status: int = 200, message: str = "Success") -> dict[str, Any]:
    return {"Data": data, "Meta": None, "Errors": None, "StatusCode": status, "Message": message}


PROFILE = envelope(
    {
        "Id": ACCOUNT_ID,
        "AccountType": {"Value": "Normal", "Description": "Normal"},
        "CompanyInfo": {"CompanyName": "Sandbox Solar", "Country": "Viet Nam"},
    }
)


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str = "redex_default", **fields: Any) -> None:
    connection = {"conn_type": "redex", **fields}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))


@pytest.fixture
def profile_server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """The profile endpoint, answering only to ``Bearer TOKEN`` or ``Bearer ACCESS_TOKEN``."""

    def profile(request: Request) -> Response:
        if request.headers.get("Authorization") not in {f"Bearer {TOKEN}", f"Bearer {ACCESS_TOKEN}"}:
            body = envelope(None, 401, "Unauthorized")
            return Response(json.dumps(body), status=401, content_type="application/json")
        return Response(json.dumps(PROFILE), content_type="application/json")

    def token(request: Request) -> Response:
        grant = request.get_json()
        if (grant["ApiKey"], grant["ClientId"], grant["ClientSecret"]) != (API_KEY, CLIENT_ID, SECRET):
            body = envelope(None, 401, "Unauthorized")
            return Response(json.dumps(body), status=401, content_type="application/json")
        body = envelope({"AccessToken": ACCESS_TOKEN, "ExpiresIn": 3600, "TokenType": "Bearer"})
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(PROFILE_PATH, method="GET").respond_with_handler(profile)
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_handler(token)
    yield httpserver


def base_url(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def test_get_client_returns_a_redex_client_for_the_connection(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer
) -> None:
    set_connection(monkeypatch, host=base_url(profile_server), password=TOKEN)
    client = RedexHook().get_client()
    assert isinstance(client, RedexClient)
    assert str(client.accounts.get_profile().id) == ACCOUNT_ID


def test_test_connection_reads_the_profile_with_the_bearer_token(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer
) -> None:
    set_connection(monkeypatch, host=base_url(profile_server), password=TOKEN)
    ok, message = RedexHook().test_connection()
    assert ok, message
    (request, _), *_ = profile_server.log
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_test_connection_uses_the_api_key_grant_when_extras_hold_it(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer
) -> None:
    extra = {"api_key": API_KEY, "client_id": CLIENT_ID, "account_requests": 30}
    set_connection(monkeypatch, "redex_grant", host=base_url(profile_server), password=SECRET, extra=extra)
    ok, message = RedexHook(redex_conn_id="redex_grant").test_connection()
    assert ok, message
    paths = [request.path for request, _ in profile_server.log]
    assert paths == [TOKEN_PATH, PROFILE_PATH]


def test_redex_extras_are_never_sent_as_http_headers(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer
) -> None:
    # HttpHook would turn extras into headers; the client sends only its own, so no extra travels.
    extra = {"api_key": API_KEY, "client_id": CLIENT_ID, "timeout": 5, "X-Trace": "kept"}
    set_connection(monkeypatch, host=base_url(profile_server), password=SECRET, extra=extra)
    assert RedexHook().test_connection()[0]
    for request, _ in profile_server.log:
        names = {name.lower() for name, _ in request.headers.items()}
        assert not names & {"api_key", "client_id", "timeout", "x-trace"}
        assert API_KEY not in str(request.headers)


def test_test_connection_reports_refused_credentials_without_the_token(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer
) -> None:
    wrong = "wrong-token-0000aaaa"
    set_connection(monkeypatch, host=base_url(profile_server), password=wrong)
    ok, message = RedexHook().test_connection()
    assert not ok
    assert "401" in message and wrong not in message


def test_plain_http_to_a_remote_host_is_refused_naming_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_connection(monkeypatch, "redex_remote", host="http://uat-api.redex.eco", password=TOKEN)
    hook = RedexHook(redex_conn_id="redex_remote")
    with pytest.raises(RedexConnectionError, match=r"'redex_remote'.*http://.*loopback"):
        hook.get_client()
    ok, message = hook.test_connection()
    assert not ok and "loopback" in message and TOKEN not in message


def test_turning_tls_verification_off_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, host="https://uat-api.redex.eco", password=TOKEN, extra={"verify": False})
    with pytest.raises(RedexConnectionError, match="TLS verification"):
        RedexHook().get_client()


def test_secrets_are_registered_with_airflows_masker(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer
) -> None:
    extra = {"api_key": API_KEY, "client_id": CLIENT_ID}
    set_connection(monkeypatch, host=base_url(profile_server), password=SECRET, extra=extra)
    RedexHook().get_client()
    redacted = str(redact(f"secret={SECRET} key={API_KEY}"))
    assert SECRET not in redacted and API_KEY not in redacted


def test_no_secret_reaches_the_log_or_the_repr(
    monkeypatch: pytest.MonkeyPatch, profile_server: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    set_connection(monkeypatch, host=base_url(profile_server), password=TOKEN)
    caplog.set_level(logging.DEBUG)
    hook = RedexHook()
    client = hook.get_client()
    client.accounts.get_profile()
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(hook) and TOKEN not in repr(client)


def test_both_hooks_build_their_clients_from_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # A task and a trigger on one connection must share one rate budget: same pacing config.
    extra = {"rate_limit_storage": "redis://127.0.0.1:6379/5", "account_requests": "20", "timeout": 9}
    set_connection(monkeypatch, host="https://uat-api.redex.eco", password=TOKEN, extra=extra)
    built: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
    secret_callbacks: dict[str, Any] = {}

    class FakeClient:
        pass

    def recorder(name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> FakeClient:
            built[name] = (args, {k: v for k, v in kwargs.items() if k != "on_secret"})
            secret_callbacks[name] = kwargs["on_secret"]
            return FakeClient()

        return record

    monkeypatch.setattr(redex_hooks, "RedexClient", recorder("sync"))
    monkeypatch.setattr(redex_hooks, "AsyncRedexClient", recorder("async"))
    RedexHook().get_client()
    asyncio.run(RedexAsyncHook().get_client())
    assert built["sync"] == built["async"]
    assert built["sync"][1]["pacing"].storage_uri == "redis://127.0.0.1:6379/5"
    assert built["sync"][1]["http"].timeout == 9
    # Tokens granted at run time go to Airflow's masker; the triggerer's must be awaited.
    assert secret_callbacks == {"sync": redex_hooks.mask_secret, "async": redex_hooks.amask_secret}


async def test_async_hook_resolves_the_connection_only_through_get_async_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_connection(monkeypatch, host="https://uat-api.redex.eco", password=TOKEN)
    calls: list[str] = []

    async def spy(conn_id: str, hook: Any = None) -> Any:
        calls.append(conn_id)
        return await get_async_connection(conn_id, hook=hook)

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the async hook must not call the synchronous get_connection")

    monkeypatch.setattr(redex_hooks, "get_async_connection", spy)
    monkeypatch.setattr(RedexAsyncHook, "get_connection", forbidden)
    client = await RedexAsyncHook().get_client()
    try:
        assert isinstance(client, AsyncRedexClient)
        assert calls == ["redex_default"]
    finally:
        await client.aclose()


async def test_async_hook_refuses_plain_http_to_a_remote_host(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, host="http://uat-api.redex.eco", password=TOKEN)
    with pytest.raises(RedexConnectionError, match="loopback"):
        await RedexAsyncHook().get_client()


def test_hooks_carry_the_names_airflow_looks_for() -> None:
    for hook in (RedexHook, RedexAsyncHook):
        assert hook.conn_name_attr == "redex_conn_id"
        assert hook.default_conn_name == "redex_default"
        assert hook.conn_type == "redex"
        assert hook.hook_name == "REDEX"
    assert RedexHook(redex_conn_id="other").redex_conn_id == "other"


def test_both_hooks_give_their_clients_the_connections_http_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read until a TLS handshake")
    extra = {"verify": str(bundle), "proxies": {"https": "http://proxy.example:3128"}, "trust_env": "false"}
    set_connection(monkeypatch, host="https://uat-api.redex.eco", password=TOKEN, extra=extra)
    sync_client = RedexHook().get_client()
    async_client = asyncio.run(RedexAsyncHook().get_client())
    assert sync_client.http == async_client.http
    assert sync_client.http.verify == str(bundle) and sync_client.http.trust_env is False
    assert sync_client.http.proxy_for("https://uat-api.redex.eco") == "http://proxy.example:3128"
    sync_client.close()


def test_a_connection_that_turns_tls_verification_off_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, host="https://uat-api.redex.eco", password=TOKEN, extra={"verify": False})
    with pytest.raises(RedexConnectionError, match="verify"):
        RedexHook().get_client()
    with pytest.raises(RedexConnectionError, match="verify"):
        asyncio.run(RedexAsyncHook().get_client())
