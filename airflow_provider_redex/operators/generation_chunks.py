"""Check and encode a whole generation push in one pass, before its first request.

DESIGN.md wants bad data refused before anything is sent, and the push to spend REDEX's budget
at its ceiling with little CPU. So the input is read once: rows are packed into REDEX-sized
chunks, each chunk is validated at once by the models' rules (one call into pydantic-core for
3000 rows), encoded once by ``wire_json``, fingerprinted from those same bytes, and written to
a temporary spool file. When every row has passed, the sending loop only reads finished bodies
back: the next request's body is ready long before its rate-limit slot, memory holds one chunk
at a time, and the disk holds about as much as the input.

A refusal lists where the bad rows are (file line numbers, or row numbers for Parquet and
inline rows), quotes the bad values, groups rows that break the same rule, and says how many
rows were refused in all.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from pydantic import ValidationError

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.daily_fast import daily_readings, plain_readings
from airflow_provider_redex.client.models.generation import MonthlyData
from airflow_provider_redex.operators.generation_input import (
    INVERTER_COLUMN,
    WIRE_NAMES,
    Chunk,
    GenerationInputError,
    GenerationSource,
    pack,
)

MAX_LISTED_ROWS = 20
"""A refusal lists this many rows; the total says how many more there are."""


_TIMESTAMP, _DATA, _DEVICES = WIRE_NAMES["timestamp"], WIRE_NAMES["data"], WIRE_NAMES["devices"]


class PushRefused(ValueError):
    """The input breaks a rule; the message lists where, and nothing was sent."""


@dataclass(frozen=True)
class EncodedChunk:
    """One request, encoded: where its body lies in the spool and what identifies it.

    :param index: position of the chunk in the input, from 0 (the same input always packs the
        same way, which is what lets a retry skip acknowledged chunks).
    :param fingerprint: digest of the body's bytes, as sent.
    :param inverter: the chunk's first inverter, which a lookup reads back from REDEX.
    """

    index: int
    records: int
    offset: int
    length: int
    fingerprint: str
    inverter: str


@dataclass
class PreparedPush:
    """Every request of a push, encoded and spooled to a temporary file (deleted on close)."""

    chunks: list[EncodedChunk] = field(default_factory=list)
    records: int = 0
    inverters: set[str] = field(default_factory=set)
    _spool: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile(prefix="redex-push-"))  # noqa: SIM115
    _end: int = 0

    def add(self, chunk: Chunk, body: bytes) -> None:
        self._spool.write(body)
        encoded = EncodedChunk(
            index=chunk.index,
            records=chunk.size,
            offset=self._end,
            length=len(body),
            fingerprint=body_fingerprint(body),
            inverter=next(iter(chunk.readings)),
        )
        self._end += len(body)
        self.chunks.append(encoded)
        self.records += chunk.size
        self.inverters.update(chunk.readings)

    def body(self, chunk: EncodedChunk) -> bytes:
        """The bytes to send for ``chunk``, exactly as they were fingerprinted."""
        self._spool.seek(chunk.offset)
        return self._spool.read(chunk.length)

    def close(self) -> None:
        self._spool.close()


def body_fingerprint(body: bytes) -> str:
    """A short stable digest of an encoded request body (the bytes that are sent)."""
    return hashlib.sha256(body).hexdigest()[:16]


@dataclass(order=True)
class _Problem:
    position: int
    column: str = field(compare=False)
    rule: str = field(compare=False)
    value: Any = field(compare=False, default=None)


class Refusals:
    """Bad rows seen so far: a count of all of them, and the first :data:`MAX_LISTED_ROWS` by place."""

    def __init__(self, source: GenerationSource) -> None:
        self.source = source
        self.rows = 0
        self.file_problem: str | None = None
        self._listed: list[_Problem] = []

    def __bool__(self) -> bool:
        return bool(self.rows or self.file_problem)

    def add(self, problems: list[_Problem]) -> None:
        """Problems of rows not counted yet (one chunk's, or one row's)."""
        self.rows += len({problem.position for problem in problems})
        self._listed = sorted([*self._listed, *problems])
        positions = sorted({problem.position for problem in self._listed})[:MAX_LISTED_ROWS]
        self._listed = [p for p in self._listed if p.position <= positions[-1]]

    def message(self) -> str:
        if self.file_problem:
            name, problem = self.source.name, self.file_problem
            return f"{name} cannot be read as generation data, nothing was sent: {problem}"
        rows = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
        listed = len({problem.position for problem in self._listed})
        head = f"{rows} of {self.source.name} refused, nothing was sent"
        head += f"; the first {listed}: " if self.rows > listed else ": "
        return head + "; ".join(self._grouped())

    def _grouped(self) -> Iterator[str]:
        """One entry per broken rule, each column once under it: ``rule: Column at line 3 ('x'), ...``."""
        groups: dict[str, dict[str, list[str]]] = {}
        for problem in self._listed:
            place = self.source.where(problem.position).split(" of ")[0]
            quoted = "" if problem.value is _ABSENT else f" ({_quote(problem.value)})"
            groups.setdefault(problem.rule, {}).setdefault(problem.column, []).append(place + quoted)
        for rule, columns in groups.items():
            entries = (f"{column} at {', '.join(places)}" for column, places in columns.items())
            yield f"{rule}: " + "; ".join(entries)


_ABSENT = object()


def _quote(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    return f"{value} ({type(value).__name__})" if isinstance(value, float) else str(value)


def prepare_push(source: GenerationSource, *, frequency: str, per_inverter: bool) -> PreparedPush:
    """Read, check, pack, encode and spool the whole input; :class:`PushRefused` if any row is bad."""
    prepared, refusals = PreparedPush(), Refusals(source)
    one_inverter = frequency == "daily" and per_inverter
    encode = _daily_body if frequency == "daily" else _monthly_body

    def no_inverter(place: int) -> None:
        refusals.add([_Problem(place, INVERTER_COLUMN, "no inverter id", _ABSENT)])

    try:
        limit = rules.MAX_RECORDS_PER_REQUEST
        for chunk in pack(source.rows(), limit, one_inverter=one_inverter, no_inverter=no_inverter):
            body = encode(chunk, refusals, per_inverter=per_inverter, floats_possible=source.inline)
            if body is not None and not refusals:
                prepared.add(chunk, body)
    except GenerationInputError as err:
        refusals.file_problem = str(err)
    if refusals:
        prepared.close()
        raise PushRefused(refusals.message())
    if not prepared.records:
        prepared.close()
        raise PushRefused(f"{source.name} holds no rows; nothing to send")
    return prepared


def _validated(rows: list[dict[str, Any]], *, floats_possible: bool) -> list[Any]:
    """A chunk's readings: the plain common case in pydantic-core alone, else the model's fields.

    The second pass runs only for a chunk the first declines; its errors word the refusal, and
    it also accepts what the model accepts beyond the plain form (a padded day, ``1e3``).
    """
    try:
        readings: list[Any] = plain_readings().validate_python(rows)
    except ValidationError:
        readings = daily_readings(floats_possible=floats_possible).validate_python(rows)
    return readings


def _daily_body(
    chunk: Chunk, refusals: Refusals, *, per_inverter: bool, floats_possible: bool
) -> bytes | None:
    rows = [row for rows in chunk.readings.values() for row in rows]
    try:
        readings = _validated(rows, floats_possible=floats_possible)
    except ValidationError as exc:
        located = chunk.located()
        refusals.add([_problem_from(err, located) for err in exc.errors(include_url=False)])
        return None
    problems: list[_Problem] = []
    devices: list[dict[str, Any]] = []
    latest, start = rules.today_latest(), 0
    for inverter, places in chunk.places.items():
        records, start = readings[start : start + len(places)], start + len(places)
        days: list[date] = [record[_TIMESTAMP] for record in records]
        if len(inverter) > rules.REMOTE_INV_ID_MAX:
            rule = f"at most {rules.REMOTE_INV_ID_MAX} characters"
            problems.append(_Problem(places[0], INVERTER_COLUMN, rule, inverter))
        if max(days) > latest or len(set(days)) < len(days):
            problems.extend(_day_problems(places, days, latest))
        devices.append({INVERTER_COLUMN: inverter, _DATA: records})
    if problems:
        refusals.add(problems)
        return None
    return wire_json.encode(devices[0] if per_inverter else {_DEVICES: devices})


def _day_problems(places: list[int], days: list[date], latest: date) -> list[_Problem]:
    problems: list[_Problem] = []
    seen: set[date] = set()
    for position, day in zip(places, days, strict=True):
        if day > latest:
            problems.append(_Problem(position, _TIMESTAMP, "must not be in the future", day))
        elif day in seen:
            problems.append(_Problem(position, _TIMESTAMP, "this inverter's day is given twice", day))
        seen.add(day)
    return problems


def _problem_from(err: Any, located: list[tuple[int, Any]]) -> _Problem:
    index, *path = err["loc"]
    column = ".".join(str(part) for part in path)
    cause = (err.get("ctx") or {}).get("error")
    rule = str(cause) if isinstance(cause, ValueError) else err["msg"]
    value = _ABSENT if err["type"] == "missing" else err.get("input")
    return _Problem(located[int(index)][0], column, rule, value)


def _monthly_body(chunk: Chunk, refusals: Refusals, **_: bool) -> bytes | None:
    body: list[dict[str, Any]] = []
    problems: list[_Problem] = []
    seen: set[tuple[str, int]] = set()
    for inverter, rows in chunk.readings.items():
        for position, reading in zip(chunk.places[inverter], rows, strict=True):
            try:
                data = MonthlyData.from_input(_nest_months(reading))
            except RedexInputError as err:
                problems.extend(
                    _Problem(position, column, rule, reading.get(column.rsplit(".", 1)[-1], _ABSENT))
                    for column, rule in err.problems
                )
                continue
            if (inverter, data.year) in seen:
                problems.append(_Problem(position, "Year", "this inverter's year is given twice", data.year))
            seen.add((inverter, data.year))
            body.append({INVERTER_COLUMN: inverter, _DATA: data.to_wire()})
    if problems:
        refusals.add(problems)
        return None
    return wire_json.encode(body)


def _nest_months(reading: dict[str, Any]) -> dict[str, Any]:
    """Monthly rows carry their months flat; REDEX nests them."""
    months = {key: reading[key] for key in rules.MONTH_KEYS if key in reading}
    rest = {key: value for key, value in reading.items() if key not in months}
    return {**rest, "PeriodProductionPerMonthInKWh": months}
