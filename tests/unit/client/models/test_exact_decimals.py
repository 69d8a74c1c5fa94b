"""No float reaches a quantity or an energy value: every amount field refuses one, naming the
field and asking for text or a Decimal; text, Decimal and int are read exactly."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models.base import RequestModel
from airflow_provider_redex.client.models.devices import GroupedDeviceApplicationRequest
from airflow_provider_redex.client.models.exchange import LimitOrderRequest
from airflow_provider_redex.client.models.inventory import AdvanceFilter
from airflow_provider_redex.client.models.rec_applications import (
    GroupedDeviceRecApplicationRequest,
)
from airflow_provider_redex.client.models.retirements import RetirementRequest
from tests.helpers import request_samples as samples


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(data: dict[str, Any]) -> dict[str, Any]:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return data

    return apply


CASES = [
    (GroupedDeviceRecApplicationRequest, samples.rec_application, ("Quantity",), "Quantity"),
    (RetirementRequest, samples.retirement, ("Quantity",), "Quantity"),
    (LimitOrderRequest, samples.limit_order, ("Quantity",), "Quantity"),
    (LimitOrderRequest, samples.limit_order, ("Price",), "Price"),
    (
        GroupedDeviceApplicationRequest,
        samples.grouped_device,
        ("Devices", 0, "Inverters", 0, "InstalledCapacity"),
        "Devices[0].Inverters[0].InstalledCapacity",
    ),
]


@pytest.mark.parametrize(
    ("model", "sample", "path", "field"), CASES, ids=[c[3] + "@" + c[0].__name__ for c in CASES]
)
def test_a_float_amount_is_refused_naming_the_field_and_the_fix(
    model: type[RequestModel], sample: Callable[[], dict[str, Any]], path: tuple[Any, ...], field: str
) -> None:
    data = _set(path, 0.1)(sample())
    with pytest.raises(RedexInputError) as refused:
        model.from_input(data)
    message = str(refused.value)
    assert field in message
    assert "float 0.1" in message and "'0.1'" in message and "Decimal" in message


@pytest.mark.parametrize("value", ["0.1", Decimal("0.1"), 1])
def test_text_decimal_and_int_amounts_are_read_exactly(value: object) -> None:
    data = _set(("Quantity",), value)(samples.retirement())
    request = RetirementRequest.from_input(data)
    assert request.quantity == Decimal(str(value)) and isinstance(request.quantity, Decimal)


def test_advance_filter_capacity_refuses_a_float() -> None:
    with pytest.raises(RedexInputError, match="CapacityFrom"):
        AdvanceFilter.from_input({"CapacityFrom": 1.5})
