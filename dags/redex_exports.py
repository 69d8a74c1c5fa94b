"""Export the account's REC inventory and REC transaction history to Parquet, every week.

Each list is read page by page and written a row group at a time, so memory stays flat
however many rows the account has; quantities are exact ``decimal128(18, 6)`` columns. The
files land in ``{{ params.export_dir }}/<run date>/`` (a local folder, or an object storage
URL such as ``s3://bucket/redex/exports``); only their paths and row counts go to XCom.
"""

from __future__ import annotations

import tempfile

from airflow.sdk import Param, dag
from redex_common import DEFAULT_ARGS, FIRST_DAY

from airflow_provider_redex.operators import RedexExportInventoryOperator, RedexExportTransactionsOperator


@dag(
    dag_id="redex_exports",
    schedule="@weekly",
    start_date=FIRST_DAY,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["redex", "example"],
    params={
        "export_dir": Param(
            f"{tempfile.gettempdir()}/redex_exports",
            type="string",
            description="Folder (local path or object storage URL) for the Parquet files.",
        ),
    },
)
def redex_exports() -> None:
    # [START howto_operator_redex_export_inventory]
    RedexExportInventoryOperator(
        task_id="export_inventory",
        destination="{{ params.export_dir }}/{{ ds }}/rec_inventory.parquet",
    )
    # [END howto_operator_redex_export_inventory]

    # [START howto_operator_redex_export_transactions]
    RedexExportTransactionsOperator(
        task_id="export_transactions",
        destination="{{ params.export_dir }}/{{ ds }}/rec_transactions.parquet",
    )
    # [END howto_operator_redex_export_transactions]


redex_exports()
