"""Client-side pacing: never send REDEX more than its rate limits allow, so it never answers 429.

Purpose
    REDEX counts requests in *fixed* windows aligned to its own clock: 60 per 60 s per business
    account and 3000 per 300 s per client IP (API_REFERENCE.md 1.4). A fixed window aligned to our
    clock is not enough: two of our windows can straddle one of REDEX's and fill it twice.

How it works
    Each request first reserves one slot in two *sliding-log* windows, the account's and the
    IP's, in one atomic step (:mod:`pacing_window`, :mod:`pacing_stores`). A log that never holds
    more than ``limit`` instants in any interval of ``window + margin`` puts at most ``limit``
    requests into any REDEX window of length ``window``, whatever its alignment, as long as the
    spread of the delay between a slot's instant and the request's arrival stays under
    ``margin``. Instants are whole milliseconds, so a 0.2 s margin paces a 10 s window at 10.2 s.
    An answer tightens that bound: REDEX counted a request before it answered it, so once the
    answer is in (any status below 500: a 5xx may come from a gateway before REDEX saw it) the
    slot's instant moves back to the answer's time minus the margin, if that is earlier. The next
    request in its place may then go a window after the answer instead of a window plus the
    margin after the slot: a request answered in 10 ms frees its place 0.19 s sooner at a 0.2 s
    margin, and the margin is paid only by requests that take longer than it to answer. The
    guarantee is unchanged: a request arrives after its slot and before its answer.
    When a window is full the store reserves the earliest instant it allows and the caller sleeps
    until then: one computed sleep, no polling, and callers are served in the order they asked.
    A wait longer than :data:`constants.PACING_LOG_WAIT_SECONDS` is logged at INFO with the
    window that caused it; a caller interrupted while waiting gives its reservation back.

    Stores (``PacingConfig.storage_uri``): ``memory://`` is one store per process, shared by
    every client in it (sync and async alike); ``redis://`` is shared by every process and
    machine that points at it (Celery workers, the triggerer); ``sql+<SQLAlchemy URL>`` keeps the
    logs in a database every process reaches (the hooks default to an SQLite file of the machine
    or the Celery broker's Redis: see ``hooks/budget_store.py``).

The margin
    The default margin (:data:`constants.PACING_MARGIN_SECONDS`) must cover the spread, not the
    size, of the delay from a slot's instant to REDEX's clock reading: sleep overshoot, the
    time to build and send the request, and the network's jitter. Measured on the development
    machine over loopback (``python -m tests.bench.latency``: 300 paced requests, 2 cores at a
    load average of 9): delay 0.4 ms at least, 1.7 ms median, 38 ms at the 99th percentile,
    89 ms at most, so a spread under 0.1 s. Over the Internet to a distant API, round-trip
    jitter of a few hundred milliseconds is common; quiet, the same loopback measure gives a
    spread under 8 ms. The default, 0.25 s, covers nearly three times the worst spread measured
    here under load, or typical Internet jitter. It costs at most 0.4 % of a 60 s window
    (60 / 60.25 = 0.996), and only where an answer takes longer than the margin: a request
    answered sooner frees its place a window after its answer (see *How it works*).

What it does not do
    It does not learn from 429s (they are honoured by the retry policy), and the memory and SQL
    stores read each process's own clock: processes on several machines should run NTP (Redis
    reads its own clock, so it needs none).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.pacing_stores import async_redis_store, store_kind, sync_store
from airflow_provider_redex.client.pacing_window import Reservation, WindowKey, reservation_id

log = logging.getLogger(constants.LOGGER_NAME)


@dataclass(frozen=True)
class RatePolicy:
    """At most ``limit`` requests in any ``window_seconds``-long window.

    :param limit: requests allowed per window.
    :param window_seconds: window length in seconds.
    """

    limit: int
    window_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or not self.window_seconds > 0:
            raise ValueError(f"a rate policy needs limit >= 1 and window > 0, got {self!r}")


@dataclass(frozen=True)
class PacingConfig:
    """How a client paces itself; one config per REDEX connection.

    :param account: REDEX's per-business-account policy.
    :param ip: REDEX's per-client-IP policy, shared by every account from this host.
    :param margin_seconds: added to each window to absorb latency jitter.
    :param storage_uri: ``memory://`` (this process) or ``redis://host:port/db`` (shared).
    :param account_key: identity of the business account; derived from the credentials when empty.
    :param enabled: ``False`` sends without pacing (the server's 429s are still honoured).
    """

    account: RatePolicy = field(
        default_factory=lambda: RatePolicy(constants.ACCOUNT_REQUESTS, constants.ACCOUNT_WINDOW_SECONDS)
    )
    ip: RatePolicy = field(
        default_factory=lambda: RatePolicy(constants.IP_REQUESTS, constants.IP_WINDOW_SECONDS)
    )
    margin_seconds: float = constants.PACING_MARGIN_SECONDS
    storage_uri: str = "memory://"
    account_key: str = ""
    enabled: bool = True


def _whole_ms_up(seconds: float) -> int:
    """``seconds`` in whole milliseconds, rounded up (to the microsecond first: 0.2 s is 200 ms)."""
    return -(-round(seconds * 1_000_000) // 1000)


def paced_span_ms(policy: RatePolicy, margin_seconds: float) -> int:
    """The sliding window that keeps a fixed ``policy`` window safe, in whole milliseconds (rounded up)."""
    return max(1, _whole_ms_up(policy.window_seconds + max(0.0, margin_seconds)))


def margin_ms(config: PacingConfig) -> int:
    """The margin in whole milliseconds, rounded up as :func:`paced_span_ms` rounds the span."""
    return _whole_ms_up(max(0.0, config.margin_seconds))


def counted_before_answering(status: int) -> bool:
    """An answer REDEX itself sent, so it had counted the request: any status below 500.

    A 5xx may come from a gateway before REDEX saw the request (which may still arrive), so its
    slot keeps the margin.
    """
    return status < 500


def paced_window_seconds(policy: RatePolicy, margin_seconds: float) -> float:
    """The sliding window in seconds (millisecond precision): what readers of the budget show."""
    return paced_span_ms(policy, margin_seconds) / 1000


def stored_instants(config: PacingConfig, key: str) -> list[float]:
    """Epoch seconds of the slots ``config``'s store holds under ``key``, reserved ones included.

    A read for the budget views (``airflow redex budget``, the UI page); it never takes a slot.
    A window's store forgets a slot once it can no longer share a window with a new one.
    """
    store = sync_store(config.storage_uri)
    # Slots granted in one millisecond are told apart by a microsecond each (stores list them
    # in a stable order), so a reader that merges samples as sets keeps every one.
    seen: dict[int, int] = {}
    instants = []
    for at in store.instants(key):
        seen[at] = seen.get(at, -1) + 1
        instants.append(at / 1000 + seen[at] / 1_000_000)
    return instants


def window_keys(
    config: PacingConfig, api_host: str, account_key: str, key_prefix: str
) -> tuple[WindowKey, ...]:
    """The account's window and the IP's window.

    The IP window is keyed by the REDEX host only, not by our machine: machines behind one NAT
    share one address, and over-counting is the safe side.
    """
    margin = config.margin_seconds
    return (
        WindowKey(
            f"{key_prefix}:pacing:account:{api_host}:{account_key}",
            "account",
            config.account.limit,
            paced_span_ms(config.account, margin),
        ),
        WindowKey(
            f"{key_prefix}:pacing:ip:{api_host}",
            "ip",
            config.ip.limit,
            paced_span_ms(config.ip, margin),
            shared_fairly=True,
        ),
    )


_announced: set[str] = set()
_announce_lock = threading.Lock()


def _announce_store(storage_uri: str) -> None:
    """Say once per process and store which budget store paces this process."""
    kind = store_kind(storage_uri)
    shown = storage_uri.split("://", 1)[0] + "://…" if kind != "memory" else storage_uri
    with _announce_lock:
        if shown in _announced:
            return
        _announced.add(shown)
    where = {
        "memory": "this process only",
        "redis": "every process that reaches this Redis",
        "sql": "every process that reaches this database",
    }[kind]
    log.info("REDEX rate budget store: %s (%s store, shared by %s)", shown, kind, where)


def _log_wait(reservation: Reservation, windows: tuple[WindowKey, ...]) -> None:
    seconds = reservation.wait_ms / 1000
    if seconds < constants.PACING_LOG_WAIT_SECONDS:
        log.debug("REDEX rate budget: next slot in %.3f s", seconds)
        return
    window = next((w for w in windows if w.name == reservation.cause), windows[0])
    log.info(
        "REDEX rate budget: waiting %.1f s for a slot; the %s window is full (%d requests per %g s)",
        seconds,
        reservation.cause or window.name,
        window.limit,
        window.span_ms / 1000,
    )


class RateBudget:
    """The blocking budget of the sync client: :meth:`acquire` before each HTTP attempt.

    :param config: the pacing settings.
    :param api_host: REDEX's host (and port): UAT and production count separately.
    :param account_key: the business account's identity (never a raw token: it ends up in a key).
    :param key_prefix: first part of every key; tests use a unique one.
    """

    def __init__(
        self,
        config: PacingConfig,
        *,
        api_host: str,
        account_key: str,
        key_prefix: str = constants.PACING_KEY_PREFIX,
    ) -> None:
        self.config = config
        self.windows = window_keys(config, api_host, account_key, key_prefix)
        self._store = None
        if config.enabled:
            _announce_store(config.storage_uri)
            self._store = sync_store(config.storage_uri)

    def acquire(self) -> float:
        """Reserve the next slot both windows allow and sleep until it; return the seconds waited."""
        return self.take()[1]

    def take(self) -> tuple[str | None, float]:
        """:meth:`acquire`, also returning the slot's id for :meth:`answered` (``None``: not paced)."""
        if self._store is None:
            return None, 0.0
        started = time.monotonic()
        reservation = self._store.reserve(self.windows, reservation_id(self.windows))
        if reservation.wait_ms <= 0:
            return reservation.member, 0.0
        _log_wait(reservation, self.windows)
        # Counted from the store's answer, not the question: a slow store makes us late, never early.
        deadline = time.monotonic() + reservation.wait_ms / 1000
        try:
            while (left := deadline - time.monotonic()) > 0:
                time.sleep(left)
        except BaseException:
            self._store.release(self.windows, reservation.member)
            raise
        return reservation.member, time.monotonic() - started

    def answered(self, member: str | None, status: int) -> None:
        """The request sent in slot ``member`` was answered with ``status``: its slot may move back."""
        if member is None or self._store is None or not counted_before_answering(status):
            return
        try:
            self._store.settle(self.windows, member, margin_ms(self.config))
        except Exception:  # the slot keeps its instant: later requests only wait a little longer
            log.debug("REDEX rate budget: could not record an answer in the store", exc_info=True)


class AsyncRateBudget:
    """The async twin of :class:`RateBudget`: ``await acquire()`` sleeps without blocking the loop.

    With ``memory://`` it shares the sync clients' in-process store, so a task and a trigger in
    one process draw from one budget; with an SQL store it runs the transaction in a thread.
    """

    def __init__(
        self,
        config: PacingConfig,
        *,
        api_host: str,
        account_key: str,
        key_prefix: str = constants.PACING_KEY_PREFIX,
    ) -> None:
        self.config = config
        self.windows = window_keys(config, api_host, account_key, key_prefix)
        self._kind = store_kind(config.storage_uri) if config.enabled else ""
        if config.enabled:
            _announce_store(config.storage_uri)

    async def acquire(self) -> float:
        """Reserve the next slot both windows allow and sleep until it; return the seconds waited."""
        return (await self.take())[1]

    async def take(self) -> tuple[str | None, float]:
        """:meth:`acquire`, also returning the slot's id for :meth:`answered` (``None``: not paced)."""
        if not self.config.enabled:
            return None, 0.0
        started = time.monotonic()
        reservation = await self._reserve(reservation_id(self.windows))
        if reservation.wait_ms <= 0:
            return reservation.member, 0.0
        _log_wait(reservation, self.windows)
        try:
            await asyncio.sleep(reservation.wait_ms / 1000)  # from the answer: late, never early
        except BaseException:
            await self._release(reservation.member)
            raise
        return reservation.member, time.monotonic() - started

    async def answered(self, member: str | None, status: int) -> None:
        """The request sent in slot ``member`` was answered with ``status``: its slot may move back."""
        if member is None or not self.config.enabled or not counted_before_answering(status):
            return
        try:
            await self._on_store("settle", member, margin_ms(self.config))
        except Exception:  # the slot keeps its instant: later requests only wait a little longer
            log.debug("REDEX rate budget: could not record an answer in the store", exc_info=True)

    async def _reserve(self, member: str) -> Reservation:
        reservation: Reservation = await self._on_store("reserve", member)
        return reservation

    async def _release(self, member: str) -> None:
        await self._on_store("release", member)

    async def _on_store(self, method: str, *args: Any) -> Any:
        """``method`` of this budget's store: in memory at once, on Redis awaited, on SQL in a thread."""
        uri = self.config.storage_uri
        if self._kind == "redis":
            return await getattr(async_redis_store(uri), method)(self.windows, *args)
        call = getattr(sync_store(uri), method)
        if self._kind == "memory":
            return call(self.windows, *args)
        return await asyncio.to_thread(call, self.windows, *args)
