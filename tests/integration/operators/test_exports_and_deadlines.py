"""The Parquet exports and the residual-mix deadline alert, run by Airflow against the sandbox."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from airflow_provider_redex.client import deadlines
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators.deadlines import unclaimed_at_risk
from tests.helpers import harness


def test_inventory_export_holds_every_rec_item_with_exact_decimals(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    target = tmp_path / "exports" / "inventory.parquet"

    result = harness.run_dag(
        airflow_db,
        "export_inventory",
        f"RedexExportInventoryOperator(task_id='export', destination='file://{target}', "
        "items_per_page=2, row_group_rows=3)",
    )

    assert result.state == "success", result
    with harness.client(redex_sandbox) as redex:
        items = list(redex.inventories.list_recs())
    table = pq.read_table(target)
    assert result.xcoms["export"]["rows"] == table.num_rows == len(items) > 0
    assert pq.ParquetFile(target).metadata.num_row_groups == -(-len(items) // 3)
    assert table.schema.field("available").type == pa.decimal128(18, 6)
    exported = {row["id"]: row for row in table.to_pylist()}
    for item in items:
        row = exported[str(item.id)]
        assert (row["total"], row["available"], row["retired"]) == (item.total, item.available, item.retired)
        assert isinstance(row["total"], Decimal)
        assert row["serial_number"] == item.serial_number


def test_transaction_export_has_a_row_per_rec_line(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    target = tmp_path / "transactions.parquet"

    result = harness.run_dag(
        airflow_db,
        "export_transactions",
        f"RedexExportTransactionsOperator(task_id='export', destination='file://{target}', items_per_page=3)",
    )

    assert result.state == "success", result
    with harness.client(redex_sandbox) as redex:
        transactions = list(redex.inventories.list_transactions())
    expected = [(t.transaction_id, d.serial_number, d.total) for t in transactions for d in t.details]
    rows = pq.read_table(target).to_pylist()
    lines = [(r["transaction_id"], r["serial_number"], r["total"]) for r in rows if r["total"] is not None]
    assert lines == expected
    assert len(expected) > 0


def _risky_device(sandbox: Any, name: str) -> tuple[Any, deadlines.Cutoff, date]:
    """A device with 1234.5 kWh unclaimed in the slice the next cut-off closes."""
    cutoff = deadlines.next_cutoff(rules.today_earliest())
    device = harness.approved_device(sandbox, name, since=cutoff.lost_from - timedelta(days=30))
    day = cutoff.lost_from + timedelta(days=3)
    harness.push_daily(sandbox, {device.inverters[0]: {day: "1000", day + timedelta(days=1): "234.5"}})
    return device, cutoff, day


def test_unclaimed_generation_before_a_near_cutoff_fails_the_alert(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    device, cutoff, _ = _risky_device(redex_sandbox, "DeadlineRisk")
    today = cutoff.day - timedelta(days=10)
    with harness.client(redex_sandbox) as redex:
        risk = unclaimed_at_risk(redex, device.device_id, today)
    assert (risk.cutoff, risk.days_left, risk.at_risk_kwh) == (cutoff.day, 10, Decimal("1234.5"))
    assert risk.at_risk_recs == Decimal("1.2345")

    operator = (
        f"RedexResidualMixDeadlineAlertOperator(task_id='alert', device_id={device.device_id!r}, "
        f"today={today.isoformat()!r}, warn_within=timedelta(days={{days}}))"
    )
    near = harness.run_dag(airflow_db, "deadline_near", operator.format(days=14))
    far = harness.run_dag(airflow_db, "deadline_far", operator.format(days=5))

    assert near.state == "failed", near
    assert far.state == "success", far
    assert far.xcoms["alert"]["at_risk_kwh"] == "1234.5"


def test_a_claimed_slice_raises_no_alert(airflow_db: Path, redex_sandbox: Any) -> None:
    device, cutoff, day = _risky_device(redex_sandbox, "DeadlineClaimed")
    with harness.client(redex_sandbox) as redex:
        redex.rec_applications.create_for_grouped_device(
            {"DeviceId": device.device_id, "VintageFrom": day, "VintageTo": cutoff.lost_to}
        )

    result = harness.run_dag(
        airflow_db,
        "deadline_claimed",
        f"RedexResidualMixDeadlineAlertOperator(task_id='alert', device_id={device.device_id!r}, "
        f"today={(cutoff.day - timedelta(days=1)).isoformat()!r})",
    )

    assert result.state == "success", result
    assert result.xcoms["alert"]["at_risk_kwh"] == "0"
    assert result.xcoms["alert"]["claimed_through"] == cutoff.lost_to.isoformat()
