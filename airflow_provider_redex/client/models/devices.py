"""Grouped device applications (D1-D5): the registration request and what REDEX returns.

A grouped device holds devices, a device holds inverters (API_REFERENCE 4.0). Every rule REDEX
documents for that tree is checked by :class:`GroupedDeviceApplicationRequest` before the
request is sent; see its docstring for the few choices the documents leave to us.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AliasChoices, Field, StringConstraints, model_validator

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import (
    Problems,
    QueryModel,
    RequestModel,
    ResponseModel,
    ValueDescription,
)
from airflow_provider_redex.client.models.common import (
    NO_FLOAT,
    CountryCode,
    DeviceType,
    LifecycleStatus,
    PageQuery,
    Registry,
    RemoteInvId,
)
from airflow_provider_redex.client.models.times import CalendarDate, UtcDateTime

_FILE_ID_ALIASES = AliasChoices("DeclarationFormFileId", "DeclarationForm", "declaration_form_file_id")
"""C11: the read model's table says ``DeclarationFormFileId``, its example ``DeclarationForm``."""

_Latitude = Annotated[
    Decimal,
    Field(ge=-rules.LATITUDE_LIMIT, le=rules.LATITUDE_LIMIT, decimal_places=rules.COORDINATE_DECIMALS),
]
_Longitude = Annotated[
    Decimal,
    Field(ge=-rules.LONGITUDE_LIMIT, le=rules.LONGITUDE_LIMIT, decimal_places=rules.COORDINATE_DECIMALS),
]
_Percentage = Annotated[
    Decimal,
    Field(
        ge=rules.PERCENTAGE_RENEWABLE_MIN,
        le=rules.PERCENTAGE_RENEWABLE_MAX,
        decimal_places=rules.QUANTITY_DECIMALS,
    ),
]


class DeviceApplicationStatus(LifecycleStatus):
    """PublicApiDeviceStatus (13.3): ``Unverified -> InProgress -> Approved | Declined``."""

    UNVERIFIED = "Unverified"
    IN_PROGRESS = "InProgress"
    APPROVED = "Approved"
    DECLINED = "Declined"

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        return frozenset({cls.APPROVED}), frozenset({cls.DECLINED})


class GenerationDataFrequency(str, Enum):
    """How a grouped device sends data: Daily (G1/G2, the default) or Monthly (G3)."""

    DAILY = "Daily"
    MONTHLY = "Monthly"


class InverterState(str, Enum):
    """Derived from the effective dates (4.1); REDEX does not send it."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    REPLACED = "replaced"


# --- requests ------------------------------------------------------------------------------


class InverterRequest(RequestModel):
    """One inverter of a device (PublicInverterApplicationRequest).

    ``InstalledCapacity`` is in kW (inferred from the 9.9 / 10.9 examples against the
    0.25 MW cap); our choice: it must be positive. Date rules that need the device
    (``GridConnectionDate``) are checked by :class:`DeviceRequest`.
    """

    remote_inv_id: RemoteInvId
    electronic_serial_number: Annotated[str, StringConstraints(min_length=1)]
    brand_code: Annotated[str, StringConstraints(min_length=1)]
    other_brand_name: str | None = None
    installed_capacity: Annotated[Decimal, Field(gt=0, decimal_places=rules.QUANTITY_DECIMALS), NO_FLOAT]
    effective_start_date: CalendarDate | None = None
    effective_end_date: CalendarDate | None = None
    replaced_by_remote_inv_id: RemoteInvId | None = None


class DeviceRequest(RequestModel):
    """One device of a grouped device (PublicDeviceApplicationRequest, 4.1).

    Required flags are inferred from the read model (W14). Our choices: ``CommissionDate`` is
    not a field (its existence is undocumented); a device has at least one inverter.
    """

    installation_name: Annotated[str, StringConstraints(min_length=1, max_length=rules.INSTALLATION_NAME_MAX)]
    address: Annotated[str, StringConstraints(min_length=1)]
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=rules.POSTAL_CODE_MAX)]
    latitude: _Latitude
    longitude: _Longitude
    grid_connection_date: CalendarDate
    owners_declaration_start_date: CalendarDate
    owners_declaration_end_date: CalendarDate | None = None
    domestic: bool
    feed_in_tariff: bool | None = None
    """REDEX's default is ``false``; left out of the body when not given."""
    declaration_form_file_id: UUID = Field(alias="DeclarationFormFileId", validation_alias=_FILE_ID_ALIASES)
    percentage_renewable: _Percentage
    inverters: list[InverterRequest] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_dates_and_capacity(self) -> DeviceRequest:
        latest = rules.today_latest()
        problems = Problems()
        if self.grid_connection_date > latest:
            problems.add("GridConnectionDate", "must not be in the future")
        end = self.owners_declaration_end_date
        if end is not None and end < self.owners_declaration_start_date:
            problems.add("OwnersDeclarationEndDate", "must not be before OwnersDeclarationStartDate")
        total = sum((inv.installed_capacity for inv in self.inverters), Decimal(0))
        if total > rules.MAX_DEVICE_CAPACITY_KW:
            limit = rules.MAX_DEVICE_CAPACITY_KW
            problems.add(
                "Inverters", f"total InstalledCapacity {total} kW exceeds {limit} kW (0.25 MW) per device"
            )
        ids = {inv.remote_inv_id for inv in self.inverters}
        for i, inverter in enumerate(self.inverters):
            problems.nested(f"Inverters[{i}]", self._inverter_problems(inverter, ids))
        problems.raise_any()
        return self

    def _inverter_problems(self, inverter: InverterRequest, ids_in_device: set[str]) -> Problems:
        """BR8: effective dates against the grid connection date, and replacement rules."""
        latest, grid = rules.today_latest(), self.grid_connection_date
        start = inverter.effective_start_date or grid
        problems = Problems()
        if inverter.effective_start_date is not None:
            if inverter.effective_start_date < grid:
                problems.add("EffectiveStartDate", "must be on or after the device's GridConnectionDate")
            if inverter.effective_start_date > latest:
                problems.add("EffectiveStartDate", "must not be in the future")
        end = inverter.effective_end_date
        if end is not None:
            if end < grid:
                problems.add("EffectiveEndDate", "must be on or after the device's GridConnectionDate")
            if end <= start:
                problems.add("EffectiveEndDate", "must be after EffectiveStartDate")
            if end > latest:
                problems.add("EffectiveEndDate", "must not be in the future")
        replacement = inverter.replaced_by_remote_inv_id
        if replacement is not None:
            if end is None:
                problems.add("EffectiveEndDate", "is required when ReplacedByRemoteInvId is set")
            if replacement == inverter.remote_inv_id:
                problems.add("ReplacedByRemoteInvId", "must name another inverter")
            elif replacement not in ids_in_device:
                problems.add("ReplacedByRemoteInvId", "must be an inverter of the same device")
        return problems


class GroupedDeviceApplicationRequest(RequestModel):
    """D1 body (PublicGroupedDeviceApplicationRequest).

    Checked here: the supported countries, the string lengths, at most 500 inverters in the
    whole group, 0.25 MW per device (the SUM of its inverters, C4), no ``RemoteInvId`` twice
    in the group, and every inverter date and replacement rule.

    One province for all devices: devices carry no province of their own, so the only check
    possible is that a code-shaped ``Province`` (``CN-HN``) belongs to ``CountryCode``.
    Our choices: ``Devices`` must hold at least one device; latitude/longitude are only range
    checked (REDEX also checks that they fall in the province, which needs its map).
    """

    country_code: CountryCode
    grouped_english_name: Annotated[str, StringConstraints(min_length=1, max_length=rules.GROUPED_NAME_MAX)]
    grouped_local_name: Annotated[str, StringConstraints(min_length=1, max_length=rules.GROUPED_NAME_MAX)]
    province: Annotated[str, StringConstraints(min_length=1, max_length=rules.PROVINCE_MAX)]
    timezone: Annotated[str, StringConstraints(max_length=rules.TIMEZONE_MAX)] | None = None
    generation_data_frequency: GenerationDataFrequency | None = None
    devices: list[DeviceRequest] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_group(self) -> GroupedDeviceApplicationRequest:
        problems = Problems()
        if self.country_code not in rules.SUPPORTED_GROUPED_COUNTRIES:
            supported = ", ".join(sorted(rules.SUPPORTED_GROUPED_COUNTRIES))
            problems.add("CountryCode", f"grouped devices are supported only in {supported}")
        prefix, dash, _ = self.province.partition("-")
        if dash and len(prefix) == 2 and prefix.isalpha() and prefix.upper() != self.country_code:
            problems.add("Province", f"province code {self.province!r} is not in {self.country_code}")
        count = self.inverter_count
        if count > rules.MAX_INVERTERS_PER_GROUPED_DEVICE:
            limit = rules.MAX_INVERTERS_PER_GROUPED_DEVICE
            problems.add("Devices", f"{count} inverters; at most {limit} per grouped device")
        seen: set[str] = set()
        for d, device in enumerate(self.devices):
            for i, inverter in enumerate(device.inverters):
                if inverter.remote_inv_id in seen:
                    problems.add(
                        f"Devices[{d}].Inverters[{i}].RemoteInvId",
                        f"duplicate RemoteInvId {inverter.remote_inv_id!r}",
                    )
                seen.add(inverter.remote_inv_id)
        problems.raise_any()
        return self

    @property
    def inverter_count(self) -> int:
        return sum(len(device.inverters) for device in self.devices)


class DeviceApplicationQuery(PageQuery):
    """D2 filters."""

    registries: list[Registry] | None = None
    status: DeviceApplicationStatus | None = None
    country_codes: list[CountryCode] | None = None
    energies: list[str] | None = None
    device_types: list[DeviceType] | None = None


class InverterApplicationQuery(QueryModel):
    """D5: ``RemoteInverterIds`` is required; our choice: at most 500, one group's worth."""

    remote_inverter_ids: list[RemoteInvId] = Field(
        min_length=1, max_length=rules.MAX_INVERTERS_PER_GROUPED_DEVICE
    )


# --- responses -----------------------------------------------------------------------------


class Inverter(ResponseModel):
    """An inverter as D4 returns it.

    ``Id`` is a bigint since 2024-07-31 and was a uuid before (C12); both are accepted.
    """

    id: int | UUID | None = None
    remote_inv_id: str
    brand_code: str | None = None
    other_brand_name: str | None = None
    electronic_serial_number: str | None = None
    installed_capacity: Decimal | None = None
    effective_start_date: date | None = None
    effective_end_date: date | None = None
    replaced_by_remote_inv_id: str | None = None
    created_time: UtcDateTime | None = None

    @property
    def state(self) -> InverterState:
        if self.effective_end_date is None:
            return InverterState.ACTIVE
        return InverterState.REPLACED if self.replaced_by_remote_inv_id else InverterState.INACTIVE


class Device(ResponseModel):
    """A device with its inverters (D4, the Device-Inverter resource of W14).

    Reads both ``DeclarationFormFileId`` and ``DeclarationForm``; writes the former (C11).
    """

    id: UUID
    installation_name: str
    address: str | None = None
    postal_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    grid_connection_date: date | None = None
    owners_declaration_start_date: date | None = None
    owners_declaration_end_date: date | None = None
    domestic: bool | None = None
    feed_in_tariff: bool | None = None
    declaration_form_file_id: UUID | None = Field(
        default=None, alias="DeclarationFormFileId", validation_alias=_FILE_ID_ALIASES
    )
    percentage_renewable: Decimal | None = None
    timezone: str | None = None
    created_time: UtcDateTime | None = None
    inverters: list[Inverter] = Field(default_factory=list)


class InverterApplication(Inverter):
    """D5 item (undocumented, 15.1 #8). Our choice: the D4 inverter plus where it belongs."""

    device_application_id: UUID | None = None
    device_id: UUID | None = None
    status: ValueDescription[DeviceApplicationStatus] | None = None


class DeviceApplication(ResponseModel):
    """D2 item and D3 object (undocumented, 15.1 #7); the field names are our choice.

    They mirror the D1 request. ``DeviceId`` is ``None`` until REDEX approves the group; it
    is the id that R3, I1-I3 and G6 take. ``ReviewComment`` is REDEX's reason for a decision.
    """

    id: UUID
    application_number: str | None = None
    device_id: UUID | None = None
    status: ValueDescription[DeviceApplicationStatus]
    registry: ValueDescription[Registry] | None = None
    device_type: ValueDescription[DeviceType] | None = None
    country_code: str | None = None
    province: str | None = None
    grouped_english_name: str | None = None
    grouped_local_name: str | None = None
    timezone: str | None = None
    generation_data_frequency: GenerationDataFrequency | None = None
    fuel_type: str | None = None
    inverter_count: int | None = None
    review_comment: str | None = None
    created_time: UtcDateTime | None = None
    updated_time: UtcDateTime | None = None
