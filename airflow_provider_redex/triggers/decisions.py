"""Event-driven scheduling: a DAG runs when REDEX decides an application, with no waiting task.

Purpose
    ``RedexApplicationDecidedTrigger`` is an ``AssetWatcher`` trigger: it runs in the triggerer
    for as long as the DAG is active and fires once for each application of the account (REC
    issuance, retirement, device registration) that REDEX decides. An ``Asset`` watched by it
    schedules the DAG on that decision.

How it works
    It joins the same shared poll as the status triggers of its kind on its connection
    (:mod:`airflow_provider_redex.triggers.shared`), so watching adds no request while sensors of
    that kind wait, and costs one list request per interval otherwise. Its cursor is the set of
    applications it last saw undecided: one that leaves the undecided list is read once (the
    poll's single GET), fires if REDEX decided it, and leaves the cursor, so a decision fires
    once. The first poll only sets the cursor: decisions made before the watcher started are
    history, not events. The cursor is kept in the Asset's state store when the triggerer
    provides one (Airflow 3.3), so a triggerer restart neither repeats nor loses a decision made
    meanwhile.

What it does not do
    An application created and decided between two polls is never seen undecided and does not
    fire. Generation processes cannot be watched: REDEX does not list them. Only GETs are sent
    (DESIGN.md, "Triggers only read").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Hashable
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_redex.triggers import shared
from airflow_provider_redex.triggers.status import DEFAULT_POLL_INTERVAL_SECONDS
from airflow_provider_redex.triggers.targets import (
    DeviceApplicationTarget,
    RecApplicationTarget,
    RetirementApplicationTarget,
    StatusReading,
    StatusTarget,
    status_member,
)

log = logging.getLogger(__name__)

WATCHABLE: dict[str, StatusTarget] = {
    target.kind: target
    for target in (RecApplicationTarget(), RetirementApplicationTarget(), DeviceApplicationTarget())
}
"""The kinds a watcher can follow, by name: ``rec_applications``, ``retirements``,
``device_applications``."""

CURSOR_KEY = "redex_undecided_ids"
"""The Asset state-store key holding the cursor; renaming it resets every watcher's cursor."""


class RedexApplicationDecidedTrigger(BaseEventTrigger):
    """Fire once for each application of one kind that REDEX decides (for an ``AssetWatcher``).

    Each event's payload (JSON primitives): ``kind``, ``application_id``, ``application_number``,
    ``status`` (REDEX's), ``decision`` (``success`` or ``failure``), ``reason`` (REDEX's, when
    given) and ``result`` (what the kind's sensor would return on success).

    :param kind: ``rec_applications``, ``retirements`` or ``device_applications``.
    :param redex_conn_id: the REDEX connection (the account watched).
    :param poll_interval: seconds between polls (shared with the sensors of that kind).
    :param statuses: fire only on these decided statuses (REDEX's values, e.g. ``["Completed"]``);
        default: every decision, success or failure.
    """

    def __init__(
        self,
        *,
        kind: str,
        redex_conn_id: str = "redex_default",
        poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
        statuses: list[str] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # BaseTrigger is untyped
        if kind not in WATCHABLE:
            raise ValueError(f"kind must be one of {sorted(WATCHABLE)}, got {kind!r}")
        self.kind = kind
        self.redex_conn_id = redex_conn_id
        self.poll_interval = float(poll_interval)
        terminal = {str(s.value) for s in self.target.statuses.terminal_states()}
        unknown = set(statuses or ()) - terminal
        if unknown:
            raise ValueError(
                f"statuses {sorted(unknown)} are not decisions of {kind}; use {sorted(terminal)}"
            )
        self.statuses = sorted(statuses) if statuses else None

    @property
    def target(self) -> StatusTarget:
        return WATCHABLE[self.kind]

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "kind": self.kind,
                "redex_conn_id": self.redex_conn_id,
                "poll_interval": self.poll_interval,
                "statuses": self.statuses,
            },
        )

    # --- shared with the status triggers of the same kind ------------------------------------

    def shared_stream_key(self) -> Hashable | None:
        return shared.stream_key(self.target, self.redex_conn_id)

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        target = WATCHABLE[kwargs["kind"]]
        key = shared.stream_key(target, kwargs["redex_conn_id"])
        interval = float(kwargs.get("poll_interval", DEFAULT_POLL_INTERVAL_SECONDS))
        async for snapshot in shared.poll_stream(target, kwargs["redex_conn_id"], interval, key):
            yield snapshot

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        async for event in self._watch(shared_stream, self.shared_stream_key()):
            yield event

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # Alone (no triggerer, e.g. a test): a poll of its own, under a key no one else uses.
        key = (*shared.stream_key(self.target, self.redex_conn_id), "alone", id(self))
        stream = shared.poll_stream(self.target, self.redex_conn_id, self.poll_interval, key)
        async for event in self._watch(stream, key):
            yield event

    # --- the cursor ------------------------------------------------------------------------------

    async def _watch(self, stream: AsyncIterator[Any], key: Hashable) -> AsyncIterator[TriggerEvent]:
        cursor = await self._load_cursor()
        waiter = shared.BOARD.join(key, cursor or set(), self.poll_interval, every_item=True)
        try:
            async for snapshot in stream:
                if snapshot.failure is not None:  # a watcher outlives a bad poll: the next one retries
                    log.warning(
                        "REDEX %s watch on %s: poll failed: %s",
                        self.kind,
                        self.redex_conn_id,
                        snapshot.failure,
                    )
                    continue
                decided, new_cursor = self.advance(cursor, snapshot)
                waiter.ids = set(new_cursor)
                if new_cursor != cursor:
                    await self._save_cursor(new_cursor)
                cursor = new_cursor
                for reading in decided:
                    log.info("%s: firing", reading.describe())
                    yield TriggerEvent(self._payload(reading))  # type: ignore[no-untyped-call]
        finally:
            shared.BOARD.leave(key, waiter)

    def advance(
        self, cursor: set[str] | None, snapshot: shared.Snapshot
    ) -> tuple[list[StatusReading], set[str]]:
        """The decisions to fire for ``snapshot``, and the cursor after it."""
        undecided = {k for k, m in snapshot.models.items() if not status_member(m.status).is_terminal}
        if cursor is None:
            return [], undecided
        fired, gone = [], set()
        for key in sorted(cursor - undecided):
            if key in snapshot.errors:  # no longer readable (deleted, another account): forget it
                gone.add(key)
            elif key in snapshot.models:  # left the undecided list and was read: decided
                gone.add(key)
                reading = self.target.reading(key, snapshot.models[key])
                if self.statuses is None or reading.status_value in self.statuses:
                    fired.append(reading)
        return fired, (cursor - gone) | undecided

    async def _load_cursor(self) -> set[str] | None:
        store = getattr(self, "asset_state_store", None)
        try:
            value = await store.aget(CURSOR_KEY) if store is not None else None
        except ValueError:  # watched by several Assets: no single store, the cursor stays in memory
            self.asset_state_store = None
            value = None
        return set(value) if isinstance(value, list) else None

    async def _save_cursor(self, cursor: set[str]) -> None:
        store = getattr(self, "asset_state_store", None)
        if store is not None:
            await store.aset(CURSOR_KEY, sorted(cursor))

    def _payload(self, reading: StatusReading) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "application_id": reading.resource_id,
            "application_number": reading.application_number,
            "status": reading.status_value,
            "decision": "success" if reading.is_success else "failure",
            "reason": reading.reason,
            "result": reading.result if reading.is_success else None,
        }
