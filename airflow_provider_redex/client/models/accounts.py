"""The business account (P1-P3)."""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from airflow_provider_redex.client.models.base import ResponseModel, ValueDescription
from airflow_provider_redex.client.models.common import PageQuery


class AccountType(str, Enum):
    """AccountType (13.12), the account's payment type."""

    NORMAL = "Normal"
    PREMIUM = "Premium"


class CompanyInfo(ResponseModel):
    """P1 ``CompanyInfo``. ``Country`` and ``Province`` are names here (``Viet Nam``), not codes."""

    company_name: str | None = None
    company_english_name: str | None = None
    company_registration_number: str | None = None
    address: str | None = None
    country: str | None = None
    province: str | None = None
    email: str | None = None
    contact_number: str | None = None


class ContactPerson(ResponseModel):
    """P1 ``ContactPerson``."""

    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    email: str | None = None
    country: str | None = None
    postal_code: str | None = None
    city: str | None = None
    address: str | None = None


class Account(ResponseModel):
    """P1 ``Data`` (the Account resource); our choice for P2 items too."""

    id: UUID
    referral_code: str | None = None
    account_type: ValueDescription[AccountType] | None = None
    evident_trade_account: str | None = None
    company_info: CompanyInfo | None = None
    contact_person: ContactPerson | None = None


class AccountQuery(PageQuery):
    """P2 filters."""

    account_type: AccountType | None = None
