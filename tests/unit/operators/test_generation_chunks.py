"""generation_chunks: the push's one pass over its input (validate once, encode once, spool)."""

from __future__ import annotations

import csv
import hashlib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.daily_fast import daily_readings, plain_readings
from airflow_provider_redex.operators import generation_chunks
from airflow_provider_redex.operators.generation_chunks import PushRefused, prepare_push
from airflow_provider_redex.operators.generation_input import GenerationSource

FIRST = date(2020, 1, 1)


def _csv(path: Path, inverters: int, days: int, **columns: str) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                columns.get(c, c)
                for c in ("RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh")
            ]
        )
        for inverter in range(inverters):
            for day in range(days):
                writer.writerow([f"INV-{inverter}", FIRST + timedelta(days=day), f"{day}.100", f"{day}5.5"])
    return path


class _Counting:
    """Wraps a callable and counts what passes through it."""

    def __init__(self, wrapped: Any, measure: Any = lambda *args: 1) -> None:
        self.wrapped, self.measure, self.count = wrapped, measure, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.count += self.measure(*args)
        return self.wrapped(*args, **kwargs)


def _count_validations(monkeypatch: pytest.MonkeyPatch) -> tuple[_Counting, _Counting]:
    """Rows validated by the plain check and by the model's fields, counted."""
    plain = _Counting(plain_readings().validate_python, measure=len)
    fields = _Counting(daily_readings(floats_possible=False).validate_python, measure=len)
    monkeypatch.setattr(generation_chunks, "plain_readings", lambda: SimpleNamespace(validate_python=plain))
    monkeypatch.setattr(
        generation_chunks, "daily_readings", lambda **_: SimpleNamespace(validate_python=fields)
    )
    return plain, fields


def test_a_chunk_outside_the_plain_form_is_read_by_the_models_fields_and_sent_as_they_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path / "g.csv", inverters=1, days=2)
    text = path.read_text().splitlines()
    text[1] = text[1].replace(text[1].split(",")[2], "1e3")  # a kWh the model reads as 1E+3
    path.write_text("\n".join(text) + "\n")
    plain, fields = _count_validations(monkeypatch)

    prepared = prepare_push(GenerationSource(str(path)), frequency="daily", per_inverter=False)

    assert (plain.count, fields.count) == (2, 2)
    assert b'"PeriodProductionInKWh":1000,' in prepared.body(prepared.chunks[0])  # plain digits
    prepared.close()


def test_each_row_is_validated_once_and_each_chunk_encoded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path / "g.csv", inverters=7, days=1000)  # 7000 records: three requests
    plain, fields = _count_validations(monkeypatch)
    encoded = _Counting(wire_json.encode)
    monkeypatch.setattr(wire_json, "encode", encoded)

    prepared = prepare_push(GenerationSource(str(path)), frequency="daily", per_inverter=False)

    assert prepared.records == plain.count == 7000
    assert fields.count == 0  # plain rows never take the second pass
    assert [c.records for c in prepared.chunks] == [3000, 3000, 1000]
    assert encoded.count == len(prepared.chunks) == 3
    prepared.close()


def test_the_fingerprint_is_taken_from_the_bytes_that_are_sent(tmp_path: Path) -> None:
    path = _csv(tmp_path / "g.csv", inverters=2, days=3, RemoteInvId="remote_inv_id")  # snake_case header

    prepared = prepare_push(GenerationSource(str(path)), frequency="daily", per_inverter=True)

    assert [c.inverter for c in prepared.chunks] == ["INV-0", "INV-1"]
    for chunk in prepared.chunks:
        body = prepared.body(chunk)
        assert chunk.fingerprint == hashlib.sha256(body).hexdigest()[:16]
        sent = wire_json.loads(body)
        assert sent["RemoteInvId"] == chunk.inverter
        assert sent["Data"][1] == {
            "Timestamp": "2020-01-02",
            "PeriodProductionInKWh": Decimal("1.100"),  # the digits as given, as a number
            "AccumulatedEnergyInKWh": Decimal("15.5"),
        }
        assert b'"PeriodProductionInKWh":1.100' in body
    prepared.close()


def test_same_input_packs_and_fingerprints_the_same_way_on_every_try(tmp_path: Path) -> None:
    path = _csv(tmp_path / "g.csv", inverters=3, days=1500)
    tries = [
        prepare_push(GenerationSource(str(path)), frequency="daily", per_inverter=False) for _ in range(2)
    ]

    assert [c.fingerprint for c in tries[0].chunks] == [c.fingerprint for c in tries[1].chunks]
    for prepared in tries:
        prepared.close()


def test_monthly_rows_nest_their_months_and_keep_no_data_months_as_null() -> None:
    year = rules.today_earliest().year - 1
    rows = [
        {"RemoteInvId": "A", "Year": year, "Jan": "1.5", "Feb": None},
        {"remote_inv_id": "B", "year": str(year)},
    ]

    prepared = prepare_push(GenerationSource(rows), frequency="monthly", per_inverter=False)

    (chunk,) = prepared.chunks
    sent = wire_json.loads(prepared.body(chunk))
    assert [item["RemoteInvId"] for item in sent] == ["A", "B"]
    assert sent[0]["Data"]["PeriodProductionPerMonthInKWh"]["Jan"] == Decimal("1.5")
    assert sent[0]["Data"]["PeriodProductionPerMonthInKWh"]["Feb"] is None
    prepared.close()


def test_refusals_count_rows_not_problems_and_name_each_rule_once() -> None:
    rows = [
        {
            "RemoteInvId": "A",
            "Timestamp": "2025-01-01",
            "PeriodProductionInKWh": "-1",
            "AccumulatedEnergyInKWh": 0.5,
        },
        {
            "RemoteInvId": "A",
            "Timestamp": "2025-01-01",
            "PeriodProductionInKWh": "1",
            "AccumulatedEnergyInKWh": "1",
        },
        {"RemoteInvId": "", "Timestamp": "2025-01-02"},
    ]

    with pytest.raises(PushRefused) as refused:
        prepare_push(GenerationSource(rows), frequency="daily", per_inverter=False)

    message = str(refused.value)
    assert message.startswith("2 rows of the inline rows refused, nothing was sent: ")
    assert "greater than or equal to 0: PeriodProductionInKWh at row 1 ('-1')" in message
    rule = "a float is not exact: give the kWh as text or a Decimal"
    assert f"{rule}: AccumulatedEnergyInKWh at row 1 (0.5 (float))" in message
    assert "no inverter id: RemoteInvId at row 3" in message


def test_a_day_given_twice_for_one_inverter_in_one_request_is_refused_at_its_second_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "g.csv"
    path.write_text(
        "RemoteInvId,Timestamp,PeriodProductionInKWh,AccumulatedEnergyInKWh\n"
        "A,2025-01-01,1,1\nB,2025-01-01,1,1\nA,2025-01-01,2,2\n"
    )

    with pytest.raises(
        PushRefused, match=r"this inverter's day is given twice: Timestamp at line 4 \(2025-01-01\)"
    ):
        prepare_push(GenerationSource(str(path)), frequency="daily", per_inverter=False)


def test_an_empty_input_and_an_unreadable_line_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("RemoteInvId,Timestamp\n")
    (tmp_path / "bad.jsonl").write_text('{"RemoteInvId": "A"}\n{oops\n')

    with pytest.raises(PushRefused, match="holds no rows"):
        prepare_push(GenerationSource(str(tmp_path / "empty.csv")), frequency="daily", per_inverter=False)
    with pytest.raises(
        PushRefused, match="cannot be read as generation data, nothing was sent: line 2 is not JSON"
    ):
        prepare_push(GenerationSource(str(tmp_path / "bad.jsonl")), frequency="daily", per_inverter=False)
