"""A short-lived status cache: sensors poking in one process share one list read per kind.

Purpose
    Sensors in ``poke`` or ``reschedule`` mode check from the worker. When several of one kind
    on one connection check in the same process within a few seconds (``airflow dags test``,
    a worker running many pokes), one list request of the undecided items serves them all,
    instead of one GET each (DESIGN.md, "The budget is the scarce resource").

How it works
    Per (connection, kind), the cache keeps the models of the last list of undecided items
    for ``ttl`` seconds. A sensor whose id is on that list reads its status from it; an id not
    on it was decided since, or is not listed yet, and is read with its own GET (once, when it
    decides). The statuses such a GET finds undecided widen the next list read (a device
    application still ``Unverified``).

What it does not do
    It is per process: Airflow 3 runs each task in a process of its own, so sensors in
    separate task processes do not share it (deferred sensors share through the triggerer's
    shared streams instead). Generation processes have no list route: a sensor's ProcessIds
    are read together, in one G4 request where the server answers a list, and not cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.triggers.targets import StatusReading, StatusTarget, status_member

DEFAULT_TTL_SECONDS = 10.0
"""How long one list read serves other sensors; never more than half their poke interval."""


@dataclass
class _Entry:
    taken_at: float = float("-inf")
    models: dict[str, Any] = field(default_factory=dict)
    seen: frozenset[LifecycleStatus] = frozenset()
    lock: threading.Lock = field(default_factory=threading.Lock)


class StatusCache:
    """Undecided items per (connection, kind), read at most once per ``ttl`` in this process."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        self._guard = threading.Lock()

    def read_all(
        self, client: Any, conn_id: str, target: StatusTarget, resource_ids: list[str], ttl: float
    ) -> list[StatusReading]:
        """The readings of one sensor's ids: listed kinds through the cache, processes batched."""
        if target.lists or len(resource_ids) < 2:
            return [self.read(client, conn_id, target, resource_id, ttl) for resource_id in resource_ids]
        found, _ = target.fetch_many(client, [target.key(i) for i in resource_ids])
        return [
            target.reading(i, found[key]) if (key := target.key(i)) in found else target.read(client, i)
            for i in resource_ids
        ]

    def read(
        self, client: Any, conn_id: str, target: StatusTarget, resource_id: str, ttl: float
    ) -> StatusReading:
        """The reading for ``resource_id``: from the shared list when it is on it, else a GET."""
        if not target.lists:
            return target.read(client, resource_id)
        entry = self._entry((conn_id, target.kind))
        with entry.lock:  # one list read at a time per key: the others wait and reuse it
            if time.monotonic() - entry.taken_at >= ttl:
                entry.models = self._list(client, target, entry.seen)
                entry.taken_at = time.monotonic()
            model = entry.models.get(target.key(resource_id))
        if model is not None:
            return target.reading(resource_id, model)
        reading = target.read(client, resource_id)
        if not reading.is_terminal and reading.status not in entry.seen:
            with entry.lock:  # listed under a status the list did not ask for: ask next time
                entry.seen = entry.seen | {reading.status}
                entry.taken_at = float("-inf")
        return reading

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def _entry(self, key: Hashable) -> _Entry:
        with self._guard:
            return self._entries.setdefault(key, _Entry())

    @staticmethod
    def _list(client: Any, target: StatusTarget, seen: frozenset[LifecycleStatus]) -> dict[str, Any]:
        models = {}
        for filters in target.undecided_filters(seen):
            for item in target.list_undecided(client, filters):
                if not status_member(item.status).is_terminal:
                    models[target.item_key(item)] = item
        return models


STATUS_CACHE = StatusCache()
"""The process's cache, used by every REDEX sensor's poke."""
