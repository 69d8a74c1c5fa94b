"""The page's HTML: REDEX's words are escaped, figures exact, and statuses toned by their class."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from decimal import Decimal

from airflow_provider_redex.client.models.devices import DeviceApplication
from airflow_provider_redex.client.models.rec_applications import RecApplication
from airflow_provider_redex.ui.airflow_links import AirflowFacts, TaskRef
from airflow_provider_redex.ui.budget import BudgetReading, WindowReading
from airflow_provider_redex.ui.page import render_page
from airflow_provider_redex.ui.snapshot import InventoryRow, RedexSnapshot

NOW = time.time()
DEVICE_APP_ID = "8f14e45f-ceea-467f-a0e6-2b5b1c0e3f11"


def _snapshot() -> RedexSnapshot:
    declined = DeviceApplication.model_validate(
        {
            "Id": DEVICE_APP_ID,
            "ApplicationNumber": "D-1",
            "Status": {"Value": "Declined", "Description": "Declined"},
            "ReviewComment": "<script>alert(1)</script> inverter list incomplete",
            "CreatedTime": datetime.fromtimestamp(NOW - 3 * 86400, timezone.utc).isoformat(),
        }
    )
    pending = RecApplication.model_validate(
        {
            "Id": "c9f0f895-fb98-4b91-b0a6-2b5b1c0e3f12",
            "ApplicationNumber": "R-1",
            "Registry": {"Value": "IREC", "Description": "I-REC"},
            "Quantity": "17.087920",
            "Status": {"Value": "InProgress", "Description": "In progress"},
            "VintageFrom": "2026-11-01T00:00:00",
            "VintageTo": "2026-11-05T00:00:00",
        }
    )
    inventory = [InventoryRow("IREC", "2026", "Rooftops", Decimal("16.087920"), Decimal(0), Decimal(1))]
    return RedexSnapshot(
        read_at=NOW, device_applications=[declined], rec_applications=[pending], inventory=inventory
    )


def _budget() -> BudgetReading:
    full = WindowReading("account", 2, 60.0, 61.0, (NOW - 10, NOW - 5), held_since=NOW - 61, now=NOW)
    ip = WindowReading("ip", 3000, 300.0, 301.0, (NOW - 10, NOW - 5), held_since=NOW - 7200, now=NOW)
    return BudgetReading(storage="redis://127.0.0.1:6379/0", shared=True, enabled=True, windows=(full, ip))


def _render(facts: AirflowFacts) -> str:
    return render_page(
        conn_id="redex_default",
        host="https://uat-api.redex.eco",
        connections=["redex_default"],
        base="/redex",
        snapshot=_snapshot(),
        facts=facts,
        budget=_budget(),
        ttl=60,
    )


def test_redex_reasons_are_escaped_and_figures_are_exact() -> None:
    html = _render(AirflowFacts())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; inverter list incomplete" in html
    assert '<b data-figure="rec-available">16.087920</b>' in html
    assert 'data-figure="device-applications-declined">1<' in html
    assert '<span class="status bad">Declined</span>' in html
    assert '<span class="status wait">InProgress</span>' in html
    assert "<td>3 d</td>" in html


def test_a_full_window_shows_its_wait_and_the_task_that_made_an_application_is_linked() -> None:
    made = TaskRef(
        "redex_onboarding", "manual__2026-12-01T00:00:00+00:00", "register_grouped_device", "success"
    )
    html = _render(AirflowFacts(made_by={DEVICE_APP_ID: made}))
    assert 'data-figure="budget-account-in-window">2<' in html
    assert 'data-figure="budget-account-wait">51.0<' in html  # the older slot frees at 61 s
    assert "Counts start at" in html  # the account's history is shorter than the hour shown
    assert (
        'href="/dags/redex_onboarding/runs/manual__2026-12-01T00%3A00%3A00%2B00%3A00/tasks/register_grouped_device"'
        in html
    )
