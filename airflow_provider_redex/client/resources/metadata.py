"""Reference data (M1-M3)."""

from __future__ import annotations

from airflow_provider_redex.client.calls import PagedCall
from airflow_provider_redex.client.models.common import Registry
from airflow_provider_redex.client.models.metadata import (
    FuelType,
    FuelTypeQuery,
    InverterBrand,
    InverterBrandQuery,
    Technology,
    TechnologyQuery,
)
from airflow_provider_redex.client.resources._resource import K, Resource, listing, paged


class Metadata(Resource[K]):
    """Inverter brands, fuel types and I-REC technologies."""

    @paged
    def list_inverter_brands(
        self,
        *,
        code: str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[InverterBrand]:
        """M1: brand codes for an inverter's ``BrandCode``."""
        query = InverterBrandQuery.from_input(
            {
                "code": code,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("metadata.list_inverter_brands", InverterBrand, query)

    @paged
    def list_fuel_types(
        self,
        *,
        fuel_kind: str | None = None,
        fuel_name: str | None = None,
        registry: Registry | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[FuelType]:
        """M2: fuel types."""
        query = FuelTypeQuery.from_input(
            {
                "fuel_kind": fuel_kind,
                "fuel_name": fuel_name,
                "registry": registry,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("metadata.list_fuel_types", FuelType, query)

    @paged
    def list_technologies(
        self,
        *,
        fuel_name: str | None = None,
        fuel_kind: str | None = None,
        fuel_kind_code: str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Technology]:
        """M3: I-REC technologies."""
        query = TechnologyQuery.from_input(
            {
                "fuel_name": fuel_name,
                "fuel_kind": fuel_kind,
                "fuel_kind_code": fuel_kind_code,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("metadata.list_technologies", Technology, query)
