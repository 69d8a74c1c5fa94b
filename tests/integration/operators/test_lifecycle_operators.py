"""Each lifecycle operator run by Airflow against the sandbox over real HTTP."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from tests.helpers import harness


def grouped_device(file_id: str, name: str, inverters: int = 2, capacity_kw: str = "9.9") -> dict[str, Any]:
    return {
        "CountryCode": "VN",
        "GroupedEnglishName": name,
        "GroupedLocalName": name,
        "Province": "VN-01",
        "Timezone": "UTC+07:00",
        "GenerationDataFrequency": "Daily",
        "Devices": [
            {
                "InstallationName": f"{name} roof 1",
                "Address": "1 Le Loi",
                "PostalCode": "700000",
                "Latitude": "22.3",
                "Longitude": "103.2",
                "GridConnectionDate": "2025-01-01",
                "OwnersDeclarationStartDate": "2025-01-01",
                "Domestic": False,
                "DeclarationFormFileId": file_id,
                "PercentageRenewable": "100",
                "Inverters": [
                    {
                        "RemoteInvId": f"{name}-INV-{i}",
                        "ElectronicSerialNumber": f"SN-{name}-{i}",
                        "BrandCode": "HW21",
                        "InstalledCapacity": capacity_kw,
                    }
                    for i in range(inverters)
                ],
            }
        ],
    }


def _upload(dags: Path, sandbox: Any, tmp_path: Path) -> str:
    pdf = harness.searchable_pdf(tmp_path / "odf.pdf")
    result = harness.run_dag(
        dags, f"upload_{tmp_path.name}", f"RedexUploadDocumentOperator(task_id='up', path={str(pdf)!r})"
    )
    assert result.state == "success", result
    return str(result.xcoms["up"]["file_id"])


def _register(dags: Path, tmp_path: Path, file_id: str, name: str, inverters: int = 2) -> str:
    device = grouped_device(file_id, name, inverters=inverters)
    result = harness.run_dag(
        dags,
        f"register_{name}",
        f"RedexRegisterGroupedDeviceOperator(task_id='reg', grouped_device={device!r})",
    )
    assert result.state == "success", result
    return str(result.xcoms["reg"])


def _write_daily_csv(path: Path, inverters: list[str], days: int, start: str = "2026-02-01") -> int:
    from datetime import date, timedelta

    first = date.fromisoformat(start)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"])
        for inverter in inverters:
            for day in range(days):
                writer.writerow(
                    [inverter, (first + timedelta(days=day)).isoformat(), "12.5", f"{12.5 * (day + 1):.3f}"]
                )
    return len(inverters) * days


# --- upload -----------------------------------------------------------------------------------


def test_upload_returns_file_id_and_validation_code(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    before = harness.records(redex_sandbox)["Documents"]
    pdf = harness.searchable_pdf(tmp_path / "odf.pdf")

    result = harness.run_dag(
        airflow_db, "upload_ok", f"RedexUploadDocumentOperator(task_id='up', path={str(pdf)!r})"
    )

    assert result.state == "success"
    assert set(result.xcoms["up"]) == {"file_id", "validation_code"}
    assert harness.records(redex_sandbox)["Documents"] == before + 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("odf.docx", b"PK\x03\x04 a word file"),
        ("odf.pdf", b"%PDF-1.4 scanned image only, no text layer"),
        ("big.pdf", None),
    ],
)
def test_upload_refuses_before_any_request(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = tmp_path / name
    if content is None:
        harness.searchable_pdf(path, pad_to=rules.MAX_UPLOAD_BYTES + 1)
    else:
        path.write_bytes(content)
    before = harness.requests_seen(redex_sandbox)

    result = harness.run_dag(
        airflow_db, f"upload_refused_{name}", f"RedexUploadDocumentOperator(task_id='up', path={str(path)!r})"
    )

    assert result.task_states["up"] == "failed"
    assert harness.requests_seen(redex_sandbox) == before


# --- device registration -------------------------------------------------------------------------


def test_register_grouped_device_returns_the_application_id(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    file_id = _upload(airflow_db, redex_sandbox, tmp_path)
    before = harness.records(redex_sandbox)["DeviceApplications"]

    application_id = _register(airflow_db, tmp_path, file_id, "SunA")

    assert harness.records(redex_sandbox)["DeviceApplications"] == before + 1
    assert redex_sandbox.admin("POST", f"applications/{application_id}/approve") is not None


def test_register_from_a_yaml_file(airflow_db: Path, redex_sandbox: Any, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    file_id = _upload(airflow_db, redex_sandbox, tmp_path)
    path = tmp_path / "device.yaml"
    path.write_text(yaml.safe_dump(grouped_device("", "SunYaml")))

    result = harness.run_dag(
        airflow_db,
        "register_yaml",
        f"RedexRegisterGroupedDeviceOperator(task_id='reg', grouped_device_file={str(path)!r}, "
        f"declaration_form_file_id={file_id!r})",
    )

    assert result.state == "success"
    assert isinstance(result.xcoms["reg"], str)


def test_register_refuses_a_device_over_the_capacity_rule_before_any_request(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    device = grouped_device("5428c55f-db08-400b-959f-08747d140a19", "TooBig", inverters=3, capacity_kw="100")
    before = harness.requests_seen(redex_sandbox)

    result = harness.run_dag(
        airflow_db,
        "register_too_big",
        f"RedexRegisterGroupedDeviceOperator(task_id='reg', grouped_device={device!r})",
    )

    assert result.task_states["reg"] == "failed"
    assert harness.requests_seen(redex_sandbox) == before


# --- generation data -----------------------------------------------------------------------------


def test_push_packs_records_across_inverters_and_returns_process_ids(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    file_id = _upload(airflow_db, redex_sandbox, tmp_path)
    app_id = _register(airflow_db, tmp_path, file_id, "SunPush", inverters=10)
    redex_sandbox.admin("POST", f"applications/{app_id}/approve")
    inverters = [f"SunPush-INV-{i}" for i in range(10)]
    total = _write_daily_csv(tmp_path / "gen.csv", inverters, days=320, start="2025-01-01")
    before = harness.records(redex_sandbox)["GenerationRecords"]

    result = harness.run_dag(
        airflow_db,
        "push_batched",
        f"""
        push = RedexPushGenerationDataOperator(task_id='push', source={str(tmp_path / "gen.csv")!r})
        RedexGenerationProcessSensor(task_id='wait', process_ids=push.output['process_ids'],
                                     poke_interval=0.2, timeout=60)
        """,
    )

    assert result.state == "success", result
    pushed = result.xcoms["push"]
    expected_requests = -(-total // rules.MAX_RECORDS_PER_REQUEST)
    assert pushed["records_total"] == pushed["records_sent"] == total
    assert pushed["requests"] == len(pushed["process_ids"]) == expected_requests
    assert result.xcoms["wait"]["process_ids"] == pushed["process_ids"]
    assert harness.records(redex_sandbox)["GenerationRecords"] == before + total


def test_push_refuses_bad_rows_naming_them_before_any_request(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    rows = [
        {
            "RemoteInvId": "A",
            "Timestamp": "2026-01-01",
            "PeriodProductionInKWh": "1.2345",
            "AccumulatedEnergyInKWh": 1,
        },
        {
            "RemoteInvId": "A",
            "Timestamp": "not a date",
            "PeriodProductionInKWh": 1,
            "AccumulatedEnergyInKWh": 2,
        },
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    before = harness.requests_seen(redex_sandbox)

    result = harness.run_dag(
        airflow_db, "push_bad", f"RedexPushGenerationDataOperator(task_id='push', source={str(path)!r})"
    )

    assert result.task_states["push"] == "failed"
    assert harness.requests_seen(redex_sandbox) == before


# --- beneficiaries and retirements --------------------------------------------------------------

BENEFICIARY = {
    "BeneficiaryType": "Corporate",
    "BeneficiaryName": "Acme Charging",
    "CountryCode": "SG",
    "CorporateName": "Acme Charging Pte",
    "CorporateAddress": "71 Ayer Rajah Crescent",
}


def test_beneficiary_is_reused_not_duplicated(airflow_db: Path, redex_sandbox: Any) -> None:
    before = harness.records(redex_sandbox)["Beneficiaries"]
    tasks = f"RedexCreateBeneficiaryOperator(task_id='ben', beneficiary={BENEFICIARY!r})"

    first = harness.run_dag(airflow_db, "beneficiary_1", tasks)
    second = harness.run_dag(airflow_db, "beneficiary_2", tasks)

    assert first.xcoms["ben"] == second.xcoms["ben"]
    assert harness.records(redex_sandbox)["Beneficiaries"] == before + 1


def _available(sandbox: Any) -> list[dict[str, Any]]:
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient

    with RedexClient(sandbox.url, BearerToken(sandbox.token)) as client:
        return [
            {
                "available": item.available,
                "vintage_year": item.vintage_year,
                "registry": item.registry.value.value,
            }
            for item in client.inventories.list_recs()
        ]


def test_retirement_checks_inventory_then_applies(airflow_db: Path, redex_sandbox: Any) -> None:
    item = _available(redex_sandbox)[0]
    before = harness.records(redex_sandbox)["RetirementApplications"]
    tasks = f"""
    ben = RedexCreateBeneficiaryOperator(task_id='ben', beneficiary={BENEFICIARY!r})
    RedexCreateRetirementOperator(task_id='retire', beneficiary_id=ben.output, quantity='0.5',
        reason='EV charging Q1', registry={item["registry"]!r}, vintage_year={item["vintage_year"]!r})
    """

    result = harness.run_dag(airflow_db, "retire_ok", tasks)

    assert result.state == "success", result
    assert harness.records(redex_sandbox)["RetirementApplications"] == before + 1


def test_retirement_fails_with_the_shortfall_and_creates_nothing(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    item = _available(redex_sandbox)[0]
    before = harness.records(redex_sandbox)["RetirementApplications"]
    too_much = item["available"] + 1
    tasks = f"""
    ben = RedexCreateBeneficiaryOperator(task_id='ben', beneficiary={BENEFICIARY!r})
    RedexCreateRetirementOperator(task_id='retire', beneficiary_id=ben.output, quantity={str(too_much)!r},
        reason='too much', registry={item["registry"]!r}, vintage_year={item["vintage_year"]!r})
    """

    result = harness.run_dag(airflow_db, "retire_short", tasks)

    assert result.task_states["retire"] == "failed"
    assert harness.records(redex_sandbox)["RetirementApplications"] == before
