"""What the four REDEX example DAGs share: the sample, the hand-over points, the wait settings.

Not a DAG file (``.airflowignore`` keeps the dag-processor from parsing it on its own); the
DAG files import it, which works because Airflow puts the DAGs folder on ``sys.path``.

How the DAGs hand ids to each other
    The lifecycle spans days to months and four DAGs, so the hand-over must survive scheduler
    restarts, ``airflow dags test`` runs and a user who onboarded outside Airflow. Two Airflow
    mechanisms carry it, both stored in the metadata database and both read only at run time:

    * ``DEVICE_VARIABLE``: the Airflow Variable ``redex_grouped_device`` (JSON) that
      ``redex_onboarding`` writes once REDEX has approved the device: the device application id,
      its number and the **device id** REDEX assigned on approval (the id REC applications take).
      An operator edits it by hand (``airflow variables set``) if the device was registered
      another way. Nothing reads it at parse time: templates and tasks read it when they run.
    * Asset events with ``extra``: ``redex_generation_daily`` emits one event on
      ``GENERATION_ASSET`` per day REDEX has processed (``{"day", "device_id", "records"}``);
      ``redex_rec_issuance`` is scheduled on that asset and reads the events through its inlet to
      find the processed days it may claim. ``redex_rec_issuance`` emits ``RECS_ISSUED_ASSET``
      (``{"vintage_from", "vintage_to", "quantity", ...}``) that ``redex_retirement`` reads to pick
      the vintage year when none is given.

    Where REDEX already knows the answer, the DAGs ask REDEX rather than Airflow: which vintage
    is already applied for comes from listing the device's REC applications, so a window is
    never claimed twice even if an Airflow run is cleared and re-run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset

from airflow_provider_redex.client.models import rules

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_data"
"""The bundled sample (see ``devtools/sample_data.py``): ODF, grouped device, daily CSVs."""

FIRST_DAY = pendulum.datetime(2026, 11, 1, tz="UTC")
LAST_DAY = pendulum.datetime(2026, 11, 5, tz="UTC")
"""The days ``dags/sample_data/generation/`` covers; the daily DAG runs once for each."""

DEVICE_VARIABLE = "redex_grouped_device"

GENERATION_ASSET = Asset(name="redex_generation_processed", uri="redex://generation-data/processed")
RECS_ISSUED_ASSET = Asset(name="redex_recs_issued", uri="redex://rec-applications/approved")

POLL_INTERVAL = timedelta(seconds=float(os.environ.get("REDEX_EXAMPLE_POLL_SECONDS", "60")))
"""How often a deferred sensor asks REDEX. REDEX decides in hours to days, so a minute costs
nothing against the 60-requests-a-minute budget; the demo and the end-to-end tests set
``REDEX_EXAMPLE_POLL_SECONDS`` to a few seconds because the sandbox decides in seconds. Read
from the environment, not a Variable, so parsing never touches the database."""

REDEX_POOL = os.environ.get("REDEX_EXAMPLE_POOL", "default_pool")
"""The Airflow pool the DAGs' tasks run in: one pool per REDEX account, sized from its budget
(:func:`pool_slots`). A task whose pool does not exist is never scheduled, so the DAGs use
``default_pool`` until you create yours (``airflow pools set redex_default 2 "..."``) and name it."""


def pool_slots(requests_per_window: int = 60, requests_per_push_window: int = 60) -> int:
    """Slots for one account's pool: tasks that can make progress at once on its budget.

    A push alone can spend the whole window (``requests_per_push_window``), so the pool holds
    one push plus one short task (a create or a lookup, a handful of requests); more running
    tasks would only wait for slots inside their workers. Deferred sensors hold no slot.
    """
    pushes = max(1, requests_per_window // max(1, requests_per_push_window))
    return pushes + 1


DEFAULT_ARGS = {
    "owner": "redex",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "pool": REDEX_POOL,
}
"""Retries are safe: every creating operator records what it created and looks up before it
creates again (DESIGN.md "Exactly once")."""


def claimable_window(
    processed_days: Iterable[date], claimed_through: date | None, today: date
) -> tuple[date, date] | None:
    """The vintage window to apply for next, or ``None`` when there is nothing new to claim.

    It starts at the first processed day that is neither claimed yet (after ``claimed_through``,
    the end of the device's latest application REDEX has not turned down) nor too old for the
    residual-mix rule, and runs through the processed days that follow it without a gap. A gap
    (a day whose data is missing or failed) ends the window, because REDEX issues a window
    once: claiming past a missing day would lose that day's RECs for good once it is fixed.
    """
    earliest = rules.earliest_claimable_date(today)
    open_days = sorted(
        {d for d in processed_days if d >= earliest and (claimed_through is None or d > claimed_through)}
    )
    if not open_days:
        return None
    start = end = open_days[0]
    for day in open_days[1:]:
        if day != end + timedelta(days=1):
            break
        end = day
    return start, end
