"""G1-G6: sending generation data, following its processing, reading it back."""

from __future__ import annotations

import re
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, localcontext
from itertools import repeat
from typing import Any
from uuid import UUID

import msgspec
from fastapi import APIRouter, Request
from pydantic import TypeAdapter

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import RequestModel
from airflow_provider_redex.client.models.common import RemoteInvId
from airflow_provider_redex.client.models.daily_fast import PLAIN_KWH_TEXT
from airflow_provider_redex.client.models.devices import GenerationDataFrequency
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    DailyRecord,
    GenerationProcess,
    GenerationQuery,
    GenerationRecord,
    InverterDailyData,
    MonthlyGenerationBatch,
    MonthlyGenerationData,
    PeriodSum,
    PeriodSumQuery,
    ProcessIdsQuery,
    ProcessingType,
    ProcessRef,
    not_in_future,
)
from airflow_provider_redex.client.models.rules import MONTH_KEYS
from airflow_provider_redex.sandbox.api._routing import (
    AccountDep,
    SandboxDep,
    emit,
    page_of,
    read_body,
    read_json,
    read_query,
    serve,
    validate,
)
from airflow_provider_redex.sandbox.clock import wire_time
from airflow_provider_redex.sandbox.responses import RedexJSONResponse, answer, bad_request
from airflow_provider_redex.sandbox.runtime import Sandbox
from airflow_provider_redex.sandbox.state.generation import Process, Reading

router = APIRouter(tags=["generation data"])


def _accepted(
    sandbox: Sandbox, account_id: UUID, kind: ProcessingType, readings: list[Reading]
) -> RedexJSONResponse:
    process = sandbox.state.generation.submit(account_id, kind, readings, sandbox.clock.now())
    return answer(emit(ProcessRef, {"ProcessId": process.id}))


def _daily(data: InverterDailyData) -> list[Reading]:
    return [
        Reading(data.remote_inv_id, r.timestamp, r.period_production_in_kwh, r.accumulated_energy_in_kwh)
        for r in data.data
    ]


@serve(router, "generation.send_daily", body=InverterDailyData)
async def send_daily(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    readings = plain_daily_readings(await request.body(), batch=False)
    if readings is None:
        readings = _daily(await read_body(request, InverterDailyData))
    return _accepted(sandbox, account.account_id, ProcessingType.CREATE_NEW_GENERATION_DATA, readings)


@serve(router, "generation.send_batch", body=BatchGenerationRequest)
async def send_batch(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    readings = plain_daily_readings(await request.body(), batch=True)
    if readings is None:
        body = await read_body(request, BatchGenerationRequest)
        readings = [reading for inverter in body.devices for reading in _daily(inverter)]
    return _accepted(sandbox, account.account_id, ProcessingType.CREATE_NEW_GENERATION_DATA, readings)


# --- daily data: the plain case without the model --------------------------------------------
#
# Validating a 3000-record batch with the client's model costs three times the rest of the
# request (a Python call per day and per kWh). Most bodies are plain: YYYY-MM-DD days,
# non-negative kWh with at most 3 decimals, every key spelled as on the wire. Those are read
# here straight into readings, with the same Decimals the model would keep; anything else, or
# anything in doubt, goes to the model, which is where the rules and their error messages live.
# This path never refuses: it only declines.

FAST_DAILY_PATH = True
"""Off: every body goes through the model (tests compare both paths)."""

_PLAIN_KWH = re.compile(PLAIN_KWH_TEXT)
"""A kWh sent as text that :data:`ExactKWh` surely accepts; the rule itself (and a value like
``"1.5000"``) is the model's."""

_EXACT = Context(prec=60, traps=[Inexact, Overflow, InvalidOperation])
"""Sums kWh exactly or raises: a sum's exponent is then its terms' smallest (see :func:`_plain_kwh`)."""

_REMOTE_INV_ID: TypeAdapter[str] = TypeAdapter(RemoteInvId)


class _Declined(ValueError):
    """This body is not plainly valid: the model reads it and says what, if anything, is wrong."""


def _wire_struct(name: str, model: type[RequestModel], types: dict[str, Any]) -> type[msgspec.Struct]:
    """A msgspec struct with ``model``'s fields under their wire names: unknown, missing or
    snake_case keys fail the decode, and the body goes to the model."""
    return msgspec.defstruct(
        name,
        [(field, types[field]) for field in model.model_fields],
        rename={field: info.alias or field for field, info in model.model_fields.items()},
        forbid_unknown_fields=True,
    )


_Day = _wire_struct(
    "_Day",
    DailyRecord,
    {"timestamp": date, "period_production_in_kwh": Any, "accumulated_energy_in_kwh": Any},
)
_Inverter = _wire_struct("_Inverter", InverterDailyData, {"remote_inv_id": str, "data": list[_Day]})  # type: ignore[valid-type]
_Batch = _wire_struct("_Batch", BatchGenerationRequest, {"devices": list[_Inverter]})  # type: ignore[valid-type]
_DECODERS = {
    batch: msgspec.json.Decoder(_Batch if batch else _Inverter, float_hook=Decimal) for batch in (False, True)
}


def plain_daily_readings(raw: bytes, *, batch: bool) -> list[Reading] | None:
    """The readings of a G2 (``batch``) or G1 body that is plainly valid, else ``None``."""
    if not FAST_DAILY_PATH:
        return None
    try:
        decoded: Any = _DECODERS[batch].decode(raw)
        return _readings(decoded.devices if batch else [decoded])
    except (msgspec.MsgspecError, ValueError, ArithmeticError):
        return None


def _readings(inverters: list[Any]) -> list[Reading]:
    if not inverters or sum(len(inverter.data) for inverter in inverters) > rules.MAX_RECORDS_PER_REQUEST:
        raise _Declined("size")
    readings: list[Reading] = []
    seen: set[str] = set()
    for inverter in inverters:
        inverter_id = _REMOTE_INV_ID.validate_python(inverter.remote_inv_id)
        data = inverter.data
        days = [record.timestamp for record in data]
        if not days or len(set(days)) != len(days) or inverter_id in seen:
            raise _Declined(inverter_id)
        seen.add(inverter_id)
        not_in_future(max(days))
        periods = _plain_kwh([record.period_production_in_kwh for record in data])
        totals = _plain_kwh([record.accumulated_energy_in_kwh for record in data])
        readings.extend(map(Reading, repeat(inverter_id), days, periods, totals))
    return readings


def _plain_kwh(values: list[Any]) -> list[Decimal]:
    """Decoded kWh values as Decimals, if every one is plainly what :data:`ExactKWh` accepts.

    Checked together rather than one by one: non-integer numbers are already ``Decimal`` (made by
    msgspec from their exact digits), so a ``min`` and an exact ``sum`` (whose exponent is the
    smallest of its terms') say "none negative, none with more than 3 decimals" in C. An
    exponent written in the JSON (``4e1``) gives the same ``Decimal`` the model would keep.
    """
    kinds = set(map(type, values))
    if not kinds <= {Decimal, int}:
        values = [_kwh_text(value) for value in values]
    elif int in kinds:
        values = [Decimal(value) if type(value) is int else value for value in values]
    with localcontext(_EXACT):
        total = sum(values, Decimal(0))
    if min(values) < 0 or int(total.as_tuple().exponent) < -rules.ENERGY_DECIMALS:
        raise _Declined("kWh")
    return values


def _kwh_text(value: Any) -> Decimal:
    """A kWh sent as text (REDEX's examples do): plain digits only; anything else is declined."""
    if type(value) is str and _PLAIN_KWH.fullmatch(value) is not None:
        return Decimal(value)
    if type(value) in (Decimal, int):
        return Decimal(value)
    raise _Declined(repr(value))


@serve(router, "generation.send_monthly", body=MonthlyGenerationData, body_is_list=True)
async def send_monthly(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    batch = validate(MonthlyGenerationBatch, await read_json(request))  # type: ignore[type-var]
    readings = []
    for item in batch.root:
        months = item.data.period_production_per_month_in_kwh
        for number, key in enumerate(MONTH_KEYS, start=1):
            value = getattr(months, key.lower())
            if value is not None:
                readings.append(Reading(item.remote_inv_id, date(item.data.year, number, 1), value))
    return _accepted(sandbox, account.account_id, ProcessingType.CREATE_MONTHLY_DATA, readings)


@serve(router, "generation.get_process", query=ProcessIdsQuery)
async def get_process(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    """One ``ProcessId``: its process, as documented. Several (``ProcessId`` repeated, our
    extension): the list of those of this account, unknown ids left out; or, with
    ``process_status_lists`` off, the first id's process alone, as a server that binds one
    ``ProcessId`` answers (the client must then read the others one by one)."""
    ids = read_query(request, ProcessIdsQuery).process_ids
    store = sandbox.state.generation
    if len(ids) == 1 or not sandbox.config.process_status_lists:
        return answer(_process(store.get(account.account_id, ids[0])))
    found = []
    for process_id in dict.fromkeys(ids):
        process = store.processes.get(process_id)
        if process is not None and process.account_id == account.account_id:
            found.append(_process(process))
    return answer(found)


def _process(p: Process) -> dict[str, Any]:
    return emit(
        GenerationProcess,
        {
            "ProcessId": p.id,
            "Status": p.status,
            "ProcessingType": p.type,
            "CreatedTime": wire_time(p.created),
            "UpdatedTime": wire_time(p.updated),
        },
    )


@serve(router, "generation.list", query=GenerationQuery)
async def list_generation(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, GenerationQuery)
    inverter_ids: set[str] | None = None
    if query.device_id is not None:
        group = sandbox.state.devices.by_device_id(account.account_id, query.device_id)
        inverter_ids = {i.request.remote_inv_id for i in group.inverters}
    if query.remote_inv_id is not None:
        inverter_ids = (
            {query.remote_inv_id} & inverter_ids if inverter_ids is not None else {query.remote_inv_id}
        )
    readings = sandbox.state.generation.daily(
        account.account_id, inverter_ids, query.from_date, query.to_date
    )
    items, meta = page_of(query, [_record(r) for r in readings])
    return answer(items, meta=meta)


def _record(r: Reading) -> dict[str, Any]:
    return emit(
        GenerationRecord,
        {
            "RemoteInvId": r.remote_inv_id,
            "Timestamp": r.day,
            "PeriodProductionInKWh": r.period_kwh,
            "AccumulatedEnergyInKWh": r.accumulated_kwh,
        },
    )


@serve(router, "generation.sum_period", query=PeriodSumQuery)
async def sum_period(
    rehashDeviceId: UUID, request: Request, account: AccountDep, sandbox: SandboxDep
) -> RedexJSONResponse:
    query = read_query(request, PeriodSumQuery)
    group = sandbox.state.devices.by_device_id(account.account_id, rehashDeviceId)
    monthly = group.frequency is GenerationDataFrequency.MONTHLY
    start, end = _period_bounds(query.vintage_from, query.vintage_to, monthly)
    total = sandbox.state.generation.period_kwh(account.account_id, group, start, end)
    data = {
        "DeviceId": rehashDeviceId,
        "VintageFrom": query.vintage_from,
        "VintageTo": query.vintage_to,
        "TotalPeriodProductionInKWh": total,
    }
    return answer(emit(PeriodSum, data))


def _period_bounds(first: str, last: str, monthly: bool) -> tuple[date, date]:
    """``yyyy-MM`` for monthly devices, ``yyyy-MM-dd`` for daily ones (G6)."""
    if monthly != (len(first) == 7):
        wanted = "yyyy-MM" if monthly else "yyyy-MM-dd"
        raise bad_request("InvalidPeriodFormat", f"this device takes {wanted}", "VintageFrom")
    try:
        if monthly:
            start = date.fromisoformat(f"{first}-01")
            end = rules.add_months(date.fromisoformat(f"{last}-01"), 1)
            return start, date.fromordinal(end.toordinal() - 1)
        return date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise bad_request("InvalidDate", "not a calendar date", "VintageFrom") from None
