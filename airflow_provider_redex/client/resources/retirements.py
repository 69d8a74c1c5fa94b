"""Retirement applications (T1-T3) and beneficiaries (T4-T6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.models.base import ValueDescription
from airflow_provider_redex.client.models.common import CreatedResource, Registry
from airflow_provider_redex.client.models.retirements import (
    Beneficiary,
    BeneficiaryQuery,
    BeneficiaryRequest,
    BeneficiaryType,
    RetirementApplication,
    RetirementQuery,
    RetirementRequest,
    RetirementStatus,
)
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    listing,
    paged,
    uuid_param,
)


class Retirements(Resource[K]):
    """Retire RECs for a beneficiary and follow the applications."""

    @paged
    def list(
        self,
        *,
        registries: Sequence[Registry | str] | None = None,
        country_codes: Sequence[str] | None = None,
        energies: Sequence[str] | None = None,
        statuses: Sequence[RetirementStatus | str] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[RetirementApplication]:
        """T1: the account's retirement applications, filtered."""
        query = RetirementQuery.from_input(
            {
                "registries": registries,
                "country_codes": country_codes,
                "energies": energies,
                "statuses": statuses,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("retirements.list", RetirementApplication, query)

    @endpoint
    def create(self, request: RetirementRequest | Mapping[str, Any]) -> Call[CreatedResource]:
        """T2: apply to retire RECs; the quantity is locked as ``OnRetirement`` meanwhile."""
        body = RetirementRequest.from_input(request)
        return Call.created("retirements.create", body.to_wire())

    @endpoint
    def get(self, retirement_application_id: UUID | str) -> Call[RetirementApplication]:
        """T3: one retirement, with the certificate URL (``BlobContent``) once completed."""
        app_id = uuid_param(retirement_application_id, "retirementApplicationId")
        return Call.one(
            RetirementApplication, "retirements.get", path_params={"retirementApplicationId": app_id}
        )


class Beneficiaries(Resource[K]):
    """The beneficiaries retirements are made for."""

    @endpoint
    def list_types(self) -> Call[list[ValueDescription[BeneficiaryType]]]:
        """T6: the beneficiary types (item shape undocumented; read as ``{Value, Description}``)."""
        return Call.many(ValueDescription[BeneficiaryType], "beneficiaries.list_types")

    @paged
    def list(
        self,
        *,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Beneficiary]:
        """T4: the account's beneficiaries."""
        query = BeneficiaryQuery.from_input(
            {
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("beneficiaries.list", Beneficiary, query)

    @endpoint
    def create(self, request: BeneficiaryRequest | Mapping[str, Any]) -> Call[CreatedResource]:
        """T5: create a beneficiary; the type decides which name and address fields are required."""
        body = BeneficiaryRequest.from_input(request)
        return Call.created("beneficiaries.create", body.to_wire())
