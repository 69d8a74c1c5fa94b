"""Daily readings validated as plain dicts: the G1/G2 fast path shared by the client and the push.

A model instance per reading, then ``model_dump``, costs about twice what one pydantic-core call
over a list of TypedDicts costs, and a batch holds 3000 readings. The push, which words its own
refusals from the adapter's errors, validates with :func:`daily_readings`, built from
:class:`~.generation.DailyRecord`'s own fields so the model stays where the rules are written.
The client only needs a yes: :func:`plain_readings` accepts the plain common case in
pydantic-core alone and leaves everything else to the model. The rules that span readings are
checked here once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import ConfigDict, TypeAdapter
from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs
from typing_extensions import TypedDict

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.common import RemoteInvId
from airflow_provider_redex.client.models.generation import DailyRecord, not_in_future, refuse_float

PLAIN_KWH_TEXT = rf"[0-9]+(?:\.[0-9]{{1,{rules.ENERGY_DECIMALS}}})?"
"""A kWh as text that :class:`DailyRecord` surely accepts: digits, at most
:data:`~.rules.ENERGY_DECIMALS` decimals, no sign or exponent (the sandbox's plain path reads
text kWh by it too)."""

_TIMESTAMP = "Timestamp"
_DEVICE_KEYS = frozenset({"RemoteInvId", "Data"})


@cache
def daily_readings(*, floats_possible: bool) -> TypeAdapter[Any]:
    """:class:`DailyRecord`'s fields and field rules as a list of TypedDicts (wire keys, field order).

    The clock-dependent rule (no future day) is left out: the caller checks the latest day once
    per request instead of 3000 times. Input that cannot hold floats (CSV text, JSON lines read
    as ``Decimal``) skips the model's Python-level float check; anything else keeps it.
    """
    fields = {}
    for name, info in DailyRecord.model_fields.items():
        metadata = [
            m
            for m in info.metadata
            if getattr(m, "func", None) is not not_in_future
            and (floats_possible or getattr(m, "func", None) is not refuse_float)
        ]
        fields[info.alias or name] = Annotated[(info.annotation, *metadata)] if metadata else info.annotation
    reading = TypedDict("DailyReading", fields)  # type: ignore[misc]
    reading.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return TypeAdapter(list[reading])  # type: ignore[valid-type]


@cache
def plain_readings() -> SchemaValidator:
    """Readings as the client's fast path takes them, checked in pydantic-core alone.

    :func:`daily_readings` calls three Python validators per reading (day format, two float
    checks), as much CPU as the rest of the validation. Here a day is ``YYYY-MM-DD`` text or a
    ``date`` (not a ``datetime``), a kWh is plain non-negative digits with at most
    :data:`~.rules.ENERGY_DECIMALS` decimals, a non-negative ``int`` or a ``Decimal`` within
    the model's bounds; text or ints then become a ``Decimal`` exactly as the model makes them.
    That is narrower than :class:`DailyRecord` on purpose: a reading refused here is refused
    by nobody, since the caller then asks the model, which words every error.
    """
    day_text = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    kwh_text = f"^{PLAIN_KWH_TEXT}$"
    day = cs.union_schema(
        [
            cs.chain_schema([cs.str_schema(strict=True, pattern=day_text), cs.date_schema()]),
            cs.date_schema(strict=True),
        ],
        mode="left_to_right",
    )
    kwh = cs.union_schema(
        [
            cs.chain_schema([cs.str_schema(strict=True, pattern=kwh_text), cs.decimal_schema()]),
            cs.chain_schema([cs.int_schema(strict=True, ge=0), cs.decimal_schema()]),
            cs.decimal_schema(strict=True, ge=Decimal(0), decimal_places=rules.ENERGY_DECIMALS),
        ],
        mode="left_to_right",
    )
    fields = {
        info.alias or name: cs.typed_dict_field(day if info.annotation is date else kwh)
        for name, info in DailyRecord.model_fields.items()
    }
    return SchemaValidator(cs.list_schema(cs.typed_dict_schema(fields, extra_behavior="forbid")))


@cache
def _inverter_ids() -> TypeAdapter[list[str]]:
    return TypeAdapter(list[RemoteInvId])


def plain_daily_wire(body: Any, *, batch: bool) -> dict[str, Any] | None:
    """The wire dict of a plainly valid G2 (``batch``) or G1 body given as dicts, else ``None``.

    It never refuses: on any problem or doubt (a rule broken, an unknown or snake_case key, a
    container that is not a plain dict or list) it declines, and the caller validates with the
    model, so every error a user sees, its wording, location and type, comes from the model
    alone. Only the common case is made cheap; a rare shape costs one extra pass, never a
    different answer.
    """
    try:
        devices = _devices(body, batch=batch)
        if devices is None:
            return None
        ids = [device["RemoteInvId"] for device in devices]
        if any(type(inverter) is not str for inverter in ids) or len(set(ids)) < len(ids):
            return None
        ids = _inverter_ids().validate_python(ids)
        rows = [row for device in devices for row in device["Data"]]
        if not 0 < len(rows) <= rules.MAX_RECORDS_PER_REQUEST:
            return None
        readings = plain_readings().validate_python(rows)
        out, start = [], 0
        for inverter, device in zip(ids, devices, strict=True):
            end = start + len(device["Data"])
            records = readings[start:end]
            days: set[date] = {record[_TIMESTAMP] for record in records}
            if len(days) < end - start:
                return None  # a day twice for one inverter
            out.append({"RemoteInvId": inverter, "Data": records})
            start = end
        if max(record[_TIMESTAMP] for record in readings) > rules.today_latest():
            return None
    except Exception:  # in doubt, the model decides and words the error
        return None
    return {"Devices": out} if batch else out[0]


def _devices(body: Any, *, batch: bool) -> list[Mapping[str, Any]] | None:
    """The body's devices when every container is a plain ``dict``/``list`` with only wire keys."""
    if type(body) is not dict:
        return None
    if batch:
        if body.keys() != {"Devices"} or type(body["Devices"]) is not list or not body["Devices"]:
            return None
        devices: list[Any] = body["Devices"]
    else:
        devices = [body]
    for device in devices:
        if type(device) is not dict or device.keys() != _DEVICE_KEYS:
            return None
        if type(device["Data"]) is not list or not device["Data"]:
            return None
    return devices
