"""The base models every REDEX request and response model derives from.

REDEX speaks PascalCase JSON (``RemoteInvId``, ``CurrentPage``); Python code uses snake_case.
One alias generator does the mapping; a field whose wire name does not follow the rule
(``PeriodProductionInKWh``) sets ``alias`` itself.

Requests forbid unknown fields, so a typo fails before anything is sent. Responses allow
them, so a field REDEX adds tomorrow does not break today's client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic.alias_generators import to_pascal

from airflow_provider_redex.client.errors import RedexInputError

_Self = TypeVar("_Self", bound="RequestModel")
_V = TypeVar("_V")


class RedexModel(BaseModel):
    """PascalCase on the wire, snake_case in Python; both names accepted on input."""

    model_config = ConfigDict(
        alias_generator=to_pascal,
        populate_by_name=True,
        use_enum_values=False,
        arbitrary_types_allowed=False,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict REDEX expects: wire names, no unset optionals, Decimals kept exact."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="python")


class RequestModel(RedexModel):
    """A body or query REDEX receives. Unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def from_input(cls: type[_Self], data: Any) -> _Self:
        """Validate user input, turning pydantic's error into one that names field and rule."""
        if isinstance(data, cls):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise input_error(exc, what=cls.__name__) from None


class QueryModel(RequestModel):
    """A query string REDEX receives; ``to_params()`` gives the transport's ``params`` mapping."""

    def to_params(self, *, exclude: set[str] | None = None) -> dict[str, Any]:
        """Wire names to query values: enums by value, dates ISO, booleans ``true``/``false``."""
        dumped = self.model_dump(by_alias=True, exclude_none=True, exclude=exclude, mode="python")
        return {key: _query_value(value) for key, value in dumped.items()}


class ResponseModel(RedexModel):
    """A resource REDEX returns. Unknown fields are kept (``model_extra``)."""

    model_config = ConfigDict(extra="allow")

    def to_wire(self) -> dict[str, Any]:
        """As REDEX sends it: nulls are kept (the seeds show ``"VerificationUrl": null``)."""
        return self.model_dump(by_alias=True, mode="python")


class ValueDescription(ResponseModel, Generic[_V]):
    """REDEX's enum-in-a-response shape: ``{"Value": "InProgress", "Description": "In-Progress"}``.

    A bare value (``"IREC"``) is accepted as ``{"Value": "IREC"}``: the docs are not consistent
    about which fields are wrapped, and a reader should not break on either form.
    """

    value: _V
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap_bare_value(cls, data: Any) -> Any:
        if isinstance(data, (str, int, Enum)):
            return {"Value": data}
        return data


class RuleViolation(ValueError):
    """Cross-field rules broken in one model; each problem names its wire field path.

    Raised from ``model_validator``s so that :func:`input_error` can report the field that
    broke the rule (``Devices[0].Inverters``) rather than the whole model.
    """

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        super().__init__("; ".join(f"{field}: {rule}" for field, rule in self.problems))


class Problems(list[tuple[str, str]]):
    """Collects ``(wire field path, rule)`` pairs in a validator, then raises them together."""

    def add(self, field: str, rule: str) -> None:
        self.append((field, rule))

    def nested(self, prefix: str, problems: Iterable[tuple[str, str]]) -> None:
        """Add problems of a child object under ``prefix`` (``Inverters[3]``)."""
        self.extend((_join_path(prefix, field), rule) for field, rule in problems)

    def raise_any(self) -> None:
        if self:
            raise RuleViolation(self)


def input_error(exc: ValidationError, *, what: str) -> RedexInputError:
    """Map a pydantic ``ValidationError`` to a :class:`RedexInputError` with wire field paths."""
    problems: list[tuple[str, str]] = []
    values: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = _field_path(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, RuleViolation):
            for field, rule in cause.problems:
                problems.append((_join_path(loc, field) or what, rule))
        else:
            rule = str(cause) if isinstance(cause, ValueError) else err["msg"]
            problems.append((loc or what, rule))
            quoted = _quoted(loc, err.get("input"), rule)
            if quoted:
                values[loc or what] = quoted
    return RedexInputError(problems, what=what, values=values)


_SECRET_WORDS = ("secret", "password", "token", "key")
_QUOTED_MAX = 60


def _quoted(field: str, value: Any, rule: str) -> str:
    """``'12.3456'``: the value that broke the rule, so the user can find it. Only short scalars,
    never a secret-looking field, and not when the rule quotes it already ("" then)."""
    if isinstance(value, (dict, list, tuple, set)) or value is None:
        return ""
    if any(word in field.lower() for word in _SECRET_WORDS):
        return ""
    text = repr(str(value)) if isinstance(value, Decimal) else repr(value)
    if len(text) > _QUOTED_MAX:
        text = text[: _QUOTED_MAX - 3] + "..."
    return "" if text in rule else text


def _field_path(loc: Iterable[int | str]) -> str:
    path = ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in loc)
    return path.replace(".[", "[")


def _join_path(prefix: str, field: str) -> str:
    if not prefix:
        return field
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


def _query_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_query_value(item) for item in value]
    if isinstance(value, Enum):
        return _query_value(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        raise TypeError("a query parameter cannot be an object")
    return value
