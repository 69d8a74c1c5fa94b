"""The G1/G2 fast path: the same bytes as the models for every valid body it takes, and for every
body it declines the model's own error (type, message, problems), whatever the fast path saw."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.models import daily_fast, rules
from airflow_provider_redex.client.models.daily_fast import plain_daily_wire
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    DailyRecord,
    InverterDailyData,
    not_in_future,
    refuse_float,
)
from airflow_provider_redex.client.models.times import _calendar_day
from airflow_provider_redex.client.resources import generation
from airflow_provider_redex.client.resources.generation import Generation
from tests.unit.client.resources.test_resources import ANSWERS, RecordingClient

DAY = date(2024, 1, 1)


class _Day(date):
    pass


def _records(
    n: int, *, start: date = DAY, kwh: Callable[[int], Any] = lambda i: f"{i % 97}.{i % 1000:03d}"
) -> list[dict[str, Any]]:
    return [
        {
            "Timestamp": (start + timedelta(days=i)).isoformat(),
            "PeriodProductionInKWh": kwh(i),
            "AccumulatedEnergyInKWh": kwh(i + 1),
        }
        for i in range(n)
    ]


def _device(inverter: str, n: int, **kwargs: Any) -> dict[str, Any]:
    return {"RemoteInvId": inverter, "Data": _records(n, **kwargs)}


def _batch(*devices: dict[str, Any]) -> dict[str, Any]:
    return {"Devices": list(devices)}


def _model_bytes(model: Any, body: Any) -> bytes:
    return wire_json.encode(model.from_input(copy.deepcopy(body)).to_wire())


VALID_BATCHES = {
    "text": _batch(_device("INV-1", 3)),
    "ints": _batch(_device("INV-1", 3, kwh=lambda i: i)),
    "decimals": _batch(_device("INV-1", 3, kwh=lambda i: Decimal(f"{i}.{i % 10}50"))),
    "exponent and trailing zeros": _batch(
        {
            "RemoteInvId": "INV-1",
            "Data": [
                {
                    "Timestamp": "2024-01-01",
                    "PeriodProductionInKWh": Decimal("1E+3"),
                    "AccumulatedEnergyInKWh": "0.100",
                },
                {
                    "Timestamp": "2024-01-02",
                    "PeriodProductionInKWh": "0",
                    "AccumulatedEnergyInKWh": Decimal("0.000"),
                },
            ],
        }
    ),
    "date objects": _batch(
        {
            "RemoteInvId": "INV-1",
            "Data": [
                {
                    "Timestamp": DAY + timedelta(days=i),
                    "PeriodProductionInKWh": "1.5",
                    "AccumulatedEnergyInKWh": "2",
                }
                for i in range(3)
            ],
        }
    ),
    "keys in another order": _batch(
        {
            "Data": [
                {"AccumulatedEnergyInKWh": "2", "Timestamp": "2024-01-01", "PeriodProductionInKWh": "1"}
            ],
            "RemoteInvId": "INV-1",
        }
    ),
    "several devices": _batch(*(_device(f"INV-{n}", 5 + n) for n in range(7))),
    "3000 records": _batch(*(_device(f"INV-{n}", 300) for n in range(10))),
    "one device of 3000": _batch(_device("INV-1", 3000, start=date(2015, 1, 1))),
    "minus zero": _batch(
        {
            "RemoteInvId": "INV-1",
            "Data": [
                {
                    "Timestamp": "2024-01-01",
                    "PeriodProductionInKWh": Decimal("-0"),
                    "AccumulatedEnergyInKWh": 0,
                }
            ],
        }
    ),
    "long digits, leading zeros": _batch(
        _device("INV-1", 3, kwh=lambda i: f"00{i}1234567890123456789012345678.{i}5"),
    ),
    "today at UTC+14": _batch(_device("INV-1", 1, start=rules.today_latest())),
    "100-character inverter, unicode": _batch(_device("Ä" * 100, 2)),
}


@pytest.mark.parametrize("body", VALID_BATCHES.values(), ids=VALID_BATCHES.keys())
def test_a_valid_batch_is_encoded_to_the_models_bytes(body: dict[str, Any]) -> None:
    fast = plain_daily_wire(body, batch=True)

    assert fast is not None
    assert wire_json.encode(fast) == _model_bytes(BatchGenerationRequest, body)


@pytest.mark.parametrize("body", VALID_BATCHES.values(), ids=VALID_BATCHES.keys())
def test_a_valid_inverter_body_is_encoded_to_the_models_bytes(body: dict[str, Any]) -> None:
    device = body["Devices"][0]
    fast = plain_daily_wire(device, batch=False)

    assert fast is not None
    assert wire_json.encode(fast) == _model_bytes(InverterDailyData, device)


def _edit(path: tuple[Any, ...], value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    body = copy.deepcopy(base or _batch(_device("INV-1", 3), _device("INV-2", 3)))
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def _without(path: tuple[Any, ...]) -> dict[str, Any]:
    body = _batch(_device("INV-1", 3), _device("INV-2", 3))
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


RECORD = ("Devices", 1, "Data", 2)
FUTURE = (rules.today_latest() + timedelta(days=1)).isoformat()
DECLINED_BATCHES = {
    "float kWh": _edit((*RECORD, "PeriodProductionInKWh"), 40.5),
    "negative kWh": _edit((*RECORD, "AccumulatedEnergyInKWh"), "-1"),
    "4 decimals": _edit((*RECORD, "PeriodProductionInKWh"), "1.2345"),
    "NaN": _edit((*RECORD, "PeriodProductionInKWh"), Decimal("NaN")),
    "bool kWh": _edit((*RECORD, "PeriodProductionInKWh"), True),
    "None kWh": _edit((*RECORD, "PeriodProductionInKWh"), None),
    "no such day": _edit((*RECORD, "Timestamp"), "2024-02-30"),
    "seconds as text": _edit((*RECORD, "Timestamp"), "86400"),
    "int day": _edit((*RECORD, "Timestamp"), 20240101),
    "a time": _edit((*RECORD, "Timestamp"), datetime(2024, 1, 1, 12)),
    "future day": _edit((*RECORD, "Timestamp"), FUTURE),
    "future date object": _edit((*RECORD, "Timestamp"), rules.today_latest() + timedelta(days=1)),
    "duplicate day": _edit((*RECORD, "Timestamp"), "2024-01-01"),
    "duplicate inverter": _edit(("Devices", 1, "RemoteInvId"), "INV-1"),
    "empty inverter": _edit(("Devices", 0, "RemoteInvId"), ""),
    "101-character inverter": _edit(("Devices", 0, "RemoteInvId"), "x" * 101),
    "int inverter": _edit(("Devices", 0, "RemoteInvId"), 7),
    "3001 records over devices": _batch(*(_device(f"INV-{n}", 300) for n in range(10)), _device("INV-X", 1)),
    "3001 records in one device": _batch(_device("INV-1", 3001, start=date(2015, 1, 1))),
    "empty Data": _edit(("Devices", 1, "Data"), []),
    "no Devices": {"Devices": []},
    "missing kWh": _without((*RECORD, "AccumulatedEnergyInKWh")),
    "missing Data": _without(("Devices", 0, "Data")),
    "unknown record key": _edit((*RECORD, "Note"), "x"),
    "unknown device key": _edit(("Devices", 0, "Note"), "x"),
    "unknown body key": _edit(("Note",), "x"),
    "snake_case record key": _edit(
        ("Devices", 0, "Data", 0),
        {"timestamp": "2023-12-01", "period_production_in_kwh": "1", "accumulated_energy_in_kwh": "2"},
    ),
    "snake_case device key": _edit(("Devices", 0), {"remote_inv_id": "INV-1", "data": _records(2)}),
    "snake_case body key": {"devices": [_device("INV-1", 2)]},
    "padded day": _edit((*RECORD, "Timestamp"), " 2023-12-01 "),
    "kWh with an exponent": _edit((*RECORD, "PeriodProductionInKWh"), "1e3"),
    "kWh with a plus": _edit((*RECORD, "PeriodProductionInKWh"), "+1"),
    "a tuple of devices": {"Devices": tuple(_batch(_device("INV-1", 2))["Devices"])},
    "a model in Data": _edit(
        ("Devices", 0, "Data", 0),
        InverterDailyData.from_input(_device("INV-9", 1, start=date(2023, 1, 1))).data[0],
    ),
    "Data not a list": _edit(("Devices", 0, "Data"), "x"),
    "Devices not a list": {"Devices": "x"},
}


def _outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    try:
        body = run()
    except Exception as exc:  # the very exception a caller would see
        return "raised", (type(exc), str(exc), getattr(exc, "problems", None), getattr(exc, "values", None))
    return "sent", wire_json.encode(body)


@pytest.mark.parametrize("body", DECLINED_BATCHES.values(), ids=DECLINED_BATCHES.keys())
def test_a_batch_the_fast_path_declines_gets_exactly_the_models_answer(body: dict[str, Any]) -> None:
    assert plain_daily_wire(copy.deepcopy(body), batch=True) is None

    sent = _outcome(
        lambda: generation._daily_wire_body(BatchGenerationRequest, copy.deepcopy(body), batch=True)
    )
    model = _outcome(lambda: BatchGenerationRequest.from_input(copy.deepcopy(body)).to_wire())

    assert sent == model


@pytest.mark.parametrize("body", DECLINED_BATCHES.values(), ids=DECLINED_BATCHES.keys())
def test_an_inverter_body_the_fast_path_declines_gets_exactly_the_models_answer(body: dict[str, Any]) -> None:
    devices = body.get("Devices")
    device = (
        devices[-1]
        if isinstance(devices, (list, tuple)) and devices
        else {"RemoteInvId": "INV-1", "Data": []}
    )
    sent = _outcome(
        lambda: generation._daily_wire_body(InverterDailyData, copy.deepcopy(device), batch=False)
    )
    model = _outcome(lambda: InverterDailyData.from_input(copy.deepcopy(device)).to_wire())

    assert sent == model


def test_a_date_subclass_is_passed_on_as_the_model_passes_it() -> None:
    """Neither path makes it a plain ``date`` (so ``wire_json`` cannot encode it on either)."""
    body = _batch({"RemoteInvId": "INV-1", "Data": [{**_records(1)[0], "Timestamp": _Day(2024, 1, 1)}]})
    fast = plain_daily_wire(body, batch=True)

    assert fast == BatchGenerationRequest.from_input(body).to_wire()
    assert fast is not None and type(fast["Devices"][0]["Data"][0]["Timestamp"]) is _Day


def test_snake_case_input_is_declined_and_still_sent_as_the_model_sends_it() -> None:
    body = DECLINED_BATCHES["snake_case device key"]

    assert _outcome(lambda: generation._daily_wire_body(BatchGenerationRequest, body, batch=True)) == (
        "sent",
        _model_bytes(BatchGenerationRequest, body),
    )


def test_send_batch_and_send_daily_take_the_fast_path_for_dicts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = daily_fast.plain_daily_wire

    def spy(body: Any, *, batch: bool) -> Any:
        seen.append(batch)
        return real(body, batch=batch)

    monkeypatch.setattr(generation, "plain_daily_wire", spy)
    client = RecordingClient(ANSWERS)
    body = VALID_BATCHES["several devices"]

    Generation(client).send_batch(body)
    Generation(client).send_daily(body["Devices"][0])
    Generation(client).send_batch(BatchGenerationRequest.from_input(body))
    Generation(client).send_batch(b"{}")

    assert seen == [True, False]
    sent = [call.body for call in client.calls]
    assert sent[0] == plain_daily_wire(body, batch=True) == sent[2]
    assert sent[1] == plain_daily_wire(body["Devices"][0], batch=False)
    assert sent[3] == b"{}"


def test_the_fast_schema_assumes_the_models_current_reading_rules() -> None:
    """:func:`~.daily_fast.plain_readings` restates the kWh and day rules in pydantic-core; when
    :class:`DailyRecord` changes a rule, this fails, so the fast path is brought along."""

    def rules_of(info: Any) -> tuple[Any, ...]:
        return (info.alias, info.annotation, *(getattr(m, "func", None) or repr(m) for m in info.metadata))

    kwh = (
        Decimal,
        "Ge(ge=0)",
        f"_PydanticGeneralMetadata(decimal_places={rules.ENERGY_DECIMALS})",
        refuse_float,
    )

    assert {name: rules_of(info) for name, info in DailyRecord.model_fields.items()} == {
        "timestamp": ("Timestamp", date, _calendar_day, not_in_future),
        "period_production_in_kwh": ("PeriodProductionInKWh", *kwh),
        "accumulated_energy_in_kwh": ("AccumulatedEnergyInKWh", *kwh),
    }
