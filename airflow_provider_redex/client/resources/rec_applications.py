"""REC issuance applications (R1-R3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.models.common import CreatedResource, DeviceType, Registry
from airflow_provider_redex.client.models.rec_applications import (
    GroupedDeviceRecApplicationRequest,
    RecApplication,
    RecApplicationQuery,
    RecApplicationStatus,
)
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    listing,
    paged,
    uuid_param,
)


class RecApplications(Resource[K]):
    """Apply for REC issuance and follow the applications."""

    @paged
    def list(
        self,
        *,
        registries: Sequence[Registry | str] | None = None,
        country_codes: Sequence[str] | None = None,
        energies: Sequence[str] | None = None,
        statuses: Sequence[RecApplicationStatus | str] | None = None,
        device_id: UUID | str | None = None,
        device_ids: Sequence[UUID | str] | None = None,
        device_types: Sequence[DeviceType | str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[RecApplication]:
        """R1: the account's REC applications, filtered."""
        query = RecApplicationQuery.from_input(
            {
                "registries": registries,
                "country_codes": country_codes,
                "energies": energies,
                "statuses": statuses,
                "device_id": device_id,
                "device_ids": device_ids,
                "device_types": device_types,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("rec_applications.list", RecApplication, query)

    @endpoint
    def create_for_grouped_device(
        self, request: GroupedDeviceRecApplicationRequest | Mapping[str, Any]
    ) -> Call[CreatedResource]:
        """R3: apply for issuance over a vintage window.

        REDEX may accept with a residual-mix warning instead of "Success": it is kept in
        ``redex_message`` of the result.
        """
        body = GroupedDeviceRecApplicationRequest.from_input(request)
        return Call.created("rec_applications.create_for_grouped_device", body.to_wire())

    @endpoint
    def get(self, rec_application_id: UUID | str) -> Call[RecApplication]:
        """R2: one REC application."""
        app_id = uuid_param(rec_application_id, "recApplicationId")
        return Call.one(RecApplication, "rec_applications.get", path_params={"recApplicationId": app_id})
