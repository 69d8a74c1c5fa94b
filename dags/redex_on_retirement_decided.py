"""Run when REDEX decides a retirement: event-driven scheduling, with no task waiting for it.

When it runs: the Asset ``redex_retirement_decided`` is watched in the triggerer by
``RedexApplicationDecidedTrigger``; each retirement of the ``redex_default`` account that REDEX
completes, rejects, cancels or returns is one Asset event, and each event runs this DAG once.
The watcher shares the poll of any retirement sensor waiting on the same connection, so watching
costs at most one list request per ``REDEX_EXAMPLE_POLL_SECONDS`` (default 60).

What it does: reads the decision from the triggering Asset event (number, status, REDEX's reason,
the certificate URL of a completed retirement) and logs it; a real deployment would notify the
beneficiary, download the certificate (``RedexDownloadRetirementCertificateOperator``) or book the
retirement in its ERP. Nothing here touches REDEX or the database at parse time.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import Asset, AssetWatcher, dag, task
from redex_common import DEFAULT_ARGS, FIRST_DAY, POLL_INTERVAL

from airflow_provider_redex.triggers.decisions import RedexApplicationDecidedTrigger

log = logging.getLogger(__name__)

# [START howto_trigger_redex_application_decided]
RETIREMENT_DECIDED = Asset(
    name="redex_retirement_decided",
    uri="redex://retirement-applications/decided",
    watchers=[
        AssetWatcher(
            name="redex_retirement_decided_watcher",
            trigger=RedexApplicationDecidedTrigger(
                kind="retirements",
                redex_conn_id="redex_default",
                poll_interval=POLL_INTERVAL.total_seconds(),
            ),
        )
    ],
)


@dag(
    dag_id="redex_on_retirement_decided",
    schedule=[RETIREMENT_DECIDED],
    start_date=FIRST_DAY,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["redex", "event-driven"],
)
def redex_on_retirement_decided() -> None:
    @task
    def record_decision(*, triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """The decisions that ran this DAG, as the watcher reported them."""
        decisions = [
            event.extra.get("payload", {})
            for events in (triggering_asset_events or {}).values()
            for event in events
        ]
        for decision in decisions:
            log.info(
                "REDEX retirement %s is %s (%s)%s",
                decision.get("application_number"),
                decision.get("status"),
                decision.get("decision"),
                f"; REDEX's reason: {decision['reason']}" if decision.get("reason") else "",
            )
        return decisions

    record_decision()


# [END howto_trigger_redex_application_decided]

redex_on_retirement_decided()
