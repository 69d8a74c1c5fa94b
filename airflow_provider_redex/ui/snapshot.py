"""What the page shows from REDEX, read through the connection's client and cached for a minute.

Purpose
    Every request the page makes is paid from the account's 60 a minute, like any task's. So
    the page reads REDEX at most once per connection per :data:`CACHE_SECONDS`, however often
    it is opened and by however many people: one list request per kind (device, REC and
    retirement applications, REC inventory), one more per 100 items, and at most
    :data:`PROCESS_READS_PER_REFRESH` generation-process status request.

How it works
    :class:`SnapshotCache` keeps one :class:`RedexSnapshot` per connection id with the time it
    was read; a per-connection lock makes concurrent openers wait for one read instead of each
    starting their own. A failed read is cached too (with what went wrong, never a secret), so
    a broken connection does not cost a request per page view. With ``shared_dir`` the worker
    processes of one api-server share their reads too (``shared_cache.py``). A generation process that has
    reached ``Success`` or ``Failed`` never changes, so its status is remembered for good.

What it does not do
    It does not hold the token or any response body beyond the figures it shows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from airflow_provider_redex.client import process_statuses
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.errors import RedexAPIError
from airflow_provider_redex.client.models.devices import DeviceApplication
from airflow_provider_redex.client.models.inventory import RecItem
from airflow_provider_redex.client.models.rec_applications import RecApplication
from airflow_provider_redex.client.models.retirements import RetirementApplication

CACHE_SECONDS = 60.0
PROCESS_READS_PER_REFRESH = 1
"""G4 requests per refresh: one batch of process statuses (one id from a server that reads one
id per request); the rest wait for the next minute."""


@dataclass(frozen=True)
class InventoryRow:
    """RECs of one registry, vintage and device, by bucket (decimal MWh)."""

    registry: str
    vintage: str
    device: str
    available: Decimal
    on_retirement: Decimal
    retired: Decimal


@dataclass
class RedexSnapshot:
    """One read of a connection's REDEX account."""

    read_at: float
    device_applications: list[DeviceApplication] = field(default_factory=list)
    rec_applications: list[RecApplication] = field(default_factory=list)
    retirements: list[RetirementApplication] = field(default_factory=list)
    inventory: list[InventoryRow] = field(default_factory=list)
    process_statuses: dict[int, str] = field(default_factory=dict)
    error: str | None = None


def inventory_rows(items: Iterable[RecItem]) -> list[InventoryRow]:
    """REC items summed by registry, vintage year and device."""
    sums: dict[tuple[str, str, str], list[Decimal]] = {}
    for item in items:
        vintage = str(item.vintage_year or (item.vintage_from.year if item.vintage_from else "?"))
        key = (item.registry.value.value, vintage, item.device_name or str(item.device_id or "?"))
        bucket = sums.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        bucket[0] += item.available
        bucket[1] += item.on_retirement
        bucket[2] += item.retired
    return [InventoryRow(*key, *values) for key, values in sorted(sums.items())]


def read_snapshot(client: RedexClient, process_ids: Iterable[int], known: dict[int, str]) -> RedexSnapshot:
    """Read the account once; ``known`` holds process statuses that can no longer change."""
    snapshot = RedexSnapshot(read_at=time.time())
    snapshot.device_applications = list(client.device_applications.list())
    snapshot.rec_applications = list(client.rec_applications.list())
    snapshot.retirements = list(client.retirements.list())
    snapshot.inventory = inventory_rows(client.inventories.list_recs())
    snapshot.process_statuses = dict(known)
    pending = [pid for pid in dict.fromkeys(process_ids) if pid not in known]
    if pending:
        _read_processes(client, process_statuses.batches(pending)[0], snapshot, known)
    return snapshot


def _read_processes(
    client: RedexClient, batch: list[int], snapshot: RedexSnapshot, known: dict[int, str]
) -> None:
    """One G4 request's worth of ``batch``: all of it from a server that answers lists, else its
    first id (a refresh that finds the server reads one id may spend one more request)."""
    try:
        reads = process_statuses.read_processes(client, batch)
    except RedexAPIError as err:  # an unreadable batch must not hide the rest of the page
        snapshot.process_statuses.update((pid, f"unreadable ({err.status_code})") for pid in batch)
        return
    found = {pid: process.status for pid, process in reads.found.items()}
    if reads.requests == 0:  # a lone id, or a server known to read one id per request
        try:
            found = {batch[0]: client.generation.get_process(batch[0]).status}
        except RedexAPIError as err:
            snapshot.process_statuses[batch[0]] = f"unreadable ({err.status_code})"
            return
    elif reads.listed:  # asked for in a list answer and left out: unknown to REDEX
        snapshot.process_statuses.update((pid, "unreadable (not found)") for pid in batch if pid not in found)
    for process_id, status in found.items():
        snapshot.process_statuses[process_id] = status.value
        if status.is_terminal:
            known[process_id] = status.value


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: RedexSnapshot | None = None
    finished_processes: dict[int, str] = field(default_factory=dict)


class SnapshotCache:
    """One REDEX read per connection per ``ttl`` seconds, shared by every page view.

    :param client_for: builds the connection's client (the hook's, so the same budget).
    :param ttl: seconds a read is served before the next one.
    :param shared_dir: where the processes of one machine share their reads (``shared_cache.py``);
        ``None`` keeps them in this process only.
    """

    def __init__(
        self,
        client_for: Callable[[str], RedexClient],
        ttl: float = CACHE_SECONDS,
        shared_dir: Path | None = None,
    ) -> None:
        self._client_for = client_for
        self.ttl = ttl
        self.shared_dir = shared_dir
        self._entries: dict[str, _Entry] = {}
        self._guard = threading.Lock()

    def get(self, conn_id: str, process_ids: Iterable[int] = ()) -> RedexSnapshot:
        """The cached read of ``conn_id``, refreshed when older than ``ttl``."""
        with self._guard:
            entry = self._entries.setdefault(conn_id, _Entry())
        with entry.lock:
            if not self._fresh(entry.snapshot):
                if self.shared_dir is None:
                    entry.snapshot = self._read(conn_id, list(process_ids), entry.finished_processes)
                else:
                    entry.snapshot = self._shared_read(conn_id, list(process_ids), entry)
            assert entry.snapshot is not None
            return entry.snapshot

    def _fresh(self, snapshot: RedexSnapshot | None) -> bool:
        return snapshot is not None and time.time() - snapshot.read_at < self.ttl

    def _shared_read(self, conn_id: str, process_ids: list[int], entry: _Entry) -> RedexSnapshot:
        """Another process's fresh read if there is one, else ours, written for the others."""
        from airflow_provider_redex.ui import shared_cache

        assert self.shared_dir is not None
        with shared_cache.locked(self.shared_dir, conn_id):
            stored = shared_cache.load(self.shared_dir, conn_id)
            if stored is not None:
                entry.finished_processes.update(stored[1])
                if self._fresh(stored[0]):
                    return stored[0]
            snapshot = self._read(conn_id, process_ids, entry.finished_processes)
            shared_cache.store(self.shared_dir, conn_id, snapshot, entry.finished_processes)
            return snapshot

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def _read(self, conn_id: str, process_ids: list[int], known: dict[int, str]) -> RedexSnapshot:
        try:
            with self._client_for(conn_id) as client:
                return read_snapshot(client, process_ids, known)
        except Exception as err:  # shown on the page; client errors never carry credentials
            return RedexSnapshot(read_at=time.time(), error=_describe(err))


def _describe(err: Exception) -> str:
    return f"{type(err).__name__}: {str(err) or repr(err)}"[:500]
