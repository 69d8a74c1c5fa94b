"""Paginators fetch lazily, page after page, and stop where REDEX says the list ends."""

from __future__ import annotations

from itertools import islice

import pytest

from airflow_provider_redex.client.envelope import Envelope, PageMeta, page_meta_for
from airflow_provider_redex.client.models.base import ResponseModel
from airflow_provider_redex.client.paging import AsyncPaginator, Paginator, page_params


class Thing(ResponseModel):
    id: int


class FakeList:
    """A paged list of ``total`` things, recording which pages were asked for."""

    def __init__(
        self, total: int, per_page: int, *, meta: bool = True, lie_total_page: int | None = None
    ) -> None:
        self.total, self.per_page, self.meta, self.lie = total, per_page, meta, lie_total_page
        self.asked: list[int] = []

    def __call__(self, page: int) -> Envelope:
        self.asked.append(page)
        start = (page - 1) * self.per_page
        items = [{"Id": i} for i in range(start, min(start + self.per_page, self.total))]
        meta: PageMeta | None = None
        if self.meta:
            meta = page_meta_for(current_page=page, items_per_page=self.per_page, total_items=self.total)
            if self.lie is not None:
                meta = meta.model_copy(update={"total_page": self.lie})
        return Envelope(data=items, meta=meta, errors=None, status_code=200, message="Success")


def test_all_items_across_pages_in_order() -> None:
    fake = FakeList(total=25, per_page=10)
    assert [thing.id for thing in Paginator(fake, Thing)] == list(range(25))
    assert fake.asked == [1, 2, 3]


def test_nothing_is_fetched_until_iteration_and_only_what_is_used() -> None:
    fake = FakeList(total=25, per_page=10)
    paginator = Paginator(fake, Thing)
    assert fake.asked == []
    assert [thing.id for thing in islice(paginator, 11)] == list(range(11))
    assert fake.asked == [1, 2]


def test_iter_pages_gives_pages_with_meta() -> None:
    pages = list(Paginator(FakeList(total=25, per_page=10), Thing).iter_pages())
    assert [page.number for page in pages] == [1, 2, 3]
    assert [len(page.items) for page in pages] == [10, 10, 5]
    assert pages[0].meta is not None and pages[0].meta.total_page == 3


def test_stops_on_an_empty_page_even_if_meta_promises_more() -> None:
    fake = FakeList(total=10, per_page=10, lie_total_page=99)
    assert len(list(Paginator(fake, Thing))) == 10
    assert fake.asked == [1, 2]


def test_an_unpaged_answer_is_a_single_page() -> None:
    fake = FakeList(total=5, per_page=10, meta=False)
    assert len(list(Paginator(fake, Thing))) == 5
    assert fake.asked == [1]


def test_each_iteration_starts_again() -> None:
    fake = FakeList(total=3, per_page=2)
    paginator = Paginator(fake, Thing)
    assert list(paginator) == list(paginator)
    assert fake.asked == [1, 2, 1, 2]


def test_page_params_adds_paging_and_refuses_bad_sizes() -> None:
    assert page_params({"Search": "x"}, 3, 50) == {"Search": "x", "CurrentPage": 3, "ItemsPerPage": 50}
    for bad in (0, 101):
        with pytest.raises(ValueError):
            page_params(None, 1, bad)


async def test_async_paginator_is_the_same_walk() -> None:
    fake = FakeList(total=25, per_page=10)

    async def fetch(page: int) -> Envelope:
        return fake(page)

    paginator = AsyncPaginator(fetch, Thing)
    assert fake.asked == []
    assert [thing.id async for thing in paginator] == list(range(25))
    assert [page.number async for page in paginator.iter_pages()] == [1, 2, 3]
