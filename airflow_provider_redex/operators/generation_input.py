"""Read generation data as a stream and pack it into REDEX-sized requests.

DESIGN.md: big data does not go through XCom and memory stays flat however large the file.
Everything here is a generator: a reader yields one row at a time from a CSV, JSON-lines or
Parquet file (a local path or an ``ObjectStoragePath``), and :func:`pack` holds at most one
request's worth of records before yielding it. The input is read once, never into a list.

No float reaches an energy value: CSV cells stay text, JSON lines are parsed with
``parse_float=Decimal``, and a Parquet file with floating-point columns is refused (its
values are already inexact); the models turn text into ``Decimal``.

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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    DailyRecord,
    InverterDailyData,
    MonthlyData,
    MonthlyValues,
)

FileFormat = Literal["csv", "jsonl", "parquet"]

_SUFFIX_FORMATS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

PARQUET_BATCH_ROWS = 4096
"""Rows pulled from a Parquet file at a time; bounds the reader's memory."""


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
    """Yield the rows of ``source`` one at a time (see :class:`GenerationSource`)."""
    for _, row in GenerationSource(source, file_format).rows():
        yield row


class GenerationSource:
    """Rows of generation data, each with its place in the input, for messages that point at it.

    :param source: a local path (``str``/``os.PathLike``), an ``ObjectStoragePath`` (anything
        with ``open()``) or a URL string for one (``s3://...``, ``file://...``: a templated
        field renders to a string), or an inline sequence of mappings (small data only).
    :param file_format: ``csv``, ``jsonl`` or ``parquet``; taken from the suffix when omitted.

    A place is a file line number for CSV (the header is line 1) and JSON lines, a data row
    number for Parquet (it has no lines) and inline rows. Column names in snake_case are read
    as REDEX's names.
    """

    def __init__(self, source: Any, file_format: str | None = None) -> None:
        self.inline = isinstance(source, Sequence) and not isinstance(source, (str, bytes))
        self.source = source if self.inline else _as_storage_path(source)
        self.format: FileFormat | None = None if self.inline else detect_format(self.source, file_format)

    @property
    def name(self) -> str:
        """How a message names the input: its path, or "the inline rows"."""
        return "the inline rows" if self.inline else str(self.source)

    def where(self, position: int) -> str:
        """``line 5 of /data/gen.csv``: a row's place, in the words a person looks it up with."""
        unit = "line" if self.format in ("csv", "jsonl") else "row"
        return f"{unit} {position} of {self.name}"

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(place, row)`` pairs in input order, with wire column names."""
        if self.inline:
            for number, row in enumerate(self.source, start=1):
                yield number, _wire_keys(row)
        elif self.format == "csv":
            with _open(self.source, "r") as handle:
                yield from _csv_rows(handle)
        elif self.format == "jsonl":
            with _open(self.source, "r") as handle:
                yield from _jsonl_rows(handle)
        else:
            with _open(self.source, "rb") as handle:
                yield from _parquet_rows(handle, self.name)


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


def _wire_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    return {WIRE_NAMES.get(key, key): value for key, value in row.items()}


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(handle)
    header = [WIRE_NAMES.get(name.strip(), name.strip()) for name in next(reader, [])]
    width = len(header)
    for values in reader:
        if not values:
            continue  # a blank line
        if len(values) != width:
            # As csv.DictReader does: missing cells are "not given", extra cells keep a name
            # that the checks refuse as an unknown column.
            values = values + [""] * (width - len(values))
            header_here = header + [f"(cell {i + 1})" for i in range(width, len(values))]
            row: dict[str, Any] = dict(zip(header_here, values, strict=True))
        else:
            row = dict(zip(header, values, strict=True))
        if "" in row.values():
            # An empty cell is "not given", which the models read as None (e.g. an empty month).
            row = {key: (value if value != "" else None) for key, value in row.items()}
        row.pop("", None)  # a trailing comma in the header
        yield reader.line_num, row


def _jsonl_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            # Every non-integer number becomes a Decimal with its exact digits, never a float.
            row = wire_json.loads(line)
        except ValueError as exc:
            raise GenerationInputError(f"line {line_number} is not JSON: {exc}") from None
        if not isinstance(row, dict):
            raise GenerationInputError(f"line {line_number} is not a JSON object")
        yield line_number, _wire_keys(row)


def _parquet_rows(handle: IO[bytes], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise GenerationInputError(
            "reading Parquet needs pyarrow: pip install 'airflow-provider-redex[parquet]'"
        ) from None
    parquet_file = pq.ParquetFile(handle)
    _refuse_float_columns(parquet_file.schema_arrow, name)
    number = 0
    for batch in parquet_file.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        batch = batch.rename_columns([WIRE_NAMES.get(n, n) for n in batch.schema.names])
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _refuse_float_columns(schema: Any, name: str) -> None:
    """A float column has already lost the exact kWh the meter gave: refuse it, naming the fix."""
    import pyarrow as pa

    floats = [field.name for field in schema if pa.types.is_floating(field.type)]
    if floats:
        raise GenerationInputError(
            f"{name} stores {', '.join(floats)} as floating point, which is not exact; store "
            "the kWh as decimal (for example decimal128(18, 3)) or as text"
        )


def inverter_of(row: Mapping[str, Any]) -> str:
    """The inverter a row names (wire column names, as :class:`GenerationSource` yields them)."""
    value = row.get(INVERTER_COLUMN)
    if value in (None, ""):
        raise GenerationInputError(f"no inverter id ({INVERTER_COLUMN})")
    return str(value)


def _wire_names() -> dict[str, str]:
    """snake_case field name -> REDEX's name, for every column a generation row may have."""
    names = {}
    for model in (BatchGenerationRequest, InverterDailyData, DailyRecord, MonthlyData, MonthlyValues):
        for name, info in model.model_fields.items():
            names[name] = info.alias or name
    return names


WIRE_NAMES = _wire_names()
INVERTER_COLUMN = WIRE_NAMES["remote_inv_id"]
"""Where a row names its inverter."""


@dataclass
class Chunk:
    """One request's worth of rows, grouped by inverter in first-seen order.

    :param index: position of the chunk in the input, from 0; the same input always gives
        the same chunks, which is what lets a retry skip the ones REDEX acknowledged.
    :param readings: inverter -> its rows, without the inverter column.
    :param places: inverter -> where each of those rows is in the input (for messages).
    """

    index: int
    readings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    places: dict[str, list[int]] = field(default_factory=dict)
    size: int = 0

    def located(self) -> list[tuple[int, dict[str, Any]]]:
        """``(place, row)`` for every row, in the order of :attr:`readings`."""
        return [
            (place, row)
            for inverter, rows in self.readings.items()
            for place, row in zip(self.places[inverter], rows, strict=True)
        ]


def pack(
    rows: Iterable[tuple[int, dict[str, Any]]],
    limit: int,
    *,
    one_inverter: bool = False,
    no_inverter: Callable[[int], None] | None = None,
) -> Iterator[Chunk]:
    """Group ``(place, row)`` pairs into chunks of at most ``limit`` rows, by the row's inverter.

    :param rows: the input, in file order; each row's inverter column is taken out of it.
    :param limit: most rows per chunk (REDEX's per-request record limit).
    :param one_inverter: a chunk holds one inverter only (the per-inverter endpoint); otherwise
        a chunk fills up across inverters (the batch endpoint).
    :param no_inverter: called with the place of a row that names no inverter (it is skipped);
        by default such a row raises :class:`GenerationInputError`.

    This is the push's hottest loop (once per record), hence its plain shape.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    chunk = Chunk(index=0)
    for place, row in rows:
        inverter = row.pop(INVERTER_COLUMN, None)
        if inverter is None or inverter == "":
            if no_inverter is None:
                raise GenerationInputError(f"no inverter id ({INVERTER_COLUMN}) at {place}")
            no_inverter(place)
            continue
        if type(inverter) is not str:
            inverter = str(inverter)
        if chunk.size >= limit or (one_inverter and chunk.size and inverter not in chunk.readings):
            yield chunk
            chunk = Chunk(index=chunk.index + 1)
        bucket = chunk.readings.get(inverter)
        if bucket is None:
            bucket = chunk.readings[inverter] = []
            chunk.places[inverter] = []
        bucket.append(row)
        chunk.places[inverter].append(place)
        chunk.size += 1
    if chunk.size:
        yield chunk
