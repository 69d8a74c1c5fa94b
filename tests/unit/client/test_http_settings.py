"""HttpSettings: one value for both transports; the connection's CA wins; TLS stays on."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest
import trustme

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.base_client import KeepAliveAdapter, SyncAPIClient, keep_alive_options
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.http_settings import HttpSettings


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


def test_tls_verification_cannot_be_turned_off() -> None:
    with pytest.raises(RedexInputError, match="verify"):
        HttpSettings(verify=False)


def test_a_missing_bundle_or_client_certificate_is_refused_before_any_request(tmp_path: Path) -> None:
    with pytest.raises(RedexInputError) as caught:
        HttpSettings(
            verify=str(tmp_path / "nope.pem"), cert=(str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))
        )
    assert [field for field, _ in caught.value.problems] == ["verify", "cert", "cert"]


def test_requests_gets_the_bundle_on_every_request_so_the_environment_cannot_win(bundle: Path) -> None:
    settings = HttpSettings(verify=str(bundle), proxies={"https": "http://proxy:3128"}, timeout=7)
    assert settings.requests_options() == {
        "verify": str(bundle),
        "timeout": (7, 7),
        "proxies": {"https": "http://proxy:3128"},
    }


def test_the_async_context_trusts_only_the_connections_bundle(
    bundle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    unrelated = tmp_path / "unrelated.pem"
    trustme.CA().cert_pem.write_to_path(str(unrelated))
    monkeypatch.setenv("SSL_CERT_FILE", str(unrelated))
    context = HttpSettings(verify=str(bundle)).ssl_context()
    assert len(context.get_ca_certs()) == 1
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_proxy_is_chosen_by_scheme_with_all_as_the_fallback() -> None:
    settings = HttpSettings(proxies={"all": "http://any:1", "https": "http://tls:2"})
    assert settings.proxy_for("https://uat-api.redex.eco/x") == "http://tls:2"
    assert settings.proxy_for("http://127.0.0.1:8000/x") == "http://any:1"
    assert HttpSettings().proxy_for("https://uat-api.redex.eco") is None


def test_the_client_timeout_overrides_the_settings_timeout() -> None:
    client = SyncAPIClient(
        "https://uat-api.redex.eco", BearerToken("t"), timeout=3, http=HttpSettings(timeout=9)
    )
    assert client.timeout == 3 and client.http.timeout == 3
    client.close()


def test_the_clients_own_session_keeps_idle_connections_alive() -> None:
    client = SyncAPIClient("https://uat-api.redex.eco", BearerToken("t"), http=HttpSettings(trust_env=False))
    session = client._get_session()
    assert isinstance(session.get_adapter("https://uat-api.redex.eco"), KeepAliveAdapter)
    assert session.trust_env is False
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in keep_alive_options()
    client.close()
