"""The sync transport: one route in, one :class:`~.envelope.Envelope` (or one ``RedexError``) out.

``request()`` reads like the steps of DESIGN.md: look the route up, prepare the request once, then
for each attempt (tenacity, rules in ``retry.py``) take a slot in the rate budget, add the bearer
token, send, and parse the envelope. A 401 on a renewable token is answered by one new token grant.

The request-building helpers here are shared with the async client, so both speak the same wire.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import requests.auth
import tenacity
from pydantic import BaseModel, SecretStr
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from airflow_provider_redex.client import retry, wire_json
from airflow_provider_redex.client.auth import Credentials, TokenCache
from airflow_provider_redex.client.constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, LOGGER_NAME
from airflow_provider_redex.client.envelope import Envelope, parse_response
from airflow_provider_redex.client.errors import (
    RedexAuthenticationError,
    RedexError,
    RedexInputError,
    RedexTimeoutError,
    RedexTransportError,
)
from airflow_provider_redex.client.models.auth import Token, TokenRequest
from airflow_provider_redex.client.pacing import PacingConfig, RateBudget
from airflow_provider_redex.client.paging import Paginator, page_params
from airflow_provider_redex.client.routes import Route, route

M = TypeVar("M", bound=BaseModel)
_C = TypeVar("_C", bound="SyncAPIClient")

TOKEN_ROUTE = "auth.token"
"""The grant that produces tokens: sent without one, and its answer is never quoted in errors."""

log = logging.getLogger(LOGGER_NAME)

Files = Mapping[str, tuple[str, bytes, str]]


# --- configuration checks -------------------------------------------------------------------------


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; plain ``http://`` only to a loopback host.

    TLS protects the bearer token; the sandbox on this machine is the one exception (DESIGN.md, Secrets).
    """
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return base_url.rstrip("/")
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return base_url.rstrip("/")
    rule = (
        "plain http:// is only allowed to a loopback host (127.0.0.0/8, ::1, localhost); use https://"
        if parts.scheme == "http"
        else "must be an https:// URL"
    )
    raise RedexInputError([("base_url", rule)], what="client configuration")


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_host(base_url: str) -> str:
    """REDEX's host and port as a rate-budget key part (UAT and production count apart)."""
    return urlsplit(base_url).netloc.lower()


def account_key_for(pacing: PacingConfig, credentials: Credentials) -> str:
    """The configured account identity, or a hash of the credentials (never the raw secret)."""
    return pacing.account_key or credentials.account_fingerprint


# --- request preparation (shared with the async client) ----------------------------------------------


@dataclass(frozen=True)
class PreparedCall:
    """Everything needed to send one route, computed once and reused by every attempt."""

    route: Route
    path: str
    query: list[tuple[str, str]]
    json_body: bytes | None
    form: Mapping[str, Any] | None
    files: Files | None

    @property
    def method(self) -> str:
        return self.route.method

    @property
    def sensitive(self) -> bool:
        return self.route.name == TOKEN_ROUTE

    def headers(self, token: SecretStr | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.json_body is not None:
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        return headers


def prepare_call(
    route_name: str,
    *,
    path_params: Mapping[str, object] | None = None,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    files: Files | None = None,
) -> PreparedCall:
    """Resolve the route and encode path, query and body (JSON, or multipart when ``files``)."""
    the_route = route(route_name)
    if files is not None and body is not None and not isinstance(body, Mapping):
        raise RedexInputError(
            [("body", "with files, the body must be a mapping of form fields")], what=route_name
        )
    return PreparedCall(
        route=the_route,
        path=format_path(the_route, path_params),
        query=encode_query(params),
        json_body=_json_body(body) if body is not None and files is None else None,
        form=body if files is not None else None,
        files=files,
    )


def _json_body(body: Any) -> bytes:
    """``bytes`` are JSON already encoded by ``wire_json`` (a push encodes each chunk once); anything
    else is encoded here."""
    return body if isinstance(body, bytes) else wire_json.encode(body)


def format_path(the_route: Route, path_params: Mapping[str, object] | None) -> str:
    """The route's path with each placeholder filled in, percent-encoded so an id cannot add a segment."""
    quoted = {name: quote(str(value), safe="") for name, value in (path_params or {}).items()}
    try:
        return the_route.format(**quoted)
    except KeyError as missing:
        raise RedexInputError(
            [(str(missing.args[0]), "path parameter is required")], what=the_route.name
        ) from None


def encode_query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Query pairs the way REDEX reads them: lists repeat the key, booleans are ``true``/``false``,
    ``None`` is left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, query_text(item)) for item in values if item is not None)
    return pairs


def query_text(value: Any) -> str:
    """One query value as text (enums by value, decimals exactly, dates in ISO form)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return query_text(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- transport errors ------------------------------------------------------------------------------


def transport_error(exc: requests.RequestException, method: str, path: str) -> RedexTransportError:
    """The client's error for a failed exchange, with ``request_sent`` set from what failed."""
    if isinstance(exc, requests.ConnectTimeout):
        return RedexTimeoutError("could not connect in time", method=method, path=path, request_sent=False)
    if isinstance(exc, requests.Timeout):
        return RedexTimeoutError(
            "no answer in time; REDEX may have acted on the request",
            method=method,
            path=path,
            request_sent=True,
        )
    if _never_connected(exc):
        return RedexTransportError(
            f"could not connect ({_cause(exc)})", method=method, path=path, request_sent=False
        )
    return RedexTransportError(
        f"the exchange failed after the request may have been sent ({_cause(exc)})",
        method=method,
        path=path,
        request_sent=True,
    )


def _never_connected(exc: BaseException) -> bool:
    """True only when the failure surely happened before any byte of the request left.

    Connection refused, DNS failure and connect timeouts surface from urllib3 as a ``MaxRetryError``
    whose reason is a ``ConnectTimeoutError`` (``NewConnectionError`` derives from it); a rejected
    certificate fails the handshake. Anything else (reset, remote disconnect) is ambiguous.
    """
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    if isinstance(reason, ConnectTimeoutError):
        return True
    return any(isinstance(link, ssl.SSLCertVerificationError) for link in _chain(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[Any] = [exc]
    while stack and len(seen) < 20:
        item = stack.pop()
        if isinstance(item, BaseException) and item not in seen:
            seen.append(item)
            stack.extend([item.__cause__, item.__context__, *item.args])
            stack.append(getattr(item, "reason", None))
    return seen


def _cause(exc: BaseException) -> str:
    innermost = _chain(exc)[-1]
    return f"{type(innermost).__name__}: {str(innermost)[:160]}"


# --- the client ----------------------------------------------------------------------------------------


class BearerAuth(requests.auth.AuthBase):
    """Sets the bearer header, or removes any ``Authorization`` for the token grant.

    Passed as ``auth=`` on every request so that it overrides whatever the session carries: a
    session from Airflow's HttpHook may hold basic auth built from the connection (whose password
    is the client secret), and without an explicit ``auth`` requests would also consult ``~/.netrc``.
    """

    def __init__(self, token: SecretStr | None) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        if self._token is not None:
            request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token={self._token!r})"


class SyncAPIClient:
    """Paced, retried, authenticated calls to REDEX routes over ``requests``.

    :param base_url: REDEX's base URL (``https://uat-api.redex.eco``); ``http://`` only to loopback.
    :param credentials: a :class:`~.auth.BearerToken` or :class:`~.auth.ApiKeyCredentials`.
    :param pacing: rate-budget settings; default: REDEX's documented limits in this process.
    :param session: a ``requests.Session`` to send with (e.g. Airflow's HttpHook's); it stays the
        caller's to close. TLS verification must be on.
    :param timeout: seconds to connect and seconds to wait for each read.
    :param max_retries: retries after the first attempt, for failures that ``retry.py`` allows.
    :param rate_budget: a budget built by the caller (to set its key prefix, or share one object);
        replaces ``pacing``.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        pacing: PacingConfig | None = None,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_budget: RateBudget | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        if self._session.verify is False and self.base_url.startswith("https"):
            raise RedexInputError(
                [("session.verify", "TLS verification must stay on; give a CA bundle path instead")],
                what="client configuration",
            )
        self._tokens = TokenCache(credentials)
        self.rate_budget = rate_budget or self._budget(pacing or PacingConfig())

    def _budget(self, pacing: PacingConfig) -> RateBudget:
        return RateBudget(
            pacing, api_host=api_host(self.base_url), account_key=account_key_for(pacing, self.credentials)
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- public contract ----------------------------------------------------------------------------

    def request(
        self,
        route_name: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Files | None = None,
    ) -> Envelope:
        """Send one route and return REDEX's envelope; raise a ``RedexError`` otherwise.

        :param path_params: values for the path's ``{placeholders}``.
        :param params: query parameters by wire name.
        :param body: JSON-ready data (``model.to_wire()``), ``bytes`` already encoded by ``wire_json``,
            or form fields when ``files`` is given.
        :param files: multipart parts: name -> ``(filename, content, content type)``.
        """
        call = prepare_call(route_name, path_params=path_params, params=params, body=body, files=files)
        retrying = tenacity.Retrying(**retry.tenacity_policy(call.method, self.max_retries))
        try:
            return retrying(self._send_authenticated, call)
        except RedexError as error:
            retry.note_attempts(error, retrying.statistics.get("attempt_number", 1))
            raise

    def paginate(
        self,
        route_name: str,
        item_model: type[M],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        items_per_page: int = 100,
    ) -> Paginator[M]:
        """Every item of a paged route, lazily: nothing is sent until iteration starts."""
        page_params(params, 1, items_per_page)  # refuse a bad page size now, not mid-iteration

        def fetch(page: int) -> Envelope:
            query = page_params(params, page, items_per_page)
            return self.request(route_name, path_params=path_params, params=query)

        return Paginator(fetch, item_model)

    def close(self) -> None:
        """Close the HTTP session, if this client opened it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- one attempt ----------------------------------------------------------------------------------

    def _send_authenticated(self, call: PreparedCall) -> Envelope:
        """Send with a bearer token; after a 401, get one new token and send once more."""
        if not call.route.authenticated:
            return self._send(call, None)
        token = self._tokens.bearer(self._fetch_token)
        try:
            return self._send(call, token)
        except RedexAuthenticationError:
            if not self._tokens.renewable:
                raise
            log.info("REDEX refused the access token; requesting a new one")
            self._tokens.invalidate(token)
            return self._send(call, self._tokens.bearer(self._fetch_token))

    def _fetch_token(self, grant: TokenRequest) -> Token:
        return self.request(TOKEN_ROUTE, body=grant.to_wire()).data_as(Token)

    def _send(self, call: PreparedCall, token: SecretStr | None) -> Envelope:
        self.rate_budget.acquire()
        started = time.monotonic()
        try:
            response = self._session.request(
                call.method,
                self.base_url + call.path,
                params=call.query,
                data=call.json_body if call.files is None else call.form,
                files=call.files,
                headers=call.headers(None),
                auth=BearerAuth(token),
                timeout=(self.timeout, self.timeout),
                # A redirect could lead the token elsewhere or to plain http; REDEX documents none.
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            error = transport_error(exc, call.method, call.path)
            _log_exchange(call, type(error).__name__, started)
            raise error from exc
        _log_exchange(call, response.status_code, started)
        return parse_response(
            method=call.method,
            path=call.path,
            status_code=response.status_code,
            body=response.content,
            retry_after=response.headers.get("Retry-After"),
            sensitive=call.sensitive,
        )


def _log_exchange(call: PreparedCall, outcome: object, started: float) -> None:
    """One INFO line per exchange: method, path, status, time. Never headers, query or body."""
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info("REDEX %s %s -> %s in %.0f ms", call.method, call.path, outcome, elapsed_ms)
