"""What every REDEX router shares: serving a route by its name, auth, paging and bodies.

Paths are never spelled in the sandbox: :func:`serve` looks the route up in
``client/routes.py`` and registers the handler on its path and every alias, so the
sandbox answers exactly where the client sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar, get_args, get_origin

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.envelope import page_meta_for
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.base import RequestModel, ResponseModel
from airflow_provider_redex.client.models.common import PageMeta, PageQuery
from airflow_provider_redex.client.routes import route
from airflow_provider_redex.sandbox.config import Account
from airflow_provider_redex.sandbox.responses import ApiError, error_element
from airflow_provider_redex.sandbox.runtime import Sandbox

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=RequestModel)
Q = TypeVar("Q", bound=RequestModel)

EXTRA_SCHEMAS: dict[str, Any] = {}
"""JSON schemas of the request models, merged into ``/openapi.json``'s components."""

_bearer = HTTPBearer(auto_error=False, description="A sandbox token, or one from the api_key grant")


def serve(
    router: APIRouter,
    name: str,
    *,
    body: type[BaseModel] | None = None,
    body_is_list: bool = False,
    query: type[BaseModel] | None = None,
    status_code: int = 200,
    summary: str | None = None,
) -> Callable[[F], F]:
    """Register the decorated handler for route ``name`` (path and aliases, one method).

    :param body: the client's request model, documented as the JSON body; the handler
        reads and validates the body itself with :func:`read_body` (``from_input``).
    :param query: the client's query model, documented as the query parameters; the handler
        validates with :func:`read_query`.
    """
    spec = route(name)
    extra: dict[str, Any] = _body_schema(body, body_is_list) if body is not None else {}
    if query is not None:
        extra["parameters"] = _query_parameters(query)
    # Where the path comes from (API_REFERENCE.md section 3): False when it is our choice.
    extra |= {"x-redex-ref": spec.ref, "x-redex-documented": spec.documented}

    def register(handler: F) -> F:
        for i, path in enumerate(spec.all_paths):
            router.add_api_route(
                path,
                handler,
                methods=[spec.method],
                name=name if i == 0 else f"{name}.alias{i}",
                operation_id=name if i == 0 else f"{name}.alias{i}",
                summary=summary or f"{spec.ref} {name}",
                status_code=status_code,
                openapi_extra=extra,
                response_model=None,
            )
        return handler

    return register


def _body_schema(model: type[BaseModel], as_list: bool) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    EXTRA_SCHEMAS.update(schema.pop("$defs", {}))
    EXTRA_SCHEMAS[model.__name__] = schema
    ref: dict[str, Any] = {"$ref": f"#/components/schemas/{model.__name__}"}
    body = {"type": "array", "items": ref} if as_list else ref
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


# --- who is asking ---------------------------------------------------------------------------


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def get_sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def current_account(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Account:
    """The business account of the bearer token; 401 without a valid one."""
    account = get_sandbox(request).accounts.resolve(bearer_token(request))
    if account is None:
        raise ApiError(401)
    return account


SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]
AccountDep = Annotated[Account, Depends(current_account)]


# --- bodies ----------------------------------------------------------------------------------


async def read_json(request: Request) -> Any:
    """The body as JSON with exact decimals; 400 when it is not JSON."""
    raw = await request.body()
    try:
        return wire_json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, errors=[error_element("InvalidJson", "the body is not valid JSON")]) from None


def validate(model: type[M], data: Any) -> M:
    """Validate with the client's model: the same rule, in the same place, for both sides."""
    try:
        return model.from_input(data)
    except RedexInputError as exc:
        raise ApiError(
            400, errors=[error_element("InvalidValue", rule, field) for field, rule in exc.problems]
        ) from None


async def read_body(request: Request, model: type[M]) -> M:
    return validate(model, await read_json(request))


async def read_list_body(request: Request, model: type[M]) -> list[M]:
    data = await read_json(request)
    if not isinstance(data, list):
        raise ApiError(400, errors=[error_element("InvalidValue", "the body must be a JSON array", None)])
    return [validate(model, item) for item in data]


# --- queries and pages -----------------------------------------------------------------------


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation) if arg is not type(None))


def read_query(request: Request, model: type[Q]) -> Q:
    """The query string validated by the client's query model; unknown keys are ignored,
    as REDEX (ASP.NET) ignores them. Array parameters repeat their key (``?Registries=A&Registries=B``)."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        found = request.query_params.getlist(key)
        if found:
            values[key] = found if _is_list(info.annotation) else found[-1]
    return validate(model, values)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    EXTRA_SCHEMAS.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    return [
        {
            "name": key,
            "in": "query",
            "required": key in required,
            "schema": prop,
            "style": "form",
            "explode": True,
        }
        for key, prop in schema.get("properties", {}).items()
    ]


def page_of(query: PageQuery, items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], PageMeta]:
    """``Search`` (case-insensitive, any text field) then the page ``CurrentPage`` asks for.

    ``OrderBy``/``IsDescending`` are accepted; lists keep creation order, since REDEX never
    documented which fields sort.
    """
    if query.search:
        needle = query.search.lower()
        items = [
            item
            for item in items
            if any(needle in str(v).lower() for v in item.values() if isinstance(v, str))
        ]
    start = (query.current_page - 1) * query.items_per_page
    meta = page_meta_for(query.current_page, query.items_per_page, len(items))
    return list(items[start : start + query.items_per_page]), meta


def emit(model: type[ResponseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked against the client's response model, then written as it dumps it:
    whatever the sandbox sends, the client can parse."""
    return model.model_validate(data).to_wire()
