"""The base models every REDEX request and response model derives from.

REDEX speaks PascalCase JSON (``RemoteInvId``, ``CurrentPage``); Python code uses snake_case.
One alias generator does the mapping; a field whose wire name does not follow the rule
(``PeriodProductionInKWh``) sets ``alias`` itself.

Requests forbid unknown fields, so a typo fails before anything is sent. Responses allow
them, so a field REDEX adds tomorrow does not break today's client.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
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


class ResponseModel(RedexModel):
    """A resource REDEX returns. Unknown fields are kept (``model_extra``)."""

    model_config = ConfigDict(extra="allow")


class ValueDescription(ResponseModel, Generic[_V]):
    """REDEX's enum-in-a-response shape: ``{"Value": "InProgress", "Description": "In-Progress"}``."""

    value: _V
    description: str | None = None


def input_error(exc: ValidationError, *, what: str) -> RedexInputError:
    """Map a pydantic ``ValidationError`` to a :class:`RedexInputError` with wire field paths."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in err["loc"])
        problems.append((loc.replace(".[", "[") or what, err["msg"]))
    return RedexInputError(problems, what=what)
