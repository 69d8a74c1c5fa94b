"""Request models: documented examples are accepted and round-trip; every documented rule is
refused before any request, naming the field and the rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.base import RequestModel
from airflow_provider_redex.client.models.common import PageQuery
from airflow_provider_redex.client.models.devices import GroupedDeviceApplicationRequest
from airflow_provider_redex.client.models.exchange import FilteredLimitOrderRequest, LimitOrderRequest
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    GenerationQuery,
    InverterDailyData,
    MonthlyGenerationBatch,
    PeriodSumQuery,
)
from airflow_provider_redex.client.models.inventory import AdvanceFilter
from airflow_provider_redex.client.models.rec_applications import GroupedDeviceRecApplicationRequest
from airflow_provider_redex.client.models.retirements import BeneficiaryRequest, RetirementRequest
from tests.helpers import request_samples as samples

TOMORROW = (date.today() + timedelta(days=2)).isoformat()


def _roundtrip(wire: Any) -> Any:
    return wire_json.loads(wire_json.dumps(wire))


@pytest.mark.parametrize(
    ("model", "sample"),
    [
        (GroupedDeviceApplicationRequest, samples.grouped_device),
        (GroupedDeviceRecApplicationRequest, samples.rec_application),
        (RetirementRequest, samples.retirement),
        (BeneficiaryRequest, samples.beneficiary),
        (LimitOrderRequest, samples.limit_order),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_documented_example_round_trips_to_the_same_wire_json(
    model: type[RequestModel], sample: Callable[[], dict[str, Any]]
) -> None:
    body = sample()
    assert _roundtrip(model.from_input(body).to_wire()) == body


@pytest.mark.parametrize(
    ("model", "sample"),
    [(InverterDailyData, samples.daily), (BatchGenerationRequest, samples.batch)],
    ids=["G1", "G2"],
)
def test_daily_examples_sent_as_strings_go_out_as_the_same_exact_numbers(
    model: type[RequestModel], sample: Callable[[], dict[str, Any]]
) -> None:
    body = sample()
    wire_text = wire_json.dumps(model.from_input(body).to_wire())
    assert '"PeriodProductionInKWh":0.123' in wire_text and '"AccumulatedEnergyInKWh":"' not in wire_text
    assert wire_json.loads(wire_text) == _energy_as_numbers(body)


def _energy_as_numbers(value: Any) -> Any:
    """The body with the kWh strings of REDEX's examples as the numbers they stand for (C19)."""
    if isinstance(value, list):
        return [_energy_as_numbers(item) for item in value]
    if isinstance(value, dict):
        return {k: Decimal(v) if k.endswith("InKWh") else _energy_as_numbers(v) for k, v in value.items()}
    return value


def test_monthly_example_round_trips_and_keeps_null_months() -> None:
    body = samples.monthly()
    body[0]["Data"]["PeriodProductionPerMonthInKWh"]["Dec"] = None
    assert _roundtrip(MonthlyGenerationBatch.from_input(body).to_wire()) == body


def test_grouped_device_accepts_declaration_form_alias_and_emits_file_id() -> None:
    body = samples.grouped_device()
    device = body["Devices"][0]
    device["DeclarationForm"] = device.pop("DeclarationFormFileId")
    wire = GroupedDeviceApplicationRequest.from_input(body).to_wire()
    assert str(wire["Devices"][0]["DeclarationFormFileId"]) == device["DeclarationForm"]


def test_redoc_beneficiary_sample_is_refused_for_its_blank_corporate_name() -> None:
    body = samples.beneficiary() | {"CorporateName": ""}
    with pytest.raises(RedexInputError) as caught:
        BeneficiaryRequest.from_input(body)
    assert caught.value.problems == [("CorporateName", "is required for a Corporate beneficiary")]


def _device(body: dict[str, Any]) -> dict[str, Any]:
    device: dict[str, Any] = body["Devices"][0]
    return device


def _inverter(body: dict[str, Any], index: int = 0) -> dict[str, Any]:
    inverter: dict[str, Any] = _device(body)["Inverters"][index]
    return inverter


def _many_inverters(body: dict[str, Any], count: int, capacity: str = "0.4") -> None:
    template = {"ElectronicSerialNumber": "SN", "BrandCode": "HW21", "InstalledCapacity": Decimal(capacity)}
    _device(body)["Inverters"] = [dict(template, RemoteInvId=f"INV{i}") for i in range(count)]


def _split_devices(body: dict[str, Any], per_device: int) -> None:
    inverters = _device(body)["Inverters"]
    template = _device(body)
    body["Devices"] = [
        dict(template, Inverters=inverters[i : i + per_device]) for i in range(0, len(inverters), per_device)
    ]


def _501_inverters_in_three_devices(body: dict[str, Any]) -> None:
    _many_inverters(body, 501)
    _split_devices(body, 250)


D1 = (GroupedDeviceApplicationRequest, samples.grouped_device)
G1 = (InverterDailyData, samples.daily)
G2 = (BatchGenerationRequest, samples.batch)
R3 = (GroupedDeviceRecApplicationRequest, samples.rec_application)
T2 = (RetirementRequest, samples.retirement)
T5 = (BeneficiaryRequest, samples.beneficiary)
X7 = (LimitOrderRequest, samples.limit_order)
G5 = (GenerationQuery, samples.generation_query)

Mutation = Callable[[Any], object]
REFUSALS: list[tuple[str, tuple[type[Any], Callable[[], Any]], Mutation, str, str]] = [
    # --- D1: grouped device -----------------------------------------------------------------
    (
        "unsupported country",
        D1,
        lambda b: b.update(CountryCode="TH", Province="TH-10"),
        "CountryCode",
        "supported only in",
    ),
    ("country not alpha-2", D1, lambda b: b.update(CountryCode="CHN"), "CountryCode", "at most 2 characters"),
    ("province of another country", D1, lambda b: b.update(Province="VN-01"), "Province", "is not in CN"),
    ("province too long", D1, lambda b: b.update(Province="P" * 21), "Province", "at most 20 characters"),
    (
        "empty grouped name",
        D1,
        lambda b: b.update(GroupedEnglishName=""),
        "GroupedEnglishName",
        "at least 1 character",
    ),
    (
        "grouped name too long",
        D1,
        lambda b: b.update(GroupedLocalName="n" * 256),
        "GroupedLocalName",
        "at most 255",
    ),
    ("timezone too long", D1, lambda b: b.update(Timezone="U" * 51), "Timezone", "at most 50 characters"),
    (
        "unknown frequency",
        D1,
        lambda b: b.update(GenerationDataFrequency="Hourly"),
        "GenerationDataFrequency",
        "'Daily' or 'Monthly'",
    ),
    ("no devices", D1, lambda b: b.update(Devices=[]), "Devices", "at least 1 item"),
    (
        "unknown field",
        D1,
        lambda b: b.update(RemoteDevId="x"),
        "RemoteDevId",
        "Extra inputs are not permitted",
    ),
    (
        "installation name too long",
        D1,
        lambda b: _device(b).update(InstallationName="i" * 256),
        "Devices[0].InstallationName",
        "at most 255",
    ),
    (
        "postal code too long",
        D1,
        lambda b: _device(b).update(PostalCode="1" * 256),
        "Devices[0].PostalCode",
        "at most 255",
    ),
    (
        "percentage above 100",
        D1,
        lambda b: _device(b).update(PercentageRenewable=Decimal("100.5")),
        "Devices[0].PercentageRenewable",
        "less than or equal to 100",
    ),
    (
        "percentage below 0",
        D1,
        lambda b: _device(b).update(PercentageRenewable=Decimal("-1")),
        "Devices[0].PercentageRenewable",
        "greater than or equal to 0",
    ),
    (
        "latitude out of range",
        D1,
        lambda b: _device(b).update(Latitude=Decimal("91")),
        "Devices[0].Latitude",
        "less than or equal to 90",
    ),
    (
        "longitude 7 decimals",
        D1,
        lambda b: _device(b).update(Longitude=Decimal("112.9823001")),
        "Devices[0].Longitude",
        "no more than 6 decimal places",
    ),
    (
        "grid connection in future",
        D1,
        lambda b: _device(b).update(GridConnectionDate=TOMORROW),
        "Devices[0].GridConnectionDate",
        "must not be in the future",
    ),
    (
        "declaration end before start",
        D1,
        lambda b: _device(b).update(OwnersDeclarationEndDate="2022-01-01"),
        "Devices[0].OwnersDeclarationEndDate",
        "must not be before",
    ),
    (
        "declaration file not a uuid",
        D1,
        lambda b: _device(b).update(DeclarationFormFileId="odf.pdf"),
        "Devices[0].DeclarationFormFileId",
        "valid UUID",
    ),
    (
        "device without inverters",
        D1,
        lambda b: _device(b).update(Inverters=[]),
        "Devices[0].Inverters",
        "at least 1 item",
    ),
    (
        "device over 250 kW",
        D1,
        lambda b: _inverter(b, 1).update(InstalledCapacity=Decimal("239.2")),
        "Devices[0].Inverters",
        "exceeds 250 kW (0.25 MW) per device",
    ),
    (
        "501 inverters in the group",
        D1,
        _501_inverters_in_three_devices,
        "Devices",
        "501 inverters; at most 500",
    ),
    (
        "zero capacity",
        D1,
        lambda b: _inverter(b, 1).update(InstalledCapacity=Decimal(0)),
        "Devices[0].Inverters[1].InstalledCapacity",
        "greater than 0",
    ),
    (
        "remote inverter id too long",
        D1,
        lambda b: _inverter(b, 1).update(RemoteInvId="R" * 101),
        "Devices[0].Inverters[1].RemoteInvId",
        "at most 100 characters",
    ),
    (
        "duplicate remote inverter id",
        D1,
        lambda b: _device(b)["Inverters"].append(dict(_inverter(b, 1))),
        "Devices[0].Inverters[2].RemoteInvId",
        "duplicate RemoteInvId",
    ),
    (
        "duplicate across devices",
        D1,
        lambda b: b["Devices"].append(dict(_device(b), Inverters=[dict(_inverter(b, 1))])),
        "Devices[1].Inverters[0].RemoteInvId",
        "duplicate RemoteInvId",
    ),
    (
        "replacement without end date",
        D1,
        lambda b: _inverter(b).pop("EffectiveEndDate"),
        "Devices[0].Inverters[0].EffectiveEndDate",
        "required when ReplacedByRemoteInvId is set",
    ),
    (
        "replacement in another device",
        D1,
        lambda b: _inverter(b).update(ReplacedByRemoteInvId="ElsewhereINV"),
        "Devices[0].Inverters[0].ReplacedByRemoteInvId",
        "same device",
    ),
    (
        "replaced by itself",
        D1,
        lambda b: _inverter(b).update(ReplacedByRemoteInvId="OldRM1000020003386274014"),
        "Devices[0].Inverters[0].ReplacedByRemoteInvId",
        "another inverter",
    ),
    (
        "start before grid connection",
        D1,
        lambda b: _inverter(b).update(EffectiveStartDate="2021-12-31"),
        "Devices[0].Inverters[0].EffectiveStartDate",
        "on or after the device's GridConnectionDate",
    ),
    (
        "start in future",
        D1,
        lambda b: _inverter(b, 1).update(EffectiveStartDate=TOMORROW),
        "Devices[0].Inverters[1].EffectiveStartDate",
        "must not be in the future",
    ),
    (
        "end not after start",
        D1,
        lambda b: _inverter(b).update(EffectiveEndDate="2022-01-01"),
        "Devices[0].Inverters[0].EffectiveEndDate",
        "must be after EffectiveStartDate",
    ),
    (
        "end before grid connection",
        D1,
        lambda b: _inverter(b).update(EffectiveStartDate=None, EffectiveEndDate="2021-06-01"),
        "Devices[0].Inverters[0].EffectiveEndDate",
        "on or after the device's GridConnectionDate",
    ),
    (
        "end in future",
        D1,
        lambda b: _inverter(b).update(EffectiveEndDate=TOMORROW),
        "Devices[0].Inverters[0].EffectiveEndDate",
        "must not be in the future",
    ),
    # --- G1 / G2: daily generation ----------------------------------------------------------
    (
        "4 decimal energy",
        G1,
        lambda b: b["Data"][0].update(PeriodProductionInKWh="0.1234"),
        "Data[0].PeriodProductionInKWh",
        "no more than 3 decimal places",
    ),
    (
        "negative energy",
        G1,
        lambda b: b["Data"][0].update(AccumulatedEnergyInKWh="-5"),
        "Data[0].AccumulatedEnergyInKWh",
        "greater than or equal to 0",
    ),
    (
        "future day",
        G1,
        lambda b: b["Data"][0].update(Timestamp=TOMORROW),
        "Data[0].Timestamp",
        "must not be in the future",
    ),
    ("same day twice", G1, lambda b: b["Data"].append(dict(b["Data"][0])), "Data[3].Timestamp", "sent twice"),
    (
        "3001 records for one inverter",
        G1,
        lambda b: b.update(Data=b["Data"] * 1001),
        "Data",
        "at most 3000 items",
    ),
    ("no records", G1, lambda b: b.update(Data=[]), "Data", "at least 1 item"),
    (
        "remote id too long",
        G1,
        lambda b: b.update(RemoteInvId="R" * 101),
        "RemoteInvId",
        "at most 100 characters",
    ),
    (
        "3001 records across inverters",
        G2,
        lambda b: b.update(Devices=[_days(f"INV{i}", 1500) for i in range(2)] + [_days("INV9", 1)]),
        "Devices",
        "3001 records in total; at most 3000",
    ),
    (
        "inverter twice in a batch",
        G2,
        lambda b: b["Devices"].append(dict(b["Devices"][0])),
        "Devices[1].RemoteInvId",
        "appears twice",
    ),
    # --- G5: generation query ---------------------------------------------------------------
    ("range over 3 months", G5, lambda b: b.update(ToDate="2023-06-02"), "ToDate", "at most 3 months"),
    ("range reversed", G5, lambda b: b.update(ToDate="2023-02-01"), "ToDate", "must not be before FromDate"),
    (
        "inverter level not daily",
        G5,
        lambda b: b.update(FrequencyType="Monthly"),
        "FrequencyType",
        "supports Daily only",
    ),
    ("page size 0", G5, lambda b: b.update(ItemsPerPage=0), "ItemsPerPage", "greater than or equal to 1"),
    ("page size 101", G5, lambda b: b.update(ItemsPerPage=101), "ItemsPerPage", "less than or equal to 100"),
    ("page 0", G5, lambda b: b.update(CurrentPage=0), "CurrentPage", "greater than or equal to 1"),
    # --- R3: REC application ----------------------------------------------------------------
    (
        "quantity 7 decimals",
        R3,
        lambda b: b.update(Quantity=Decimal("1.0000001")),
        "Quantity",
        "no more than 6 decimal places",
    ),
    (
        "quantity zero",
        R3,
        lambda b: b.update(Quantity=Decimal(0)),
        "Quantity",
        "greater than or equal to 0.000001",
    ),
    (
        "quantity above max",
        R3,
        lambda b: b.update(Quantity=Decimal("1000000")),
        "Quantity",
        "less than or equal to 999999.999999",
    ),
    (
        "window reversed",
        R3,
        lambda b: b.update(VintageTo="2000-01-01", VintageFrom="2000-02-01"),
        "VintageTo",
        "must not be before VintageFrom",
    ),
    (
        "window past the residual mix deadline",
        R3,
        lambda b: b.update(VintageFrom="2020-01-01", VintageTo="2020-01-31"),
        "VintageTo",
        "residual-mix deadline",
    ),
    ("no device id", R3, lambda b: b.pop("DeviceId"), "DeviceId", "Field required"),
    # --- T2: retirement ---------------------------------------------------------------------
    (
        "quantity above retirement max",
        T2,
        lambda b: b.update(Quantity=Decimal("10000000")),
        "Quantity",
        "less than or equal to 9999999.999999",
    ),
    (
        "retirement quantity 7 decimals",
        T2,
        lambda b: b.update(Quantity=Decimal("0.0000001")),
        "Quantity",
        "no more than 6 decimal places",
    ),
    ("reason too long", T2, lambda b: b.update(Reason="r" * 501), "Reason", "at most 500 characters"),
    ("unknown registry", T2, lambda b: b.update(Registry="GEC"), "Registry", "'IREC' or 'TIGR'"),
    (
        "consumption reversed",
        T2,
        lambda b: b.update(ConsumptionEndTime="2022-12-31T00:00:00Z"),
        "ConsumptionEndTime",
        "must not be before",
    ),
    (
        "rec items do not add up",
        T2,
        lambda b: b.update(RecItems=[{"RecItemId": "14258cf0-5474-40d2-3dcc-08dca7ada8da", "Quantity": 4}]),
        "RecItems",
        "add up to 4",
    ),
    (
        "bad country filter",
        T2,
        lambda b: b.update(Countries=["Vietnam"]),
        "Countries[0]",
        "at most 2 characters",
    ),
    # --- T5: beneficiary --------------------------------------------------------------------
    (
        "beneficiary name too long",
        T5,
        lambda b: b.update(BeneficiaryName="b" * 151),
        "BeneficiaryName",
        "at most 150 characters",
    ),
    (
        "address too long",
        T5,
        lambda b: b.update(CorporateAddress="a" * 256),
        "CorporateAddress",
        "at most 255 characters",
    ),
    (
        "corporate without address",
        T5,
        lambda b: b.pop("CorporateAddress"),
        "CorporateAddress",
        "required for a Corporate beneficiary",
    ),
    (
        "building without name",
        T5,
        lambda b: b.update(BeneficiaryType="Building", BuildingName=None),
        "BuildingName",
        "required for a Building beneficiary",
    ),
    (
        "personal without address",
        T5,
        lambda b: b.update(BeneficiaryType="Personal", PersonalAddress=" "),
        "PersonalAddress",
        "required for a Personal beneficiary",
    ),
    # --- X7: spot order ---------------------------------------------------------------------
    (
        "order quantity below 1",
        X7,
        lambda b: b.update(Quantity=Decimal("0.5")),
        "Quantity",
        "greater than or equal to 1",
    ),
    (
        "price below 0.01",
        X7,
        lambda b: b.update(Price=Decimal("0.001")),
        "Price",
        "greater than or equal to 0.01",
    ),
    ("market id 0", X7, lambda b: b.update(MarketId=0), "MarketId", "greater than or equal to 1"),
]


def _days(remote_inv_id: str, count: int) -> dict[str, Any]:
    first = date(2015, 1, 1)
    return {
        "RemoteInvId": remote_inv_id,
        "Data": [
            {
                "Timestamp": (first + timedelta(days=i)).isoformat(),
                "PeriodProductionInKWh": 1,
                "AccumulatedEnergyInKWh": i,
            }
            for i in range(count)
        ],
    }


@pytest.mark.parametrize(
    ("model_and_sample", "mutate", "field", "rule"),
    [pytest.param(case[1], case[2], case[3], case[4], id=case[0]) for case in REFUSALS],
)
def test_documented_rule_is_refused_naming_field_and_rule(
    model_and_sample: tuple[type[RequestModel], Callable[[], Any]], mutate: Mutation, field: str, rule: str
) -> None:
    model, sample = model_and_sample
    body = sample()
    mutate(body)
    with pytest.raises(RedexInputError) as caught:
        model.from_input(body)
    assert any(f == field and rule in r for f, r in caught.value.problems), caught.value.problems
    assert "nothing was sent" in str(caught.value)


def test_batch_of_exactly_3000_records_is_accepted() -> None:
    request = BatchGenerationRequest.from_input({"Devices": [_days("A", 1500), _days("B", 1500)]})
    assert request.record_count == 3000


def test_group_of_exactly_500_inverters_at_250_kw_per_device_is_accepted() -> None:
    body = samples.grouped_device()
    _many_inverters(body, 500, capacity="2.5")
    _split_devices(body, 100)  # 100 x 2.5 kW = 250 kW per device: the limit itself
    assert GroupedDeviceApplicationRequest.from_input(body).inverter_count == 500


def test_monthly_batch_refuses_an_inverter_year_twice() -> None:
    body = samples.monthly() * 2
    with pytest.raises(RedexInputError) as caught:
        MonthlyGenerationBatch.from_input(body)
    assert caught.value.problems[0][0] == "[1]" and "appears twice" in caught.value.problems[0][1]


@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [
        ({"VintageFrom": "2024-01", "VintageTo": "2024-02-01"}, "VintageTo", "same format"),
        ({"VintageFrom": "2024-03", "VintageTo": "2024-02"}, "VintageTo", "must not be before"),
        ({"VintageFrom": "2024/01", "VintageTo": "2024-02"}, "VintageFrom", "should match pattern"),
    ],
)
def test_period_sum_query_rules(query: dict[str, str], field: str, rule: str) -> None:
    with pytest.raises(RedexInputError) as caught:
        PeriodSumQuery.from_input(query)
    assert any(f == field and rule in r for f, r in caught.value.problems), caught.value.problems


def test_advance_filter_month_window_and_filtered_order_minimum() -> None:
    with pytest.raises(RedexInputError) as caught:
        AdvanceFilter.from_input({"VintageMonthFrom": 13})
    assert caught.value.problems[0][0] == "VintageMonthFrom"
    order = {
        "TickerId": "VN.24.SLR.i",
        "OrderSide": "Buy",
        "Quantity": Decimal("0.001"),
        "Price": 1,
        "MarketId": 1,
    }
    with pytest.raises(RedexInputError) as caught:
        FilteredLimitOrderRequest.from_input(order)
    assert caught.value.problems == [("Quantity", "Input should be greater than or equal to 0.01")]


def test_page_query_defaults_and_drops_paging_from_filter_params() -> None:
    query = PageQuery.from_input({"is_descending": False})
    assert (query.current_page, query.items_per_page) == (1, 100)
    assert query.filter_params() == {"IsDescending": "false"}
