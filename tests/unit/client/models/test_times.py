"""Every REDEX timestamp is an aware UTC datetime, whatever form REDEX wrote it in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from airflow_provider_redex.client.models.generation import DailyRecord
from airflow_provider_redex.client.models.retirements import RetirementApplication
from airflow_provider_redex.client.models.times import UtcDateTime

SEEDS = Path(__file__).parents[3] / "fixtures" / "seeds"
UTC_TIME: TypeAdapter[datetime] = TypeAdapter(UtcDateTime)


def test_retirement_detail_naive_created_and_z_completed_times_compare() -> None:
    data = json.loads((SEEDS / "retirement_application_detail.json").read_text())["Data"]
    assert data["CreatedTime"] == "2024-07-22T07:24:36.74" and data["CompletedTime"].endswith("Z")
    retirement = RetirementApplication.model_validate(data)
    assert retirement.created_time is not None and retirement.completed_time is not None
    assert retirement.created_time < retirement.completed_time  # no TypeError: both are aware
    assert retirement.created_time == datetime(2024, 7, 22, 7, 24, 36, 740000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2024-07-22T07:24:37.4006795Z", datetime(2024, 7, 22, 7, 24, 37, 400679, tzinfo=UTC)),
        ("2024-07-22T07:24:37.4006799", datetime(2024, 7, 22, 7, 24, 37, 400679, tzinfo=UTC)),
        ("2024-07-22T14:24:37+07:00", datetime(2024, 7, 22, 7, 24, 37, tzinfo=UTC)),
        ("2024-07-22T07:24:37", datetime(2024, 7, 22, 7, 24, 37, tzinfo=UTC)),
        (datetime(2024, 7, 22, 7, 24, 37), datetime(2024, 7, 22, 7, 24, 37, tzinfo=UTC)),
    ],
)
def test_times_become_aware_utc_and_seven_digit_fractions_are_cut(wire: object, expected: datetime) -> None:
    value = UTC_TIME.validate_python(wire)
    assert value == expected and value.utcoffset() == timedelta(0)


def test_an_offset_time_keeps_its_instant() -> None:
    hanoi = datetime(2024, 1, 1, 7, 0, tzinfo=timezone(timedelta(hours=7)))
    assert UTC_TIME.validate_python(hanoi) == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", [0, "0", "86400", 1.5, "2026-13", "01/11/2026", "2026-11-01T00:00:00"])
def test_a_day_sent_to_redex_is_never_read_from_a_number_or_other_text(value: object) -> None:
    record = {"Timestamp": value, "PeriodProductionInKWh": "1.5", "AccumulatedEnergyInKWh": "10"}
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        DailyRecord.model_validate(record)


def test_a_day_is_taken_as_iso_text_or_a_date() -> None:
    for value in ("2026-11-01", date(2026, 11, 1)):
        record = {"Timestamp": value, "PeriodProductionInKWh": "1.5", "AccumulatedEnergyInKWh": "10"}
        assert DailyRecord.model_validate(record).timestamp == date(2026, 11, 1)
