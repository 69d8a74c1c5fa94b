"""A small history for every account, so a fresh sandbox has something to list.

Built through the same store calls a client's requests go through (the same models, the
same rules), then decided at once: an approved grouped device with two inverters, 100 RECs
of last year's vintage imported from another platform (a ``Listing`` transaction), and one
corporate beneficiary.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from airflow_provider_redex.client.models.common import Registry
from airflow_provider_redex.client.models.devices import GroupedDeviceApplicationRequest
from airflow_provider_redex.client.models.inventory import RecItemType, RecTransactionType
from airflow_provider_redex.client.models.retirements import BeneficiaryRequest
from airflow_provider_redex.sandbox.certificate import CertificateText, render_pdf
from airflow_provider_redex.sandbox.config import Account
from airflow_provider_redex.sandbox.state.common import Decision
from airflow_provider_redex.sandbox.state.inventory import RecItemRecord

if TYPE_CHECKING:
    from airflow_provider_redex.sandbox.state.store import SandboxState


def add_samples(state: SandboxState, account: Account) -> None:
    now = state.clock.now()
    odf = render_pdf(CertificateText("Owner Declaration Form (sample)", [account.name]))
    document = state.documents.upload(account.account_id, "owner-declaration-form.pdf", odf)
    request = GroupedDeviceApplicationRequest.from_input(_grouped_device(account, str(document.id)))
    application = state.devices.register(account.account_id, request, now)
    state.devices.decide(application, Decision.APPROVE, "sample data", now)
    year = state.clock.today().year - 1
    item = state.inventory.issue(
        RecItemRecord(
            id=state.ids.uuid(),
            account_id=account.account_id,
            device_id=application.grouped_device_id,
            device_name=request.grouped_english_name,
            device_unique_id=application.unique_id,
            registry_id=application.registry_id,
            registry=Registry.IREC,
            rec_prefix=f"IREC-{application.registry_id}-VN-{year}-0101-1231",
            serial_number=f"IREC-{application.registry_id}-VN-{year}-0101-1231-1.000000 to 100.999999",
            total=Decimal("100"),
            vintage_from=date(year, 1, 1),
            vintage_to=date(year, 12, 31),
            country_code="VN",
            fuel_type="Solar",
            energy_value="Solar",
            province=request.province,
            created=now,
            item_type=RecItemType.IMPORTED,
        )
    )
    state.inventory.record(
        account.account_id, RecTransactionType.LISTING, Registry.IREC, [(item, item.total)], now
    )
    beneficiary = BeneficiaryRequest.from_input(
        {
            "BeneficiaryType": "Corporate",
            "BeneficiaryName": f"{account.name} Customer",
            "CountryCode": "VN",
            "CorporateName": f"{account.name} Customer Ltd",
            "CorporateAddress": "1 Sample Street, Ho Chi Minh City",
        }
    )
    state.retirements.add_beneficiary(account.account_id, beneficiary, now)


def _grouped_device(account: Account, file_id: str) -> dict[str, object]:
    def inverter(n: int) -> dict[str, object]:
        return {
            "RemoteInvId": f"SAMPLE-{account.account_id.hex[:8]}-INV{n:02d}",
            "ElectronicSerialNumber": f"HW{n:013d}",
            "BrandCode": "HW21",
            "InstalledCapacity": Decimal("9.9"),
        }

    return {
        "CountryCode": "VN",
        "GroupedEnglishName": f"{account.name} Rooftops",
        "GroupedLocalName": f"{account.name} Rooftops",
        "Province": "VN-SG",
        "Timezone": "UTC+07:00",
        "GenerationDataFrequency": "Daily",
        "Devices": [
            {
                "InstallationName": "Sample Warehouse Roof",
                "Address": "1 Sample Street",
                "PostalCode": "700000",
                "Latitude": Decimal("10.762622"),
                "Longitude": Decimal("106.660172"),
                "GridConnectionDate": "2022-01-01",
                "OwnersDeclarationStartDate": "2022-01-01",
                "Domestic": False,
                "DeclarationFormFileId": file_id,
                "PercentageRenewable": Decimal("100"),
                "Inverters": [inverter(1), inverter(2)],
            }
        ],
    }
