"""The envelope parser: one place that turns an HTTP answer into data or the right error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import pytest

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.envelope import (
    WITHHELD,
    Envelope,
    PageMeta,
    build_envelope,
    build_error_envelope,
    page_meta_for,
    parse_response,
    parse_retry_after,
)
from airflow_provider_redex.client.errors import (
    RedexAPIError,
    RedexAuthenticationError,
    RedexBadRequestError,
    RedexNotFoundError,
    RedexPermissionError,
    RedexRateLimitError,
    RedexResponseError,
    RedexServerError,
    RedexUnprocessableError,
)
from airflow_provider_redex.client.models.base import ResponseModel


class Item(ResponseModel):
    id: int
    quantity: Decimal


def parse(
    status: int, body: bytes | str, *, retry_after: str | None = None, sensitive: bool = False
) -> Envelope:
    raw = body.encode() if isinstance(body, str) else body
    return parse_response(
        method="GET",
        path="/public/v2/x",
        status_code=status,
        body=raw,
        retry_after=retry_after,
        sensitive=sensitive,
    )


def envelope_bytes(data: Any = None, meta: PageMeta | None = None) -> bytes:
    return wire_json.dumps(build_envelope(data, meta=meta)).encode()


def test_success_envelope_keeps_decimals_exact() -> None:
    body = (
        b'{"Data": {"Id": 1, "Quantity": 0.123456}, "Meta": null, "Errors": null,'
        b' "StatusCode": 200, "Message": "Success"}'
    )
    envelope = parse(200, body)
    item = envelope.data_as(Item)
    assert item.quantity == Decimal("0.123456")
    assert envelope.message == "Success"


def test_list_data_validated_item_by_item_and_null_is_empty() -> None:
    envelope = parse(200, envelope_bytes(data=[{"Id": 1, "Quantity": "1.5"}, {"Id": 2, "Quantity": 2}]))
    assert [item.id for item in envelope.data_as_list(Item)] == [1, 2]
    assert parse(200, envelope_bytes(data=None)).data_as_list(Item) == []


def test_data_that_does_not_fit_names_the_field_not_the_value() -> None:
    envelope = parse(200, envelope_bytes(data=[{"Id": 1, "Quantity": "1"}, {"Id": "s3cr3t-value"}]))
    with pytest.raises(RedexResponseError) as caught:
        envelope.data_as_list(Item)
    message = str(caught.value)
    assert "Data[1]" in message and "Id" in message and "Quantity" in message
    assert "Item" in message


def test_misfit_of_a_sensitive_answer_withholds_the_body() -> None:
    envelope = parse(200, envelope_bytes(data={"AccessToken": "tok-123"}), sensitive=True)
    with pytest.raises(RedexResponseError) as caught:
        envelope.data_as(Item)
    assert "tok-123" not in str(caught.value)
    assert caught.value.body_excerpt == WITHHELD


def test_page_meta_is_parsed() -> None:
    meta = page_meta_for(current_page=2, items_per_page=100, total_items=576)
    envelope = parse(200, envelope_bytes(data=[], meta=meta))
    assert envelope.meta == PageMeta(current_page=2, total_page=6, total_items=576, items_per_page=100)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, RedexBadRequestError),
        (401, RedexAuthenticationError),
        (403, RedexPermissionError),
        (404, RedexNotFoundError),
        (409, RedexAPIError),
        (422, RedexUnprocessableError),
        (429, RedexRateLimitError),
        (500, RedexServerError),
        (502, RedexServerError),
        (503, RedexServerError),
    ],
)
def test_error_status_raises_its_class_with_redex_message_and_errors(
    status: int, expected: type[RedexAPIError]
) -> None:
    errors = [{"Code": "E1", "Message": "bad thing", "Field": "Name"}]
    with pytest.raises(expected) as caught:
        parse(status, wire_json.dumps(build_error_envelope(status, "REDEX says no", errors)))
    error = caught.value
    assert type(error) is expected
    assert error.status_code == status
    assert error.redex_message == "REDEX says no"
    assert error.errors == errors
    assert "GET /public/v2/x" in str(error) and "REDEX says no" in str(error)


def test_documented_401_with_legacy_empty_object_errors() -> None:
    body = '{"Data":null,"StatusCode":401,"Errors":{},"Meta":null,"Message":"Unauthorized"}'
    with pytest.raises(RedexAuthenticationError, match="Unauthorized"):
        parse(401, body)


def test_429_carries_retry_after_seconds() -> None:
    with pytest.raises(RedexRateLimitError) as caught:
        parse(429, wire_json.dumps(build_error_envelope(429, "Rate limit exceeded")), retry_after="60")
    assert caught.value.retry_after == 60.0


def test_429_without_retry_after_has_none() -> None:
    with pytest.raises(RedexRateLimitError) as caught:
        parse(429, b"")
    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("60", 60.0),
        ("0", 0.0),
        (" 1.5 ", 1.5),
        ("-3", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp()) == pytest.approx(30.0)
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(past, now=now.timestamp()) == 0.0


def test_gateway_html_on_502_is_a_server_error_quoting_the_page() -> None:
    with pytest.raises(RedexServerError) as caught:
        parse(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    assert "502 Bad Gateway" in str(caught.value)
    assert "HTML" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<!DOCTYPE html><html><title>Login</title></html>", "HTML"),
        ("Service temporarily unavailable", "not JSON"),
        ('{"data": [1, 2]}', "without REDEX's envelope"),
        ("[1, 2, 3]", "JSON list"),
        ("", "empty body"),
    ],
)
def test_success_status_without_the_envelope_says_what_came_back(body: str, says: str) -> None:
    with pytest.raises(RedexResponseError) as caught:
        parse(200, body)
    error = caught.value
    assert says in str(error)
    assert error.status_code == 200
    assert "HTTP 200" in str(error)
    assert error.body_excerpt == " ".join(body.split())[:200]


def test_long_body_is_quoted_as_a_short_excerpt() -> None:
    with pytest.raises(RedexResponseError) as caught:
        parse(200, "<html>" + "x" * 5000)
    assert len(caught.value.body_excerpt) < 210


def test_sensitive_answer_that_is_not_an_envelope_is_not_quoted() -> None:
    with pytest.raises(RedexResponseError) as caught:
        parse(200, '{"access_token": "tok-999"}', sensitive=True)
    assert "tok-999" not in str(caught.value)


def test_error_status_echoed_in_a_200_body_is_an_error() -> None:
    with pytest.raises(RedexBadRequestError):
        parse(200, wire_json.dumps(build_error_envelope(400, "Bad Request")))


def test_invoice_style_string_status_code_is_tolerated() -> None:
    body = '{"Data": {"Id": 1, "Quantity": 1}, "StatusCode": "Continue", "Code": "x", "Message": "ok"}'
    assert parse(200, body).data_as(Item).id == 1


def test_malformed_meta_is_a_response_error() -> None:
    with pytest.raises(RedexResponseError, match="Meta"):
        parse(200, '{"Data": [], "Meta": {"Page": 1}}')


def test_build_envelope_writes_each_field_once_with_defaults() -> None:
    assert build_envelope({"Id": 1}) == {
        "Data": {"Id": 1},
        "Meta": None,
        "Errors": None,
        "StatusCode": 200,
        "Message": "Success",
    }
    assert build_error_envelope(404, "Not found")["Data"] is None


def test_empty_list_still_has_one_page() -> None:
    assert page_meta_for(current_page=1, items_per_page=100, total_items=0).total_page == 1
