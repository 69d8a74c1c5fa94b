"""Retirement applications (T1-T3) and beneficiaries (T4-T6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

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
from airflow_provider_redex.client.resources._resource import Resource, uuid_param

if TYPE_CHECKING:
    from airflow_provider_redex.client.paging import Paginator


class Retirements(Resource):
    """Retire RECs for a beneficiary and follow the applications."""

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
    ) -> Paginator[RetirementApplication]:
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
        return self._list("retirements.list", RetirementApplication, query)

    def create(self, request: RetirementRequest | Mapping[str, Any]) -> CreatedResource:
        """T2: apply to retire RECs; the quantity is locked as ``OnRetirement`` meanwhile."""
        body = RetirementRequest.from_input(request)
        return self._create("retirements.create", body.to_wire())

    def get(self, retirement_application_id: UUID | str) -> RetirementApplication:
        """T3: one retirement, with the certificate URL (``BlobContent``) once completed."""
        app_id = uuid_param(retirement_application_id, "retirementApplicationId")
        return self._get(
            "retirements.get", RetirementApplication, path_params={"retirementApplicationId": app_id}
        )


class Beneficiaries(Resource):
    """The beneficiaries retirements are made for."""

    def list_types(self) -> list[ValueDescription[BeneficiaryType]]:
        """T6: the beneficiary types (item shape undocumented; read as ``{Value, Description}``)."""
        return self._get_list("beneficiaries.list_types", ValueDescription[BeneficiaryType])

    def list(
        self,
        *,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> Paginator[Beneficiary]:
        """T4: the account's beneficiaries."""
        query = BeneficiaryQuery.from_input(
            {
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return self._list("beneficiaries.list", Beneficiary, query)

    def create(self, request: BeneficiaryRequest | Mapping[str, Any]) -> CreatedResource:
        """T5: create a beneficiary; the type decides which name and address fields are required."""
        body = BeneficiaryRequest.from_input(request)
        return self._create("beneficiaries.create", body.to_wire())
