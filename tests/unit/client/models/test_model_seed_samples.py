"""Every response sample of the REDEX seed pages parses, field by field, with exact decimals."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.models.common import DeviceType, PageMeta, Registry
from airflow_provider_redex.client.models.inventory import (
    RecItem,
    RecItemType,
    RecTransaction,
    RecTransactionType,
)
from airflow_provider_redex.client.models.rec_applications import RecApplication, RecApplicationStatus
from airflow_provider_redex.client.models.retirements import RetirementApplication, RetirementStatus

SEEDS = Path(__file__).parents[3] / "fixtures" / "seeds"


def _envelope(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = wire_json.loads((SEEDS / name).read_text(encoding="utf-8"))
    return loaded


def test_rec_inventory_item_parses_every_field() -> None:
    envelope = _envelope("rec_inventory.json")
    item = RecItem.model_validate(envelope["Data"][0])

    assert item.id == UUID("326be15c-795e-4c33-26f0-08dbf7dca95f")
    assert item.device_id == UUID("f26be15c-795e-4c33-26f0-08dbf7dca95f")
    assert item.device_name == "Sentosa Fun Pass Singapore"
    assert item.device_unique_id == "SG-SOLAR-11012021-2540515487"
    assert item.registry_id == "GFNIES10001"
    assert item.serial_number == "IREC-GFNIES10001-SG-2021-1106-1110-1767.250000 to 1768.249999"
    assert item.total == Decimal(1) and item.balance == Decimal(1) and item.available == Decimal(1)
    for bucket in (
        item.on_sale,
        item.on_retirement,
        item.on_exporting,
        item.on_auction,
        item.retired,
        item.exported,
    ):
        assert bucket == Decimal(0) and isinstance(bucket, Decimal)
    assert item.vintage_from == datetime(2021, 11, 6, tzinfo=timezone.utc) and item.vintage_to == datetime(
        2021, 11, 10, tzinfo=timezone.utc
    )
    assert (item.country_code, item.fuel_type, item.energy_value) == ("SG", "Solar", "Solar")
    assert item.vintage_year == 2021 and item.trading_count == 1
    assert item.rec_item_type is RecItemType.ISSUED
    assert item.registry.value is Registry.IREC and item.registry.description == "I-REC"


def test_rec_inventory_meta_parses() -> None:
    meta = PageMeta.model_validate(_envelope("rec_inventory.json")["Meta"])
    assert (meta.current_page, meta.total_page, meta.items_per_page, meta.total_items) == (5, 7, 1, 64)


def test_rec_transaction_parses_with_exact_tiny_total() -> None:
    envelope = _envelope("rec_transaction_history.json")
    tx = RecTransaction.model_validate(envelope["Data"][0])

    assert tx.transaction_id == "TRANS-IREC-RETI-20240522-50N5-00004"
    assert tx.transaction_time == datetime(2024, 5, 22, 6, 54, 51, 863000, tzinfo=timezone.utc)
    assert tx.type.value is RecTransactionType.RETIREMENT and tx.type.description == "Retirement"
    assert tx.registry is not None and tx.registry.value is Registry.IREC
    assert tx.notes == ""
    (detail,) = tx.details
    assert detail.asset_name == "Khanh Hoa K1234 Looming"
    assert detail.serial_number == "IREC-KHANES20001-VN-2020-0101-0530-1.066602 to 1.069015"
    assert (detail.country_code, detail.energy) == ("VN", "Wind")
    assert detail.vintage == 2020  # sent as the string "2020" (C20)
    assert detail.total == Decimal("0.002414") and str(detail.total) == "0.002414"
    assert detail.rec_prefix == "IREC-KHANES20001-VN-2020-0101-0530"
    assert detail.vintage_from == datetime(
        2020, 1, 1, 17, tzinfo=timezone.utc
    ) and detail.vintage_to == datetime(2020, 5, 30, 17, tzinfo=timezone.utc)
    assert PageMeta.model_validate(envelope["Meta"]).total_items == 46


def test_rec_applications_parse_with_statuses_and_exact_quantities() -> None:
    first, second = (RecApplication.model_validate(raw) for raw in _envelope("rec_applications.json")["Data"])

    assert first.id == UUID("e37c097c-8f11-4878-afe3-08dc8c17656c")
    assert first.application_number == "1000000183401473"
    assert first.device_name == "1 devices Sunny LM108"
    assert (first.country_code, first.energy) == ("TH", "Solar")
    assert first.registry.value is Registry.IREC
    assert first.quantity == Decimal("46.593388") and str(first.quantity) == "46.593388"
    assert (
        first.status.value is RecApplicationStatus.IN_PROGRESS and first.status.description == "In-Progress"
    )
    assert not first.status.value.is_terminal
    assert first.vintage_from == datetime(2022, 6, 13, tzinfo=timezone.utc) and first.vintage_to == datetime(
        2022, 6, 30, tzinfo=timezone.utc
    )
    assert first.device_type is not None and first.device_type.value is DeviceType.GROUPED
    assert (first.province_code, first.fuel_type) == ("Nonthaburi", "Group Solar Rooftop")
    assert first.device_id is None and first.review_comment is None

    assert second.quantity == Decimal(1000)
    assert second.status.value is RecApplicationStatus.APPROVED and second.status.value.is_success
    assert second.device_type is not None and second.device_type.value is DeviceType.NORMAL
    assert second.province_code == "Kedah"


def test_retirement_detail_parses_every_field() -> None:
    app = RetirementApplication.model_validate(_envelope("retirement_application_detail.json")["Data"])

    assert app.id == UUID("01ab8d59-bb82-4e72-8fc9-08dca7dbff0f")
    assert app.application_number == "1000001970675219"
    assert app.amount == Decimal(10)
    assert app.beneficiary_id == UUID("510eb542-f59d-406f-02be-08dc6f09550a")
    assert app.beneficiary_name == "GrabVietNam 1"
    assert (app.energy, app.country_code, app.invoice_number) == ("", "", "")
    assert app.vintage_year == 2023
    assert app.status.value is RetirementStatus.COMPLETED and app.status.value.is_success
    assert app.registry is not None and app.registry.value is Registry.IREC
    assert app.reason == "Retire 10MWh for charging Electric Vehicles"
    assert app.name_to_appear_on_certificate == "GrabVietNam 1"
    # seven fractional digits: the last one is dropped, the instant is kept to the microsecond
    assert app.completed_time == datetime(2024, 7, 22, 7, 24, 37, 400679, tzinfo=timezone.utc)
    assert app.decision_time == datetime(2024, 7, 22, 7, 24, 37, 400678, tzinfo=timezone.utc)
    assert app.created_time == datetime(2024, 7, 22, 7, 24, 36, 740000, tzinfo=timezone.utc)
    assert app.updated_time == datetime(2024, 7, 22, 7, 24, 56, 97000, tzinfo=timezone.utc)
    assert app.blob_content is not None and app.blob_content.endswith(
        "REDEX-RETIREMENTCERTIFICATE-2024-07-22-00003.pdf"
    )
    assert app.verification_url is None and app.verification_key is None
    (item,) = app.retired_items
    assert (item.country_code, item.fuel_type) == ("VN", "Solar")
    assert item.asset_name == "28MW Jinkouba Hydropower Project Moonlight"
    assert item.device_unique_id == "VN-SOLAR-01012023-4323470114"
    assert item.province_code is None and item.is_owner_asset is False
    assert item.vintage_year == 2023 and item.trading_count == 0
    assert item.rec_item_id == UUID("14258cf0-5474-40d2-3dcc-08dca7ada8da")
    assert item.rec_item_type is RecItemType.IMPORTED
    assert item.serial_numbers == "IREC-28MWES10000-VN-2023-0101-1231"
    assert item.quantity == Decimal(10)


def test_decimals_read_from_numeric_strings_as_well_as_numbers() -> None:
    raw = _envelope("rec_transaction_history.json")["Data"][0]
    raw["Details"][0]["Total"] = "0.002414"
    assert RecTransaction.model_validate(raw).details[0].total == Decimal("0.002414")


def test_response_to_wire_round_trips_seed_with_nulls_kept() -> None:
    raw = _envelope("retirement_application_detail.json")["Data"]
    wire = wire_json.loads(wire_json.dumps(RetirementApplication.model_validate(raw).to_wire()))
    assert wire["VerificationUrl"] is None
    assert wire["Amount"] == Decimal(10)
    assert wire["Status"] == {"Value": "Completed", "Description": "Completed"}
    assert RetirementApplication.model_validate(wire) == RetirementApplication.model_validate(raw)


def test_unknown_response_fields_are_kept() -> None:
    raw = dict(_envelope("rec_applications.json")["Data"][0], NewField="x")
    assert RecApplication.model_validate(raw).model_extra == {"NewField": "x"}
