"""REC inventory (I3, I4) and REC transaction history (I5).

Quantities sit in buckets (API_REFERENCE.md 7.1); ``Available`` and ``Balance`` are derived,
never stored, so the documented identities hold by construction::

    Available = Total - OnSale - OnRetirement - Retired - OnExporting - Exported - OnAuction
    Balance   = Available + OnSale + OnRetirement + OnExporting + OnAuction
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from airflow_provider_redex.client.models.common import Registry
from airflow_provider_redex.client.models.inventory import RecItemType, RecTransactionType
from airflow_provider_redex.sandbox.clock import wire_time
from airflow_provider_redex.sandbox.ids import IdFactory

REGISTRY_DESCRIPTIONS = {Registry.IREC: "I-REC", Registry.TIGR: "TIGR"}
_TYPE_CODES = {
    RecTransactionType.ISSUANCE: "ISSU",
    RecTransactionType.TRANSFER: "TRAN",
    RecTransactionType.LISTING: "LIST",
    RecTransactionType.RETIREMENT: "RETI",
    RecTransactionType.DELISTING: "DELI",
}
ZERO = Decimal("0")
SERIAL_STEP = Decimal("0.000001")
"""One serial step: RECs are counted to 6 decimals, so a range ends one step before the next."""


@dataclass
class RecItemRecord:
    id: UUID
    account_id: UUID
    device_id: UUID
    device_name: str
    device_unique_id: str
    registry_id: str
    registry: Registry
    rec_prefix: str
    serial_number: str
    total: Decimal
    vintage_from: date
    vintage_to: date
    country_code: str
    fuel_type: str
    energy_value: str
    province: str | None
    created: float
    item_type: RecItemType = RecItemType.ISSUED
    trading_count: int = 0
    retired: Decimal = ZERO
    on_sale: Decimal = ZERO
    on_retirement: Decimal = ZERO
    on_exporting: Decimal = ZERO
    exported: Decimal = ZERO
    on_auction: Decimal = ZERO
    serial_start: Decimal = Decimal(1)
    """The first serial of the item's range (``serial_number`` is ``<prefix>-<start> to <end>``)."""

    def serials(self, offset: Decimal, quantity: Decimal) -> str:
        """The serial range of ``quantity`` RECs starting ``offset`` RECs into the item."""
        first = self.serial_start + offset
        return f"{self.rec_prefix}-{first:.6f} to {first + quantity - SERIAL_STEP:.6f}"

    @property
    def locked(self) -> Decimal:
        """RECs no longer available: on sale, being retired, retired, exported or on auction."""
        return self.total - self.available

    @property
    def available(self) -> Decimal:
        locked = self.on_sale + self.on_retirement + self.retired + self.on_exporting + self.exported
        return self.total - locked - self.on_auction

    @property
    def balance(self) -> Decimal:
        return self.available + self.on_sale + self.on_retirement + self.on_exporting + self.on_auction

    @property
    def vintage_year(self) -> int:
        return self.vintage_from.year

    def wire(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "DeviceId": self.device_id,
            "DeviceName": self.device_name,
            "DeviceUniqueId": self.device_unique_id,
            "RegistryId": self.registry_id,
            "SerialNumber": self.serial_number,
            "Total": self.total,
            "Balance": self.balance,
            "Available": self.available,
            "OnSale": self.on_sale,
            "OnRetirement": self.on_retirement,
            "OnExporting": self.on_exporting,
            "OnAuction": self.on_auction,
            "Retired": self.retired,
            "Exported": self.exported,
            "VintageFrom": datetime.combine(self.vintage_from, datetime.min.time()),
            "VintageTo": datetime.combine(self.vintage_to, datetime.min.time()),
            "CountryCode": self.country_code,
            "FuelType": self.fuel_type,
            "EnergyValue": self.energy_value,
            "VintageYear": self.vintage_year,
            "TradingCount": self.trading_count,
            "RecItemType": self.item_type,
            "Registry": {"Value": self.registry, "Description": REGISTRY_DESCRIPTIONS[self.registry]},
        }

    def detail(self, quantity: Decimal, serial: str | None = None) -> dict[str, Any]:
        """This item as a line of a REC transaction."""
        return {
            "AssetName": self.device_name,
            "SerialNumber": serial or self.serial_number,
            "CountryCode": self.country_code,
            "Energy": self.energy_value,
            "Vintage": str(self.vintage_year),
            "Total": quantity,
            "RecPrefix": self.rec_prefix,
            "VintageFrom": datetime.combine(self.vintage_from, datetime.min.time()),
            "VintageTo": datetime.combine(self.vintage_to, datetime.min.time()),
        }


@dataclass
class TransactionRecord:
    transaction_id: str
    account_id: UUID
    time: float
    type: RecTransactionType
    registry: Registry
    device_ids: frozenset[UUID]
    details: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""

    def wire(self) -> dict[str, Any]:
        return {
            "TransactionId": self.transaction_id,
            "TransactionTime": wire_time(self.time),
            "Type": {"Value": self.type, "Description": self.type.value},
            "Registry": {"Value": self.registry, "Description": REGISTRY_DESCRIPTIONS[self.registry]},
            "Notes": self.notes,
            "Details": self.details,
        }


class InventoryStore:
    def __init__(self, ids: IdFactory) -> None:
        self._ids = ids
        self.items: dict[UUID, RecItemRecord] = {}
        self.transactions: list[TransactionRecord] = []
        self._issued_per_device: dict[UUID, Decimal] = {}

    def issue(self, item: RecItemRecord) -> RecItemRecord:
        self.items[item.id] = item
        return item

    def next_serial_range(self, device_id: UUID, quantity: Decimal) -> tuple[Decimal, Decimal]:
        """The device's next serial range: consecutive, the last serial ``start + q - 0.000001``."""
        start = self._issued_per_device.get(device_id, ZERO) + 1
        self._issued_per_device[device_id] = start - 1 + quantity
        return start, start + quantity - SERIAL_STEP

    def of_account(self, account_id: UUID) -> list[RecItemRecord]:
        return [item for item in self.items.values() if item.account_id == account_id]

    def record(
        self,
        account_id: UUID,
        kind: RecTransactionType,
        registry: Registry,
        details: list[tuple[RecItemRecord, Decimal]],
        now: float,
        notes: str = "",
    ) -> TransactionRecord:
        """A transaction with an id shaped like ``TRANS-IREC-RETI-20240522-50N5-00004``."""
        day = wire_time(now).strftime("%Y%m%d")
        sequence = self._ids.number(f"transaction-{kind.value}", 1)
        code = self._ids.code(4, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
        transaction = TransactionRecord(
            transaction_id=f"TRANS-{registry.value}-{_TYPE_CODES[kind]}-{day}-{code}-{sequence:05d}",
            account_id=account_id,
            time=now,
            type=kind,
            registry=registry,
            device_ids=frozenset(item.device_id for item, _ in details),
            details=[item.detail(quantity) for item, quantity in details],
            notes=notes,
        )
        self.transactions.append(transaction)
        return transaction

    def transactions_of(self, account_id: UUID) -> list[TransactionRecord]:
        return [t for t in self.transactions if t.account_id == account_id]
