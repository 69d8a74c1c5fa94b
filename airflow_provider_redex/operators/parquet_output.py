"""Write rows to Parquet (and CSV) on an ``ObjectStoragePath`` a bounded batch at a time.

DESIGN.md: big data does not go through XCom and memory stays flat. :class:`ParquetSink` holds
at most ``row_group_rows`` rows before it writes them as one row group, so an export of a
million REC items uses the memory of one row group, not of the file. Quantities use Parquet's
exact decimal type, ``decimal128(18, 6)`` (REDEX's decimal(18,6), API_REFERENCE 1.5): a
value with more than 6 decimals is refused by pyarrow rather than rounded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from airflow_provider_redex.client.models import rules

if TYPE_CHECKING:
    import pyarrow as pa

ROW_GROUP_ROWS = 10_000
"""Rows per Parquet row group: the most an export holds in memory at once."""


def pyarrow_module() -> Any:
    """``pyarrow``, or an error that says how to install it."""
    try:
        import pyarrow
        import pyarrow.parquet  # loads the submodule: pyarrow.parquet.ParquetWriter
    except ImportError:
        raise RuntimeError(
            "writing Parquet needs pyarrow: pip install 'airflow-provider-redex[parquet]'"
        ) from None
    return pyarrow


def quantity_type() -> pa.DataType:
    """REDEX quantities and energy: decimal(18,6)."""
    pa = pyarrow_module()
    return pa.decimal128(rules.QUANTITY_MAX_DIGITS, rules.QUANTITY_DECIMALS)


def as_path(target: Any) -> Any:
    """An ``ObjectStoragePath`` for a URL or path string (a rendered template is a string)."""
    from airflow.sdk import ObjectStoragePath

    return target if isinstance(target, ObjectStoragePath) else ObjectStoragePath(str(target))


class ParquetSink:
    """A Parquet file written one row group at a time; use as a context manager.

    :param target: an ``ObjectStoragePath`` (or URL/path string); its folder is created.
    :param schema: the pyarrow schema; rows are mappings with its field names.
    :param row_group_rows: rows buffered before a row group is written.
    """

    def __init__(self, target: Any, schema: pa.Schema, *, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        if row_group_rows < 1:
            raise ValueError(f"row_group_rows must be at least 1, got {row_group_rows}")
        self.path = as_path(target)
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.rows = 0
        self.row_groups = 0
        self._buffer: list[Mapping[str, Any]] = []
        self._handle: IO[bytes] | None = None
        self._writer: Any = None

    def __enter__(self) -> ParquetSink:
        pa = pyarrow_module()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("wb")
        self._writer = pa.parquet.ParquetWriter(self._handle, self.schema)
        return self

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add rows; a full buffer is written out as one row group."""
        for row in rows:
            self._buffer.append(row)
            if len(self._buffer) >= self.row_group_rows:
                self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        pa = pyarrow_module()
        self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
        self.rows += len(self._buffer)
        self.row_groups += 1
        self._buffer = []

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self._flush()
        finally:
            if self._writer is not None:
                self._writer.close()
            if self._handle is not None:
                self._handle.close()


def write_csv(target: Any, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write ``rows`` as CSV (decimals as exact text, ``None`` as an empty cell); the row count."""
    path = as_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if row.get(key) is None else row[key] for key in columns})
            count += 1
    return count
