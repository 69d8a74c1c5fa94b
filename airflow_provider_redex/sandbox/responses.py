"""How the sandbox answers: REDEX's envelope, written with exact decimals.

Every answer, success or error, goes through :func:`envelope` and :class:`RedexJSONResponse`,
so the ``{Data, Meta, Errors, StatusCode, Message}`` shape and the decimal encoding are decided
in one place (the client parses the same shape in ``client/envelope.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.envelope import build_envelope

MESSAGES: dict[int, str] = {
    200: "Success",
    201: "Success",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Rate limit exceeded",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
"""``Message`` per status, as the documented examples spell them (API_REFERENCE.md 1.2)."""


class RedexJSONResponse(Response):
    """JSON written by ``wire_json`` so a ``Decimal`` leaves as a number with its exact digits."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return wire_json.dumps(content).encode("utf-8")


def wire(value: Any) -> Any:
    """A model (or list of models) as its wire dict; plain data passes through unchanged.

    ``exclude_none`` is off: REDEX writes ``null`` for absent values (``VerificationUrl``,
    ``ProvinceCode``), and the samples show those keys.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, mode="python")
    if isinstance(value, Mapping):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [wire(item) for item in value]
    return value


def envelope(
    data: Any = None,
    *,
    status: int = 200,
    message: str | None = None,
    meta: Any = None,
    errors: Any = None,
) -> dict[str, Any]:
    """REDEX's standard envelope (API_REFERENCE.md 1.2), built by the client's own builder."""
    return build_envelope(
        wire(data),
        status_code=status,
        message=message if message is not None else MESSAGES.get(status, "Error"),
        meta=meta,
        errors=errors,
    )


def answer(
    data: Any = None,
    *,
    status: int = 200,
    message: str | None = None,
    meta: Any = None,
    errors: Any = None,
    headers: Mapping[str, str] | None = None,
) -> RedexJSONResponse:
    """An HTTP response carrying :func:`envelope`."""
    body = envelope(data, status=status, message=message, meta=meta, errors=errors)
    return RedexJSONResponse(body, status_code=status, headers=dict(headers or {}))


def error_element(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """One element of ``Errors``. REDEX never documented it; ``{Code, Message, Field}`` is our
    assumption (ARCHITECTURE.md), kept in this single function."""
    return {"Code": code, "Message": message, "Field": field}


class ApiError(Exception):
    """Raised anywhere in a handler; the app turns it into an envelope with this status.

    :param errors: ``Errors`` elements (see :func:`error_element`), or ``None`` as the
        documented 401/403/404/429 bodies have it.
    """

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message if message is not None else MESSAGES.get(status, "Error")
        self.errors = [dict(e) for e in errors] if errors is not None else None
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.message}")

    def response(self) -> RedexJSONResponse:
        return answer(status=self.status, message=self.message, errors=self.errors, headers=self.headers)


def bad_request(code: str, message: str, field: str | None = None, *, status: int = 400) -> ApiError:
    """A 400 (or 422) naming the rule that was broken."""
    return ApiError(status, errors=[error_element(code, message, field)])


def not_found() -> ApiError:
    return ApiError(404)


def forbidden() -> ApiError:
    return ApiError(403)
