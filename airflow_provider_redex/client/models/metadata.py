"""Reference data (M1-M3): inverter brands, fuel types, I-REC technologies."""

from __future__ import annotations

from airflow_provider_redex.client.models.base import ResponseModel
from airflow_provider_redex.client.models.common import PageQuery, Registry


class InverterBrand(ResponseModel):
    """M1 item: ``Code`` is what an inverter's ``BrandCode`` takes (``AB01`` = ABB)."""

    code: str
    name: str | None = None


class FuelType(ResponseModel):
    """M2 item (undocumented, 15.1 #20). Our choice: the names its filters use; all optional."""

    fuel_kind: str | None = None
    fuel_name: str | None = None
    redex_fuel_name: str | None = None
    registry: str | None = None


class Technology(ResponseModel):
    """M3 item (undocumented, 15.1 #20). Our choice: the names its filters use; all optional."""

    fuel_name: str | None = None
    fuel_kind: str | None = None
    fuel_kind_code: str | None = None
    technology_code: str | None = None


class InverterBrandQuery(PageQuery):
    """M1 filters. ``IsPagination`` is not offered: the paginator always pages."""

    code: str | None = None


class FuelTypeQuery(PageQuery):
    """M2 filters."""

    fuel_kind: str | None = None
    fuel_name: str | None = None
    registry: Registry | None = None


class TechnologyQuery(PageQuery):
    """M3 filters."""

    fuel_name: str | None = None
    fuel_kind: str | None = None
    fuel_kind_code: str | None = None
