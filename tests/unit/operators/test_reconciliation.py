"""The reconciliation's comparisons, on hand-made data (the sandbox runs are in integration)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators.reconciliation import (
    Window,
    _query_windows,
    compare_days,
    compare_issued,
    unissued_windows,
)

D = date(2026, 3, 1)


def test_a_long_period_is_asked_in_windows_redex_accepts() -> None:
    windows = list(_query_windows(date(2025, 11, 30), date(2026, 8, 15)))

    assert windows[0][0] == date(2025, 11, 30) and windows[-1][1] == date(2026, 8, 15)
    for (_, last), (following, _) in itertools.pairwise(windows):
        assert following == last + timedelta(days=1)
    assert all(last < rules.add_months(first, rules.MAX_GENERATION_QUERY_MONTHS) for first, last in windows)
    assert len(windows) == 3


def test_each_day_is_ok_missing_extra_or_changed() -> None:
    sent = {("A", D): Decimal("1.5"), ("A", D + timedelta(1)): Decimal(2), ("B", D): Decimal(3)}
    stored = {("A", D): Decimal("1.500"), ("B", D): Decimal("3.001"), ("C", D): Decimal(1)}

    statuses = {(line.remote_inv_id, line.day): line.status for line in compare_days(sent, stored)}

    assert statuses == {
        ("A", D): "ok",  # 1.5 == 1.500: compared as numbers, not text
        ("A", D + timedelta(1)): "missing_in_redex",
        ("B", D): "changed_value",
        ("C", D): "not_in_input",
    }


def test_unissued_runs_skip_covered_and_zero_days() -> None:
    stored = {("A", D + timedelta(n)): Decimal(n) for n in range(8)}  # day 0 has 0 kWh
    covered = [Window(D + timedelta(2), D + timedelta(3), Decimal("0.001"), True, "1")]

    runs = [(line.vintage_from, line.vintage_to, line.expected) for line in unissued_windows(stored, covered)]

    assert runs == [
        (D + timedelta(1), D + timedelta(1), Decimal(1)),
        (D + timedelta(4), D + timedelta(7), Decimal(4 + 5 + 6 + 7)),
    ]


def test_issued_compares_only_approved_applications_with_the_inventory() -> None:
    windows = [Window(D, D, Decimal("1.25"), True, "1"), Window(D, D, Decimal(5), False, "2")]

    assert compare_issued(windows, Decimal("1.250000"), D, D).status == "ok"
    assert compare_issued(windows, Decimal("6.25"), D, D).status == "issued_differs"
