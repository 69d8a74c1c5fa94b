"""X1-X11: the spot exchange over the seeded order book (``state/exchange.py``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from airflow_provider_redex.client.models.exchange import (
    DepthLevel,
    DepthQuery,
    FatFingerLimit,
    FatFingerLimitQuery,
    FilteredLimitOrderRequest,
    FilteredOrderRef,
    LimitOrderQuery,
    LimitOrderRequest,
    Market,
    Order,
    SpotTransaction,
    SpotTransactionDetail,
    SpotTransactionQuery,
    Ticker,
    TickerQuery,
    TickerQuote,
    TickersQuery,
)
from airflow_provider_redex.sandbox.api._routing import (
    AccountDep,
    SandboxDep,
    emit,
    page_of,
    read_body,
    read_query,
    serve,
)
from airflow_provider_redex.sandbox.clock import wire_time
from airflow_provider_redex.sandbox.responses import ApiError, RedexJSONResponse, answer, bad_request
from airflow_provider_redex.sandbox.state.exchange import (
    FAT_FINGER,
    FUEL_CODES,
    MARKETS,
    TICKERS,
    OrderRecord,
    TradeRecord,
)

router = APIRouter(tags=["spot exchange"])


def _currency(market_id: int) -> str:
    return next((m[2] for m in MARKETS if m[0] == market_id), "USD")


@serve(router, "exchange.list_markets")
async def list_markets(_: AccountDep) -> RedexJSONResponse:
    return answer([emit(Market, {"MarketId": m, "Name": n, "CurrencyCode": c}) for m, n, c in MARKETS])


@serve(router, "exchange.get_ticker", query=TickerQuery)
async def get_ticker(request: Request, _: AccountDep) -> RedexJSONResponse:
    q = read_query(request, TickerQuery)
    code = FUEL_CODES.get(q.fuel_type)
    if code is None:
        raise bad_request("UnknownFuelType", f"no fuel type {q.fuel_type!r}", "FuelType")
    registry = q.registry.value if q.registry else "IREC"
    period = q.time_period.value if q.time_period else ""
    ticker_id = f"{q.country_code}.{period}{q.vintage % 100:02d}.{code}.{registry[0].lower()}"
    data = {
        "TickerId": ticker_id,
        "CountryCode": q.country_code,
        "Vintage": q.vintage,
        "FuelType": q.fuel_type,
        "Registry": registry,
        "TimePeriod": period or None,
    }
    return answer(emit(Ticker, data))


@serve(router, "exchange.list_tickers", query=TickersQuery)
async def list_tickers(request: Request, sandbox: SandboxDep, _: AccountDep) -> RedexJSONResponse:
    q = read_query(request, TickersQuery)
    quotes = []
    for ticker_id, _country, _vintage, _fuel, registry, _period in TICKERS:
        bid, offer = sandbox.state.exchange.best(q.market_id, ticker_id)
        quotes.append(
            emit(TickerQuote, {"TickerId": ticker_id, "Registry": registry, "Bids": bid, "Offers": offer})
        )
    items, meta = page_of(q, quotes)
    return answer(items, meta=meta)


@serve(router, "exchange.get_fat_finger_limit", query=FatFingerLimitQuery)
async def get_fat_finger_limit(request: Request, _: AccountDep) -> RedexJSONResponse:
    q = read_query(request, FatFingerLimitQuery)
    data = {"CountryCode": q.country_code, **FAT_FINGER, "Currency": _currency(q.market_id)}
    return answer(emit(FatFingerLimit, data))


@serve(router, "exchange.get_depth", query=DepthQuery)
async def get_depth(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    q = read_query(request, DepthQuery)
    levels = [
        emit(
            DepthLevel,
            {
                "Type": "Limit",
                "Side": side,
                "HasYourOrder": account.account_id in owners,
                "Price": price,
                "Quantity": quantity,
                "Currency": _currency(q.market_id),
            },
        )
        for side, price, quantity, owners in sandbox.state.exchange.depth(q.market_id, q.ticker_id)
        if q.side is None or side is q.side
    ]
    items, meta = page_of(q, levels)
    return answer(items, meta=meta)


@serve(router, "exchange.list_limit_orders", query=LimitOrderQuery)
async def list_limit_orders(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    q = read_query(request, LimitOrderQuery)
    found = [
        o
        for o in sandbox.state.exchange.orders.values()
        if o.account_id == account.account_id
        and o.market_id == q.market_id
        and o.ticker_id == q.ticker_id
        and (q.status is None or o.status is q.status)
        and (q.side is None or o.side is q.side)
    ]
    items, meta = page_of(q, [_order(o) for o in found])
    return answer(items, meta=meta)


@serve(router, "exchange.create_limit_order", body=LimitOrderRequest, status_code=201)
async def create_limit_order(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    b = await read_body(request, LimitOrderRequest)
    order = sandbox.state.exchange.place(
        account.account_id, b.market_id, b.ticker_id, b.order_side, b.price, b.quantity, sandbox.clock.now()
    )
    return answer(_order(order), status=201)


@serve(router, "exchange.create_filtered_limit_order", body=FilteredLimitOrderRequest, status_code=201)
async def create_filtered_limit_order(
    request: Request, account: AccountDep, sandbox: SandboxDep
) -> RedexJSONResponse:
    b = await read_body(request, FilteredLimitOrderRequest)
    order = sandbox.state.exchange.place(
        account.account_id, b.market_id, b.ticker_id, b.order_side, b.price, b.quantity, sandbox.clock.now()
    )
    return answer(emit(FilteredOrderRef, {"TickerId": order.ticker_id, "OrderId": order.id}), status=201)


@serve(router, "exchange.cancel_limit_order")
async def cancel_limit_order(orderId: int, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    return answer(_order(sandbox.state.exchange.cancel(account.account_id, orderId, sandbox.clock.now())))


def _order(o: OrderRecord) -> dict[str, Any]:
    return emit(
        Order,
        {
            "OrderId": o.id,
            "Status": o.status,
            "TickerId": o.ticker_id,
            "Side": o.side,
            "Type": "Limit",
            "TimeInForce": "GTC",
            "Price": o.price,
            "Quantity": o.quantity,
            "ActiveQuantity": o.active,
            "FilledQuantity": o.filled,
            "Currency": _currency(o.market_id),
            "CreatedTime": wire_time(o.created),
            "MatchedTime": wire_time(o.matched) if o.matched else None,
            "FilledTime": wire_time(o.finished) if o.finished and o.filled == o.quantity else None,
            "CancelledTime": wire_time(o.finished) if o.finished and o.status.value == "Cancelled" else None,
        },
    )


def _trades(sandbox: Any, account_id: UUID) -> list[TradeRecord]:
    return [t for t in sandbox.state.exchange.trades if t.order.account_id == account_id]


@serve(router, "exchange.list_transactions", query=SpotTransactionQuery)
async def list_transactions(request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    q = read_query(request, SpotTransactionQuery)
    found = [
        t
        for t in _trades(sandbox, account.account_id)
        if (not q.statuses or t.status in q.statuses)
        and (not q.sides or t.order.side in q.sides)
        and (not q.market_ids or t.order.market_id in q.market_ids)
    ]
    items, meta = page_of(q, [_trade(t, SpotTransaction) for t in found])
    return answer(items, meta=meta)


@serve(router, "exchange.get_transaction")
async def get_transaction(transactionId: int, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    for trade in sandbox.state.exchange.trades:
        if trade.id == transactionId:
            if trade.order.account_id != account.account_id:
                raise ApiError(403)
            return answer(_trade(trade, SpotTransactionDetail))
    raise ApiError(404)


def _trade(t: TradeRecord, model: type[SpotTransaction]) -> dict[str, Any]:
    o = t.order
    market = next((m[1] for m in MARKETS if m[0] == o.market_id), None)
    data: dict[str, Any] = {
        "OrderId": o.id,
        "TransactionId": t.id,
        "Status": {"Value": t.status, "Description": "Pending Settlement"},
        "TickerId": o.ticker_id,
        "Side": o.side,
        "Type": "Limit",
        "TimeInForce": "GTC",
        "Price": o.price,
        "Quantity": t.quantity,
        "MatchedPrice": t.price,
        "UserName": None,
        "CurrencyCode": _currency(o.market_id),
        "DeviceUniqueId": None,
        "BuyerInvoiceId": None,
        "SellerInvoiceId": None,
        "InvoiceId": None,
        "MarketName": market,
        "CreatedTime": wire_time(o.created),
        "MatchedTime": wire_time(t.time),
        "FinishedTime": None,
    }
    if model is SpotTransactionDetail:
        data |= {"RecTransactionHistoryId": None, "RecItemTransactionHistories": []}
    return emit(model, data)
