"""M1-M3 metadata, P1-P3 account profile, B1-B6 billing: fixed data, filtered and paged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

import airflow_provider_redex.sandbox.reference_data as ref
from airflow_provider_redex.client.models.accounts import Account as AccountProfile
from airflow_provider_redex.client.models.accounts import AccountQuery
from airflow_provider_redex.client.models.billing import (
    Debt,
    FeeAgreement,
    FeeAgreementQuery,
    FeeQuery,
    Invoice,
    InvoiceQuery,
    PaymentInformation,
    PaymentInformationQuery,
)
from airflow_provider_redex.client.models.documents import DocumentFile
from airflow_provider_redex.client.models.metadata import (
    FuelType,
    FuelTypeQuery,
    InverterBrand,
    InverterBrandQuery,
    Technology,
    TechnologyQuery,
)
from airflow_provider_redex.sandbox.api._routing import AccountDep, emit, page_of, read_query, serve
from airflow_provider_redex.sandbox.responses import ApiError, RedexJSONResponse, answer

router = APIRouter(tags=["metadata, accounts, billing"])


@serve(router, "metadata.list_inverter_brands", query=InverterBrandQuery)
async def inverter_brands(request: Request, _: AccountDep) -> RedexJSONResponse:
    query = read_query(request, InverterBrandQuery)
    found = [b for b in ref.brands() if query.code is None or b["Code"] == query.code]
    items, meta = page_of(query, [emit(InverterBrand, b) for b in found])
    return answer(items, meta=meta)


@serve(router, "metadata.list_fuel_types", query=FuelTypeQuery)
async def fuel_types(request: Request, _: AccountDep) -> RedexJSONResponse:
    query = read_query(request, FuelTypeQuery)
    found = [
        f
        for f in ref.fuel_types()
        if (query.fuel_kind is None or f["FuelKind"] == query.fuel_kind)
        and (query.fuel_name is None or f["FuelName"] == query.fuel_name)
        and (query.registry is None or f["Registry"] == query.registry.value)
    ]
    items, meta = page_of(query, [emit(FuelType, f) for f in found])
    return answer(items, meta=meta)


@serve(router, "metadata.list_technologies", query=TechnologyQuery)
async def technologies(request: Request, _: AccountDep) -> RedexJSONResponse:
    query = read_query(request, TechnologyQuery)
    found = [
        t
        for t in ref.technologies()
        if (query.fuel_name is None or t["FuelName"] == query.fuel_name)
        and (query.fuel_kind is None or t["FuelKind"] == query.fuel_kind)
        and (query.fuel_kind_code is None or t["FuelKindCode"] == query.fuel_kind_code)
    ]
    items, meta = page_of(query, [emit(Technology, t) for t in found])
    return answer(items, meta=meta)


@serve(router, "accounts.get_profile")
async def get_profile(account: AccountDep) -> RedexJSONResponse:
    return answer(emit(AccountProfile, ref.profile(account)))


@serve(router, "accounts.list_documents")
async def list_profile_documents(account: AccountDep) -> RedexJSONResponse:
    return answer([emit(DocumentFile, d) for d in ref.profile_documents(account)])


@serve(router, "accounts.list", query=AccountQuery)
async def list_profiles(request: Request, account: AccountDep) -> RedexJSONResponse:
    """P2: the profiles this token may see, which is its own account only."""
    query = read_query(request, AccountQuery)
    profiles = [ref.profile(account)]
    if query.account_type is not None and query.account_type.value != "Normal":
        profiles = []
    items, meta = page_of(query, [emit(AccountProfile, p) for p in profiles])
    return answer(items, meta=meta)


def _debts(account: Any) -> list[dict[str, Any]]:
    return [emit(Debt, d) for d in ref.debts(account)]


@serve(router, "billing.list_fees", query=FeeQuery)
async def list_fees(request: Request, account: AccountDep) -> RedexJSONResponse:
    query = read_query(request, FeeQuery)
    found = [
        d
        for d in ref.debts(account)
        if (not query.statuses or d["Status"]["Value"] in {s.value for s in query.statuses})
        and (not query.currencies or d["Currency"] in query.currencies)
        and (not query.fee_codes or d["FeeCode"] in {c.value for c in query.fee_codes})
    ]
    items, meta = page_of(query, [emit(Debt, d) for d in found])
    return answer(items, meta=meta)


@serve(router, "billing.get_debt")
async def get_debt(debtId: str, account: AccountDep) -> RedexJSONResponse:
    for debt in _debts(account):
        if debt["Id"] == debtId:
            return answer(debt)
    raise ApiError(404)


@serve(router, "billing.get_fee_agreements", query=FeeAgreementQuery)
async def get_fee_agreements(request: Request, _: AccountDep) -> RedexJSONResponse:
    query = read_query(request, FeeAgreementQuery)
    return answer(emit(FeeAgreement, ref.fee_agreements(query.registry.value if query.registry else None)))


@serve(router, "billing.list_invoices", query=InvoiceQuery)
async def list_invoices(request: Request, account: AccountDep) -> RedexJSONResponse:
    query = read_query(request, InvoiceQuery)
    wanted = {s.value for s in query.statuses or ()} | ({query.status.value} if query.status else set())
    found = [
        i
        for i in ref.invoices(account)
        if (not wanted or i["Status"]["Value"] in wanted)
        and (query.transaction_type is None or i["TransactionType"]["Value"] == query.transaction_type.value)
    ]
    items, meta = page_of(query, [emit(Invoice, i) for i in found])
    return answer(items, meta=meta)


@serve(router, "billing.get_invoice")
async def get_invoice(invoiceNumber: str, account: AccountDep) -> RedexJSONResponse:
    for invoice in ref.invoices(account):
        if invoice["InvoiceNumber"] == invoiceNumber:
            return answer(emit(Invoice, invoice))
    raise ApiError(404)


@serve(router, "billing.list_payment_information", query=PaymentInformationQuery)
async def list_payment_information(request: Request, account: AccountDep) -> RedexJSONResponse:
    query = read_query(request, PaymentInformationQuery)
    found = [
        p
        for p in ref.payment_information(account)
        if query.is_active is None or p["IsActive"] == query.is_active
    ]
    items, meta = page_of(query, [emit(PaymentInformation, p) for p in found])
    return answer(items, meta=meta)
