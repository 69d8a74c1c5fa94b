"""Three REDEX accounts at once on the CeleryExecutor: each account's budget kept, the IP budget shared.

The stack is the docker-compose topology run natively (two Celery workers, the triggerer, the
scheduler, Redis as broker, PostgreSQL as metadata DB), with no ``rate_limit_storage`` on any
connection: the default budget store (the Celery broker's Redis, ``hooks/budget_store.py``)
must be what the workers share. One load DAG maps one task per account; each reads REDEX as fast
as its client lets it, from one agreed instant to another. The IP policy the clients pace
against (120 per window) is tighter than three accounts' 60 each, so the shared IP window binds:
each account's fair share is 40 a window. The sandbox's fixed windows (60 per 6 s at time scale
0.1) then show, per account: nothing over 60, the three together never over 120, no 429, and
each account within 10 % of its fair share over the windows where all three were busy.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devtools.stack import DAGS_FOLDER, PostgresDatabase, Stack, StackConfig

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

TIME_SCALE = 0.1  # REDEX's 60 s window becomes 6 s
WINDOW = 60 * TIME_SCALE
ACCOUNT_LIMIT, IP_LIMIT = 60, 120
ACCOUNTS = {"redex_default": "", "redex_acct_b": "tok-many-accounts-b", "redex_acct_c": "tok-many-accounts-c"}
LOAD_WINDOWS = 6

LOAD_DAG = '''
"""Test-only load: one task per REDEX account, each reading as fast as its budget lets it."""
import pendulum
from airflow.sdk import dag, get_current_context, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def redex_many_accounts_load():
    @task
    def read_until_the_end(conn_id: str) -> dict:
        import time
        from airflow_provider_redex.hooks.redex import RedexHook

        conf = get_current_context()["dag_run"].conf
        client = RedexHook(conn_id).get_client()
        time.sleep(max(0.0, conf["start_at"] - time.time()))
        first, count = time.time(), 0
        try:
            while time.time() < conf["end_at"]:
                next(iter(client.device_applications.list(items_per_page=1)), None)  # one GET
                count += 1
        finally:
            client.close()
        return {"conn_id": conn_id, "first": first, "requests": count}

    read_until_the_end.expand(conn_id=CONN_IDS)


redex_many_accounts_load()
'''


def connection(stack: Stack, conn_id: str, token: str) -> dict[str, Any]:
    """One account's connection: the stack's own, with this account's token and key."""
    conn = stack.connection()
    if token:
        conn["password"] = token
    conn["extra"] = {**conn["extra"], "account_key": f"{conn['extra']['account_key']}-{conn_id}"}
    return conn


def test_three_accounts_share_the_ip_budget_fairly_and_keep_their_own(
    stack_home: Path,
    stack_config: Callable[..., StackConfig],
    postgres_database: PostgresDatabase,
    celery_ready: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dags = stack_home / "dags"
    shutil.copytree(DAGS_FOLDER, dags, ignore=shutil.ignore_patterns("__pycache__"))
    (dags / "redex_many_accounts_load.py").write_text(LOAD_DAG.replace("CONN_IDS", repr(list(ACCOUNTS))))
    extra = {"ip_requests": IP_LIMIT, "ip_window_seconds": WINDOW, "account_requests": ACCOUNT_LIMIT}
    config = stack_config(
        stack_home / "stack",
        executor="CeleryExecutor",
        database=postgres_database,
        celery_workers=2,
        broker_url=celery_ready,
        sandbox_time_scale=TIME_SCALE,
        sandbox_args=[arg for token in ACCOUNTS.values() if token for arg in ("--token", token)],
        connection_extra=extra,
        dags_folder=dags,
    )
    with Stack(config) as stack:
        config.extra_env = {
            **config.extra_env,
            **{
                f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(connection(stack, conn_id, token))
                for conn_id, token in ACCOUNTS.items()
                if token
            },
        }
        stack.prepare_home()
        stack.start()
        stack.wait_for_dag("redex_many_accounts_load")
        stack.set_paused("redex_many_accounts_load", False)
        start_at = time.time() + 40  # every task picked up by a worker and waiting by then
        end_at = start_at + LOAD_WINDOWS * WINDOW
        stack.trigger("redex_many_accounts_load", {"start_at": start_at, "end_at": end_at})
        (run,) = stack.wait_for_runs("redex_many_accounts_load", timeout=300)
        assert run["state"] == "success", stack.describe_run(run)
        counters = stack.sandbox_admin("GET", "counters")["Data"]["RateLimits"]
        accounts = stack.sandbox_admin("GET", "accounts")["Data"]

    names = {str(a["AccountId"]): a["Token"] for a in accounts}
    per_account = {
        names.get(account, account): {w["Window"]: w["Arrived"] for w in windows}
        for account, windows in counters["PerAccount"].items()
    }
    busy = [per_account[token or stack.config.token] for token in ACCOUNTS.values()]
    shared = sorted(set.intersection(*(set(windows) for windows in busy)))[1:-1]  # full windows only
    assert len(shared) >= LOAD_WINDOWS - 3, (shared, per_account)
    assert counters["RateLimited"] == 0
    for windows in busy:
        assert max(windows.values()) <= ACCOUNT_LIMIT, windows
    for index in shared:
        assert sum(windows[index] for windows in busy) <= IP_LIMIT, (index, per_account)
    totals = [sum(windows[index] for index in shared) for windows in busy]
    fair = sum(totals) / len(totals)
    assert all(abs(total - fair) <= 0.1 * fair for total in totals), totals
    with capsys.disabled():
        print(
            f"\nthree accounts over {len(shared)} shared windows: {totals} requests "
            f"(fair share {fair:.0f}; IP limit {IP_LIMIT}, account limit {ACCOUNT_LIMIT} per {WINDOW:g} s), "
            f"{counters['RateLimited']} x 429"
        )
