"""Each example DAG, run with ``airflow dags test`` against the sandbox, in lifecycle order.

``airflow dags test`` runs one DAG run in-process (triggers included, no scheduler), so this
is the quickest check that the DAGs as shipped, with their default params, drive REDEX through
the whole lifecycle, and that their hand-over (the ``redex_grouped_device`` Variable, the
Asset events) holds across separate runs, as it must for a user testing DAGs one by one.

The tests share one stack and run in file order: each step needs what the one before left.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pendulum
import pytest
from redex_common import FIRST_DAY, LAST_DAY

if TYPE_CHECKING:
    from devtools.stack import Stack
    from tests.helpers.lifecycle import LifecycleChecks

pytestmark = [pytest.mark.e2e, pytest.mark.e2e_beside]  # CLI runs, no long-lived stack

SAMPLE_DAYS = [FIRST_DAY.add(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]


def dags_test(stack: Stack, dag_id: str, *args: str) -> str:
    """Run ``airflow dags test``; fail with the end of its output when the run fails."""
    result = stack.airflow("dags", "test", dag_id, *args, check=False, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"airflow dags test {dag_id} {' '.join(args)} failed:\n{output[-6000:]}"
    assert "state=success" in output, output[-3000:]
    return output


def test_onboarding_registers_the_sample_device_and_remembers_it_once_approved(
    dags_test_stack: Stack, checks: LifecycleChecks
) -> None:
    dags_test(dags_test_stack, "redex_onboarding")

    device = checks.device_variable(dags_test_stack)
    client = checks.client(dags_test_stack)
    try:
        application = client.device_applications.get(device["device_application_id"])
        devices = list(client.device_applications.list_devices(device["device_application_id"]))
    finally:
        client.close()
    assert application.status.value.value == "Approved"
    assert str(application.device_id) == device["device_id"]
    assert sum(len(d.inverters) for d in devices) == 300


@pytest.mark.parametrize("day", SAMPLE_DAYS, ids=lambda d: d.to_date_string())
def test_generation_daily_pushes_that_days_readings_and_records_the_day(
    dags_test_stack: Stack, checks: LifecycleChecks, day: pendulum.DateTime
) -> None:
    output = dags_test(dags_test_stack, "redex_generation_daily", day.to_iso8601_string())

    # The event on the Asset the issuance DAG reads names that day and its 300 readings (one
    # request: under the 3000-record cap). record_processed_day returns the event's extra.
    recorded = re.search(r"Returned value was: (\{'day'.*?\})", output)
    assert recorded, output[-3000:]
    assert f"'day': '{day.to_date_string()}'" in recorded.group(1)
    assert "'records': 300" in recorded.group(1)


def test_rec_issuance_claims_exactly_the_processed_days(
    dags_test_stack: Stack, checks: LifecycleChecks
) -> None:
    dags_test(dags_test_stack, "redex_rec_issuance")

    (application,) = checks.rec_applications(dags_test_stack)
    assert application.status.value.value == "Approved"
    assert (application.vintage_from.date(), application.vintage_to.date()) == (
        FIRST_DAY.date(),
        LAST_DAY.date(),
    )
    assert application.quantity == checks.sample_generation_mwh()


def test_rec_issuance_run_again_finds_nothing_new_and_skips(
    dags_test_stack: Stack, checks: LifecycleChecks
) -> None:
    output = dags_test(dags_test_stack, "redex_rec_issuance")

    assert "nothing new to claim" in output
    assert len(checks.rec_applications(dags_test_stack)) == 1


def test_retirement_retires_the_default_quantity_and_stores_the_certificate(
    dags_test_stack: Stack, checks: LifecycleChecks
) -> None:
    certificates = dags_test_stack.home / "certificates"
    dags_test(dags_test_stack, "redex_retirement", "-c", json.dumps({"certificate_dir": f"{certificates}/"}))

    checks.assert_lifecycle_completed(dags_test_stack)
    (pdf,) = certificates.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_reconciliation_after_the_lifecycle_lines_up_every_day_and_raises_no_alert(
    dags_test_stack: Stack, checks: LifecycleChecks
) -> None:
    import pyarrow.parquet as pq

    reports = dags_test_stack.home / "reports"
    dags_test(dags_test_stack, "redex_reconciliation", "-c", json.dumps({"report_dir": str(reports)}))

    (report,) = reports.glob("*/reconciliation.parquet")
    lines = pq.read_table(report).to_pylist()
    assert {line["status"] for line in lines} == {"ok"}
    assert sum(line["check"] == "day" for line in lines) == 300 * len(SAMPLE_DAYS)


def test_exports_write_the_inventory_and_the_history_as_parquet(
    dags_test_stack: Stack, checks: LifecycleChecks
) -> None:
    import pyarrow.parquet as pq

    exports = dags_test_stack.home / "exports"
    dags_test(dags_test_stack, "redex_exports", "-c", json.dumps({"export_dir": str(exports)}))

    (inventory,) = exports.glob("*/rec_inventory.parquet")
    (history,) = exports.glob("*/rec_transactions.parquet")
    client = checks.client(dags_test_stack)
    try:
        items = list(client.inventories.list_recs())
    finally:
        client.close()
    assert pq.read_table(inventory).num_rows == len(items)
    assert {"Issuance", "Retirement"} <= set(pq.read_table(history).column("type").to_pylist())
