"""The spot exchange (X1-X11): markets, tickers, an order book that rests, matches and cancels.

Every ticker's book starts with a few seeded market-maker orders (no account), so a new
order has something to meet. Matching is price-time priority at the resting order's
price; a match records a spot transaction (``Pending`` settlement) for each side that
belongs to an account. Inventory is not locked by orders: settlement is outside the sandbox.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from airflow_provider_redex.client.models.exchange import OrderSide, OrderStatus, SpotTransactionStatus
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import ApiError, bad_request

MARKETS = ((1, "Global", "USD"), (2, "China", "CNY"), (3, "Latam", "BRL"))
TICKERS = (
    ("MY.24.SLR.i", "MY", 2024, "Solar", "IREC", None),
    ("VN.23.SLR.i", "VN", 2023, "Solar", "IREC", None),
    ("VN.24.SLR.i", "VN", 2024, "Solar", "IREC", None),
    ("MY.1H24.SLR.i", "MY", 2024, "Solar", "IREC", "1H"),
    ("MY.24.GTM.t", "MY", 2024, "Geothermal", "TIGR", None),
    ("CN.24.WND.i", "CN", 2024, "Wind", "IREC", None),
)
FUEL_CODES = {
    "Solar": "SLR",
    "Wind": "WND",
    "Geothermal": "GTM",
    "Hydro": "HYD",
    "Biomass": "BMS",
    "Biogas": "BGS",
}
FAT_FINGER = {
    "BuyPriceUpperLimit": Decimal(100),
    "SellPriceUpperLimit": Decimal(300),
    "BuyNotionalUpperLimit": Decimal(10000),
}


@dataclass
class OrderRecord:
    id: int
    account_id: UUID | None
    market_id: int
    ticker_id: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    created: float
    filled: Decimal = Decimal(0)
    status: OrderStatus = OrderStatus.ACTIVE
    matched: float | None = None
    finished: float | None = None

    @property
    def active(self) -> Decimal:
        return self.quantity - self.filled if self.status is OrderStatus.ACTIVE else Decimal(0)


@dataclass
class TradeRecord:
    id: int
    order: OrderRecord
    price: Decimal
    quantity: Decimal
    time: float
    status: SpotTransactionStatus = SpotTransactionStatus.PENDING


class ExchangeStore:
    def __init__(self, ids: IdFactory, seed: int) -> None:
        self._ids = ids
        self.orders: dict[int, OrderRecord] = {}
        self.trades: list[TradeRecord] = []
        self._seed_books(random.Random(seed ^ 0xB00C))

    def _seed_books(self, rng: random.Random) -> None:
        for market_id, _, _ in MARKETS:
            for ticker_id, *_ in TICKERS:
                mid = Decimal(rng.randrange(300, 900)) / 100
                for level in range(1, 4):
                    step = Decimal(level * 10) / 100
                    for side, price in ((OrderSide.BUY, mid - step), (OrderSide.SELL, mid + step)):
                        self._add(
                            None, market_id, ticker_id, side, price, Decimal(rng.randrange(50, 1000)), 0.0
                        )

    def _add(
        self,
        account_id: UUID | None,
        market_id: int,
        ticker_id: str,
        side: OrderSide,
        price: Decimal,
        quantity: Decimal,
        now: float,
    ) -> OrderRecord:
        order = OrderRecord(
            self._ids.number("order", 1_001), account_id, market_id, ticker_id, side, price, quantity, now
        )
        self.orders[order.id] = order
        return order

    @staticmethod
    def ticker_known(ticker_id: str) -> bool:
        return any(t[0] == ticker_id for t in TICKERS)

    def place(
        self,
        account_id: UUID,
        market_id: int,
        ticker_id: str,
        side: OrderSide,
        price: Decimal,
        quantity: Decimal,
        now: float,
    ) -> OrderRecord:
        """Validate against the market, rest the order, then match it against the book."""
        if market_id not in {m[0] for m in MARKETS}:
            raise bad_request("UnknownMarket", f"no market {market_id}", "MarketId")
        if not self.ticker_known(ticker_id):
            raise bad_request("UnknownTicker", f"no ticker {ticker_id!r}", "TickerId")
        self._fat_finger(side, price, quantity)
        order = self._add(account_id, market_id, ticker_id, side, price, quantity, now)
        self._match(order, now)
        return order

    @staticmethod
    def _fat_finger(side: OrderSide, price: Decimal, quantity: Decimal) -> None:
        if side is OrderSide.BUY and price > FAT_FINGER["BuyPriceUpperLimit"]:
            raise bad_request("FatFinger", "price above the buy price limit", "Price")
        if side is OrderSide.SELL and price > FAT_FINGER["SellPriceUpperLimit"]:
            raise bad_request("FatFinger", "price above the sell price limit", "Price")
        if side is OrderSide.BUY and price * quantity > FAT_FINGER["BuyNotionalUpperLimit"]:
            raise bad_request("FatFinger", "notional above the buy notional limit", "Quantity")

    def _match(self, order: OrderRecord, now: float) -> None:
        for resting in self._opposite(order):
            if order.active == 0:
                break
            quantity = min(order.active, resting.active)
            for side in (order, resting):
                side.filled += quantity
                side.matched = side.matched or now
                if side.active == 0:
                    side.status, side.finished = OrderStatus.COMPLETED, now
                if side.account_id is not None:
                    self.trades.append(
                        TradeRecord(self._ids.number("trade", 40_001), side, resting.price, quantity, now)
                    )

    def _opposite(self, order: OrderRecord) -> list[OrderRecord]:
        buy = order.side is OrderSide.BUY
        book = [
            o
            for o in self.orders.values()
            if o.id != order.id
            and o.status is OrderStatus.ACTIVE
            and o.market_id == order.market_id
            and o.ticker_id == order.ticker_id
            and o.side is not order.side
            and (o.price <= order.price if buy else o.price >= order.price)
        ]
        return sorted(book, key=lambda o: (o.price if buy else -o.price, o.created, o.id))

    def cancel(self, account_id: UUID, order_id: int, now: float) -> OrderRecord:
        order = self.orders.get(order_id)
        if order is None or order.account_id is None:
            raise ApiError(404)
        if order.account_id != account_id:
            raise ApiError(403)
        if order.status is not OrderStatus.ACTIVE:
            raise bad_request("OrderNotActive", f"the order is {order.status.value}", "orderId", status=409)
        order.status, order.finished = OrderStatus.CANCELLED, now
        return order

    def depth(
        self, market_id: int, ticker_id: str
    ) -> list[tuple[OrderSide, Decimal, Decimal, set[UUID | None]]]:
        """Price levels: side, price, open quantity, and who has orders there."""
        levels: dict[tuple[OrderSide, Decimal], tuple[Decimal, set[UUID | None]]] = {}
        for o in self.orders.values():
            if o.status is OrderStatus.ACTIVE and o.market_id == market_id and o.ticker_id == ticker_id:
                quantity, owners = levels.get((o.side, o.price), (Decimal(0), set()))
                levels[(o.side, o.price)] = (quantity + o.active, owners | {o.account_id})
        ordered = sorted(
            levels.items(),
            key=lambda kv: (kv[0][0].value, -kv[0][1] if kv[0][0] is OrderSide.BUY else kv[0][1]),
        )
        return [(side, price, quantity, owners) for (side, price), (quantity, owners) in ordered]

    def best(self, market_id: int, ticker_id: str) -> tuple[Decimal | None, Decimal | None]:
        bids = [p for s, p, _, _ in self.depth(market_id, ticker_id) if s is OrderSide.BUY]
        offers = [p for s, p, _, _ in self.depth(market_id, ticker_id) if s is OrderSide.SELL]
        return (max(bids) if bids else None, min(offers) if offers else None)
