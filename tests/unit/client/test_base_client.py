"""The core's pure parts: URL rules, request encoding, and mapping requests' failures."""

from __future__ import annotations

import ssl
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken
from airflow_provider_redex.client.base_client import SyncAPIClient, cause_of, classify
from airflow_provider_redex.client.core import account_key_for, transport_failure
from airflow_provider_redex.client.errors import RedexInputError, RedexTimeoutError, RedexTransportError
from airflow_provider_redex.client.pacing import PacingConfig
from airflow_provider_redex.client.prepare import check_base_url, encode_query, prepare_call


class Registry(str, Enum):
    IREC = "IREC"
    TIGR = "TIGR"


@pytest.mark.parametrize(
    "url",
    [
        "https://uat-api.redex.eco",
        "https://uat-api.redex.eco/",
        "http://127.0.0.1:8000",
        "http://127.5.6.7:8000",
        "http://localhost:8000",
        "http://LOCALHOST",
        "http://[::1]:8000",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert not check_base_url(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://uat-api.redex.eco",
        "http://10.0.0.5:8000",
        "http://128.0.0.1",
        "http://localhost.evil.com",
        "ftp://uat-api.redex.eco",
        "uat-api.redex.eco",
        "https://",
    ],
)
def test_plain_http_to_a_non_loopback_host_is_refused(url: str) -> None:
    with pytest.raises(RedexInputError, match="base_url"):
        check_base_url(url)


def test_client_refuses_non_loopback_http_before_any_request() -> None:
    with pytest.raises(RedexInputError, match="loopback"):
        SyncAPIClient("http://uat-api.redex.eco", BearerToken("t"))


def test_client_refuses_a_session_without_tls_verification() -> None:
    session = requests.Session()
    session.verify = False
    with pytest.raises(RedexInputError, match="TLS"):
        SyncAPIClient("https://uat-api.redex.eco", BearerToken("t"), session=session)


def test_query_lists_repeat_the_key_bools_are_lowercase_and_none_is_dropped() -> None:
    query = encode_query(
        {
            "Registries": [Registry.IREC, "TIGR", None],
            "IsDescending": True,
            "OnSale": False,
            "Search": None,
            "CurrentPage": 2,
            "Quantity": Decimal("1.500000"),
            "FromDate": date(2024, 1, 31),
            "DeviceId": UUID("12345678-1234-5678-1234-567812345678"),
        }
    )
    assert query == [
        ("Registries", "IREC"),
        ("Registries", "TIGR"),
        ("IsDescending", "true"),
        ("OnSale", "false"),
        ("CurrentPage", "2"),
        ("Quantity", "1.500000"),
        ("FromDate", "2024-01-31"),
        ("DeviceId", "12345678-1234-5678-1234-567812345678"),
    ]


def test_json_body_keeps_decimals_exact() -> None:
    call = prepare_call("generation.send_daily", body={"PeriodProductionInKWh": Decimal("0.123")})
    assert call.json_body == b'{"PeriodProductionInKWh":0.123}'
    assert call.headers(None)["Content-Type"] == "application/json"
    assert "Authorization" not in call.headers(None)


def test_a_bytes_body_is_already_encoded_json_and_is_sent_as_is() -> None:
    encoded = b'{"RemoteInvId":"INV-1","Data":[]}'
    call = prepare_call("generation.send_daily", body=encoded)
    assert call.json_body is encoded
    assert call.headers(None)["Content-Type"] == "application/json"


def test_path_params_are_filled_and_cannot_add_a_segment() -> None:
    call = prepare_call("device_applications.get", path_params={"deviceApplicationId": "../../profile"})
    assert call.path == "/public/v2/device-applications/..%2F..%2Fprofile"


def test_missing_path_param_is_refused_naming_it() -> None:
    with pytest.raises(RedexInputError, match="deviceApplicationId"):
        prepare_call("device_applications.get")


def test_unknown_route_names_the_key() -> None:
    with pytest.raises(KeyError, match=r"no_such\.route"):
        prepare_call("no_such.route")


def test_files_go_multipart_with_form_fields() -> None:
    call = prepare_call(
        "documents.upload", body={"Kind": "ODF"}, files={"File": ("odf.pdf", b"%PDF", "application/pdf")}
    )
    assert call.json_body is None and call.form == {"Kind": "ODF"}
    assert "Content-Type" not in call.headers(None)


def test_token_route_is_sensitive_and_unauthenticated() -> None:
    call = prepare_call("auth.token", body={})
    assert call.sensitive and not call.route.authenticated


def _connection_error(reason: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, "/p", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "cls", "sent"),
    [
        (requests.ConnectTimeout("connect timed out"), RedexTimeoutError, False),
        (requests.ReadTimeout("read timed out"), RedexTimeoutError, True),
        (_connection_error(NewConnectionError(None, "refused")), RedexTransportError, False),  # type: ignore[arg-type]
        (_connection_error(NameResolutionError("h", None, OSError("dns"))), RedexTransportError, False),  # type: ignore[arg-type]
        (
            requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
            RedexTransportError,
            True,
        ),
        (
            requests.ConnectionError(ProtocolError("Connection aborted.", OSError("Remote end closed"))),
            RedexTransportError,
            True,
        ),
        (requests.exceptions.SSLError(ssl.SSLCertVerificationError("bad cert")), RedexTransportError, False),
        (requests.exceptions.SSLError(ssl.SSLEOFError("eof")), RedexTransportError, True),
        (requests.exceptions.ChunkedEncodingError("broken"), RedexTransportError, True),
    ],
)
def test_requests_failures_map_to_transport_errors_with_request_sent(
    exc: requests.RequestException, cls: type[RedexTransportError], sent: bool
) -> None:
    call = prepare_call("generation.send_daily", body={})
    error = transport_failure(classify(exc), cause_of(exc), call)
    assert type(error) is cls
    assert error.request_sent is sent
    assert f"POST {call.path}" in str(error)


def test_account_key_defaults_to_a_credential_hash() -> None:
    creds = ApiKeyCredentials("k" * 36, "client", "s" * 36)
    assert account_key_for(PacingConfig(), creds) == creds.account_fingerprint
    assert account_key_for(PacingConfig(account_key="acme"), creds) == "acme"


def test_client_repr_shows_no_secret() -> None:
    with SyncAPIClient("https://uat-api.redex.eco", ApiKeyCredentials("key-1", "cid", "sec-1")) as client:
        assert "key-1" not in repr(client) and "sec-1" not in repr(client)
