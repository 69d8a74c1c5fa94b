"""Grouped device applications (D1-D5) and the approved devices they become (I1, I2).

An application starts ``InProgress`` and is decided after the approval delay or by the
admin API. Approval reveals its ``DeviceId``: the grouped device that generation sums,
REC applications and inventories refer to. Each ``RemoteInvId`` belongs to one inverter per
account, unless the application holding it was declined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from airflow_provider_redex.client.models.devices import (
    DeviceApplicationStatus,
    DeviceRequest,
    GenerationDataFrequency,
    GroupedDeviceApplicationRequest,
    InverterRequest,
)
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import ApiError, bad_request
from airflow_provider_redex.sandbox.state.common import Decision, owned
from airflow_provider_redex.sandbox.state.documents import DocumentStore

Status = DeviceApplicationStatus


@dataclass
class InverterRecord:
    id: int
    request: InverterRequest
    device: DeviceRecord
    created: float

    @property
    def effective_start(self) -> date:
        return self.request.effective_start_date or self.device.request.grid_connection_date

    def is_effective_on(self, day: date) -> bool:
        end = self.request.effective_end_date
        return self.effective_start <= day and (end is None or day <= end)


@dataclass
class DeviceRecord:
    id: UUID
    request: DeviceRequest
    application: DeviceApplicationRecord
    created: float
    inverters: list[InverterRecord] = field(default_factory=list)


@dataclass
class DeviceApplicationRecord:
    id: UUID
    account_id: UUID
    number: str
    request: GroupedDeviceApplicationRequest
    grouped_device_id: UUID
    registry_id: str
    unique_id: str
    created: float
    updated: float
    status: Status = Status.IN_PROGRESS
    review_comment: str | None = None
    devices: list[DeviceRecord] = field(default_factory=list)

    @property
    def device_id(self) -> UUID | None:
        """The grouped device id, revealed once approved (ARCHITECTURE.md: null until then)."""
        return self.grouped_device_id if self.status is Status.APPROVED else None

    @property
    def frequency(self) -> GenerationDataFrequency:
        return self.request.generation_data_frequency or GenerationDataFrequency.DAILY

    @property
    def inverters(self) -> list[InverterRecord]:
        return [inverter for device in self.devices for inverter in device.inverters]

    @property
    def registration_start(self) -> date:
        """The earliest day any inverter of the group is effective: issuance cannot start before."""
        return min(inverter.effective_start for inverter in self.inverters)


class DeviceStore:
    def __init__(self, ids: IdFactory, documents: DocumentStore) -> None:
        self._ids = ids
        self._documents = documents
        self.applications: dict[UUID, DeviceApplicationRecord] = {}
        self._inverters: dict[tuple[UUID, str], InverterRecord] = {}

    # --- D1 ----------------------------------------------------------------------------------

    def register(
        self, account_id: UUID, request: GroupedDeviceApplicationRequest, now: float
    ) -> DeviceApplicationRecord:
        self._check_documents(account_id, request)
        self._check_unique_inverters(account_id, request)
        application = DeviceApplicationRecord(
            id=self._ids.uuid(),
            account_id=account_id,
            number=self._ids.application_number(),
            request=request,
            grouped_device_id=self._ids.uuid(),
            registry_id=self._registry_id(request.grouped_english_name),
            unique_id=self._unique_id(request),
            created=now,
            updated=now,
        )
        for device_request in request.devices:
            device = DeviceRecord(self._ids.uuid(), device_request, application, now)
            for inverter_request in device_request.inverters:
                inverter = InverterRecord(
                    self._ids.number("inverter", 100_001), inverter_request, device, now
                )
                device.inverters.append(inverter)
                self._inverters[(account_id, inverter_request.remote_inv_id)] = inverter
            application.devices.append(device)
        self.applications[application.id] = application
        return application

    def _check_documents(self, account_id: UUID, request: GroupedDeviceApplicationRequest) -> None:
        for d, device in enumerate(request.devices):
            self._documents.require(
                account_id, device.declaration_form_file_id, f"Devices[{d}].DeclarationFormFileId"
            )

    def _check_unique_inverters(self, account_id: UUID, request: GroupedDeviceApplicationRequest) -> None:
        """BR9: a ``RemoteInvId`` already registered by this account (and not declined) is refused."""
        for d, device in enumerate(request.devices):
            for i, inverter in enumerate(device.inverters):
                existing = self._inverters.get((account_id, inverter.remote_inv_id))
                if existing is not None and existing.device.application.status is not Status.DECLINED:
                    raise bad_request(
                        "DuplicateRemoteInvId",
                        f"RemoteInvId {inverter.remote_inv_id!r} is already registered",
                        f"Devices[{d}].Inverters[{i}].RemoteInvId",
                    )

    def _registry_id(self, name: str) -> str:
        letters = "".join(ch for ch in name.upper() if ch.isalnum())[:4].ljust(4, "X")
        return f"{letters}ES{self._ids.number('registry-id', 10_001)}"

    def _unique_id(self, request: GroupedDeviceApplicationRequest) -> str:
        grid = min(device.grid_connection_date for device in request.devices)
        return f"{request.country_code}-SOLAR-{grid:%d%m%Y}-{self._ids.number('unique-id', 2_540_515_487)}"

    # --- reads -------------------------------------------------------------------------------

    def get(self, account_id: UUID, application_id: UUID) -> DeviceApplicationRecord:
        return owned(self.applications.get(application_id), account_id)

    def of_account(self, account_id: UUID) -> list[DeviceApplicationRecord]:
        return [a for a in self.applications.values() if a.account_id == account_id]

    def approved(self, account_id: UUID) -> list[DeviceApplicationRecord]:
        return [a for a in self.of_account(account_id) if a.status is Status.APPROVED]

    def by_device_id(self, account_id: UUID, device_id: UUID) -> DeviceApplicationRecord:
        """The approved grouped device with this ``DeviceId``: 404 unknown, 403 someone else's."""
        for application in self.applications.values():
            if application.device_id == device_id:
                return owned(application, account_id)
        raise ApiError(404)

    def inverter(self, account_id: UUID, remote_inv_id: str) -> InverterRecord | None:
        found = self._inverters.get((account_id, remote_inv_id))
        if found is None or found.device.application.status is Status.DECLINED:
            return None
        return found

    # --- decisions ---------------------------------------------------------------------------

    def decide(
        self, application: DeviceApplicationRecord, decision: Decision, reason: str | None, now: float
    ) -> None:
        if application.status.is_terminal:
            raise bad_request("AlreadyDecided", f"the application is {application.status.value}", status=409)
        if decision is Decision.RETURN:
            raise bad_request(
                "NotSupported",
                "device applications cannot be returned, only approved or declined",
                status=409,
            )
        application.status = Status.APPROVED if decision is Decision.APPROVE else Status.DECLINED
        application.review_comment = reason
        application.updated = now

    def advance(self, now: float, delay: float | None) -> None:
        """Auto-approval: an application still in progress ``delay`` seconds after creation."""
        if delay is None:
            return
        for application in self.applications.values():
            if not application.status.is_terminal and now >= application.created + delay:
                self.decide(application, Decision.APPROVE, None, application.created + delay)
