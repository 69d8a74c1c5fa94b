"""The whole REDEX state of one sandbox: every area store, and the time that moves them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from airflow_provider_redex.sandbox.clock import SandboxClock
from airflow_provider_redex.sandbox.config import Account, SandboxConfig
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import ApiError
from airflow_provider_redex.sandbox.state.common import Blob, Decision
from airflow_provider_redex.sandbox.state.devices import DeviceStore
from airflow_provider_redex.sandbox.state.documents import DocumentStore
from airflow_provider_redex.sandbox.state.exchange import ExchangeStore
from airflow_provider_redex.sandbox.state.generation import GenerationStore
from airflow_provider_redex.sandbox.state.inventory import InventoryStore
from airflow_provider_redex.sandbox.state.recs import RecApplicationStore
from airflow_provider_redex.sandbox.state.retirements import RetirementStore


class SandboxState:
    """Data per area; ``advance`` applies every transition that is due at the current time."""

    def __init__(
        self, config: SandboxConfig, clock: SandboxClock, ids: IdFactory, accounts: Sequence[Account]
    ) -> None:
        self.config = config
        self.clock = clock
        self.accounts = tuple(accounts)
        self.ids = ids
        self.blobs: dict[UUID, Blob] = {}
        self.documents = DocumentStore(ids, self.blobs)
        self.devices = DeviceStore(ids, self.documents)
        self.generation = GenerationStore(ids, self.devices)
        self.inventory = InventoryStore(ids)
        self.recs = RecApplicationStore(ids, self.devices, self.generation, self.inventory)
        self.retirements = RetirementStore(ids, self.inventory, self.blobs)
        self.exchange = ExchangeStore(ids, config.seed)
        if config.sample_data:
            from airflow_provider_redex.sandbox.state.samples import add_samples

            for account in self.accounts:
                add_samples(self, account)

    @property
    def approval_delay(self) -> float | None:
        delay = self.config.approve_after
        return None if delay is None else self.config.scaled(delay)

    def advance(self) -> None:
        """Lazy time: called on every REDEX request, so what is due has happened before it is read."""
        now, delay = self.clock.now(), self.approval_delay
        self.devices.advance(now, delay)
        self.generation.advance(now, self.config.scaled(self.config.processing_seconds))
        self.recs.advance(now, delay)
        self.retirements.advance(now, delay)

    def decide(self, application_id: UUID, decision: Decision, reason: str | None) -> str:
        """Admin decision on any kind of application; returns the kind it was."""
        self.advance()
        now = self.clock.now()
        if (device := self.devices.applications.get(application_id)) is not None:
            self.devices.decide(device, decision, reason, now)
            return "DeviceApplication"
        if (rec := self.recs.applications.get(application_id)) is not None:
            self.recs.decide(rec, decision, reason, now)
            return "RecApplication"
        if (retirement := self.retirements.retirements.get(application_id)) is not None:
            self.retirements.decide(retirement, decision, reason, now)
            return "RetirementApplication"
        raise ApiError(404)

    def records(self) -> dict[str, int]:
        """How much is stored, for the admin counters."""
        return {
            "Documents": len(self.documents.documents),
            "DeviceApplications": len(self.devices.applications),
            "GenerationProcesses": len(self.generation.processes),
            "GenerationRecords": self.generation.stored_records(),
            "RecApplications": len(self.recs.applications),
            "RecItems": len(self.inventory.items),
            "RecTransactions": len(self.inventory.transactions),
            "Beneficiaries": len(self.retirements.beneficiaries),
            "RetirementApplications": len(self.retirements.retirements),
            "SpotOrders": len(self.exchange.orders),
        }
