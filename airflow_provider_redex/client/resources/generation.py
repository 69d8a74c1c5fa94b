"""Generation data (G1-G6): push readings per inverter and follow their processing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from airflow_provider_redex.client.calls import Call, PagedCall, Request
from airflow_provider_redex.client.envelope import Envelope
from airflow_provider_redex.client.models.daily_fast import plain_daily_wire
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    FrequencyType,
    GenerationProcess,
    GenerationQuery,
    GenerationRecord,
    InverterDailyData,
    MonthlyGenerationBatch,
    MonthlyGenerationData,
    PeriodSum,
    PeriodSumQuery,
    ProcessIdsQuery,
    ProcessQuery,
    ProcessRef,
    ProcessStatuses,
)
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    int_param,
    listing,
    paged,
    uuid_param,
)


class Generation(Resource[K]):
    """Send daily or monthly generation data and poll its processing."""

    @endpoint
    def send_daily(self, request: InverterDailyData | Mapping[str, Any] | bytes) -> Call[ProcessRef]:
        """G1: one inverter's daily records (at most 3000); poll the returned process with G4."""
        body = _daily_wire_body(InverterDailyData, request, batch=False)
        return Call.one(ProcessRef, "generation.send_daily", body=body)

    @endpoint
    def send_batch(self, request: BatchGenerationRequest | Mapping[str, Any] | bytes) -> Call[ProcessRef]:
        """G2: several inverters' daily records, at most 3000 in total."""
        body = _daily_wire_body(BatchGenerationRequest, request, batch=True)
        return Call.one(ProcessRef, "generation.send_batch", body=body)

    @endpoint
    def send_monthly(
        self,
        request: MonthlyGenerationBatch | Sequence[MonthlyGenerationData | Mapping[str, Any]] | bytes,
    ) -> Call[ProcessRef]:
        """G3: monthly data for groups whose ``GenerationDataFrequency`` is Monthly (an array body)."""
        body = _wire_body(MonthlyGenerationBatch, request)
        return Call.one(ProcessRef, "generation.send_monthly", body=body)

    @endpoint
    def get_process(self, process_id: int | str) -> Call[GenerationProcess]:
        """G4: the processing state of a send."""
        query = ProcessQuery(process_id=int_param(process_id, "ProcessId"))
        return Call.one(GenerationProcess, _G4, params=query.to_params())

    @endpoint
    def get_processes(self, process_ids: Sequence[int | str]) -> Call[ProcessStatuses]:
        """G4 for several sends in one request, ``ProcessId`` repeated; the URL grows with the
        ids, so :func:`~..process_statuses.batches` splits a long list.

        REDEX documents one ``ProcessId``: a server that reads only one answers a single process
        (``as_list`` is ``False``); :mod:`~..process_statuses` then reads the others one by one.
        """
        ids = [int_param(process_id, "ProcessId") for process_id in process_ids]
        query = ProcessIdsQuery.from_input({"process_ids": ids})
        return Call(Request(_G4, params=query.to_params()), _process_statuses)

    @paged
    def list(
        self,
        *,
        frequency_type: FrequencyType | str,
        from_date: date | str,
        to_date: date | str,
        remote_inv_id: str | None = None,
        device_id: UUID | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[GenerationRecord]:
        """G5: stored generation data over at most 3 months (all inverters without ``remote_inv_id``)."""
        query = GenerationQuery.from_input(
            {
                "frequency_type": frequency_type,
                "from_date": from_date,
                "to_date": to_date,
                "remote_inv_id": remote_inv_id,
                "device_id": device_id,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("generation.list", GenerationRecord, query)

    @endpoint
    def sum_period(
        self, device_id: UUID | str, *, vintage_from: date | str, vintage_to: date | str
    ) -> Call[PeriodSum]:
        """G6: the energy produced over a vintage window (``yyyy-MM`` strings for monthly devices)."""
        query = PeriodSumQuery.from_input({"vintage_from": vintage_from, "vintage_to": vintage_to})
        return Call.one(
            PeriodSum,
            "generation.sum_period",
            path_params={"rehashDeviceId": uuid_param(device_id, "rehashDeviceId")},
            params=query.to_params(),
        )


_G4 = "generation.get_process"


def _process_statuses(envelope: Envelope) -> ProcessStatuses:
    if isinstance(envelope.data, dict):
        return ProcessStatuses([envelope.data_as(GenerationProcess)], as_list=False)
    return ProcessStatuses(envelope.data_as_list(GenerationProcess), as_list=True)


def _wire_body(model: Any, request: Any) -> Any:
    """A send's body: ``bytes`` are a body the caller validated with these models and encoded
    once with ``wire_json.encode`` (a push fingerprints the very bytes it sends), sent as they
    are; anything else is validated here."""
    return request if isinstance(request, bytes) else model.from_input(request).to_wire()


def _daily_wire_body(model: Any, request: Any, *, batch: bool) -> Any:
    """:func:`_wire_body` for G1/G2: a body of plain dicts goes through the shared fast path
    (half the CPU per reading); whatever it declines, the model validates as before."""
    if isinstance(request, Mapping):
        fast = plain_daily_wire(request, batch=batch)
        if fast is not None:
            return fast
    return _wire_body(model, request)
