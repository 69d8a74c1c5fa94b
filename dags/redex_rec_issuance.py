"""REDEX lifecycle, step 4: apply for REC issuance over the window the device may claim, wait
for REDEX to approve it, and record the issued vintage on an Asset.

When it runs: on every event of the Asset ``redex_generation_processed`` (a day of generation
that REDEX has processed, emitted by ``redex_generation_daily``), and in any case two weeks
before each residual-mix deadline (31 May, 30 September; ``ResidualMixDeadlineTimetable``) after
which the oldest vintages can no longer be claimed. ``max_active_runs=1``: an event arriving while an
application is under review queues one more run, which then claims whatever became claimable.

What it claims: ``redex_common.claimable_window``: the processed days (read from the Asset's
events through the task's inlet) that REDEX has not issued or accepted an application for yet
(asked of REDEX: the device's REC applications that were not turned down) and that the
residual-mix rule still allows, up to the first missing day. Nothing new: the run is skipped.
The quantity is the device's generation over the window (the operator asks REDEX for the sum).

Hand-over: the device id comes from the Variable ``redex_grouped_device`` written by
``redex_onboarding``; the approved window goes out as an event on ``redex_recs_issued``
(``extra={"device_id", "vintage_from", "vintage_to", "rec_application_id",
"application_number"}``), which ``redex_retirement`` reads to pick its vintage year. Because
the applied window is read back from REDEX, clearing and re-running a run never claims a day
twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pendulum
from airflow.sdk import AssetOrTimeSchedule, Variable, dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from redex_common import (
    DEFAULT_ARGS,
    DEVICE_VARIABLE,
    FIRST_DAY,
    GENERATION_ASSET,
    POLL_INTERVAL,
    RECS_ISSUED_ASSET,
    claimable_window,
)

from airflow_provider_redex.hooks.redex import RedexHook
from airflow_provider_redex.operators import RedexCreateRecApplicationOperator
from airflow_provider_redex.sensors import RedexRecApplicationSensor
from airflow_provider_redex.timetables import ResidualMixDeadlineTimetable


@dag(
    dag_id="redex_rec_issuance",
    schedule=AssetOrTimeSchedule(
        timetable=ResidualMixDeadlineTimetable(lead=timedelta(days=14)),  # type: ignore[arg-type]
        assets=GENERATION_ASSET,
    ),
    start_date=FIRST_DAY,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["redex", "example"],
)
def redex_rec_issuance() -> None:
    @task(inlets=[GENERATION_ASSET], multiple_outputs=True)
    def window_to_claim(inlet_events: Any = None) -> dict[str, Any]:
        """The device and the vintage window to apply for; skips the run when nothing is new."""
        device: dict[str, Any] | None = Variable.get(DEVICE_VARIABLE, default=None, deserialize_json=True)
        if not device or not device.get("device_id"):
            raise AirflowFailException(
                f"no approved grouped device in {DEVICE_VARIABLE!r}: run redex_onboarding"
            )
        device_id = str(device["device_id"])
        processed = [
            date.fromisoformat(event.extra["day"])
            for event in inlet_events[GENERATION_ASSET]
            if event.extra and event.extra.get("device_id") == device_id and event.extra.get("day")
        ]
        claimed_through = _claimed_through(device_id)
        window = claimable_window(processed, claimed_through, pendulum.now("UTC").date())
        if window is None:
            raise AirflowSkipException(
                f"nothing new to claim for device {device_id}: {len(processed)} processed day(s), "
                f"claimed through {claimed_through}"
            )
        return {
            "device_id": device_id,
            "vintage_from": window[0].isoformat(),
            "vintage_to": window[1].isoformat(),
        }

    window = window_to_claim()

    # [START howto_operator_redex_create_rec_application]
    apply = RedexCreateRecApplicationOperator(
        task_id="apply_for_issuance",
        device_id=window["device_id"],
        vintage_from=window["vintage_from"],
        vintage_to=window["vintage_to"],
    )
    # [END howto_operator_redex_create_rec_application]

    # [START howto_sensor_redex_rec_application]
    approved = RedexRecApplicationSensor(
        task_id="wait_for_issuance",
        rec_application_id=apply.output,
        poke_interval=POLL_INTERVAL,
        timeout=60 * 24 * 3600,  # issuance reviews take weeks
    )
    # [END howto_sensor_redex_rec_application]

    @task(outlets=[RECS_ISSUED_ASSET])
    def record_issuance(
        claimed: dict[str, Any], decision: dict[str, Any], outlet_events: Any = None
    ) -> dict[str, Any]:
        """Emit the issued window for ``redex_retirement`` (and for anyone watching the Asset)."""
        extra = {
            "device_id": claimed["device_id"],
            "vintage_from": claimed["vintage_from"],
            "vintage_to": claimed["vintage_to"],
            "rec_application_id": decision["rec_application_id"],
            "application_number": decision.get("application_number"),
        }
        outlet_events[RECS_ISSUED_ASSET].extra = extra
        return extra

    record_issuance(window, approved.output)


def _claimed_through(device_id: str) -> date | None:
    """The last day already applied for, asked of REDEX (the model's ``holds_window``), so
    Airflow's own history cannot make us claim twice."""
    from airflow_provider_redex.operators.deadlines import claimed_through

    with RedexHook().get_client() as client:
        return claimed_through(client, device_id)


redex_rec_issuance()
