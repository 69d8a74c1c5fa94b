"""The REC lifecycle walked over real HTTP with the real client: every state machine, end to end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests

from airflow_provider_redex.client.errors import (
    RedexBadRequestError,
    RedexPermissionError,
    RedexUnprocessableError,
)
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.models.rec_applications import RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementStatus
from airflow_provider_redex.sandbox.server import RunningSandbox
from tests.helpers.sandbox_walks import (
    PDF,
    TOKEN,
    Api,
    approved_group,
    daily,
    fast_config,
    grouped_device,
    push,
    vintage_days,
)


def test_full_lifecycle_from_document_to_retirement_certificate(
    redex_client: Any, sandbox: RunningSandbox
) -> None:
    client = redex_client
    application_id, device_id = approved_group(client, sandbox, "LIFE-INV-1", "LIFE-INV-2")
    days = vintage_days()
    assert push(client, daily("LIFE-INV-1", days, "1000.500")) is ProcessStatus.SUCCESS
    assert push(client, daily("LIFE-INV-2", days, "499.500")) is ProcessStatus.SUCCESS

    created = client.rec_applications.create_for_grouped_device(
        {"VintageFrom": days[0], "VintageTo": days[-1], "DeviceId": device_id}
    )
    rec = client.rec_applications.get(created.id)
    assert rec.status.value is RecApplicationStatus.IN_PROGRESS
    assert rec.quantity == Decimal("15")  # 10 days x 1500 kWh = 15 MWh
    sandbox.admin("POST", f"applications/{created.id}/approve")
    assert client.rec_applications.get(created.id).status.value is RecApplicationStatus.APPROVED

    issued = [item for item in client.inventories.list_recs() if str(item.device_id) == device_id]
    assert len(issued) == 1 and issued[0].available == Decimal("15")
    assert issued[0].serial_number.endswith("-1.000000 to 15.999999")

    beneficiary = client.beneficiaries.create(
        {
            "BeneficiaryType": "Personal",
            "BeneficiaryName": "Jane",
            "CountryCode": "VN",
            "PersonalName": "Jane Doe",
            "PersonalAddress": "3 Road",
        }
    )
    retirement = client.retirements.create(
        {
            "BeneficiaryId": beneficiary.id,
            "Quantity": "4.5",
            "Reason": "EV charging",
            "Registry": "IREC",
            "RecItems": [{"RecItemId": issued[0].id, "Quantity": "4.5"}],
        }
    )
    locked = next(i for i in client.inventories.list_recs() if i.id == issued[0].id)
    assert (locked.available, locked.on_retirement, locked.balance) == (
        Decimal("10.5"),
        Decimal("4.5"),
        Decimal(15),
    )

    sandbox.admin("POST", f"applications/{retirement.id}/approve")
    done = client.retirements.get(retirement.id)
    assert done.status.value is RetirementStatus.COMPLETED
    after = next(i for i in client.inventories.list_recs() if i.id == issued[0].id)
    assert (after.available, after.on_retirement, after.retired, after.balance) == (
        Decimal("10.5"),
        Decimal(0),
        Decimal("4.5"),
        Decimal("10.5"),
    )
    certificate = requests.get(done.blob_content, timeout=10)
    assert certificate.headers["content-type"] == "application/pdf"
    assert certificate.content.startswith(b"%PDF-1.4") and certificate.content.rstrip().endswith(b"%%EOF")

    kinds = [t.type.value.value for t in client.inventories.list_transactions(device_id=device_id)]
    assert kinds == ["Issuance", "Retirement"]
    assert application_id


def test_generation_for_unknown_inverter_fails_and_stores_nothing(redex_client: Any) -> None:
    days = vintage_days()
    assert push(redex_client, daily("NOT-REGISTERED", days, "1.000")) is ProcessStatus.FAILED
    stored = list(redex_client.generation.list(frequency_type="Daily", from_date=days[0], to_date=days[-1]))
    assert stored == []


def test_generation_before_the_effective_start_fails(redex_client: Any, sandbox: RunningSandbox) -> None:
    approved_group(redex_client, sandbox, "EARLY-INV")
    assert push(redex_client, daily("EARLY-INV", [date(2022, 12, 31)], "1.000")) is ProcessStatus.FAILED


def test_a_resent_day_overwrites_instead_of_doubling(redex_client: Any, sandbox: RunningSandbox) -> None:
    _, device_id = approved_group(redex_client, sandbox, "OVER-INV")
    days = vintage_days()
    push(redex_client, daily("OVER-INV", days, "100.000"))
    push(redex_client, daily("OVER-INV", days[:1], "250.000"))
    total = redex_client.generation.sum_period(device_id, vintage_from=days[0], vintage_to=days[-1])
    assert total.total_period_production_in_kwh == Decimal("1150")


def test_overlapping_rec_window_is_refused_with_422(redex_client: Any, sandbox: RunningSandbox) -> None:
    _, device_id = approved_group(redex_client, sandbox, "OVL-INV")
    days = vintage_days()
    push(redex_client, daily("OVL-INV", days, "1000.000"))
    redex_client.rec_applications.create_for_grouped_device(
        {"VintageFrom": days[0], "VintageTo": days[4], "DeviceId": device_id}
    )
    with pytest.raises(RedexUnprocessableError):
        redex_client.rec_applications.create_for_grouped_device(
            {"VintageFrom": days[4], "VintageTo": days[9], "DeviceId": device_id}
        )


def test_rec_quantity_above_generation_is_refused(redex_client: Any, sandbox: RunningSandbox) -> None:
    _, device_id = approved_group(redex_client, sandbox, "QTY-INV")
    days = vintage_days()
    push(redex_client, daily("QTY-INV", days, "100.000"))
    with pytest.raises(RedexBadRequestError) as refused:
        redex_client.rec_applications.create_for_grouped_device(
            {"VintageFrom": days[0], "VintageTo": days[-1], "DeviceId": device_id, "Quantity": "1.000001"}
        )
    assert refused.value.errors[0]["Field"] == "Quantity"


def test_declined_device_application_carries_the_reason(redex_client: Any, sandbox: RunningSandbox) -> None:
    document = redex_client.documents.upload(PDF, filename="odf.pdf")
    created = redex_client.device_applications.create_grouped(grouped_device(str(document.id), "DECL-INV"))
    sandbox.admin("POST", f"applications/{created.id}/reject", {"Reason": "ODF unreadable"})
    application = redex_client.device_applications.get(created.id)
    assert application.status.value is DeviceApplicationStatus.DECLINED
    assert application.review_comment == "ODF unreadable" and application.device_id is None


def test_returned_retirement_gives_the_quantity_back(redex_client: Any, sandbox: RunningSandbox) -> None:
    beneficiary = next(iter(redex_client.beneficiaries.list()))
    item = next(iter(redex_client.inventories.list_recs()))
    retirement = redex_client.retirements.create(
        {
            "BeneficiaryId": beneficiary.id,
            "Quantity": "7",
            "Reason": "x",
            "Registry": "IREC",
            "VintageYear": item.vintage_year,
        }
    )
    sandbox.admin("POST", f"applications/{retirement.id}/return", {"Reason": "wrong year"})
    assert redex_client.retirements.get(retirement.id).status.value is RetirementStatus.RETURNED
    assert (
        next(i for i in redex_client.inventories.list_recs() if i.id == item.id).available == item.available
    )


def test_retiring_more_than_available_is_refused(redex_client: Any) -> None:
    beneficiary = next(iter(redex_client.beneficiaries.list()))
    with pytest.raises(RedexUnprocessableError):
        redex_client.retirements.create(
            {"BeneficiaryId": beneficiary.id, "Quantity": "100000", "Reason": "x", "Registry": "IREC"}
        )


def test_another_accounts_application_is_forbidden(
    redex_client: Any, sandbox: RunningSandbox, other_api: Any
) -> None:
    document = redex_client.documents.upload(PDF, filename="odf.pdf")
    created = redex_client.device_applications.create_grouped(grouped_device(str(document.id), "MINE-INV"))
    answer = other_api.call("device_applications.get", path={"deviceApplicationId": created.id})
    assert answer.status_code == 403 and answer.json()["Message"] == "Forbidden"
    with pytest.raises(RedexPermissionError):
        redex_client.retirements.get(_other_accounts_retirement(sandbox, other_api))


def _other_accounts_retirement(sandbox: RunningSandbox, other_api: Any) -> str:
    beneficiary = other_api.call("beneficiaries.list").json()["Data"][0]["Id"]
    body = {"BeneficiaryId": beneficiary, "Quantity": 1, "Reason": "x", "Registry": "IREC"}
    return str(other_api.call("retirements.create", json=body).json()["Data"]["Id"])


def test_auto_approval_after_the_scaled_delay(start_sandbox: Any) -> None:
    running = start_sandbox(fast_config(approve_after=0.0))
    api = Api(running.url, TOKEN)
    file_id = api.call("documents.upload", files={"File": ("odf.pdf", PDF, "application/pdf")}).json()[
        "Data"
    ]["Id"]
    created = api.call("device_applications.create_grouped", json=_json(grouped_device(file_id, "AUTO-INV")))
    status = api.call("device_applications.get", path={"deviceApplicationId": created.json()["Data"]["Id"]})
    assert status.json()["Data"]["Status"]["Value"] == "Approved"


def _json(body: dict[str, Any]) -> Any:
    import json

    from airflow_provider_redex.client import wire_json

    return json.loads(wire_json.dumps(body))
