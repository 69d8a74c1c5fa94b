"""Beneficiaries (T4-T6) and retirement applications (T1-T3).

A retirement locks the quantity it takes (``Available -> OnRetirement``) when it is
created, so two applications can never spend the same REC. Completion moves the lock to
``Retired`` (``Balance`` drops by the same amount), records a ``Retirement`` transaction and
writes the certificate PDF; a rejection or return gives the quantity back to ``Available``.

Which items are used: the pinned ``RecItems`` when given, otherwise the oldest available
items that match ``Registry``, ``VintageYear``, ``Countries`` and ``EnergyValues``
(API_REFERENCE.md 9.1, inferred). Too little inventory is a 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from airflow_provider_redex.client.models.inventory import RecTransactionType
from airflow_provider_redex.client.models.retirements import (
    BeneficiaryRequest,
    RetirementRequest,
    RetirementStatus,
)
from airflow_provider_redex.sandbox.certificate import CertificateText, render_pdf
from airflow_provider_redex.sandbox.clock import wire_time
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import ApiError, bad_request
from airflow_provider_redex.sandbox.state.common import Blob, Decision, owned
from airflow_provider_redex.sandbox.state.inventory import InventoryStore, RecItemRecord

Status = RetirementStatus


@dataclass
class BeneficiaryRecord:
    id: UUID
    account_id: UUID
    request: BeneficiaryRequest
    created: float


@dataclass
class RetirementRecord:
    id: UUID
    account_id: UUID
    number: str
    request: RetirementRequest
    beneficiary: BeneficiaryRecord
    parts: list[tuple[RecItemRecord, Decimal]]
    created: float
    updated: float
    status: Status = Status.IN_PROGRESS
    review_comment: str | None = None
    decided: float | None = None
    completed: float | None = None
    certificate: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    serials: list[str] = field(default_factory=list)
    """The serial range of each part: the slice of its item this retirement takes, not the item."""


class RetirementStore:
    def __init__(self, ids: IdFactory, inventory: InventoryStore, blobs: dict[UUID, Blob]) -> None:
        self._ids = ids
        self._inventory = inventory
        self._blobs = blobs
        self.beneficiaries: dict[UUID, BeneficiaryRecord] = {}
        self.retirements: dict[UUID, RetirementRecord] = {}

    # --- beneficiaries -----------------------------------------------------------------------

    def add_beneficiary(self, account_id: UUID, request: BeneficiaryRequest, now: float) -> BeneficiaryRecord:
        record = BeneficiaryRecord(self._ids.uuid(), account_id, request, now)
        self.beneficiaries[record.id] = record
        return record

    def beneficiaries_of(self, account_id: UUID) -> list[BeneficiaryRecord]:
        return [b for b in self.beneficiaries.values() if b.account_id == account_id]

    # --- T2 ----------------------------------------------------------------------------------

    def create(self, account_id: UUID, request: RetirementRequest, now: float) -> RetirementRecord:
        beneficiary = self.beneficiaries.get(request.beneficiary_id)
        if beneficiary is None or beneficiary.account_id != account_id:
            raise bad_request(
                "UnknownBeneficiary", "no such beneficiary in this account", "BeneficiaryId", status=404
            )
        parts = (
            self._pinned(account_id, request) if request.rec_items else self._matching(account_id, request)
        )
        # Each part takes the item's next serials: the slice after what is locked already.
        serials = []
        for item, quantity in parts:
            serials.append(item.serials(item.locked, quantity))
            item.on_retirement += quantity
        record = RetirementRecord(
            self._ids.uuid(),
            account_id,
            self._ids.application_number(),
            request,
            beneficiary,
            parts,
            now,
            now,
            serials=serials,
        )
        self.retirements[record.id] = record
        return record

    def _pinned(self, account_id: UUID, request: RetirementRequest) -> list[tuple[RecItemRecord, Decimal]]:
        parts = []
        for i, pinned in enumerate(request.rec_items or []):
            item = self._inventory.items.get(pinned.rec_item_id)
            if item is None or item.account_id != account_id:
                raise bad_request(
                    "UnknownRecItem", "no such REC item in this account", f"RecItems[{i}].RecItemId"
                )
            if item.registry is not request.registry:
                raise bad_request(
                    "RegistryMismatch", "the item is in another registry", f"RecItems[{i}].RecItemId"
                )
            if pinned.quantity > item.available:
                raise _insufficient(item.available, f"RecItems[{i}].Quantity")
            parts.append((item, pinned.quantity))
        return parts

    def _matching(self, account_id: UUID, request: RetirementRequest) -> list[tuple[RecItemRecord, Decimal]]:
        candidates = [
            item
            for item in sorted(self._inventory.of_account(account_id), key=lambda i: i.created)
            if item.available > 0 and _matches(item, request)
        ]
        available = sum((item.available for item in candidates), Decimal(0))
        if available < request.quantity:
            raise _insufficient(available, "Quantity")
        parts, left = [], request.quantity
        for item in candidates:
            take = min(item.available, left)
            parts.append((item, take))
            left -= take
            if left == 0:
                break
        return parts

    # --- reads -------------------------------------------------------------------------------

    def get(self, account_id: UUID, retirement_id: UUID) -> RetirementRecord:
        return owned(self.retirements.get(retirement_id), account_id)

    def of_account(self, account_id: UUID) -> list[RetirementRecord]:
        return [r for r in self.retirements.values() if r.account_id == account_id]

    # --- decisions ---------------------------------------------------------------------------

    def decide(self, record: RetirementRecord, decision: Decision, reason: str | None, now: float) -> None:
        if record.status is not Status.IN_PROGRESS:
            raise bad_request("AlreadyDecided", f"the application is {record.status.value}", status=409)
        record.review_comment, record.updated, record.decided = reason, now, now
        if decision is Decision.APPROVE:
            self._complete(record, now)
            return
        for item, quantity in record.parts:
            item.on_retirement -= quantity
        record.status = Status.REJECTED if decision is Decision.REJECT else Status.RETURNED

    def _complete(self, record: RetirementRecord, now: float) -> None:
        for item, quantity in record.parts:
            item.on_retirement -= quantity
            item.retired += quantity
        record.status, record.completed = Status.COMPLETED, now
        self._inventory.record(
            record.account_id, RecTransactionType.RETIREMENT, record.request.registry, record.parts, now
        )
        day = wire_time(now)
        record.certificate = (
            f"REDEX-RETIREMENTCERTIFICATE-{day:%Y-%m-%d}-{self._ids.number('certificate', 1):05d}.pdf"
        )
        self._blobs[record.id] = Blob(
            record.certificate, "application/pdf", render_pdf(_certificate_text(record))
        )

    def advance(self, now: float, delay: float | None) -> None:
        if delay is None:
            return
        for record in self.retirements.values():
            if record.status is Status.IN_PROGRESS and now >= record.created + delay:
                self.decide(record, Decision.APPROVE, None, record.created + delay)


def _matches(item: RecItemRecord, request: RetirementRequest) -> bool:
    if item.registry is not request.registry:
        return False
    if request.vintage_year is not None and item.vintage_year != request.vintage_year:
        return False
    if request.countries and item.country_code not in request.countries:
        return False
    return not request.energy_values or item.energy_value in request.energy_values


def _insufficient(available: Decimal, field_name: str) -> ApiError:
    return bad_request(
        "InsufficientInventory", f"only {available} RECs are available", field_name, status=422
    )


def _certificate_text(record: RetirementRecord) -> CertificateText:
    request = record.request
    lines = [
        f"Certificate: {record.certificate}",
        f"Application number: {record.number}",
        f"Beneficiary: {record.beneficiary.request.beneficiary_name}",
        f"Registry: {request.registry.value}",
        f"Quantity retired: {request.quantity} MWh",
        f"Reason: {request.reason}",
    ]
    lines += [
        f"  {serials}: {quantity}"
        for serials, (_, quantity) in zip(record.serials, record.parts, strict=True)
    ]
    lines.append("Issued by the REDEX sandbox: not a real certificate.")
    return CertificateText("Retirement Certificate (sandbox)", lines)
