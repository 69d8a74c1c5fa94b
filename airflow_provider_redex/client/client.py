"""``RedexClient``: the facade with one attribute per API area.

Calls read like the API: ``client.device_applications.get(id)``,
``client.generation.send_batch(request)``, ``client.rec_applications.list(statuses=[...])``.
"""

from __future__ import annotations

from functools import cached_property

from airflow_provider_redex.client.base_client import SyncAPIClient
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


class RedexClient(SyncAPIClient):
    """The REDEX public API v2, paced, retried and authenticated.

    The constructor is :class:`SyncAPIClient`'s, unchanged. Resources are created on first
    use (``cached_property``) so that building a client stays cheap, and each is bound to
    this client's transport and rate budget.
    """

    @cached_property
    def device_applications(self) -> DeviceApplications:
        return DeviceApplications(self)

    @cached_property
    def documents(self) -> Documents:
        return Documents(self)

    @cached_property
    def generation(self) -> Generation:
        return Generation(self)

    @cached_property
    def inventories(self) -> Inventories:
        return Inventories(self)

    @cached_property
    def rec_applications(self) -> RecApplications:
        return RecApplications(self)

    @cached_property
    def retirements(self) -> Retirements:
        return Retirements(self)

    @cached_property
    def beneficiaries(self) -> Beneficiaries:
        return Beneficiaries(self)

    @cached_property
    def metadata(self) -> Metadata:
        return Metadata(self)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self)

    @cached_property
    def billing(self) -> Billing:
        return Billing(self)

    @cached_property
    def exchange(self) -> Exchange:
        return Exchange(self)
