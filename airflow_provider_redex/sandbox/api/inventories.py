"""I1-I5: device inventory, REC inventory (plain and advance filter), REC transactions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from airflow_provider_redex.client.models.common import DeviceType, PageQuery, Registry
from airflow_provider_redex.client.models.inventory import (
    AdvanceFilter,
    DeviceInventoryItem,
    DeviceInventoryQuery,
    RecInventoryFilterRequest,
    RecInventoryQuery,
    RecItem,
    RecTransaction,
    RecTransactionQuery,
)
from airflow_provider_redex.sandbox.api._routing import (
    AccountDep,
    SandboxDep,
    emit,
    page_of,
    read_body,
    read_query,
    serve,
)
from airflow_provider_redex.sandbox.clock import wire_time
from airflow_provider_redex.sandbox.responses import RedexJSONResponse, answer
from airflow_provider_redex.sandbox.state.devices import DeviceApplicationRecord
from airflow_provider_redex.sandbox.state.inventory import RecItemRecord
from airflow_provider_redex.sandbox.state.recs import GROUPED_FUEL

router = APIRouter(tags=["inventories"])


@serve(router, "inventories.list_devices", query=DeviceInventoryQuery)
async def list_devices(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, DeviceInventoryQuery)
    groups = sandbox.state.devices.approved(account.account_id)
    if query.registries and Registry.IREC not in query.registries:
        groups = []
    items, meta = page_of(query, [_device(g) for g in groups])
    return answer(items, meta=meta)


@serve(router, "inventories.get_device")
async def get_device(deviceId: UUID, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    return answer(_device(sandbox.state.devices.by_device_id(account.account_id, deviceId)))


def _device(g: DeviceApplicationRecord) -> dict[str, Any]:
    capacity = sum(i.request.installed_capacity for i in g.inverters)
    return emit(
        DeviceInventoryItem,
        {
            "Id": g.grouped_device_id,
            "DeviceName": g.request.grouped_english_name,
            "DeviceUniqueId": g.unique_id,
            "RegistryId": g.registry_id,
            "Registry": {"Value": Registry.IREC, "Description": "I-REC"},
            "DeviceType": {"Value": DeviceType.GROUPED, "Description": "Grouped"},
            "CountryCode": g.request.country_code,
            "ProvinceCode": g.request.province,
            "FuelType": GROUPED_FUEL,
            "Capacity": capacity,
            "CreatedTime": wire_time(g.created),
        },
    )


@serve(router, "inventories.list_recs", query=RecInventoryQuery)
async def list_recs(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, RecInventoryQuery)
    found = _select(
        sandbox.state.inventory.of_account(account.account_id), query.registries, query.device_ids, None
    )
    items, meta = page_of(query, [emit(RecItem, i.wire()) for i in found])
    return answer(items, meta=meta)


@serve(router, "inventories.filter_recs", body=RecInventoryFilterRequest)
async def filter_recs(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    body = await read_body(request, RecInventoryFilterRequest)
    mine = sandbox.state.inventory.of_account(account.account_id)
    found = _select(mine, body.registries, body.device_ids, body.advance_filters)
    paging = PageQuery(search=body.search, current_page=body.current_page, items_per_page=body.items_per_page)
    items, meta = page_of(paging, [emit(RecItem, i.wire()) for i in found])
    return answer(items, meta=meta)


def _select(
    items: list[RecItemRecord],
    registries: list[Registry] | None,
    device_ids: list[UUID] | None,
    advance: AdvanceFilter | None,
) -> list[RecItemRecord]:
    chosen = [
        i
        for i in items
        if (not registries or i.registry in registries) and (not device_ids or i.device_id in device_ids)
    ]
    if advance is None:
        return chosen
    low, high = advance.vintage_month_from or 1, advance.vintage_month_to or 12
    chosen = [i for i in chosen if low <= i.vintage_from.month and i.vintage_to.month <= high]
    if advance.province:
        chosen = [i for i in chosen if i.province == advance.province]
    return chosen


@serve(router, "inventories.list_transactions", query=RecTransactionQuery)
async def list_transactions(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, RecTransactionQuery)
    found = [
        t
        for t in sandbox.state.inventory.transactions_of(account.account_id)
        if (not query.types or t.type in query.types)
        and (query.device_id is None or query.device_id in t.device_ids)
        and (query.registry is None or t.registry is query.registry)
        and (not query.country_codes or any(d["CountryCode"] in query.country_codes for d in t.details))
    ]
    items, meta = page_of(query, [emit(RecTransaction, t.wire()) for t in found])
    return answer(items, meta=meta)
