"""The async client against real HTTP on loopback: the same contract as the sync one, awaited."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.async_client import AsyncAPIClient, AsyncRedexClient
from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken
from airflow_provider_redex.client.envelope import build_envelope, build_error_envelope, page_meta_for
from airflow_provider_redex.client.errors import (
    RedexAuthenticationError,
    RedexNotFoundError,
    RedexServerError,
    RedexTimeoutError,
    RedexTransportError,
)
from airflow_provider_redex.client.models.base import ResponseModel
from airflow_provider_redex.client.routes import route
from tests.helpers.scripted_server import NO_PACING, Drop, Hang, ScriptedServer, failed, ok, refusing_url

TOKEN_PATH = route("auth.token").path
PROFILE = route("accounts.get_profile").path
BRANDS = route("metadata.list_inverter_brands").path
JSON = "application/json"


class Brand(ResponseModel):
    code: str


def envelope_json(data: object = None) -> str:
    return wire_json.dumps(build_envelope(data))


def client_for(server: ScriptedServer, *, timeout: float = 5.0) -> AsyncAPIClient:
    return AsyncAPIClient(server.url, BearerToken("tok-a"), pacing=NO_PACING, timeout=timeout, max_retries=3)


async def test_token_cached_and_renewed_once_after_401(httpserver: HTTPServer) -> None:
    unauthorized = wire_json.dumps(build_error_envelope(401, "Unauthorized"))
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        envelope_json({"AccessToken": "tok-1", "ExpiresIn": 3600}), content_type=JSON
    )
    for _ in range(2):
        httpserver.expect_ordered_request(
            PROFILE, headers={"Authorization": "Bearer tok-1"}
        ).respond_with_data(envelope_json({"Call": "ok"}), content_type=JSON)
    httpserver.expect_ordered_request(PROFILE).respond_with_data(unauthorized, status=401, content_type=JSON)
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        envelope_json({"AccessToken": "tok-2", "ExpiresIn": "3600"}), content_type=JSON
    )
    httpserver.expect_ordered_request(PROFILE, headers={"Authorization": "Bearer tok-2"}).respond_with_data(
        envelope_json({"Call": "renewed"}), content_type=JSON
    )
    creds = ApiKeyCredentials("key-1", "client-1", "secret-1")
    async with AsyncAPIClient(httpserver.url_for("").rstrip("/"), creds, pacing=NO_PACING) as client:
        assert (await client.request("accounts.get_profile")).data == {"Call": "ok"}
        assert (await client.request("accounts.get_profile")).data == {"Call": "ok"}
        assert (await client.request("accounts.get_profile")).data == {"Call": "renewed"}
    httpserver.check_assertions()
    grant = json.loads(httpserver.log[0][0].get_data())
    assert grant["GrantType"] == "api_key" and grant["ClientSecret"] == "secret-1"


async def test_bearer_token_401_fails(scripted: ScriptedServer) -> None:
    scripted.play(failed(401, "Unauthorized"))
    async with client_for(scripted) as client:
        with pytest.raises(RedexAuthenticationError):
            await client.request("accounts.get_profile")
    assert len(scripted.arrivals) == 1


async def test_429_then_success(scripted: ScriptedServer) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "0"}), ok({"Name": "Acme"}))
    async with client_for(scripted) as client:
        assert (await client.request("accounts.get_profile")).data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 2


async def test_get_retried_on_503_and_on_a_dropped_connection(scripted: ScriptedServer) -> None:
    scripted.play(failed(503), Drop(), ok({"Name": "Acme"}))
    async with client_for(scripted) as client:
        assert (await client.request("accounts.get_profile")).data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 3


async def test_post_not_resent_after_a_read_timeout(scripted: ScriptedServer) -> None:
    scripted.play(Hang(), ok({"ProcessId": 1}))
    async with client_for(scripted, timeout=0.3) as client:
        with pytest.raises(RedexTimeoutError) as caught:
            await client.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert caught.value.request_sent is True
    assert len(scripted.arrivals) == 1


async def test_post_not_resent_after_a_dropped_connection_or_503(scripted: ScriptedServer) -> None:
    scripted.play(Drop(), failed(503), ok({"ProcessId": 1}))
    async with client_for(scripted) as client:
        with pytest.raises(RedexTransportError) as dropped:
            await client.request("generation.send_daily", body={})
        with pytest.raises(RedexServerError):
            await client.request("generation.send_daily", body={})
    assert dropped.value.request_sent is True
    assert len(scripted.arrivals) == 2


async def test_post_resent_after_a_429(scripted: ScriptedServer) -> None:
    scripted.play(failed(429, **{"Retry-After": "0"}), ok({"ProcessId": 3}))
    async with client_for(scripted) as client:
        assert (await client.request("generation.send_daily", body={"A": 1})).data == {"ProcessId": 3}
    assert len(scripted.arrivals) == 2


async def test_connection_refused_says_nothing_was_sent() -> None:
    url = refusing_url()
    async with AsyncAPIClient(url, BearerToken("t"), pacing=NO_PACING, max_retries=1) as client:
        with pytest.raises(RedexTransportError) as caught:
            await client.request("generation.send_daily", body={})
    assert caught.value.request_sent is False


def brands_page(request: Request) -> Response:
    page, size = int(request.args["CurrentPage"]), int(request.args["ItemsPerPage"])
    items = [{"Code": f"B{i:02d}"} for i in range((page - 1) * size, min(page * size, 25))]
    meta = page_meta_for(current_page=page, items_per_page=size, total_items=25)
    return Response(wire_json.dumps(build_envelope(items, meta=meta)), content_type=JSON)


async def test_paging_walks_three_pages_lazily(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BRANDS).respond_with_handler(brands_page)
    base = httpserver.url_for("").rstrip("/")
    async with AsyncAPIClient(base, BearerToken("t"), pacing=NO_PACING) as client:
        brands = client.paginate("metadata.list_inverter_brands", Brand, items_per_page=10)
        assert len(httpserver.log) == 0
        codes = [brand.code async for brand in brands]
    assert codes == [f"B{i:02d}" for i in range(25)]
    assert [request.args["CurrentPage"] for request, _ in httpserver.log] == ["1", "2", "3"]


async def test_trigger_reads_parse_into_the_models(httpserver: HTTPServer) -> None:
    app_id, device_id = uuid4(), uuid4()
    device_application = {
        "Id": str(app_id),
        "ApplicationNumber": "DA-1",
        "DeviceId": str(device_id),
        "Status": {"Value": "Approved", "Description": "Approved"},
    }
    httpserver.expect_request(
        route("device_applications.get").format(deviceApplicationId=app_id)
    ).respond_with_data(envelope_json(device_application), content_type=JSON)
    httpserver.expect_request(
        route("generation.get_process").path, query_string="ProcessId=77"
    ).respond_with_data(envelope_json({"ProcessId": 77, "Status": "Success"}), content_type=JSON)
    httpserver.expect_request(
        route("retirements.get").format(retirementApplicationId=app_id)
    ).respond_with_data(
        wire_json.dumps(build_error_envelope(404, "Not found")), status=404, content_type=JSON
    )
    base = httpserver.url_for("").rstrip("/")
    async with AsyncRedexClient(base, BearerToken("t"), pacing=NO_PACING) as client:
        application = await client.device_applications.get(app_id)
        process = await client.generation.get_process(77)
        with pytest.raises(RedexNotFoundError):
            await client.retirements.get(app_id)
    assert application.device_id == device_id
    assert process.process_id == 77
