"""What a resource method asks for, as data: a :class:`Call` or a :class:`PagedCall`.

A resource method validates its input and returns one of these; it sends nothing. The sync and
the async client then *run* the same description (``client._run(call)`` or
``client._pages(paged)``), so a method is written once and both clients refuse the same bad
input, send the same request and decode the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar

from pydantic import BaseModel

from airflow_provider_redex.client.envelope import Envelope
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.common import CreatedResource
from airflow_provider_redex.client.paging import page_params
from airflow_provider_redex.client.prepare import Files

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Request:
    """The arguments of ``client.request()`` for one exchange."""

    route_name: str
    path_params: Mapping[str, object] | None = None
    params: Mapping[str, Any] | None = None
    body: Any = None
    files: Files | None = None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``request()`` besides the route name."""
        return {
            "path_params": self.path_params,
            "params": self.params,
            "body": self.body,
            "files": self.files,
        }


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how its envelope becomes the method's result."""

    request: Request
    decode: Callable[[Envelope], T]

    @classmethod
    def one(cls, model: type[M], route_name: str, **request: Any) -> Call[M]:
        """``Data`` validated as one ``model``."""
        return Call(Request(route_name, **request), lambda envelope: envelope.data_as(model))

    @classmethod
    def many(cls, model: type[M], route_name: str, **request: Any) -> Call[list[M]]:
        """An unpaged list: ``Data`` validated as a list of ``model``."""
        return Call(Request(route_name, **request), lambda envelope: envelope.data_as_list(model))

    @classmethod
    def created(cls, route_name: str, body: Any) -> Call[CreatedResource]:
        """A create's ``{Id}``, keeping REDEX's ``Message`` (R3 puts residual-mix warnings there)."""

        def decode(envelope: Envelope) -> CreatedResource:
            created = envelope.data_as(CreatedResource)
            return created.model_copy(update={"redex_message": envelope.message})

        return Call(Request(route_name, body=body), decode)


@dataclass(frozen=True)
class PagedCall(Generic[M]):
    """A paged list: the request for page ``n``, and the model of one item.

    Lists page in the query (``CurrentPage``/``ItemsPerPage``); a POST filter that pages in its
    body gives ``page_body`` instead. A page size out of range is refused here, before any I/O.
    """

    route_name: str
    item_model: type[M]
    path_params: Mapping[str, object] | None = None
    params: Mapping[str, Any] | None = None
    items_per_page: int = 100
    page_body: Callable[[int], Any] | None = None

    def __post_init__(self) -> None:
        if self.page_body is None:
            try:
                page_params(self.params, 1, self.items_per_page)
            except ValueError as bad:
                raise RedexInputError([("items_per_page", str(bad))], what=self.route_name) from None

    def request_for(self, page: int) -> Request:
        """The request of page ``page`` (1-based)."""
        if self.page_body is not None:
            return Request(self.route_name, path_params=self.path_params, body=self.page_body(page))
        query = page_params(self.params, page, self.items_per_page)
        return Request(self.route_name, path_params=self.path_params, params=query)


class PageOptions(TypedDict, total=False):
    """The keyword arguments of ``paginate()`` after the route and the item model."""

    path_params: Mapping[str, object] | None
    params: Mapping[str, Any] | None
    items_per_page: int
