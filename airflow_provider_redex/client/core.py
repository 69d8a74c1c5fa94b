"""The client core: every step of a REDEX exchange that is not I/O, shared by both transports.

The sync transport (``base_client.py``, requests, for tasks) and the async one
(``async_client.py``, aiohttp, for triggers) subclass :class:`ClientCore` and add only what
touches the network or the clock: send bytes, read bytes, sleep (pacing, backoff), hold a lock.
Everything they decide, they ask the core: the prepared request (``prepare.py``), the retry
policy (``retry.py``), the token state (``auth.py``), what an answer or a failure means
(``envelope.py`` and :func:`transport_failure`), and the one log line per exchange.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import SecretStr

from airflow_provider_redex.client import retry
from airflow_provider_redex.client.auth import Credentials, TokenState, secrets_of
from airflow_provider_redex.client.calls import Request
from airflow_provider_redex.client.constants import DEFAULT_MAX_RETRIES, LOGGER_NAME
from airflow_provider_redex.client.envelope import Envelope, parse_response
from airflow_provider_redex.client.errors import (
    RedexAuthenticationError,
    RedexInputError,
    RedexTimeoutError,
    RedexTransportError,
)
from airflow_provider_redex.client.http_settings import HttpSettings
from airflow_provider_redex.client.models.auth import Token
from airflow_provider_redex.client.pacing import PacingConfig
from airflow_provider_redex.client.prepare import (
    TOKEN_ROUTE,
    Files,
    PreparedCall,
    api_host,
    check_base_url,
    prepare_call,
)

log = logging.getLogger(LOGGER_NAME)

E = TypeVar("E")
"""What ``request()`` returns: an ``Envelope`` (sync) or an awaitable of one (async)."""
S = TypeVar("S")
B = TypeVar("B")

SecretCallback = Callable[[str], "Awaitable[None] | None"]
"""Called with each secret the client learns at run time (a granted token); may be async."""


class Failure(Enum):
    """How an exchange failed before an answer came, as far as the transport can tell."""

    CONNECT_TIMEOUT = "could not connect in time"
    NOT_CONNECTED = "could not connect"
    READ_TIMEOUT = "no answer in time; REDEX may have acted on the request"
    AFTER_SENDING = "the exchange failed after the request may have been sent"


def transport_failure(kind: Failure, cause: str, call: PreparedCall) -> RedexTransportError:
    """The client's error for a failed exchange; ``request_sent`` is false only when nothing left."""
    sent = kind in (Failure.READ_TIMEOUT, Failure.AFTER_SENDING)
    error_class = (
        RedexTimeoutError if kind in (Failure.CONNECT_TIMEOUT, Failure.READ_TIMEOUT) else RedexTransportError
    )
    message = kind.value if error_class is RedexTimeoutError else f"{kind.value} ({cause})"
    return error_class(message, method=call.method, path=call.path, request_sent=sent)


def account_key_for(pacing: PacingConfig, credentials: Credentials) -> str:
    """The configured account identity, or a hash of the credentials (never the raw secret)."""
    return pacing.account_key or credentials.account_fingerprint


def log_exchange(call: PreparedCall, outcome: object, started: float) -> None:
    """One INFO line per exchange: method, path, status, time. Never headers, query or body."""
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info("REDEX %s %s -> %s in %.0f ms", call.method, call.path, outcome, elapsed_ms)


class ClientCore(Generic[E, S, B]):
    """Configuration, decisions and token state of one client; no I/O.

    ``E`` is what ``request()`` returns, ``S`` the transport's session type and ``B`` its rate
    budget type; the constructor is this one for both transports.

    :param base_url: REDEX's base URL (``https://uat-api.redex.eco``); ``http://`` only to loopback.
    :param credentials: a :class:`~.auth.BearerToken` or :class:`~.auth.ApiKeyCredentials`.
    :param pacing: rate-budget settings; default: REDEX's documented limits in this process.
    :param session: a ``requests.Session`` / ``aiohttp.ClientSession`` to send with; it stays the
        caller's to close. The client's :class:`HttpSettings` are passed on every request, so they
        win over the session's. Without one, the client opens its own (the async client on first
        use, inside the running loop) and closes it when it is closed.
    :param timeout: seconds to connect and to wait for each read; overrides ``http.timeout``.
    :param max_retries: retries after the first attempt, for failures that ``retry.py`` allows.
    :param rate_budget: a budget built by the caller (to set its key prefix, or share one object);
        replaces ``pacing``.
    :param http: CA bundle, client certificate, proxies, ``trust_env`` (:class:`HttpSettings`).
    :param on_secret: called with each token the ``api_key`` grant returns (access and refresh),
        the moment it arrives, before it is used; the hooks pass Airflow's secret masker.
    """

    _awaits = False
    """Whether this transport awaits what ``on_secret`` returns (the async one does)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        pacing: PacingConfig | None = None,
        session: S | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        rate_budget: B | None = None,
        http: HttpSettings | None = None,
        on_secret: SecretCallback | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.credentials = credentials
        http = http or HttpSettings()
        self.http = http if timeout is None else replace(http, timeout=timeout)
        self.max_retries = max_retries if max_retries is not None else DEFAULT_MAX_RETRIES
        if getattr(session, "verify", None) is False:  # a requests session with TLS checks off
            raise RedexInputError(
                [("session.verify", "TLS verification must stay on; give a CA bundle path instead")],
                what="client configuration",
            )
        if on_secret is not None and inspect.iscoroutinefunction(on_secret) and not self._awaits:
            raise RedexInputError(
                [("on_secret", "the sync client calls it; pass a plain function (mask_secret)")],
                what="client configuration",
            )
        self._session = session
        self._owns_session = session is None
        self._tokens = TokenState(credentials)
        self._on_secret = on_secret
        self._unfinished_masks: list[Awaitable[None]] = []
        self._lock = self._new_lock()
        pacing = pacing or PacingConfig()
        self.rate_budget: B = rate_budget or self._new_budget(pacing, **self._budget_identity(pacing))

    def _new_budget(self, pacing: PacingConfig, *, api_host: str, account_key: str) -> B:
        raise NotImplementedError

    def _new_lock(self) -> Any:
        """The lock around the token state; ``None`` until the transport makes one."""
        return None

    @property
    def timeout(self) -> float:
        return self.http.timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- the public contract, written once ------------------------------------------------------------

    def request(
        self,
        route_name: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Files | None = None,
    ) -> E:
        """Send one route and return REDEX's envelope; raise a ``RedexError`` otherwise.

        The async client returns an awaitable of the envelope.

        :param path_params: values for the path's ``{placeholders}``.
        :param params: query parameters by wire name (lists repeat the key, ``None`` is dropped).
        :param body: JSON-ready data (``model.to_wire()``), JSON already encoded as ``bytes`` (sent
            as is), or form fields when ``files`` is given.
        :param files: multipart parts: name -> ``(filename, content, content type)``.
        """
        return self._send_request(Request(route_name, path_params, params, body, files))

    def _send_request(self, request: Request) -> E:
        raise NotImplementedError

    # -- decisions the transports ask for -------------------------------------------------------------

    def _budget_identity(self, pacing: PacingConfig) -> dict[str, str]:
        """The rate budget's key parts: REDEX's host and the business account."""
        return {"api_host": api_host(self.base_url), "account_key": account_key_for(pacing, self.credentials)}

    @staticmethod
    def _prepare(request: Request) -> PreparedCall:
        return prepare_call(request.route_name, **request.kwargs())

    def _retry_policy(self, call: PreparedCall) -> dict[str, Any]:
        """Keyword arguments for tenacity's ``Retrying`` / ``AsyncRetrying`` (rules in ``retry.py``)."""
        return retry.tenacity_policy(call.method, self.max_retries)

    def _grant(self) -> Request | None:
        """The token grant to send first, or ``None`` while the token is fresh (or not renewable)."""
        if self._tokens.current() is not None:
            return None
        return Request(TOKEN_ROUTE, body=self._tokens.grant_request().to_wire())

    def _current_token(self) -> SecretStr | None:
        return self._tokens.current()

    def _granted(self, envelope: Envelope) -> SecretStr:
        """Take a grant's answer: report its secrets first, then keep and return the access token."""
        token = envelope.data_as(Token)
        for secret in secrets_of(token):
            outcome = self._on_secret(secret) if self._on_secret is not None else None
            if inspect.isawaitable(outcome):
                self._unfinished_masks.append(outcome)
        return self._tokens.accept(token)

    def _forget(self, refused: RedexAuthenticationError, token: SecretStr | None) -> None:
        """After a 401: re-raise unless a new grant can help; otherwise drop the refused token."""
        if token is None or not self._tokens.renewable:
            raise refused
        log.info("REDEX refused the access token; requesting a new one")
        self._tokens.invalidate(token)

    def _answer(
        self, call: PreparedCall, started: float, status: int, body: bytes, retry_after: str | None
    ) -> Envelope:
        """Log the exchange and turn the answer into an envelope, or the error it means."""
        log_exchange(call, status, started)
        return parse_response(
            method=call.method,
            path=call.path,
            status_code=status,
            body=body,
            retry_after=retry_after,
            sensitive=call.sensitive,
        )

    def _failed(self, call: PreparedCall, started: float, kind: Failure, cause: str) -> RedexTransportError:
        """Log a failed exchange and return the error to raise."""
        error = transport_failure(kind, cause, call)
        log_exchange(call, type(error).__name__, started)
        return error
