"""Both clients against real HTTP on loopback: every scenario runs once per transport.

The ``connect`` fixture is parametrised over the sync (requests) and the async (aiohttp) client,
so a deferred sensor's trigger and a task are held to the same behaviour: auth, retries, paging,
the wire format, what an odd answer says, and what never appears in logs or errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from uuid import uuid4

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.async_client import AsyncRedexClient
from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken
from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.envelope import build_envelope, build_error_envelope, page_meta_for
from airflow_provider_redex.client.errors import (
    RedexAuthenticationError,
    RedexError,
    RedexNotFoundError,
    RedexRateLimitError,
    RedexResponseError,
    RedexServerError,
    RedexTimeoutError,
    RedexTransportError,
)
from airflow_provider_redex.client.models.base import ResponseModel
from airflow_provider_redex.client.routes import route
from tests.helpers.client_driver import Driver
from tests.helpers.scripted_server import (
    NO_PACING,
    Drop,
    Hang,
    Respond,
    ScriptedServer,
    failed,
    ok,
    refusing_url,
)

Connect = Callable[..., Driver]
API_KEY, CLIENT_ID, CLIENT_SECRET = "key-7f3a9c", "client-42", "secret-b19e77"
TOKEN_PATH = route("auth.token").path
PROFILE = route("accounts.get_profile").path
SEND_DAILY = route("generation.send_daily").path
BRANDS = route("metadata.list_inverter_brands").path
JSON = "application/json"


class Brand(ResponseModel):
    code: str


def envelope_json(data: object = None, status: int = 200, **kwargs: object) -> str:
    return wire_json.dumps(build_envelope(data, status_code=status, **kwargs))  # type: ignore[arg-type]


def token_answer(access_token: str, expires_in: int | str = 3600, refresh_token: str | None = None) -> str:
    token = {"AccessToken": access_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}
    return envelope_json(token | ({"RefreshToken": refresh_token} if refresh_token else {}))


def unauthorized() -> str:
    return wire_json.dumps(build_error_envelope(401, "Unauthorized"))


def base_url(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def api_key() -> ApiKeyCredentials:
    return ApiKeyCredentials(API_KEY, CLIENT_ID, CLIENT_SECRET)


def token_requests(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log if request.path == TOKEN_PATH]


# --- GET, resources and the token grant -------------------------------------------------------------


def test_a_get_through_a_resource_parses_into_the_model(connect: Connect, httpserver: HTTPServer) -> None:
    app_id, device_id = uuid4(), uuid4()
    application = {
        "Id": str(app_id),
        "DeviceId": str(device_id),
        "Status": {"Value": "Approved", "Description": "Approved"},
    }
    get = route("device_applications.get")
    httpserver.expect_request(get.format(deviceApplicationId=app_id)).respond_with_data(
        envelope_json(application), content_type=JSON
    )
    httpserver.expect_request(
        route("retirements.get").format(retirementApplicationId=app_id)
    ).respond_with_data(
        wire_json.dumps(build_error_envelope(404, "Not found")), status=404, content_type=JSON
    )
    driver = connect(base_url(httpserver))
    assert driver.run(driver.client.device_applications.get(app_id)).device_id == device_id
    with pytest.raises(RedexNotFoundError):
        driver.run(driver.client.retirements.get(str(app_id)))


def test_the_token_is_granted_once_reused_and_reported_as_a_secret(
    connect: Connect, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_data(
        token_answer("tok-1", expires_in="3600", refresh_token="ref-1"), content_type=JSON
    )
    httpserver.expect_request(PROFILE, headers={"Authorization": "Bearer tok-1"}).respond_with_data(
        envelope_json({"Name": "Acme"}), content_type=JSON
    )
    reported: list[str] = []
    driver = connect(base_url(httpserver), api_key(), on_secret=reported.append)
    for _ in range(3):
        assert driver.request("accounts.get_profile").data == {"Name": "Acme"}
    (grant,) = token_requests(httpserver)
    assert json.loads(grant.get_data()) == {
        "ApiKey": API_KEY,
        "GrantType": "api_key",
        "ClientId": CLIENT_ID,
        "ClientSecret": CLIENT_SECRET,
    }
    assert "Authorization" not in grant.headers
    assert reported == ["tok-1", "ref-1"]


async def test_the_triggerers_async_masker_is_awaited_before_the_token_is_used(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(token_answer("tok-1"), content_type=JSON)
    httpserver.expect_request(PROFILE).respond_with_data(envelope_json({}), content_type=JSON)
    masked: list[str] = []

    async def amask(secret: str) -> None:  # like Airflow's amask_secret
        await asyncio.sleep(0)
        masked.append(secret)

    async with AsyncRedexClient(base_url(httpserver), api_key(), pacing=NO_PACING, on_secret=amask) as client:
        await client.request("accounts.get_profile")
    assert masked == ["tok-1"]


def test_concurrent_calls_share_one_grant(connect: Connect, httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(token_answer("tok-1"), content_type=JSON)
    httpserver.expect_request(PROFILE).respond_with_data(envelope_json({}), content_type=JSON)
    driver = connect(base_url(httpserver), api_key())
    driver.concurrently(8, lambda: driver.client.request("accounts.get_profile"))
    assert len(token_requests(httpserver)) == 1
    assert len(httpserver.log) == 9


def test_the_token_is_renewed_once_after_a_401_then_the_call_succeeds(
    connect: Connect, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(token_answer("tok-1"), content_type=JSON)
    httpserver.expect_ordered_request(PROFILE, headers={"Authorization": "Bearer tok-1"}).respond_with_data(
        unauthorized(), status=401, content_type=JSON
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(token_answer("tok-2"), content_type=JSON)
    httpserver.expect_ordered_request(PROFILE, headers={"Authorization": "Bearer tok-2"}).respond_with_data(
        envelope_json({"Name": "Acme"}), content_type=JSON
    )
    assert connect(base_url(httpserver), api_key()).request("accounts.get_profile").data == {"Name": "Acme"}
    httpserver.check_assertions()


def test_a_second_401_after_renewal_fails(connect: Connect, httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(token_answer("tok-n"), content_type=JSON)
    httpserver.expect_request(PROFILE).respond_with_data(unauthorized(), status=401, content_type=JSON)
    with pytest.raises(RedexAuthenticationError, match="Unauthorized"):
        connect(base_url(httpserver), api_key()).request("accounts.get_profile")
    assert len(token_requests(httpserver)) == 2
    assert len(httpserver.log) == 4


def test_a_bearer_token_401_fails_without_asking_for_a_token(
    connect: Connect, scripted: ScriptedServer
) -> None:
    scripted.play(failed(401, "Unauthorized"))
    with pytest.raises(RedexAuthenticationError):
        connect(scripted.url).request("accounts.get_profile")
    assert len(scripted.arrivals) == 1


def test_bearer_header_wins_over_basic_auth_carried_by_an_injected_session(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(token_answer("tok-1"), content_type=JSON)
    httpserver.expect_request(PROFILE).respond_with_data(envelope_json({}), content_type=JSON)
    session = requests.Session()
    session.auth = ("login", CLIENT_SECRET)  # what a caller's session may carry
    with SyncAPIClient(base_url(httpserver), api_key(), pacing=NO_PACING, session=session) as client:
        client.request("accounts.get_profile")
    (grant, _), (call, _) = httpserver.log
    assert "Authorization" not in grant.headers
    assert call.headers["Authorization"] == "Bearer tok-1"
    session.close()  # injected: the client leaves it open for its owner


# --- retries: 429, 5xx, dropped connections, timeouts -------------------------------------------------


def test_429_retry_after_is_honoured_then_the_call_succeeds(
    connect: Connect, scripted: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "1"}), ok({"Name": "Acme"}))
    caplog.set_level(logging.WARNING, logger="airflow_provider_redex.client")
    assert connect(scripted.url).request("accounts.get_profile").data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 2
    assert scripted.arrivals[1].at - scripted.arrivals[0].at >= 0.95
    assert "retrying in 1.00 s" in caplog.text


def test_429_asking_for_a_wait_beyond_the_cap_is_not_waited(
    connect: Connect, scripted: ScriptedServer
) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "3600"}))
    with pytest.raises(RedexRateLimitError) as caught:
        connect(scripted.url).request("accounts.get_profile")
    assert caught.value.retry_after == 3600
    assert len(scripted.arrivals) == 1


def test_a_get_is_retried_on_503_and_on_a_connection_dropped_after_sending(
    connect: Connect, scripted: ScriptedServer
) -> None:
    scripted.play(failed(503, "Service Unavailable"), Drop(), ok({"Name": "Acme"}))
    assert connect(scripted.url, max_retries=3).request("accounts.get_profile").data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 3


def test_a_get_gives_up_after_max_retries_with_the_last_error(
    connect: Connect, scripted: ScriptedServer
) -> None:
    scripted.play(*[failed(502, "Bad Gateway")] * 5)
    with pytest.raises(RedexServerError, match="Bad Gateway") as caught:
        connect(scripted.url, max_retries=2).request("accounts.get_profile")
    assert len(scripted.arrivals) == 3
    assert "gave up after 3 attempts" in "".join(getattr(caught.value, "__notes__", []))


def test_an_html_502_page_is_retried_and_then_said_for_what_it_is(
    connect: Connect, scripted: ScriptedServer
) -> None:
    page = Respond(
        502, b"<html><title>502 Bad Gateway</title><h1>nginx</h1></html>", {"Content-Type": "text/html"}
    )
    scripted.play(page, ok({"Name": "Acme"}), page, page)
    driver = connect(scripted.url, max_retries=1)
    assert driver.request("accounts.get_profile").data == {"Name": "Acme"}
    with pytest.raises(RedexServerError) as caught:
        driver.request("accounts.get_profile")
    assert "502" in str(caught.value) and "nginx" in str(caught.value)
    assert len(scripted.arrivals) == 4


def test_an_html_page_on_200_says_what_came_back(connect: Connect, scripted: ScriptedServer) -> None:
    scripted.play(Respond(200, b"<html><h1>Welcome to nginx</h1></html>", {"Content-Type": "text/html"}))
    with pytest.raises(RedexResponseError) as caught:
        connect(scripted.url).request("accounts.get_profile")
    assert "Welcome to nginx" in str(caught.value) and "HTTP 200" in str(caught.value)


def test_a_read_timeout_retries_a_get_but_never_resends_a_post(
    connect: Connect, scripted: ScriptedServer
) -> None:
    scripted.play(Hang(), ok({"Name": "Acme"}), Hang(), ok({"ProcessId": 1}))
    driver = connect(scripted.url, timeout=0.3)
    assert driver.request("accounts.get_profile").data == {"Name": "Acme"}
    with pytest.raises(RedexTimeoutError) as caught:
        driver.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert caught.value.request_sent is True
    assert [arrival.method for arrival in scripted.arrivals] == ["GET", "GET", "POST"]


def test_a_post_is_not_resent_after_a_dropped_connection_or_a_503(
    connect: Connect, scripted: ScriptedServer
) -> None:
    scripted.play(Drop(), failed(503), ok({"ProcessId": 1}))
    driver = connect(scripted.url)
    with pytest.raises(RedexTransportError) as dropped:
        driver.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    with pytest.raises(RedexServerError):
        driver.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert dropped.value.request_sent is True
    assert len(scripted.arrivals) == 2


def test_a_post_is_resent_after_a_429(connect: Connect, scripted: ScriptedServer) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "0"}), ok({"ProcessId": 7}))
    result = connect(scripted.url).request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert result.data == {"ProcessId": 7}
    assert [arrival.body for arrival in scripted.arrivals] == [b'{"RemoteInvId":"inv-1"}'] * 2


def test_a_post_to_a_closed_port_is_retried_and_says_nothing_was_sent(connect: Connect) -> None:
    with pytest.raises(RedexTransportError) as caught:
        connect(refusing_url(), max_retries=2).request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert caught.value.request_sent is False
    assert "could not connect" in str(caught.value)


# --- paging and the wire format --------------------------------------------------------------------


def brands_page(request: Request) -> Response:
    page, size = int(request.args["CurrentPage"]), int(request.args["ItemsPerPage"])
    items = [{"Code": f"B{i:02d}"} for i in range((page - 1) * size, min(page * size, 25))]
    meta = page_meta_for(current_page=page, items_per_page=size, total_items=25)
    return Response(envelope_json(items, meta=meta), content_type=JSON)


def test_paging_walks_three_pages_lazily(connect: Connect, httpserver: HTTPServer) -> None:
    httpserver.expect_request(BRANDS).respond_with_handler(brands_page)
    driver = connect(base_url(httpserver))
    brands = driver.client.paginate(
        "metadata.list_inverter_brands", Brand, params={"Search": "x"}, items_per_page=10
    )
    assert len(httpserver.log) == 0
    assert [brand.code for brand in driver.items(brands, 3)] == ["B00", "B01", "B02"]
    assert len(httpserver.log) == 1
    assert len(driver.items(brands)) == 25
    assert [request.args["CurrentPage"] for request, _ in httpserver.log[1:]] == ["1", "2", "3"]
    assert all(request.args["Search"] == "x" for request, _ in httpserver.log)


def test_a_resource_list_pages_lazily_through_either_client(connect: Connect, httpserver: HTTPServer) -> None:
    httpserver.expect_request(BRANDS).respond_with_handler(brands_page)
    driver = connect(base_url(httpserver))
    brands = driver.client.metadata.list_inverter_brands(code="B", items_per_page=20)
    assert len(httpserver.log) == 0
    assert len(driver.items(brands)) == 25
    assert [request.args["Code"] for request, _ in httpserver.log] == ["B", "B"]


def test_query_lists_repeat_the_key_and_bodies_keep_exact_decimals(
    connect: Connect, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(SEND_DAILY, method="POST").respond_with_data(
        envelope_json({"ProcessId": 1}, status=201), status=201, content_type=JSON
    )
    httpserver.expect_request(BRANDS).respond_with_data(envelope_json([]), content_type=JSON)
    driver = connect(base_url(httpserver), BearerToken("t"))
    driver.request("generation.send_daily", body={"PeriodProductionInKWh": Decimal("0.100")})
    driver.request("generation.send_daily", body=b'{"RemoteInvId":"pre-encoded"}')
    driver.request(
        "metadata.list_inverter_brands", params={"Registries": ["IREC", "TIGR"], "On": True, "X": None}
    )
    post, encoded, get = (request for request, _ in httpserver.log)
    assert post.get_data() == b'{"PeriodProductionInKWh":0.100}'
    assert encoded.get_data() == b'{"RemoteInvId":"pre-encoded"}'  # bytes are sent as they are
    assert post.headers["Content-Type"] == encoded.headers["Content-Type"] == JSON
    assert post.headers["Authorization"] == "Bearer t"
    assert get.query_string == b"Registries=IREC&Registries=TIGR&On=true"


def test_files_are_sent_multipart(connect: Connect, httpserver: HTTPServer) -> None:
    httpserver.expect_request(route("documents.upload").path, method="POST").respond_with_data(
        envelope_json({"Id": str(uuid4()), "ValidationCode": "v"}), content_type=JSON
    )
    driver = connect(base_url(httpserver))
    uploaded = driver.run(driver.client.documents.upload(b"%PDF-1.7 test", filename="odf.pdf"))
    assert uploaded.validation_code == "v"
    request = httpserver.log[0][0]
    assert request.mimetype == "multipart/form-data"
    assert request.files["File"].filename == "odf.pdf"
    assert request.files["File"].read() == b"%PDF-1.7 test"


# --- secrecy and logging ------------------------------------------------------------------------------


def test_no_error_repr_or_log_line_contains_the_token_or_client_secret(
    connect: Connect, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    access_token, refresh_token = "tok-ultra-5ecret", "ref-ultra-5ecret"
    caplog.set_level(logging.DEBUG)
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        "<html>token service down</html>", status=200, content_type="text/html"
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        envelope_json({"AccessToken": access_token, "ExpiresIn": "soon"}), content_type=JSON
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        token_answer(access_token, refresh_token=refresh_token), content_type=JSON
    )
    httpserver.expect_request(PROFILE).respond_with_data(
        wire_json.dumps(build_error_envelope(403, "Forbidden")), status=403, content_type=JSON
    )
    creds = api_key()
    driver = connect(base_url(httpserver), creds)
    seen: list[str] = [repr(driver.client), repr(creds), str(creds)]
    for _ in range(3):
        with pytest.raises(RedexError) as caught:
            driver.request("accounts.get_profile")
        seen += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    seen.append(caplog.text)
    for text in seen:
        for secret in (access_token, refresh_token, API_KEY, CLIENT_SECRET):
            assert secret not in text, (secret, text)


def test_one_info_line_per_exchange_with_method_path_status(
    connect: Connect, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(PROFILE).respond_with_data(envelope_json({}), content_type=JSON)
    caplog.set_level(logging.INFO, logger="airflow_provider_redex.client")
    connect(base_url(httpserver), BearerToken("tok-log")).request(
        "accounts.get_profile", params={"Search": "private"}
    )
    ours = [record for record in caplog.records if record.name == "airflow_provider_redex.client"]
    assert [record.levelname for record in ours] == ["INFO"]
    line = ours[0].getMessage()
    assert line.startswith(f"REDEX GET {PROFILE} -> 200 in ")
    assert "tok-log" not in line and "private" not in line
