"""Business accounts and the tokens that name them.

A request is authenticated by ``Authorization: Bearer <token>``. Two kinds of token work:
the static tokens given on the command line (one per account, never expiring, like a
long-lived token pasted into an Airflow connection) and the access tokens the ``api_key``
grant hands out (expiring after 3600 sandbox seconds, API_REFERENCE.md 2.1), refreshable
with the refresh token that comes with them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from uuid import UUID

from airflow_provider_redex.sandbox.clock import SandboxClock
from airflow_provider_redex.sandbox.config import Account, SandboxConfig
from airflow_provider_redex.sandbox.ids import IdFactory

SCOPE = "REConnect_api REDEX_api REHash_api"


@dataclass(frozen=True)
class IssuedToken:
    """An access and refresh token pair, as the token resource reports it."""

    access_token: str
    refresh_token: str
    expires_in: int
    account: Account


@dataclass
class _Grant:
    account: Account
    expires_at: float


class AccountRegistry:
    """Who is who: accounts by id and by token, and the tokens the grant issued."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock, ids: IdFactory) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._clock = clock
        self._ids = ids
        self.accounts: tuple[Account, ...] = config.accounts
        self._by_id = {a.account_id: a for a in self.accounts}
        self._static = {a.token: a for a in self.accounts}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def by_id(self, account_id: UUID) -> Account | None:
        return self._by_id.get(account_id)

    def resolve(self, token: str | None) -> Account | None:
        """The account a bearer token belongs to, or ``None`` if it is unknown or expired."""
        if not token:
            return None
        static = self._static.get(token)
        if static is not None:
            return static
        with self._lock:
            grant = self._access.get(token)
            if grant is None or grant.expires_at <= self._clock.now():
                return None
            return grant.account

    def grant_api_key(self, api_key: str, client_id: str, client_secret: str) -> IssuedToken | None:
        """The ``api_key`` grant: all three credentials must belong to the same account."""
        for account in self.accounts:
            if (account.api_key, account.client_id, account.client_secret) == (
                api_key,
                client_id,
                client_secret,
            ):
                return self._issue(account)
        return None

    def grant_refresh(self, refresh_token: str, client_id: str, client_secret: str) -> IssuedToken | None:
        """The refresh grant (undocumented; our assumption, API_REFERENCE.md 2.3): the refresh
        token is used up and a new pair is issued."""
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.expires_at <= self._clock.now():
                return None
            if (grant.account.client_id, grant.account.client_secret) != (client_id, client_secret):
                return None
            del self._refresh[refresh_token]
        return self._issue(grant.account)

    def _issue(self, account: Account) -> IssuedToken:
        now = self._clock.now()
        access, refresh = self._ids.code(48), self._ids.code(48)
        with self._lock:
            self._access[access] = _Grant(account, now + self._config.scaled(self._config.token_ttl_seconds))
            self._refresh[refresh] = _Grant(
                account, now + self._config.scaled(self._config.refresh_ttl_seconds)
            )
        # ExpiresIn is reported in real seconds: that is how long the client may use the token.
        ttl = max(1, round(self._config.scaled(self._config.token_ttl_seconds)))
        return IssuedToken(access, refresh, ttl, account)

    def clear_grants(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()
