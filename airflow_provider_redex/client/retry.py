"""When to send a request again, and how long to wait first. Pure: no I/O, no clock.

REDEX has no idempotency key, so a POST that may have reached it is never sent twice by the
client (DESIGN.md, Retries): a second device application or retirement would be real. A POST is
sent again only when REDEX surely did not act on it — it answered 429, or the connection was never
established (``RedexTransportError.request_sent`` is ``False``). After an ambiguous failure the
operator looks up what it may have created before it decides.

Idempotent methods (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS, PUT, DELETE) are also retried on
5xx, timeouts and any connection error.

The sync and async clients drive these decisions with tenacity, configured once by
:func:`tenacity_policy`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState, retry_if_exception, stop_after_attempt

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.errors import (
    RedexRateLimitError,
    RedexServerError,
    RedexTransportError,
)

IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods whose repetition has the same effect as one call (RFC 9110 section 9.2.2)."""

log = logging.getLogger(constants.LOGGER_NAME)


def should_retry(method: str, error: BaseException) -> bool:
    """Whether ``error`` on a ``method`` request may be answered by sending the request again."""
    reason = retry_reason(method, error)
    if reason:
        log.debug("retrying %s after %s: %s", method, type(error).__name__, reason)
    return reason is not None


def retry_reason(method: str, error: BaseException) -> str | None:
    """The reason to retry, in words, or ``None`` when the error must go to the caller."""
    idempotent = method.upper() in IDEMPOTENT_METHODS
    if isinstance(error, RedexRateLimitError):
        return _rate_limit_reason(error)
    if isinstance(error, RedexTransportError):
        if not error.request_sent:
            return "the request never reached REDEX"
        return f"{method} is idempotent and the exchange failed" if idempotent else None
    if isinstance(error, RedexServerError):
        return f"{method} is idempotent and REDEX answered {error.status_code}" if idempotent else None
    return None


def _rate_limit_reason(error: RedexRateLimitError) -> str | None:
    """A 429 means REDEX did not act: retry whatever the method, unless the wait asked is too long."""
    if error.retry_after is not None and error.retry_after > constants.MAX_RETRY_AFTER_SECONDS:
        return None
    return "REDEX refused it for the rate limit and did not act on it"


def retry_delay(
    attempt: int,
    retry_after: float | None = None,
    *,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before attempt ``attempt + 1``.

    :param attempt: how many attempts have failed so far (1 after the first).
    :param retry_after: REDEX's ``Retry-After`` in seconds, honoured when given (plus a little
        jitter, because its fixed windows restart for every client at the same instant).
    :param rng: a source of uniform numbers in [0, 1); tests pass a fixed one.
    """
    if retry_after is not None:
        return retry_after + rng() * constants.RETRY_AFTER_JITTER_SECONDS
    backoff = constants.INITIAL_BACKOFF_SECONDS * 2.0 ** max(0, attempt - 1)
    capped = min(constants.MAX_BACKOFF_SECONDS, backoff)
    return capped * (1.0 - constants.BACKOFF_JITTER * rng())


def retry_after_of(error: BaseException | None) -> float | None:
    """The server's requested wait carried by ``error``, if it is a 429 that sent one."""
    if isinstance(error, RedexRateLimitError) and error.retry_after is not None:
        return float(error.retry_after)
    return None


def delay_after(attempt: int, error: BaseException | None) -> float:
    """:func:`retry_delay` for the error that ended attempt ``attempt`` (tenacity's ``wait``)."""
    return retry_delay(attempt, retry_after_of(error))


def tenacity_policy(method: str, max_retries: int) -> dict[str, Any]:
    """Keyword arguments for ``tenacity.Retrying`` / ``AsyncRetrying`` applying the rules above.

    The last error is re-raised as itself, with a note saying how many attempts were made, so
    callers catch REDEX's error classes, never tenacity's ``RetryError``.
    """

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return delay_after(state.attempt_number, error)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "REDEX %s attempt %d failed (%s); retrying in %.2f s",
            method,
            state.attempt_number,
            type(error).__name__,
            state.upcoming_sleep,
        )

    def give_up(state: RetryCallState) -> Any:
        error = state.outcome.exception() if state.outcome else None
        if error is None:  # pragma: no cover - tenacity stops only after a failed attempt here
            raise RuntimeError("retries stopped without an error")
        note_attempts(error, state.attempt_number)
        raise error

    return {
        "stop": stop_after_attempt(max_retries + 1),
        "retry_error_callback": give_up,
        "retry": retry_if_exception(lambda error: should_retry(method, error)),
        "wait": wait,
        "before_sleep": before_sleep,
        "reraise": True,
    }


def note_attempts(error: BaseException, attempts: int) -> None:
    """Record in the traceback how many attempts were made; the message itself stays REDEX's."""
    if attempts > 1 and hasattr(error, "add_note"):  # add_note: Python 3.11+
        error.add_note(f"REDEX client: gave up after {attempts} attempts")
