"""The base of every resource: one method per route, each a validated call to the transport.

A resource knows which route a call goes to and which model its answer fits; the transport
(:class:`~airflow_provider_redex.client.base_client.SyncAPIClient`) knows how to send it. Input
is validated with the request model's ``from_input`` before the transport is touched, so bad
input raises :class:`~airflow_provider_redex.client.errors.RedexInputError` and sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from pydantic import BaseModel

from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.common import CreatedResource, PageQuery

if TYPE_CHECKING:
    from airflow_provider_redex.client.base_client import SyncAPIClient
    from airflow_provider_redex.client.paging import Paginator

M = TypeVar("M", bound=BaseModel)


class Resource:
    """Binds one API area to a client.

    :param client: the transport every call goes through.
    """

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _get(
        self,
        route_name: str,
        model: type[M],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> M:
        """One object: ``Data`` validated as ``model``."""
        envelope = self._client.request(route_name, path_params=path_params, params=params)
        return envelope.data_as(model)

    def _get_list(
        self,
        route_name: str,
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
    ) -> list[M]:
        """An unpaged list: ``Data`` validated as a list of ``model``."""
        return self._client.request(route_name, params=params).data_as_list(model)

    def _list(
        self,
        route_name: str,
        item_model: type[M],
        query: PageQuery,
        *,
        path_params: Mapping[str, object] | None = None,
    ) -> Paginator[M]:
        """A paged list, lazily: nothing is sent until iteration starts."""
        return self._client.paginate(
            route_name,
            item_model,
            path_params=path_params,
            params=query.filter_params(),
            items_per_page=query.items_per_page,
        )

    def _create(self, route_name: str, body: Any) -> CreatedResource:
        """POST a create; keep REDEX's ``Message`` (R3 puts residual-mix warnings there)."""
        envelope = self._client.request(route_name, body=body)
        created = envelope.data_as(CreatedResource)
        return created.model_copy(update={"redex_message": envelope.message})


def uuid_param(value: UUID | str, field: str) -> UUID:
    """A path id as a UUID; a malformed one is refused before the request, naming ``field``."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise RedexInputError([(field, f"{value!r} is not a UUID")], what="path parameter") from None


def text_param(value: str, field: str) -> str:
    """A non-empty path segment (invoice numbers, debt ids); the transport URL-encodes it."""
    if not isinstance(value, str) or not value.strip():
        raise RedexInputError([(field, "must be a non-empty string")], what="path parameter")
    return value


def int_param(value: int | str, field: str) -> int:
    """A positive int64 id (process, order, transaction); digits in a string (from XCom) are accepted."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RedexInputError([(field, f"{value!r} is not a positive integer id")], what="request")
    return value
