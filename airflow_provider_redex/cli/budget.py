"""Read an account's live request budget from the shared pacing store, for ``airflow redex budget``.

THE SEAM. The pacing store's layout belongs to ``client/pacing.py``: today ``limits`` moving
windows keyed by ``(prefix, "account", api_host, account_key)`` and ``(prefix, "ip", api_host)``,
read with ``get_window_stats``. :func:`budget_use` is the only function here that knows it;
when pacing moves to another store or key scheme, this function follows and nothing else in
the CLI changes. It only reads: it never takes a slot.

A ``memory://`` store lives inside each process that paces; a CLI process cannot see it, so the
windows are reported as not shared (``used`` is ``None``) rather than as empty.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond

from airflow_provider_redex.client import constants
from airflow_provider_redex.client import pacing as pacing_module
from airflow_provider_redex.client.pacing import PacingConfig, RatePolicy, paced_window_seconds


@dataclass(frozen=True)
class WindowUse:
    """One rate window as the pacing store sees it now.

    :param window: ``account`` (the business account's budget) or ``ip`` (shared by all accounts).
    :param limit: requests allowed in any ``window_seconds``.
    :param window_seconds: the paced window (REDEX's window plus the margin, whole seconds).
    :param used: requests counted in the window now; ``None`` when the store is per process.
    :param resets_in_seconds: until the oldest counted request leaves the window.
    """

    window: str
    limit: int
    window_seconds: int
    used: int | None
    resets_in_seconds: float | None

    @property
    def remaining(self) -> int | None:
        return None if self.used is None else max(0, self.limit - self.used)


def is_shared(storage_uri: str) -> bool:
    """Whether another process (this CLI) can read the store: anything but ``memory://``."""
    return storage_uri.split("://", 1)[0].removeprefix("async+") != "memory"


def budget_use(
    config: PacingConfig,
    *,
    api_host: str,
    account_key: str,
    key_prefix: str = constants.PACING_KEY_PREFIX,
) -> list[WindowUse]:
    """The account window and the IP window of one account, as the pacing store counts them now."""
    policies: list[tuple[str, RatePolicy, tuple[str, ...]]] = [
        ("account", config.account, ("account", api_host, account_key)),
        ("ip", config.ip, ("ip", api_host)),
    ]
    uses = []
    for name, policy, identifiers in policies:
        seconds = paced_window_seconds(policy, config.margin_seconds)
        if not is_shared(config.storage_uri):
            uses.append(WindowUse(name, policy.limit, seconds, None, None))
            continue
        limiter = pacing_module.sync_limiter(config.storage_uri.removeprefix("async+"))
        item = RateLimitItemPerSecond(policy.limit, seconds, namespace=key_prefix)
        stats = limiter.get_window_stats(item, *identifiers)
        used = policy.limit - stats.remaining
        resets = max(0.0, stats.reset_time - time.time()) if used else 0.0
        uses.append(WindowUse(name, policy.limit, seconds, used, round(resets, 3)))
    return uses
