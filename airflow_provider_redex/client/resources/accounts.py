"""The business account (P1-P3)."""

from __future__ import annotations

from airflow_provider_redex.client.calls import Call, PagedCall
from airflow_provider_redex.client.models.accounts import Account, AccountQuery, AccountType
from airflow_provider_redex.client.models.documents import DocumentFile
from airflow_provider_redex.client.resources._resource import K, Resource, endpoint, listing, paged


class Accounts(Resource[K]):
    """The account the credentials act for."""

    @endpoint
    def get_profile(self) -> Call[Account]:
        """P1: the own account's profile."""
        return Call.one(Account, "accounts.get_profile")

    @endpoint
    def list_documents(self) -> Call[list[DocumentFile]]:
        """P3: the account's documents (shape undocumented; read as ``{Name, Path}`` files)."""
        return Call.many(DocumentFile, "accounts.list_documents")

    @paged
    def list(
        self,
        *,
        account_type: AccountType | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Account]:
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
        return listing("accounts.list", Account, query)
