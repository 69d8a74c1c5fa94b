"""Sans-IO request preparation: a route name and Python values in, the bytes to send out.

Both transports send what :func:`prepare_call` returns and nothing else, so the sync client (tasks)
and the async client (triggers) cannot speak two dialects: one path encoding, one query encoding,
one JSON encoder, one header set. The base-URL rule lives here for the same reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import SecretStr

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.routes import Route, route

TOKEN_ROUTE = "auth.token"
"""The grant that produces tokens: sent without one, and its answer is never quoted in errors."""

Files = Mapping[str, tuple[str, bytes, str]]
"""Multipart parts: field name -> ``(filename, content, content type)``."""


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
        """The token grant: its body holds the client secret and its answer the tokens."""
        return self.route.name == TOKEN_ROUTE

    def headers(self, token: SecretStr | None) -> dict[str, str]:
        """The only headers REDEX gets: ``Accept``, the body's type, and the bearer token if any."""
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
    """Resolve the route and encode path, query and body (JSON, or multipart when ``files``).

    A ``bytes`` body is JSON already encoded by the caller (the push encodes each chunk once) and
    is sent as is.
    """
    the_route = route(route_name)
    if files is not None and body is not None and not isinstance(body, Mapping):
        raise RedexInputError(
            [("body", "with files, the body must be a mapping of form fields")], what=route_name
        )
    return PreparedCall(
        route=the_route,
        path=format_path(the_route, path_params),
        query=encode_query(params),
        json_body=encode_body(body) if files is None else None,
        form=body if files is not None else None,
        files=files,
    )


def encode_body(body: Any) -> bytes | None:
    """JSON bytes with exact decimals; ``bytes`` pass through untouched, ``None`` means no body."""
    if body is None or isinstance(body, bytes):
        return body
    return wire_json.encode(body)


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
