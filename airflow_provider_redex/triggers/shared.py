"""One poll per account and kind, however many triggers wait: the shared status stream.

Purpose
    Every request is paid from the account's 60 a minute (DESIGN.md, "The budget is the
    scarce resource"). A hundred deferred sensors each polling on their own spend a hundred
    requests per interval; waiting through a shared stream spends one list request per kind.

How it works
    The triggerer runs :func:`poll_stream` once per shared-stream key (connection + kind,
    Airflow 3.3 ``BaseEventTrigger.shared_stream_key``) and broadcasts each
    :class:`Snapshot` to every trigger of the group. A snapshot holds, by canonical id, the
    model of every undecided item REDEX listed (one list request, paged, filtered to the
    undecided statuses) and of every waited-for id that was not on that list: those were
    decided since, or are not listed yet, and are read one by one (one GET per decision, the
    same read a lone trigger makes). Which ids are waited for comes from :data:`BOARD`, where
    each trigger of the group writes its ids while it waits: ``open_shared_stream`` receives
    the keyword arguments of one trigger only. Polls keep a fixed cadence (the shortest
    ``poll_interval`` among the waiting triggers), so every trigger sees a fresh reading each
    interval.

    Generation processes have no list route: their stream reads the waited-for ProcessIds
    with one G4 request per interval (``ProcessId`` repeated, batched by URL length); where
    the server reads one ``ProcessId`` per request, as REDEX documents, each distinct
    undecided process once per interval (see ``GenerationProcessTarget``).

What it does not do
    The board lives in the triggerer's process, like the shared-stream groups themselves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.triggers.targets import StatusTarget, status_member

log = logging.getLogger(__name__)

CONCURRENT_READS = 8
"""Single reads (decided or unlisted ids, generation processes) in flight at once per poll."""

STREAM_NAMESPACE = "airflow_provider_redex.status"
"""First element of every shared-stream key of this package."""


def stream_key(target: StatusTarget, redex_conn_id: str) -> tuple[str, str, str]:
    """The shared-stream key: triggers on one connection and one kind share one poll."""
    return (STREAM_NAMESPACE, target.kind, redex_conn_id)


class SharedPollError(Exception):
    """The shared poll could not read a trigger's item; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """One shared poll's answer, broadcast to every trigger of the group.

    :param taken_at: when the poll started (epoch seconds).
    :param models: by canonical id: every undecided item listed, and every waited-for id read.
    :param errors: by canonical id: a waited-for id whose own read failed (e.g. 404).
    :param failure: the poll itself failed (after the client's retries): the cause.
    :param requests: how many requests the poll sent.
    """

    taken_at: float
    models: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    failure: str | None = None
    requests: int = 0


@dataclass(eq=False)
class Waiter:
    """One trigger's entry on the board: the canonical ids it still waits for."""

    ids: set[str]
    interval: float
    every_item: bool = False


class WaitingBoard:
    """Who waits on which ids, per shared-stream key, in this process."""

    def __init__(self) -> None:
        self._waiters: dict[Hashable, set[Waiter]] = {}

    def join(self, key: Hashable, ids: set[str], interval: float, *, every_item: bool = False) -> Waiter:
        waiter = Waiter(set(ids), float(interval), every_item)
        self._waiters.setdefault(key, set()).add(waiter)
        return waiter

    def leave(self, key: Hashable, waiter: Waiter) -> None:
        waiters = self._waiters.get(key)
        if waiters is not None:
            waiters.discard(waiter)
            if not waiters:
                del self._waiters[key]

    def wanted(self, key: Hashable) -> set[str]:
        return {i for waiter in self._waiters.get(key, ()) for i in waiter.ids}

    def interval(self, key: Hashable, default: float) -> float:
        return min((w.interval for w in self._waiters.get(key, ())), default=default)

    def wants_every_item(self, key: Hashable) -> bool:
        """Whether a waiter (a decision watcher) needs every undecided item, not only its ids."""
        return any(w.every_item for w in self._waiters.get(key, ()))

    def count(self, key: Hashable) -> int:
        return len(self._waiters.get(key, ()))


BOARD = WaitingBoard()
"""The triggerer's board; a lone trigger's ``run()`` uses a key of its own on it."""


async def poll_once(
    target: StatusTarget,
    client: Any,
    wanted: set[str],
    seen: frozenset[LifecycleStatus],
    *,
    every_item: bool = False,
) -> Snapshot:
    """List the undecided items (or read the waited-for ids in batches), then read each
    waited-for id still missing on its own.

    :param every_item: read every page even once all ``wanted`` ids are found (a watcher needs
        every undecided item); otherwise paging stops there.
    """
    taken_at = time.time()
    models: dict[str, Any] = {}
    errors: dict[str, str] = {}
    sent = 0
    try:
        for filters in target.undecided_filters(seen):
            async for page in target.list_undecided(client, filters).iter_pages():
                sent += 1
                models.update((target.item_key(item), item) for item in page.items)
                if not every_item and wanted <= models.keys():
                    break
            if not every_item and wanted <= models.keys():
                break
        if wanted - models.keys():  # generation processes: several ids per G4 request
            found, batched = await target.afetch_many(client, sorted(wanted - models.keys()))
            models.update(found)
            sent += batched
        missing = sorted(wanted - models.keys())
        sent += len(missing)
        gate = asyncio.Semaphore(CONCURRENT_READS)

        async def read(key: str) -> None:
            async with gate:
                try:
                    models[key] = await target.afetch(client, key)
                except Exception as exc:  # this id's own problem: only its triggers fail
                    errors[key] = f"{type(exc).__name__}: {exc}"

        # Concurrent, so a poll of many ids ends within its interval; the client's pacing
        # still spends them from the account's budget one by one.
        await asyncio.gather(*(read(key) for key in missing))
    except Exception as exc:  # the list failed after the client's retries: every waiter is told
        return Snapshot(taken_at, failure=f"{type(exc).__name__}: {exc}", requests=sent)
    return Snapshot(taken_at, models, errors, requests=sent)


async def poll_stream(
    target: StatusTarget, redex_conn_id: str, default_interval: float, key: Hashable
) -> AsyncIterator[Snapshot]:
    """Poll forever at a fixed cadence, yielding one :class:`Snapshot` per interval.

    The client is opened once for the stream's life, so its token and its rate budget are
    reused from poll to poll.
    """
    from airflow_provider_redex.hooks.redex import RedexAsyncHook

    client = await RedexAsyncHook(redex_conn_id=redex_conn_id).get_client()
    seen: frozenset[LifecycleStatus] = frozenset()
    try:
        while True:
            started = time.monotonic()
            wanted = BOARD.wanted(key)
            snapshot = await poll_once(target, client, wanted, seen, every_item=BOARD.wants_every_item(key))
            seen = _active_seen(target, snapshot, wanted)
            log.info(
                "Shared REDEX poll (%s) on %s: %d waiting trigger(s), %d id(s), %d request(s)%s",
                target.kind,
                redex_conn_id,
                BOARD.count(key),
                len(wanted),
                snapshot.requests,
                f"; failed: {snapshot.failure}" if snapshot.failure else "",
            )
            yield snapshot
            interval = BOARD.interval(key, default_interval)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
    finally:
        close = getattr(client, "aclose", None)
        if close is not None:
            await close()


def _active_seen(target: StatusTarget, snapshot: Snapshot, wanted: set[str]) -> frozenset[LifecycleStatus]:
    """The undecided statuses the waited-for ids were in: what the next list must cover."""
    found = set()
    for key in wanted & snapshot.models.keys():
        status = status_member(snapshot.models[key].status)
        if not status.is_terminal:
            found.add(status)
    return frozenset(found)
