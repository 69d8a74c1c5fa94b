"""Export the REC inventory (I3) and the REC transaction history (I5) to Parquet.

Both lists can hold millions of rows. They are read page by page (``Paginator.iter_pages``,
the largest page REDEX allows, so the export costs the fewest requests from the account's
budget) and written a row group at a time (``parquet_output.ParquetSink``): memory stays flat
however long the list is, and only the path and the counts go to XCom. Quantities are exact
``decimal128(18, 6)`` columns.

One row per REC item; one row per REC line of a transaction (a transaction without lines is
one row with empty line columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.client.models.inventory import RecItem, RecTransaction
from airflow_provider_redex.client.models.rules import ITEMS_PER_PAGE_MAX
from airflow_provider_redex.operators.base import RedexBaseOperator
from airflow_provider_redex.operators.parquet_output import (
    ROW_GROUP_ROWS,
    ParquetSink,
    pyarrow_module,
    quantity_type,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_redex.client.paging import Page

INVENTORY_QUANTITIES = (
    "total",
    "retired",
    "on_sale",
    "on_retirement",
    "on_exporting",
    "exported",
    "on_auction",
    "available",
    "balance",
)
"""The REC item's quantity buckets (7.1), in REDEX's order."""


def inventory_schema() -> pa.Schema:
    pa = pyarrow_module()
    timestamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("id", pa.string()),
            ("device_id", pa.string()),
            ("device_name", pa.string()),
            ("device_unique_id", pa.string()),
            ("registry", pa.string()),
            ("serial_number", pa.string()),
            *[(name, quantity_type()) for name in INVENTORY_QUANTITIES],
            ("vintage_from", timestamp),
            ("vintage_to", timestamp),
            ("vintage_year", pa.int32()),
            ("country_code", pa.string()),
            ("fuel_type", pa.string()),
            ("rec_item_type", pa.string()),
        ]
    )


def inventory_row(item: RecItem) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": str(item.id),
        "device_id": _text(item.device_id),
        "device_name": item.device_name,
        "device_unique_id": item.device_unique_id,
        "registry": item.registry.value.value,
        "serial_number": item.serial_number,
        "vintage_from": item.vintage_from,
        "vintage_to": item.vintage_to,
        "vintage_year": item.vintage_year,
        "country_code": item.country_code,
        "fuel_type": item.fuel_type,
        "rec_item_type": None if item.rec_item_type is None else item.rec_item_type.value,
    }
    row.update({name: getattr(item, name) for name in INVENTORY_QUANTITIES})
    return row


DETAIL_COLUMNS = (
    "serial_number",
    "asset_name",
    "country_code",
    "energy",
    "vintage",
    "total",
    "vintage_from",
    "vintage_to",
)


def transaction_schema() -> pa.Schema:
    pa = pyarrow_module()
    timestamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("transaction_id", pa.string()),
            ("transaction_time", timestamp),
            ("type", pa.string()),
            ("registry", pa.string()),
            ("notes", pa.string()),
            ("serial_number", pa.string()),
            ("asset_name", pa.string()),
            ("country_code", pa.string()),
            ("energy", pa.string()),
            ("vintage", pa.int32()),
            ("total", quantity_type()),
            ("vintage_from", timestamp),
            ("vintage_to", timestamp),
        ]
    )


def transaction_rows(transaction: RecTransaction) -> Iterator[dict[str, Any]]:
    head = {
        "transaction_id": transaction.transaction_id,
        "transaction_time": transaction.transaction_time,
        "type": transaction.type.value.value,
        "registry": None if transaction.registry is None else transaction.registry.value.value,
        "notes": transaction.notes,
    }
    if not transaction.details:
        yield head
    for detail in transaction.details:
        yield {**head, **{name: getattr(detail, name) for name in DETAIL_COLUMNS}}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def export_pages(pages: Iterable[Page[Any]], sink: ParquetSink, to_rows: Any) -> None:
    """Write every page's items through ``to_rows(item) -> iterable of rows``."""
    for page in pages:
        for item in page.items:
            sink.write(to_rows(item))


class _RedexExportOperator(RedexBaseOperator):
    """Shared by the two exports: the destination, the page size, the row-group size."""

    def __init__(
        self,
        *,
        destination: str | ObjectStoragePath,
        items_per_page: int = ITEMS_PER_PAGE_MAX,
        row_group_rows: int = ROW_GROUP_ROWS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.destination = destination
        self.items_per_page = items_per_page
        self.row_group_rows = row_group_rows

    def _write(self, pages: Iterable[Page[Any]], schema: pa.Schema, to_rows: Any) -> dict[str, Any]:
        with ParquetSink(self.destination, schema, row_group_rows=self.row_group_rows) as sink:
            export_pages(pages, sink, to_rows)
        self.log.info("Wrote %s rows in %s row group(s) to %s", f"{sink.rows:,}", sink.row_groups, sink.path)
        return {"path": str(sink.path), "rows": sink.rows, "row_groups": sink.row_groups}


class RedexExportInventoryOperator(_RedexExportOperator):
    """Export the account's REC inventory (I3) to a Parquet file, one row per REC item.

    Returns ``{path, rows, row_groups}``.

    :param destination: an ``ObjectStoragePath`` or URL/path string of the file (templated).
    :param registries: only these registries (``IREC``, ``TIGR``) (templated).
    :param device_ids: only these devices (templated).
    :param items_per_page: page size asked of REDEX (default: the largest allowed).
    :param row_group_rows: rows per Parquet row group, the most held in memory.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    template_fields: Sequence[str] = ("destination", "registries", "device_ids", "redex_conn_id")

    def __init__(
        self,
        *,
        registries: Sequence[str] | None = None,
        device_ids: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.registries = registries
        self.device_ids = device_ids

    def execute(self, context: Context) -> dict[str, Any]:
        with self.redex_client() as client:
            pages = client.inventories.list_recs(
                registries=self.registries, device_ids=self.device_ids, items_per_page=self.items_per_page
            ).iter_pages()
            return self._write(pages, inventory_schema(), lambda item: [inventory_row(item)])


class RedexExportTransactionsOperator(_RedexExportOperator):
    """Export the account's REC transaction history (I5) to Parquet, one row per REC line.

    Returns ``{path, rows, row_groups}``.

    :param destination: an ``ObjectStoragePath`` or URL/path string of the file (templated).
    :param types: only these transaction types (``Issuance``, ``Retirement`` ...) (templated).
    :param device_id: only this device (templated).
    :param items_per_page: page size asked of REDEX (default: the largest allowed).
    :param row_group_rows: rows per Parquet row group, the most held in memory.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    template_fields: Sequence[str] = ("destination", "types", "device_id", "redex_conn_id")

    def __init__(
        self, *, types: Sequence[str] | None = None, device_id: str | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.types = types
        self.device_id = device_id

    def execute(self, context: Context) -> dict[str, Any]:
        with self.redex_client() as client:
            pages = client.inventories.list_transactions(
                types=self.types, device_id=self.device_id or None, items_per_page=self.items_per_page
            ).iter_pages()
            return self._write(pages, transaction_schema(), transaction_rows)
