"""Triggers that wait, in the triggerer, until a REDEX application or process is decided.

DESIGN.md "Triggers only read": every request here is a GET through ``RedexAsyncHook``, whose
client paces itself on the same budget as the tasks of that connection. A trigger carries an
absolute deadline (epoch seconds), so a trigger that is moved to another triggerer, or
restarted, does not wait longer than the sensor asked. Before giving up it reads the status
once more, so an application decided in the last interval is not reported as a timeout.
Each trigger yields exactly one event (see :mod:`airflow_provider_redex.triggers.events`).

In a triggerer the status triggers share their polling (:mod:`airflow_provider_redex.triggers.shared`):
every trigger on one connection and one kind reads its item from one list request per interval,
so waiting costs one request per kind per interval, not one per waiting sensor. Alone (``airflow
dags test`` runs a trigger in-process through ``run()``), a trigger reads its own ids with GETs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Hashable
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_redex.triggers import shared
from airflow_provider_redex.triggers.events import EVENT_ERROR, RedexTriggerEvent, make_event
from airflow_provider_redex.triggers.targets import (
    DeviceApplicationTarget,
    GenerationProcessTarget,
    RecApplicationTarget,
    RetirementApplicationTarget,
    StatusReading,
    StatusTarget,
)

DEFAULT_POLL_INTERVAL_SECONDS = 60.0
_Item = TypeVar("_Item")


class RedexStatusTrigger(BaseEventTrigger):
    """Poll one REDEX resource until its status is terminal or ``deadline`` passes.

    In a triggerer, every trigger of one kind on one connection shares one poll (one list
    request per interval, see :mod:`~airflow_provider_redex.triggers.shared`); alone, ``run()``
    reads the resource with a GET per interval.

    :param resource_ids: the application id (uuid) or generation ProcessIds to poll; the
        trigger succeeds when all succeeded and fails at the first failure.
    :param redex_conn_id: the REDEX connection.
    :param deadline: absolute time (epoch seconds, UTC) after which the trigger reports a
        timeout, after one last check.
    :param poll_interval: seconds between GETs.
    """

    target: ClassVar[StatusTarget]

    # A status trigger belongs to a deferred task: with [triggerer] queues_enabled it keeps
    # running on the task's queue, as before it became an event trigger (which opt out).
    supports_triggerer_queue: bool = True

    def __init__(
        self,
        *,
        resource_ids: list[str],
        redex_conn_id: str,
        deadline: float,
        poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # BaseTrigger is untyped
        self.resource_ids = [str(resource_id) for resource_id in resource_ids]
        if not self.resource_ids:
            raise ValueError(f"{type(self).__name__} needs at least one id to poll")
        self.redex_conn_id = redex_conn_id
        self.deadline = float(deadline)
        self.poll_interval = float(poll_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        # JSON primitives only: since Airflow 3.2 serde refuses anything else, and it would
        # do so after the sensor has already deferred.
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "resource_ids": list(self.resource_ids),
                "redex_conn_id": self.redex_conn_id,
                "deadline": self.deadline,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        event = await self._reported(self._poll_until_decided({}))
        yield TriggerEvent(dict(event))  # type: ignore[no-untyped-call]

    # --- shared waiting (Airflow 3.3 shared streams) ---------------------------------------------

    def shared_stream_key(self) -> Hashable | None:
        return shared.stream_key(self.target, self.redex_conn_id)

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        # kwargs are one trigger's: only the connection is read from them (it is in the key).
        key = shared.stream_key(cls.target, kwargs["redex_conn_id"])
        interval = float(kwargs.get("poll_interval", DEFAULT_POLL_INTERVAL_SECONDS))
        async for snapshot in shared.poll_stream(cls.target, kwargs["redex_conn_id"], interval, key):
            yield snapshot

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        key = self.shared_stream_key()
        waiter = shared.BOARD.join(key, {self.target.key(i) for i in self.resource_ids}, self.poll_interval)
        try:
            event = await self._reported(self._wait_on_stream(shared_stream, waiter))
        finally:
            shared.BOARD.leave(key, waiter)
        yield TriggerEvent(dict(event))  # type: ignore[no-untyped-call]

    async def _wait_on_stream(self, stream: AsyncIterator[Any], waiter: shared.Waiter) -> RedexTriggerEvent:
        """Pick this trigger's items out of each shared snapshot until decided or the deadline."""
        decided: dict[str, StatusReading] = {}
        snapshots = aiter(stream)
        while True:
            remaining = self.deadline - time.time()
            if remaining <= 0:
                break
            snapshot = await _next_within(snapshots, remaining)
            if snapshot is None:
                break
            readings = self._pick(snapshot, decided, waiter)
            if readings is None:  # joined after this poll started: the next one covers us
                continue
            event = self.target.decide(readings)
            if event is not None:
                return event
            self._log_waiting(next(r for r in readings if not r.is_success))
        # The deadline passed between two shared polls: a final check of our own, as alone.
        return await self._poll_until_decided(decided)

    def _pick(
        self, snapshot: shared.Snapshot, decided: dict[str, StatusReading], waiter: shared.Waiter
    ) -> list[StatusReading] | None:
        """This trigger's readings from a snapshot; ``None`` when the poll did not cover them."""
        if snapshot.failure is not None:
            raise shared.SharedPollError(snapshot.failure)
        readings = []
        for resource_id in self.resource_ids:
            reading = decided.get(resource_id)
            if reading is None:
                key = self.target.key(resource_id)
                if key in snapshot.errors:
                    raise shared.SharedPollError(snapshot.errors[key])
                if key not in snapshot.models:
                    return None
                reading = self.target.reading(resource_id, snapshot.models[key])
                if reading.is_success:  # a success is final: stop asking the poll for it
                    decided[resource_id] = reading
                    waiter.ids.discard(key)
            readings.append(reading)
        return readings

    # --- reporting, and waiting alone ---------------------------------------------------------

    async def _reported(self, waiting: Any) -> RedexTriggerEvent:
        """Await ``waiting``; an exception becomes an error event (the sensor fails with it)."""
        try:
            event: RedexTriggerEvent = await waiting
        except Exception as exc:  # reported as an event: the sensor fails with the cause shown
            cause = str(exc) if isinstance(exc, shared.SharedPollError) else f"{type(exc).__name__}: {exc}"
            event = make_event(
                EVENT_ERROR,
                f"Polling REDEX {self.target.noun} {', '.join(self.resource_ids)} failed: {cause}",
                resource_id=",".join(self.resource_ids),
            )
        return event

    async def _poll_until_decided(self, decided: dict[str, StatusReading]) -> RedexTriggerEvent:
        """Read with GETs until decided; past the deadline this is one final check."""
        client = await self._client()
        try:
            while True:
                readings = await self._read_all(client, decided)
                event = self.target.decide(readings)
                if event is not None:
                    return event
                pending = next(r for r in readings if not r.is_success)
                if time.time() >= self.deadline:
                    return pending.timeout_event(_iso(self.deadline))
                self._log_waiting(pending)
                # Sleep at most until the deadline, then loop: that read is the final check.
                await asyncio.sleep(max(0.0, min(self.poll_interval, self.deadline - time.time())))
        finally:
            await _close(client)

    async def _read_all(self, client: Any, decided: dict[str, StatusReading]) -> list[StatusReading]:
        """Read every id not yet known to have succeeded; a success is not read again.

        Several generation processes are read in one G4 request where the server allows it.
        """
        pending = [self.target.key(i) for i in self.resource_ids if i not in decided]
        batched, _ = await self.target.afetch_many(client, pending) if len(pending) > 1 else ({}, 0)
        readings = []
        for resource_id in self.resource_ids:
            model = batched.get(self.target.key(resource_id))
            reading = decided.get(resource_id) or (
                self.target.reading(resource_id, model)
                if model is not None
                else await self.target.aread(client, resource_id)
            )
            if reading.is_success:
                decided[resource_id] = reading
            readings.append(reading)
        return readings

    async def _client(self) -> Any:
        from airflow_provider_redex.hooks.redex import RedexAsyncHook

        return await RedexAsyncHook(redex_conn_id=self.redex_conn_id).get_client()

    def _log_waiting(self, reading: StatusReading) -> None:
        self.log.info(
            "%s; checking again in %.0f s (giving up at %s)",
            reading.describe(),
            min(self.poll_interval, max(0.0, self.deadline - time.time())),
            _iso(self.deadline),
        )


async def _close(client: Any) -> None:
    close = getattr(client, "aclose", None)
    if close is not None:
        await close()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds")


class RedexDeviceApplicationTrigger(RedexStatusTrigger):
    """Wait until a grouped-device application is approved or declined."""

    target = DeviceApplicationTarget()


class RedexGenerationProcessTrigger(RedexStatusTrigger):
    """Wait until REDEX has processed a generation-data push (one ProcessId)."""

    target = GenerationProcessTarget()


class RedexRecApplicationTrigger(RedexStatusTrigger):
    """Wait until a REC issuance application is decided."""

    target = RecApplicationTarget()


class RedexRetirementApplicationTrigger(RedexStatusTrigger):
    """Wait until a retirement application is completed or refused."""

    target = RetirementApplicationTarget()


async def _next_within(items: AsyncIterator[_Item], seconds: float) -> _Item | None:
    """The next item, or ``None`` when none came within ``seconds``.

    Not ``asyncio.wait_for``: before Python 3.12 it drops a cancellation that meets a ready item,
    and a cancelled trigger would then poll on until its deadline. ``asyncio.wait`` never does.
    """
    pending = asyncio.ensure_future(anext(items))
    try:
        done, _ = await asyncio.wait({pending}, timeout=seconds)
    finally:
        if not pending.done():
            pending.cancel()
    return pending.result() if done else None
