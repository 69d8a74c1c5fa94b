"""The app factory: REDEX's routes behind a gateway that authenticates, limits and misbehaves.

Request flow for a REDEX route (paths under the route table's common prefix)::

    arrival -> time-driven transitions (tick) -> rate limit (both policies, counted now)
            -> injected faults (latency, 429, 5xx) -> handler (401/403/404/400 inside)
            -> injected connection drop

``/sandbox/`` (admin), ``/blobs/`` (files) and the OpenAPI pages are not REDEX and are
never counted, limited or faulted.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response, StreamingResponse

from airflow_provider_redex.client.routes import ROUTES
from airflow_provider_redex.sandbox import admin, blobs
from airflow_provider_redex.sandbox.api import ROUTERS
from airflow_provider_redex.sandbox.api._routing import EXTRA_SCHEMAS, bearer_token
from airflow_provider_redex.sandbox.config import SandboxConfig
from airflow_provider_redex.sandbox.responses import ApiError, answer, error_element
from airflow_provider_redex.sandbox.runtime import Sandbox
from airflow_provider_redex.sandbox.server import abort_connection

API_PREFIX = os.path.commonpath([r.path for r in ROUTES.values()])
"""The REDEX part of the URL space, taken from the route table rather than spelled here."""

Handler = Callable[[Request], Awaitable[Response]]


def create_app(config: SandboxConfig | None = None) -> FastAPI:
    """A fresh sandbox app with its own state."""
    config = config or SandboxConfig()
    app = FastAPI(
        title="REDEX sandbox",
        version="2.0-sandbox",
        description="A stateful local simulator of the REDEX public API v2 (airflow-provider-redex).",
    )
    app.state.sandbox = Sandbox(config)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(admin.router)
    app.include_router(blobs.router)
    _in_route_table_order(app)
    _install_error_handlers(app)
    app.middleware("http")(_gateway)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _in_route_table_order(app: FastAPI) -> None:
    """Match REDEX routes in the route table's order, which puts fixed paths (``.../beneficiaries``)
    before their parametrised siblings (``.../{retirementApplicationId}``)."""
    order = {name: i for i, name in enumerate(ROUTES)}

    def position(route: object) -> int:
        name = str(getattr(route, "name", "")).split(".alias")[0]
        return order.get(name, len(order))

    app.router.routes.sort(key=position)


async def _gateway(request: Request, call_next: Handler) -> Response:
    if not request.url.path.startswith(API_PREFIX):
        return await call_next(request)
    sandbox: Sandbox = request.app.state.sandbox
    sandbox.requests[f"{request.method} {request.url.path}"] += 1
    sandbox.tick()
    account = sandbox.accounts.resolve(bearer_token(request))
    ip = request.client.host if request.client else "unknown"
    verdict = sandbox.limiter.check(ip, str(account.account_id) if account else None)
    if verdict.refused:
        return answer(status=429, headers={"Retry-After": str(verdict.retry_after)})
    plan = sandbox.faults.plan()
    if plan.latency:
        await asyncio.sleep(plan.latency)
    if plan.throttle:
        return answer(status=429, headers={"Retry-After": str(plan.retry_after)})
    if plan.error is not None:
        return answer(status=plan.error)
    response = await call_next(request)
    if plan.drop and not await abort_connection(request.scope):
        return _broken_response()
    return response


def _broken_response() -> Response:
    """Fallback drop under a foreign ASGI server: headers go out, then the body breaks off."""

    async def body() -> Any:
        yield b"{"
        raise ConnectionAbortedError("sandbox fault: connection dropped")

    return StreamingResponse(body(), media_type="application/json")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return answer(status=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> Response:
        errors = [
            error_element("InvalidValue", str(err.get("msg", "invalid")), _field(err.get("loc", ())))
            for err in exc.errors()
        ]
        return answer(status=400, errors=errors)

    @app.exception_handler(Exception)
    async def _crash(
        _: Request, exc: Exception
    ) -> Response:  # pragma: no cover - a bug, shown as REDEX would
        return answer(status=500, errors=[error_element("InternalError", type(exc).__name__)])


def _field(loc: Any) -> str | None:
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header")]
    return ".".join(parts) or None


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the request-model schemas registered by the routers."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(EXTRA_SCHEMAS)
    app.openapi_schema = schema
    return schema
