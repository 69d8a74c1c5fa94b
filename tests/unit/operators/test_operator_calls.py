"""Which REDEX calls each creating operator makes, in which order, and that nothing is sent on a
refusal: a spy on the client (pytest-mock) says this more directly than a server could.

The integration tests run the same operators against the sandbox over real HTTP; these pin the
conversation itself, and run in milliseconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pytest_mock import MockerFixture

from airflow_provider_redex.client.models.inventory import RecItem
from airflow_provider_redex.client.models.retirements import Beneficiary
from airflow_provider_redex.operators import (
    RedexCreateBeneficiaryOperator,
    RedexCreateRetirementOperator,
    RedexRegisterGroupedDeviceOperator,
)
from airflow_provider_redex.operators.base import RedexRefusal
from airflow_provider_redex.operators.exactly_once import _MemoryStore
from tests.helpers import request_samples


@pytest.fixture
def hook(mocker: MockerFixture) -> Any:
    """The hook class the operators build their client from, with a spy client behind it."""
    hook_class = mocker.patch("airflow_provider_redex.operators.base.RedexHook")
    hook_class.return_value.get_client.return_value = mocker.MagicMock(name="client")
    return hook_class


@pytest.fixture
def client(hook: Any) -> Any:
    return hook.return_value.get_client.return_value


@pytest.fixture
def context() -> Iterator[dict[str, Any]]:
    # The in-memory store the operators fall back on; the test keeps it across "retries".
    yield {"task_state_store": _MemoryStore()}


def _names(client: Any) -> list[str]:
    """The client methods called, in order (``close`` included)."""
    return [name for name, _, _ in client.mock_calls]


def _created(mocker: MockerFixture) -> Any:
    return mocker.Mock(id=uuid.uuid4())


# --- registration ------------------------------------------------------------------------------


def _registration(**kwargs: Any) -> RedexRegisterGroupedDeviceOperator:
    application = request_samples.grouped_device()
    return RedexRegisterGroupedDeviceOperator(task_id="register", grouped_device=application, **kwargs)


def test_a_refused_registration_builds_no_client_and_sends_nothing(
    hook: Any, context: dict[str, Any]
) -> None:
    application = request_samples.grouped_device()
    application["Devices"][0]["Latitude"] = "10.1234567"  # 7 decimals: REDEX takes 6
    task = RedexRegisterGroupedDeviceOperator(task_id="register", grouped_device=application)

    with pytest.raises(RedexRefusal, match="Latitude"):
        task.execute(context)

    hook.assert_not_called()


def test_registration_posts_once_and_a_retry_only_reads_its_task_state(
    mocker: MockerFixture, client: Any, context: dict[str, Any]
) -> None:
    created = _created(mocker)
    client.device_applications.create_grouped.return_value = created
    task = _registration()

    assert task.execute(context) == str(created.id)
    assert _names(client) == ["device_applications.create_grouped", "close"]

    client.reset_mock()
    assert task.execute(context) == str(created.id)  # the retry: same task state
    assert _names(client) == ["close"]


def test_registration_after_a_crash_before_the_id_was_kept_looks_before_it_posts(
    mocker: MockerFixture, client: Any, context: dict[str, Any]
) -> None:
    # No wait for a late listing: the one lookup's answer decides (the wait has its own tests).
    task = _registration(unacknowledged_create_wait=0)
    client.device_applications.create_grouped.side_effect = SystemExit("crash right after the POST")
    with pytest.raises(SystemExit):
        task.execute(context)
    client.reset_mock()
    client.device_applications.create_grouped.side_effect = None
    client.device_applications.create_grouped.return_value = _created(mocker)
    client.device_applications.list.return_value = []  # REDEX holds nothing: the POST never arrived

    task.execute(context)

    assert _names(client) == ["device_applications.list", "device_applications.create_grouped", "close"]


# --- beneficiary -------------------------------------------------------------------------------


def test_an_existing_beneficiary_is_reused_without_a_post(client: Any, context: dict[str, Any]) -> None:
    request = request_samples.beneficiary()
    existing = Beneficiary.model_validate({"Id": str(uuid.uuid4()), "Name": request["BeneficiaryName"]})
    client.beneficiaries.list.return_value = [existing]
    task = RedexCreateBeneficiaryOperator(task_id="beneficiary", beneficiary=request)

    assert task.execute(context) == str(existing.id)

    client.beneficiaries.list.assert_called_once_with(search=request["BeneficiaryName"])
    client.beneficiaries.create.assert_not_called()


def test_a_new_beneficiary_is_looked_up_then_created(
    mocker: MockerFixture, client: Any, context: dict[str, Any]
) -> None:
    client.beneficiaries.list.return_value = []
    client.beneficiaries.create.return_value = _created(mocker)
    task = RedexCreateBeneficiaryOperator(task_id="beneficiary", beneficiary=request_samples.beneficiary())

    task.execute(context)

    assert _names(client) == ["beneficiaries.list", "beneficiaries.create", "close"]


# --- retirement --------------------------------------------------------------------------------


def _rec_item(available: str, *, vintage_year: int = 2026, country: str = "VN") -> RecItem:
    return RecItem.model_validate(
        {
            "Id": str(uuid.uuid4()),
            "Registry": {"Value": "IREC", "Description": "I-REC"},
            "Total": "100",
            "Available": available,
            "VintageYear": vintage_year,
            "CountryCode": country,
            "EnergyValue": "Solar",
        }
    )


def _retirement(quantity: str) -> RedexCreateRetirementOperator:
    return RedexCreateRetirementOperator(
        task_id="retire",
        beneficiary_id=str(uuid.uuid4()),
        quantity=quantity,
        reason="Cold storage, November 2026",
        registry="IREC",
        vintage_year=2026,
        countries=["VN"],
        energy_values=["Solar"],
    )


def test_a_retirement_short_of_recs_reads_the_inventory_and_posts_nothing(
    client: Any, context: dict[str, Any]
) -> None:
    client.inventories.list_recs.return_value = [
        _rec_item("4"),
        _rec_item("3.5"),
        _rec_item("50", vintage_year=2025),  # another vintage: does not count
        _rec_item("50", country="CN"),  # another country: does not count
    ]

    with pytest.raises(RedexRefusal, match=r"7\.5 available.*short by 2\.5"):
        _retirement("10").execute(context)

    client.retirements.create.assert_not_called()
    assert "retirements.create" not in _names(client)


def test_a_retirement_checks_the_inventory_before_it_posts(
    mocker: MockerFixture, client: Any, context: dict[str, Any]
) -> None:
    client.inventories.list_recs.return_value = [_rec_item("6"), _rec_item("4")]
    client.retirements.create.return_value = _created(mocker)

    _retirement("10").execute(context)

    assert _names(client) == ["inventories.list_recs", "retirements.create", "close"]
    (request,) = client.retirements.create.call_args.args
    assert request.quantity == Decimal("10")
