"""Credentials never show their secrets; the token state asks for a grant only when it must."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from airflow_provider_redex.client.auth import (
    ApiKeyCredentials,
    BearerToken,
    TokenState,
    refresh_deadline,
    secrets_of,
)
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.auth import Token, TokenRequest

API_KEY = "4d7869f0-71cc-43d8-8b82-1f87db6eda2f"
CLIENT_ID = "3Yj1rQvcDGYXqXtaxDNyWaNkWPUAwJ"
SECRET = "fNDq3vGM26wzOqr9OMUXQkxdG5J3$o"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Grants:
    """A fake token endpoint: counts grants and hands out tok-1, tok-2, ..."""

    def __init__(self, expires_in: int | str = 3600) -> None:
        self.requests: list[TokenRequest] = []
        self.expires_in = expires_in

    def __call__(self, grant: TokenRequest) -> Token:
        self.requests.append(grant)
        return Token.model_validate(
            {"AccessToken": f"tok-{len(self.requests)}", "ExpiresIn": self.expires_in}
        )


def credentials() -> ApiKeyCredentials:
    return ApiKeyCredentials(API_KEY, CLIENT_ID, SECRET)


def test_repr_and_str_of_credentials_hide_every_secret() -> None:
    for shown in (
        repr(credentials()),
        str(credentials()),
        repr(BearerToken("tok-abc")),
        str(BearerToken("tok-abc")),
    ):
        assert API_KEY not in shown and SECRET not in shown and "tok-abc" not in shown


def test_token_models_hide_secrets_in_repr_but_send_them() -> None:
    grant = credentials().token_request()
    assert SECRET not in repr(grant) and API_KEY not in repr(grant)
    assert grant.to_wire() == {
        "ApiKey": API_KEY,
        "GrantType": "api_key",
        "ClientId": CLIENT_ID,
        "ClientSecret": SECRET,
    }
    token = Token.model_validate({"AccessToken": "tok-x", "RefreshToken": "ref-y", "ExpiresIn": "3600"})
    assert "tok-x" not in repr(token) and "ref-y" not in repr(token)
    assert token.expires_in == 3600


def test_overlong_credentials_are_refused_without_quoting_them() -> None:
    too_long = "s" * 40
    with pytest.raises(RedexInputError) as caught:
        ApiKeyCredentials(API_KEY, CLIENT_ID, too_long).token_request()
    assert "ClientSecret" in str(caught.value)
    assert too_long not in str(caught.value)


def test_fingerprint_is_stable_distinct_and_not_the_secret() -> None:
    assert credentials().account_fingerprint == credentials().account_fingerprint
    assert API_KEY not in credentials().account_fingerprint
    other = ApiKeyCredentials("another-key", CLIENT_ID, SECRET)
    assert other.account_fingerprint != credentials().account_fingerprint
    assert BearerToken("a").account_fingerprint != BearerToken("b").account_fingerprint
    assert "tok" not in BearerToken("tok").account_fingerprint.split("-", 1)[1]


def test_empty_bearer_token_is_refused() -> None:
    with pytest.raises(ValueError):
        BearerToken("")


def bearer(state: TokenState, grants: Grants) -> SecretStr:
    """What a transport does under its lock: the current token, or a grant's answer."""
    return state.current() or state.accept(grants(state.grant_request()))


def test_bearer_token_is_used_as_is_and_never_renewed() -> None:
    state = TokenState(BearerToken("tok-static"))
    grants = Grants()
    assert bearer(state, grants).get_secret_value() == "tok-static"
    assert not state.renewable
    assert grants.requests == []
    with pytest.raises(TypeError):
        state.grant_request()


def test_token_is_cached_across_calls() -> None:
    state = TokenState(credentials(), clock=Clock())
    grants = Grants()
    assert state.current() is None
    assert {bearer(state, grants).get_secret_value() for _ in range(5)} == {"tok-1"}
    assert len(grants.requests) == 1


def test_token_is_renewed_shortly_before_it_expires() -> None:
    clock = Clock()
    state = TokenState(credentials(), clock=clock)
    grants = Grants(expires_in=3600)
    bearer(state, grants)
    clock.now += 3600 - 61
    assert bearer(state, grants).get_secret_value() == "tok-1"
    clock.now += 2
    assert bearer(state, grants).get_secret_value() == "tok-2"


def test_short_lived_tokens_keep_half_their_life() -> None:
    token = Token.model_validate({"AccessToken": "t", "ExpiresIn": 10})
    assert refresh_deadline(token, 100.0) == 105.0


def test_invalidate_forgets_only_the_rejected_token() -> None:
    state = TokenState(credentials(), clock=Clock())
    grants = Grants()
    first = bearer(state, grants)
    state.invalidate(first)
    second = bearer(state, grants)
    assert second.get_secret_value() == "tok-2"
    state.invalidate(first)  # a late 401 for the old token must not throw away the new one
    assert bearer(state, grants) == second
    assert len(grants.requests) == 2


def test_the_secrets_of_a_grant_are_the_access_and_the_refresh_token() -> None:
    token = Token.model_validate({"AccessToken": "a-1", "RefreshToken": "r-1", "ExpiresIn": 60})
    assert secrets_of(token) == ("a-1", "r-1")
    assert secrets_of(Token.model_validate({"AccessToken": "a-2", "ExpiresIn": 60})) == ("a-2",)
