"""One sandbox's moving parts, bundled so handlers reach them through a single object."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol, TypeVar

from airflow_provider_redex.sandbox.accounts import AccountRegistry
from airflow_provider_redex.sandbox.clock import SandboxClock
from airflow_provider_redex.sandbox.config import SandboxConfig
from airflow_provider_redex.sandbox.faults import FaultInjector
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.ratelimit import RateLimiter
from airflow_provider_redex.sandbox.state.store import SandboxState


class _Created(Protocol):
    @property
    def created(self) -> float: ...


_R = TypeVar("_R", bound=_Created)


class Sandbox:
    """Clock, ids, accounts, rate limiter, faults and the REDEX state of one server."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock()
        self._build()

    def _build(self) -> None:
        config = self.config
        self.ids = IdFactory(config.seed)
        self.accounts = AccountRegistry(config, self.clock, self.ids)
        self.limiter = RateLimiter(
            self.clock, account=config.account_policy, ip=config.ip_policy, time_scale=config.time_scale
        )
        self.faults = FaultInjector(
            config.faults, seed=config.seed, time_scale=config.time_scale, clock=self.clock
        )
        self.state = SandboxState(config, self.clock, self.ids, self.accounts.accounts)
        self.requests: Counter[str] = Counter()
        """REDEX requests as they arrived, by ``"METHOD /path"``: what a test counts to prove
        a refused task sent one POST and no more, whatever came back."""

    def reset(self) -> None:
        """Back to the state of a fresh start: data, tokens, counters, faults and windows."""
        self.clock.reset()
        self._build()

    def tick(self) -> None:
        """Let time-driven transitions happen (evaluated lazily, on every REDEX request)."""
        self.state.advance()

    def listed(self, records: Iterable[_R]) -> list[_R]:
        """The records a list endpoint shows now: those older than the configured listing delay."""
        shown_before = self.clock.now() - self.config.scaled(self.config.listing_delay)
        return [record for record in records if record.created <= shown_before]
