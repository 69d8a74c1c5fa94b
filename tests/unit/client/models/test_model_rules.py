"""The pure rules in ``models/rules.py`` and the status classification of every status enum."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.exchange import OrderStatus, SpotTransactionStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementStatus


@pytest.mark.parametrize(
    ("submitted", "earliest"),
    [
        # the Redoc table: Jan-May 2024 -> 1 Jan 2023, Jun-Sep -> 1 Jul 2023, Oct-Dec -> 1 Jan 2024
        *((date(2024, month, 15), date(2023, 1, 1)) for month in range(1, 6)),
        *((date(2024, month, 15), date(2023, 7, 1)) for month in range(6, 10)),
        *((date(2024, month, 15), date(2024, 1, 1)) for month in range(10, 13)),
        (date(2024, 2, 27), date(2023, 1, 1)),  # the worked example in the docs
        (date(2024, 5, 31), date(2023, 1, 1)),  # the deadline day itself
        (date(2024, 6, 1), date(2023, 7, 1)),
        (date(2024, 9, 30), date(2023, 7, 1)),
        (date(2024, 10, 1), date(2024, 1, 1)),
    ],
)
def test_earliest_claimable_date_follows_the_residual_mix_table(submitted: date, earliest: date) -> None:
    assert rules.earliest_claimable_date(submitted) == earliest


@pytest.mark.parametrize(
    ("kwh", "recs"),
    [
        (Decimal("1000"), Decimal("1.000000")),
        (Decimal("2.414"), Decimal("0.002414")),
        (Decimal("0.0019999"), Decimal("0.000001")),  # rounded down, never up
        (Decimal("999.9999999"), Decimal("0.999999")),
        (Decimal("0"), Decimal("0.000000")),
    ],
)
def test_mwh_from_kwh_rounds_down_to_six_decimals(kwh: Decimal, recs: Decimal) -> None:
    result = rules.mwh_from_kwh(kwh)
    assert result == recs and rules.decimal_places(result) <= rules.QUANTITY_DECIMALS


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2023, 3, 1), 3, date(2023, 6, 1)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, end: date) -> None:
    assert rules.add_months(start, months) == end


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("odf.pdf", "application/pdf"),
        ("ODF.PDF", "application/pdf"),
        ("sheet.xlsx", rules.UPLOAD_CONTENT_TYPES[".xlsx"]),
        ("photo.png", None),
        ("no-extension", None),
    ],
)
def test_content_type_for_upload_names(name: str, expected: str | None) -> None:
    assert rules.content_type_for(name) == expected


def test_limits_are_the_documented_values() -> None:
    assert rules.MAX_RECORDS_PER_REQUEST == 3000
    assert rules.MAX_INVERTERS_PER_GROUPED_DEVICE == 500
    assert Decimal("250") == rules.MAX_DEVICE_CAPACITY_KW
    assert rules.MAX_UPLOAD_BYTES == 5 * 1024 * 1024
    assert {"SG", "CN", "VN", "MY", "ID", "BR", "MX"} == rules.SUPPORTED_GROUPED_COUNTRIES
    assert (Decimal("0.000001"), Decimal("999999.999999")) == (rules.REC_QUANTITY_MIN, rules.REC_QUANTITY_MAX)
    assert Decimal("9999999.999999") == rules.RETIREMENT_QUANTITY_MAX


STATUS_ENUMS: list[type[LifecycleStatus]] = [
    DeviceApplicationStatus,
    RecApplicationStatus,
    RetirementStatus,
    ProcessStatus,
    OrderStatus,
    SpotTransactionStatus,
]


@pytest.mark.parametrize("enum", STATUS_ENUMS, ids=lambda e: e.__name__)
def test_every_status_is_exactly_one_of_success_failure_active(enum: type[LifecycleStatus]) -> None:
    for status in enum:
        kinds = [status.is_success, status.is_failure, status in enum.active_states()]
        assert kinds.count(True) == 1, status
        assert status.is_terminal == (status.is_success or status.is_failure)


@pytest.mark.parametrize(
    ("enum", "failures", "active"),
    [
        (DeviceApplicationStatus, {"Declined"}, {"Unverified", "InProgress"}),
        (RecApplicationStatus, {"Rejected", "Withdrawn", "ToReSubmit"}, {"Draft", "InProgress"}),
        (RetirementStatus, {"Rejected", "Cancelled", "Returned"}, {"InProgress", "WaitingForPayment"}),
        (ProcessStatus, {"Failed"}, {"New", "Processing"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_failure_and_active_sets_match_the_architecture(
    enum: type[LifecycleStatus], failures: set[str], active: set[str]
) -> None:
    assert {status.value for status in enum.failure_states()} == failures
    assert {status.value for status in enum.active_states()} == active


def test_order_status_reads_filled_as_completed() -> None:
    assert OrderStatus("Filled") is OrderStatus.COMPLETED


def test_only_rejected_and_withdrawn_rec_applications_free_their_window() -> None:
    from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus as S

    freed = {status for status in S if not status.holds_window}
    assert freed == {S.REJECTED, S.WITHDRAWN}
    assert S.TO_RESUBMIT.holds_window  # sent back, not dead: REDEX still answers 422 to an overlap
