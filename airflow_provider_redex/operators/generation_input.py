"""Read generation data as a stream and pack it into REDEX-sized requests.

DESIGN.md: big data does not go through XCom and memory stays flat however large the file.
Everything here is a generator: a reader yields one row at a time from a CSV, JSON-lines or
Parquet file (a local path or an ``ObjectStoragePath``), and :func:`pack` holds at most one
request's worth of records before yielding it. The operator reads the input twice (once to
validate every row before the first request, once to send), never into a list.

Input columns use REDEX's own field names, one row per reading:

* daily: ``RemoteInvId, Timestamp, PeriodProductionInKWh, AccumulatedEnergyInKWh``;
* monthly: ``RemoteInvId, Year, Jan, Feb, ..., Dec`` (an empty month is "no data").

snake_case spellings (``remote_inv_id``) are accepted too, because the client's models
accept both.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Literal, TypeVar

from airflow_provider_redex.client import wire_json

FileFormat = Literal["csv", "jsonl", "parquet"]

_SUFFIX_FORMATS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

INVERTER_COLUMNS = ("RemoteInvId", "remote_inv_id")
"""Where a row names its inverter; the first one present wins."""

PARQUET_BATCH_ROWS = 4096
"""Rows pulled from a Parquet file at a time; bounds the reader's memory."""

_Item = TypeVar("_Item")


class GenerationInputError(ValueError):
    """The input file cannot be read as generation data (unknown format, missing column)."""


def detect_format(path: Any, file_format: str | None = None) -> FileFormat:
    """The file format, given explicitly or taken from the path's suffix."""
    if file_format:
        normalized = file_format.lower().lstrip(".")
        normalized = "jsonl" if normalized in {"json", "ndjson", "json-lines", "jsonlines"} else normalized
        if normalized not in {"csv", "jsonl", "parquet"}:
            raise GenerationInputError(f"unsupported file_format {file_format!r}: use csv, jsonl or parquet")
        return normalized  # type: ignore[return-value]
    suffix = Path(str(path)).suffix.lower()
    try:
        return _SUFFIX_FORMATS[suffix]
    except KeyError:
        raise GenerationInputError(
            f"cannot tell the format of {path!s} from its suffix {suffix!r}; pass file_format="
            "'csv', 'jsonl' or 'parquet'"
        ) from None


def iter_rows(source: Any, file_format: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``source`` one at a time.

    :param source: a local path (``str``/``os.PathLike``), an ``ObjectStoragePath`` (anything
        with ``open()``) or a URL string for one (``s3://...``, ``file://...``: a templated
        field renders to a string), or an inline sequence of mappings (small data only).
    :param file_format: ``csv``, ``jsonl`` or ``parquet``; taken from the suffix when omitted.
    """
    if isinstance(source, Sequence) and not isinstance(source, (str, bytes)):
        for row in source:
            yield dict(row)
        return
    source = _as_storage_path(source)
    fmt = detect_format(source, file_format)
    if fmt == "csv":
        with _open(source, "r") as handle:
            yield from _csv_rows(handle)
    elif fmt == "jsonl":
        with _open(source, "r") as handle:
            yield from _jsonl_rows(handle)
    else:
        with _open(source, "rb") as handle:
            yield from _parquet_rows(handle)


def _as_storage_path(source: Any) -> Any:
    """A URL string becomes an ``ObjectStoragePath``; anything else is returned as it is."""
    if isinstance(source, str) and "://" in source:
        from airflow.sdk import ObjectStoragePath  # only here: keeps DAG parsing light

        return ObjectStoragePath(source)
    return source


def _open(source: Any, mode: str) -> IO[Any]:
    if isinstance(source, (str, os.PathLike)):
        if "b" in mode:
            return open(source, mode)
        return open(source, mode, encoding="utf-8-sig", newline="")
    # An ObjectStoragePath (or any object with open()): always open binary and decode here, so
    # the encoding and newline handling are the same as for a local file.
    handle = source.open("rb")
    if "b" in mode:
        return handle  # type: ignore[no-any-return]
    return io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")


def _csv_rows(handle: IO[str]) -> Iterator[dict[str, Any]]:
    for row in csv.DictReader(handle):
        # An empty cell is "not given", which the models read as None (e.g. an empty month).
        yield {key: (value if value != "" else None) for key, value in row.items() if key}


def _jsonl_rows(handle: IO[str]) -> Iterator[dict[str, Any]]:
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = wire_json.loads(line)
        except ValueError as exc:
            raise GenerationInputError(f"line {line_number} is not JSON: {exc}") from None
        if not isinstance(row, dict):
            raise GenerationInputError(f"line {line_number} is not a JSON object")
        yield row


def _parquet_rows(handle: IO[bytes]) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise GenerationInputError(
            "reading Parquet needs pyarrow: pip install 'airflow-provider-redex[parquet]'"
        ) from None
    parquet_file = pq.ParquetFile(handle)
    for batch in parquet_file.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        for row in batch.to_pylist():
            yield {key: _exact(value) for key, value in row.items()}


def _exact(value: Any) -> Any:
    # Parquet float columns come back as floats; their shortest repr is the number the
    # writer meant (0.123, not 0.12299999...), and the models turn that text into a Decimal.
    return repr(value) if isinstance(value, float) else value


def inverter_of(row: Mapping[str, Any]) -> str:
    """The inverter a row belongs to, or a :class:`GenerationInputError` naming the columns."""
    for column in INVERTER_COLUMNS:
        value = row.get(column)
        if value not in (None, ""):
            return str(value)
    raise GenerationInputError(f"row has no inverter id (one of {', '.join(INVERTER_COLUMNS)}): {row!r}")


def without_inverter(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's reading, without the inverter column (REDEX nests readings under the inverter)."""
    return {key: value for key, value in row.items() if key not in INVERTER_COLUMNS}


@dataclass
class Chunk(Generic[_Item]):
    """One request's worth of items, grouped by inverter in first-seen order.

    :param index: position of the chunk in the input, from 0; the same input always gives
        the same chunks, which is what lets a retry skip the ones REDEX acknowledged.
    """

    index: int
    by_inverter: dict[str, list[_Item]] = field(default_factory=dict)
    size: int = 0

    def add(self, inverter: str, item: _Item) -> None:
        self.by_inverter.setdefault(inverter, []).append(item)
        self.size += 1

    @property
    def inverters(self) -> list[str]:
        return list(self.by_inverter)


def pack(
    items: Iterable[tuple[str, _Item]], limit: int, *, one_inverter: bool = False
) -> Iterator[Chunk[_Item]]:
    """Group ``(inverter, item)`` pairs into chunks of at most ``limit`` items.

    :param items: the input, in file order.
    :param limit: most items per chunk (REDEX's per-request record limit).
    :param one_inverter: a chunk holds one inverter only (the per-inverter endpoint); otherwise
        a chunk fills up across inverters (the batch endpoint).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    chunk: Chunk[_Item] = Chunk(index=0)
    for inverter, item in items:
        full = chunk.size >= limit
        other_inverter = one_inverter and chunk.size and inverter not in chunk.by_inverter
        if full or other_inverter:
            yield chunk
            chunk = Chunk(index=chunk.index + 1)
        chunk.add(inverter, item)
    if chunk.size:
        yield chunk
