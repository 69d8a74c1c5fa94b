"""G1-G6: sending generation data, following its processing, reading it back."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.devices import GenerationDataFrequency
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
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
    body = await read_body(request, InverterDailyData)
    return _accepted(sandbox, account.account_id, ProcessingType.CREATE_NEW_GENERATION_DATA, _daily(body))


@serve(router, "generation.send_batch", body=BatchGenerationRequest)
async def send_batch(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    body = await read_body(request, BatchGenerationRequest)
    readings = [reading for inverter in body.devices for reading in _daily(inverter)]
    return _accepted(sandbox, account.account_id, ProcessingType.CREATE_NEW_GENERATION_DATA, readings)


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
