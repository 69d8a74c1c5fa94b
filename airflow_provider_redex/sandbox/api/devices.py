"""D1-D5: grouped device applications, their devices and inverters."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from airflow_provider_redex.client.models.common import CreatedResource, DeviceType, PageQuery, Registry
from airflow_provider_redex.client.models.devices import (
    Device,
    DeviceApplication,
    DeviceApplicationQuery,
    GroupedDeviceApplicationRequest,
    InverterApplication,
    InverterApplicationQuery,
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
from airflow_provider_redex.sandbox.state.devices import DeviceApplicationRecord, DeviceRecord, InverterRecord
from airflow_provider_redex.sandbox.state.recs import GROUPED_FUEL

router = APIRouter(tags=["device applications"])


@serve(router, "device_applications.create_grouped", body=GroupedDeviceApplicationRequest, status_code=201)
async def create_grouped(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    body = await read_body(request, GroupedDeviceApplicationRequest)
    application = sandbox.state.devices.register(account.account_id, body, sandbox.clock.now())
    data = emit(CreatedResource, {"Id": application.id})
    return answer(data, status=201, message="Create grouped device application successfully")


@serve(router, "device_applications.list", query=DeviceApplicationQuery)
async def list_applications(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, DeviceApplicationQuery)
    found = [
        a for a in sandbox.listed(sandbox.state.devices.of_account(account.account_id)) if _matches(a, query)
    ]
    items, meta = page_of(query, [application_wire(a) for a in found])
    return answer(items, meta=meta)


def _matches(application: DeviceApplicationRecord, query: DeviceApplicationQuery) -> bool:
    if query.status is not None and application.status is not query.status:
        return False
    if query.registries and Registry.IREC not in query.registries:
        return False
    if query.country_codes and application.request.country_code not in query.country_codes:
        return False
    if query.energies and "Solar" not in query.energies:
        return False
    return not query.device_types or DeviceType.GROUPED in query.device_types


@serve(router, "device_applications.list_inverter_applications", query=InverterApplicationQuery)
async def list_inverter_applications(
    request: Request, account: AccountDep, sandbox: SandboxDep
) -> RedexJSONResponse:
    query = read_query(request, InverterApplicationQuery)
    found = [sandbox.state.devices.inverter(account.account_id, rid) for rid in query.remote_inverter_ids]
    return answer([_inverter_application(i) for i in found if i is not None])


@serve(router, "device_applications.get")
async def get_application(
    deviceApplicationId: UUID, account: AccountDep, sandbox: SandboxDep
) -> RedexJSONResponse:
    application = sandbox.state.devices.get(account.account_id, deviceApplicationId)
    return answer(application_wire(application))


@serve(router, "device_applications.list_devices", query=PageQuery)
async def list_devices(
    deviceApplicationId: UUID, request: Request, account: AccountDep, sandbox: SandboxDep
) -> RedexJSONResponse:
    query = read_query(request, PageQuery)
    application = sandbox.state.devices.get(account.account_id, deviceApplicationId)
    items, meta = page_of(query, [_device(d) for d in application.devices])
    return answer(items, meta=meta)


# --- wire shapes ---------------------------------------------------------------------------


def application_wire(a: DeviceApplicationRecord) -> dict[str, Any]:
    r = a.request
    return emit(
        DeviceApplication,
        {
            "Id": a.id,
            "ApplicationNumber": a.number,
            "DeviceId": a.device_id,
            "Status": {"Value": a.status, "Description": _DESCRIPTIONS[a.status.value]},
            "Registry": {"Value": Registry.IREC, "Description": "I-REC"},
            "DeviceType": {"Value": DeviceType.GROUPED, "Description": "Grouped"},
            "CountryCode": r.country_code,
            "Province": r.province,
            "GroupedEnglishName": r.grouped_english_name,
            "GroupedLocalName": r.grouped_local_name,
            "Timezone": r.timezone,
            "GenerationDataFrequency": a.frequency,
            "FuelType": GROUPED_FUEL,
            "InverterCount": r.inverter_count,
            "ReviewComment": a.review_comment,
            "CreatedTime": wire_time(a.created),
            "UpdatedTime": wire_time(a.updated),
        },
    )


_DESCRIPTIONS = {
    "Unverified": "Unverified",
    "InProgress": "In-Progress",
    "Approved": "Approved",
    "Declined": "Declined",
}


def _device(d: DeviceRecord) -> dict[str, Any]:
    r = d.request
    return emit(
        Device,
        {
            "Id": d.id,
            "InstallationName": r.installation_name,
            "Address": r.address,
            "PostalCode": r.postal_code,
            "Latitude": r.latitude,
            "Longitude": r.longitude,
            "GridConnectionDate": r.grid_connection_date,
            "OwnersDeclarationStartDate": r.owners_declaration_start_date,
            "OwnersDeclarationEndDate": r.owners_declaration_end_date,
            "Domestic": r.domestic,
            "FeedInTariff": r.feed_in_tariff,
            "DeclarationFormFileId": r.declaration_form_file_id,
            "PercentageRenewable": r.percentage_renewable,
            "Timezone": d.application.request.timezone,
            "CreatedTime": wire_time(d.created),
            "Inverters": [_inverter(i) for i in d.inverters],
        },
    )


def _inverter(i: InverterRecord) -> dict[str, Any]:
    r = i.request
    return {
        "Id": i.id,
        "RemoteInvId": r.remote_inv_id,
        "BrandCode": r.brand_code,
        "OtherBrandName": r.other_brand_name or "",
        "ElectronicSerialNumber": r.electronic_serial_number,
        "InstalledCapacity": r.installed_capacity,
        "EffectiveStartDate": i.effective_start,
        "EffectiveEndDate": r.effective_end_date,
        "ReplacedByRemoteInvId": r.replaced_by_remote_inv_id,
        "CreatedTime": wire_time(i.created),
    }


def _inverter_application(i: InverterRecord) -> dict[str, Any]:
    a = i.device.application
    data = _inverter(i) | {
        "DeviceApplicationId": a.id,
        "DeviceId": a.device_id,
        "Status": {"Value": a.status, "Description": _DESCRIPTIONS[a.status.value]},
    }
    return emit(InverterApplication, data)
