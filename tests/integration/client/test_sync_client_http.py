"""The sync client against real HTTP on loopback: auth, retries, paging, wire format, secrecy."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken
from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.envelope import build_envelope, build_error_envelope, page_meta_for
from airflow_provider_redex.client.errors import (
    RedexAuthenticationError,
    RedexError,
    RedexRateLimitError,
    RedexResponseError,
    RedexServerError,
    RedexTimeoutError,
    RedexTransportError,
)
from airflow_provider_redex.client.models.base import ResponseModel
from airflow_provider_redex.client.routes import route
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

API_KEY, CLIENT_ID, CLIENT_SECRET = "key-7f3a9c", "client-42", "secret-b19e77"
TOKEN_PATH = route("auth.token").path
PROFILE = route("accounts.get_profile").path
SEND_DAILY = route("generation.send_daily").path
BRANDS = route("metadata.list_inverter_brands").path


class Brand(ResponseModel):
    code: str


def envelope_json(data: object = None, status: int = 200, **kwargs: object) -> str:
    return wire_json.dumps(build_envelope(data, status_code=status, **kwargs))  # type: ignore[arg-type]


def token_answer(access_token: str, expires_in: int | str = 3600) -> str:
    return envelope_json({"AccessToken": access_token, "ExpiresIn": expires_in, "TokenType": "Bearer"})


def base_url(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


@pytest.fixture
def api_key_client(httpserver: HTTPServer) -> Iterator[SyncAPIClient]:
    with SyncAPIClient(
        base_url(httpserver),
        ApiKeyCredentials(API_KEY, CLIENT_ID, CLIENT_SECRET),
        pacing=NO_PACING,
        max_retries=3,
    ) as client:
        yield client


def scripted_client(server: ScriptedServer, *, timeout: float = 5.0, max_retries: int = 3) -> SyncAPIClient:
    return SyncAPIClient(
        server.url, BearerToken("tok-static"), pacing=NO_PACING, timeout=timeout, max_retries=max_retries
    )


def token_requests(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log if request.path == TOKEN_PATH]


# --- authentication -------------------------------------------------------------------------------


def test_token_is_requested_once_and_reused_across_calls(
    httpserver: HTTPServer, api_key_client: SyncAPIClient
) -> None:
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_data(
        token_answer("tok-1", expires_in="3600"), content_type="application/json"
    )
    httpserver.expect_request(PROFILE, headers={"Authorization": "Bearer tok-1"}).respond_with_data(
        envelope_json({"Name": "Acme"}), content_type="application/json"
    )
    for _ in range(3):
        assert api_key_client.request("accounts.get_profile").data == {"Name": "Acme"}
    grants = token_requests(httpserver)
    assert len(grants) == 1
    assert json.loads(grants[0].get_data()) == {
        "ApiKey": API_KEY,
        "GrantType": "api_key",
        "ClientId": CLIENT_ID,
        "ClientSecret": CLIENT_SECRET,
    }
    assert "Authorization" not in grants[0].headers


def test_token_is_renewed_once_after_a_401_then_the_call_succeeds(
    httpserver: HTTPServer, api_key_client: SyncAPIClient
) -> None:
    json_type = "application/json"
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        token_answer("tok-1"), content_type=json_type
    )
    httpserver.expect_ordered_request(PROFILE, headers={"Authorization": "Bearer tok-1"}).respond_with_data(
        wire_json.dumps(build_error_envelope(401, "Unauthorized")), status=401, content_type=json_type
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        token_answer("tok-2"), content_type=json_type
    )
    httpserver.expect_ordered_request(PROFILE, headers={"Authorization": "Bearer tok-2"}).respond_with_data(
        envelope_json({"Name": "Acme"}), content_type=json_type
    )
    assert api_key_client.request("accounts.get_profile").data == {"Name": "Acme"}
    httpserver.check_assertions()


def test_a_second_401_after_renewal_fails(httpserver: HTTPServer, api_key_client: SyncAPIClient) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(
        token_answer("tok-n"), content_type="application/json"
    )
    httpserver.expect_request(PROFILE).respond_with_data(
        wire_json.dumps(build_error_envelope(401, "Unauthorized")),
        status=401,
        content_type="application/json",
    )
    with pytest.raises(RedexAuthenticationError, match="Unauthorized"):
        api_key_client.request("accounts.get_profile")
    assert len(token_requests(httpserver)) == 2
    assert len(httpserver.log) == 4


def test_a_bearer_token_401_fails_without_asking_for_a_token(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PROFILE).respond_with_data(
        wire_json.dumps(build_error_envelope(401, "Unauthorized")),
        status=401,
        content_type="application/json",
    )
    client = SyncAPIClient(base_url(httpserver), BearerToken("tok-old"), pacing=NO_PACING)
    with client, pytest.raises(RedexAuthenticationError):
        client.request("accounts.get_profile")
    assert len(httpserver.log) == 1


def test_bearer_header_wins_over_basic_auth_carried_by_an_injected_session(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(
        token_answer("tok-1"), content_type="application/json"
    )
    httpserver.expect_request(PROFILE).respond_with_data(envelope_json({}), content_type="application/json")
    session = requests.Session()
    session.auth = ("login", CLIENT_SECRET)  # what an HttpHook session may carry
    creds = ApiKeyCredentials(API_KEY, CLIENT_ID, CLIENT_SECRET)
    with SyncAPIClient(base_url(httpserver), creds, pacing=NO_PACING, session=session) as client:
        client.request("accounts.get_profile")
    (grant, _), (call, _) = httpserver.log
    assert "Authorization" not in grant.headers
    assert call.headers["Authorization"] == "Bearer tok-1"
    session.close()  # injected: the client leaves it open for its owner


# --- retries ----------------------------------------------------------------------------------------


def test_429_retry_after_is_honoured_then_the_call_succeeds(
    scripted: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "1"}), ok({"Name": "Acme"}))
    caplog.set_level(logging.WARNING, logger="airflow_provider_redex.client")
    with scripted_client(scripted) as client:
        assert client.request("accounts.get_profile").data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 2
    assert "retrying in 1.00 s" in caplog.text


def test_429_asking_for_a_wait_beyond_the_cap_is_not_waited(scripted: ScriptedServer) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "3600"}))
    with scripted_client(scripted) as client, pytest.raises(RedexRateLimitError) as caught:
        client.request("accounts.get_profile")
    assert caught.value.retry_after == 3600
    assert len(scripted.arrivals) == 1


def test_get_is_retried_on_503(scripted: ScriptedServer) -> None:
    scripted.play(failed(503, "Service Unavailable"), failed(503), ok({"Name": "Acme"}))
    with scripted_client(scripted) as client:
        assert client.request("accounts.get_profile").data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 3


def test_get_is_retried_on_a_dropped_connection(scripted: ScriptedServer) -> None:
    scripted.play(Drop(), ok({"Name": "Acme"}))
    with scripted_client(scripted) as client:
        assert client.request("accounts.get_profile").data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 2


def test_get_gives_up_after_max_retries_with_the_last_error(scripted: ScriptedServer) -> None:
    scripted.play(*[failed(502, "Bad Gateway")] * 5)
    with (
        scripted_client(scripted, max_retries=2) as client,
        pytest.raises(RedexServerError, match="Bad Gateway") as caught,
    ):
        client.request("accounts.get_profile")
    assert len(scripted.arrivals) == 3
    assert "gave up after 3 attempts" in "".join(getattr(caught.value, "__notes__", []))


def test_get_is_retried_after_a_read_timeout(scripted: ScriptedServer) -> None:
    scripted.play(Hang(), ok({"Name": "Acme"}))
    with scripted_client(scripted, timeout=0.3) as client:
        assert client.request("accounts.get_profile").data == {"Name": "Acme"}
    assert len(scripted.arrivals) == 2


def test_post_is_not_resent_after_a_read_timeout(scripted: ScriptedServer) -> None:
    scripted.play(Hang(), ok({"ProcessId": 1}))
    with scripted_client(scripted, timeout=0.3) as client, pytest.raises(RedexTimeoutError) as caught:
        client.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert caught.value.request_sent is True
    assert [arrival.method for arrival in scripted.arrivals] == ["POST"]


def test_post_is_not_resent_after_a_dropped_connection(scripted: ScriptedServer) -> None:
    scripted.play(Drop(), ok({"ProcessId": 1}))
    with scripted_client(scripted) as client, pytest.raises(RedexTransportError) as caught:
        client.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert caught.value.request_sent is True
    assert len(scripted.arrivals) == 1


def test_post_is_not_resent_after_a_503(scripted: ScriptedServer) -> None:
    scripted.play(failed(503), ok({"ProcessId": 1}))
    with scripted_client(scripted) as client, pytest.raises(RedexServerError):
        client.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert len(scripted.arrivals) == 1


def test_post_is_resent_after_a_429(scripted: ScriptedServer) -> None:
    scripted.play(failed(429, "Rate limit exceeded", **{"Retry-After": "0"}), ok({"ProcessId": 7}))
    with scripted_client(scripted) as client:
        assert client.request("generation.send_daily", body={"RemoteInvId": "inv-1"}).data == {"ProcessId": 7}
    assert [arrival.body for arrival in scripted.arrivals] == [b'{"RemoteInvId":"inv-1"}'] * 2


def test_post_to_a_closed_port_is_retried_and_says_nothing_was_sent() -> None:
    url = refusing_url()
    client = SyncAPIClient(url, BearerToken("t"), pacing=NO_PACING, max_retries=2)
    with client, pytest.raises(RedexTransportError) as caught:
        client.request("generation.send_daily", body={"RemoteInvId": "inv-1"})
    assert caught.value.request_sent is False
    assert "could not connect" in str(caught.value)


# --- answers that are not REDEX's envelope -----------------------------------------------------------


def test_an_html_page_on_200_says_what_came_back(scripted: ScriptedServer) -> None:
    scripted.play(Respond(200, b"<html><h1>Welcome to nginx</h1></html>", {"Content-Type": "text/html"}))
    with scripted_client(scripted) as client, pytest.raises(RedexResponseError) as caught:
        client.request("accounts.get_profile")
    assert "Welcome to nginx" in str(caught.value) and "HTTP 200" in str(caught.value)


# --- paging and the wire format --------------------------------------------------------------------


def brands_page(request: Request) -> Response:
    page, size = int(request.args["CurrentPage"]), int(request.args["ItemsPerPage"])
    items = [{"Code": f"B{i:02d}"} for i in range((page - 1) * size, min(page * size, 25))]
    meta = page_meta_for(current_page=page, items_per_page=size, total_items=25)
    return Response(envelope_json(items, meta=meta), content_type="application/json")


def test_paging_walks_three_pages_lazily(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BRANDS).respond_with_handler(brands_page)
    with SyncAPIClient(base_url(httpserver), BearerToken("t"), pacing=NO_PACING) as client:
        brands = client.paginate(
            "metadata.list_inverter_brands", Brand, params={"Search": "x"}, items_per_page=10
        )
        assert len(httpserver.log) == 0
        assert [brand.code for brand in islice(brands, 3)] == ["B00", "B01", "B02"]
        assert len(httpserver.log) == 1
        assert len(list(brands)) == 25
    pages = [request.args["CurrentPage"] for request, _ in httpserver.log[1:]]
    assert pages == ["1", "2", "3"]
    assert all(request.args["Search"] == "x" for request, _ in httpserver.log)


def test_query_lists_repeat_the_key_and_bodies_keep_exact_decimals(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SEND_DAILY, method="POST").respond_with_data(
        envelope_json({"ProcessId": 1}, status=201), status=201, content_type="application/json"
    )
    httpserver.expect_request(BRANDS).respond_with_data(envelope_json([]), content_type="application/json")
    with SyncAPIClient(base_url(httpserver), BearerToken("t"), pacing=NO_PACING) as client:
        client.request("generation.send_daily", body={"PeriodProductionInKWh": Decimal("0.100")})
        client.request(
            "metadata.list_inverter_brands", params={"Registries": ["IREC", "TIGR"], "On": True, "X": None}
        )
    post, get = (request for request, _ in httpserver.log)
    assert post.get_data() == b'{"PeriodProductionInKWh":0.100}'
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Authorization"] == "Bearer t"
    assert get.query_string == b"Registries=IREC&Registries=TIGR&On=true"


def test_files_are_sent_multipart(httpserver: HTTPServer) -> None:
    upload = route("documents.upload").path
    httpserver.expect_request(upload, method="POST").respond_with_data(
        envelope_json({"Id": "f-1"}), content_type="application/json"
    )
    with SyncAPIClient(base_url(httpserver), BearerToken("t"), pacing=NO_PACING) as client:
        client.request("documents.upload", files={"File": ("odf.pdf", b"%PDF-1.7 test", "application/pdf")})
    request = httpserver.log[0][0]
    assert request.mimetype == "multipart/form-data"
    assert request.files["File"].filename == "odf.pdf"
    assert request.files["File"].read() == b"%PDF-1.7 test"


# --- secrecy and logging ------------------------------------------------------------------------------


def test_no_error_repr_or_log_line_contains_the_token_or_client_secret(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    access_token = "tok-ultra-5ecret"
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        "<html>token service down</html>", status=200, content_type="text/html"
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        envelope_json({"AccessToken": access_token, "ExpiresIn": "soon"}), content_type="application/json"
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        token_answer(access_token), content_type="application/json"
    )
    httpserver.expect_request(PROFILE).respond_with_data(
        wire_json.dumps(build_error_envelope(403, "Forbidden")), status=403, content_type="application/json"
    )
    creds = ApiKeyCredentials(API_KEY, CLIENT_ID, CLIENT_SECRET)
    with SyncAPIClient(base_url(httpserver), creds, pacing=NO_PACING) as client:
        seen += [repr(client), repr(creds), str(creds)]
        for _ in range(3):
            with pytest.raises(RedexError) as caught:
                client.request("accounts.get_profile")
            seen += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    seen.append(caplog.text)
    for text in seen:
        for secret in (access_token, API_KEY, CLIENT_SECRET):
            assert secret not in text, (secret, text)


def test_one_info_line_per_exchange_with_method_path_status(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(PROFILE).respond_with_data(envelope_json({}), content_type="application/json")
    caplog.set_level(logging.INFO, logger="airflow_provider_redex.client")
    with SyncAPIClient(base_url(httpserver), BearerToken("tok-log"), pacing=NO_PACING) as client:
        client.request("accounts.get_profile", params={"Search": "private"})
    ours = [record for record in caplog.records if record.name == "airflow_provider_redex.client"]
    assert [record.levelname for record in ours] == ["INFO"]
    line = ours[0].getMessage()
    assert line.startswith(f"REDEX GET {PROFILE} -> 200 in ")
    assert "tok-log" not in line and "private" not in line
