"""Streaming readers and request packing for generation data."""

from __future__ import annotations

import csv
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators.generation_input import (
    GenerationInputError,
    GenerationSource,
    detect_format,
    iter_rows,
    pack,
)

HEADER = ["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"]


def _write_csv(path: Path, rows: int, inverters: int = 3) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow([f"INV-{i % inverters}", f"2024-01-{1 + i % 28:02d}", "1.125", f"{i}.5"])


def test_csv_rows_keep_exact_decimal_text_and_read_empty_cells_as_none(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("RemoteInvId,Year,Jan,Feb\nINV-1,2024,0.1,\n")

    (row,) = iter_rows(str(path))

    assert row == {"RemoteInvId": "INV-1", "Year": "2024", "Jan": "0.1", "Feb": None}


def test_jsonl_numbers_are_decimals_not_floats(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"RemoteInvId": "A", "PeriodProductionInKWh": 0.1}) + "\n\n")

    (row,) = iter_rows(path)

    assert row["PeriodProductionInKWh"] == Decimal("0.1")


def test_jsonl_line_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text('{"RemoteInvId": "A"}\n{oops\n')

    with pytest.raises(GenerationInputError, match="line 2"):
        list(iter_rows(path))


def test_object_storage_path_is_read_through_its_open(tmp_path: Path) -> None:
    _write_csv(tmp_path / "g.csv", rows=5)

    rows = list(iter_rows(ObjectStoragePath(f"file://{tmp_path}/g.csv")))

    assert len(rows) == 5
    assert rows[0]["RemoteInvId"] == "INV-0"


def test_a_rendered_url_string_is_read_as_object_storage(tmp_path: Path) -> None:
    # A templated ``source`` renders to a plain string; "file://..." is no local file name.
    _write_csv(tmp_path / "g.csv", rows=3)

    rows = list(iter_rows(f"file://{tmp_path}/g.csv"))

    assert [row["RemoteInvId"] for row in rows] == ["INV-0", "INV-1", "INV-2"]


def test_inline_rows_pass_through() -> None:
    rows = [{"RemoteInvId": "A", "Timestamp": "2024-01-01"}]
    assert list(iter_rows(rows)) == rows


def test_parquet_float_columns_are_refused_and_decimal_or_text_columns_read_exactly(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"RemoteInvId": ["A"], "PeriodProductionInKWh": [0.123]}), tmp_path / "f.parquet")
    with pytest.raises(GenerationInputError, match=r"PeriodProductionInKWh as floating point.*decimal"):
        list(iter_rows(tmp_path / "f.parquet"))

    exact = pa.table(
        {
            "remote_inv_id": ["A"],
            "PeriodProductionInKWh": pa.array([Decimal("0.123")], pa.decimal128(18, 3)),
            "AccumulatedEnergyInKWh": ["5.5"],
        }
    )
    pq.write_table(exact, tmp_path / "g.parquet")
    (row,) = iter_rows(tmp_path / "g.parquet")
    assert row == {
        "RemoteInvId": "A",
        "PeriodProductionInKWh": Decimal("0.123"),
        "AccumulatedEnergyInKWh": "5.5",
    }


def test_places_are_file_lines_for_csv_and_jsonl_and_rows_for_parquet(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text('RemoteInvId,Timestamp\nA,2024-01-01\n\n"B\nB",2024-01-02\nC,2024-01-03\n')
    source = GenerationSource(str(path))

    places = [place for place, _ in source.rows()]

    assert places == [2, 5, 6]  # the blank line 3 is skipped; B's quoted cell spans lines 4-5
    assert source.where(5) == f"line 5 of {path}"
    assert GenerationSource([{"RemoteInvId": "A"}]).where(1) == "row 1 of the inline rows"


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("a.csv", None, "csv"),
        ("a.ndjson", None, "jsonl"),
        ("a.txt", "JSON", "jsonl"),
        ("a", "parquet", "parquet"),
    ],
)
def test_format_comes_from_the_argument_or_the_suffix(name: str, given: str | None, expected: str) -> None:
    assert detect_format(name, given) == expected


def test_unknown_suffix_asks_for_file_format() -> None:
    with pytest.raises(GenerationInputError, match="file_format"):
        detect_format("data.xlsx")


def _located(pairs: list[tuple[str, int]]) -> list[tuple[int, dict[str, object]]]:
    return [(place, {"RemoteInvId": inverter, "n": place}) for place, (inverter, _) in enumerate(pairs, 1)]


def _numbers(chunk: object) -> dict[str, list[object]]:
    return {inv: [row["n"] for row in rows] for inv, rows in chunk.readings.items()}  # type: ignore[attr-defined]


def test_pack_fills_requests_across_inverters_up_to_the_limit() -> None:
    chunks = list(pack(_located([(f"INV-{i % 4}", i) for i in range(7)]), limit=3))

    assert [chunk.size for chunk in chunks] == [3, 3, 1]
    assert _numbers(chunks[0]) == {"INV-0": [1], "INV-1": [2], "INV-2": [3]}
    assert chunks[0].places == {"INV-0": [1], "INV-1": [2], "INV-2": [3]}
    assert [chunk.index for chunk in chunks] == [0, 1, 2]


def test_pack_one_inverter_per_request_starts_a_chunk_at_each_new_inverter() -> None:
    pairs = [("A", 1), ("A", 2), ("A", 3), ("B", 4), ("A", 5)]

    chunks = list(pack(_located(pairs), limit=2, one_inverter=True))

    assert [_numbers(chunk) for chunk in chunks] == [{"A": [1, 2]}, {"A": [3]}, {"B": [4]}, {"A": [5]}]


def test_pack_reports_a_row_without_inverter_and_goes_on() -> None:
    skipped: list[int] = []
    rows = [
        (1, {"RemoteInvId": "A"}),
        (2, {"Timestamp": "2024-01-01"}),
        (3, {"RemoteInvId": ""}),
        (4, {"RemoteInvId": 7}),
    ]

    (chunk,) = pack(rows, limit=10, no_inverter=skipped.append)

    assert skipped == [2, 3]
    assert chunk.places == {"A": [1], "7": [4]}
    with pytest.raises(GenerationInputError, match="RemoteInvId"):
        list(pack(rows, limit=10))


def test_pack_never_exceeds_the_documented_limit_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    _write_csv(path, rows=rules.MAX_RECORDS_PER_REQUEST * 2 + 17, inverters=7)

    chunks = list(pack(GenerationSource(path).rows(), rules.MAX_RECORDS_PER_REQUEST))

    assert max(chunk.size for chunk in chunks) == rules.MAX_RECORDS_PER_REQUEST
    assert sum(chunk.size for chunk in chunks) == rules.MAX_RECORDS_PER_REQUEST * 2 + 17


def test_pack_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(pack([(1, {"RemoteInvId": "A"})], limit=0))


def _peak_bytes_while_packing(path: Path) -> int:
    tracemalloc.start()
    try:
        total = 0
        for chunk in pack(GenerationSource(path).rows(), rules.MAX_RECORDS_PER_REQUEST):
            total += chunk.size
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_when_the_file_grows_tenfold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write_csv(small, rows=20_000)
    _write_csv(large, rows=200_000)

    small_peak = _peak_bytes_while_packing(small)
    large_peak = _peak_bytes_while_packing(large)

    with capsys.disabled():
        print(
            f"\n[tracemalloc] packing {small.stat().st_size:,} B -> peak {small_peak:,} B; "
            f"{large.stat().st_size:,} B -> peak {large_peak:,} B"
        )
    # Ten times the data must not need anywhere near ten times the memory: one request's
    # worth of rows is held at a time. (A list-based reader peaks ~10x higher here.)
    assert large_peak < small_peak * 1.5
