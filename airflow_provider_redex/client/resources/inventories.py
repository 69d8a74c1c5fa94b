"""Inventories and REC history (I1-I5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.models.common import Registry
from airflow_provider_redex.client.models.inventory import (
    DeviceInventoryItem,
    DeviceInventoryQuery,
    RecInventoryFilterRequest,
    RecInventoryQuery,
    RecItem,
    RecTransaction,
    RecTransactionQuery,
    RecTransactionType,
)
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    listing,
    paged,
    uuid_param,
)


class Inventories(Resource[K]):
    """Approved devices, REC items and REC transactions of the account."""

    @paged
    def list_devices(
        self,
        *,
        registries: Sequence[Registry | str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[DeviceInventoryItem]:
        """I1: the account's approved devices."""
        query = DeviceInventoryQuery.from_input(
            {
                "registries": registries,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("inventories.list_devices", DeviceInventoryItem, query)

    @endpoint
    def get_device(self, device_id: UUID | str) -> Call[DeviceInventoryItem]:
        """I2: one approved device."""
        return Call.one(
            DeviceInventoryItem,
            "inventories.get_device",
            path_params={"deviceId": uuid_param(device_id, "deviceId")},
        )

    @paged
    def list_recs(
        self,
        *,
        registries: Sequence[Registry | str] | None = None,
        device_ids: Sequence[UUID | str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[RecItem]:
        """I3: REC items with their quantity buckets (``Available``, ``OnRetirement``, ...)."""
        query = RecInventoryQuery.from_input(
            {
                "registries": registries,
                "device_ids": device_ids,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("inventories.list_recs", RecItem, query)

    @paged
    def filter_recs(self, request: RecInventoryFilterRequest | Mapping[str, Any]) -> PagedCall[RecItem]:
        """I4: REC items by advance filter. This POST pages in its body, so each page is one POST."""
        body = RecInventoryFilterRequest.from_input(request)

        return PagedCall("inventories.filter_recs", RecItem, page_body=body.page_body)

    @paged
    def list_transactions(
        self,
        *,
        types: Sequence[RecTransactionType | str] | None = None,
        device_id: UUID | str | None = None,
        registry: Registry | str | None = None,
        country_codes: Sequence[str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[RecTransaction]:
        """I5: REC transaction history (issuance, transfer, import, retirement, export)."""
        query = RecTransactionQuery.from_input(
            {
                "types": types,
                "device_id": device_id,
                "registry": registry,
                "country_codes": country_codes,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("inventories.list_transactions", RecTransaction, query)
