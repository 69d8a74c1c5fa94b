"""RedexCreateRecApplicationOperator against the sandbox: given, derived and refused windows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators import RedexCreateRecApplicationOperator
from airflow_provider_redex.operators.base import RedexRefusal
from tests.helpers import harness


def _claimable_from(sandbox: Any) -> tuple[date, date]:
    """The first claimable day as we derive it, and as the sandbox (REDEX) reads it.

    They differ only for the first half of 1 June and 1 October (UTC): we read "today" in the
    zone furthest behind, REDEX may already be on the next day and clip the window (BR14).
    """
    ours = rules.earliest_claimable_date(rules.today_earliest())
    redex_today = date.fromisoformat(sandbox.admin("GET", "clock")["Now"][:10])
    return ours, max(ours, rules.earliest_claimable_date(redex_today))


def _application(sandbox: Any, application_id: str) -> Any:
    with harness.client(sandbox) as redex:
        return redex.rec_applications.get(application_id)


def _run(dags: Path, dag_id: str, device_id: str, **arguments: str) -> Any:
    args = "".join(f", {name}={value!r}" for name, value in arguments.items())
    return harness.run_dag(
        dags, dag_id, f"RedexCreateRecApplicationOperator(task_id='apply', device_id={device_id!r}{args})"
    )


def test_a_given_window_and_quantity_are_applied_for_as_given(airflow_db: Path, redex_sandbox: Any) -> None:
    ours, start = _claimable_from(redex_sandbox)
    device = harness.approved_device(redex_sandbox, "RecGiven", since=ours - timedelta(days=30))
    harness.push_daily(redex_sandbox, {device.inverters[0]: {start + timedelta(days=2): "500.5"}})
    before = harness.records(redex_sandbox)["RecApplications"]
    window = (start + timedelta(days=1), start + timedelta(days=5))

    result = _run(
        airflow_db,
        "rec_given",
        device.device_id,
        vintage_from=window[0].isoformat(),
        vintage_to=window[1].isoformat(),
        quantity="0.25",
    )

    assert result.state == "success", result
    application = _application(redex_sandbox, result.xcoms["apply"])
    assert (application.vintage_from.date(), application.vintage_to.date()) == window
    assert application.quantity == Decimal("0.25")
    assert str(application.device_id) == device.device_id
    assert harness.records(redex_sandbox)["RecApplications"] == before + 1


def test_a_derived_window_starts_at_the_residual_mix_limit_and_claims_the_generation_in_it(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    ours, start = _claimable_from(redex_sandbox)
    end = start + timedelta(days=9)
    device = harness.approved_device(redex_sandbox, "RecDerived", since=ours - timedelta(days=30))
    first, second = device.inverters
    harness.push_daily(
        redex_sandbox,
        {
            # Outside the window on both sides: must not be claimed.
            first: {ours - timedelta(days=1): "999.999", start: "100.1", end + timedelta(days=1): "777.7"},
            # 100.1 + 200.2 + 0.003 kWh: exactly 0.300303 MWh. Summed as floats and cut, it would be
            # 0.300302; rounded to fewer places it would be more than was generated.
            second: {start + timedelta(days=4): "200.2", end: "0.003"},
        },
    )

    result = _run(airflow_db, "rec_derived", device.device_id, vintage_to=end.isoformat())

    assert result.state == "success", result
    application = _application(redex_sandbox, result.xcoms["apply"])
    assert (application.vintage_from.date(), application.vintage_to.date()) == (start, end)
    assert application.quantity == Decimal("0.300303")


def test_a_derived_window_starts_after_the_devices_latest_application(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    ours, start = _claimable_from(redex_sandbox)
    device = harness.approved_device(redex_sandbox, "RecAfter", since=ours - timedelta(days=30))
    harness.push_daily(
        redex_sandbox,
        {
            device.inverters[0]: {
                start: "1000",
                start + timedelta(days=3): "2.5",
                start + timedelta(days=6): "4",
            }
        },
    )
    with harness.client(redex_sandbox) as redex:
        redex.rec_applications.create_for_grouped_device(
            {"DeviceId": device.device_id, "VintageFrom": start, "VintageTo": start + timedelta(days=2)}
        )

    result = _run(
        airflow_db, "rec_after", device.device_id, vintage_to=(start + timedelta(days=6)).isoformat()
    )

    assert result.state == "success", result
    application = _application(redex_sandbox, result.xcoms["apply"])
    assert application.vintage_from.date() == start + timedelta(days=3)
    assert application.quantity == Decimal("0.0065")


def _held_window(sandbox: Any, name: str) -> tuple[Any, str, date]:
    """An approved device with generation and a REC application over days 1-5 of the window."""
    ours, start = _claimable_from(sandbox)
    device = harness.approved_device(sandbox, name, since=ours - timedelta(days=30))
    harness.push_daily(sandbox, {device.inverters[0]: {start + timedelta(days=d): "300" for d in range(10)}})
    with harness.client(sandbox) as redex:
        held = redex.rec_applications.create_for_grouped_device(
            {
                "DeviceId": device.device_id,
                "VintageFrom": start + timedelta(days=1),
                "VintageTo": start + timedelta(days=5),
                "Quantity": "1",
            }
        )
    return device, str(held.id), start


@pytest.mark.parametrize("decision", [None, "return"])
def test_an_overlapping_window_is_refused_before_the_post(
    airflow_db: Path, redex_sandbox: Any, decision: str | None
) -> None:
    # A pending application holds its window; so does one returned for resubmission (it goes
    # back to InProgress once edited, API_REFERENCE 13.4), and REDEX answers 422 for both.
    device, held_id, start = _held_window(redex_sandbox, f"RecClash{decision}")
    if decision:
        redex_sandbox.admin("POST", f"applications/{held_id}/{decision}", {"Reason": "fix the meter"})
    number = _application(redex_sandbox, held_id).application_number
    before = harness.records(redex_sandbox)["RecApplications"]
    operator = RedexCreateRecApplicationOperator(
        task_id="apply",
        device_id=device.device_id,
        vintage_from=(start + timedelta(days=5)).isoformat(),
        vintage_to=(start + timedelta(days=8)).isoformat(),
        quantity="0.5",
    )

    with pytest.raises(RedexRefusal, match="overlaps") as refused:
        operator.execute({})  # type: ignore[arg-type]

    assert number in str(refused.value)
    assert harness.records(redex_sandbox)["RecApplications"] == before


def test_an_overlapping_window_fails_the_task_without_retrying(airflow_db: Path, redex_sandbox: Any) -> None:
    device, _, start = _held_window(redex_sandbox, "RecClashDag")
    before = harness.records(redex_sandbox)["RecApplications"]

    result = harness.run_dag(
        airflow_db,
        "rec_clash",
        f"RedexCreateRecApplicationOperator(task_id='apply', device_id={device.device_id!r}, "
        f"vintage_from={start.isoformat()!r}, vintage_to={(start + timedelta(days=2)).isoformat()!r})",
        default_args="{'retries': 2}",
    )

    assert result.task_states["apply"] == "failed"
    assert harness.records(redex_sandbox)["RecApplications"] == before


def test_a_rejected_applications_window_can_be_claimed_again(airflow_db: Path, redex_sandbox: Any) -> None:
    device, held_id, start = _held_window(redex_sandbox, "RecAgain")
    redex_sandbox.admin("POST", f"applications/{held_id}/reject", {"Reason": "wrong meter"})
    window = (start + timedelta(days=1), start + timedelta(days=5))

    result = _run(
        airflow_db,
        "rec_again",
        device.device_id,
        vintage_from=window[0].isoformat(),
        vintage_to=window[1].isoformat(),
    )

    assert result.state == "success", result
    application = _application(redex_sandbox, result.xcoms["apply"])
    assert (application.vintage_from.date(), application.vintage_to.date()) == window
    assert application.quantity == Decimal("1.5")


def test_a_monthly_devices_quantity_is_its_generation_in_the_windows_months(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    ours, start = _claimable_from(redex_sandbox)
    device = harness.approved_device(
        redex_sandbox, "RecMonthly", frequency="Monthly", since=ours - timedelta(days=30)
    )
    month = {"Year": start.year, "PeriodProductionPerMonthInKWh": {"Jan": None, "Feb": None}}
    month["PeriodProductionPerMonthInKWh"][rules.MONTH_KEYS[start.month - 1]] = "1234.567"
    with harness.client(redex_sandbox) as redex:
        sent = redex.generation.send_monthly([{"RemoteInvId": device.inverters[0], "Data": month}])
    assert harness.process_statuses(redex_sandbox, [sent.process_id]) == ["Success"]

    result = _run(
        airflow_db, "rec_monthly", device.device_id, vintage_to=(start + timedelta(days=20)).isoformat()
    )

    assert result.state == "success", result
    assert _application(redex_sandbox, result.xcoms["apply"]).quantity == Decimal("1.234567")
