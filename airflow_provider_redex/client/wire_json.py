"""JSON for REDEX with exact decimals: the one place that encodes and decodes request and response bodies.

Quantities are decimal(18,6) and energy values carry 3 decimals: a float on the way in or
out would change them (``0.1 + 0.2``). Responses are parsed with ``parse_float=Decimal``;
requests are written by msgspec's C encoder with ``decimal_format="number"``, which emits a
``Decimal`` as a JSON number with its exact digits (REDEX's schema says number; C19 in
API_REFERENCE.md), dates in ISO form, enums by value and UUIDs as text.

Why msgspec: it is a C encoder that writes a ``Decimal`` as a number without a Python call
per value, about seven times faster than simplejson's ``use_decimal`` on a generation push,
and Airflow itself already depends on it, so the provider adds no package.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

_ENCODER = msgspec.json.Encoder(decimal_format="number")
_NOT_A_NUMBER = (b"NaN", b"Infinity")
_EXPONENT = (b"E+", b"E-")
"""How ``str(Decimal)`` writes ``1E+3`` or ``1E-7``; such a value is rewritten in plain digits."""


def loads(text: str | bytes) -> Any:
    """Parse JSON, every non-integer number as ``Decimal``; ``NaN`` and ``Infinity`` are refused."""
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def encode(value: Any) -> bytes:
    """Serialize plain data (dicts, lists, str, int, bool, None, Decimal, date, UUID, Enum) as UTF-8.

    A request body is encoded once, and these bytes are both sent and fingerprinted.
    """
    try:
        encoded = _ENCODER.encode(value)
    except TypeError as exc:
        raise TypeError(f"cannot encode as REDEX JSON: {exc}") from None
    if any(word in encoded for word in _NOT_A_NUMBER):
        _refuse_non_finite(value)  # rare: only then walk the value to tell a text from a number
    if any(mark in encoded for mark in _EXPONENT):
        # Rare too (a value typed as 1e3): REDEX reads decimals, so write every digit plainly.
        encoded = _ENCODER.encode(_plain(value))
    return encoded


def dumps(value: Any) -> str:
    """:func:`encode` as text."""
    return encode(value).decode("utf-8")


def _refuse_non_finite(value: Any) -> None:
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_non_finite(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_non_finite(item)


def _plain(value: Any) -> Any:
    """``value`` with every ``Decimal`` that ``str()`` would write with an exponent as raw plain digits."""
    if isinstance(value, Decimal):
        text = str(value)
        return msgspec.Raw(format(value, "f").encode()) if "E" in text else value
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
