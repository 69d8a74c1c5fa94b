"""The base of every resource: one method per route, defined once, run by either client.

A resource method validates its input and returns a :class:`~..calls.Call` (or a
:class:`~..calls.PagedCall`): it describes the request and how to read the answer, and sends
nothing. The ``@endpoint`` / ``@paged`` decorators hand that description to the client the
resource is bound to, so with :class:`~..client.RedexClient` ``client.retirements.get(id)``
returns a ``RetirementApplication`` and with :class:`~..async_client.AsyncRedexClient`
``await client.retirements.get(id)`` does. Bad input raises
:class:`~..errors.RedexInputError` on both before any I/O.

A resource is generic in the transport kind (``Retirements[Sync]`` / ``Retirements[Async]``) so
that ``mypy --strict`` knows which of the two a method returns.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload
from uuid import UUID

from pydantic import BaseModel

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.common import PageQuery

if TYPE_CHECKING:
    from airflow_provider_redex.client.paging import AsyncPaginator, Paginator

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
P = ParamSpec("P")


class Sync:
    """Transport kind of :class:`~..client.RedexClient`: methods return results."""


class Async:
    """Transport kind of :class:`~..async_client.AsyncRedexClient`: methods return awaitables."""


K = TypeVar("K", Sync, Async)


class Resource(Generic[K]):
    """Binds one API area to a client.

    :param client: the client that runs this area's calls (its ``_run`` and ``_pages``).
    """

    def __init__(self, client: Any) -> None:
        self._client = client


class _Bound:
    """What ``resource.method`` is: the definition, bound to the resource and its client's runner."""

    def __init__(self, definition: Callable[..., Any], resource: Resource[Any], runner: str) -> None:
        self._definition = definition
        self._resource = resource
        self._run = getattr(resource._client, runner)
        self.__name__ = definition.__name__
        self.__qualname__ = definition.__qualname__
        self.__doc__ = definition.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The definition runs now, so bad input is refused before a coroutine or a paginator exists.
        return self._run(self._definition(self._resource, *args, **kwargs))

    def __repr__(self) -> str:
        return f"<REDEX method {self.__qualname__} of {self._resource._client!r}>"


class endpoint(Generic[P, T]):
    """Decorates a method returning ``Call[T]``: sync clients get ``T``, async ones an awaitable."""

    def __init__(self, definition: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.definition = definition
        self.__doc__ = definition.__doc__

    @overload
    def __get__(self, resource: None, owner: type[Any] | None = None) -> endpoint[P, T]: ...
    @overload
    def __get__(self, resource: Resource[Sync], owner: type[Any] | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, resource: Resource[Async], owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, resource: Resource[Any] | None, owner: type[Any] | None = None) -> Any:
        return self if resource is None else _Bound(self.definition, resource, "_run")


class paged(Generic[P, M]):
    """Decorates a method returning ``PagedCall[M]``: ``Paginator[M]`` or ``AsyncPaginator[M]``."""

    def __init__(self, definition: Callable[Concatenate[Any, P], PagedCall[M]]) -> None:
        self.definition = definition
        self.__doc__ = definition.__doc__

    @overload
    def __get__(self, resource: None, owner: type[Any] | None = None) -> paged[P, M]: ...
    @overload
    def __get__(
        self, resource: Resource[Sync], owner: type[Any] | None = None
    ) -> Callable[P, Paginator[M]]: ...
    @overload
    def __get__(
        self, resource: Resource[Async], owner: type[Any] | None = None
    ) -> Callable[P, AsyncPaginator[M]]: ...
    def __get__(self, resource: Resource[Any] | None, owner: type[Any] | None = None) -> Any:
        return self if resource is None else _Bound(self.definition, resource, "_pages")


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


def listing(
    route_name: str, item_model: type[M], query: PageQuery, *, path_params: Mapping[str, object] | None = None
) -> PagedCall[M]:
    """A paged list whose filters and page size come from a validated query model."""
    return PagedCall(
        route_name,
        item_model,
        path_params=path_params,
        params=query.filter_params(),
        items_per_page=query.items_per_page,
    )
