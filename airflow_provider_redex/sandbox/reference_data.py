"""Fixed reference data: metadata lists, account profiles and billing records.

Derived from the account and the seed only, so every call answers the same, and two
sandboxes started with the same ``--seed`` and tokens answer alike. Values come from the
documented examples (API_REFERENCE.md 10, 13.16) where there are any.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from airflow_provider_redex.sandbox.config import Account

INVERTER_BRANDS = (
    ("AB01", "ABB"),
    ("FR01", "Fronius"),
    ("GW01", "GoodWe"),
    ("GR01", "Growatt"),
    ("HW21", "Huawei"),
    ("SM01", "SMA"),
    ("SE01", "SolarEdge"),
    ("SG01", "Sungrow"),
)
FUELS = (
    ("Solar", "SLR", "ES100"),
    ("Wind", "WND", "ES200"),
    ("Hydro", "HYD", "ES300"),
    ("Biomass", "BMS", "ES500"),
    ("Biogas", "BGS", "ES700"),
    ("Geothermal", "GTM", "ES400"),
)
TECHNOLOGIES = (
    ("Solar", "Solar: Photovoltaic", "ES100", "TC110"),
    ("Solar", "Solar: Concentration", "ES100", "TC120"),
    ("Wind", "Wind: Onshore", "ES200", "TC210"),
    ("Wind", "Wind: Offshore", "ES200", "TC220"),
    ("Hydro", "Hydro: Run-of-river", "ES300", "TC330"),
    ("Biogas", "Biogas: Landfill gas", "ES710", "TC410"),
)


def brands() -> list[dict[str, Any]]:
    return [{"Code": code, "Name": name} for code, name in INVERTER_BRANDS]


def fuel_types() -> list[dict[str, Any]]:
    return [
        {"FuelKind": name, "FuelName": name, "RedexFuelName": name, "Registry": registry, "ShortCode": short}
        for name, short, _ in FUELS
        for registry in ("IREC", "TIGR")
    ]


def technologies() -> list[dict[str, Any]]:
    return [
        {"FuelName": fuel, "FuelKind": kind, "FuelKindCode": code, "TechnologyCode": tech}
        for fuel, kind, code, tech in TECHNOLOGIES
    ]


def profile(account: Account) -> dict[str, Any]:
    short = account.account_id.hex[:8].upper()
    return {
        "Id": account.account_id,
        "ReferralCode": None,
        "AccountType": {"Value": "Normal", "Description": "Normal"},
        "EvidentTradeAccount": f"SBX{short[:5]}",
        "CompanyInfo": {
            "CompanyName": f"{account.name} Co., Ltd",
            "CompanyEnglishName": f"{account.name} Company Limited",
            "CompanyRegistrationNumber": f"SBX-{short}",
            "Address": "1 Sample Street",
            "Country": "Viet Nam",
            "Province": "Ho Chi Minh",
            "Email": f"ops+{short.lower()}@sandbox.invalid",
            "ContactNumber": "+84 28 0000 0000",
        },
        "ContactPerson": {
            "FirstName": "Sandbox",
            "LastName": "Operator",
            "JobTitle": "Asset Manager",
            "Email": f"operator+{short.lower()}@sandbox.invalid",
            "Country": "Viet Nam",
            "PostalCode": "700000",
            "City": "Ho Chi Minh City",
            "Address": "1 Sample Street",
        },
    }


def profile_documents(account: Account) -> list[dict[str, Any]]:
    return [
        {
            "Name": "business-registration.pdf",
            "Path": f"sandbox://profiles/{account.account_id}/business-registration.pdf",
        }
    ]


def _created(day: int) -> datetime:
    return datetime(2024, 1, day, 8, 0, 0)


def debts(account: Account) -> list[dict[str, Any]]:
    short = account.account_id.hex[:6].upper()
    return [
        {
            "Id": f"DEBT-{short}-0001",
            "FeeCode": "GASRG",
            "Status": {"Value": "Paid", "Description": "Paid"},
            "Currency": "USD",
            "Amount": Decimal("500.00"),
            "CreatedTime": _created(5),
        },
        {
            "Id": f"DEBT-{short}-0002",
            "FeeCode": "GRECR",
            "Status": {"Value": "Unpaid", "Description": "Unpaid"},
            "Currency": "USD",
            "Amount": Decimal("12.50"),
            "CreatedTime": _created(20),
        },
    ]


def fee_agreements(registry: str | None) -> dict[str, Any]:
    return {
        "Registry": registry or "IREC",
        "Currency": "USD",
        "RegistrationFee": Decimal("500.00"),
        "IssuanceFeePerRec": Decimal("0.025"),
        "RetirementFeePerRec": Decimal("0.015"),
    }


def invoices(account: Account) -> list[dict[str, Any]]:
    short = account.account_id.hex[:6].upper()
    return [
        {
            "InvoiceNumber": f"SBX-INV-{short}-0001",
            "Status": {"Value": "Paid", "Description": "Paid"},
            "TransactionType": {"Value": "AccountsPayable", "Description": "Accounts Payable"},
            "Currency": "USD",
            "Amount": Decimal("500.00"),
            "CreatedTime": _created(6),
        },
    ]


def payment_information(account: Account) -> list[dict[str, Any]]:
    return [
        {
            "Id": f"PAY-{account.account_id.hex[:6].upper()}",
            "IsActive": True,
            "Method": "BankTransfer",
            "Currency": "USD",
        }
    ]
