"""Schedule issuance ahead of each residual-mix cut-off, so no claimable generation is lost.

After 31 May and 30 September a slice of older generation can no longer be claimed
(API_REFERENCE 4.0), and the RECs in it are lost. :class:`ResidualMixDeadlineTimetable` runs a
DAG ``lead`` before each cut-off. The cut-off dates come from ``client.deadlines``, which reads
them off the one residual-mix rule in ``client/models/rules.py``.

The deadline instant is the end of the cut-off day in UTC (00:00 UTC the day after): a run at
``deadline - lead`` still has ``lead`` to get its application in.

Airflow serializes a DAG's timetable and finds a custom class only through a plugin: the
provider's ``airflow.plugins`` entry point (``airflow_provider_redex.plugins``) registers it,
so ``pip install`` is enough on every Airflow component.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from pendulum import DateTime

from airflow_provider_redex.client import deadlines

UTC = "UTC"


def deadline_instant(cutoff_day: date) -> DateTime:
    """When the slice of a cut-off is lost: 00:00 UTC on the day after the cut-off day."""
    after = cutoff_day + timedelta(days=1)
    return DateTime(after.year, after.month, after.day, tzinfo=_utc())


def _utc() -> Any:
    import pendulum

    return pendulum.timezone(UTC)


class ResidualMixDeadlineTimetable(Timetable):
    """Run ``lead`` before every residual-mix deadline (31 May, 30 September, end of day UTC).

    Each run is a point in time (its data interval is empty), like ``CronTriggerTimetable``.
    Without catch-up, a DAG first scheduled after a run time skips it: that deadline's run would
    be late anyway, and a manual run does the same work.

    :param lead: how long before the deadline to run; a positive ``timedelta`` under 4 months
        (the shortest gap between two cut-offs), so the runs keep their order.
    """

    description = "ahead of each REDEX residual-mix deadline (31 May, 30 September)"

    def __init__(self, lead: timedelta = timedelta(days=14)) -> None:
        self.lead = lead

    def validate(self) -> None:
        from airflow.exceptions import AirflowTimetableInvalid

        if not timedelta(0) <= self.lead < timedelta(days=120):
            raise AirflowTimetableInvalid(f"lead must be between 0 and 120 days, got {self.lead}")

    @property
    def summary(self) -> str:
        return f"residual-mix deadlines - {self.lead}"

    def serialize(self) -> dict[str, Any]:
        return {"lead_seconds": self.lead.total_seconds()}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> ResidualMixDeadlineTimetable:
        return cls(lead=timedelta(seconds=float(data["lead_seconds"])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResidualMixDeadlineTimetable) and other.lead == self.lead

    def __hash__(self) -> int:
        return hash((type(self), self.lead))

    def run_at_or_after(self, moment: datetime) -> DateTime:
        """The first run time at or after ``moment``."""
        # The deadline must be at or after moment + lead; its cut-off day is the day before.
        day = (moment + self.lead).date() - timedelta(days=1)
        while True:
            cutoff_day = deadlines.next_cutoff(day).day
            run_at = deadline_instant(cutoff_day) - self.lead
            if run_at >= moment:
                return run_at
            day = cutoff_day + timedelta(days=1)

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        return DataInterval.exact(run_after)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            start = last_automated_data_interval.end + timedelta(microseconds=1)
        elif restriction.earliest is not None:
            start = restriction.earliest
        else:
            return None  # no start_date: nothing to schedule from
        if not restriction.catchup:
            start = max(start, _now())
        run_at = self.run_at_or_after(start)
        if restriction.latest is not None and run_at > restriction.latest:
            return None
        return DagRunInfo.exact(run_at)


def _now() -> DateTime:
    import pendulum

    return pendulum.now(UTC)
