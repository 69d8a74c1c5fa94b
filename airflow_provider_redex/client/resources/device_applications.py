"""Grouped device applications (D1-D5)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.models.common import CreatedResource, DeviceType, PageQuery, Registry
from airflow_provider_redex.client.models.devices import (
    Device,
    DeviceApplication,
    DeviceApplicationQuery,
    DeviceApplicationStatus,
    GroupedDeviceApplicationRequest,
    InverterApplication,
    InverterApplicationQuery,
)
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    listing,
    paged,
    uuid_param,
)


class DeviceApplications(Resource[K]):
    """Register grouped devices and follow their applications."""

    @endpoint
    def create_grouped(
        self, request: GroupedDeviceApplicationRequest | Mapping[str, Any]
    ) -> Call[CreatedResource]:
        """D1: register a grouped device with its devices and inverters; ``Id`` is the application."""
        body = GroupedDeviceApplicationRequest.from_input(request)
        return Call.created("device_applications.create_grouped", body.to_wire())

    @paged
    def list(
        self,
        *,
        registries: Sequence[Registry | str] | None = None,
        status: DeviceApplicationStatus | str | None = None,
        country_codes: Sequence[str] | None = None,
        energies: Sequence[str] | None = None,
        device_types: Sequence[DeviceType | str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[DeviceApplication]:
        """D2: the account's device applications, filtered."""
        query = DeviceApplicationQuery.from_input(
            {
                "registries": registries,
                "status": status,
                "country_codes": country_codes,
                "energies": energies,
                "device_types": device_types,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("device_applications.list", DeviceApplication, query)

    @endpoint
    def get(self, device_application_id: UUID | str) -> Call[DeviceApplication]:
        """D3: one application; its ``DeviceId`` is set once REDEX approves it."""
        app_id = uuid_param(device_application_id, "deviceApplicationId")
        return Call.one(
            DeviceApplication, "device_applications.get", path_params={"deviceApplicationId": app_id}
        )

    @paged
    def list_devices(
        self,
        device_application_id: UUID | str,
        *,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Device]:
        """D4: the devices and inverters of a grouped device application."""
        app_id = uuid_param(device_application_id, "deviceApplicationId")
        query = PageQuery.from_input(
            {
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing(
            "device_applications.list_devices", Device, query, path_params={"deviceApplicationId": app_id}
        )

    @endpoint
    def list_inverter_applications(
        self, remote_inverter_ids: Sequence[str]
    ) -> Call[builtins.list[InverterApplication]]:
        """D5: the inverter applications for the owner's inverter ids."""
        query = InverterApplicationQuery.from_input({"remote_inverter_ids": list(remote_inverter_ids)})
        return Call.many(
            InverterApplication, "device_applications.list_inverter_applications", params=query.to_params()
        )
