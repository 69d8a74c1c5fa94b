"""REDEX lifecycle, step 5: retire RECs for a beneficiary, wait until REDEX has completed the
retirement, and store the retirement certificate.

Trigger it with the params: who the RECs are retired for (``beneficiary``, in REDEX's create
fields), how many (``quantity``, RECs = MWh, up to 6 decimals, given as text so it stays exact),
why (``reason``, printed on the certificate) and which RECs may be used (``filters``: registry,
vintage year, countries, energies). The beneficiary is looked up by name and type and created
only if REDEX does not know it yet, so the same customer is never created twice.

Defaults that need a look-up are resolved when the run starts, never at parse time: with no
``vintage_year`` the vintage of the latest issuance recorded on the Asset ``redex_recs_issued``
(emitted by ``redex_rec_issuance``) is used, and with no consumption period the issued window.
With no issuance recorded either, the current year is used.

The certificate is written to ``certificate_dir`` (a local folder or an object storage URL such
as ``s3://bucket/certificates/``; default ``$AIRFLOW_HOME/redex_certificates/``) under REDEX's
file name; the path is the last task's return value.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task
from redex_common import DEFAULT_ARGS, FIRST_DAY, POLL_INTERVAL, RECS_ISSUED_ASSET

from airflow_provider_redex.operators import (
    RedexCreateBeneficiaryOperator,
    RedexCreateRetirementOperator,
    RedexDownloadRetirementCertificateOperator,
)
from airflow_provider_redex.sensors import RedexRetirementApplicationSensor


@dag(
    dag_id="redex_retirement",
    schedule=None,
    start_date=FIRST_DAY,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["redex", "example"],
    params={
        "beneficiary": Param(
            {
                "BeneficiaryType": "Corporate",
                "BeneficiaryName": "Mekong Cold Chain JSC",
                "CountryCode": "VN",
                "CorporateName": "Mekong Cold Chain Joint Stock Company",
                "CorporateAddress": "12 Tan Thuan Road, Tan Thuan EPZ, District 7, Ho Chi Minh City",
            },
            type="object",
            description="Who the RECs are retired for, in REDEX's beneficiary fields.",
        ),
        "quantity": Param("10", type="string", pattern=r"^\d+(\.\d{1,6})?$", description="RECs (MWh)."),
        "reason": Param(
            "Renewable electricity for cold storage in Ho Chi Minh City, November 2026",
            type="string",
            maxLength=500,
        ),
        "filters": Param(
            {"registry": "IREC", "vintage_year": None, "countries": ["VN"], "energy_values": ["Solar"]},
            type="object",
            description="Which RECs may be used; vintage_year null = the latest issued vintage.",
        ),
        "consumption_start": Param(None, type=["null", "string"], format="date"),
        "consumption_end": Param(None, type=["null", "string"], format="date"),
        "certificate_dir": Param(None, type=["null", "string"]),
    },
)
def redex_retirement() -> None:
    @task(inlets=[RECS_ISSUED_ASSET], multiple_outputs=True)
    def retirement_request(params: dict[str, Any] | None = None, inlet_events: Any = None) -> dict[str, Any]:
        """The params with their run-time defaults filled in (see the module docstring)."""
        params = params or {}
        filters = dict(params["filters"] or {})
        issued = _latest_issuance(inlet_events)
        vintage_from = issued.get("vintage_from") or f"{pendulum.now('UTC').year}-01-01"
        vintage_to = issued.get("vintage_to") or f"{pendulum.now('UTC').year}-12-31"
        return {
            "beneficiary": params["beneficiary"],
            "quantity": str(params["quantity"]),
            "reason": params["reason"],
            "registry": filters.get("registry") or "IREC",
            "vintage_year": int(filters.get("vintage_year") or vintage_from[:4]),
            "countries": filters.get("countries"),
            "energy_values": filters.get("energy_values"),
            "consumption_start": params.get("consumption_start") or vintage_from,
            "consumption_end": params.get("consumption_end") or vintage_to,
            "certificate_dir": params.get("certificate_dir")
            or os.path.join(os.environ.get("AIRFLOW_HOME", "."), "redex_certificates", ""),
        }

    request = retirement_request()

    # [START howto_operator_redex_create_beneficiary]
    beneficiary = RedexCreateBeneficiaryOperator(
        task_id="beneficiary",
        beneficiary=request["beneficiary"],
    )
    # [END howto_operator_redex_create_beneficiary]

    # [START howto_operator_redex_create_retirement]
    retire = RedexCreateRetirementOperator(
        task_id="retire",
        beneficiary_id=beneficiary.output,
        quantity=request["quantity"],
        reason=request["reason"],
        registry=request["registry"],
        vintage_year=request["vintage_year"],
        consumption_start_time=request["consumption_start"],
        consumption_end_time=request["consumption_end"],
        countries=request["countries"],
        energy_values=request["energy_values"],
    )
    # [END howto_operator_redex_create_retirement]

    # [START howto_sensor_redex_retirement_application]
    completed = RedexRetirementApplicationSensor(
        task_id="wait_for_retirement",
        retirement_application_id=retire.output,
        poke_interval=POLL_INTERVAL,
        timeout=30 * 24 * 3600,
    )
    # [END howto_sensor_redex_retirement_application]

    # [START howto_operator_redex_download_retirement_certificate]
    certificate = RedexDownloadRetirementCertificateOperator(
        task_id="store_certificate",
        retirement_application_id=retire.output,
        destination=request["certificate_dir"],
    )
    # [END howto_operator_redex_download_retirement_certificate]

    completed >> certificate


def _latest_issuance(inlet_events: Any) -> dict[str, Any]:
    """The extra of the newest ``redex_recs_issued`` event, or ``{}`` when there is none."""
    events = inlet_events[RECS_ISSUED_ASSET] if inlet_events is not None else []
    try:
        latest = events[-1]
    except IndexError:
        return {}
    return dict(latest.extra or {})


redex_retirement()
