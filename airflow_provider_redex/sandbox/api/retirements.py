"""T1-T6: retirement applications, their certificates, and beneficiaries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from airflow_provider_redex.client.models.common import CreatedResource
from airflow_provider_redex.client.models.retirements import (
    Beneficiary,
    BeneficiaryQuery,
    BeneficiaryRequest,
    BeneficiaryType,
    RetirementApplication,
    RetirementQuery,
    RetirementRequest,
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
from airflow_provider_redex.sandbox.blobs import blob_url
from airflow_provider_redex.sandbox.clock import wire_time
from airflow_provider_redex.sandbox.responses import RedexJSONResponse, answer
from airflow_provider_redex.sandbox.state.inventory import REGISTRY_DESCRIPTIONS
from airflow_provider_redex.sandbox.state.retirements import BeneficiaryRecord, RetirementRecord

router = APIRouter(tags=["retirements"])

_DESCRIPTIONS = {
    "InProgress": "In-Progress",
    "WaitingForPayment": "Waiting For Payment",
    "Returned": "Returned",
    "Cancelled": "Cancelled",
    "Rejected": "Rejected",
    "Completed": "Completed",
}


@serve(router, "retirements.list", query=RetirementQuery)
async def list_retirements(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, RetirementQuery)
    found = [
        r
        for r in sandbox.listed(sandbox.state.retirements.of_account(account.account_id))
        if (not query.statuses or r.status in query.statuses)
        and (not query.registries or r.request.registry in query.registries)
        and (not query.country_codes or any(i.country_code in query.country_codes for i, _ in r.parts))
        and (not query.energies or any(i.energy_value in query.energies for i, _ in r.parts))
    ]
    items, meta = page_of(query, [retirement_wire(request, r, details=False) for r in found])
    return answer(items, meta=meta)


@serve(router, "retirements.create", body=RetirementRequest, status_code=201)
async def create(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    body = await read_body(request, RetirementRequest)
    record = sandbox.state.retirements.create(account.account_id, body, sandbox.clock.now())
    return answer(emit(CreatedResource, {"Id": record.id}), status=201)


@serve(router, "retirements.get")
async def get(
    retirementApplicationId: UUID, request: Request, account: AccountDep, sandbox: SandboxDep
) -> RedexJSONResponse:
    record = sandbox.state.retirements.get(account.account_id, retirementApplicationId)
    return answer(retirement_wire(request, record, details=True))


def retirement_wire(request: Request, r: RetirementRecord, *, details: bool) -> dict[str, Any]:
    items = {i.country_code for i, _ in r.parts}, {i.energy_value for i, _ in r.parts}
    devices = {i.device_id: i.device_name for i, _ in r.parts}
    data: dict[str, Any] = {
        "Id": r.id,
        "ApplicationNumber": r.number,
        "Amount": r.request.quantity,
        "DeviceId": next(iter(devices)) if len(devices) == 1 else None,
        "DeviceName": next(iter(devices.values())) if len(devices) == 1 else None,
        "BeneficiaryId": r.beneficiary.id,
        "BeneficiaryName": r.beneficiary.request.beneficiary_name,
        "Energy": items[1].pop() if len(items[1]) == 1 else "",
        "CountryCode": items[0].pop() if len(items[0]) == 1 else "",
        "VintageYear": r.request.vintage_year,
        "Status": {"Value": r.status, "Description": _DESCRIPTIONS[r.status.value]},
        "Registry": {"Value": r.request.registry, "Description": REGISTRY_DESCRIPTIONS[r.request.registry]},
        "InvoiceNumber": "",
        "Reason": r.request.reason,
        "NameToAppearOnCertificate": r.beneficiary.request.beneficiary_name,
        "CompletedTime": wire_time(r.completed) if r.completed else None,
        "DecisionTime": wire_time(r.decided) if r.decided else None,
        "CreatedTime": wire_time(r.created),
        "UpdatedTime": wire_time(r.updated),
        "BlobContent": blob_url(request, r.id, r.certificate) if r.certificate else None,
        "VerificationUrl": None,
        "VerificationKey": None,
        "ReviewComment": r.review_comment,
    }
    if details:
        data["RetiredItems"] = [
            _retired_item(item, quantity, serials)
            for serials, (item, quantity) in zip(r.serials, r.parts, strict=True)
        ]
    return emit(RetirementApplication, data)


def _retired_item(item: Any, quantity: Any, serials: str) -> dict[str, Any]:
    return {
        "CountryCode": item.country_code,
        "FuelType": item.fuel_type,
        "AssetName": item.device_name,
        "DeviceUniqueId": item.device_unique_id,
        "ProvinceCode": item.province,
        "IsOwnerAsset": True,
        "VintageYear": item.vintage_year,
        "RecItemId": item.id,
        "RecItemType": item.item_type,
        "TradingCount": item.trading_count,
        "SerialNumbers": serials,
        "Quantity": quantity,
    }


# --- beneficiaries -------------------------------------------------------------------------


@serve(router, "beneficiaries.list_types")
async def list_types(_: AccountDep) -> RedexJSONResponse:
    return answer([{"Value": t, "Description": t.value} for t in BeneficiaryType])


@serve(router, "beneficiaries.list", query=BeneficiaryQuery)
async def list_beneficiaries(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, BeneficiaryQuery)
    found = sandbox.state.retirements.beneficiaries_of(account.account_id)
    items, meta = page_of(query, [_beneficiary(b) for b in found])
    return answer(items, meta=meta)


@serve(router, "beneficiaries.create", body=BeneficiaryRequest, status_code=201)
async def create_beneficiary(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    body = await read_body(request, BeneficiaryRequest)
    record = sandbox.state.retirements.add_beneficiary(account.account_id, body, sandbox.clock.now())
    return answer(emit(CreatedResource, {"Id": record.id}), status=201)


def _beneficiary(b: BeneficiaryRecord) -> dict[str, Any]:
    r = b.request
    kind = r.beneficiary_type
    return emit(
        Beneficiary,
        {
            "Id": b.id,
            "Name": r.beneficiary_name,
            "CountryCode": r.country_code,
            "NameToAppearOnCertificate": r.beneficiary_name,
            "BeneficiaryType": {"Value": kind, "Description": kind.value} if kind else None,
            "PersonName": r.personal_name,
            "PersonalAddress": r.personal_address,
            "BuildingName": r.building_name,
            "BuildingOwnerName": r.building_owner_name,
            "BuildingAddress": r.building_address,
            "CorporateName": r.corporate_name,
            "CorporateAddress": r.corporate_address,
        },
    )
