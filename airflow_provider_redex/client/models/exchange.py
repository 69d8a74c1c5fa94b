"""The spot exchange (X1-X11): markets, tickers, order book, limit orders, transactions."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StringConstraints

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.base import (
    QueryModel,
    RequestModel,
    ResponseModel,
    ValueDescription,
)
from airflow_provider_redex.client.models.common import (
    NO_FLOAT,
    CountryCode,
    LifecycleStatus,
    MarketId,
    PageQuery,
)
from airflow_provider_redex.client.models.inventory import AdvanceFilter
from airflow_provider_redex.client.models.times import UtcDateTime

_TickerId = Annotated[str, StringConstraints(min_length=1)]
_OrderQuantity = Annotated[
    Decimal, Field(ge=rules.ORDER_QUANTITY_MIN, decimal_places=rules.QUANTITY_DECIMALS), NO_FLOAT
]
_FilteredQuantity = Annotated[
    Decimal, Field(ge=rules.FILTERED_ORDER_QUANTITY_MIN, decimal_places=rules.QUANTITY_DECIMALS), NO_FLOAT
]
_Price = Annotated[Decimal, Field(ge=rules.ORDER_PRICE_MIN), NO_FLOAT]


class SpotRegistry(str, Enum):
    """The ticker lookup's Registry (13.1), which adds ``GEC`` to IREC and TIGR."""

    IREC = "IREC"
    TIGR = "TIGR"
    GEC = "GEC"


class OrderSide(str, Enum):
    SELL = "Sell"
    BUY = "Buy"


class OrderType(str, Enum):
    LIMIT = "Limit"


class DeliveryType(str, Enum):
    SPOT = "Spot"
    FORWARD_CONTRACT = "ForwardContract"


class TimeInForce(str, Enum):
    """``GTC`` on resources; the X10 filter example spells it ``GoodTilCancel``, read as the same."""

    GTC = "GTC"

    @classmethod
    def _missing_(cls, value: object) -> TimeInForce | None:
        return cls.GTC if value == "GoodTilCancel" else None


class TimePeriod(str, Enum):
    """Ticker time periods REDEX supports today (1H, 2H; quarters and months are not yet)."""

    H1 = "1H"
    H2 = "2H"


class OrderStatus(LifecycleStatus):
    """Limit order status. The create page's ``Filled`` is read as ``Completed`` (C10)."""

    ACTIVE = "Active"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"

    @classmethod
    def _missing_(cls, value: object) -> OrderStatus | None:
        return cls.COMPLETED if value == "Filled" else None

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        return frozenset({cls.COMPLETED}), frozenset({cls.CANCELLED})


class SpotTransactionStatus(LifecycleStatus):
    """Spot transaction status (13.15): ``(Requested ->) Pending -> Settled``, or voided."""

    REQUESTED = "Requested"
    PENDING = "Pending"
    SETTLED = "Settled"
    VOIDED = "Voided"
    CANCELLED = "Cancelled"
    REFUNDED = "Refunded"

    @classmethod
    def _outcomes(cls) -> tuple[frozenset[Any], frozenset[Any]]:
        return frozenset({cls.SETTLED}), frozenset({cls.VOIDED, cls.CANCELLED, cls.REFUNDED})


# --- requests ------------------------------------------------------------------------------


class LimitOrderRequest(RequestModel):
    """X7 body: ``Quantity`` at least 1, ``Price`` at least 0.01, ``MarketId`` 1.. (BR19).

    Fat-finger limits (X4) depend on the market and are checked by REDEX, not here.
    """

    ticker_id: _TickerId
    delivery_type: DeliveryType
    quantity: _OrderQuantity
    price: _Price
    order_side: OrderSide
    market_id: MarketId


class FilteredLimitOrderRequest(RequestModel):
    """X8 body: a limit order that only matches inventory meeting ``AdvanceFilters``.

    Redoc lets ``Quantity``/``Price`` be null; the wiki requires them. Our choice: required,
    since an order without them cannot be matched.
    """

    ticker_id: _TickerId
    order_side: OrderSide
    quantity: _FilteredQuantity
    price: _Price
    market_id: MarketId
    advance_filters: AdvanceFilter | None = None


class TickerQuery(QueryModel):
    """X2 query."""

    country_code: CountryCode
    vintage: int = Field(ge=1900, le=9999)
    fuel_type: Annotated[str, StringConstraints(min_length=1)]
    registry: SpotRegistry | None = None
    time_period: TimePeriod | None = None


class TickersQuery(PageQuery):
    """X3 filters."""

    market_id: MarketId


class FatFingerLimitQuery(QueryModel):
    """X4 query."""

    country_code: CountryCode
    market_id: MarketId


class DepthQuery(PageQuery):
    """X5 filters."""

    market_id: MarketId
    ticker_id: _TickerId
    side: OrderSide | None = None


class LimitOrderQuery(PageQuery):
    """X6 filters."""

    market_id: MarketId
    ticker_id: _TickerId
    status: OrderStatus | None = None
    side: OrderSide | None = None


class SpotTransactionQuery(PageQuery):
    """X10 filters. ``TIFs`` is sent as ``GoodTilCancel``, the spelling the filter example uses."""

    statuses: list[SpotTransactionStatus] | None = None
    sides: list[OrderSide] | None = None
    types: list[OrderType] | None = None
    tifs: list[str] | None = Field(default=None, alias="TIFs")
    market_ids: list[MarketId] | None = None


# --- responses -----------------------------------------------------------------------------


class Market(ResponseModel):
    """X1 item: 1 Global (USD), 2 China (CNY), 3 Latam (BRL)."""

    market_id: int
    name: str | None = None
    currency_code: str | None = None


class Ticker(ResponseModel):
    """X2 ``Data``: ``TickerId`` is ``{Country}.{[TimePeriod]yy}.{Fuel}.{i|t}``."""

    ticker_id: str
    country_code: str | None = None
    vintage: int | None = None
    fuel_type: str | None = None
    registry: str | None = None
    time_period: str | None = None


class TickerQuote(ResponseModel):
    """X3 item: a ticker's best bid and offer."""

    ticker_id: str
    registry: str | None = None
    bids: Decimal | None = None
    offers: Decimal | None = None


class FatFingerLimit(ResponseModel):
    """X4 ``Data``: the price and notional caps for a country and market."""

    country_code: str | None = None
    buy_price_upper_limit: Decimal | None = None
    sell_price_upper_limit: Decimal | None = None
    buy_notional_upper_limit: Decimal | None = None
    currency: str | None = None


class DepthLevel(ResponseModel):
    """X5 item: one price level of the order book."""

    type: OrderType | None = None
    side: OrderSide
    has_your_order: bool | None = None
    price: Decimal
    quantity: Decimal
    currency: str | None = None


class Order(ResponseModel):
    """X6 item; our choice for the X7 and X9 answers too (15.1 #23)."""

    order_id: int
    status: OrderStatus
    ticker_id: str
    side: OrderSide
    type: OrderType | None = None
    time_in_force: TimeInForce | None = None
    price: Decimal
    quantity: Decimal
    active_quantity: Decimal | None = None
    filled_quantity: Decimal | None = None
    currency: str | None = None
    created_time: UtcDateTime | None = None
    matched_time: UtcDateTime | None = None
    filled_time: UtcDateTime | None = None
    cancelled_time: UtcDateTime | None = None


class FilteredOrderRef(ResponseModel):
    """X8 ``Data``: ``{"TickerId": ..., "OrderId": ...}``."""

    ticker_id: str
    order_id: int


class RecItemTransactionHistory(ResponseModel):
    """X11: a REC item a spot transaction moved."""

    rec_item_id: UUID | None = None
    serial_number: str | None = None
    device_unique_id: str | None = None
    device_name: str | None = None


class SpotTransaction(ResponseModel):
    """X10 item. ``OrderId``/``TransactionId`` are int64 but quoted in the example; both read.

    Invoices: the table has ``BuyerInvoiceId``/``SellerInvoiceId``, the example ``InvoiceId``
    (C15); all three are read.
    """

    order_id: int
    transaction_id: int
    status: ValueDescription[SpotTransactionStatus]
    ticker_id: str | None = None
    side: OrderSide | None = None
    type: OrderType | None = None
    time_in_force: TimeInForce | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    matched_price: Decimal | None = None
    user_name: str | None = None
    currency_code: str | None = None
    device_unique_id: str | None = None
    buyer_invoice_id: str | None = None
    seller_invoice_id: str | None = None
    invoice_id: str | None = None
    market_name: str | None = None
    created_time: UtcDateTime | None = None
    matched_time: UtcDateTime | None = None
    finished_time: UtcDateTime | None = None


class SpotTransactionDetail(SpotTransaction):
    """X11 ``Data``: the transaction plus the REC items it moved."""

    rec_transaction_history_id: str | None = None
    rec_item_transaction_histories: list[RecItemTransactionHistory] = Field(default_factory=list)
