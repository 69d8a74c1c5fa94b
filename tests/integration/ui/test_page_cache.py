"""The page's REDEX reads: one per connection per minute however often it is opened, errors too."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.pacing import PacingConfig
from airflow_provider_redex.sandbox.server import RunningSandbox
from airflow_provider_redex.ui.snapshot import SnapshotCache

# On sys.path through tests/integration/conftest.py.
from tests.helpers.sandbox_walks import TOKEN


def _arrived(sandbox: RunningSandbox) -> int:
    per_account: dict[str, Any] = sandbox.admin("GET", "counters")["RateLimits"]["PerAccount"]
    return sum(w["Arrived"] for windows in per_account.values() for w in windows)


def _cache(sandbox: RunningSandbox, token: str = TOKEN, shared_dir: Path | None = None) -> SnapshotCache:
    key = f"ui-cache-{uuid.uuid4().hex}"
    return SnapshotCache(
        lambda conn_id: RedexClient(sandbox.url, BearerToken(token), pacing=PacingConfig(account_key=key)),
        shared_dir=shared_dir,
    )


def test_many_views_of_one_connection_read_redex_once(sandbox: RunningSandbox) -> None:
    cache = _cache(sandbox)
    before = _arrived(sandbox)
    snapshots = {id(cache.get("redex_default")) for _ in range(100)}
    cost = _arrived(sandbox) - before
    print(f"\n100 cached reads of an empty account: {cost} request(s) at REDEX")
    assert len(snapshots) == 1
    assert cost == 4  # device, REC and retirement applications, REC inventory: one page each


def test_an_expired_read_is_read_again(sandbox: RunningSandbox) -> None:
    cache = _cache(sandbox)
    first = cache.get("redex_default")
    cache.ttl = 0
    assert cache.get("redex_default") is not first


def test_a_refused_read_is_shown_without_the_token_and_cached(sandbox: RunningSandbox) -> None:
    bad_token = f"not-a-token-{uuid.uuid4().hex}"
    cache = _cache(sandbox, bad_token)
    snapshot = cache.get("redex_default")
    assert snapshot.error and "401" in snapshot.error and bad_token not in snapshot.error
    assert cache.get("redex_default") is snapshot


def test_process_statuses_cost_at_most_one_request_per_refresh(sandbox: RunningSandbox) -> None:
    cache = _cache(sandbox)
    before = _arrived(sandbox)
    snapshot = cache.get("redex_default", [101, 102])
    assert snapshot.error is None
    # Both in one G4 request (the sandbox answers lists); unknown to REDEX: shown, not fatal
    assert sorted(snapshot.process_statuses) == [101, 102]
    assert all(status.startswith("unreadable") for status in snapshot.process_statuses.values())
    assert _arrived(sandbox) - before == 5


def test_processes_sharing_a_folder_read_redex_once_between_them(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    first, second = _cache(sandbox, shared_dir=tmp_path), _cache(sandbox, shared_dir=tmp_path)
    before = _arrived(sandbox)
    mine = first.get("redex_default")
    theirs = second.get("redex_default")  # another api-server worker: its memory is empty
    assert _arrived(sandbox) - before == 4
    assert theirs is not mine and theirs.read_at == mine.read_at
    # The sandbox's sample device and RECs come back exactly as read.
    assert theirs.device_applications == mine.device_applications and mine.device_applications
    assert theirs.inventory == mine.inventory and mine.inventory
