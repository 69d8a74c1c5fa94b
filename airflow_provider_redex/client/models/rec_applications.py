"""REC issuance applications (R1-R3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import model_validator

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import Problems, RequestModel, ResponseModel, ValueDescription
from airflow_provider_redex.client.models.common import (
    CountryCode,
    DeviceType,
    LifecycleStatus,
    PageQuery,
    RecQuantity,
    Registry,
)
from airflow_provider_redex.client.models.times import CalendarDate, UtcDateTime


class RecApplicationStatus(LifecycleStatus):
    """RecClientStatus (13.4).

    ``ToReSubmit`` counts as a failure: REDEX sent the application back and it will not move
    on until someone edits it in the portal, so a waiting task should stop and say why.
    """

    DRAFT = "Draft"
    IN_PROGRESS = "InProgress"
    TO_RESUBMIT = "ToReSubmit"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    WITHDRAWN = "Withdrawn"

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        return frozenset({cls.APPROVED}), frozenset({cls.REJECTED, cls.WITHDRAWN, cls.TO_RESUBMIT})

    @property
    def holds_window(self) -> bool:
        """Whether the application still claims its vintage window for its device.

        Only a rejected or withdrawn application can never be issued; a returned one
        (``ToReSubmit``) goes back to ``InProgress`` once edited, so REDEX still counts its window
        as taken and answers 422 to an overlapping application.
        """
        return self not in {RecApplicationStatus.REJECTED, RecApplicationStatus.WITHDRAWN}


class RecApplication(ResponseModel):
    """R1 item; our choice for R2 too (undocumented, 15.1 #16).

    ``ReviewComment`` (our name) carries REDEX's reason for a decision.
    """

    id: UUID
    application_number: str
    device_name: str | None = None
    device_id: UUID | None = None
    device_unique_id: str | None = None
    country_code: str | None = None
    energy: str | None = None
    registry: ValueDescription[Registry]
    quantity: Decimal
    status: ValueDescription[RecApplicationStatus]
    vintage_from: UtcDateTime
    vintage_to: UtcDateTime
    device_type: ValueDescription[DeviceType] | None = None
    province_code: str | None = None
    fuel_type: str | None = None
    review_comment: str | None = None


class GroupedDeviceRecApplicationRequest(RequestModel):
    """R3 body: claim RECs for an approved grouped device over a vintage window.

    ``DeviceId`` is required (C7: the wiki requires it; Redoc's null would name no device).
    ``Quantity`` is optional, 0.000001..999999.999999 with 6 decimals (BR16).
    A window that ends before :func:`~.rules.earliest_claimable_date` is refused here, as
    REDEX answers 400 for it (BR14); a window that only starts too early is sent, since REDEX
    accepts it with a warning.
    """

    vintage_from: CalendarDate
    vintage_to: CalendarDate
    device_id: UUID
    quantity: RecQuantity | None = None

    @model_validator(mode="after")
    def _window(self) -> GroupedDeviceRecApplicationRequest:
        problems = Problems()
        if self.vintage_to < self.vintage_from:
            problems.add("VintageTo", "must not be before VintageFrom")
        earliest = rules.earliest_claimable_date(rules.today_earliest())
        if self.vintage_to < earliest:
            problems.add(
                "VintageTo",
                f"the whole window is before {earliest}, the earliest date the residual-mix deadline allows",
            )
        problems.raise_any()
        return self


class RecApplicationQuery(PageQuery):
    """R1 filters."""

    registries: list[Registry] | None = None
    country_codes: list[CountryCode] | None = None
    energies: list[str] | None = None
    statuses: list[RecApplicationStatus] | None = None
    device_id: UUID | None = None
    device_ids: list[UUID] | None = None
    device_types: list[DeviceType] | None = None
