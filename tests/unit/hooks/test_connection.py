"""A `redex` connection mapped to client settings: credentials, pacing, URL, and errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken
from airflow_provider_redex.client.http_settings import HttpSettings
from airflow_provider_redex.client.pacing import PacingConfig, RatePolicy
from airflow_provider_redex.hooks.budget_store import default_storage_uri
from airflow_provider_redex.hooks.connection import (
    REDEX_EXTRA_KEYS,
    RedexConnectionError,
    client_settings,
)
from airflow_provider_redex.provider_info import CONN_FIELDS

TOKEN = "bearer-token-7c1e5d0a"
SECRET = "client-secret-4be2a913"
API_KEY = "4d7869f0-71cc-43d8-8b82-1f87db6eda2f"


@dataclass
class Conn:
    host: str | None = "https://uat-api.redex.eco"
    password: str | None = TOKEN
    port: int | None = None
    conn_id: str | None = "redex_uat"


def test_password_alone_is_a_bearer_token() -> None:
    settings = client_settings(Conn(), {})
    assert isinstance(settings.credentials, BearerToken)
    assert settings.credentials.token.get_secret_value() == TOKEN
    assert settings.secrets == (TOKEN,)


def test_api_key_and_client_id_make_the_password_the_client_secret() -> None:
    settings = client_settings(Conn(password=SECRET), {"api_key": API_KEY, "client_id": "client-1"})
    credentials = settings.credentials
    assert isinstance(credentials, ApiKeyCredentials)
    assert credentials.api_key.get_secret_value() == API_KEY
    assert credentials.client_id == "client-1"
    assert credentials.client_secret.get_secret_value() == SECRET
    assert set(settings.secrets) == {SECRET, API_KEY}


@pytest.mark.parametrize(
    ("extra", "missing"), [({"api_key": API_KEY}, "client_id"), ({"client_id": "c"}, "api_key")]
)
def test_half_an_api_key_grant_is_refused_naming_the_missing_extra(
    extra: dict[str, str], missing: str
) -> None:
    with pytest.raises(RedexConnectionError, match=f"{missing} is missing") as caught:
        client_settings(Conn(password=SECRET), extra)
    assert SECRET not in str(caught.value) and API_KEY not in str(caught.value)


def test_blank_grant_extras_mean_a_bearer_token() -> None:
    # The UI stores emptied fields as "" or null; they must not switch the grant.
    settings = client_settings(Conn(), {"api_key": "", "client_id": None})
    assert isinstance(settings.credentials, BearerToken)


def test_missing_password_is_refused() -> None:
    with pytest.raises(RedexConnectionError, match="has no password"):
        client_settings(Conn(password=None), {})


def test_missing_host_is_refused_with_an_example() -> None:
    with pytest.raises(RedexConnectionError, match=r"no host.*https://uat-api\.redex\.eco"):
        client_settings(Conn(host="  "), {})


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("https://uat-api.redex.eco/", None, "https://uat-api.redex.eco"),
        ("uat-api.redex.eco", None, "https://uat-api.redex.eco"),
        ("http://127.0.0.1", 8765, "http://127.0.0.1:8765"),
        ("http://127.0.0.1:8000", 9999, "http://127.0.0.1:8000"),
        ("http://example.com", None, "http://example.com"),
    ],
)
def test_host_becomes_the_base_url(host: str, port: int | None, expected: str) -> None:
    # A bare host means https; http:// is kept as written so the client can refuse it.
    assert client_settings(Conn(host=host, port=port), {}).base_url == expected


def test_no_pacing_extras_give_the_documented_redex_policy_in_a_shared_store() -> None:
    assert client_settings(Conn(), {}).pacing == PacingConfig(storage_uri=default_storage_uri())
    assert default_storage_uri() != "memory://"


def test_pacing_extras_are_parsed_from_json_numbers_and_from_strings() -> None:
    extra: dict[str, Any] = {
        "account_requests": "30",
        "account_window_seconds": 6,
        "ip_requests": 300,
        "ip_window_seconds": "30.5",
        "pacing_margin_seconds": "0",
        "rate_limit_storage": "redis://127.0.0.1:6379/3",
        "account_key": "solar-vn",
    }
    pacing = client_settings(Conn(), extra).pacing
    assert pacing == PacingConfig(
        account=RatePolicy(30, 6.0),
        ip=RatePolicy(300, 30.5),
        margin_seconds=0.0,
        storage_uri="redis://127.0.0.1:6379/3",
        account_key="solar-vn",
    )


def test_timeout_and_max_retries_reach_the_client_only_when_set() -> None:
    defaults = client_settings(Conn(), {}).client_options()
    assert set(defaults) == {"pacing", "http"} and defaults["http"] == HttpSettings()
    options = client_settings(Conn(), {"timeout": "12.5", "max_retries": 0}).client_options()
    assert options["http"].timeout == 12.5 and options["max_retries"] == 0


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("account_requests", "sixty", "whole number >= 1"),
        ("account_requests", 0, "whole number >= 1"),
        ("ip_requests", 2.5, "whole number >= 1"),
        ("max_retries", -1, "whole number >= 0"),
        ("max_retries", True, "whole number >= 0"),
        ("account_window_seconds", 0, "number > 0"),
        ("ip_window_seconds", "nan", "number > 0"),
        ("pacing_margin_seconds", -0.5, "number >= 0"),
        ("timeout", "soon", "number > 0"),
        ("rate_limit_storage", "127.0.0.1:6379", "storage URI"),
    ],
)
def test_bad_extras_are_refused_naming_the_extra_and_the_rule(key: str, value: Any, rule: str) -> None:
    with pytest.raises(RedexConnectionError) as caught:
        client_settings(Conn(), {key: value})
    assert f"extra {key} must be" in str(caught.value) and rule in str(caught.value)
    assert "'redex_uat'" in str(caught.value)


def test_settings_repr_shows_no_secret() -> None:
    settings = client_settings(Conn(password=SECRET), {"api_key": API_KEY, "client_id": "client-1"})
    assert SECRET not in repr(settings) and API_KEY not in repr(settings)
    assert "uat-api.redex.eco" in repr(settings)


def test_extra_keys_read_are_the_declared_conn_fields() -> None:
    assert set(CONN_FIELDS) == REDEX_EXTRA_KEYS


def test_http_extras_become_http_settings_and_leave_pacing_alone(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    extra = {"proxies": '{"https": "http://proxy:3128"}', "verify": str(bundle), "cert": str(bundle)}
    settings = client_settings(Conn(), extra | {"trust_env": "false", "timeout": "7"})
    assert settings.pacing == PacingConfig(storage_uri=default_storage_uri())
    assert settings.http == HttpSettings(
        verify=str(bundle),
        cert=str(bundle),
        proxies={"https": "http://proxy:3128"},
        trust_env=False,
        timeout=7,
    )
    assert settings.client_options()["http"] is settings.http


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ({"verify": False}, "cannot be turned off"),
        ({"verify": "false"}, "cannot be turned off"),
        ({"verify": "/no/such/ca.pem"}, "does not exist"),
        ({"cert": ["a.pem"]}, "pair of paths"),
        ({"proxies": "http://user:pw@proxy:3128"}, "mapping of scheme"),
        ({"trust_env": "maybe"}, "true or false"),
    ],
)
def test_bad_http_extras_are_refused_naming_the_extra(extra: dict[str, Any], rule: str) -> None:
    with pytest.raises(RedexConnectionError, match=rule) as caught:
        client_settings(Conn(), extra)
    assert "pw@" not in str(caught.value)
