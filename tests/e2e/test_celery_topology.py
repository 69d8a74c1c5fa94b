"""The docker-compose topology, natively: CeleryExecutor with two Celery workers on the local Redis,
PostgreSQL as the metadata DB, the triggerer and the scheduler; and the REDEX request budgets
every worker and the triggerer share on Redis.

One stack serves the module (it takes a minute to start): the lifecycle with a load beside it on
one account, then three accounts at once. No connection sets ``rate_limit_storage``: the default
budget store (the Celery broker's Redis, ``hooks/budget_store.py``) must be what the workers
share. The sandbox runs at time scale 0.1, so REDEX's 60 s window lasts 6 s; each account may
send 60 a window and the IP policy the clients pace against allows 120 a window, tighter than
three accounts' 60 each.

What the sandbox counts then proves the budgets held: its fixed-window counters per account and
per window show no window over a limit and no 429, while the demand was several times what one
window allows.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devtools.stack import DAGS_FOLDER, PostgresDatabase, Stack, StackConfig

if TYPE_CHECKING:
    from tests.helpers.lifecycle import LifecycleChecks

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

TIME_SCALE = 0.1  # REDEX's 60 s window becomes 6 s
WINDOW = 60 * TIME_SCALE
APPROVE_AFTER = 60.0  # sandbox seconds: 6 s of real time, as in the other e2e stacks
ACCOUNT_LIMIT, IP_LIMIT = 60, 120
ACCOUNTS = {"redex_default": "", "redex_acct_b": "tok-many-accounts-b", "redex_acct_c": "tok-many-accounts-c"}
LIFECYCLE_DAGS = ("redex_onboarding", "redex_generation_daily", "redex_rec_issuance", "redex_retirement")

# --- the load DAGs, written into the stack's own DAGs folder beside the examples -------------------

LOAD_TASKS = 8
REQUESTS_PER_TASK = 40

ONE_ACCOUNT_LOAD = f'''
"""Test-only load: {LOAD_TASKS} tasks on one REDEX account, each sending {REQUESTS_PER_TASK} GETs."""
import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def redex_budget_load():
    @task
    def read_repeatedly(worker: int) -> dict:
        import socket, os
        from airflow_provider_redex.hooks.redex import RedexHook

        client = RedexHook().get_client()
        try:
            for _ in range({REQUESTS_PER_TASK}):
                next(iter(client.device_applications.list(items_per_page=10)), None)  # one GET
        finally:
            client.close()
        return {{"worker": worker, "pid": os.getpid(), "host": socket.gethostname()}}

    read_repeatedly.expand(worker=list(range({LOAD_TASKS})))


redex_budget_load()
'''

LOAD_WINDOWS = 6

MANY_ACCOUNTS_LOAD = '''
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


def dags_folder_with_loads(target: Path) -> Path:
    """The example DAGs (sample data included) plus both load DAGs, in a folder of the module's
    (beside the stack's home, which ``prepare_home`` empties)."""
    shutil.copytree(DAGS_FOLDER, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "redex_budget_load.py").write_text(ONE_ACCOUNT_LOAD)
    many = MANY_ACCOUNTS_LOAD.replace("CONN_IDS", repr(list(ACCOUNTS)))
    (target / "redex_many_accounts_load.py").write_text(many)
    return target


def connection(stack: Stack, conn_id: str, token: str) -> dict[str, Any]:
    """One account's connection: the stack's own, with this account's token and key."""
    conn = stack.connection()
    if token:
        conn["password"] = token
    conn["extra"] = {**conn["extra"], "account_key": f"{conn['extra']['account_key']}-{conn_id}"}
    return conn


def per_account_windows(stack: Stack) -> tuple[dict[str, dict[int, int]], int]:
    """Requests that arrived per sandbox window, per account token; and the 429s sent."""
    counters = stack.sandbox_admin("GET", "counters")["Data"]["RateLimits"]
    tokens = {str(a["AccountId"]): a["Token"] for a in stack.sandbox_admin("GET", "accounts")["Data"]}
    windows = {
        tokens.get(account, account): {w["Window"]: w["Arrived"] for w in per_window}
        for account, per_window in counters["PerAccount"].items()
    }
    return windows, counters["RateLimited"]


@pytest.fixture(scope="module")
def celery_stack(redis_url: str, stack_config: Callable[..., StackConfig]) -> Iterator[Stack]:
    """The Celery topology with both load DAGs, started once for this module."""
    from devtools.stack import redis_available

    for problem in (redis_available(redis_url), PostgresDatabase.server_available()):
        if problem:
            pytest.skip(problem)
    try:
        import airflow.providers.celery  # noqa: F401
    except ImportError:
        pytest.skip("apache-airflow-providers-celery is not installed (pip install -e '.[dev]')")
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-celery-"))
    extra = {"ip_requests": IP_LIMIT, "ip_window_seconds": WINDOW, "account_requests": ACCOUNT_LIMIT}
    config = stack_config(
        home / "stack",
        executor="CeleryExecutor",
        database=PostgresDatabase.create(),
        celery_workers=2,
        broker_url=redis_url,
        sandbox_time_scale=TIME_SCALE,
        sandbox_approve_after=APPROVE_AFTER,
        sandbox_args=[arg for token in ACCOUNTS.values() if token for arg in ("--token", token)],
        connection_extra=extra,
        dags_folder=dags_folder_with_loads(home / "dags"),
    )
    stack = Stack(config)
    try:
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
        yield stack
    finally:
        stack.stop()
        if not os.environ.get("REDEX_E2E_KEEP"):
            shutil.rmtree(home, ignore_errors=True)


def test_lifecycle_on_celery_workers_sharing_one_rate_budget_on_redis(
    celery_stack: Stack, checks: LifecycleChecks, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lifecycle, and beside it eight mapped tasks spread over both workers, each reading
    REDEX as fast as its client lets it: together several times what one window allows."""
    from devtools.demo import run_lifecycle

    stack = celery_stack
    stack.wait_for_dag("redex_budget_load")
    stack.set_paused("redex_budget_load", False)
    stack.trigger("redex_budget_load")
    summary = run_lifecycle(stack, say=lambda message: None, timeout=600)
    (load_run,) = stack.wait_for_runs("redex_budget_load", timeout=300)
    checks.assert_lifecycle_completed(stack)
    windows, rate_limited = per_account_windows(stack)
    worker_logs = [(stack.home / "logs" / f"celery-worker-{n}.log").read_text() for n in range(2)]

    per_window = list(windows[stack.config.token].values())
    # The demand was real: the busiest window used most of the budget...
    assert max(per_window) >= 0.8 * ACCOUNT_LIMIT, per_window
    # ...and no window went over it, so REDEX never had to refuse anything.
    assert max(per_window) <= ACCOUNT_LIMIT, per_window
    assert rate_limited == 0
    assert sum(per_window) >= LOAD_TASKS * REQUESTS_PER_TASK
    assert summary.rate_limited == 0
    # Both workers ran load tasks: the budget was shared across processes, not within one.
    for log in worker_logs:
        assert "Executing workload in Celery" in log and "redex_budget_load" in log, log[-2000:]
    assert load_run["state"] == "success"
    with capsys.disabled():
        busy = sorted(per_window)[-5:]
        print(
            f"\nshared budget: {sum(per_window)} requests over {len(per_window)} windows, busiest {busy} "
            f"of {ACCOUNT_LIMIT} allowed, {rate_limited} x 429"
        )


def test_three_accounts_share_the_ip_budget_fairly_and_keep_their_own(
    celery_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """One task per account, from one agreed instant to another: each account's fair share of
    the shared IP window is 40; over the windows where all three were busy, each account is
    within 10 % of it, none over 60, the three together never over 120, and no 429."""
    stack = celery_stack
    for dag_id in LIFECYCLE_DAGS:  # nothing else reads REDEX while the accounts compete
        stack.set_paused(dag_id, True)
    stack.wait_for_dag("redex_many_accounts_load")
    stack.set_paused("redex_many_accounts_load", False)
    start_at = time.time() + 40  # every task picked up by a worker and waiting by then
    end_at = start_at + LOAD_WINDOWS * WINDOW
    stack.trigger("redex_many_accounts_load", {"start_at": start_at, "end_at": end_at})
    (run,) = stack.wait_for_runs("redex_many_accounts_load", timeout=300)
    assert run["state"] == "success", stack.describe_run(run)
    windows, rate_limited = per_account_windows(stack)

    busy = [windows[token or stack.config.token] for token in ACCOUNTS.values()]
    shared = sorted(set.intersection(*(set(w) for w in busy)))[1:-1]  # full windows only
    assert len(shared) >= LOAD_WINDOWS - 3, (shared, windows)
    assert rate_limited == 0
    for per_window in busy:
        assert max(per_window.values()) <= ACCOUNT_LIMIT, per_window
    for index in shared:
        assert sum(per_window[index] for per_window in busy) <= IP_LIMIT, (index, windows)
    totals = [sum(per_window[index] for index in shared) for per_window in busy]
    fair = sum(totals) / len(totals)
    assert all(abs(total - fair) <= 0.1 * fair for total in totals), totals
    with capsys.disabled():
        print(
            f"\nthree accounts over {len(shared)} shared windows: {totals} requests "
            f"(fair share {fair:.0f}; IP limit {IP_LIMIT}, account limit {ACCOUNT_LIMIT} per {WINDOW:g} s), "
            f"{rate_limited} x 429"
        )
