"""Shapes shared by every API area: paging, registries, device types, create results, status enums.

The ``Annotated`` aliases here carry the documented constraints of a kind of value (a REC
quantity, a kWh value, a country code) so each request field states its rule by its type and
the limit itself stays in :mod:`.rules`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import BeforeValidator, Field, StringConstraints

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import QueryModel, ResponseModel

_S = TypeVar("_S", bound="LifecycleStatus")

# --- value types with their documented constraints ----------------------------------------


def refuse_float(value: Any) -> Any:
    """Let anything but a float through: a float has already lost the decimal it stood for
    (``0.1`` is 0.1000000000000000055...), so REDEX would be sent a value nobody wrote."""
    if isinstance(value, float):
        raise ValueError(
            f"got the float {value!r}; give the amount as text ({str(value)!r}) or a Decimal, never a float"
        )
    return value


NO_FLOAT = BeforeValidator(refuse_float)
"""Put last in an amount's ``Annotated[Decimal, Field(...), NO_FLOAT]``: after the ``Field``, so
pydantic keeps checking the constraints as decimal constraints (and words them as such)."""

ExactDecimal = Annotated[Decimal, NO_FLOAT]
"""A money or energy amount: ``Decimal``, text or an int; a float is refused (DESIGN.md)."""

RecQuantity = Annotated[
    Decimal,
    Field(
        ge=rules.REC_QUANTITY_MIN,
        le=rules.REC_QUANTITY_MAX,
        decimal_places=rules.QUANTITY_DECIMALS,
        max_digits=rules.QUANTITY_MAX_DIGITS,
    ),
    NO_FLOAT,
]
"""An R3 REC quantity: 0.000001 .. 999999.999999, 6 decimals."""

RetirementQuantity = Annotated[
    Decimal,
    Field(
        ge=rules.RETIREMENT_QUANTITY_MIN,
        le=rules.RETIREMENT_QUANTITY_MAX,
        decimal_places=rules.QUANTITY_DECIMALS,
        max_digits=rules.QUANTITY_MAX_DIGITS,
    ),
    NO_FLOAT,
]
"""A retirement quantity: at most 9999999.999999, 6 decimals."""

EnergyKWh = Annotated[Decimal, Field(ge=0, decimal_places=rules.ENERGY_DECIMALS)]
"""A generation value in kWh: 3 decimals; negative values are refused (our choice, 15.1 #9).

No float rule here: :data:`~.generation.ExactKWh`, the one field type built on it, refuses
floats with its kWh wording, and a second check would run twice per value (6000 calls a batch)."""

CountryCode = Annotated[
    str,
    StringConstraints(
        min_length=rules.COUNTRY_CODE_LENGTH,
        max_length=rules.COUNTRY_CODE_LENGTH,
        pattern=r"^[A-Z]{2}$",
    ),
]
"""ISO 3166-1 alpha-2, upper case. REDEX types it ``[0..2]``; an empty code is never useful."""

RemoteInvId = Annotated[str, StringConstraints(min_length=1, max_length=rules.REMOTE_INV_ID_MAX)]
"""The owner's inverter id: up to 100 characters; our choice: not empty (it is the data key)."""

ItemsPerPage = Annotated[int, Field(ge=rules.ITEMS_PER_PAGE_MIN, le=rules.ITEMS_PER_PAGE_MAX)]
PageNumber = Annotated[int, Field(ge=rules.PAGE_MIN, le=rules.PAGE_MAX)]
MarketId = Annotated[int, Field(ge=rules.MARKET_ID_MIN, le=rules.MARKET_ID_MAX)]


# --- enums ---------------------------------------------------------------------------------


class Registry(str, Enum):
    """RegistryOption (13.1): the registries REC and device data belong to."""

    IREC = "IREC"
    TIGR = "TIGR"


class DeviceType(str, Enum):
    """DeviceType (13.2)."""

    NORMAL = "Normal"
    AGGREGATED = "Aggregated"
    ROOF_TOP = "RoofTop"
    GROUPED = "Grouped"


class LifecycleStatus(str, Enum):
    """Base of the status enums that sensors wait on.

    Each subclass names its success and failure states in :meth:`_outcomes`; everything
    else is active. Callers ask ``status.is_terminal`` and never compare strings.
    """

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        """``(success states, failure states)``; overridden by every subclass."""
        raise NotImplementedError

    @classmethod
    def success_states(cls: type[_S]) -> frozenset[_S]:
        return frozenset(cls._outcomes()[0])

    @classmethod
    def failure_states(cls: type[_S]) -> frozenset[_S]:
        return frozenset(cls._outcomes()[1])

    @classmethod
    def terminal_states(cls: type[_S]) -> frozenset[_S]:
        return cls.success_states() | cls.failure_states()

    @classmethod
    def active_states(cls: type[_S]) -> frozenset[_S]:
        return frozenset(cls) - cls.terminal_states()

    @property
    def is_success(self) -> bool:
        return self in self.success_states()

    @property
    def is_failure(self) -> bool:
        return self in self.failure_states()

    @property
    def is_terminal(self) -> bool:
        return self.is_success or self.is_failure


# --- responses -----------------------------------------------------------------------------


class PageMeta(ResponseModel):
    """The pagination ``Meta`` of a list response (1.3).

    ``CurrentPage`` and ``TotalPage`` drive paging; the other two are informative and may be
    missing without harm.
    """

    current_page: int
    total_page: int
    total_items: int | None = None
    items_per_page: int | None = None


class CreatedResource(ResponseModel):
    """``Data`` of a create (D1, R3, T2, T5): ``{"Id": uuid}``.

    Only R3 and T2 document it; for D1 and T5 it is our choice (15.1 #5, #19).
    ``redex_message`` is not on the wire: the resource copies the envelope's ``Message`` into
    it, because R3 may answer 201 with a residual-mix warning there instead of "Success".
    """

    id: UUID
    redex_message: str | None = Field(default=None, exclude=True)


# --- queries -------------------------------------------------------------------------------


class PageQuery(QueryModel):
    """The paging and sorting parameters every list endpoint takes (1.3).

    ``ItemsPerPage`` follows C14 (1..100, default 100). Resources leave ``CurrentPage`` to
    the paginator; the sandbox reads it from here.
    """

    order_by: str | None = None
    is_descending: bool | None = None
    search: str | None = None
    current_page: PageNumber = 1
    items_per_page: ItemsPerPage = rules.ITEMS_PER_PAGE_DEFAULT

    def filter_params(self) -> dict[str, Any]:
        """The query without paging, which the paginator adds page by page."""
        return self.to_params(exclude={"current_page", "items_per_page"})
