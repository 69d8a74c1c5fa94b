"""A few requests of one sync client in flight at once, their answers taken in the order sent.

Why: a serial loop pays, for every request, the time to send its body, for REDEX to read it
and for the answer to come back, and sends nothing meanwhile. A paced push spends a whole
window's budget in one burst, and the next window's burst can start no earlier than the
first one's requests went out plus the window: so the burst's length is paid again in every
window, and at the end. With several requests in flight, the burst is as short as REDEX can
take requests in, not as long as our send, wait, read, send.

How: :class:`Pipeline` runs each submitted call in a worker thread, up to ``depth`` at once,
through the client's usual path: each attempt takes its rate-budget slot before it is sent
(the budget's guarantee is unchanged: a slot per request, in the order asked), retries and
the token work as they do alone. The caller submits only while fewer than ``depth`` answers
are untaken and takes answers oldest first (:meth:`Pipeline.take`), so what it records per
request happens in submission order, and at most ``depth`` bodies are held at once. A worker
waiting for its slot holds its body ready: when the slot comes the request goes at once.

The pacing margin covers the spread of the delay from a slot to REDEX's count; ``depth``
requests that reach a server which reads one at a time wait behind each other, so keep
``depth`` small (:data:`~.constants.PUSH_IN_FLIGHT` says what was measured).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


@dataclass(frozen=True)
class Answer(Generic[K, T]):
    """The outcome of one submitted call: its ``value``, or the ``error`` it raised."""

    tag: K
    value: T | None = None
    error: Exception | None = None


class Pipeline(Generic[K, T]):
    """At most ``depth`` calls in flight; answers taken in submission order.

    Use as a context manager: leaving it waits for every call still in flight (their answers
    are dropped unless taken with :meth:`drain` first), so no request outlives the block.
    """

    def __init__(self, depth: int) -> None:
        if depth < 1:
            raise ValueError(f"a pipeline needs depth >= 1, got {depth}")
        self.depth = depth
        self._pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="redex-request")
        self._pending: deque[tuple[K, Future[T]]] = deque()

    @property
    def full(self) -> bool:
        """Whether ``depth`` answers are untaken: take one before submitting."""
        return len(self._pending) >= self.depth

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, tag: K, call: Callable[[], T]) -> None:
        """Start ``call`` in a worker; ``tag`` comes back with its answer. Refused when full."""
        if self.full:
            raise RuntimeError("the pipeline is full: take an answer first")
        self._pending.append((tag, self._pool.submit(call)))

    def take(self) -> Answer[K, T]:
        """The oldest untaken answer, waiting for it when it has not come yet."""
        tag, future = self._pending.popleft()
        try:
            return Answer(tag, value=future.result())
        except Exception as error:  # the call's own failure, handed to the caller to judge
            return Answer(tag, error=error)

    def drain(self) -> Iterator[Answer[K, T]]:
        """Every untaken answer, oldest first."""
        while self._pending:
            yield self.take()

    def close(self) -> None:
        """Wait for the calls in flight, then stop the workers."""
        self._pool.shutdown(wait=True)
        self._pending.clear()

    def __enter__(self) -> Pipeline[K, T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
