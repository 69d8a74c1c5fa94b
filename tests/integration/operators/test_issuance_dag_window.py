"""The issuance DAG asks the model which windows are held, as the operator does: an application
returned for resubmission (``ToReSubmit``) still holds its window, so the DAG proposes the days
after it (or skips) instead of a window the operator would refuse as overlapping."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from airflow_provider_redex.client.models import rules
from tests.helpers import harness

DAGS = Path(__file__).resolve().parents[3] / "dags"


def _issuance_dag_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "redex_rec_issuance_under_test", DAGS / "redex_rec_issuance.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_returned_application_still_holds_its_window_for_the_dag(redex_sandbox: Any) -> None:
    ours = rules.earliest_claimable_date(rules.today_earliest())
    device = harness.approved_device(redex_sandbox, "Returned", since=ours - timedelta(days=30))
    days = {ours + timedelta(days=n): "800" for n in range(1, 8)}
    harness.push_daily(redex_sandbox, {device.inverters[0]: days})
    held_to = ours + timedelta(days=4)
    with harness.client(redex_sandbox) as redex:
        body = {"VintageFrom": ours + timedelta(days=1), "VintageTo": held_to, "DeviceId": device.device_id}
        returned = redex.rec_applications.create_for_grouped_device(body | {"Quantity": "1"})
    redex_sandbox.admin("POST", f"applications/{returned.id}/return", {"Reason": "fix the meter photo"})
    dag = _issuance_dag_module()

    claimed_through = dag._claimed_through(device.device_id)
    window = dag.claimable_window(days, claimed_through, rules.today_earliest())

    assert claimed_through == held_to
    assert window is not None and window[0] == held_to + timedelta(days=1)
    assert (
        dag.claimable_window([d for d in days if d <= held_to], claimed_through, rules.today_earliest())
        is None
    )
