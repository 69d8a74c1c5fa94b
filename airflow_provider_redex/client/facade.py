"""The API areas both clients expose, declared once: ``client.device_applications``, ...

:class:`~.client.RedexClient` is ``SyncAPIClient + ApiAreas[Sync]`` and
:class:`~.async_client.AsyncRedexClient` is ``AsyncAPIClient + ApiAreas[Async]``: the same
resource classes, bound to the client's transport, created on first use so that building a
client stays cheap.
"""

from __future__ import annotations

from functools import cached_property
from typing import Generic

from airflow_provider_redex.client.resources._resource import Async, K, Sync
from airflow_provider_redex.client.resources.accounts import Accounts
from airflow_provider_redex.client.resources.billing import Billing
from airflow_provider_redex.client.resources.device_applications import DeviceApplications
from airflow_provider_redex.client.resources.documents import Documents
from airflow_provider_redex.client.resources.exchange import Exchange
from airflow_provider_redex.client.resources.generation import Generation
from airflow_provider_redex.client.resources.inventories import Inventories
from airflow_provider_redex.client.resources.metadata import Metadata
from airflow_provider_redex.client.resources.rec_applications import RecApplications
from airflow_provider_redex.client.resources.retirements import Beneficiaries, Retirements

__all__ = ["API_AREAS", "ApiAreas", "Async", "Sync"]


class ApiAreas(Generic[K]):
    """One attribute per REDEX API area, each a resource bound to this client."""

    @cached_property
    def device_applications(self) -> DeviceApplications[K]:
        return DeviceApplications(self)

    @cached_property
    def documents(self) -> Documents[K]:
        return Documents(self)

    @cached_property
    def generation(self) -> Generation[K]:
        return Generation(self)

    @cached_property
    def inventories(self) -> Inventories[K]:
        return Inventories(self)

    @cached_property
    def rec_applications(self) -> RecApplications[K]:
        return RecApplications(self)

    @cached_property
    def retirements(self) -> Retirements[K]:
        return Retirements(self)

    @cached_property
    def beneficiaries(self) -> Beneficiaries[K]:
        return Beneficiaries(self)

    @cached_property
    def metadata(self) -> Metadata[K]:
        return Metadata(self)

    @cached_property
    def accounts(self) -> Accounts[K]:
        return Accounts(self)

    @cached_property
    def billing(self) -> Billing[K]:
        return Billing(self)

    @cached_property
    def exchange(self) -> Exchange[K]:
        return Exchange(self)


API_AREAS: tuple[str, ...] = tuple(
    name for name, value in vars(ApiAreas).items() if isinstance(value, cached_property)
)
"""The attribute names of the areas, for tests that walk both clients."""
