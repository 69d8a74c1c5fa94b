"""After an earlier try's POST that may have been sent, a retry never creates a second resource
and never gets stuck: it waits for REDEX's late listing, adopts its own application behind a
422, and fails with what to check when the lookup cannot answer.

Each test plays the earlier try itself: it records the intent in a task state store that
outlives the "try" and makes the POST through the client, as a try killed before it could
record the id would have left things. The sandbox lists new resources late (``listing_delay``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.devices import GroupedDeviceApplicationRequest
from airflow_provider_redex.client.models.retirements import RetirementRequest
from airflow_provider_redex.operators import (
    RedexCreateRecApplicationOperator,
    RedexCreateRetirementOperator,
    RedexRegisterGroupedDeviceOperator,
)
from airflow_provider_redex.operators.base import RedexRefusal
from airflow_provider_redex.operators.exactly_once import CreationLedger, fingerprint
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from tests.helpers import harness

LISTING_DELAY = 150.0
"""Sandbox seconds: 1.5 real seconds at the harness's 1 % scale."""


Store = harness.TaskStateStore


@pytest.fixture
def late_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    monkeypatch.setattr(constants, "INITIAL_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(constants, "MAX_BACKOFF_SECONDS", 0.05)
    with running_sandbox(harness.sandbox_config(listing_delay=LISTING_DELAY)) as sandbox:
        harness.connect(monkeypatch, sandbox)
        yield sandbox


def _retirement_body(sandbox: RunningSandbox) -> dict[str, Any]:
    with harness.client(sandbox) as redex:
        item = next(i for i in redex.inventories.list_recs() if i.available >= 1)
        beneficiary = str(next(iter(redex.beneficiaries.list())).id)
    return {
        "beneficiary_id": beneficiary,
        "quantity": "0.5",
        "reason": "recovery test",
        "registry": "IREC",
        "vintage_year": item.vintage_year,
    }


def _earlier_try_posted(store: Store, ledger_key: str, wire: Any, post: Callable[[], Any]) -> str:
    """What a try killed right after its POST leaves: an intent in the store, a resource in REDEX."""
    CreationLedger({"task_state_store": store}, ledger_key).record_intent(fingerprint(wire), wire)
    return str(post().id)


def test_retirement_retry_waits_for_the_late_listing_instead_of_retiring_twice(
    late_sandbox: RunningSandbox,
) -> None:
    args = _retirement_body(late_sandbox)
    request = RetirementRequest.from_input(args)
    store = Store()
    with harness.client(late_sandbox) as redex:
        made = _earlier_try_posted(
            store, "redex_retirement", request.to_wire(), lambda: redex.retirements.create(request)
        )
    before = harness.records(late_sandbox)["RetirementApplications"]

    operator = RedexCreateRetirementOperator(task_id="retire", unacknowledged_create_wait=30, **args)
    result = operator.execute({"task_state_store": store})  # type: ignore[arg-type]

    assert result == made
    assert harness.records(late_sandbox)["RetirementApplications"] == before


def test_retirement_retry_sends_again_once_the_wait_is_over(late_sandbox: RunningSandbox) -> None:
    """Nothing was made (the POST never arrived): after the wait the request goes out once."""
    args = _retirement_body(late_sandbox)
    request = RetirementRequest.from_input(args)
    store = Store()
    CreationLedger({"task_state_store": store}, "redex_retirement").record_intent(
        fingerprint(request.to_wire())
    )
    before = harness.records(late_sandbox)["RetirementApplications"]

    operator = RedexCreateRetirementOperator(task_id="retire", unacknowledged_create_wait=0.5, **args)
    operator.execute({"task_state_store": store})  # type: ignore[arg-type]

    assert harness.records(late_sandbox)["RetirementApplications"] == before + 1


def test_rec_application_retry_adopts_its_own_application_behind_the_422(
    late_sandbox: RunningSandbox,
) -> None:
    """The retry came after its wait, REDEX still does not list the earlier try's application:
    the POST meets REDEX's 422 for the overlap, and the application it overlaps is adopted."""
    ours = rules.earliest_claimable_date(rules.today_earliest())
    device = harness.approved_device(late_sandbox, "Adopt", since=ours - timedelta(days=30))
    harness.push_daily(late_sandbox, {device.inverters[0]: {ours + timedelta(days=1): "800"}})
    window = {"vintage_from": str(ours + timedelta(days=1)), "vintage_to": str(ours + timedelta(days=3))}
    wire = {"VintageFrom": window["vintage_from"], "VintageTo": window["vintage_to"]}
    wire |= {"DeviceId": device.device_id, "Quantity": "0.5"}
    store = Store()
    with harness.client(late_sandbox) as redex:
        made = _earlier_try_posted(
            store,
            "redex_rec_application",
            wire,
            lambda: redex.rec_applications.create_for_grouped_device(wire),
        )
    intent = store.values["redex_rec_application.intent"]
    intent["at"] = (datetime.fromisoformat(intent["at"]) - timedelta(seconds=60)).isoformat()
    before = harness.records(late_sandbox)["RecApplications"]
    posts = harness.posts(late_sandbox)

    operator = RedexCreateRecApplicationOperator(
        task_id="apply", device_id=device.device_id, quantity="0.5", unacknowledged_create_wait=30, **window
    )
    result = operator.execute({"task_state_store": store})  # type: ignore[arg-type]

    assert result == made
    assert harness.records(late_sandbox)["RecApplications"] == before
    assert harness.posts(late_sandbox) == posts + 1  # the one that met the 422


def test_retirement_lookup_that_cannot_answer_fails_once_naming_what_to_check(
    late_sandbox: RunningSandbox,
) -> None:
    args = _retirement_body(late_sandbox)
    request = RetirementRequest.from_input(args)
    store = Store()
    CreationLedger({"task_state_store": store}, "redex_retirement").record_intent(
        fingerprint(request.to_wire())
    )
    late_sandbox.admin("PUT", "faults", {"ErrorRate": 1.0, "ErrorStatus": 503})
    posts = harness.posts(late_sandbox)

    operator = RedexCreateRetirementOperator(task_id="retire", unacknowledged_create_wait=1, **args)
    with pytest.raises(RedexRefusal) as refused:
        operator.execute({"task_state_store": store})  # type: ignore[arg-type]

    message = str(refused.value)
    assert "retirement applications of registry IREC" in message
    assert "recovered_id=" in message and "resend_unconfirmed=True" in message
    assert harness.posts(late_sandbox) == posts

    late_sandbox.admin("PUT", "faults", {})
    operator = RedexCreateRetirementOperator(task_id="retire", recovered_id="found-in-redex", **args)
    assert operator.execute({"task_state_store": store}) == "found-in-redex"  # type: ignore[arg-type]
    assert harness.posts(late_sandbox) == posts


def test_device_retry_adopts_its_own_application_behind_the_duplicate_inverter_400(
    late_sandbox: RunningSandbox,
) -> None:
    """As for the REC window: the retry came late, REDEX lists late, the POST meets REDEX's 400
    for inverters registered already (by the earlier try's own POST), which is adopted."""
    with harness.client(late_sandbox) as redex:
        file_id = str(redex.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
    body = harness.grouped_device_request("AdoptDevice", file_id)
    wire = GroupedDeviceApplicationRequest.from_input(body).to_wire()
    store = Store()
    with harness.client(late_sandbox) as redex:
        made = _earlier_try_posted(
            store, "redex_device_application", wire, lambda: redex.device_applications.create_grouped(body)
        )
    intent = store.values["redex_device_application.intent"]
    intent["at"] = (datetime.fromisoformat(intent["at"]) - timedelta(seconds=60)).isoformat()
    before = harness.records(late_sandbox)["DeviceApplications"]

    operator = RedexRegisterGroupedDeviceOperator(
        task_id="register", grouped_device=body, unacknowledged_create_wait=30
    )

    assert operator.execute({"task_state_store": store}) == made  # type: ignore[arg-type]
    assert harness.records(late_sandbox)["DeviceApplications"] == before
