"""The spot exchange (X1-X11)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_redex.client.calls import Call, PagedCall
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
    OrderSide,
    OrderStatus,
    OrderType,
    SpotRegistry,
    SpotTransaction,
    SpotTransactionDetail,
    SpotTransactionQuery,
    SpotTransactionStatus,
    Ticker,
    TickerQuery,
    TickerQuote,
    TickersQuery,
    TimePeriod,
)
from airflow_provider_redex.client.resources._resource import K, Resource, endpoint, int_param, listing, paged


class Exchange(Resource[K]):
    """Markets, tickers, the order book, limit orders and spot transactions."""

    @endpoint
    def list_markets(self) -> Call[list[Market]]:
        """X1: the markets the account can trade on."""
        return Call.many(Market, "exchange.list_markets")

    @endpoint
    def get_ticker(
        self,
        *,
        country_code: str,
        vintage: int,
        fuel_type: str,
        registry: SpotRegistry | str | None = None,
        time_period: TimePeriod | str | None = None,
    ) -> Call[Ticker]:
        """X2: the ``TickerId`` for a country, vintage and fuel."""
        query = TickerQuery.from_input(
            {
                "country_code": country_code,
                "vintage": vintage,
                "fuel_type": fuel_type,
                "registry": registry,
                "time_period": time_period,
            }
        )
        return Call.one(Ticker, "exchange.get_ticker", params=query.to_params())

    @paged
    def list_tickers(
        self,
        *,
        market_id: int,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[TickerQuote]:
        """X3: tickers with their best bid and offer."""
        query = TickersQuery.from_input(
            {
                "market_id": market_id,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("exchange.list_tickers", TickerQuote, query)

    @endpoint
    def get_fat_finger_limit(self, *, country_code: str, market_id: int) -> Call[FatFingerLimit]:
        """X4: the price and notional caps REDEX applies to orders."""
        query = FatFingerLimitQuery.from_input({"country_code": country_code, "market_id": market_id})
        return Call.one(FatFingerLimit, "exchange.get_fat_finger_limit", params=query.to_params())

    @paged
    def get_depth(
        self,
        *,
        market_id: int,
        ticker_id: str,
        side: OrderSide | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[DepthLevel]:
        """X5: the order book of a ticker."""
        query = DepthQuery.from_input(
            {
                "market_id": market_id,
                "ticker_id": ticker_id,
                "side": side,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("exchange.get_depth", DepthLevel, query)

    @paged
    def list_limit_orders(
        self,
        *,
        market_id: int,
        ticker_id: str,
        status: OrderStatus | str | None = None,
        side: OrderSide | str | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[Order]:
        """X6: the account's own limit orders on a ticker."""
        query = LimitOrderQuery.from_input(
            {
                "market_id": market_id,
                "ticker_id": ticker_id,
                "status": status,
                "side": side,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("exchange.list_limit_orders", Order, query)

    @endpoint
    def create_limit_order(self, request: LimitOrderRequest | Mapping[str, Any]) -> Call[Order]:
        """X7: place a limit order (response shape inferred: the Order)."""
        body = LimitOrderRequest.from_input(request)
        return Call.one(Order, "exchange.create_limit_order", body=body.to_wire())

    @endpoint
    def create_filtered_limit_order(
        self, request: FilteredLimitOrderRequest | Mapping[str, Any]
    ) -> Call[FilteredOrderRef]:
        """X8: place a limit order that matches only inventory meeting an advance filter."""
        body = FilteredLimitOrderRequest.from_input(request)
        return Call.one(FilteredOrderRef, "exchange.create_filtered_limit_order", body=body.to_wire())

    @endpoint
    def cancel_limit_order(self, order_id: int | str) -> Call[Order]:
        """X9: cancel an active order (path and answer are our choice, 15.1 #23)."""
        path_params = {"orderId": int_param(order_id, "orderId")}
        return Call.one(Order, "exchange.cancel_limit_order", path_params=path_params)

    @paged
    def list_transactions(
        self,
        *,
        statuses: Sequence[SpotTransactionStatus | str] | None = None,
        sides: Sequence[OrderSide | str] | None = None,
        types: Sequence[OrderType | str] | None = None,
        tifs: Sequence[str] | None = None,
        market_ids: Sequence[int] | None = None,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> PagedCall[SpotTransaction]:
        """X10: the account's spot transactions."""
        query = SpotTransactionQuery.from_input(
            {
                "statuses": statuses,
                "sides": sides,
                "types": types,
                "tifs": tifs,
                "market_ids": market_ids,
                "order_by": order_by,
                "is_descending": is_descending,
                "search": search,
                "items_per_page": items_per_page,
            }
        )
        return listing("exchange.list_transactions", SpotTransaction, query)

    @endpoint
    def get_transaction(self, transaction_id: int | str) -> Call[SpotTransactionDetail]:
        """X11: one spot transaction with the REC items it moved."""
        path_params = {"transactionId": int_param(transaction_id, "transactionId")}
        return Call.one(SpotTransactionDetail, "exchange.get_transaction", path_params=path_params)
