"""Valid request bodies, as REDEX documents them (API_REFERENCE), for the model and resource tests.

Each function returns a fresh dict in wire form (parsed with exact decimals), so a test can
break one field and see that exact rule refused.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from airflow_provider_redex.client import wire_json

REPLACEMENT_INVERTERS = """[
  { "RemoteInvId": "OldRM1000020003386274014", "ElectronicSerialNumber": "HW2343243244414",
    "BrandCode": "HW21", "OtherBrandName": "", "InstalledCapacity": 10.9,
    "EffectiveStartDate": "2022-01-01", "EffectiveEndDate": "2024-02-01",
    "ReplacedByRemoteInvId": "NewRM1000020898439275847" },
  { "RemoteInvId": "NewRM1000020898439275847", "ElectronicSerialNumber": "HW8984392758437",
    "BrandCode": "HW21", "OtherBrandName": "", "InstalledCapacity": 9.9,
    "EffectiveStartDate": "2024-02-02" }
]"""
"""The inverters block of the Redoc replacement scenario (API_REFERENCE 4.1)."""


def grouped_device() -> dict[str, Any]:
    """D1: the Redoc top level, with one device built from the W14 example and the inverters above."""
    device = {
        "InstallationName": "Kong Meng San Phor Kark See Monastery",
        "Address": "88 Bright Hill Road",
        "PostalCode": "431231",
        "Latitude": wire_json.loads("28.194100"),
        "Longitude": wire_json.loads("112.982300"),
        "GridConnectionDate": "2022-01-01",
        "OwnersDeclarationStartDate": "2022-05-15",
        "OwnersDeclarationEndDate": "2022-10-15",
        "Domestic": False,
        "FeedInTariff": False,
        "DeclarationFormFileId": "a70fa68f-58a9-46d1-a338-f2e023af3194",
        "PercentageRenewable": wire_json.loads("45.55"),
        "Inverters": wire_json.loads(REPLACEMENT_INVERTERS),
    }
    top: dict[str, Any] = wire_json.loads(
        '{ "CountryCode": "CN", "GroupedEnglishName": "Sun LM101", "GroupedLocalName": "Sun LM101",'
        ' "Province": "CN-HN", "Timezone": "UTC+08:00", "GenerationDataFrequency": "Daily", "Devices": [ ] }'
    )
    top["Devices"].append(device)
    return top


def daily() -> dict[str, Any]:
    """G1: the wiki example (values as JSON strings, as REDEX's own examples send them)."""
    loaded: dict[str, Any] = wire_json.loads(
        '{ "Data": [ { "Timestamp": "2023-05-01", "PeriodProductionInKWh": "0.123",'
        ' "AccumulatedEnergyInKWh": "5.123" },'
        ' { "Timestamp": "2023-05-02", "PeriodProductionInKWh": "0.234", "AccumulatedEnergyInKWh": "5.357" },'
        ' { "Timestamp": "2023-05-03", "PeriodProductionInKWh": "0.456",'
        ' "AccumulatedEnergyInKWh": "5.813" } ],'
        ' "RemoteInvId": "STR10000000338444" }'
    )
    return loaded


def batch() -> dict[str, Any]:
    """G2: the wiki example."""
    loaded: dict[str, Any] = wire_json.loads(
        '{ "Devices": [ { "RemoteInvId": "STR10000000338444",'
        ' "Data": [ { "Timestamp": "2023-05-01", "PeriodProductionInKWh": "0.123",'
        ' "AccumulatedEnergyInKWh": "5.123" },'
        ' { "Timestamp": "2023-05-02", "PeriodProductionInKWh": "0.234",'
        ' "AccumulatedEnergyInKWh": "5.357" } ] } ] }'
    )
    return loaded


def monthly() -> list[dict[str, Any]]:
    """G3: the wiki element inside the array Redoc requires."""
    loaded: list[dict[str, Any]] = wire_json.loads(
        '[ { "RemoteInvId": "RM10000203212003543386274014-INV02",'
        ' "Data": { "Year": 2023, "PeriodProductionPerMonthInKWh": {'
        ' "Jan": 321.111, "Feb": 211.222, "Mar": 211.333, "Apr": 221.444, "May": 311.555, "Jun": 211.666,'
        ' "Jul": 189.777, "Aug": 221.888, "Sep": 231.999, "Oct": 311.109, "Nov": 321.111,'
        ' "Dec": 171.121 } } } ]'
    )
    return loaded


def rec_application() -> dict[str, Any]:
    """R3: the wiki example's shape, with a window REDEX still accepts today (the wiki's is from 2023)."""
    start = date.today() - timedelta(days=40)
    return {
        "VintageFrom": start.isoformat(),
        "VintageTo": (start + timedelta(days=9)).isoformat(),
        "DeviceId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "Quantity": wire_json.loads("999999.999999"),
    }


def retirement() -> dict[str, Any]:
    """T2: the wiki example."""
    loaded: dict[str, Any] = wire_json.loads(
        '{ "BeneficiaryId": "510eb542-f59d-406f-02be-08dc6f09550a", "VintageYear": 2023, "Quantity": 10,'
        ' "Reason": "Retire 10MWh for charging Electric Vehicles", "Registry": "IREC",'
        ' "ConsumptionStartTime": "2023-01-01T00:01:00Z", "ConsumptionEndTime": "2023-01-31T00:01:00Z",'
        ' "Countries": ["VN"], "EnergyValues": ["Solar"] }'
    )
    return loaded


def beneficiary() -> dict[str, Any]:
    """T5: the Redoc sample with ``CorporateName`` filled in (the sample leaves it ``""``)."""
    return {
        "BeneficiaryType": "Corporate",
        "BeneficiaryName": "Redex Company",
        "CountryCode": "SG",
        "CorporateName": "Redex Company Pte Ltd",
        "CorporateAddress": "Blk 71 Ayer Rajah Crescent#06-15 Singapore 139951",
        "BuildingOwnerName": "HN",
        "BuildingName": "Us Building",
        "BuildingAddress": "Blk 71 Ayer Rajah Crescent#06-15 Singapore 139951",
        "PersonalName": "Hao Nguyen",
        "PersonalAddress": "Blk 71 Ayer Rajah Crescent#06-15 Singapore 139951",
    }


def limit_order() -> dict[str, Any]:
    """X7: the Redoc sample."""
    loaded: dict[str, Any] = wire_json.loads(
        '{"TickerId":"MY.24.GTM.t","DeliveryType":"Spot","Quantity":10.012123,"Price":5,"OrderSide":"Sell","MarketId":1}'
    )
    return loaded


def generation_query() -> dict[str, Any]:
    """G5: the Redoc example parameters."""
    return {
        "FrequencyType": "Daily",
        "RemoteInvId": "UNIQ8888888",
        "FromDate": "2023-03-01",
        "ToDate": "2023-05-01",
    }
