"""The sandbox keeps REDEX's rules the exactly-once tests lean on: what was created is listed
(late, when told to), and a certificate names the serials it retired, not the whole item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.pacing import PacingConfig
from airflow_provider_redex.sandbox import SandboxConfig
from airflow_provider_redex.sandbox.server import RunningSandbox
from tests.helpers.sandbox_walks import TOKEN, approved_group, daily, fast_config, push, vintage_days

LISTING_DELAY = 1000.0
"""Sandbox seconds (10 real seconds at the tests' 1 % scale): longer than any test step."""


def _client(sandbox: RunningSandbox) -> Any:
    return RedexClient(sandbox.url, BearerToken(TOKEN), pacing=PacingConfig(enabled=False))


def _retire(client: Any, quantity: str) -> Any:
    beneficiary = next(iter(client.beneficiaries.list()))
    item = next(iter(client.inventories.list_recs()))
    body = {"BeneficiaryId": beneficiary.id, "Quantity": quantity, "Reason": "x", "Registry": "IREC"}
    return client.retirements.create({**body, "VintageYear": item.vintage_year})


def _apply_and_retire(client: Any, sandbox: RunningSandbox, inverter: str) -> tuple[str, Any, Any]:
    """A REC application and a retirement just made: (device id, application, retirement)."""
    _, device_id = approved_group(client, sandbox, inverter)
    days = vintage_days()
    push(client, daily(inverter, days, "1000.000"))
    rec = client.rec_applications.create_for_grouped_device(
        {"VintageFrom": days[0], "VintageTo": days[-1], "DeviceId": device_id}
    )
    return device_id, rec, _retire(client, "2")


def test_created_applications_and_retirements_are_listed_at_once_by_default(
    redex_client: Any, sandbox: RunningSandbox
) -> None:
    device_id, rec, retirement = _apply_and_retire(redex_client, sandbox, "LIST-INV")

    assert rec.id in {a.id for a in redex_client.rec_applications.list(device_id=device_id)}
    assert retirement.id in {r.id for r in redex_client.retirements.list()}


def test_a_listing_delay_hides_new_resources_from_lists_but_not_from_get(
    start_sandbox: Callable[[SandboxConfig], RunningSandbox],
) -> None:
    sandbox = start_sandbox(fast_config(listing_delay=LISTING_DELAY))
    with _client(sandbox) as client:
        device_id, rec, retirement = _apply_and_retire(client, sandbox, "LATE-INV")

        assert client.rec_applications.get(rec.id).id == rec.id
        assert rec.id not in {a.id for a in client.rec_applications.list(device_id=device_id)}
        assert retirement.id not in {r.id for r in client.retirements.list()}

        sandbox.admin("POST", "clock/advance", {"Seconds": sandbox.config.scaled(LISTING_DELAY) + 1})

        assert rec.id in {a.id for a in client.rec_applications.list(device_id=device_id)}
        assert retirement.id in {r.id for r in client.retirements.list()}


def test_a_certificate_names_the_retired_slice_of_the_item(
    redex_client: Any, sandbox: RunningSandbox
) -> None:
    first = _retire(redex_client, "7")
    second = _retire(redex_client, "3.5")
    for retirement in (first, second):
        sandbox.admin("POST", f"applications/{retirement.id}/approve")

    serials = [
        [item.serial_numbers for item in redex_client.retirements.get(r.id).retired_items or []]
        for r in (first, second)
    ]

    item_serials = next(iter(redex_client.inventories.list_recs())).serial_number
    prefix = item_serials.rsplit("-", 1)[0]
    assert serials == [[f"{prefix}-1.000000 to 7.999999"], [f"{prefix}-8.000000 to 11.499999"]]
