"""wire_json: exact decimals both ways, and the one encoding a request body gets."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from uuid import UUID

import pytest

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.prepare import prepare_call


class _Registry(str, Enum):
    IREC = "IREC"


def test_decimals_leave_as_numbers_with_every_digit_they_have() -> None:
    body = {"Quantity": Decimal("46.593388"), "kWh": Decimal("0.100"), "Big": Decimal("1234567890123.123456")}

    encoded = wire_json.encode(body)

    assert encoded == b'{"Quantity":46.593388,"kWh":0.100,"Big":1234567890123.123456}'
    assert wire_json.loads(encoded) == body  # and come back as the same Decimals, never floats


def test_a_decimal_typed_with_an_exponent_is_written_in_plain_digits() -> None:
    body = {"Data": [{"kWh": Decimal("1e3")}, {"kWh": Decimal("1.5E-7")}], "Name": "E+1 stays text"}

    assert wire_json.encode(body) == b'{"Data":[{"kWh":1000},{"kWh":0.00000015}],"Name":"E+1 stays text"}'


def test_dates_uuids_and_enums_are_written_as_redex_reads_them() -> None:
    uid = UUID("6f2b1d6e-3c0a-4f5e-9a57-2d1f0c8b7e41")
    value = [date(2026, 3, 1), uid, _Registry.IREC, None, True, 3, "Hà Nội"]

    assert json.loads(wire_json.dumps(value)) == ["2026-03-01", str(uid), "IREC", None, True, 3, "Hà Nội"]
    assert wire_json.dumps(datetime(2026, 3, 1, 8, 30)) == '"2026-03-01T08:30:00"'
    assert json.loads(wire_json.dumps(datetime(2026, 3, 1, tzinfo=timezone.utc))).startswith(
        "2026-03-01T00:00:00"
    )


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_decimal_that_is_no_number_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        wire_json.encode({"Nested": [{"kWh": value}]})
    assert wire_json.encode({"Name": "NaN Infinity"}) == b'{"Name":"NaN Infinity"}'  # text is text


def test_nan_and_infinity_are_refused_when_parsing_too() -> None:
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        wire_json.loads('{"kWh": NaN}')


def test_an_unknown_type_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match="object"):
        wire_json.encode({"x": object()})


def test_a_bytes_body_is_sent_as_it_is_and_anything_else_is_encoded_once() -> None:
    encoded = wire_json.encode({"Devices": [{"RemoteInvId": "A", "Data": []}]})

    as_bytes = prepare_call("generation.send_batch", body=encoded)
    as_data = prepare_call("generation.send_batch", body={"Devices": [{"RemoteInvId": "A", "Data": []}]})

    assert as_bytes.json_body is encoded
    assert as_data.json_body == encoded
    assert as_bytes.headers(None)["Content-Type"] == "application/json"
