"""RedexPushGenerationDataOperator against the sandbox: every input format, both modes, refusals.

Each push is read back from REDEX (G5 for daily readings, G6 for monthly ones), so a test
passes only when the records really landed with their exact values.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators import RedexPushGenerationDataOperator
from airflow_provider_redex.operators.base import RedexRefusal
from tests.helpers import harness

DAILY_COLUMNS = ("RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh")
FIRST_DAY = date(2026, 3, 1)


def _daily_rows(inverters: list[str], days: int) -> list[dict[str, Any]]:
    """Distinct 3-decimal readings per inverter and day, so a mixed-up value is caught."""
    rows = []
    for i, inverter in enumerate(inverters):
        for day in range(days):
            kwh = Decimal(f"{10 * i + day}.{i + 1}{day}5")
            rows.append(
                {
                    "RemoteInvId": inverter,
                    "Timestamp": FIRST_DAY + timedelta(days=day),
                    "PeriodProductionInKWh": kwh,
                    "AccumulatedEnergyInKWh": kwh * (day + 1),
                }
            )
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({key: "" if v is None else str(v) for key, v in row.items()} for row in rows)
    elif path.suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(row, default=str) for row in rows) + "\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # As monitoring systems write it: kWh as float64 columns, days as dates.
        table = pa.table(
            {
                "RemoteInvId": [r["RemoteInvId"] for r in rows],
                "Timestamp": pa.array([r["Timestamp"] for r in rows], pa.date32()),
                "PeriodProductionInKWh": [float(r["PeriodProductionInKWh"]) for r in rows],
                "AccumulatedEnergyInKWh": [float(r["AccumulatedEnergyInKWh"]) for r in rows],
            }
        )
        pq.write_table(table, path)
    return path


def _stored_daily(sandbox: Any, device_id: str, last: date) -> set[tuple[str, date, Decimal]]:
    with harness.client(sandbox) as redex:
        records = redex.generation.list(
            frequency_type="Daily", from_date=FIRST_DAY, to_date=last, device_id=device_id
        )
        return {(r.remote_inv_id, r.timestamp, r.period_production_in_kwh) for r in records}


@pytest.mark.parametrize(
    ("suffix", "object_storage"),
    [("csv", False), ("jsonl", False), ("parquet", False), ("csv", True), ("parquet", True)],
)
def test_per_inverter_push_lands_every_record_from_each_input_kind(
    redex_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, object_storage: bool
) -> None:
    from airflow.sdk import ObjectStoragePath

    device = harness.approved_device(
        redex_sandbox, f"Push{suffix}{object_storage}", inverters=3, since=FIRST_DAY
    )
    rows = _daily_rows(device.inverters, days=4)
    path = _write(tmp_path / f"gen.{suffix}", rows)
    source = ObjectStoragePath(f"file://{path}") if object_storage else str(path)
    operator = RedexPushGenerationDataOperator(task_id="push", source=source, per_inverter=True)

    pushed = operator.execute({})  # type: ignore[arg-type]

    assert pushed["records_total"] == pushed["records_sent"] == 12
    assert pushed["requests"] == len(pushed["process_ids"]) == 3  # one request per inverter (G1)
    assert harness.process_statuses(redex_sandbox, pushed["process_ids"]) == ["Success"] * 3
    expected = {(r["RemoteInvId"], r["Timestamp"], r["PeriodProductionInKWh"]) for r in rows}
    assert _stored_daily(redex_sandbox, device.device_id, FIRST_DAY + timedelta(days=3)) == expected
    log = capsys.readouterr().out
    assert "Input checked: 12 daily records for 3 inverters" in log
    assert "Sent 12 of 12 records (100.0%)" in log


def test_monthly_push_lands_each_month_and_the_period_sum_adds_them_up(
    redex_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    year = rules.today_earliest().year - 1
    device = harness.approved_device(
        redex_sandbox, "PushMonthly", inverters=2, frequency="Monthly", since=date(year, 1, 1)
    )
    first, second = device.inverters
    months = dict.fromkeys(rules.MONTH_KEYS)
    rows = [
        {"RemoteInvId": first, "Year": year, **months, "Jan": "1500.125", "Feb": "1200.5", "Dec": "999.999"},
        {"RemoteInvId": second, "Year": year, **months, "Feb": "800.25"},  # other months: no data
    ]
    path = _write(tmp_path / "monthly.csv", rows)
    operator = RedexPushGenerationDataOperator(task_id="push", source=str(path), frequency="monthly")

    pushed = operator.execute({})  # type: ignore[arg-type]

    assert pushed["records_total"] == pushed["records_sent"] == 2
    assert harness.process_statuses(redex_sandbox, pushed["process_ids"]) == ["Success"]
    with harness.client(redex_sandbox) as redex:

        def kwh(start: str, end: str) -> Decimal:
            total = redex.generation.sum_period(device.device_id, vintage_from=start, vintage_to=end)
            return Decimal(total.total_period_production_in_kwh)

        assert kwh(f"{year}-01", f"{year}-12") == Decimal("4500.874")
        assert kwh(f"{year}-02", f"{year}-02") == Decimal("2000.75")
        assert kwh(f"{year}-03", f"{year}-11") == 0
    assert "Sent 2 of 2 records (100.0%)" in capsys.readouterr().out


def _future() -> str:
    return (rules.today_latest() + timedelta(days=2)).isoformat()


BAD_INPUTS = {
    "four decimals": (
        "gen.csv",
        [
            {
                "RemoteInvId": "A",
                "Timestamp": "2026-01-01",
                "PeriodProductionInKWh": "1.2345",
                "AccumulatedEnergyInKWh": "1",
            }
        ],
        "PeriodProductionInKWh",
    ),
    "a day in the future": (
        "gen.jsonl",
        [
            {
                "RemoteInvId": "A",
                "Timestamp": _future(),
                "PeriodProductionInKWh": "1",
                "AccumulatedEnergyInKWh": "1",
            }
        ],
        "Timestamp",
    ),
    "no inverter column": (
        "gen.jsonl",
        [{"Timestamp": "2026-01-01", "PeriodProductionInKWh": "1", "AccumulatedEnergyInKWh": "1"}],
        "inverter id",
    ),
    "negative energy": (
        "gen.parquet",
        [
            {
                "RemoteInvId": "A",
                "Timestamp": date(2026, 1, 1),
                "PeriodProductionInKWh": Decimal(-1),
                "AccumulatedEnergyInKWh": Decimal(1),
            }
        ],
        "PeriodProductionInKWh",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_naming_the_row_and_field_before_any_request(
    redex_sandbox: Any, tmp_path: Path, case: str
) -> None:
    name, rows, named = BAD_INPUTS[case]
    good = {
        "RemoteInvId": "A",
        "Timestamp": "2026-01-02",
        "PeriodProductionInKWh": "2",
        "AccumulatedEnergyInKWh": "3",
    }
    if name.endswith(".parquet"):
        good = {**good, "Timestamp": date(2026, 1, 2), "PeriodProductionInKWh": Decimal(2)}
    path = _write(tmp_path / name, [good, *rows])
    before = harness.account_requests(redex_sandbox)
    operator = RedexPushGenerationDataOperator(task_id="push", source=str(path))

    with pytest.raises(RedexRefusal, match="nothing was sent") as refused:
        operator.execute({})  # type: ignore[arg-type]

    assert "row 2" in str(refused.value) and named in str(refused.value)
    assert harness.account_requests(redex_sandbox) == before


def test_an_unknown_frequency_is_refused_before_any_request(redex_sandbox: Any) -> None:
    before = harness.account_requests(redex_sandbox)
    operator = RedexPushGenerationDataOperator(
        task_id="push",
        source=_daily_rows(["A"], 1),
        frequency="weekly",  # type: ignore[arg-type]
    )

    with pytest.raises(RedexRefusal, match="frequency"):
        operator.execute({})  # type: ignore[arg-type]

    assert harness.account_requests(redex_sandbox) == before
