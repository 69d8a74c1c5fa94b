"""The async transport on aiohttp, for triggers: it sends bytes, reads bytes and sleeps.

It is the sync transport's twin only in what touches the loop: the request, the retry policy, the
token state, the answer's meaning and the resources all come from the shared core, and the rate
budget comes through ``pacing.py``'s registries, so a task and a deferred sensor on one connection
draw from one budget and trust the same CA (:class:`~.http_settings.HttpSettings`).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from functools import cached_property
from types import TracebackType
from typing import Any, TypeVar, Unpack

import aiohttp
import tenacity
from pydantic import BaseModel, SecretStr

from airflow_provider_redex.client.calls import Call, PagedCall, PageOptions, Request
from airflow_provider_redex.client.core import ClientCore, Failure
from airflow_provider_redex.client.envelope import Envelope
from airflow_provider_redex.client.errors import RedexAuthenticationError
from airflow_provider_redex.client.facade import ApiAreas, Async
from airflow_provider_redex.client.pacing import AsyncRateBudget, PacingConfig
from airflow_provider_redex.client.paging import AsyncPaginator
from airflow_provider_redex.client.prepare import PreparedCall

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_C = TypeVar("_C", bound="AsyncAPIClient")

# aiohttp >= 3.10 tells a connect timeout from a read timeout; older versions raise one class.
_CONNECT_TIMEOUTS: tuple[type[BaseException], ...] = tuple(
    cls for cls in (getattr(aiohttp, "ConnectionTimeoutError", None),) if isinstance(cls, type)
)
_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError)


def classify_async(exc: BaseException) -> Failure:
    """What an aiohttp failure means for the request.

    ``ClientConnectorError`` covers refused connections, DNS, proxy and TLS handshake failures:
    nothing was sent. A disconnect, reset or broken payload after that is ambiguous.
    """
    if isinstance(exc, _CONNECT_TIMEOUTS):
        return Failure.CONNECT_TIMEOUT
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return Failure.READ_TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Failure.NOT_CONNECTED
    return Failure.AFTER_SENDING


def _form(call: PreparedCall) -> aiohttp.FormData:
    """A fresh multipart body (aiohttp consumes a ``FormData`` when it sends it)."""
    form = aiohttp.FormData()
    for name, value in (call.form or {}).items():
        form.add_field(name, str(value))
    for name, (filename, content, content_type) in (call.files or {}).items():
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form


class AsyncAPIClient(ClientCore[Coroutine[Any, Any, Envelope], aiohttp.ClientSession, AsyncRateBudget]):
    """Paced, retried, authenticated calls to REDEX routes over aiohttp.

    The constructor is :class:`~.core.ClientCore`'s, as for the sync client; ``session`` is an
    ``aiohttp.ClientSession``, and one the client opens itself is opened inside the running loop.
    """

    _awaits = True

    def _new_budget(self, pacing: PacingConfig, *, api_host: str, account_key: str) -> AsyncRateBudget:
        return AsyncRateBudget(pacing, api_host=api_host, account_key=account_key)

    def paginate(
        self, route_name: str, item_model: type[M], **options: Unpack[PageOptions]
    ) -> AsyncPaginator[M]:
        """Every item of a paged route, lazily: ``async for item in client.paginate(...)``."""
        return self._pages(PagedCall(route_name, item_model, **options))

    async def aclose(self) -> None:
        """Close the HTTP session, if this client opened it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- running the shared descriptions --------------------------------------------------------------

    async def _run(self, call: Call[T]) -> T:
        return call.decode(await self._send_request(call.request))

    def _pages(self, paged: PagedCall[M]) -> AsyncPaginator[M]:
        return AsyncPaginator(lambda number: self._send_request(paged.request_for(number)), paged.item_model)

    async def _send_request(self, request: Request) -> Envelope:
        call = self._prepare(request)
        result: Envelope = await tenacity.AsyncRetrying(**self._retry_policy(call))(self._attempt, call)
        return result

    async def _attempt(self, call: PreparedCall) -> Envelope:
        token = await self._bearer() if call.route.authenticated else None
        try:
            return await self._send(call, token)
        except RedexAuthenticationError as refused:
            self._forget(refused, token)
        return await self._send(call, await self._bearer())

    async def _bearer(self) -> SecretStr | None:
        async with self._token_lock():
            grant = self._grant()
            token = self._current_token() if grant is None else self._granted(await self._send_request(grant))
            while self._unfinished_masks:  # an async masker (amask_secret) finishes before the token is used
                await self._unfinished_masks.pop()
            return token

    @asynccontextmanager
    async def _token_lock(self) -> AsyncIterator[None]:
        if self._lock is None:  # made on first use, inside the loop that uses it
            self._lock = asyncio.Lock()
        async with self._lock:
            yield

    @cached_property
    def _ssl(self) -> ssl.SSLContext:
        return self.http.ssl_context()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=self.http.trust_env)
        return self._session

    async def _send(self, call: PreparedCall, token: SecretStr | None) -> Envelope:
        slot, _ = await self.rate_budget.take()
        started = time.monotonic()
        try:
            status, body, retry_after = await self._exchange(call, token)
        except _FAILURES as exc:
            raise self._failed(
                call, started, classify_async(exc), f"{type(exc).__name__}: {exc}"[:200]
            ) from exc
        await self.rate_budget.answered(slot, status)
        return self._answer(call, started, status, body, retry_after)

    async def _exchange(self, call: PreparedCall, token: SecretStr | None) -> tuple[int, bytes, str | None]:
        url = self.base_url + call.path
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=self.timeout)
        data: Any = _form(call) if call.files is not None else call.json_body
        async with self._get_session().request(
            call.method,
            url,
            params=call.query,
            data=data,
            headers=call.headers(token),
            timeout=timeout,
            ssl=self._ssl,
            proxy=self.http.proxy_for(url),
            allow_redirects=False,  # the token must not follow a redirect; REDEX documents none
        ) as response:
            return response.status, await response.read(), response.headers.get("Retry-After")


class AsyncRedexClient(AsyncAPIClient, ApiAreas[Async]):
    """The REDEX public API v2 for triggers: every resource of :class:`~.client.RedexClient`, awaited.

    The resources are the sync client's own definitions, run by this transport: ``await
    client.device_applications.get(id)``; paged lists are ``async for`` iterables. Use it as
    ``async with AsyncRedexClient(...)``.
    """
