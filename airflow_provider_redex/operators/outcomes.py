"""Which Airflow outcome each error gets, decided in one place.

A refusal cannot go away by itself: the same input, configuration or token gets the same answer
on every try, and a retry of a creating task would send its POST again. Those fail the task at
once, without Airflow's retries (``AirflowFailException``). Only what may pass on another try is
left to Airflow's retries: timeouts, dropped connections, REDEX's 5xx, a 429 that outlasted the
client's own waits.

=====================================================  ==============
error                                                  outcome
=====================================================  ==============
``RedexInputError`` (our validation, plain ``http://``)  fail, no retry
``RedexConnectionError`` (the connection's fields)       fail, no retry
401 / 403 (token, account's permission)                 fail, no retry
400 / 404 / 409 / 422 and other 4xx (REDEX's rules)     fail, no retry
not REDEX's envelope, below 500 (wrong host or path)     fail, no retry
timeout, dropped connection (``RedexTransportError``)    retry
5xx, 429 after the client's waits, 408                   retry
=====================================================  ==============

The README's "Errors and what Airflow does" table says the same for users; a test walks
:data:`RETRIED_STATUSES` and the error tree so the two cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_provider_redex.client.errors import (
    RedexAPIError,
    RedexError,
    RedexInputError,
    RedexResponseError,
    RedexTransportError,
)
from airflow_provider_redex.hooks.connection import RedexConnectionError

_F = TypeVar("_F", bound=Callable[..., Any])

RETRIED_STATUSES = frozenset({408, 429})
"""Statuses below 500 that may pass on another try: REDEX's rate limit and a request timeout."""


class RedexRefusal(AirflowFailException):
    """The task cannot succeed by retrying: bad input or configuration, a refused token, or a
    business rule REDEX (or the operator, on REDEX's behalf) applied. Fails once, without retry,
    saying what to fix."""


def is_final(error: BaseException) -> bool:
    """Whether ``error`` would come back on every retry (see the module's table)."""
    if isinstance(error, (RedexInputError, RedexConnectionError)):
        return True
    if isinstance(error, RedexTransportError):
        return False
    status = getattr(error, "status_code", None)
    if isinstance(error, (RedexAPIError, RedexResponseError)) and isinstance(status, int):
        return status < 500 and status not in RETRIED_STATUSES
    return False


@contextmanager
def final_refusals() -> Iterator[None]:
    """Turn the errors that cannot go away into :class:`RedexRefusal`; leave the rest as raised."""
    try:
        yield
    except AirflowException:
        raise  # already decided (a refusal, a sensor timeout, a skip)
    except (RedexError, RedexConnectionError) as error:
        if is_final(error):
            raise RedexRefusal(f"{error} (not retried: another try would be refused the same way)") from error
        raise


def with_outcomes(method: _F) -> _F:
    """``method`` run inside :func:`final_refusals`; marked so it is wrapped only once."""
    if getattr(method, "__redex_outcomes__", False):
        return method

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with final_refusals():
            return method(*args, **kwargs)

    wrapper.__redex_outcomes__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
