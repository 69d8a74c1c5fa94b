"""R1-R3: REC issuance applications for grouped devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from airflow_provider_redex.client.models.common import CreatedResource, DeviceType, Registry
from airflow_provider_redex.client.models.rec_applications import (
    GroupedDeviceRecApplicationRequest,
    RecApplication,
    RecApplicationQuery,
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
from airflow_provider_redex.sandbox.responses import RedexJSONResponse, answer
from airflow_provider_redex.sandbox.state.recs import ENERGY, GROUPED_FUEL, RecApplicationRecord

router = APIRouter(tags=["REC applications"])

CREATED = "Create REC issuance successfully."
_DESCRIPTIONS = {
    "Draft": "Draft",
    "InProgress": "In-Progress",
    "ToReSubmit": "To Resubmit",
    "Approved": "Approved",
    "Rejected": "Rejected",
    "Withdrawn": "Withdrawn",
}


@serve(router, "rec_applications.list", query=RecApplicationQuery)
async def list_applications(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, RecApplicationQuery)
    found = [
        a for a in sandbox.listed(sandbox.state.recs.of_account(account.account_id)) if _matches(a, query)
    ]
    items, meta = page_of(query, [application_wire(a) for a in found])
    return answer(items, meta=meta)


def _matches(a: RecApplicationRecord, query: RecApplicationQuery) -> bool:
    device_ids = set(query.device_ids or ()) | ({query.device_id} if query.device_id else set())
    return (
        (not query.statuses or a.status in query.statuses)
        and (not device_ids or a.group.grouped_device_id in device_ids)
        and (not query.registries or Registry.IREC in query.registries)
        and (not query.country_codes or a.group.request.country_code in query.country_codes)
        and (not query.energies or ENERGY in query.energies)
        and (not query.device_types or DeviceType.GROUPED in query.device_types)
    )


@serve(
    router,
    "rec_applications.create_for_grouped_device",
    body=GroupedDeviceRecApplicationRequest,
    status_code=201,
)
async def create(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    body = await read_body(request, GroupedDeviceRecApplicationRequest)
    record, warning = sandbox.state.recs.create(
        account.account_id,
        body.device_id,
        body.vintage_from,
        body.vintage_to,
        body.quantity,
        today=sandbox.clock.today(),
        now=sandbox.clock.now(),
    )
    return answer(emit(CreatedResource, {"Id": record.id}), status=201, message=warning or CREATED)


@serve(router, "rec_applications.get")
async def get(recApplicationId: UUID, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    return answer(application_wire(sandbox.state.recs.get(account.account_id, recApplicationId)))


def application_wire(a: RecApplicationRecord) -> dict[str, Any]:
    group = a.group
    return emit(
        RecApplication,
        {
            "Id": a.id,
            "ApplicationNumber": a.number,
            "DeviceName": group.request.grouped_english_name,
            "DeviceId": group.grouped_device_id,
            "DeviceUniqueId": group.unique_id,
            "CountryCode": group.request.country_code,
            "Energy": ENERGY,
            "Registry": {"Value": Registry.IREC, "Description": "I-REC"},
            "Quantity": a.quantity,
            "Status": {"Value": a.status, "Description": _DESCRIPTIONS[a.status.value]},
            "VintageFrom": datetime.combine(a.vintage_from, datetime.min.time()),
            "VintageTo": datetime.combine(a.vintage_to, datetime.min.time()),
            "DeviceType": {"Value": DeviceType.GROUPED, "Description": "Grouped"},
            "ProvinceCode": group.request.province,
            "FuelType": GROUPED_FUEL,
            "ReviewComment": a.review_comment,
        },
    )
