"""Lazy iteration over REDEX's paged lists (API_REFERENCE.md 1.3).

A :class:`Paginator` asks for page 1 only when iteration starts, and for page ``n + 1`` only when
page ``n`` is used up. It stops on the last page (``CurrentPage >= TotalPage``), on an empty page,
or when an answer has no ``Meta`` (a list REDEX did not page). This module is the only one that
knows the paging parameter names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from airflow_provider_redex.client.envelope import Envelope
from airflow_provider_redex.client.models.common import PageMeta
from airflow_provider_redex.client.models.rules import ITEMS_PER_PAGE_MAX, ITEMS_PER_PAGE_MIN

M = TypeVar("M", bound=BaseModel)

PAGE_PARAM = "CurrentPage"
SIZE_PARAM = "ItemsPerPage"


def page_params(params: Mapping[str, Any] | None, page: int, items_per_page: int) -> dict[str, Any]:
    """``params`` plus the paging parameters for ``page``."""
    if not ITEMS_PER_PAGE_MIN <= items_per_page <= ITEMS_PER_PAGE_MAX:
        raise ValueError(
            f"items_per_page must be {ITEMS_PER_PAGE_MIN}..{ITEMS_PER_PAGE_MAX}, got {items_per_page}"
        )
    return {**(params or {}), PAGE_PARAM: page, SIZE_PARAM: items_per_page}


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page: its items and REDEX's ``Meta`` (``None`` for an unpaged list)."""

    number: int
    items: list[M]
    meta: PageMeta | None

    @property
    def next_number(self) -> int | None:
        """The page to ask for next, or ``None`` when this one is the last."""
        if not self.items or self.meta is None:
            return None
        # max(): a server that echoes a stale CurrentPage must not make us loop on one page.
        current = max(self.number, self.meta.current_page)
        return current + 1 if current < self.meta.total_page else None


def _page(number: int, envelope: Envelope, item_model: type[M]) -> Page[M]:
    return Page(number=number, items=envelope.data_as_list(item_model), meta=envelope.meta)


class Paginator(Generic[M]):
    """Every item of a paged list, fetched page by page as iteration needs them.

    :param fetch_page: returns the envelope of page ``n`` (1-based); the client builds it from a
        route, but a resource may pass its own (e.g. a POST filter that pages in its body).
    :param item_model: the model of one item.
    """

    def __init__(self, fetch_page: Callable[[int], Envelope], item_model: type[M]) -> None:
        self._fetch_page = fetch_page
        self._item_model = item_model

    def __iter__(self) -> Iterator[M]:
        for page in self.iter_pages():
            yield from page.items

    def iter_pages(self) -> Iterator[Page[M]]:
        """The pages themselves, with their ``Meta``; each iteration starts again at page 1."""
        number: int | None = 1
        while number is not None:
            page = _page(number, self._fetch_page(number), self._item_model)
            yield page
            number = page.next_number


class AsyncPaginator(Generic[M]):
    """The async twin of :class:`Paginator`: ``async for item in paginator``."""

    def __init__(self, fetch_page: Callable[[int], Awaitable[Envelope]], item_model: type[M]) -> None:
        self._fetch_page = fetch_page
        self._item_model = item_model

    async def __aiter__(self) -> AsyncIterator[M]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item

    async def iter_pages(self) -> AsyncIterator[Page[M]]:
        """The pages themselves, fetched one at a time."""
        number: int | None = 1
        while number is not None:
            page = _page(number, await self._fetch_page(number), self._item_model)
            yield page
            number = page.next_number
