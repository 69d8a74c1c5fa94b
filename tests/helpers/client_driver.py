"""One calling convention for both clients, so each HTTP scenario is written once.

A test asks the ``connect`` fixture for a client; it is parametrised over the two transports and
returns a :class:`Driver` whose methods run the sync client directly and the async one on an event
loop of its own. Only the driving differs; what is sent and what comes back is the client's.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from airflow_provider_redex.client.async_client import AsyncRedexClient
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.envelope import Envelope
from airflow_provider_redex.client.paging import Paginator


@dataclass
class Driver:
    """A client of one transport, driven synchronously."""

    client: RedexClient | AsyncRedexClient
    loop: asyncio.AbstractEventLoop | None

    @property
    def kind(self) -> str:
        return "sync" if self.loop is None else "async"

    def run(self, value: Any) -> Any:
        """The value itself, or the awaited value for the async client."""
        if inspect.isawaitable(value):
            assert self.loop is not None
            return self.loop.run_until_complete(value)
        return value

    def request(self, route_name: str, **parts: Any) -> Envelope:
        result: Envelope = self.run(self.client.request(route_name, **parts))
        return result

    def items(self, paginator: Any, limit: int | None = None) -> list[Any]:
        """The first ``limit`` items (all without a limit) of a lazy list."""
        if isinstance(paginator, Paginator):
            return list(islice(paginator, limit))
        return list(self.run(_collect(paginator, limit)))

    def concurrently(self, count: int, call: Callable[[], Any]) -> list[Any]:
        """``count`` calls at once: threads for the sync client, tasks on one loop for the async one."""
        if self.loop is None:
            with ThreadPoolExecutor(count) as pool:
                return list(pool.map(lambda _: call(), range(count)))
        return list(self.run(_gather(call() for _ in range(count))))

    def close(self) -> None:
        if isinstance(self.client, AsyncRedexClient):
            self.run(self.client.aclose())
        else:
            self.client.close()


async def _collect(paginator: AsyncIterator[Any], limit: int | None) -> list[Any]:
    items: list[Any] = []
    async for item in paginator:
        items.append(item)
        if limit is not None and len(items) >= limit:
            break
    return items


async def _gather(awaitables: Iterable[Any]) -> list[Any]:
    return list(await asyncio.gather(*awaitables))
