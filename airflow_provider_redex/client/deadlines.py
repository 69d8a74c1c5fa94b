"""The residual-mix cut-offs as dates: when a slice of older generation stops being claimable.

The rule itself lives once, in :func:`rules.earliest_claimable_date` (API_REFERENCE 4.0). The
cut-offs are read off it: a cut-off is the last day before the earliest claimable date moves
forward. The rule only changes at a month's start, so looking at each month boundary finds
31 May and 30 September today, and would follow REDEX if the table changed.

No clock and no Airflow here: the timetable (``timetables/residual_mix.py``) and the deadline
check (``operators/deadlines.py``) pass the dates in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from airflow_provider_redex.client.models import rules

MONTHS_SEARCHED = 25


@dataclass(frozen=True)
class Cutoff:
    """One residual-mix cut-off.

    :param day: the last day on which ``lost`` can still be claimed (31 May, 30 September).
    :param lost_from: the oldest vintage claimable on ``day``.
    :param lost_to: the last vintage day that can no longer be claimed the day after.
    """

    day: date
    lost_from: date
    lost_to: date


def _month_starts(on_or_after: date) -> Iterator[date]:
    """The first of each month from ``on_or_after``'s month on, for two years (the rule has a
    yearly cycle, so a cut-off is always found well within that)."""
    month_start = on_or_after.replace(day=1)
    for months in range(MONTHS_SEARCHED):
        yield rules.add_months(month_start, months)


def next_cutoff(on_or_after: date) -> Cutoff:
    """The first cut-off on or after ``on_or_after`` (a cut-off day itself is returned)."""
    for first in _month_starts(on_or_after):
        last = first - timedelta(days=1)
        before, after = rules.earliest_claimable_date(last), rules.earliest_claimable_date(first)
        if after > before and last >= on_or_after:
            return Cutoff(day=last, lost_from=before, lost_to=after - timedelta(days=1))
    raise ValueError(f"the residual-mix rule has no cut-off within {MONTHS_SEARCHED} months of {on_or_after}")


def cutoffs(from_day: date, to_day: date) -> list[Cutoff]:
    """The cut-offs in ``from_day .. to_day``, both included."""
    found: list[Cutoff] = []
    cutoff = next_cutoff(from_day)
    while cutoff.day <= to_day:
        found.append(cutoff)
        cutoff = next_cutoff(cutoff.day + timedelta(days=1))
    return found
