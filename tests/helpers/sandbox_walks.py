"""Building blocks of the state-machine walks: valid bodies and polling without timed asserts."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import requests

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.devices import DeviceApplicationStatus
from airflow_provider_redex.client.models.generation import ProcessStatus
from airflow_provider_redex.client.routes import route
from airflow_provider_redex.sandbox import FaultSettings, SandboxConfig
from airflow_provider_redex.sandbox.server import RunningSandbox

T = TypeVar("T")

TOKEN = "sandbox-test-token"
OTHER_TOKEN = "sandbox-other-account-token"


def fast_config(**overrides: Any) -> SandboxConfig:
    """Two accounts, time at 1 %, decisions only through the admin API."""
    settings: dict[str, Any] = {
        "tokens": (TOKEN, OTHER_TOKEN),
        "time_scale": 0.01,
        "approve_after": None,
        "faults": FaultSettings(),
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


class Api:
    """A plain HTTP client for one account: ``api.get("device_applications.get", id=...)``.

    Paths come from the route table, like everywhere else.
    """

    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, route_name: str, **path_params: object) -> str:
        return self.base_url + route(route_name).format(**path_params)

    def call(
        self, route_name: str, *, path: dict[str, object] | None = None, **kwargs: Any
    ) -> requests.Response:
        return self.session.request(
            route(route_name).method, self.url(route_name, **(path or {})), timeout=30, **kwargs
        )


def wait_until(read: Callable[[], T], done: Callable[[T], bool], *, attempts: int = 400) -> T:
    """Poll ``read`` until ``done``; fails after ``attempts`` reads (a bound, not a timing assertion)."""
    for _ in range(attempts):
        value = read()
        if done(value):
            return value
        time.sleep(0.01)
    raise AssertionError(f"still not done after {attempts} reads: {value!r}")


def grouped_device(file_id: str, *inverter_ids: str, grid: str = "2023-01-01") -> dict[str, Any]:
    """A D1 body with one device holding the given inverters."""
    return {
        "CountryCode": "VN",
        "GroupedEnglishName": "Sun Test Group",
        "GroupedLocalName": "Sun Test Group",
        "Province": "VN-SG",
        "Timezone": "UTC+07:00",
        "GenerationDataFrequency": "Daily",
        "Devices": [
            {
                "InstallationName": "Test Roof",
                "Address": "2 Test Road",
                "PostalCode": "700000",
                "Latitude": Decimal("10.5"),
                "Longitude": Decimal("106.7"),
                "GridConnectionDate": grid,
                "OwnersDeclarationStartDate": grid,
                "Domestic": False,
                "DeclarationFormFileId": file_id,
                "PercentageRenewable": Decimal(100),
                "Inverters": [
                    {
                        "RemoteInvId": rid,
                        "ElectronicSerialNumber": f"SN-{rid}",
                        "BrandCode": "HW21",
                        "InstalledCapacity": Decimal("9.9"),
                    }
                    for rid in inverter_ids
                ],
            }
        ],
    }


def daily(remote_inv_id: str, days: list[date], kwh: str) -> dict[str, Any]:
    """A G1 body: the same production every day."""
    return {
        "RemoteInvId": remote_inv_id,
        "Data": [
            {"Timestamp": d.isoformat(), "PeriodProductionInKWh": kwh, "AccumulatedEnergyInKWh": kwh}
            for d in days
        ],
    }


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def vintage_days() -> list[date]:
    """Ten days inside the window the residual-mix rule allows today."""
    start = max(rules.earliest_claimable_date(date.today()), date.today() - timedelta(days=60))
    return [start + timedelta(days=i) for i in range(10)]


def approved_group(client: Any, sandbox: RunningSandbox, *inverters: str) -> tuple[str, str]:
    """Upload an ODF, register a group, approve it: returns (application id, device id)."""
    document = client.documents.upload(PDF, filename="odf.pdf")
    created = client.device_applications.create_grouped(grouped_device(str(document.id), *inverters))
    assert client.device_applications.get(created.id).status.value is DeviceApplicationStatus.IN_PROGRESS
    sandbox.admin("POST", f"applications/{created.id}/approve", {"Reason": "documents in order"})
    application = client.device_applications.get(created.id)
    assert application.status.value is DeviceApplicationStatus.APPROVED
    assert application.device_id is not None
    return str(created.id), str(application.device_id)


def push(client: Any, body: dict[str, Any]) -> ProcessStatus:
    ref = client.generation.send_daily(body)
    process = wait_until(
        lambda: client.generation.get_process(ref.process_id), lambda p: p.status.is_terminal
    )
    return process.status  # type: ignore[no-any-return]
