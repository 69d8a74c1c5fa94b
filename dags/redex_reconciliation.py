"""After the lifecycle: reconcile a device's period, and watch the next residual-mix deadline.

``reconcile`` lines up, for the approved device (the Variable ``redex_grouped_device`` written
by ``redex_onboarding``) and the period in the params, the readings in the input files (the
same CSVs ``redex_generation_daily`` pushed), the records REDEX stores, the generation REDEX
sums, the RECs issued and the RECs retired. It writes ``reconciliation.parquet`` and
``reconciliation.csv`` to ``{{ params.report_dir }}/<run date>/`` (a local folder or an object
storage URL such as ``s3://bucket/redex/``), and either emits an event on the Asset
``redex_reconciliation`` or fails naming each mismatch (a missing day, a changed value, an
unissued window ...). The report is written either way.

``deadline_alert`` fails when the device has generation not yet applied for that the next
residual-mix cut-off (31 May, 30 September) would make unclaimable, once the cut-off is 30
days away or closer; the failure is the alert (set ``on_failure_callback`` or a notifier).

The defaults reconcile the bundled sample's days; for your own device give the period (for a
monthly schedule: ``{{ data_interval_start | ds }}`` .. ``{{ macros.ds_add(data_interval_end | ds, -1) }}``)
and the files that were pushed.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta

from airflow.sdk import Param, dag
from redex_common import DEFAULT_ARGS, FIRST_DAY, LAST_DAY, SAMPLE_DIR

from airflow_provider_redex.operators import RedexReconcileOperator, RedexResidualMixDeadlineAlertOperator

SAMPLE_FILES = [
    str(SAMPLE_DIR / "generation" / f"{FIRST_DAY.add(days=n).to_date_string()}.csv")
    for n in range((LAST_DAY - FIRST_DAY).days + 1)
]
DEVICE_ID = "{{ var.json.redex_grouped_device.device_id }}"


@dag(
    dag_id="redex_reconciliation",
    schedule="@monthly",
    start_date=FIRST_DAY,
    catchup=False,
    default_args={**DEFAULT_ARGS, "retries": 0},  # a mismatch does not go away on a retry
    doc_md=__doc__,
    tags=["redex", "example"],
    params={
        "vintage_from": Param(FIRST_DAY.to_date_string(), type="string", format="date"),
        "vintage_to": Param(LAST_DAY.to_date_string(), type="string", format="date"),
        "sources": Param(SAMPLE_FILES, type="array", description="The input files that were pushed."),
        "report_dir": Param(
            f"{tempfile.gettempdir()}/redex_reports",
            type="string",
            description="Folder (local path or object storage URL) for the reports.",
        ),
    },
    render_template_as_native_obj=True,  # ``sources`` stays a list
)
def redex_reconciliation() -> None:
    # [START howto_operator_redex_reconcile]
    RedexReconcileOperator(
        task_id="reconcile",
        device_id=DEVICE_ID,
        vintage_from="{{ params.vintage_from }}",
        vintage_to="{{ params.vintage_to }}",
        sources="{{ params.sources }}",
        destination="{{ params.report_dir }}/{{ ds }}",
    )
    # [END howto_operator_redex_reconcile]

    # [START howto_operator_redex_residual_mix_deadline_alert]
    RedexResidualMixDeadlineAlertOperator(
        task_id="deadline_alert",
        device_id=DEVICE_ID,
        warn_within=timedelta(days=30),
    )
    # [END howto_operator_redex_residual_mix_deadline_alert]


redex_reconciliation()
