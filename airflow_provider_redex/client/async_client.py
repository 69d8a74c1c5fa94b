"""The async transport on aiohttp, for triggers: the same contract as ``base_client.py``, awaited.

It shares with the sync client the request preparation, the envelope parsing, the retry rules
and — through ``pacing.py``'s registries — the rate budget, so a task and a deferred sensor on one
connection draw from one budget. :class:`AsyncRedexClient` adds the status GETs triggers poll.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import aiohttp
import tenacity
from pydantic import BaseModel, SecretStr

from airflow_provider_redex.client import retry
from airflow_provider_redex.client.auth import AsyncTokenCache, Credentials
from airflow_provider_redex.client.base_client import (
    TOKEN_ROUTE,
    Files,
    PreparedCall,
    account_key_for,
    api_host,
    check_base_url,
    prepare_call,
)
from airflow_provider_redex.client.constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, LOGGER_NAME
from airflow_provider_redex.client.envelope import Envelope, parse_response
from airflow_provider_redex.client.errors import (
    RedexAuthenticationError,
    RedexError,
    RedexTimeoutError,
    RedexTransportError,
)
from airflow_provider_redex.client.models.auth import Token, TokenRequest
from airflow_provider_redex.client.pacing import AsyncRateBudget, PacingConfig
from airflow_provider_redex.client.paging import AsyncPaginator, page_params

if TYPE_CHECKING:
    from airflow_provider_redex.client.models.devices import DeviceApplication
    from airflow_provider_redex.client.models.generation import GenerationProcess
    from airflow_provider_redex.client.models.rec_applications import RecApplication
    from airflow_provider_redex.client.models.retirements import RetirementApplication

M = TypeVar("M", bound=BaseModel)
_C = TypeVar("_C", bound="AsyncAPIClient")

log = logging.getLogger(LOGGER_NAME)

# aiohttp >= 3.10 tells a connect timeout from a read timeout; older versions raise one class.
_CONNECT_TIMEOUTS: tuple[type[BaseException], ...] = tuple(
    cls for cls in (getattr(aiohttp, "ConnectionTimeoutError", None),) if isinstance(cls, type)
)


def async_transport_error(exc: BaseException, method: str, path: str) -> RedexTransportError:
    """The client's error for a failed aiohttp exchange, with ``request_sent`` set from what failed.

    ``ClientConnectorError`` covers refused connections, DNS and TLS handshake failures: nothing
    was sent. A disconnect, reset or broken payload after that is ambiguous.
    """
    if isinstance(exc, _CONNECT_TIMEOUTS):
        return RedexTimeoutError("could not connect in time", method=method, path=path, request_sent=False)
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return RedexTimeoutError(
            "no answer in time; REDEX may have acted on the request",
            method=method,
            path=path,
            request_sent=True,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return RedexTransportError(
            f"could not connect ({type(exc).__name__})", method=method, path=path, request_sent=False
        )
    return RedexTransportError(
        f"the exchange failed after the request may have been sent ({type(exc).__name__}: {str(exc)[:160]})",
        method=method,
        path=path,
        request_sent=True,
    )


def _form(call: PreparedCall) -> aiohttp.FormData:
    """A fresh multipart body (aiohttp consumes a ``FormData`` when it sends it)."""
    form = aiohttp.FormData()
    for name, value in (call.form or {}).items():
        form.add_field(name, str(value))
    for name, (filename, content, content_type) in (call.files or {}).items():
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form


class AsyncAPIClient:
    """Paced, retried, authenticated calls to REDEX routes over aiohttp.

    :param base_url: REDEX's base URL; ``http://`` only to loopback.
    :param credentials: a :class:`~.auth.BearerToken` or :class:`~.auth.ApiKeyCredentials`.
    :param pacing: rate-budget settings; default: REDEX's documented limits in this process.
    :param session: an ``aiohttp.ClientSession``; it stays the caller's to close. Without one, the
        client opens its own on first use (inside the running loop) and closes it in :meth:`aclose`.
    :param timeout: seconds to connect and seconds to wait for each read.
    :param max_retries: retries after the first attempt, for failures that ``retry.py`` allows.
    :param rate_budget: a budget built by the caller; replaces ``pacing``.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        pacing: PacingConfig | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_budget: AsyncRateBudget | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries
        self._session = session
        self._owns_session = session is None
        self._tokens = AsyncTokenCache(credentials)
        self.rate_budget = rate_budget or self._budget(pacing or PacingConfig())

    def _budget(self, pacing: PacingConfig) -> AsyncRateBudget:
        return AsyncRateBudget(
            pacing, api_host=api_host(self.base_url), account_key=account_key_for(pacing, self.credentials)
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- public contract ----------------------------------------------------------------------------

    async def request(
        self,
        route_name: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Files | None = None,
    ) -> Envelope:
        """Send one route and return REDEX's envelope; raise a ``RedexError`` otherwise."""
        call = prepare_call(route_name, path_params=path_params, params=params, body=body, files=files)
        retrying = tenacity.AsyncRetrying(**retry.tenacity_policy(call.method, self.max_retries))
        try:
            result: Envelope = await retrying(self._send_authenticated, call)
        except RedexError as error:
            retry.note_attempts(error, retrying.statistics.get("attempt_number", 1))
            raise
        return result

    def paginate(
        self,
        route_name: str,
        item_model: type[M],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        items_per_page: int = 100,
    ) -> AsyncPaginator[M]:
        """Every item of a paged route, lazily: ``async for item in client.paginate(...)``."""
        page_params(params, 1, items_per_page)

        async def fetch(page: int) -> Envelope:
            query = page_params(params, page, items_per_page)
            return await self.request(route_name, path_params=path_params, params=query)

        return AsyncPaginator(fetch, item_model)

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

    # -- one attempt ----------------------------------------------------------------------------------

    async def _send_authenticated(self, call: PreparedCall) -> Envelope:
        """Send with a bearer token; after a 401, get one new token and send once more."""
        if not call.route.authenticated:
            return await self._send(call, None)
        token = await self._tokens.bearer(self._fetch_token)
        try:
            return await self._send(call, token)
        except RedexAuthenticationError:
            if not self._tokens.renewable:
                raise
            log.info("REDEX refused the access token; requesting a new one")
            await self._tokens.invalidate(token)
            return await self._send(call, await self._tokens.bearer(self._fetch_token))

    async def _fetch_token(self, grant: TokenRequest) -> Token:
        envelope = await self.request(TOKEN_ROUTE, body=grant.to_wire())
        return envelope.data_as(Token)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _send(self, call: PreparedCall, token: SecretStr | None) -> Envelope:
        await self.rate_budget.acquire()
        started = time.monotonic()
        try:
            status, body, retry_after = await self._exchange(call, token)
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:
            error = async_transport_error(exc, call.method, call.path)
            _log_exchange(call, type(error).__name__, started)
            raise error from exc
        _log_exchange(call, status, started)
        return parse_response(
            method=call.method,
            path=call.path,
            status_code=status,
            body=body,
            retry_after=retry_after,
            sensitive=call.sensitive,
        )

    async def _exchange(self, call: PreparedCall, token: SecretStr | None) -> tuple[int, bytes, str | None]:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=self.timeout)
        data: Any = _form(call) if call.files is not None else call.json_body
        async with self._get_session().request(
            call.method,
            self.base_url + call.path,
            params=call.query,
            data=data,
            headers=call.headers(token),
            timeout=timeout,
            allow_redirects=False,  # the token must not follow a redirect; REDEX documents none
        ) as response:
            return response.status, await response.read(), response.headers.get("Retry-After")


def _log_exchange(call: PreparedCall, outcome: object, started: float) -> None:
    """One INFO line per exchange: method, path, status, time. Never headers, query or body."""
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info("REDEX %s %s -> %s in %.0f ms", call.method, call.path, outcome, elapsed_ms)


# --- the async facade: the reads triggers poll ---------------------------------------------------------


class _AsyncResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client


class AsyncDeviceApplications(_AsyncResource):
    async def get(self, device_application_id: UUID | str) -> DeviceApplication:
        """D3: one device application, with its status and ``DeviceId`` once approved."""
        from airflow_provider_redex.client.models.devices import DeviceApplication

        envelope = await self._client.request(
            "device_applications.get", path_params={"deviceApplicationId": device_application_id}
        )
        return envelope.data_as(DeviceApplication)


class AsyncGeneration(_AsyncResource):
    async def get_process(self, process_id: int) -> GenerationProcess:
        """G4: the processing status of a generation-data submission."""
        from airflow_provider_redex.client.models.generation import GenerationProcess

        envelope = await self._client.request("generation.get_process", params={"ProcessId": process_id})
        return envelope.data_as(GenerationProcess)


class AsyncRecApplications(_AsyncResource):
    async def get(self, rec_application_id: UUID | str) -> RecApplication:
        """R2: one REC issuance application."""
        from airflow_provider_redex.client.models.rec_applications import RecApplication

        envelope = await self._client.request(
            "rec_applications.get", path_params={"recApplicationId": rec_application_id}
        )
        return envelope.data_as(RecApplication)


class AsyncRetirements(_AsyncResource):
    async def get(self, retirement_application_id: UUID | str) -> RetirementApplication:
        """T3: one retirement application."""
        from airflow_provider_redex.client.models.retirements import RetirementApplication

        envelope = await self._client.request(
            "retirements.get", path_params={"retirementApplicationId": retirement_application_id}
        )
        return envelope.data_as(RetirementApplication)


class AsyncRedexClient(AsyncAPIClient):
    """The async client triggers use: GET-only status reads, one attribute per API area.

    Same constructor as :class:`AsyncAPIClient`; use it as ``async with AsyncRedexClient(...)``.
    """

    @cached_property
    def device_applications(self) -> AsyncDeviceApplications:
        return AsyncDeviceApplications(self)

    @cached_property
    def generation(self) -> AsyncGeneration:
        return AsyncGeneration(self)

    @cached_property
    def rec_applications(self) -> AsyncRecApplications:
        return AsyncRecApplications(self)

    @cached_property
    def retirements(self) -> AsyncRetirements:
        return AsyncRetirements(self)
