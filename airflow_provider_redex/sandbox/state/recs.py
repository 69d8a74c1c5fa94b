"""REC issuance applications (R1-R3) and the issuance that approval performs.

R3 checks, in this order (each a documented rule or our stated reading of one):

* the device is an approved grouped device of the account (404 / 403 otherwise);
* the window is not wholly before the residual-mix limit (400; the client's model already
  refuses it) and, when it only starts before it, the application is created for the part
  REDEX allows, with REDEX's warning as ``Message`` (BR14);
* the window does not start before the group's registration (earliest effective inverter day);
* no overlap with the device's earlier applications that are still alive (422, BR15);
* ``Quantity`` (default: all of it) is at most the generation in the window, in MWh.

Approval issues one REC item per application, with an I-REC style serial range that
continues the device's previous range, and records an ``Issuance`` transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from airflow_provider_redex.client import deadlines
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.common import Registry
from airflow_provider_redex.client.models.inventory import RecTransactionType
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import bad_request
from airflow_provider_redex.sandbox.state.common import Decision, owned
from airflow_provider_redex.sandbox.state.devices import DeviceApplicationRecord, DeviceStore
from airflow_provider_redex.sandbox.state.generation import GenerationStore
from airflow_provider_redex.sandbox.state.inventory import InventoryStore, RecItemRecord

Status = RecApplicationStatus
GROUPED_FUEL = "Group Solar Rooftop"
ENERGY = "Solar"


@dataclass
class RecApplicationRecord:
    id: UUID
    account_id: UUID
    number: str
    group: DeviceApplicationRecord
    vintage_from: date
    vintage_to: date
    quantity: Decimal
    created: float
    updated: float
    status: Status = Status.IN_PROGRESS
    review_comment: str | None = None
    item: RecItemRecord | None = None


class RecApplicationStore:
    def __init__(
        self, ids: IdFactory, devices: DeviceStore, generation: GenerationStore, inventory: InventoryStore
    ) -> None:
        self._ids = ids
        self._devices = devices
        self._generation = generation
        self._inventory = inventory
        self.applications: dict[UUID, RecApplicationRecord] = {}

    def create(
        self,
        account_id: UUID,
        device_id: UUID,
        vintage_from: date,
        vintage_to: date,
        quantity: Decimal | None,
        *,
        today: date,
        now: float,
    ) -> tuple[RecApplicationRecord, str | None]:
        """R3. Returns the application and the residual-mix warning, if one applies."""
        group = self._devices.by_device_id(account_id, device_id)
        earliest = rules.earliest_claimable_date(today)
        if vintage_to < earliest:
            raise bad_request("ResidualMixDeadline", f"the window ends before {earliest}", "VintageTo")
        if vintage_to > today:
            raise bad_request("FutureVintage", "the window must not end in the future", "VintageTo")
        warning = None
        if vintage_from < earliest:
            warning = _residual_mix_warning(today, earliest)
            vintage_from = earliest
        if vintage_from < group.registration_start:
            raise bad_request(
                "BeforeRegistration",
                f"the device is registered from {group.registration_start}",
                "VintageFrom",
            )
        self._check_overlap(group, vintage_from, vintage_to)
        quantity = self._check_quantity(account_id, group, vintage_from, vintage_to, quantity)
        record = RecApplicationRecord(
            self._ids.uuid(),
            account_id,
            self._ids.application_number(),
            group,
            vintage_from,
            vintage_to,
            quantity,
            now,
            now,
        )
        self.applications[record.id] = record
        return record, warning

    def _check_overlap(self, group: DeviceApplicationRecord, start: date, end: date) -> None:
        for other in self.applications.values():
            alive = other.group is group and other.status.holds_window
            if alive and start <= other.vintage_to and other.vintage_from <= end:
                raise bad_request(
                    "DuplicateVintage",
                    f"overlaps application {other.number} ({other.vintage_from}..{other.vintage_to})",
                    "VintageFrom",
                    status=422,
                )

    def _check_quantity(
        self,
        account_id: UUID,
        group: DeviceApplicationRecord,
        start: date,
        end: date,
        quantity: Decimal | None,
    ) -> Decimal:
        generated = self._generation.recs_available(account_id, group, start, end)
        if quantity is None:
            quantity = generated
        if quantity <= 0:
            raise bad_request("NoGeneration", "no generation data in the window to claim", "VintageFrom")
        if quantity > generated:
            raise bad_request(
                "QuantityExceedsGeneration", f"the window holds {generated} MWh of generation", "Quantity"
            )
        return quantity

    def get(self, account_id: UUID, application_id: UUID) -> RecApplicationRecord:
        return owned(self.applications.get(application_id), account_id)

    def of_account(self, account_id: UUID) -> list[RecApplicationRecord]:
        return [a for a in self.applications.values() if a.account_id == account_id]

    # --- decisions ---------------------------------------------------------------------------

    def decide(
        self, record: RecApplicationRecord, decision: Decision, reason: str | None, now: float
    ) -> None:
        if record.status is not Status.IN_PROGRESS:
            raise bad_request("AlreadyDecided", f"the application is {record.status.value}", status=409)
        record.review_comment = reason
        record.updated = now
        if decision is Decision.APPROVE:
            record.status = Status.APPROVED
            record.item = self._issue(record, now)
        else:
            record.status = Status.REJECTED if decision is Decision.REJECT else Status.TO_RESUBMIT

    def _issue(self, record: RecApplicationRecord, now: float) -> RecItemRecord:
        group = record.group
        start, end = self._inventory.next_serial_range(group.grouped_device_id, record.quantity)
        country = group.request.country_code
        window = f"{record.vintage_from.year}-{record.vintage_from:%m%d}-{record.vintage_to:%m%d}"
        prefix = f"IREC-{group.registry_id}-{country}-{window}"
        item = self._inventory.issue(
            RecItemRecord(
                id=self._ids.uuid(),
                account_id=record.account_id,
                device_id=group.grouped_device_id,
                device_name=group.request.grouped_english_name,
                device_unique_id=group.unique_id,
                registry_id=group.registry_id,
                registry=Registry.IREC,
                rec_prefix=prefix,
                serial_number=f"{prefix}-{start:.6f} to {end:.6f}",
                serial_start=start,
                total=record.quantity,
                vintage_from=record.vintage_from,
                vintage_to=record.vintage_to,
                country_code=country,
                fuel_type=ENERGY,
                energy_value=ENERGY,
                province=group.request.province,
                created=now,
            )
        )
        self._inventory.record(
            record.account_id, RecTransactionType.ISSUANCE, Registry.IREC, [(item, item.total)], now
        )
        return item

    def advance(self, now: float, delay: float | None) -> None:
        if delay is None:
            return
        for record in self.applications.values():
            if record.status is Status.IN_PROGRESS and now >= record.created + delay:
                self.decide(record, Decision.APPROVE, None, record.created + delay)


def _residual_mix_warning(today: date, earliest: date) -> str:
    """REDEX's 201 warning, worded like the documented example (W18): the last cut-off passed."""
    deadline = deadlines.cutoffs(today - timedelta(days=366), today - timedelta(days=1))[-1].day
    return (
        f"Your selected period has passed the Residual Mix Deadline of {deadline:%B %d, %Y}. "
        f"You can request to issue REC from {earliest:%B, %Y}."
    ).replace(earliest.strftime("%B"), earliest.strftime("%B").upper())
