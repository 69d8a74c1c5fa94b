"""Retirement applications and beneficiaries (T1-T6)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StringConstraints, field_serializer, model_validator

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import Problems, RequestModel, ResponseModel, ValueDescription
from airflow_provider_redex.client.models.common import (
    CountryCode,
    LifecycleStatus,
    PageQuery,
    Registry,
    RetirementQuantity,
)
from airflow_provider_redex.client.models.inventory import RecItemType
from airflow_provider_redex.client.models.times import UtcDateTime

_Name = Annotated[str, StringConstraints(max_length=rules.BENEFICIARY_NAME_MAX)]
_Address = Annotated[str, StringConstraints(max_length=rules.BENEFICIARY_ADDRESS_MAX)]


class RetirementStatus(LifecycleStatus):
    """RetirementStatus (13.5).

    ``WaitingForPayment`` is active (REDEX waits for the fee invoice to be paid); ``Returned``
    is a failure: REDEX sent it back to the applicant, so a waiting task stops and says why.
    """

    IN_PROGRESS = "InProgress"
    WAITING_FOR_PAYMENT = "WaitingForPayment"
    RETURNED = "Returned"
    CANCELLED = "Cancelled"
    REJECTED = "Rejected"
    COMPLETED = "Completed"

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        return frozenset({cls.COMPLETED}), frozenset({cls.REJECTED, cls.CANCELLED, cls.RETURNED})


class BeneficiaryType(str, Enum):
    """BeneficiaryType (13.11): decides which name and address fields a beneficiary needs."""

    CORPORATE = "Corporate"
    BUILDING = "Building"
    PERSONAL = "Personal"


_REQUIRED_BY_TYPE: dict[BeneficiaryType, tuple[tuple[str, str], ...]] = {
    BeneficiaryType.CORPORATE: (
        ("corporate_name", "CorporateName"),
        ("corporate_address", "CorporateAddress"),
    ),
    BeneficiaryType.BUILDING: (("building_name", "BuildingName"), ("building_address", "BuildingAddress")),
    BeneficiaryType.PERSONAL: (("personal_name", "PersonalName"), ("personal_address", "PersonalAddress")),
}


# --- requests ------------------------------------------------------------------------------


class RetirementRecItem(RequestModel):
    """One element of ``RecItems`` (inner fields undocumented, 15.1 #18): our choice."""

    rec_item_id: UUID
    quantity: RetirementQuantity


class RetirementRequest(RequestModel):
    """T2 body: retire ``Quantity`` RECs for a beneficiary.

    Documented: ``Reason`` at most 500 characters, ``Quantity`` at most 9999999.999999 with
    6 decimals. Our choices: ``Reason`` is not empty; ``VintageYear``, ``RecItems`` and the
    consumption times are optional (C8; Redoc marks them optional); when both times are given
    the end is not before the start; pinned ``RecItems`` name each item once and add up to
    ``Quantity``. Times accept every form of API_REFERENCE 1.5 and are sent as
    ``YYYY-MM-DDTHH:MM:SSZ`` when in UTC, ISO 8601 otherwise.
    """

    beneficiary_id: UUID
    vintage_year: int | None = Field(default=None, ge=1900, le=9999)
    quantity: RetirementQuantity
    reason: Annotated[str, StringConstraints(min_length=1, max_length=rules.RETIREMENT_REASON_MAX)]
    registry: Registry
    consumption_start_time: UtcDateTime | None = None
    consumption_end_time: UtcDateTime | None = None
    countries: list[CountryCode] | None = None
    energy_values: list[str] | None = None
    rec_items: list[RetirementRecItem] | None = None

    @field_serializer("consumption_start_time", "consumption_end_time")
    def _wire_time(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.utcoffset() is not None and value.utcoffset() == timezone.utc.utcoffset(None):
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()

    @model_validator(mode="after")
    def _consistent(self) -> RetirementRequest:
        problems = Problems()
        start, end = self.consumption_start_time, self.consumption_end_time
        if start is not None and end is not None:
            if (start.tzinfo is None) != (end.tzinfo is None):
                problems.add("ConsumptionEndTime", "give both times with a timezone, or both without")
            elif end < start:
                problems.add("ConsumptionEndTime", "must not be before ConsumptionStartTime")
        if self.rec_items:
            ids = [item.rec_item_id for item in self.rec_items]
            if len(set(ids)) != len(ids):
                problems.add("RecItems", "each RecItemId may appear once")
            total = sum((item.quantity for item in self.rec_items), Decimal(0))
            if total != self.quantity:
                problems.add("RecItems", f"quantities add up to {total}, not to Quantity {self.quantity}")
        problems.raise_any()
        return self


class BeneficiaryRequest(RequestModel):
    """T5 body. Names at most 150 characters, addresses at most 255 (BR18).

    The type decides what is required: Corporate needs ``CorporateName`` and
    ``CorporateAddress``, Building ``BuildingName`` and ``BuildingAddress``, Personal
    ``PersonalName`` and ``PersonalAddress``. Our choice: "required" means not blank, as
    ASP.NET's ``[Required]`` does; so the Redoc sample (Corporate with ``CorporateName: ""``)
    is refused. ``BeneficiaryName`` is required and not blank.
    """

    beneficiary_type: BeneficiaryType | None = None
    beneficiary_name: Annotated[str, StringConstraints(min_length=1, max_length=rules.BENEFICIARY_NAME_MAX)]
    country_code: CountryCode
    corporate_name: _Name | None = None
    corporate_address: _Address | None = None
    building_owner_name: _Name | None = None
    building_name: _Name | None = None
    building_address: _Address | None = None
    personal_name: _Name | None = None
    personal_address: _Address | None = None

    @model_validator(mode="after")
    def _type_fields(self) -> BeneficiaryRequest:
        problems = Problems()
        if self.beneficiary_type is not None:
            for attribute, wire in _REQUIRED_BY_TYPE[self.beneficiary_type]:
                value = getattr(self, attribute)
                if value is None or not value.strip():
                    problems.add(wire, f"is required for a {self.beneficiary_type.value} beneficiary")
        problems.raise_any()
        return self


class RetirementQuery(PageQuery):
    """T1 filters."""

    registries: list[Registry] | None = None
    country_codes: list[CountryCode] | None = None
    energies: list[str] | None = None
    statuses: list[RetirementStatus] | None = None


class BeneficiaryQuery(PageQuery):
    """T4 filters: only search and paging."""


# --- responses -----------------------------------------------------------------------------


class RetiredItem(ResponseModel):
    """One REC item a completed retirement consumed (T3 ``RetiredItems``)."""

    rec_item_id: UUID | None = None
    rec_item_type: RecItemType | None = None
    country_code: str | None = None
    fuel_type: str | None = None
    asset_name: str | None = None
    device_unique_id: str | None = None
    province_code: str | None = None
    is_owner_asset: bool | None = None
    vintage_year: int | None = None
    trading_count: int | None = None
    serial_numbers: str | None = None
    quantity: Decimal


class RetirementApplication(ResponseModel):
    """T3 object; our choice for T1 items too (15.1 #17), where ``RetiredItems`` may be absent.

    ``BlobContent`` is the certificate PDF's URL once completed. ``ReviewComment`` (our name)
    carries REDEX's reason for a decision.
    """

    id: UUID
    application_number: str
    amount: Decimal
    device_id: UUID | None = None
    device_name: str | None = None
    beneficiary_id: UUID | None = None
    beneficiary_name: str | None = None
    energy: str | None = None
    country_code: str | None = None
    vintage_year: int | None = None
    status: ValueDescription[RetirementStatus]
    registry: ValueDescription[Registry] | None = None
    invoice_number: str | None = None
    reason: str | None = None
    name_to_appear_on_certificate: str | None = None
    completed_time: UtcDateTime | None = None
    decision_time: UtcDateTime | None = None
    created_time: UtcDateTime | None = None
    updated_time: UtcDateTime | None = None
    blob_content: str | None = None
    verification_url: str | None = None
    verification_key: str | None = None
    retired_items: list[RetiredItem] = Field(default_factory=list)
    review_comment: str | None = None


class Beneficiary(ResponseModel):
    """T4 item. Note the read side says ``PersonName`` where the create says ``PersonalName`` (C21).

    Whether it carries ``BeneficiaryType`` is undocumented; read when present.
    """

    id: UUID
    name: str
    country_code: str | None = None
    name_to_appear_on_certificate: str | None = None
    beneficiary_type: ValueDescription[BeneficiaryType] | None = None
    person_name: str | None = None
    personal_address: str | None = None
    building_name: str | None = None
    building_owner_name: str | None = None
    building_address: str | None = None
    corporate_name: str | None = None
    corporate_address: str | None = None
