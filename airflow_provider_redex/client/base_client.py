"""The sync transport on ``requests``, for tasks: it sends bytes, reads bytes and sleeps.

Everything else is the core's (``core.py``): the request is prepared there, retried by its
policy, authenticated from its token state and parsed by its rules. What is left here is the
``requests`` session, the lock around the token, and telling which ``requests`` failures happened
before any byte left (:func:`classify`).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from types import TracebackType
from typing import Any, TypeVar, Unpack

import requests
import requests.auth
import tenacity
from pydantic import BaseModel, SecretStr
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from airflow_provider_redex.client.calls import Call, PagedCall, PageOptions, Request
from airflow_provider_redex.client.constants import PUSH_IN_FLIGHT, TCP_KEEPALIVE
from airflow_provider_redex.client.core import ClientCore, Failure, account_key_for
from airflow_provider_redex.client.envelope import Envelope
from airflow_provider_redex.client.errors import RedexAuthenticationError
from airflow_provider_redex.client.pacing import PacingConfig, RateBudget
from airflow_provider_redex.client.paging import Paginator
from airflow_provider_redex.client.pipeline import Pipeline
from airflow_provider_redex.client.prepare import PreparedCall, api_host, check_base_url

# check_base_url, account_key_for and api_host live in the core; they are re-exported here for
# the callers that imported them from this module (operators.certificates, the CLI).
__all__ = ["BearerAuth", "SyncAPIClient", "account_key_for", "api_host", "check_base_url", "classify"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
K = TypeVar("K")
_C = TypeVar("_C", bound="SyncAPIClient")


def classify(exc: requests.RequestException) -> Failure:
    """What a ``requests`` failure means for the request: sent, maybe sent, or surely not."""
    if isinstance(exc, requests.ConnectTimeout):
        return Failure.CONNECT_TIMEOUT
    if isinstance(exc, requests.Timeout):
        return Failure.READ_TIMEOUT
    return Failure.NOT_CONNECTED if _never_connected(exc) else Failure.AFTER_SENDING


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


def cause_of(exc: BaseException) -> str:
    """The innermost cause, short: what a user needs to see (certificate, refused, reset)."""
    innermost = _chain(exc)[-1]
    return f"{type(innermost).__name__}: {str(innermost)[:160]}"


class KeepAliveAdapter(HTTPAdapter):
    """Connections (direct and through a proxy) with TCP keep-alive probes on."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("socket_options", keep_alive_options())
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs.setdefault("socket_options", keep_alive_options())
        return super().proxy_manager_for(proxy, **kwargs)


def keep_alive_options() -> list[tuple[int, int, int]]:
    """urllib3's default socket options plus keep-alive, with what this platform can tune."""
    tuned = [
        (socket.IPPROTO_TCP, getattr(socket, name), value)
        for name, value in TCP_KEEPALIVE
        if hasattr(socket, name)
    ]
    return [*HTTPConnection.default_socket_options, (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1), *tuned]


class BearerAuth(requests.auth.AuthBase):
    """Sets the bearer header, or removes any ``Authorization`` for the token grant.

    Passed as ``auth=`` on every request so that it overrides whatever the session carries (a
    caller's session may hold basic auth); without an explicit ``auth`` requests would also
    consult ``~/.netrc``.
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


class SyncAPIClient(ClientCore[Envelope, requests.Session, RateBudget]):
    """Paced, retried, authenticated calls to REDEX routes over ``requests``.

    The constructor is :class:`~.core.ClientCore`'s: base URL, credentials, then ``pacing``,
    ``session`` (a ``requests.Session``), ``timeout``, ``max_retries``, ``rate_budget``, ``http``
    and ``on_secret``.
    """

    def _new_budget(self, pacing: PacingConfig, *, api_host: str, account_key: str) -> RateBudget:
        return RateBudget(pacing, api_host=api_host, account_key=account_key)

    def _new_lock(self) -> threading.Lock:
        return threading.Lock()

    def paginate(self, route_name: str, item_model: type[M], **options: Unpack[PageOptions]) -> Paginator[M]:
        """Every item of a paged route, lazily: nothing is sent until iteration starts.

        :param options: ``path_params``, ``params`` (filters by wire name), ``items_per_page``.
        """
        return self._pages(PagedCall(route_name, item_model, **options))

    def pipeline(self, depth: int = PUSH_IN_FLIGHT) -> Pipeline[K, T]:
        """Up to ``depth`` of this client's calls in flight at once (see ``pipeline.py``).

        ``pipe.submit(tag, lambda: client.generation.send_batch(body))``, then ``pipe.take()``
        answers in submission order. The workers share this client's session, budget and token.
        """
        self._get_session()  # made here, once, before any worker could race to make it
        return Pipeline(depth)

    def close(self) -> None:
        """Close the HTTP session, if this client opened it."""
        if self._owns_session and self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- running the shared descriptions --------------------------------------------------------------

    def _run(self, call: Call[T]) -> T:
        return call.decode(self._send_request(call.request))

    def _pages(self, paged: PagedCall[M]) -> Paginator[M]:
        return Paginator(lambda page: self._send_request(paged.request_for(page)), paged.item_model)

    def _send_request(self, request: Request) -> Envelope:
        call = self._prepare(request)
        return tenacity.Retrying(**self._retry_policy(call))(self._attempt, call)

    def _attempt(self, call: PreparedCall) -> Envelope:
        token = self._bearer() if call.route.authenticated else None
        try:
            return self._send(call, token)
        except RedexAuthenticationError as refused:
            self._forget(refused, token)
        return self._send(call, self._bearer())

    def _bearer(self) -> SecretStr | None:
        with self._lock:
            grant = self._grant()
            return self._current_token() if grant is None else self._granted(self._send_request(grant))

    def _get_session(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
            self._session.trust_env = self.http.trust_env
            for scheme in ("https://", "http://"):
                self._session.mount(scheme, KeepAliveAdapter())
        return self._session

    def _send(self, call: PreparedCall, token: SecretStr | None) -> Envelope:
        slot, _ = self.rate_budget.take()
        started = time.monotonic()
        try:
            response = self._get_session().request(
                call.method,
                self.base_url + call.path,
                params=call.query,
                data=call.json_body if call.files is None else call.form,
                files=call.files,
                headers=call.headers(None),
                auth=BearerAuth(token),
                # A redirect could lead the token elsewhere or to plain http; REDEX documents none.
                allow_redirects=False,
                **self.http.requests_options(),
            )
        except requests.RequestException as exc:
            raise self._failed(call, started, classify(exc), cause_of(exc)) from exc
        self.rate_budget.answered(slot, response.status_code)
        retry_after = response.headers.get("Retry-After")
        return self._answer(call, started, response.status_code, response.content, retry_after)
