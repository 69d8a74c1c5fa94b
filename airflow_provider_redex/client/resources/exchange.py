"""The spot exchange (X1-X11)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
from airflow_provider_redex.client.resources._resource import Resource, int_param

if TYPE_CHECKING:
    from airflow_provider_redex.client.paging import Paginator


class Exchange(Resource):
    """Markets, tickers, the order book, limit orders and spot transactions."""

    def list_markets(self) -> list[Market]:
        """X1: the markets the account can trade on."""
        return self._get_list("exchange.list_markets", Market)

    def get_ticker(
        self,
        *,
        country_code: str,
        vintage: int,
        fuel_type: str,
        registry: SpotRegistry | str | None = None,
        time_period: TimePeriod | str | None = None,
    ) -> Ticker:
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
        return self._get("exchange.get_ticker", Ticker, params=query.to_params())

    def list_tickers(
        self,
        *,
        market_id: int,
        order_by: str | None = None,
        is_descending: bool | None = None,
        search: str | None = None,
        items_per_page: int = 100,
    ) -> Paginator[TickerQuote]:
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
        return self._list("exchange.list_tickers", TickerQuote, query)

    def get_fat_finger_limit(self, *, country_code: str, market_id: int) -> FatFingerLimit:
        """X4: the price and notional caps REDEX applies to orders."""
        query = FatFingerLimitQuery.from_input({"country_code": country_code, "market_id": market_id})
        return self._get("exchange.get_fat_finger_limit", FatFingerLimit, params=query.to_params())

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
    ) -> Paginator[DepthLevel]:
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
        return self._list("exchange.get_depth", DepthLevel, query)

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
    ) -> Paginator[Order]:
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
        return self._list("exchange.list_limit_orders", Order, query)

    def create_limit_order(self, request: LimitOrderRequest | Mapping[str, Any]) -> Order:
        """X7: place a limit order (response shape inferred: the Order)."""
        body = LimitOrderRequest.from_input(request)
        return self._client.request("exchange.create_limit_order", body=body.to_wire()).data_as(Order)

    def create_filtered_limit_order(
        self, request: FilteredLimitOrderRequest | Mapping[str, Any]
    ) -> FilteredOrderRef:
        """X8: place a limit order that matches only inventory meeting an advance filter."""
        body = FilteredLimitOrderRequest.from_input(request)
        envelope = self._client.request("exchange.create_filtered_limit_order", body=body.to_wire())
        return envelope.data_as(FilteredOrderRef)

    def cancel_limit_order(self, order_id: int | str) -> Order:
        """X9: cancel an active order (path and answer are our choice, 15.1 #23)."""
        path_params = {"orderId": int_param(order_id, "orderId")}
        return self._client.request("exchange.cancel_limit_order", path_params=path_params).data_as(Order)

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
    ) -> Paginator[SpotTransaction]:
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
        return self._list("exchange.list_transactions", SpotTransaction, query)

    def get_transaction(self, transaction_id: int | str) -> SpotTransactionDetail:
        """X11: one spot transaction with the REC items it moved."""
        path_params = {"transactionId": int_param(transaction_id, "transactionId")}
        return self._get("exchange.get_transaction", SpotTransactionDetail, path_params=path_params)
