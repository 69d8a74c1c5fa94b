"""Credentials, and the access-token cache of the ``api_key`` grant (API_REFERENCE.md 2).

Two ways to authenticate:

* :class:`BearerToken` — a token obtained elsewhere; sent as is, never renewed.
* :class:`ApiKeyCredentials` — API key, client id and client secret; the client asks
  ``POST /connect/token`` for an access token, keeps it until shortly before ``ExpiresIn``,
  and asks again once if REDEX answers 401 (the token was revoked or expired early).

:class:`TokenState` holds those decisions without any I/O; each transport sends the grant it
asks for, under its own lock (a thread lock for tasks, an ``asyncio.Lock`` for triggers).

Secrets are held as ``pydantic.SecretStr``: their ``repr`` and ``str`` show asterisks, so
printing credentials, a client or an error never leaks them.

Refresh tokens are not used. REDEX documents that the ``api_key`` grant returns one, but not
how to spend it (path, body and rotation are undocumented, API_REFERENCE.md 2.3 and 15.1). The
``api_key`` grant is always available to a client holding these credentials, so on expiry the
client simply runs it again: one documented call instead of one guessed. The refresh token is
still a secret: :func:`secrets_of` names it, with the access token, for the secret masker.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

from airflow_provider_redex.client.constants import TOKEN_REFRESH_MARGIN_SECONDS
from airflow_provider_redex.client.models.auth import Token, TokenRequest


def _secret(value: str | SecretStr) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


def _fingerprint(kind: str, *parts: str) -> str:
    """A short, stable, one-way identity for a rate-budget key (never the secret itself)."""
    digest = hashlib.sha256("\x1f".join((kind, *parts)).encode("utf-8")).hexdigest()
    return f"{kind}-{digest[:16]}"


@dataclass(frozen=True, init=False)
class BearerToken:
    """An access token obtained outside this client.

    :param token: the bearer token (a ``str`` or ``SecretStr``).
    """

    token: SecretStr

    def __init__(self, token: str | SecretStr) -> None:
        object.__setattr__(self, "token", _secret(token))
        if not self.token.get_secret_value():
            raise ValueError("the bearer token is empty")

    @property
    def account_fingerprint(self) -> str:
        """Default rate-budget identity. A new token is a new identity: set ``account_key`` to
        share one budget across token rotations."""
        return _fingerprint("bearer", self.token.get_secret_value())


@dataclass(frozen=True, init=False)
class ApiKeyCredentials:
    """What the ``api_key`` grant needs.

    :param api_key: the business-account user's API key (secret).
    :param client_id: the client application's id.
    :param client_secret: the client application's secret.
    """

    api_key: SecretStr
    client_id: str
    client_secret: SecretStr

    def __init__(self, api_key: str | SecretStr, client_id: str, client_secret: str | SecretStr) -> None:
        object.__setattr__(self, "api_key", _secret(api_key))
        object.__setattr__(self, "client_id", client_id)
        object.__setattr__(self, "client_secret", _secret(client_secret))

    @property
    def account_fingerprint(self) -> str:
        """Default rate-budget identity: an API key belongs to exactly one business account."""
        return _fingerprint("api_key", self.api_key.get_secret_value(), self.client_id)

    def token_request(self) -> TokenRequest:
        """The grant's body; :class:`~.errors.RedexInputError` if a value breaks the 36-char rule."""
        return TokenRequest.from_input(
            {
                "ApiKey": self.api_key.get_secret_value(),
                "ClientId": self.client_id,
                "ClientSecret": self.client_secret.get_secret_value(),
            }
        )


Credentials = BearerToken | ApiKeyCredentials


def refresh_deadline(token: Token, now: float) -> float:
    """When a token fetched at ``now`` (monotonic) must be replaced.

    A margin before ``ExpiresIn`` absorbs latency and clock skew; very short-lived tokens (as the
    sandbox may issue) keep half of their life.
    """
    margin = min(TOKEN_REFRESH_MARGIN_SECONDS, token.expires_in / 2)
    return now + token.expires_in - margin


class TokenState:
    """The access token of one set of credentials, as a state machine with no I/O.

    A transport asks :meth:`current`; ``None`` means a grant is due, so it sends
    :meth:`grant_request` on the token route and hands the answer to :meth:`accept`. After a 401
    it calls :meth:`invalidate` with the token REDEX refused. The transport holds the lock
    (a ``threading.Lock`` or an ``asyncio.Lock``) around these calls; the state itself is plain.

    :param credentials: a :class:`BearerToken` (always current) or :class:`ApiKeyCredentials`.
    :param clock: monotonic seconds; tests pass a fake.
    """

    def __init__(self, credentials: Credentials, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.credentials = credentials
        self._clock = clock
        self._value: SecretStr | None = None
        self._deadline = 0.0

    @property
    def renewable(self) -> bool:
        """Whether a 401 can be answered by asking for a new token."""
        return isinstance(self.credentials, ApiKeyCredentials)

    def current(self) -> SecretStr | None:
        """The token to send, or ``None`` when a grant must run first."""
        if isinstance(self.credentials, BearerToken):
            return self.credentials.token
        if self._value is not None and self._clock() < self._deadline:
            return self._value
        return None

    def grant_request(self) -> TokenRequest:
        """The body of the grant; only :class:`ApiKeyCredentials` can be renewed."""
        if not isinstance(self.credentials, ApiKeyCredentials):
            raise TypeError("a bearer token cannot be renewed")
        return self.credentials.token_request()

    def accept(self, token: Token) -> SecretStr:
        """Keep a granted token until shortly before it expires; return it."""
        self._value = SecretStr(token.access_token)
        self._deadline = refresh_deadline(token, self._clock())
        return self._value

    def invalidate(self, rejected: SecretStr) -> None:
        """Forget ``rejected`` — unless a newer token has already replaced it."""
        if self._value == rejected:
            self._value = None


def secrets_of(token: Token) -> tuple[str, ...]:
    """The values of a granted token that must be masked wherever logs are written."""
    return tuple(value for value in (token.access_token, token.refresh_token) if value)
