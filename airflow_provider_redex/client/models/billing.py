"""Fees, invoices and payment information (B1-B6).

REDEX documents only the filters of these endpoints; every response shape here is our choice
(15.1 #22): a few identifying fields, all optional, and every other field kept as an extra.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from airflow_provider_redex.client.models.base import QueryModel, ResponseModel, ValueDescription
from airflow_provider_redex.client.models.common import PageQuery, Registry
from airflow_provider_redex.client.models.times import UtcDateTime


class DebtStatus(str, Enum):
    """DebtStatus (13.13)."""

    UNPAID = "Unpaid"
    PAID = "Paid"
    TO_BE_COLLECTED = "ToBeCollected"


class FeeCode(str, Enum):
    """FeeCodeType (13.13); the meanings are undocumented."""

    ASRG = "ASRG"
    RECR = "RECR"
    QREV = "QREV"
    RECL = "RECL"
    RECB = "RECB"
    RECT = "RECT"
    RECRA = "RECRA"
    RECRS = "RECRS"
    RECTO = "RECTO"
    RECTPO = "RECTPO"
    RECTPI = "RECTPI"
    ASRD = "ASRD"
    RECG = "RECG"
    GASRG = "GASRG"
    GRECR = "GRECR"


class InvoiceStatus(str, Enum):
    """ClientInvoiceStatus (13.14)."""

    UNPAID = "Unpaid"
    WAITING_FOR_CONFIRM = "WaitingForConfirm"
    PAID = "Paid"
    EXPIRED = "Expired"
    CANCELLED = "Cancelled"
    REFUNDED = "Refunded"
    PARTIAL_PAYMENT = "PartialPayment"
    PARTIAL_PAID = "PartialPaid"
    PAYMENT_FOLLOW_UP = "PaymentFollowUp"
    OFFLINE_MANUAL = "OfflineManual"


class InvoiceTransactionType(str, Enum):
    """TransactionType of an invoice (13.14)."""

    ACCOUNTS_PAYABLE = "AccountsPayable"
    ACCOUNTS_RECEIVABLE = "AccountsReceivable"


class Debt(ResponseModel):
    """B1 item and B2 object: one fee the account owes or paid."""

    id: str | None = None
    fee_code: str | None = None
    status: ValueDescription[DebtStatus] | None = None
    currency: str | None = None
    amount: Decimal | None = None
    created_time: UtcDateTime | None = None


class FeeAgreement(ResponseModel):
    """B3 object: the account's pricing for a registry."""

    registry: str | None = None
    currency: str | None = None


class Invoice(ResponseModel):
    """B4 item and B5 object. REDEX's samples show another envelope here (1.2.1, C22); the
    transport reads the standard one and keeps ``Code`` if present."""

    invoice_number: str | None = None
    status: ValueDescription[InvoiceStatus] | None = None
    transaction_type: ValueDescription[InvoiceTransactionType] | None = None
    currency: str | None = None
    amount: Decimal | None = None
    created_time: UtcDateTime | None = None


class PaymentInformation(ResponseModel):
    """B6 item."""

    id: str | None = None
    is_active: bool | None = None


class FeeQuery(PageQuery):
    """B1 filters."""

    statuses: list[DebtStatus] | None = None
    currencies: list[str] | None = None
    fee_codes: list[FeeCode] | None = None


class FeeAgreementQuery(QueryModel):
    """B3 query (not paged)."""

    registry: Registry | None = None


class InvoiceQuery(PageQuery):
    """B4 filters."""

    statuses: list[InvoiceStatus] | None = None
    status: InvoiceStatus | None = None
    transaction_type: InvoiceTransactionType | None = None


class PaymentInformationQuery(PageQuery):
    """B6 filters."""

    is_active: bool | None = None
