"""A deadline alert: a device has generation it has not claimed yet, and a cut-off is near.

After a residual-mix cut-off (31 May, 30 September) a slice of older generation can no longer be
claimed and its RECs are lost (API_REFERENCE 4.0). :func:`unclaimed_at_risk` asks REDEX what is
at stake: the part of that slice after the device's last application REDEX has not turned down,
and the energy REDEX sums over it (G6). The operator fails when something is at stake within
``warn_within`` of the cut-off, so Airflow's failure alerts (callbacks, notifiers, e-mail) fire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client import deadlines
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators.base import RedexBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_redex.client.client import RedexClient


@dataclass(frozen=True)
class DeadlineRisk:
    """What the next cut-off would cost a device; ``at_risk_kwh`` is 0 when nothing is at stake."""

    device_id: str
    cutoff: date
    days_left: int
    claimed_through: date | None
    at_risk_from: date | None
    at_risk_to: date | None
    at_risk_kwh: Decimal

    @property
    def at_risk_recs(self) -> Decimal:
        return rules.mwh_from_kwh(self.at_risk_kwh)

    def to_xcom(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, energy as exact decimal text."""
        data: dict[str, Any] = {
            key: value if value is None or isinstance(value, int) else str(value)
            for key, value in asdict(self).items()
        }
        data["at_risk_recs"] = str(self.at_risk_recs)
        return data


def claimed_through(client: RedexClient, device_id: str) -> date | None:
    """The end of the device's latest REC application that still holds its window (``holds_window``)."""
    ends = [
        application.vintage_to.date()
        for application in client.rec_applications.list(device_id=device_id)
        if application.status.value.holds_window
    ]
    return max(ends, default=None)


def unclaimed_at_risk(client: RedexClient, device_id: str, today: date) -> DeadlineRisk:
    """The unclaimed generation the next cut-off (on or after ``today``) would make unclaimable."""
    cutoff = deadlines.next_cutoff(today)
    through = claimed_through(client, device_id)
    start = cutoff.lost_from if through is None else max(cutoff.lost_from, through + timedelta(days=1))
    end = min(cutoff.lost_to, today)
    kwh = Decimal(0)
    if start <= end:
        period = client.generation.sum_period(device_id, vintage_from=start, vintage_to=end)
        kwh = period.total_period_production_in_kwh
    return DeadlineRisk(
        device_id=device_id,
        cutoff=cutoff.day,
        days_left=(cutoff.day - today).days,
        claimed_through=through,
        at_risk_from=start if start <= end else None,
        at_risk_to=end if start <= end else None,
        at_risk_kwh=kwh,
    )


class RedexResidualMixDeadlineAlertOperator(RedexBaseOperator):
    """Fail (and so alert) when a device has unclaimed generation that the next residual-mix
    cut-off would make unclaimable, once the cut-off is ``warn_within`` away or closer.

    Returns the :class:`DeadlineRisk` as a dict (dates and decimals as text) when nothing is at
    stake, or when the cut-off is further away than ``warn_within``.

    :param device_id: the approved device (REDEX's device id) (templated).
    :param warn_within: alert from this long before the cut-off day (default 30 days).
    :param today: the date to judge from, ``YYYY-MM-DD`` (templated); default: today in the
        timezone furthest behind UTC, so an alert is never late for any owner.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    template_fields: Sequence[str] = ("device_id", "warn_within", "today", "redex_conn_id")

    def __init__(
        self,
        *,
        device_id: str,
        warn_within: timedelta = timedelta(days=30),
        today: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.device_id = device_id
        self.warn_within = warn_within
        self.today = today

    def execute(self, context: Context) -> dict[str, Any]:
        today = date.fromisoformat(self.today) if self.today else rules.today_earliest()
        with self.redex_client() as client:
            risk = unclaimed_at_risk(client, str(self.device_id), today)
        close = timedelta(days=risk.days_left) <= self.warn_within
        if close and risk.at_risk_kwh > 0:
            raise AirflowFailException(
                f"device {risk.device_id}: {risk.at_risk_kwh} kWh ({risk.at_risk_recs} RECs) generated "
                f"{risk.at_risk_from}..{risk.at_risk_to} is not claimed and becomes unclaimable after "
                f"the residual-mix cut-off {risk.cutoff} ({risk.days_left} day(s) left): apply for "
                "issuance over that window (RedexCreateRecApplicationOperator)"
            )
        self.log.info(
            "Device %s: next cut-off %s in %s day(s); %s kWh unclaimed in the slice it closes",
            risk.device_id,
            risk.cutoff,
            risk.days_left,
            risk.at_risk_kwh,
        )
        return risk.to_xcom()
