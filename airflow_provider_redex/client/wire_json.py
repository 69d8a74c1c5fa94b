"""JSON for REDEX with exact decimals.

Quantities are decimal(18,6) and energy values carry 3 decimals: a float on the way in or
out would change them (``0.1 + 0.2``). Responses are parsed with ``parse_float=Decimal``;
requests are written by a small encoder that emits a ``Decimal`` as a JSON number with its
exact digits (REDEX's schema says number; C19 in API_REFERENCE.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID


def loads(text: str | bytes) -> Any:
    """Parse JSON, every non-integer number as ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Serialize plain data (dicts, lists, str, int, bool, None, Decimal, date, UUID, Enum)."""
    return "".join(_encode(value))


def _encode(value: Any) -> Any:
    if value is None or (isinstance(value, (bool, int, str)) and not isinstance(value, Enum)):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, Decimal):
        yield _decimal_text(value)
    elif isinstance(value, Enum):
        yield from _encode(value.value)
    elif isinstance(value, date):  # datetime is a date too
        yield json.dumps(value.isoformat())
    elif isinstance(value, UUID):
        yield json.dumps(str(value))
    elif isinstance(value, float):
        # Only reachable from callers that built floats themselves; keep their repr.
        yield json.dumps(value)
    elif isinstance(value, Mapping):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            if i:
                yield ","
            yield json.dumps(str(key), ensure_ascii=False)
            yield ":"
            yield from _encode(item)
        yield "}"
    elif isinstance(value, (list, tuple)):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as REDEX JSON")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    return format(value, "f")
