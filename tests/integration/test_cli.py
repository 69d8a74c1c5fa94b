"""``airflow redex ...`` against a running sandbox, through Airflow's own CLI parser."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from tests.helpers import harness


def airflow_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """Run ``airflow <argv>`` in this process; its exit code and its JSON output."""
    from airflow.cli import cli_parser

    args = cli_parser.get_parser().parse_args(list(argv))
    code = 0
    try:
        args.func(args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_budget_shows_the_requests_counted_in_the_shared_redis_store(
    airflow_db: Path, redex_sandbox: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from airflow_provider_redex.hooks.redex import RedexHook

    account = f"cli-test-{uuid.uuid4()}"
    conn = {
        "conn_type": "redex",
        "host": redex_sandbox.url,
        "password": redex_sandbox.token,
        "extra": {"rate_limit_storage": redis_url, "account_key": account},
    }
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_SHARED", json.dumps(conn))
    client = RedexHook("redex_shared").get_client()
    try:
        for _ in range(3):
            client.metadata.list_inverter_brands(items_per_page=1).iter_pages().__next__()
    finally:
        client.close()

    code, rows = airflow_cli(capsys, "redex", "budget", "--conn-id", "redex_shared", "--output", "json")

    assert code == 0
    by_window = {row["window"]: row for row in rows}
    assert by_window["account"]["account"] == account
    assert (by_window["account"]["used"], by_window["account"]["remaining"]) == (3, 57)
    assert by_window["ip"]["used"] >= 3
    assert 0 < by_window["account"]["resets_in_seconds"] <= by_window["account"]["window_seconds"]

    # Without --conn-id: every redex connection Airflow knows, here redex_default, whose budget
    # lives in the default store shared by this machine's processes (an SQLite file): readable.
    code, rows = airflow_cli(capsys, "redex", "budget", "-o", "json")
    assert code == 0
    default = [row for row in rows if row["conn_id"] == "redex_default"]
    assert default and all(row["used"] is not None and "sqlite" in row["storage"] for row in default)


def test_application_status_by_number(airflow_db: Path, redex_sandbox: Any, capsys: Any) -> None:
    device = harness.approved_device(redex_sandbox, "CliStatus")
    with harness.client(redex_sandbox) as redex:
        number = redex.device_applications.get(device.application_id).application_number

    code, rows = airflow_cli(capsys, "redex", "application", str(number), "--output", "json")

    assert code == 0
    assert rows == [
        {
            "kind": "device",
            "application_number": number,
            "id": device.application_id,
            "status": "Approved",
            "terminal": True,
            "review_comment": rows[0]["review_comment"],
        }
    ]
    code, _ = airflow_cli(capsys, "redex", "application", "999", "--output", "json")
    assert code != 0


def test_reconcile_exits_1_and_lists_the_mismatch(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path, capsys: Any
) -> None:
    start = rules.earliest_claimable_date(rules.today_earliest()) + timedelta(days=40)
    device = harness.approved_device(redex_sandbox, "CliReconcile", since=start - timedelta(days=30))
    inverter = device.inverters[0]
    days = {start + timedelta(days=n): f"{10 + n}.25" for n in range(3)}
    harness.push_daily(redex_sandbox, {inverter: {**days, start: "99.5"}})
    source = tmp_path / "pushed.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"])
        writer.writerows([inverter, day.isoformat(), kwh, kwh] for day, kwh in days.items())
    end = start + timedelta(days=2)

    period = ["--from", start.isoformat(), "--to", end.isoformat()]
    report = ["--report-dir", str(tmp_path / "report")]
    code, rows = airflow_cli(
        capsys, "redex", "reconcile", "--device-id", device.device_id, *period, "--source", str(source),
        *report, "-o", "json",
    )  # fmt: skip

    assert code == 1
    statuses = {(row["status"], row["day"]) for row in rows}
    assert ("changed_value", start.isoformat()) in statuses
    assert ("unissued", None) in statuses
    assert (tmp_path / "report" / "reconciliation.parquet").exists()
    assert isinstance(date.fromisoformat(rows[0]["day"] or start.isoformat()), date)
