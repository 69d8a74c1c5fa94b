"""Spot orders that rest, match and cancel; monthly generation data and its period sum."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from airflow_provider_redex.client import wire_json
from tests.helpers.sandbox_walks import PDF, Api, grouped_device, wait_until

TICKER = {"TickerId": "VN.24.SLR.i", "MarketId": 1}


def _best(api: Api, side: str) -> Decimal:
    levels = wire_json.loads(api.call("exchange.get_depth", params={**TICKER, "Side": side}).content)["Data"]
    prices = [level["Price"] for level in levels]
    best: Decimal = max(prices) if side == "Buy" else min(prices)
    return best


def _order(api: Api, side: str, price: Decimal, quantity: str = "5") -> dict[str, Any]:
    body = {**TICKER, "DeliveryType": "Spot", "Quantity": quantity, "Price": str(price), "OrderSide": side}
    answer = api.call("exchange.create_limit_order", json=body)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = wire_json.loads(answer.content)["Data"]
    return data


def test_an_order_below_the_best_offer_rests_and_can_be_cancelled(api: Api) -> None:
    order = _order(api, "Buy", _best(api, "Buy") - Decimal("0.01"))
    assert order["Status"] == "Active" and order["ActiveQuantity"] == 5
    levels = api.call("exchange.get_depth", params=TICKER).json()["Data"]
    assert any(level["HasYourOrder"] for level in levels)
    cancelled = api.call("exchange.cancel_limit_order", path={"orderId": order["OrderId"]}).json()["Data"]
    assert cancelled["Status"] == "Cancelled"
    assert api.call("exchange.cancel_limit_order", path={"orderId": order["OrderId"]}).status_code == 409


def test_a_crossing_order_matches_and_records_a_transaction(api: Api) -> None:
    order = _order(api, "Buy", _best(api, "Sell"), quantity="1")
    assert order["Status"] == "Completed" and order["FilledQuantity"] == 1
    trades = api.call("exchange.list_transactions").json()["Data"]
    assert [t["OrderId"] for t in trades] == [order["OrderId"]]
    detail = api.call("exchange.get_transaction", path={"transactionId": trades[0]["TransactionId"]})
    assert detail.json()["Data"]["Status"]["Value"] == "Pending"


def test_fat_finger_limit_refuses_an_absurd_price(api: Api) -> None:
    body = {**TICKER, "DeliveryType": "Spot", "Quantity": 1, "Price": 5000, "OrderSide": "Buy"}
    answer = api.call("exchange.create_limit_order", json=body)
    assert answer.status_code == 400 and answer.json()["Errors"][0]["Code"] == "FatFinger"


def test_another_accounts_order_cannot_be_cancelled(api: Api, other_api: Api) -> None:
    order = _order(api, "Sell", _best(api, "Sell") + Decimal("1"))
    assert (
        other_api.call("exchange.cancel_limit_order", path={"orderId": order["OrderId"]}).status_code == 403
    )


def test_monthly_data_is_stored_per_month_and_summed_by_month(api: Api, sandbox: Any) -> None:
    file_id = api.call("documents.upload", files={"File": ("odf.pdf", PDF, "application/pdf")}).json()[
        "Data"
    ]["Id"]
    body = grouped_device(file_id, "MONTH-INV") | {"GenerationDataFrequency": "Monthly"}
    created = api.call(
        "device_applications.create_grouped",
        data=wire_json.dumps(body),
        headers={"Content-Type": "application/json"},
    ).json()["Data"]["Id"]
    sandbox.admin("POST", f"applications/{created}/approve")
    device_id = api.call("device_applications.get", path={"deviceApplicationId": created}).json()["Data"][
        "DeviceId"
    ]
    months = {"Jan": "100.5", "Feb": "200.25", "Mar": None}
    sent = api.call(
        "generation.send_monthly",
        json=[{"RemoteInvId": "MONTH-INV", "Data": {"Year": 2024, "PeriodProductionPerMonthInKWh": months}}],
    )
    process_id = sent.json()["Data"]["ProcessId"]
    status = wait_until(
        lambda: api.call("generation.get_process", params={"ProcessId": process_id}).json()["Data"]["Status"],
        lambda s: s in {"Success", "Failed"},
    )
    assert status == "Success"
    total = api.call(
        "generation.sum_period",
        path={"rehashDeviceId": device_id},
        params={"VintageFrom": "2024-01", "VintageTo": "2024-02"},
    )
    assert wire_json.loads(total.content)["Data"]["TotalPeriodProductionInKWh"] == Decimal("300.75")
