"""G1/G2's plain-body path: it takes what the model surely accepts, with the same exact values,
and leaves everything else to the model, so refusals stay word for word the model's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from fastapi.testclient import TestClient

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    DailyRecord,
    InverterDailyData,
    ProcessStatus,
)
from airflow_provider_redex.client.routes import route
from airflow_provider_redex.sandbox.api import generation
from airflow_provider_redex.sandbox.app import create_app
from airflow_provider_redex.sandbox.config import WindowPolicy
from airflow_provider_redex.sandbox.server import RunningSandbox
from tests.helpers.sandbox_walks import TOKEN, approved_group, fast_config, vintage_days, wait_until

DAY = date(2024, 1, 1)


def _record(day: Any = "2024-01-01", period: Any = "1.000", accumulated: Any = "2.000") -> dict[str, Any]:
    return {"Timestamp": day, "PeriodProductionInKWh": period, "AccumulatedEnergyInKWh": accumulated}


def _batch(*inverters: tuple[Any, list[dict[str, Any]]]) -> str:
    return json.dumps({"Devices": [{"RemoteInvId": rid, "Data": data} for rid, data in inverters]})


def _days(count: int, **values: Any) -> list[dict[str, Any]]:
    return [_record((DAY - timedelta(days=i)).isoformat(), **values) for i in range(count)]


def _one(**record: Any) -> str:
    return _batch(("INV-1", [_record(**record)]))


FUTURE = (rules.today_latest() + timedelta(days=1)).isoformat()
HALF = rules.MAX_RECORDS_PER_REQUEST // 2 + 1

REFUSED = {
    "negative text": _one(period="-1.000"),
    "negative number": _one().replace('"1.000"', "-1.5"),
    "negative integer": _one().replace('"1.000"', "-1"),
    "four decimals text": _one(period="1.2345"),
    "four decimals number": _one().replace('"1.000"', "1.2345"),
    "long decimal number": _one().replace('"1.000"', "12345678901234567.123456789"),
    "NaN text": _one(period="NaN"),
    "Infinity text": _one(period="Infinity"),
    "boolean kWh": _one().replace('"1.000"', "true"),
    "null kWh": _one().replace('"1.000"', "null"),
    "day in the future": _one(day=FUTURE),
    "day without zeros": _one(day="2024-1-01"),
    "day without dashes": _one(day="20240101"),
    "day as a time": _one(day="2024-01-01T00:00:00"),
    "day as a number": _one().replace('"2024-01-01"', "20240101"),
    "day that does not exist": _one(day="2024-02-30"),
    "day twice for one inverter": _batch(("INV-1", [_record(), _record(period="3.000")])),
    "inverter twice": _batch(("INV-1", [_record()]), ("INV-1", _days(1, period="2.000"))),
    "too many records": _batch(("INV-1", _days(HALF)), ("INV-2", _days(HALF))),
    "no devices": json.dumps({"Devices": []}),
    "no data": _batch(("INV-1", [])),
    "empty inverter id": _batch(("", [_record()])),
    "long inverter id": _batch(("X" * (rules.REMOTE_INV_ID_MAX + 1), [_record()])),
    "number as inverter id": _one().replace('"INV-1"', "5"),
    "missing kWh": _one().replace(', "AccumulatedEnergyInKWh": "2.000"', ""),
    "unknown key": _one().replace('"Timestamp"', '"Extra": 1, "Timestamp"'),
    "no Devices key": json.dumps({"Inverters": []}),
    "a list": json.dumps([]),
    "not JSON": '{"Devices": [',
    "NaN literal": _one().replace('"1.000"', "NaN"),
    "exponent number with 4 decimals": _one().replace('"1.000"', "1.5E-4"),
    "number with 4 decimals": _one().replace('"1.000"', "1.2345"),
}
"""Bodies the model refuses (400): the plain path must decline every one."""

UNUSUAL = {
    "trailing zero beyond 3 decimals": _one(period="1.5000"),
    "exponent text": _one(period="1e3"),
    "day with spaces": _one(day=" 2024-01-01 "),
    "snake_case keys": json.dumps(
        {"devices": [{"remote_inv_id": "INV-1", "data": [{"timestamp": "2024-01-01", **_record()}]}]}
    ),
    "negative zero": _one(period="-0"),
}
"""Bodies outside the plain form whose verdict is the model's alone: the paths must agree."""


@pytest.fixture
def client() -> Iterator[TestClient]:
    many = WindowPolicy(100_000, 60.0)
    app = create_app(fast_config(account_policy=many, ip_policy=many))
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as test_client:
        yield test_client


def _post(client: TestClient, body: str, *, fast: bool, name: str = "generation.send_batch") -> Any:
    previous, generation.FAST_DAILY_PATH = generation.FAST_DAILY_PATH, fast
    try:
        answer = client.post(
            route(name).path, content=body.encode(), headers={"Content-Type": "application/json"}
        )
    finally:
        generation.FAST_DAILY_PATH = previous
    return answer.status_code, answer.json()


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_the_plain_path_declines_every_refused_body_and_the_400_is_the_models(
    client: TestClient, body: str
) -> None:
    assert generation.plain_daily_readings(body.encode(), batch=True) is None
    status, answer = _post(client, body, fast=True)
    assert status == 400, answer
    assert (status, answer) == _post(client, body, fast=False)


@pytest.mark.parametrize("body", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_an_unusual_body_is_left_to_the_model(client: TestClient, body: str) -> None:
    assert generation.plain_daily_readings(body.encode(), batch=True) is None
    fast, slow = _post(client, body, fast=True), _post(client, body, fast=False)
    assert fast[0] == slow[0] and fast[1]["Errors"] == slow[1]["Errors"]


def test_a_refused_g1_body_gets_the_models_400(client: TestClient) -> None:
    body = json.dumps({"RemoteInvId": "INV-1", "Data": [_record(period="-1")]})
    assert generation.plain_daily_readings(body.encode(), batch=False) is None
    fast = _post(client, body, fast=True, name="generation.send_daily")
    assert fast[0] == 400 and fast == _post(client, body, fast=False, name="generation.send_daily")


PLAIN_VALUES = ["0", "0.000", "12.340", "7", "007", "0.5", "12345678901234567.123", "999.999"]


@pytest.mark.parametrize("as_numbers", [False, True], ids=["text", "numbers"])
def test_plain_bodies_give_the_models_readings_digit_for_digit(as_numbers: bool) -> None:
    data = [
        _record((DAY - timedelta(days=i)).isoformat(), value, PLAIN_VALUES[-1 - i])
        for i, value in enumerate(PLAIN_VALUES)
    ]
    batch = {"Devices": [{"RemoteInvId": "INV-1", "Data": data}, {"RemoteInvId": "INV-2", "Data": data[:2]}]}
    if as_numbers:
        raw = wire_json.encode(_numbers(batch))
        assert b'"12.340"' not in raw and b"12.340" in raw
    else:
        raw = json.dumps(batch).encode()

    fast = generation.plain_daily_readings(raw, batch=True)
    model = BatchGenerationRequest.from_input(wire_json.loads(raw))
    slow = [reading for inverter in model.devices for reading in generation._daily(inverter)]

    assert fast is not None
    assert [_exact(r) for r in fast] == [_exact(r) for r in slow]


@pytest.mark.parametrize("number", ["1E+3", "4e1", "1.5E-2", "1.500", "40"])
def test_a_number_the_model_accepts_in_any_json_spelling_gives_its_reading(number: str) -> None:
    raw = _one().replace('"1.000"', number).encode()
    fast = generation.plain_daily_readings(raw, batch=True)
    model = BatchGenerationRequest.from_input(wire_json.loads(raw))
    slow = [reading for inverter in model.devices for reading in generation._daily(inverter)]
    assert fast is not None and [_exact(r) for r in fast] == [_exact(r) for r in slow]


def test_a_plain_g1_body_gives_the_models_readings() -> None:
    raw = json.dumps({"RemoteInvId": "INV-1", "Data": _days(3, period="1.250")}).encode()
    fast = generation.plain_daily_readings(raw, batch=False)
    slow = generation._daily(InverterDailyData.from_input(wire_json.loads(raw)))
    assert fast is not None and [_exact(r) for r in fast] == [_exact(r) for r in slow]


def test_the_plain_path_reads_the_models_wire_names_and_kwh_rule() -> None:
    """Its premise: kWh fields are ``ge=0`` with ENERGY_DECIMALS places, as its pattern assumes."""
    for name in ("period_production_in_kwh", "accumulated_energy_in_kwh"):
        metadata = DailyRecord.model_fields[name].metadata
        assert [getattr(m, "ge", None) for m in metadata if hasattr(m, "ge")] == [0]
        places = [getattr(m, "decimal_places", None) for m in metadata if hasattr(m, "decimal_places")]
        assert places == [rules.ENERGY_DECIMALS]


@pytest.mark.parametrize("fast", [True, False], ids=["plain path", "model"])
def test_long_decimals_land_exactly_and_read_back_through_g5(
    redex_client: Any, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(generation, "FAST_DAILY_PATH", fast)
    taken: list[bool] = []
    plain = generation.plain_daily_readings

    def spy(raw: bytes, *, batch: bool) -> Any:
        readings = plain(raw, batch=batch)
        taken.append(readings is not None)
        return readings

    monkeypatch.setattr(generation, "plain_daily_readings", spy)
    inverter = f"EXACT-{fast}"
    approved_group(redex_client, sandbox, inverter)
    days = vintage_days()[:3]
    values = [Decimal("12345678901234567.123"), Decimal("0.1"), Decimal("1234567.891")]
    data = [
        {"Timestamp": day, "PeriodProductionInKWh": value, "AccumulatedEnergyInKWh": str(value)}
        for day, value in zip(days, values, strict=True)
    ]
    body = wire_json.encode({"Devices": [{"RemoteInvId": inverter, "Data": data}]})
    assert b"12345678901234567.123," in body  # a JSON number, as the client writes it
    ref = redex_client.generation.send_batch(body)
    assert taken == [fast]
    process = wait_until(
        lambda: redex_client.generation.get_process(ref.process_id), lambda p: p.status.is_terminal
    )
    assert process.status is ProcessStatus.SUCCESS

    stored = redex_client.generation.list(
        frequency_type="Daily", from_date=days[0], to_date=days[-1], remote_inv_id=inverter
    )
    read = [(r.period_production_in_kwh, r.accumulated_energy_in_kwh) for r in stored]
    assert [(str(p), str(a)) for p, a in read] == [(str(v), str(v)) for v in values]


def _numbers(batch: dict[str, Any]) -> dict[str, Any]:
    """The batch with every kWh text as a Decimal, which the client writes as a JSON number."""
    kwh = ("PeriodProductionInKWh", "AccumulatedEnergyInKWh")
    return {
        "Devices": [
            {**inv, "Data": [{k: Decimal(v) if k in kwh else v for k, v in r.items()} for r in inv["Data"]]}
            for inv in batch["Devices"]
        ]
    }


def _exact(reading: Any) -> tuple[Any, ...]:
    values = msgspec.structs.astuple(reading)
    return tuple(str(value) if isinstance(value, Decimal) else value for value in values) + tuple(
        type(value).__name__ for value in values
    )
