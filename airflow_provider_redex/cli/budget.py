"""Read an account's live request budget from the shared pacing store, for ``airflow redex budget``.

THE SEAM. The pacing store's layout belongs to ``client/pacing.py``: sliding logs of slot
instants keyed by :func:`~airflow_provider_redex.client.pacing.window_keys`, read with
:func:`~airflow_provider_redex.client.pacing.stored_instants`. :func:`budget_use` is the only
function here that knows it. It only reads: it never takes a slot.

A ``memory://`` store lives inside each process that paces; a CLI process cannot see it, so the
windows are reported as not shared (``used`` is ``None``) rather than as empty.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.pacing import PacingConfig, stored_instants, window_keys


@dataclass(frozen=True)
class WindowUse:
    """One rate window as the pacing store sees it now.

    :param window: ``account`` (the business account's budget) or ``ip`` (shared by all accounts).
    :param limit: requests allowed in any ``window_seconds``.
    :param window_seconds: the paced window (REDEX's window plus the margin, to the millisecond).
    :param used: requests counted in the window now; ``None`` when the store is per process.
    :param resets_in_seconds: until the oldest counted request leaves the window.
    """

    window: str
    limit: int
    window_seconds: float
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
    uses = []
    for window in window_keys(config, api_host, account_key, key_prefix):
        seconds = window.span_ms / 1000
        if not is_shared(config.storage_uri):
            uses.append(WindowUse(window.name, window.limit, seconds, None, None))
            continue
        now = time.time()
        counted = sorted(at for at in stored_instants(config, window.key) if at > now - seconds)
        # Full: the window frees when the slot ``limit`` places before the newest one leaves it.
        full = len(counted) >= window.limit
        resets = (
            counted[-window.limit] + seconds - now
            if full
            else (counted[0] + seconds - now if counted else 0.0)
        )
        uses.append(WindowUse(window.name, window.limit, seconds, len(counted), round(max(0.0, resets), 3)))
    return uses
