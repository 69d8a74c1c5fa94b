"""Inventories and REC history (I1-I5): what RECs an account holds and what happened to them."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StringConstraints, field_serializer, model_validator

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import Problems, RequestModel, ResponseModel, ValueDescription
from airflow_provider_redex.client.models.common import (
    CountryCode,
    DeviceType,
    ExactDecimal,
    ItemsPerPage,
    PageNumber,
    PageQuery,
    Registry,
)
from airflow_provider_redex.client.models.times import UtcDateTime


class RecItemType(str, Enum):
    """How a REC item came to the account (13.10)."""

    ISSUED = "Issued"
    IMPORTED = "Imported"


class RecTransactionType(str, Enum):
    """RecTransactionType (13.6). ``Listing`` is an import, ``Delisting`` an export."""

    ISSUANCE = "Issuance"
    TRANSFER = "Transfer"
    LISTING = "Listing"
    RETIREMENT = "Retirement"
    DELISTING = "Delisting"


# --- responses -----------------------------------------------------------------------------


class RecItem(ResponseModel):
    """I3/I4 item: one REC item and its quantity buckets, all decimal(18,6) (7.1).

    ``Available = Total - OnSale - OnRetirement - Retired - OnExporting - Exported - OnAuction``.
    """

    id: UUID
    device_id: UUID | None = None
    device_name: str | None = None
    device_unique_id: str | None = None
    registry_id: str | None = None
    registry: ValueDescription[Registry]
    serial_number: str | None = None
    total: Decimal
    retired: Decimal = Decimal(0)
    on_sale: Decimal = Decimal(0)
    on_retirement: Decimal = Decimal(0)
    on_exporting: Decimal = Decimal(0)
    exported: Decimal = Decimal(0)
    on_auction: Decimal = Decimal(0)
    available: Decimal
    balance: Decimal | None = None
    vintage_from: UtcDateTime | None = None
    vintage_to: UtcDateTime | None = None
    country_code: str | None = None
    fuel_type: str | None = None
    energy_value: str | None = None
    vintage_year: int | None = None
    trading_count: int | None = None
    rec_item_type: RecItemType | None = None


class RecTransactionDetail(ResponseModel):
    """One REC line of a transaction. ``Vintage`` is a number in the table and ``"2020"`` in
    the example (C20): both are read, as an int."""

    asset_name: str | None = None
    serial_number: str | None = None
    country_code: str | None = None
    energy: str | None = None
    vintage: int | None = None
    total: Decimal
    rec_prefix: str | None = None
    vintage_from: UtcDateTime | None = None
    vintage_to: UtcDateTime | None = None


class RecTransaction(ResponseModel):
    """I5 item: one REC transaction (issuance, transfer, import, retirement, export)."""

    transaction_id: str
    transaction_time: UtcDateTime
    type: ValueDescription[RecTransactionType]
    registry: ValueDescription[Registry] | None = None
    notes: str | None = None
    details: list[RecTransactionDetail] = Field(default_factory=list)


class DeviceInventoryItem(ResponseModel):
    """I1 item and I2 object (undocumented, 15.1 #14). Our choice: an approved device's identity.

    Only ``Id`` is required; everything REDEX adds is kept as extra fields.
    """

    id: UUID
    device_name: str | None = None
    device_unique_id: str | None = None
    registry_id: str | None = None
    registry: ValueDescription[Registry] | None = None
    device_type: ValueDescription[DeviceType] | None = None
    country_code: str | None = None
    province_code: str | None = None
    fuel_type: str | None = None
    capacity: Decimal | None = None
    created_time: UtcDateTime | None = None


# --- requests ------------------------------------------------------------------------------


class CommencedOperationDateCondition(RequestModel):
    """Device-age condition of an advance filter; only ``LessThanOrEqualTo`` is documented (13.19)."""

    comparison_type: Annotated[str, StringConstraints(min_length=1)]
    years_ago: int = Field(ge=0)


class AdvanceFilter(RequestModel):
    """AdvanceFilterRequest (7.2), inferred from the spot-order page W30; used by I4 and X8.

    ``CapacityFrom``/``CapacityTo`` units are undocumented (MW assumed); we check only order.
    """

    vintage_month_from: int | None = Field(default=None, ge=1, le=12)
    vintage_month_to: int | None = Field(default=None, ge=1, le=12)
    province: str | None = None
    device_type: DeviceType | None = None
    commenced_operation_date_condition: CommencedOperationDateCondition | None = None
    feed_in_tariff: bool | None = None
    connected_to_grid: bool | None = None
    other_labeling_scheme: str | None = None
    capacity_from: ExactDecimal | None = Field(default=None, ge=0)
    capacity_to: ExactDecimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ranges_in_order(self) -> AdvanceFilter:
        problems = Problems()
        months = (self.vintage_month_from, self.vintage_month_to)
        if months[0] is not None and months[1] is not None and months[1] < months[0]:
            problems.add("VintageMonthTo", "must not be before VintageMonthFrom")
        capacity = (self.capacity_from, self.capacity_to)
        if capacity[0] is not None and capacity[1] is not None and capacity[1] < capacity[0]:
            problems.add("CapacityTo", "must not be below CapacityFrom")
        problems.raise_any()
        return self


class RecInventoryFilterRequest(RequestModel):
    """I4 body: the I3 filters plus ``AdvanceFilters``, with paging in the body.

    Redoc types the paging and sorting fields as ``string | null`` in this body, so they are
    sent as strings (``"1"``, ``"true"``); everything else is as in I3.
    """

    search: str | None = None
    order_by: str | None = None
    is_descending: bool | None = None
    registries: list[Registry] | None = None
    device_ids: list[UUID] | None = None
    advance_filters: AdvanceFilter | None = None
    current_page: PageNumber = 1
    items_per_page: ItemsPerPage = rules.ITEMS_PER_PAGE_DEFAULT

    @field_serializer("current_page", "items_per_page")
    def _number_as_text(self, value: int) -> str:
        return str(value)

    @field_serializer("is_descending")
    def _bool_as_text(self, value: bool | None) -> str | None:
        return None if value is None else ("true" if value else "false")

    def page_body(self, page: int) -> dict[str, Any]:
        """The wire body for one page."""
        return self.model_copy(update={"current_page": page}).to_wire()


class DeviceInventoryQuery(PageQuery):
    """I1 filters."""

    registries: list[Registry] | None = None


class RecInventoryQuery(PageQuery):
    """I3 filters."""

    registries: list[Registry] | None = None
    device_ids: list[UUID] | None = None


class RecTransactionQuery(PageQuery):
    """I5 filters."""

    types: list[RecTransactionType] | None = None
    device_id: UUID | None = None
    registry: Registry | None = None
    country_codes: list[CountryCode] | None = None
