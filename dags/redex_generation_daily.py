"""REDEX lifecycle, step 3: every day, push that day's generation for every inverter of the
grouped device, wait until REDEX has processed it, and record the day on an Asset.

One run per day of data. The schedule is a data-interval timetable: the scheduler's run for
logical date D covers [D, D+1) and starts once D is over. The day it sends is the logical
date, ``{{ ds }}``, rather than the data interval, so a manual run says which day it is for in
the same way: ``airflow dags test redex_generation_daily 2026-11-03`` sends 3 November (a
manual run's data interval would be the day *before* its logical date). ``catchup=True``
with ``max_active_runs=1`` makes missed days and ``airflow backfill create`` runs go through
one day at a time, oldest first, which keeps each inverter's ``AccumulatedEnergyInKWh``
arriving in order. Re-running a day is safe: the push
operator records the ProcessId of every acknowledged chunk and skips them on a retry, and
REDEX keeps one reading per inverter and day.

Input: ``{{ params.data_dir }}/<day>.csv`` in REDEX's own columns (``RemoteInvId, Timestamp,
PeriodProductionInKWh, AccumulatedEnergyInKWh``), a local folder; for object storage give the
operator's ``source`` an ``ObjectStoragePath`` (``s3://bucket/redex/...``) instead of the
templated path. The file is streamed in requests of at most 3000
records; nothing of it goes through XCom. The bundled sample covers the days between
``start_date`` and ``end_date``; for your own device, set ``start_date`` to its first day of
data and drop ``end_date``.

Hand-over: it reads the approved device from the Variable ``redex_grouped_device`` written by
``redex_onboarding`` (and fails, saying so, before sending anything if there is none), and
emits one event on the Asset ``redex_generation_processed`` per processed day with
``extra={"day", "device_id", "records", "process_ids"}``. ``redex_rec_issuance`` is
scheduled on that Asset.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Param, Variable, dag, task
from airflow.sdk.exceptions import AirflowFailException
from redex_common import (
    DEFAULT_ARGS,
    DEVICE_VARIABLE,
    FIRST_DAY,
    GENERATION_ASSET,
    LAST_DAY,
    POLL_INTERVAL,
    SAMPLE_DIR,
)

from airflow_provider_redex.operators import RedexPushGenerationDataOperator
from airflow_provider_redex.sensors import RedexGenerationProcessSensor


@dag(
    dag_id="redex_generation_daily",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=FIRST_DAY,
    end_date=LAST_DAY,
    catchup=True,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["redex", "example"],
    params={
        "data_dir": Param(
            str(SAMPLE_DIR / "generation"),
            type="string",
            description="Local folder holding one <YYYY-MM-DD>.csv per day.",
        ),
    },
)
def redex_generation_daily() -> None:
    @task
    def approved_device() -> dict[str, Any]:
        """The device ``redex_onboarding`` got approved; pushing before that would be refused."""
        device: dict[str, Any] | None = Variable.get(DEVICE_VARIABLE, default=None, deserialize_json=True)
        if not device or not device.get("device_id"):
            raise AirflowFailException(
                f"no approved grouped device in the Variable {DEVICE_VARIABLE!r}: run the "
                "redex_onboarding DAG first (or set the Variable if the device was registered elsewhere)"
            )
        return device

    # [START howto_operator_redex_push_generation_data]
    push = RedexPushGenerationDataOperator(
        task_id="push_generation_data",
        source="{{ params.data_dir }}/{{ ds }}.csv",
        frequency="daily",
        multiple_outputs=True,  # process_ids as an XCom of its own, for the sensor
    )
    # [END howto_operator_redex_push_generation_data]

    # [START howto_sensor_redex_generation_process]
    processed = RedexGenerationProcessSensor(
        task_id="wait_for_processing",
        process_ids=push.output["process_ids"],
        poke_interval=POLL_INTERVAL,
        timeout=24 * 3600,
    )
    # [END howto_sensor_redex_generation_process]

    @task(outlets=[GENERATION_ASSET])
    def record_processed_day(
        device: dict[str, Any], report: dict[str, Any], ds: str | None = None, outlet_events: Any = None
    ) -> dict[str, Any]:
        """Emit the Asset event the issuance DAG is scheduled on, with the day it may now claim."""
        extra = {
            "day": ds,
            "device_id": device["device_id"],
            "records": report["records_total"],
            "process_ids": report["process_ids"],
        }
        outlet_events[GENERATION_ASSET].extra = extra
        return extra

    device = approved_device()
    device >> push >> processed
    record_processed_day(device, push.output).set_upstream(processed)


redex_generation_daily()
