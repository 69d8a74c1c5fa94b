"""The REDEX API client. It imports nothing from Airflow.

Names are exported lazily (PEP 562): ``from airflow_provider_redex.client import RedexError``
does not import ``requests``, ``aiohttp``, ``redis`` or ``sqlalchemy``, which keeps DAG parsing fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_redex.client.async_client import AsyncAPIClient, AsyncRedexClient
    from airflow_provider_redex.client.auth import ApiKeyCredentials, BearerToken, Credentials
    from airflow_provider_redex.client.base_client import SyncAPIClient
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.envelope import Envelope
    from airflow_provider_redex.client.errors import (
        RedexAPIError,
        RedexAuthenticationError,
        RedexBadRequestError,
        RedexError,
        RedexInputError,
        RedexNotFoundError,
        RedexPermissionError,
        RedexRateLimitError,
        RedexResponseError,
        RedexServerError,
        RedexTimeoutError,
        RedexTransportError,
        RedexUnprocessableError,
    )
    from airflow_provider_redex.client.http_settings import HttpSettings
    from airflow_provider_redex.client.models.common import PageMeta
    from airflow_provider_redex.client.pacing import AsyncRateBudget, PacingConfig, RateBudget, RatePolicy
    from airflow_provider_redex.client.paging import AsyncPaginator, Page, Paginator

__all__ = [
    "ApiKeyCredentials",
    "AsyncAPIClient",
    "AsyncPaginator",
    "AsyncRateBudget",
    "AsyncRedexClient",
    "BearerToken",
    "Credentials",
    "Envelope",
    "HttpSettings",
    "PacingConfig",
    "Page",
    "PageMeta",
    "Paginator",
    "RateBudget",
    "RatePolicy",
    "RedexAPIError",
    "RedexAuthenticationError",
    "RedexBadRequestError",
    "RedexClient",
    "RedexError",
    "RedexInputError",
    "RedexNotFoundError",
    "RedexPermissionError",
    "RedexRateLimitError",
    "RedexResponseError",
    "RedexServerError",
    "RedexTimeoutError",
    "RedexTransportError",
    "RedexUnprocessableError",
    "SyncAPIClient",
]

_MODULE_OF: dict[str, str] = {
    "RedexClient": "client",
    "SyncAPIClient": "base_client",
    "AsyncAPIClient": "async_client",
    "AsyncRedexClient": "async_client",
    "ApiKeyCredentials": "auth",
    "BearerToken": "auth",
    "Credentials": "auth",
    "Envelope": "envelope",
    "HttpSettings": "http_settings",
    "PageMeta": "models.common",
    "PacingConfig": "pacing",
    "RatePolicy": "pacing",
    "RateBudget": "pacing",
    "AsyncRateBudget": "pacing",
    "Paginator": "paging",
    "AsyncPaginator": "paging",
    "Page": "paging",
}
"""Where each public name lives; every other name in ``__all__`` is an error class."""


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = import_module(f"{__name__}.{_MODULE_OF.get(name, 'errors')}")
    value = getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
