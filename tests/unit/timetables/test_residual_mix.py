"""The residual-mix deadlines as dates and as an Airflow schedule (API_REFERENCE 4.0)."""

from __future__ import annotations

from datetime import date, timedelta

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from airflow_provider_redex.client import deadlines
from airflow_provider_redex.timetables import ResidualMixDeadlineTimetable

UTC = pendulum.timezone("UTC")


def at(year: int, month: int, day: int, hour: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz=UTC)


@pytest.mark.parametrize(
    ("on_or_after", "cutoff", "lost_from", "lost_to"),
    [
        (date(2026, 1, 1), date(2026, 5, 31), date(2025, 1, 1), date(2025, 6, 30)),
        (date(2025, 12, 31), date(2026, 5, 31), date(2025, 1, 1), date(2025, 6, 30)),
        (date(2026, 5, 31), date(2026, 5, 31), date(2025, 1, 1), date(2025, 6, 30)),
        (date(2026, 6, 1), date(2026, 9, 30), date(2025, 7, 1), date(2025, 12, 31)),
        (date(2026, 9, 30), date(2026, 9, 30), date(2025, 7, 1), date(2025, 12, 31)),
        (date(2026, 10, 1), date(2027, 5, 31), date(2026, 1, 1), date(2026, 6, 30)),
        (date(2028, 2, 29), date(2028, 5, 31), date(2027, 1, 1), date(2027, 6, 30)),
    ],
)
def test_next_cutoff_and_the_slice_it_closes(
    on_or_after: date, cutoff: date, lost_from: date, lost_to: date
) -> None:
    assert deadlines.next_cutoff(on_or_after) == deadlines.Cutoff(cutoff, lost_from, lost_to)


def test_the_slice_lost_is_what_the_rule_stops_allowing_the_day_after() -> None:
    from airflow_provider_redex.client.models import rules

    for cutoff in deadlines.cutoffs(date(2025, 1, 1), date(2027, 12, 31)):
        assert rules.earliest_claimable_date(cutoff.day) == cutoff.lost_from
        assert rules.earliest_claimable_date(cutoff.day + timedelta(days=1)) == cutoff.lost_to + timedelta(1)


def test_two_cutoffs_a_year() -> None:
    days = [c.day for c in deadlines.cutoffs(date(2025, 1, 1), date(2026, 12, 31))]
    assert days == [date(2025, 5, 31), date(2025, 9, 30), date(2026, 5, 31), date(2026, 9, 30)]


def next_run(
    timetable: ResidualMixDeadlineTimetable,
    *,
    last: pendulum.DateTime | None = None,
    earliest: pendulum.DateTime | None = None,
    latest: pendulum.DateTime | None = None,
) -> pendulum.DateTime | None:
    interval = None if last is None else DataInterval.exact(last)
    info = timetable.next_dagrun_info(
        last_automated_data_interval=interval,
        restriction=TimeRestriction(earliest=earliest, latest=latest, catchup=True),
    )
    return None if info is None else info.run_after


@pytest.mark.parametrize(
    ("earliest", "expected"),
    [
        (at(2026, 1, 1), at(2026, 5, 18)),  # year's first day: the May deadline
        (at(2025, 12, 31, 23), at(2026, 5, 18)),  # year's last hour: next year's May deadline
        (at(2026, 5, 18), at(2026, 5, 18)),  # exactly on a run time: that run
        (at(2026, 5, 18, 1), at(2026, 9, 17)),  # just after: the September one
        (at(2026, 5, 31), at(2026, 9, 17)),  # on the cut-off day, too late for lead: next one
        (at(2026, 9, 30, 12), at(2027, 5, 18)),  # on the September cut-off day
        (at(2026, 10, 1), at(2027, 5, 18)),
    ],
)
def test_first_run_is_lead_before_the_next_deadline(
    earliest: pendulum.DateTime, expected: pendulum.DateTime
) -> None:
    timetable = ResidualMixDeadlineTimetable(lead=timedelta(days=14))
    assert next_run(timetable, earliest=earliest) == expected


def test_runs_follow_each_other_deadline_after_deadline() -> None:
    timetable = ResidualMixDeadlineTimetable(lead=timedelta(days=16, hours=21))
    runs, last = [], None
    for _ in range(4):
        last = next_run(timetable, last=last, earliest=at(2026, 1, 1))
        runs.append(last)
    # 16 d 21 h before 00:00 UTC on 1 June / 1 October: 03:00 on 15 May / 14 September.
    assert runs == [at(2026, 5, 15, 3), at(2026, 9, 14, 3), at(2027, 5, 15, 3), at(2027, 9, 14, 3)]


def test_no_run_past_the_end_date_or_without_a_start() -> None:
    timetable = ResidualMixDeadlineTimetable()
    assert next_run(timetable, earliest=at(2026, 6, 1), latest=at(2026, 9, 1)) is None
    assert next_run(timetable) is None


def test_without_catchup_a_missed_run_is_skipped() -> None:
    timetable = ResidualMixDeadlineTimetable()
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=at(2020, 1, 1), latest=None, catchup=False),
    )
    assert info is not None
    assert info.run_after >= pendulum.now("UTC")
    assert info.run_after - timedelta(days=365) < pendulum.now("UTC")


def test_a_lead_over_four_months_is_refused() -> None:
    from airflow.exceptions import AirflowTimetableInvalid

    with pytest.raises(AirflowTimetableInvalid, match="lead"):
        ResidualMixDeadlineTimetable(lead=timedelta(days=200)).validate()


def test_serialized_with_the_dag_through_the_provider_plugin() -> None:
    """Airflow stores the timetable in the serialized DAG and finds the class through our plugin."""
    from airflow.sdk import DAG, Asset, AssetOrTimeSchedule
    from airflow.serialization.serialized_objects import DagSerialization

    for schedule in (
        ResidualMixDeadlineTimetable(lead=timedelta(days=10)),
        AssetOrTimeSchedule(
            timetable=ResidualMixDeadlineTimetable(lead=timedelta(days=10)),  # type: ignore[arg-type]
            assets=Asset(name="a", uri="redex://test/a"),
        ),
    ):
        with DAG("residual_mix_serialization", schedule=schedule, start_date=at(2026, 1, 1)) as dag:
            pass
        restored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
        timetable = getattr(restored.timetable, "timetable", restored.timetable)
        assert timetable == ResidualMixDeadlineTimetable(lead=timedelta(days=10))
        assert restored.timetable.summary
