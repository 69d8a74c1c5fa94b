"""Line up, for one device and period, what we sent, what REDEX stores, sums, issued and retired.

Five sources, each asked once:

* the input files: the daily readings the push sent (read with the push's own reader,
  ``generation_input.iter_rows``, so a file is read the way it was pushed);
* the records REDEX stores (G5, in windows of at most 3 months);
* the generation REDEX sums over the period (G6), the figure an application is checked against;
* the RECs applied for and issued: the device's REC applications (R1) and REC items (I3);
* the RECs retired: the REC items' ``Retired`` against the retirement transactions (I5).

Each comparison is one :class:`ReportLine`; a line whose ``status`` is not ``ok`` is a mismatch.
Unissued generation counts as a mismatch: a reconciliation is meant for a period that should
be closed (everything issued), and generation left unclaimed is lost at the next residual-mix
cut-off. Only daily data is reconciled (monthly devices have no per-day records).

No Airflow here beyond the input reader: the operator (``operators/reconcile.py``) and the CLI
(``airflow redex reconcile``) both call :func:`reconcile`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.generation import FrequencyType
from airflow_provider_redex.client.models.inventory import RecTransactionType
from airflow_provider_redex.operators import generation_input

if TYPE_CHECKING:
    import pyarrow as pa

    from airflow_provider_redex.client.client import RedexClient

OK = "ok"
ZERO = Decimal(0)
DayKey = tuple[str, date]


@dataclass(frozen=True)
class ReportLine:
    """One comparison. ``expected`` is what the earlier step says, ``actual`` what REDEX has."""

    check: str
    status: str
    unit: str
    expected: Decimal | None = None
    actual: Decimal | None = None
    remote_inv_id: str | None = None
    day: date | None = None
    vintage_from: date | None = None
    vintage_to: date | None = None
    detail: str = ""

    @property
    def is_mismatch(self) -> bool:
        return self.status != OK

    def describe(self) -> str:
        where = self.remote_inv_id or ""
        when = self.day or (f"{self.vintage_from}..{self.vintage_to}" if self.vintage_from else "")
        return f"{self.status} {where} {when}: {self.detail}".replace("  ", " ")


COLUMNS = tuple(ReportLine.__dataclass_fields__)


def report_schema() -> pa.Schema:
    from airflow_provider_redex.operators.parquet_output import pyarrow_module, quantity_type

    pa = pyarrow_module()
    types = {"expected": quantity_type(), "actual": quantity_type()}
    types |= {name: pa.date32() for name in ("day", "vintage_from", "vintage_to")}
    return pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])


def as_row(line: ReportLine) -> dict[str, Any]:
    return asdict(line)


# --- reading the sources ---------------------------------------------------------------------


def input_days(
    sources: Iterable[Any], start: date, end: date, file_format: str | None
) -> dict[DayKey, Decimal]:
    """``(inverter, day) -> kWh`` from the input files, for the days in ``start..end``."""
    days: dict[DayKey, Decimal] = {}
    for source in sources:
        for row in generation_input.iter_rows(source, file_format):
            day = date.fromisoformat(str(_field(row, "Timestamp", "timestamp"))[:10])
            if start <= day <= end:
                kwh = Decimal(str(_field(row, "PeriodProductionInKWh", "period_production_in_kwh")))
                days[(generation_input.inverter_of(row), day)] = kwh
    return days


def _field(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        if row.get(name) not in (None, ""):
            return row[name]
    raise generation_input.GenerationInputError(f"row has no {names[0]}: {row!r}")


def stored_days(client: RedexClient, device_id: str, start: date, end: date) -> dict[DayKey, Decimal]:
    """``(inverter, day) -> kWh`` as REDEX stores it (G5, at most 3 months per query)."""
    days: dict[DayKey, Decimal] = {}
    for first, last in _query_windows(start, end):
        records = client.generation.list(
            frequency_type=FrequencyType.DAILY, from_date=first, to_date=last, device_id=device_id
        )
        for record in records:
            if record.period_production_in_kwh is not None and first <= record.timestamp <= last:
                days[(record.remote_inv_id or "", record.timestamp)] = record.period_production_in_kwh
    return days


def _query_windows(start: date, end: date) -> Iterator[tuple[date, date]]:
    while start <= end:
        last = min(end, rules.add_months(start, rules.MAX_GENERATION_QUERY_MONTHS) - timedelta(days=1))
        yield start, last
        start = last + timedelta(days=1)


# --- comparing -------------------------------------------------------------------------------


def compare_days(sent: dict[DayKey, Decimal], stored: dict[DayKey, Decimal]) -> Iterator[ReportLine]:
    """One line per inverter-day seen on either side."""
    for inverter, day in sorted(sent.keys() | stored.keys()):
        ours, theirs = sent.get((inverter, day)), stored.get((inverter, day))
        if theirs is None:
            status, detail = "missing_in_redex", f"sent {ours} kWh, REDEX stores nothing"
        elif ours is None:
            status, detail = "not_in_input", f"REDEX stores {theirs} kWh that no input file holds"
        elif ours != theirs:
            status, detail = "changed_value", f"sent {ours} kWh, REDEX stores {theirs} kWh"
        else:
            status, detail = OK, ""
        yield ReportLine("day", status, "kWh", ours, theirs, inverter, day, detail=detail)


def _period_check(
    check: str,
    mismatch: str,
    unit: str,
    expected: Decimal,
    actual: Decimal,
    period: tuple[date, date],
    detail: str,
) -> ReportLine:
    """A whole-period comparison: ``ok`` when equal, else ``mismatch`` with ``detail``."""
    status = OK if expected == actual else mismatch
    return ReportLine(
        check,
        status,
        unit,
        expected,
        actual,
        vintage_from=period[0],
        vintage_to=period[1],
        detail="" if status == OK else detail,
    )


def compare_sum(stored: dict[DayKey, Decimal], redex_sum: Decimal, start: date, end: date) -> ReportLine:
    total = sum(stored.values(), ZERO)
    detail = f"REDEX's records add up to {total} kWh, its sum (G6) says {redex_sum}"
    return _period_check("period_sum", "sum_differs", "kWh", total, redex_sum, (start, end), detail)


@dataclass(frozen=True)
class Window:
    """A REC application's vintage window, as far as it matters here."""

    start: date
    end: date
    quantity: Decimal
    approved: bool
    number: str


def unissued_windows(stored: dict[DayKey, Decimal], windows: list[Window]) -> Iterator[ReportLine]:
    """Runs of days with generation that no application (approved or pending) covers."""
    per_day: dict[date, Decimal] = {}
    for (_, day), kwh in stored.items():
        per_day[day] = per_day.get(day, ZERO) + kwh
    open_days = sorted(d for d, kwh in per_day.items() if kwh > 0 and not _covered(d, windows))
    for run in _runs(open_days):
        kwh = sum((per_day[d] for d in run), ZERO)
        yield ReportLine(
            "issuance",
            "unissued",
            "kWh",
            kwh,
            ZERO,
            vintage_from=run[0],
            vintage_to=run[-1],
            detail=f"{kwh} kWh ({rules.mwh_from_kwh(kwh)} RECs) generated and not applied for",
        )


def _covered(day: date, windows: list[Window]) -> bool:
    return any(w.start <= day <= w.end for w in windows)


def _runs(days: list[date]) -> Iterator[list[date]]:
    run: list[date] = []
    for day in days:
        if run and day != run[-1] + timedelta(days=1):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def compare_issued(windows: list[Window], issued_total: Decimal, start: date, end: date) -> ReportLine:
    applied = sum((w.quantity for w in windows if w.approved), ZERO)
    detail = f"approved applications claim {applied} RECs, the inventory holds {issued_total}"
    return _period_check("issued", "issued_differs", "REC", applied, issued_total, (start, end), detail)


def compare_retired(
    items_retired: Decimal, transactions_retired: Decimal, start: date, end: date
) -> ReportLine:
    detail = f"REC items show {items_retired} retired, retirement transactions {transactions_retired}"
    return _period_check(
        "retired", "retired_differs", "REC", items_retired, transactions_retired, (start, end), detail
    )


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def _inside(first: datetime | None, last: datetime | None, start: date, end: date) -> bool:
    a, b = _day(first), _day(last)
    return a is not None and b is not None and start <= a and b <= end


# --- the whole ---------------------------------------------------------------------------------


def reconcile(
    client: RedexClient,
    device_id: str,
    start: date,
    end: date,
    sources: Iterable[Any],
    file_format: str | None = None,
) -> list[ReportLine]:
    """Every line of the reconciliation of ``device_id`` over ``start..end`` (both included)."""
    sent = input_days(sources, start, end, file_format)
    stored = stored_days(client, device_id, start, end)
    redex_sum = client.generation.sum_period(device_id, vintage_from=start, vintage_to=end)
    windows = [
        Window(
            a.vintage_from.date(),
            a.vintage_to.date(),
            a.quantity,
            a.status.value.is_success,
            a.application_number,
        )
        for a in client.rec_applications.list(device_id=device_id)
        if a.status.value.holds_window and _inside(a.vintage_from, a.vintage_to, start, end)
    ]
    items = [
        item
        for item in client.inventories.list_recs(device_ids=[device_id])
        if _inside(item.vintage_from, item.vintage_to, start, end)
    ]
    retired_in_transactions = sum(
        (
            detail.total
            for transaction in client.inventories.list_transactions(
                types=[RecTransactionType.RETIREMENT], device_id=device_id
            )
            for detail in transaction.details
            if _inside(detail.vintage_from, detail.vintage_to, start, end)
        ),
        ZERO,
    )
    return [
        *compare_days(sent, stored),
        compare_sum(stored, redex_sum.total_period_production_in_kwh, start, end),
        compare_issued(windows, sum((i.total for i in items), ZERO), start, end),
        *unissued_windows(stored, windows),
        compare_retired(sum((i.retired for i in items), ZERO), retired_in_transactions, start, end),
    ]
