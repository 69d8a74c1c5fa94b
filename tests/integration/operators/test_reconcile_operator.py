"""RedexReconcileOperator against the sandbox: a clean period, and injected mismatches."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from airflow_provider_redex.client.models import rules
from tests.helpers import harness

DAYS = 6


def _period(sandbox: Any) -> tuple[date, date]:
    """Six days REDEX lets us claim today, in the past (the earliest claimable onwards)."""
    redex_today = date.fromisoformat(sandbox.admin("GET", "clock")["Now"][:10])
    start = max(
        rules.earliest_claimable_date(rules.today_earliest()), rules.earliest_claimable_date(redex_today)
    )
    start += timedelta(days=2)
    return start, start + timedelta(days=DAYS - 1)


def _readings(inverters: list[str], start: date) -> dict[str, dict[date, str]]:
    return {
        inverter: {start + timedelta(days=d): f"{100 + 10 * n + d}.5" for d in range(DAYS)}
        for n, inverter in enumerate(inverters)
    }


def _write_csv(path: Path, readings: dict[str, dict[date, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"])
        for inverter, days in readings.items():
            for day, kwh in sorted(days.items()):
                writer.writerow([inverter, day.isoformat(), kwh, kwh])
    return path


def _issue(sandbox: Any, device_id: str, first: date, last: date) -> None:
    with harness.client(sandbox) as redex:
        application_id = redex.rec_applications.create_for_grouped_device(
            {"DeviceId": device_id, "VintageFrom": first, "VintageTo": last}
        ).id
    sandbox.admin("POST", f"applications/{application_id}/approve")


def _reconcile(
    dags: Path, dag_id: str, device_id: str, start: date, end: date, source: Path, out: Path
) -> Any:
    return harness.run_dag(
        dags,
        dag_id,
        f"RedexReconcileOperator(task_id='reconcile', device_id={device_id!r}, "
        f"vintage_from={start.isoformat()!r}, vintage_to={end.isoformat()!r}, "
        f"sources=[{str(source)!r}], destination='file://{out}')",
    )


def test_a_clean_period_reports_every_line_ok_and_emits_an_asset_event(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    start, end = _period(redex_sandbox)
    device = harness.approved_device(redex_sandbox, "ReconcileClean", since=start - timedelta(days=60))
    readings = _readings(device.inverters, start)
    harness.push_daily(redex_sandbox, readings)
    _issue(redex_sandbox, device.device_id, start, end)
    source = _write_csv(tmp_path / "generation.csv", readings)

    result = _reconcile(
        airflow_db, "reconcile_clean", device.device_id, start, end, source, tmp_path / "report"
    )

    assert result.state == "success", result
    summary = result.xcoms["reconcile"]
    assert summary["mismatches"] == 0
    report = pq.read_table(tmp_path / "report" / "reconciliation.parquet").to_pylist()
    assert {line["status"] for line in report} == {"ok"}
    day_lines = [line for line in report if line["check"] == "day"]
    assert len(day_lines) == len(device.inverters) * DAYS
    assert all(isinstance(line["expected"], Decimal) for line in day_lines)
    assert (tmp_path / "report" / "reconciliation.csv").read_text().count("\n") == len(report) + 1
    with create_session() as session:
        extras = [
            event.extra
            for event in session.scalars(
                select(AssetEvent).where(AssetEvent.source_dag_id == "reconcile_clean")
            )
        ]
    assert extras and extras[-1]["device_id"] == device.device_id


def test_injected_mismatches_fail_the_task_and_are_each_in_the_report(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    start, end = _period(redex_sandbox)
    device = harness.approved_device(redex_sandbox, "ReconcileBroken", since=start - timedelta(days=60))
    first, second = device.inverters
    readings = _readings(device.inverters, start)
    pushed = {inverter: dict(days) for inverter, days in readings.items()}
    missing_day, changed_day = start + timedelta(days=1), start + timedelta(days=2)
    del pushed[first][missing_day]  # a day REDEX never got
    pushed[second][changed_day] = "999.5"  # a value REDEX holds differently from the file
    harness.push_daily(redex_sandbox, pushed)
    _issue(redex_sandbox, device.device_id, start, start + timedelta(days=2))  # the rest is unissued
    source = _write_csv(tmp_path / "generation.csv", readings)

    result = _reconcile(
        airflow_db, "reconcile_broken", device.device_id, start, end, source, tmp_path / "out"
    )

    assert result.state == "failed", result
    report = pq.read_table(tmp_path / "out" / "reconciliation.parquet").to_pylist()
    mismatches = {
        (line["status"], line["remote_inv_id"], line["day"] or (line["vintage_from"], line["vintage_to"]))
        for line in report
        if line["status"] != "ok"
    }
    assert mismatches == {
        ("missing_in_redex", first, missing_day),
        ("changed_value", second, changed_day),
        ("unissued", None, (start + timedelta(days=3), end)),
    }
    changed = next(line for line in report if line["status"] == "changed_value")
    assert (changed["expected"], changed["actual"]) == (
        Decimal(readings[second][changed_day]),
        Decimal("999.5"),
    )
