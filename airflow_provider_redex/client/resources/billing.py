"""Fees, invoices and payment information (B1-B6); every path here is our choice (15.1 #22)."""

from __future__ import annotations

from collections.abc import Sequence

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.models.billing import (
    Debt,
    DebtStatus,
    FeeAgreement,
    FeeAgreementQuery,
    FeeCode,
    FeeQuery,
    Invoice,
    InvoiceQuery,
    InvoiceStatus,
    InvoiceTransactionType,
    PaymentInformation,
    PaymentInformationQuery,
)
from airflow_provider_redex.client.models.common import Registry
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    listing,
    paged,
    text_param,
)


class Billing(Resource[K]):
    """What the account owes and has paid."""

    @paged
    def list_fees(
        self,
        *,
        statuses: Sequence[DebtStatus | str] | None = None,
        currencies: Sequence[str] | None = None,
        fee_codes: Sequence[FeeCode | str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Debt]:
        """B1: the account's fees (debts)."""
        query = FeeQuery.from_input(
            {
                "statuses": statuses,
                "currencies": currencies,
                "fee_codes": fee_codes,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("billing.list_fees", Debt, query)

    @endpoint
    def get_debt(self, debt_id: str) -> Call[Debt]:
        """B2: one debt."""
        return Call.one(Debt, "billing.get_debt", path_params={"debtId": text_param(debt_id, "debtId")})

    @endpoint
    def get_fee_agreements(self, *, registry: Registry | str | None = None) -> Call[FeeAgreement]:
        """B3: the account's pricing."""
        query = FeeAgreementQuery.from_input({"registry": registry})
        return Call.one(FeeAgreement, "billing.get_fee_agreements", params=query.to_params())

    @paged
    def list_invoices(
        self,
        *,
        statuses: Sequence[InvoiceStatus | str] | None = None,
        status: InvoiceStatus | str | None = None,
        transaction_type: InvoiceTransactionType | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Invoice]:
        """B4: the account's invoices."""
        query = InvoiceQuery.from_input(
            {
                "statuses": statuses,
                "status": status,
                "transaction_type": transaction_type,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("billing.list_invoices", Invoice, query)

    @endpoint
    def get_invoice(self, invoice_number: str) -> Call[Invoice]:
        """B5: one invoice."""
        number = text_param(invoice_number, "invoiceNumber")
        return Call.one(Invoice, "billing.get_invoice", path_params={"invoiceNumber": number})

    @paged
    def list_payment_information(
        self,
        *,
        is_active: bool | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[PaymentInformation]:
        """B6: the account's payment information."""
        query = PaymentInformationQuery.from_input(
            {
                "is_active": is_active,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("billing.list_payment_information", PaymentInformation, query)
