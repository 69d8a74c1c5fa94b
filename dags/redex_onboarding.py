"""REDEX lifecycle, step 1-2: upload the owner declaration form, register the grouped device,
wait for REDEX to approve it, and remember the approved device for the other DAGs.

Run it once per grouped device (``schedule=None``: trigger it). With the default params it
registers the bundled sample, 60 rooftops with 300 inverters in Ho Chi Minh City, against
whatever ``redex_default`` points at: the sandbox (``redex-sandbox``) or REDEX itself.

Hand-over to the other DAGs: the last task writes the Airflow Variable
``redex_grouped_device`` (JSON: ``device_application_id``, ``application_number``,
``device_id``, ``registered_from``). ``redex_generation_daily`` and
``redex_rec_issuance`` read it when they run, never at parse time. A Variable lives in the
metadata database, so it holds across scheduler runs, restarts and ``airflow dags test``
runs alike; if the device was registered another way, set the Variable by hand. See
``redex_common.py`` for the whole scheme.

Waiting: REDEX reviews a registration in days. The sensor defers, so the wait costs a poll a
minute in the triggerer and no worker slot.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param, Variable, dag, task
from redex_common import DEFAULT_ARGS, DEVICE_VARIABLE, FIRST_DAY, POLL_INTERVAL, SAMPLE_DIR

from airflow_provider_redex.operators import RedexRegisterGroupedDeviceOperator, RedexUploadDocumentOperator
from airflow_provider_redex.sensors import RedexDeviceApplicationSensor


@dag(
    dag_id="redex_onboarding",
    schedule=None,
    start_date=FIRST_DAY,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["redex", "example"],
    params={
        "declaration_form": Param(
            str(SAMPLE_DIR / "owner_declaration_form.pdf"),
            type="string",
            description="The signed owner declaration form: a searchable PDF of at most 5 MB.",
        ),
        "grouped_device": Param(
            str(SAMPLE_DIR / "grouped_device.json"),
            type="string",
            description="The grouped device application (JSON or YAML, REDEX field names).",
        ),
    },
)
def redex_onboarding() -> None:
    # [START howto_operator_redex_upload_document]
    upload_odf = RedexUploadDocumentOperator(
        task_id="upload_declaration_form",
        path="{{ params.declaration_form }}",
        multiple_outputs=True,  # file_id and validation_code as XComs of their own
    )
    # [END howto_operator_redex_upload_document]

    # [START howto_operator_redex_register_grouped_device]
    register = RedexRegisterGroupedDeviceOperator(
        task_id="register_grouped_device",
        grouped_device_file="{{ params.grouped_device }}",
        declaration_form_file_id=upload_odf.output["file_id"],
    )
    # [END howto_operator_redex_register_grouped_device]

    # [START howto_sensor_redex_device_application]
    approved = RedexDeviceApplicationSensor(
        task_id="wait_for_approval",
        device_application_id=register.output,
        poke_interval=POLL_INTERVAL,
        timeout=30 * 24 * 3600,  # a month: REDEX reviews take days, and may ask for changes
    )
    # [END howto_sensor_redex_device_application]

    @task
    def remember_device(approval: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store the approved device where the other DAGs look for it (see the module docstring)."""
        device = {
            "device_application_id": approval["device_application_id"],
            "application_number": approval.get("application_number"),
            "device_id": approval["device_id"],
            "registered_from": (params or {}).get("grouped_device"),
        }
        Variable.set(DEVICE_VARIABLE, device, serialize_json=True, description="set by redex_onboarding")
        return device

    remember_device(approved.output)


redex_onboarding()
