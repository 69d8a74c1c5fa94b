"""Retry decisions: every branch of ``should_retry`` and ``retry_delay``, as tables."""

from __future__ import annotations

import pytest
import tenacity

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.errors import (
    RedexAPIError,
    RedexAuthenticationError,
    RedexBadRequestError,
    RedexError,
    RedexInputError,
    RedexNotFoundError,
    RedexRateLimitError,
    RedexResponseError,
    RedexServerError,
    RedexTimeoutError,
    RedexTransportError,
    RedexUnprocessableError,
)
from airflow_provider_redex.client.retry import retry_delay, retry_reason, should_retry, tenacity_policy


def api(cls: type[RedexAPIError], status: int) -> RedexAPIError:
    return cls(method="X", path="/p", status_code=status, message=None)


def rate_limited(retry_after: float | None) -> RedexRateLimitError:
    return RedexRateLimitError(retry_after=retry_after, method="X", path="/p", status_code=429, message=None)


def transport(*, sent: bool) -> RedexTransportError:
    return RedexTransportError("boom", method="X", path="/p", request_sent=sent)


def timeout(*, sent: bool) -> RedexTimeoutError:
    return RedexTimeoutError("slow", method="X", path="/p", request_sent=sent)


CASES: list[tuple[str, str, BaseException, bool]] = [
    # name, method, error, retried?
    ("get 429", "GET", rate_limited(1), True),
    ("post 429", "POST", rate_limited(1), True),
    ("post 429 without Retry-After", "POST", rate_limited(None), True),
    ("get 429 asking longer than the cap", "GET", rate_limited(constants.MAX_RETRY_AFTER_SECONDS + 1), False),
    (
        "post 429 asking longer than the cap",
        "POST",
        rate_limited(constants.MAX_RETRY_AFTER_SECONDS + 1),
        False,
    ),
    ("get 429 asking exactly the cap", "GET", rate_limited(constants.MAX_RETRY_AFTER_SECONDS), True),
    ("get 500", "GET", api(RedexServerError, 500), True),
    ("get 503", "GET", api(RedexServerError, 503), True),
    ("delete 502", "DELETE", api(RedexServerError, 502), True),
    ("post 500", "POST", api(RedexServerError, 500), False),
    ("post 503", "POST", api(RedexServerError, 503), False),
    ("get read timeout", "GET", timeout(sent=True), True),
    ("get connect timeout", "GET", timeout(sent=False), True),
    ("post read timeout", "POST", timeout(sent=True), False),
    ("post connect timeout", "POST", timeout(sent=False), True),
    ("get connection reset after sending", "GET", transport(sent=True), True),
    ("get connection refused", "GET", transport(sent=False), True),
    ("post connection reset after sending", "POST", transport(sent=True), False),
    ("post connection refused", "POST", transport(sent=False), True),
    ("lower-case get 503", "get", api(RedexServerError, 503), True),
    ("get 400", "GET", api(RedexBadRequestError, 400), False),
    ("get 401", "GET", api(RedexAuthenticationError, 401), False),
    ("get 404", "GET", api(RedexNotFoundError, 404), False),
    ("post 422", "POST", api(RedexUnprocessableError, 422), False),
    ("get 409", "GET", api(RedexAPIError, 409), False),
    (
        "get malformed body",
        "GET",
        RedexResponseError("x", method="GET", path="/p", status_code=200, body_excerpt=""),
        False,
    ),
    ("post bad input", "POST", RedexInputError([("Name", "required")]), False),
    ("get unrelated exception", "GET", ValueError("bug"), False),
    ("get bare RedexError", "GET", RedexError("?"), False),
]


@pytest.mark.parametrize(
    ("method", "error", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_should_retry(method: str, error: BaseException, expected: bool) -> None:
    assert should_retry(method, error) is expected
    assert (retry_reason(method, error) is not None) is expected


def test_post_not_retried_after_read_timeout() -> None:
    assert not should_retry("POST", timeout(sent=True))


def test_post_retried_when_the_connection_was_never_established() -> None:
    assert should_retry("POST", transport(sent=False))


@pytest.mark.parametrize(
    ("attempt", "rng", "expected"),
    [
        (1, 0.0, constants.INITIAL_BACKOFF_SECONDS),
        (2, 0.0, constants.INITIAL_BACKOFF_SECONDS * 2),
        (3, 0.0, constants.INITIAL_BACKOFF_SECONDS * 4),
        (50, 0.0, constants.MAX_BACKOFF_SECONDS),
        (1, 1.0, constants.INITIAL_BACKOFF_SECONDS * (1 - constants.BACKOFF_JITTER)),
        (50, 0.5, constants.MAX_BACKOFF_SECONDS * (1 - constants.BACKOFF_JITTER / 2)),
        (0, 0.0, constants.INITIAL_BACKOFF_SECONDS),
    ],
)
def test_backoff_is_exponential_capped_and_jittered_down(attempt: int, rng: float, expected: float) -> None:
    assert retry_delay(attempt, None, rng=lambda: rng) == pytest.approx(expected)


@pytest.mark.parametrize(("retry_after", "rng"), [(0.0, 0.0), (7.0, 0.0), (7.0, 0.999), (60.0, 0.5)])
def test_retry_after_is_honoured_plus_bounded_jitter(retry_after: float, rng: float) -> None:
    delay = retry_delay(9, retry_after, rng=lambda: rng)
    assert retry_after <= delay <= retry_after + constants.RETRY_AFTER_JITTER_SECONDS
    assert delay == pytest.approx(retry_after + rng * constants.RETRY_AFTER_JITTER_SECONDS)


def test_default_jitter_stays_within_bounds() -> None:
    for attempt in range(1, 8):
        delay = retry_delay(attempt)
        assert 0 < delay <= constants.MAX_BACKOFF_SECONDS


def _run_with_policy(method: str, errors: list[BaseException], max_retries: int) -> tuple[int, object]:
    calls = 0

    def attempt() -> str:
        nonlocal calls
        calls += 1
        if errors:
            raise errors.pop(0)
        return "ok"

    policy = tenacity_policy(method, max_retries)
    policy["wait"] = tenacity.wait_none()
    try:
        result: object = tenacity.Retrying(**policy)(attempt)
    except Exception as exc:  # the original error, never tenacity.RetryError
        result = exc
    return calls, result


def test_policy_stops_after_max_retries_and_reraises_the_last_error() -> None:
    errors: list[BaseException] = [api(RedexServerError, 503) for _ in range(10)]
    calls, result = _run_with_policy("GET", errors, max_retries=2)
    assert calls == 3
    assert isinstance(result, RedexServerError)


def test_policy_returns_once_a_retry_succeeds() -> None:
    calls, result = _run_with_policy("POST", [rate_limited(0)], max_retries=3)
    assert (calls, result) == (2, "ok")


def test_policy_does_not_retry_what_should_retry_refuses() -> None:
    calls, result = _run_with_policy("POST", [timeout(sent=True)], max_retries=3)
    assert calls == 1
    assert isinstance(result, RedexTimeoutError)


def test_policy_waits_retry_after_when_given() -> None:
    policy = tenacity_policy("GET", 3)
    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.set_exception((RedexRateLimitError, rate_limited(5.0), None))
    assert 5.0 <= policy["wait"](state) <= 5.0 + constants.RETRY_AFTER_JITTER_SECONDS
