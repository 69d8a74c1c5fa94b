"""Generation data (G1-G6): processes that ingest readings, and the readings they store.

A send is checked by the client's model at once (400), then becomes a process that moves
``New -> Processing`` and ends ``Success`` (its readings stored) or ``Failed`` (nothing
stored) after a short scaled delay. Failure covers what needs the registry: an unknown
``RemoteInvId`` or a day outside the inverter's effective period. A process is applied as a
whole, so a failed one leaves no partial data behind.

Readings are keyed per inverter per day (monthly data per inverter per month): a day sent
again overwrites the old value, it never counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

import msgspec

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.devices import GenerationDataFrequency
from airflow_provider_redex.client.models.generation import ProcessingType, ProcessStatus
from airflow_provider_redex.sandbox.clock import days
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import ApiError
from airflow_provider_redex.sandbox.state.devices import DeviceApplicationRecord, DeviceStore, InverterRecord


class Reading(msgspec.Struct, frozen=True, gc=False):
    """One stored value: a day (daily data) or the first day of a month (monthly data).

    A frozen msgspec struct the garbage collector does not track: it holds only a text, a day
    and decimals, so it can be part of no reference cycle, and a sandbox that stores a million
    readings then pays nothing for them in every collection (a tracked tuple per reading made
    each full collection walk them all: pauses of 0.1 s within a push's burst). Built in C,
    too, at 3000 readings per request.
    """

    remote_inv_id: str
    day: date
    period_kwh: Decimal
    accumulated_kwh: Decimal | None = None


@dataclass
class Process:
    id: int
    account_id: UUID
    type: ProcessingType
    readings: list[Reading]
    created: float
    updated: float
    status: ProcessStatus = ProcessStatus.NEW
    failure: str | None = None


@dataclass
class _AccountData:
    daily: dict[tuple[str, date], Reading] = field(default_factory=dict)
    monthly: dict[tuple[str, date], Reading] = field(default_factory=dict)


class GenerationStore:
    def __init__(self, ids: IdFactory, devices: DeviceStore) -> None:
        self._ids = ids
        self._devices = devices
        self.processes: dict[int, Process] = {}
        self._data: dict[UUID, _AccountData] = {}

    def submit(self, account_id: UUID, kind: ProcessingType, readings: list[Reading], now: float) -> Process:
        process = Process(self._ids.number("process", 20_001), account_id, kind, readings, now, now)
        self.processes[process.id] = process
        return process

    def get(self, account_id: UUID, process_id: int) -> Process:
        process = self.processes.get(process_id)
        if process is None:
            raise ApiError(404)
        if process.account_id != account_id:
            raise ApiError(403)
        return process

    # --- the state machine -------------------------------------------------------------------

    def advance(self, now: float, step: float) -> None:
        """``New`` for ``step`` seconds, ``Processing`` for another ``step``, then the outcome."""
        for process in self.processes.values():
            if process.status is ProcessStatus.NEW and now >= process.created + step:
                process.status, process.updated = ProcessStatus.PROCESSING, process.created + step
            if process.status is ProcessStatus.PROCESSING and now >= process.created + 2 * step:
                self._finish(process, process.created + 2 * step)

    def _finish(self, process: Process, at: float) -> None:
        process.failure = self._problem(process)
        process.updated = at
        if process.failure is not None:
            process.status = ProcessStatus.FAILED
            return
        data = self._data.setdefault(process.account_id, _AccountData())
        store = data.monthly if process.type is ProcessingType.CREATE_MONTHLY_DATA else data.daily
        for reading in process.readings:
            store[(reading.remote_inv_id, reading.day)] = reading
        process.status = ProcessStatus.SUCCESS

    def _problem(self, process: Process) -> str | None:
        monthly = process.type is ProcessingType.CREATE_MONTHLY_DATA
        for reading in process.readings:
            inverter = self._devices.inverter(process.account_id, reading.remote_inv_id)
            if inverter is None:
                return f"unknown RemoteInvId {reading.remote_inv_id!r}"
            if not _effective(inverter, reading.day, monthly):
                return f"{reading.day} is outside the effective period of {reading.remote_inv_id!r}"
        return None

    # --- reads -------------------------------------------------------------------------------

    def daily(self, account_id: UUID, inverter_ids: set[str] | None, start: date, end: date) -> list[Reading]:
        """Stored daily readings in ``start..end``, by inverter then day."""
        data = self._data.get(account_id, _AccountData())
        found = [
            r
            for (inv, day), r in data.daily.items()
            if start <= day <= end and (inverter_ids is None or inv in inverter_ids)
        ]
        return sorted(found, key=lambda r: (r.remote_inv_id, r.day))

    def period_kwh(self, account_id: UUID, group: DeviceApplicationRecord, start: date, end: date) -> Decimal:
        """Energy of a grouped device in ``start..end``: daily readings, or months fully inside."""
        inverter_ids = {inverter.request.remote_inv_id for inverter in group.inverters}
        data = self._data.get(account_id, _AccountData())
        if group.frequency is GenerationDataFrequency.MONTHLY:
            values = [
                r.period_kwh
                for (inv, day), r in data.monthly.items()
                if inv in inverter_ids and start <= day <= end
            ]
        else:
            values = [r.period_kwh for r in self.daily(account_id, inverter_ids, start, end)]
        return sum(values, Decimal(0))

    def recs_available(
        self, account_id: UUID, group: DeviceApplicationRecord, start: date, end: date
    ) -> Decimal:
        return rules.mwh_from_kwh(self.period_kwh(account_id, group, start, end))

    def stored_records(self) -> int:
        return sum(len(d.daily) + len(d.monthly) for d in self._data.values())


def _effective(inverter: InverterRecord, day: date, monthly: bool) -> bool:
    """A daily reading must fall in the effective period; a monthly one must overlap it."""
    if not monthly:
        return inverter.is_effective_on(day)
    month_end = rules.add_months(day, 1)
    return any(inverter.is_effective_on(d) for d in days(day, month_end) if d.month == day.month)
