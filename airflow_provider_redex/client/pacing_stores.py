"""Shared pacing stores: Redis (one Lua script) and an SQL database (one transaction per slot).

Both keep the sliding logs of :mod:`pacing_window` where every process of a deployment sees
them, and take a slot in the account window and the IP window in one atomic step: either
both windows get the slot or neither does, so a full window never leaks a slot of the other.

Redis
    ``redis://`` runs :data:`RESERVE_LUA` (a sorted set of millisecond instants per key, scored
    by instant, member = the reservation's id). The script reads Redis' own clock (``TIME``), so
    processes on several machines share one clock; it drops expired instants, finds the earliest
    instant both windows allow (the same walk as :func:`pacing_window.earliest_slot`), adds it to
    both sets and returns how long to wait. The sync budget uses ``redis``; the async budget
    ``redis.asyncio`` (one connection pool per event loop: asyncio connections belong to a loop).

SQL
    ``sql+<SQLAlchemy URL>`` (for example ``sql+postgresql://airflow@db/airflow`` or
    ``sql+sqlite:////opt/airflow/redex_budget.db``) keeps the logs in a table of two columns,
    ``redex_rate_slots (key, at_ms, member)``, plus one row per key in ``redex_rate_keys`` that the
    transaction locks: ``SELECT ... FOR UPDATE`` on PostgreSQL and MySQL, ``BEGIN IMMEDIATE`` on
    SQLite (a file lock). Both tables are created when missing. The clock is each process's own
    wall clock: processes on several machines must run NTP. The async budget runs it in a thread.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from airflow_provider_redex.client.pacing_window import MEMORY_STORE, Reservation, WindowKey, now_ms, plan

# --- Redis ----------------------------------------------------------------------------------------

RESERVE_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local member = ARGV[1]
local tag = string.match(member, '^[^/]*')
local n = #KEYS
local logs, limits, spans, names = {}, {}, {}, {}
local checked = 0
for k = 1, n do
  local limit, span, fair = tonumber(ARGV[3 * k - 1]), tonumber(ARGV[3 * k]), ARGV[3 * k + 1] == '1'
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - span)
  local raw = redis.call('ZRANGE', KEYS[k], 0, -1, 'WITHSCORES')
  local log, own, active, accounts = {}, {}, 1, {[tag] = true}
  for i = 1, #raw, 2 do
    local at, owner = tonumber(raw[i + 1]), string.match(raw[i], '^[^/]*')
    log[#log + 1] = at
    if owner == tag then own[#own + 1] = at end
    if not accounts[owner] then accounts[owner], active = true, active + 1 end
  end
  checked = checked + 1
  logs[checked], limits[checked], spans[checked], names[checked] = log, limit, span, k
  if fair and active > 1 then
    checked = checked + 1
    logs[checked], limits[checked], spans[checked], names[checked] = own, math.ceil(limit / active), span, k
  end
end
local at, cause, moved = now, 0, true
local latest = logs[1][#logs[1]]
if latest and latest > now then at, cause = latest, 1 end
while moved do
  moved = false
  for c = 1, checked do
    local log, limit, span = logs[c], limits[c], spans[c]
    for i = 1, #log - limit + 1 do
      local first, last = log[i], log[i + limit - 1]
      if last - first < span and last - span < at and at < first + span then
        at, cause, moved = first + span, names[c], true
      end
    end
  end
end
for k = 1, n do
  redis.call('ZADD', KEYS[k], at, member)
  redis.call('PEXPIRE', KEYS[k], at - now + spans[k] + 1000)
end
return {at - now, cause}
"""

SETTLE_LUA = """
local clock = redis.call('TIME')
local at = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) - tonumber(ARGV[2])
for k = 1, #KEYS do
  local held = redis.call('ZSCORE', KEYS[k], ARGV[1])
  if held and tonumber(held) > at then redis.call('ZADD', KEYS[k], at, ARGV[1]) end
end
return 0
"""
"""A request answered: its instant moves back to Redis' *now* minus the margin, if that is earlier."""


def _script_args(windows: Sequence[WindowKey], member: str) -> tuple[list[str], list[str | int]]:
    args: list[str | int] = [member]
    for window in windows:
        args += [window.limit, window.span_ms, int(window.shared_fairly)]
    return [window.key for window in windows], args


def _reservation(windows: Sequence[WindowKey], member: str, answer: Any) -> Reservation:
    wait_ms, cause = int(answer[0]), int(answer[1])
    return Reservation(member, max(0, wait_ms), windows[cause - 1].name if cause else "")


class RedisStore:
    """The sync Redis store of one URL."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._script = self._client.register_script(RESERVE_LUA)
        self._settle = self._client.register_script(SETTLE_LUA)

    def reserve(self, windows: Sequence[WindowKey], member: str) -> Reservation:
        keys, args = _script_args(windows, member)
        return _reservation(windows, member, self._script(keys=keys, args=args))

    def settle(self, windows: Sequence[WindowKey], member: str, margin_ms: int) -> None:
        self._settle(keys=[window.key for window in windows], args=[member, margin_ms])

    def instants(self, key: str) -> list[int]:
        rows: Any = self._client.zrange(key, 0, -1, withscores=True)
        return [int(at) for _, at in rows]

    def release(self, windows: Sequence[WindowKey], member: str) -> None:
        pipe = self._client.pipeline()
        for window in windows:
            pipe.zrem(window.key, member)
        pipe.execute()


class AsyncRedisStore:
    """The asyncio Redis store of one URL on one event loop."""

    def __init__(self, url: str) -> None:
        import redis.asyncio

        self._client = redis.asyncio.Redis.from_url(url)
        self._script = self._client.register_script(RESERVE_LUA)
        self._settle = self._client.register_script(SETTLE_LUA)

    async def reserve(self, windows: Sequence[WindowKey], member: str) -> Reservation:
        keys, args = _script_args(windows, member)
        return _reservation(windows, member, await self._script(keys=keys, args=args))

    async def settle(self, windows: Sequence[WindowKey], member: str, margin_ms: int) -> None:
        await self._settle(keys=[window.key for window in windows], args=[member, margin_ms])

    async def release(self, windows: Sequence[WindowKey], member: str) -> None:
        pipe = self._client.pipeline()
        for window in windows:
            pipe.zrem(window.key, member)
        await pipe.execute()


# --- SQL ------------------------------------------------------------------------------------------


class SqlStore:
    """The slot logs in a database that every process of the deployment reaches.

    :param url: a SQLAlchemy URL (without the ``sql+`` of the storage URI).
    """

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self._sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"pool_pre_ping": True}
        if self._sqlite:
            options["connect_args"] = {"timeout": 30.0, "check_same_thread": False}
        self._engine = sa.create_engine(url, **options)
        if self._sqlite:
            self._take_sqlite_write_lock_at_begin()
        metadata = sa.MetaData()
        self._keys = sa.Table("redex_rate_keys", metadata, sa.Column("key", sa.String(255), primary_key=True))
        self._slots = sa.Table(
            "redex_rate_slots",
            metadata,
            sa.Column("key", sa.String(255), nullable=False, index=True),
            sa.Column("at_ms", sa.BigInteger, nullable=False),
            sa.Column("member", sa.String(64), nullable=False),
        )
        try:
            metadata.create_all(self._engine, checkfirst=True)
        except sa.exc.DatabaseError:
            # Another process created them between our look and our CREATE: look again.
            metadata.create_all(self._engine, checkfirst=True)

    def _take_sqlite_write_lock_at_begin(self) -> None:
        # pysqlite opens transactions lazily and as readers; BEGIN IMMEDIATE takes the write lock
        # up front, so two processes never both read a log and then both add to it.
        from sqlalchemy import event

        @event.listens_for(self._engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            # WAL without an fsync per commit: a slot is a few milliseconds of work, not data to
            # keep through a power cut (losing the last slots then only risks one early request).
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        @event.listens_for(self._engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    def reserve(self, windows: Sequence[WindowKey], member: str) -> Reservation:
        sa, keys, slots = self._sa, self._keys, self._slots
        names = sorted({window.key for window in windows})
        with self._engine.begin() as conn:
            if not self._sqlite:
                known = set(conn.execute(sa.select(keys.c.key).where(keys.c.key.in_(names))).scalars())
                missing = [{"key": name} for name in names if name not in known]
                if missing:
                    self._insert_keys(conn, missing)
                # One lock per key, always taken in key order: two accounts never deadlock on the IP key.
                conn.execute(
                    sa.select(keys.c.key).where(keys.c.key.in_(names)).order_by(keys.c.key).with_for_update()
                )
            now = now_ms()
            entries = []
            for window in windows:
                where = slots.c.key == window.key
                conn.execute(slots.delete().where(where, slots.c.at_ms <= now - window.span_ms))
                query = sa.select(slots.c.at_ms, slots.c.member).where(where).order_by(slots.c.at_ms)
                entries.append([(int(at), str(m)) for at, m in conn.execute(query)])
            at, cause = plan(windows, entries, member, now)
            conn.execute(slots.insert(), [{"key": w.key, "at_ms": at, "member": member} for w in windows])
        return Reservation(member, at - now, cause)

    def _insert_keys(self, conn: Any, rows: list[dict[str, str]]) -> None:
        # Two processes may add the same key at once; the loser's insert fails and the row exists.
        sa = self._sa
        try:
            with conn.begin_nested():
                conn.execute(self._keys.insert(), rows)
        except sa.exc.IntegrityError:
            pass

    def settle(self, windows: Sequence[WindowKey], member: str, margin_ms: int) -> None:
        # No key lock: a reserve that reads the old instant is only more careful than needed.
        slots = self._slots
        at = now_ms() - margin_ms
        with self._engine.begin() as conn:
            conn.execute(slots.update().where(slots.c.member == member, slots.c.at_ms > at).values(at_ms=at))

    def instants(self, key: str) -> list[int]:
        slots = self._slots
        query = (
            self._sa.select(slots.c.at_ms).where(slots.c.key == key).order_by(slots.c.at_ms, slots.c.member)
        )
        with self._engine.connect() as conn:
            return [int(at) for at in conn.execute(query).scalars()]

    def release(self, windows: Sequence[WindowKey], member: str) -> None:
        slots = self._slots
        with self._engine.begin() as conn:
            conn.execute(slots.delete().where(slots.c.member == member))


# --- registries -----------------------------------------------------------------------------------

_lock = threading.Lock()
_sync_stores: dict[str, Any] = {}
_async_stores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncRedisStore]]
_async_stores = weakref.WeakKeyDictionary()


def store_kind(storage_uri: str) -> str:
    """``memory``, ``redis`` or ``sql``: which store a storage URI names."""
    scheme = storage_uri.split("://", 1)[0].removeprefix("async+")
    if scheme == "memory":
        return "memory"
    if scheme in {"redis", "rediss", "unix"}:
        return "redis"
    if scheme.startswith("sql+"):
        return "sql"
    raise ValueError(
        f"unknown rate-limit storage {storage_uri.split('://', 1)[0]!r}: use memory://, redis://host:6379/0 "
        "or sql+<SQLAlchemy URL>"
    )


def _redis_url(storage_uri: str) -> str:
    return storage_uri.removeprefix("async+")


def sync_store(storage_uri: str) -> Any:
    """The process-wide store for ``storage_uri``: the in-process one for ``memory://``, else Redis or SQL."""
    if store_kind(storage_uri) == "memory":
        return MEMORY_STORE
    with _lock:
        store = _sync_stores.get(storage_uri)
        if store is None:
            if store_kind(storage_uri) == "sql":
                store = SqlStore(storage_uri.removeprefix("sql+"))
            else:
                store = RedisStore(_redis_url(storage_uri))
            _sync_stores[storage_uri] = store
        return store


def async_redis_store(storage_uri: str) -> AsyncRedisStore:
    """The asyncio Redis store for ``storage_uri`` on the running loop."""
    loop = asyncio.get_running_loop()
    with _lock:
        per_loop = _async_stores.setdefault(loop, {})
        store = per_loop.get(storage_uri)
        if store is None:
            store = per_loop[storage_uri] = AsyncRedisStore(_redis_url(storage_uri))
        return store
