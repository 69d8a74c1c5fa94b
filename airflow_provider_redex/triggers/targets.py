"""What each REDEX sensor waits on: which GET reads it, and how to read its answer.

A sensor pokes with the sync client in the worker; its trigger polls with the async client in
the triggerer. Both must decide the same way, so the knowledge lives once, here: a
:class:`StatusTarget` fetches one resource (sync or async, GET only), lists every undecided
item of its kind with the resource's ``list()`` (what the shared poll and the sensors' cache read),
and reduces a model to a :class:`StatusReading`. Whether a status is success, failure or
still moving comes from the client models' status enums (``is_success`` / ``is_failure`` /
``is_terminal``); no status string is spelled in this package outside ``client/models``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

from airflow_provider_redex.client import process_statuses
from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementStatus
from airflow_provider_redex.triggers.events import (
    EVENT_FAILURE,
    EVENT_SUCCESS,
    EVENT_TIMEOUT,
    RedexTriggerEvent,
    make_event,
)


@dataclass(frozen=True)
class StatusReading:
    """One poll's answer, reduced to what a sensor decides on.

    :param noun: what was polled, in words (``"device application"``).
    :param resource_id: its id as the sensor was given it.
    :param status: the model's status (a :class:`LifecycleStatus` member).
    :param application_number: REDEX's human-facing number, when the resource has one.
    :param reason: REDEX's reason for a decision, when it gave one.
    :param result: the sensor's XCom value on success (JSON primitives only).
    """

    noun: str
    resource_id: str
    status: LifecycleStatus
    application_number: str | None
    reason: str | None
    result: dict[str, Any]

    @property
    def status_value(self) -> str:
        return str(self.status.value)

    @property
    def is_success(self) -> bool:
        return self.status.is_success

    @property
    def is_failure(self) -> bool:
        return self.status.is_failure

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def label(self) -> str:
        """``device application 1000000183401473`` (or the id when there is no number)."""
        return f"{self.noun} {self.application_number or self.resource_id}"

    def describe(self) -> str:
        """A sentence for the log and for a failure: number, status and REDEX's reason."""
        text = f"REDEX {self.label} is {self.status_value}"
        if self.is_failure:
            text += f"; REDEX's reason: {self.reason}" if self.reason else "; REDEX gave no reason"
        return text

    def event(self) -> RedexTriggerEvent:
        """The terminal event for this reading (success or failure)."""
        return make_event(
            EVENT_SUCCESS if self.is_success else EVENT_FAILURE,
            self.describe(),
            resource_id=self.resource_id,
            redex_status=self.status_value,
            application_number=self.application_number,
            reason=self.reason,
            result=self.result if self.is_success else None,
        )

    def timeout_event(self, waited_until: str) -> RedexTriggerEvent:
        """The event when the deadline passed and the last check was still not terminal."""
        return make_event(
            EVENT_TIMEOUT,
            f"Gave up waiting at {waited_until}: REDEX {self.label} is still {self.status_value}",
            resource_id=self.resource_id,
            redex_status=self.status_value,
            application_number=self.application_number,
        )


class StatusTarget(ABC):
    """One kind of REDEX resource a sensor can wait on."""

    noun: str
    """What it is, in words, for log lines and errors."""

    id_name: str
    """The name of the id in XCom values and errors (``device_application_id``)."""

    kind: str
    """A stable name for the kind, part of the shared-stream key (``device_applications``)."""

    statuses: ClassVar[type[LifecycleStatus]]
    """The kind's status enum: its active states are what "still undecided" means."""

    def key(self, resource_id: str) -> str:
        """The id in one canonical spelling, so a listed item and a sensor's id compare equal."""
        return resource_id.strip()

    def item_key(self, model: Any) -> str:
        """The canonical id of a fetched or listed model."""
        return self.key(str(model.id))

    lists: bool = False
    """Whether REDEX lists this kind filtered by status (``client.<area>.list``); processes: no."""

    def undecided_filters(self, seen: frozenset[LifecycleStatus]) -> list[dict[str, Any]]:
        """The ``list()`` filters whose results hold every undecided item: one request per page each.

        :param seen: the active statuses last seen on the ids being waited for, so a route that
            filters on one status at a time asks only for those that matter.
        """
        return []

    def list_undecided(self, client: Any, filters: dict[str, Any]) -> Any:
        """The sync ``Paginator`` or async ``AsyncPaginator`` of one of :meth:`undecided_filters`."""
        raise NotImplementedError(f"REDEX lists no {self.noun}s")

    @abstractmethod
    def fetch(self, client: Any, resource_id: str) -> Any:
        """GET the resource with the sync client."""

    @abstractmethod
    async def afetch(self, client: Any, resource_id: str) -> Any:
        """GET the resource with the async client."""

    def fetch_many(self, client: Any, keys: list[str]) -> tuple[dict[str, Any], int]:
        """Models of several canonical ids by a batched read, and the requests it sent.

        Ids left out are read one by one with :meth:`fetch`. By default nothing is batched:
        the application kinds are listed instead.
        """
        return {}, 0

    async def afetch_many(self, client: Any, keys: list[str]) -> tuple[dict[str, Any], int]:
        """The async twin of :meth:`fetch_many`."""
        return {}, 0

    @abstractmethod
    def reading(self, resource_id: str, model: Any) -> StatusReading:
        """Reduce the fetched model to a :class:`StatusReading`."""

    def combined_result(self, readings: list[StatusReading]) -> dict[str, Any]:
        """The XCom value when every polled resource succeeded (one resource: its own)."""
        if len(readings) == 1:
            return readings[0].result
        return {
            f"{self.id_name}s": [r.resource_id for r in readings],
            "results": [r.result for r in readings],
        }

    def decide(self, readings: list[StatusReading]) -> RedexTriggerEvent | None:
        """The event for a set of readings: the first failure, or success when all succeeded.

        ``None`` while any resource is still moving.
        """
        for reading in readings:
            if reading.is_failure:
                return reading.event()
        if not readings or not all(r.is_success for r in readings):
            return None
        last = readings[-1]
        if len(readings) == 1:
            message = last.describe()
        else:
            names = ", ".join(r.application_number or r.resource_id for r in readings)
            message = f"REDEX {self.noun}s {names} all succeeded"
        return make_event(
            EVENT_SUCCESS,
            message,
            resource_id=",".join(r.resource_id for r in readings),
            redex_status=last.status_value,
            application_number=last.application_number if len(readings) == 1 else None,
            result=self.combined_result(readings),
        )

    def read(self, client: Any, resource_id: str) -> StatusReading:
        return self.reading(resource_id, self.fetch(client, resource_id))

    async def aread(self, client: Any, resource_id: str) -> StatusReading:
        return self.reading(resource_id, await self.afetch(client, resource_id))


def status_member(value: Any) -> LifecycleStatus:
    """The status enum member, whether the model holds it bare or as ``{Value, Description}``."""
    member = value if isinstance(value, Enum) else getattr(value, "value", value)
    if not isinstance(member, LifecycleStatus):
        raise TypeError(f"expected a REDEX status, got {value!r}")
    return member


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class _ApplicationTarget(StatusTarget):
    """An application resource: ``Id``, ``ApplicationNumber``, ``Status``, ``ReviewComment``."""

    area: str
    """The client attribute (``client.<area>.get(id)``) for this resource."""

    lists = True

    def key(self, resource_id: str) -> str:
        try:
            return str(UUID(resource_id.strip()))
        except ValueError:  # not a uuid: the GET will say so; keep it comparable meanwhile
            return resource_id.strip().lower()

    def undecided_filters(self, seen: frozenset[LifecycleStatus]) -> list[dict[str, Any]]:
        # R1 and T1 take a list of statuses: one request covers every undecided state.
        return [{"statuses": sorted(self.statuses.active_states(), key=lambda s: s.value)}]

    def list_undecided(self, client: Any, filters: dict[str, Any]) -> Any:
        return getattr(client, self.area).list(**filters)

    def fetch(self, client: Any, resource_id: str) -> Any:
        return getattr(client, self.area).get(UUID(resource_id))

    async def afetch(self, client: Any, resource_id: str) -> Any:
        return await getattr(client, self.area).get(UUID(resource_id))

    def reading(self, resource_id: str, model: Any) -> StatusReading:
        status = status_member(model.status)
        number = _text(getattr(model, "application_number", None))
        return StatusReading(
            noun=self.noun,
            resource_id=resource_id,
            status=status,
            application_number=number,
            reason=_text(getattr(model, "review_comment", None)),
            result={
                self.id_name: resource_id,
                "application_number": number,
                "status": str(status.value),
                **self.extra_result(model),
            },
        )

    def extra_result(self, model: Any) -> dict[str, Any]:
        """More JSON-ready facts for the XCom value; none by default."""
        return {}


class DeviceApplicationTarget(_ApplicationTarget):
    noun = "device application"
    id_name = "device_application_id"
    area = "device_applications"
    kind = "device_applications"
    statuses = DeviceApplicationStatus

    def undecided_filters(self, seen: frozenset[LifecycleStatus]) -> list[dict[str, Any]]:
        # D2 filters on one Status at a time (API_REFERENCE.md 4.2). InProgress is where an
        # application waits for its review; Unverified is asked for only while a waited-for
        # application was last seen there, so the usual cost stays one request.
        wanted = {DeviceApplicationStatus.IN_PROGRESS} | (set(seen) & self.statuses.active_states())
        return [{"status": status} for status in sorted(wanted, key=lambda s: s.value)]

    def extra_result(self, model: Any) -> dict[str, Any]:
        # The REC application and inventory endpoints take the device id, which REDEX
        # assigns only on approval: hand it downstream (ARCHITECTURE.md, DeviceApplication).
        return {"device_id": _text(getattr(model, "device_id", None))}


class RecApplicationTarget(_ApplicationTarget):
    noun = "REC application"
    id_name = "rec_application_id"
    area = "rec_applications"
    kind = "rec_applications"
    statuses = RecApplicationStatus


class RetirementApplicationTarget(_ApplicationTarget):
    noun = "retirement application"
    id_name = "retirement_application_id"
    area = "retirements"
    kind = "retirements"
    statuses = RetirementStatus

    def extra_result(self, model: Any) -> dict[str, Any]:
        return {"certificate_url": _text(getattr(model, "blob_content", None))}


class GenerationProcessTarget(StatusTarget):
    """A generation-data process (G4): an int64 ``ProcessId`` with no number and no reason.

    REDEX lists no processes, so the undecided ones are read by their ids: several in one G4
    request (``ProcessId`` repeated, :mod:`~airflow_provider_redex.client.process_statuses`),
    or one request per id where the server reads one ``ProcessId`` only, as REDEX documents
    (API_REFERENCE.md 6.4). The shared poll reads each id once however many triggers wait on it.
    """

    noun = "generation process"
    id_name = "process_id"
    kind = "generation_processes"
    statuses = ProcessStatus

    def key(self, resource_id: str) -> str:
        try:
            return str(int(resource_id))
        except ValueError:
            return resource_id.strip()

    def item_key(self, model: Any) -> str:
        return str(model.process_id)

    def fetch(self, client: Any, resource_id: str) -> Any:
        return client.generation.get_process(int(resource_id))

    async def afetch(self, client: Any, resource_id: str) -> Any:
        return await client.generation.get_process(int(resource_id))

    def fetch_many(self, client: Any, keys: list[str]) -> tuple[dict[str, Any], int]:
        reads = process_statuses.read_processes(client, _process_ids(keys))
        return {str(process_id): model for process_id, model in reads.found.items()}, reads.requests

    async def afetch_many(self, client: Any, keys: list[str]) -> tuple[dict[str, Any], int]:
        reads = await process_statuses.aread_processes(client, _process_ids(keys))
        return {str(process_id): model for process_id, model in reads.found.items()}, reads.requests

    def reading(self, resource_id: str, model: Any) -> StatusReading:
        status = status_member(model.status)
        return StatusReading(
            noun=self.noun,
            resource_id=resource_id,
            status=status,
            application_number=None,
            # REDEX exposes no failure reason for processes (API_REFERENCE.md 6.4).
            reason=_text(getattr(model, "review_comment", None)),
            result={"process_id": int(resource_id), "status": str(status.value)},
        )

    def combined_result(self, readings: list[StatusReading]) -> dict[str, Any]:
        return {
            "process_ids": [int(r.resource_id) for r in readings],
            "statuses": {r.resource_id: r.status_value for r in readings},
        }


def _process_ids(keys: list[str]) -> list[int]:
    """The keys that are ProcessIds; any other is left to its own read, which names the problem."""
    return [int(key) for key in keys if key.isdigit() and int(key) > 0]
