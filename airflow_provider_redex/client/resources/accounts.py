"""The business account (P1-P3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_redex.client.models.accounts import Account, AccountQuery, AccountType
from airflow_provider_redex.client.models.documents import DocumentFile
from airflow_provider_redex.client.resources._resource import Resource

if TYPE_CHECKING:
    from airflow_provider_redex.client.paging import Paginator


class Accounts(Resource):
    """The account the credentials act for."""

    def get_profile(self) -> Account:
        """P1: the own account's profile."""
        return self._get("accounts.get_profile", Account)

    def list_documents(self) -> list[DocumentFile]:
        """P3: the account's documents (shape undocumented; read as ``{Name, Path}`` files)."""
        return self._get_list("accounts.list_documents", DocumentFile)

    def list(
        self,
        *,
        account_type: AccountType | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> Paginator[Account]:
        """P2: the account profiles the credentials can see."""
        query = AccountQuery.from_input(
            {
                "account_type": account_type,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return self._list("accounts.list", Account, query)
