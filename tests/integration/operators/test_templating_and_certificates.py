"""Certificates land as PDFs; every operator templates its inputs; the token reaches no XCom."""

from __future__ import annotations

import inspect
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex import operators, sensors
from airflow_provider_redex.client.models import rules
from tests.helpers import harness

NOT_TEMPLATED = {
    "per_inverter",
    "progress_interval",
    "unacknowledged_chunk_wait",
    "max_in_flight",
    "is_declaration_form",
    "overwrite",
    "unacknowledged_create_wait",
    "recovered_id",
    "resend_unconfirmed",
}
"""Arguments that shape how a task runs, not what it sends: fixed when the DAG is written."""

BENEFICIARY = {
    "BeneficiaryType": "Corporate",
    "BeneficiaryName": "Templated Co",
    "CountryCode": "SG",
    "CorporateName": "Templated Co Pte",
    "CorporateAddress": "2 Fusionopolis Way",
}


@pytest.mark.parametrize("name", sorted(operators.__all__) + sorted(sensors.__all__))
def test_every_user_facing_argument_is_templated(name: str) -> None:
    task_class = getattr(operators, name, None) or getattr(sensors, name)
    arguments = {
        parameter.name
        for parameter in inspect.signature(task_class.__init__).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }

    assert arguments - NOT_TEMPLATED <= set(task_class.template_fields)
    assert "redex_conn_id" in task_class.template_fields


def _completed_retirement(sandbox: Any) -> str:
    with harness.client(sandbox) as redex:
        item = next(i for i in redex.inventories.list_recs() if i.available >= 1)
        beneficiary = redex.beneficiaries.create(BENEFICIARY).id
        body = {"BeneficiaryId": beneficiary, "Quantity": "0.25", "Reason": "certificate test"}
        body |= {"Registry": item.registry.value.value, "VintageYear": item.vintage_year}
        retirement_id = str(redex.retirements.create(body).id)
    sandbox.admin("POST", f"applications/{retirement_id}/approve")
    return retirement_id


def test_certificate_is_downloaded_to_an_object_storage_folder(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    retirement_id = _completed_retirement(redex_sandbox)

    result = harness.run_dag(
        airflow_db,
        "certificate_download",
        "RedexDownloadRetirementCertificateOperator(task_id='cert', "
        f"retirement_application_id={retirement_id!r}, destination='file://{tmp_path}/certificates/')",
    )

    assert result.state == "success", result
    saved = result.xcoms["cert"]
    path = Path(saved["path"].removeprefix("file://"))
    assert path.parent == tmp_path / "certificates"
    assert path.name.startswith("REDEX-RETIREMENTCERTIFICATE-") and path.suffix == ".pdf"
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert saved["bytes"] == len(content)


def test_certificate_download_refuses_to_replace_a_file_unless_told(
    redex_sandbox: Any, tmp_path: Path
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_provider_redex.operators import RedexDownloadRetirementCertificateOperator

    retirement_id = _completed_retirement(redex_sandbox)
    target = tmp_path / "certificate.pdf"
    target.write_bytes(b"another retirement's certificate")

    def download(**kwargs: Any) -> dict[str, Any]:
        operator = RedexDownloadRetirementCertificateOperator(
            task_id="cert", retirement_application_id=retirement_id, destination=str(target), **kwargs
        )
        return operator.execute({})  # type: ignore[arg-type]

    with pytest.raises(AirflowFailException, match=r"already exists.*overwrite=True"):
        download()
    assert target.read_bytes() == b"another retirement's certificate"

    saved = download(overwrite=True)
    assert target.read_bytes().startswith(b"%PDF") and saved["bytes"] == target.stat().st_size


def test_rendered_values_reach_the_requests_and_the_token_reaches_no_xcom_or_rendered_field(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    ours = rules.earliest_claimable_date(rules.today_earliest())
    day = ours + timedelta(days=1)
    device = harness.approved_device(redex_sandbox, "Templated", since=ours)
    harness.push_daily(redex_sandbox, {device.inverters[0]: {day: "750"}})
    retirement_id = _completed_retirement(redex_sandbox)
    pdf = harness.searchable_pdf(tmp_path / "odf.pdf")
    generation = tmp_path / "gen.csv"
    generation.write_text(
        f"RemoteInvId,Timestamp,PeriodProductionInKWh,AccumulatedEnergyInKWh\n"
        f"{device.inverters[1]},{day},12.5,12.5\n"
    )
    # Every value below is a Jinja expression: unrendered, each would be refused or not found.
    tasks = f"""
    RedexUploadDocumentOperator(task_id='upload', path="{{{{ '{pdf}' }}}}",
        filename="{{{{ 'odf-' ~ ds ~ '.pdf' }}}}")
    RedexCreateBeneficiaryOperator(task_id='ben',
        beneficiary={{**{BENEFICIARY!r}, 'BeneficiaryName': "{{{{ 'Jinja ' ~ dag.dag_id }}}}"}})
    RedexPushGenerationDataOperator(task_id='push', source="{{{{ '{generation}' }}}}",
        frequency="{{{{ 'daily' }}}}")
    RedexCreateRecApplicationOperator(task_id='apply', device_id="{{{{ '{device.device_id}' }}}}",
        vintage_from="{{{{ '{day}' }}}}", vintage_to="{{{{ '{day}' }}}}", quantity="{{{{ '0.5' }}}}")
    RedexDownloadRetirementCertificateOperator(task_id='cert',
        retirement_application_id="{{{{ '{retirement_id}' }}}}",
        destination="file://{tmp_path}/{{{{ ds }}}}/")
    """

    result = harness.run_dag(airflow_db, "templated_inputs", tasks)

    assert result.state == "success", result
    with harness.client(redex_sandbox) as redex:
        application = redex.rec_applications.get(result.xcoms["apply"])
        names = {b.name for b in redex.beneficiaries.list(search="Jinja")}
    assert (application.vintage_from.date(), application.quantity) == (day, Decimal("0.5"))
    assert names == {"Jinja templated_inputs"}
    assert result.xcoms["push"]["records_sent"] == 1
    token = redex_sandbox.token
    assert token not in repr(result.xcoms)
    assert token not in repr(_rendered_fields("templated_inputs"))


def _rendered_fields(dag_id: str) -> list[Any]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(RenderedTaskInstanceFields).where(RenderedTaskInstanceFields.dag_id == dag_id)
        ).all()
        fields = [row.rendered_fields for row in rows]
    assert len(fields) == 5  # one per task: the check above read something
    return fields
