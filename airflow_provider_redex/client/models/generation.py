"""Generation data (G1-G6): daily and monthly readings per inverter, and their processing.

Data is keyed by the inverter's ``RemoteInvId``, never by device (API_REFERENCE 6). Sending is
asynchronous: a send returns a :class:`ProcessRef`, polled with G4 until the
:class:`ProcessStatus` is terminal.

Choices where REDEX is silent (15.1 #9-#12): values must not be negative, a day must not be in
the future, and one request must not send the same inverter-day twice (overwrite semantics
are undocumented, so two values for one day would be a guess either way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    RootModel,
    StringConstraints,
    ValidationError,
    model_validator,
)

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import (
    Problems,
    QueryModel,
    RequestModel,
    ResponseModel,
    input_error,
)
from airflow_provider_redex.client.models.common import EnergyKWh, LifecycleStatus, PageQuery, RemoteInvId
from airflow_provider_redex.client.models.times import CalendarDate, UtcDateTime


class ProcessStatus(LifecycleStatus):
    """G4 process status (13.9): ``New -> Processing -> Success | Failed``."""

    NEW = "New"
    PROCESSING = "Processing"
    FAILED = "Failed"
    SUCCESS = "Success"

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        return frozenset({cls.SUCCESS}), frozenset({cls.FAILED})


class ProcessingType(str, Enum):
    """What a process ingests: daily data (G1/G2) or monthly data (G3)."""

    CREATE_NEW_GENERATION_DATA = "CreateNewGenerationData"
    CREATE_MONTHLY_DATA = "CreateMonthlyData"


class FrequencyType(str, Enum):
    """G5 ``FrequencyType``; inverter-level queries support ``Daily`` only."""

    DAILY = "Daily"
    WEEKLY = "Weekly"
    MONTHLY = "Monthly"


# --- energy values -------------------------------------------------------------------------


def refuse_float(value: Any) -> Any:
    """A kWh given as a float has already lost the meter's exact digits (0.1 is 0.1000000000000000055...)."""
    if isinstance(value, float):
        raise ValueError("a float is not exact: give the kWh as text or a Decimal")
    return value


ExactKWh = Annotated[EnergyKWh, BeforeValidator(refuse_float)]
"""A kWh value sent to REDEX: :data:`EnergyKWh`, given as text, an int or a ``Decimal``, never a float."""


# --- daily data (G1, G2) -------------------------------------------------------------------


def not_in_future(day: date) -> date:
    """A field validator, not a model one: a batch checks 3000 of these per request."""
    if day > rules.today_latest():
        raise ValueError("must not be in the future")
    return day


PastCalendarDate = Annotated[CalendarDate, AfterValidator(not_in_future)]
"""A reading's day: :data:`CalendarDate`, not after today anywhere on Earth (UTC+14)."""


class DailyRecord(RequestModel):
    """One day of one inverter (DailyDataRequest). kWh with at most 3 decimals (BR11).

    REDEX's examples send the values as JSON strings (``"0.123"``); both are accepted and
    numbers are sent (C19).
    """

    timestamp: PastCalendarDate
    period_production_in_kwh: ExactKWh = Field(alias="PeriodProductionInKWh")
    accumulated_energy_in_kwh: ExactKWh = Field(alias="AccumulatedEnergyInKWh")


class InverterDailyData(RequestModel):
    """G1 body, and one element of a G2 batch: an inverter's daily records (at most 3000)."""

    remote_inv_id: RemoteInvId
    data: list[DailyRecord] = Field(min_length=1, max_length=rules.MAX_RECORDS_PER_REQUEST)

    @model_validator(mode="after")
    def _one_record_per_day(self) -> InverterDailyData:
        problems = Problems()
        seen: set[date] = set()
        for i, record in enumerate(self.data):
            if record.timestamp in seen:
                problems.add(f"Data[{i}].Timestamp", f"{record.timestamp} is sent twice for this inverter")
            seen.add(record.timestamp)
        problems.raise_any()
        return self


class BatchGenerationRequest(RequestModel):
    """G2 body: several inverters, at most 3000 records in total across all of them (BR10).

    Our choice: an inverter appears once per batch.
    """

    devices: list[InverterDailyData] = Field(min_length=1)

    @model_validator(mode="after")
    def _total_and_unique(self) -> BatchGenerationRequest:
        problems = Problems()
        if self.record_count > rules.MAX_RECORDS_PER_REQUEST:
            limit = rules.MAX_RECORDS_PER_REQUEST
            problems.add("Devices", f"{self.record_count} records in total; at most {limit} per request")
        seen: set[str] = set()
        for i, inverter in enumerate(self.devices):
            if inverter.remote_inv_id in seen:
                problems.add(f"Devices[{i}].RemoteInvId", f"{inverter.remote_inv_id!r} appears twice")
            seen.add(inverter.remote_inv_id)
        problems.raise_any()
        return self

    @property
    def record_count(self) -> int:
        return sum(len(inverter.data) for inverter in self.devices)


# --- monthly data (G3) ---------------------------------------------------------------------


class MonthlyValues(RequestModel):
    """``PeriodProductionPerMonthInKWh``: kWh per month, ``None`` for "no data that month"."""

    jan: ExactKWh | None = None
    feb: ExactKWh | None = None
    mar: ExactKWh | None = None
    apr: ExactKWh | None = None
    may: ExactKWh | None = None
    jun: ExactKWh | None = None
    jul: ExactKWh | None = None
    aug: ExactKWh | None = None
    sep: ExactKWh | None = None
    oct: ExactKWh | None = None
    nov: ExactKWh | None = None
    dec: ExactKWh | None = None

    def to_wire(self) -> dict[str, Any]:
        """All twelve keys, nulls kept: a null month is meaningful ("no data")."""
        return self.model_dump(by_alias=True, mode="python")


class MonthlyData(RequestModel):
    """MonthlyDataRequest: one year of monthly production."""

    year: int = Field(ge=rules.MIN_GENERATION_YEAR)
    period_production_per_month_in_kwh: MonthlyValues = Field(alias="PeriodProductionPerMonthInKWh")

    @model_validator(mode="after")
    def _not_a_future_year(self) -> MonthlyData:
        if self.year > rules.today_latest().year:
            problems = Problems()
            problems.add("Year", "must not be in the future")
            problems.raise_any()
        return self

    def to_wire(self) -> dict[str, Any]:
        return {
            "Year": self.year,
            "PeriodProductionPerMonthInKWh": self.period_production_per_month_in_kwh.to_wire(),
        }


class MonthlyGenerationData(RequestModel):
    """One element of the G3 array body: an inverter's year of monthly data."""

    remote_inv_id: RemoteInvId
    data: MonthlyData

    def to_wire(self) -> dict[str, Any]:
        return {"RemoteInvId": self.remote_inv_id, "Data": self.data.to_wire()}


class MonthlyGenerationBatch(RootModel[list[MonthlyGenerationData]]):
    """The G3 body, which is a JSON array. Our choice: at least one element, no inverter-year twice.

    REDEX documents no size limit for G3 (15.1 #10).
    """

    root: list[MonthlyGenerationData] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_inverter_years(self) -> MonthlyGenerationBatch:
        problems = Problems()
        seen: set[tuple[str, int]] = set()
        for i, item in enumerate(self.root):
            key = (item.remote_inv_id, item.data.year)
            if key in seen:
                problems.add(f"[{i}]", f"{item.remote_inv_id!r} year {item.data.year} appears twice")
            seen.add(key)
        problems.raise_any()
        return self

    @classmethod
    def from_input(cls, data: Any) -> MonthlyGenerationBatch:
        """Validate user input; a :class:`RedexInputError` names the element and the rule."""
        if isinstance(data, cls):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise input_error(exc, what=cls.__name__) from None

    def to_wire(self) -> list[dict[str, Any]]:
        return [item.to_wire() for item in self.root]


# --- queries -------------------------------------------------------------------------------


class GenerationQuery(PageQuery):
    """G5 filters: ``FromDate``..``ToDate`` spans at most 3 months (BR12).

    ``RemoteInvId`` is optional (C9): without it REDEX returns every inverter of the account.
    """

    frequency_type: FrequencyType
    from_date: CalendarDate
    to_date: CalendarDate
    remote_inv_id: RemoteInvId | None = None
    device_id: UUID | None = None

    @model_validator(mode="after")
    def _range(self) -> GenerationQuery:
        problems = Problems()
        months = rules.MAX_GENERATION_QUERY_MONTHS
        if self.to_date < self.from_date:
            problems.add("ToDate", "must not be before FromDate")
        elif self.to_date > rules.add_months(self.from_date, months):
            problems.add("ToDate", f"the range FromDate..ToDate must be at most {months} months")
        if self.remote_inv_id is not None and self.frequency_type is not FrequencyType.DAILY:
            problems.add("FrequencyType", "inverter-level data (RemoteInvId) supports Daily only")
        problems.raise_any()
        return self


_PeriodText = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}(-\d{2})?$")]


class PeriodSumQuery(QueryModel):
    """G6 query: ``yyyy-MM-dd`` for daily devices, ``yyyy-MM`` for monthly ones; one format for both."""

    vintage_from: _PeriodText
    vintage_to: _PeriodText

    @model_validator(mode="before")
    @classmethod
    def _dates_to_text(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                key: value.isoformat() if isinstance(value, date) else value for key, value in data.items()
            }
        return data

    @model_validator(mode="after")
    def _same_format_in_order(self) -> PeriodSumQuery:
        problems = Problems()
        if len(self.vintage_from) != len(self.vintage_to):
            problems.add("VintageTo", "must use the same format as VintageFrom (yyyy-MM-dd or yyyy-MM)")
        elif self.vintage_to < self.vintage_from:
            problems.add("VintageTo", "must not be before VintageFrom")
        problems.raise_any()
        return self


class ProcessQuery(QueryModel):
    """G4 query."""

    process_id: int = Field(ge=1)


class ProcessIdsQuery(QueryModel):
    """G4 query for several processes: ``ProcessId`` repeated (``?ProcessId=1&ProcessId=2``).

    REDEX documents one ``ProcessId`` (API_REFERENCE.md 6.4); the repetition is the style it
    documents for its array parameters (``Statuses``). A server that binds one value reads the
    first id and answers one process: :class:`ProcessStatuses` tells the two answers apart.
    """

    process_ids: list[Annotated[int, Field(ge=1)]] = Field(alias="ProcessId", min_length=1)


# --- responses -----------------------------------------------------------------------------


class ProcessRef(ResponseModel):
    """``Data`` of G1/G2/G3: the process to poll. The shape is our choice (15.1 #9)."""

    process_id: int


class GenerationProcess(ResponseModel):
    """G4 ``Data``: the processing state of one send. REDEX exposes no failure reason."""

    process_id: int
    status: ProcessStatus
    processing_type: ProcessingType | None = None
    created_time: UtcDateTime | None = None
    updated_time: UtcDateTime | None = None


@dataclass(frozen=True)
class ProcessStatuses:
    """G4's answer to several ProcessIds.

    :param processes: the processes the server returned (ids it does not know are left out).
    :param as_list: ``Data`` was a list; ``False`` when it was one process, which is how a
        server that reads a single ``ProcessId`` answers (the first id asked for).
    """

    processes: list[GenerationProcess]
    as_list: bool


class GenerationRecord(ResponseModel):
    """G5 item (undocumented, 15.1 #11). Our choice: the daily record plus its inverter."""

    remote_inv_id: str | None = None
    device_id: UUID | None = None
    timestamp: date
    period_production_in_kwh: Decimal | None = Field(default=None, alias="PeriodProductionInKWh")
    accumulated_energy_in_kwh: Decimal | None = Field(default=None, alias="AccumulatedEnergyInKWh")


class PeriodSum(ResponseModel):
    """G6 ``Data`` (undocumented, 15.1 #12): the energy a REC application can claim."""

    device_id: UUID | None = None
    vintage_from: str | None = None
    vintage_to: str | None = None
    total_period_production_in_kwh: Decimal = Field(alias="TotalPeriodProductionInKWh")
