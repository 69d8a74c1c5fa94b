"""The docker-compose topology, natively: CeleryExecutor with two workers on the local Redis,
PostgreSQL as the metadata DB, and one REDEX request budget on Redis shared by every worker
and by the triggerer.

The lifecycle alone sends few requests, far under 60 a window, so it would pass whether or not
the budget is shared. A second DAG, written here into the stack's own DAGs folder beside the
examples, runs at the same time: eight mapped tasks spread over both workers, each reading
REDEX as fast as its client lets it. Together they ask for several times what one window
allows; the sandbox's fixed-window counters then show whether the moving window on Redis
held every window to the limit, with no 429.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devtools.stack import DAGS_FOLDER, PostgresDatabase, Stack, StackConfig

if TYPE_CHECKING:
    from tests.helpers.lifecycle import LifecycleChecks

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

LOAD_TASKS = 8
REQUESTS_PER_TASK = 40

LOAD_DAG = f'''
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


def dags_folder_with_load(target: Path) -> Path:
    """The example DAGs (sample data included) plus the load DAG, in a folder of this test
    (beside the stack's home, which ``prepare_home`` empties)."""
    shutil.copytree(DAGS_FOLDER, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "redex_budget_load.py").write_text(LOAD_DAG)
    return target


def windows(counters: dict[str, Any], policy: str) -> list[dict[str, int]]:
    return [w for per_key in counters["RateLimits"][policy].values() for w in per_key]


def test_lifecycle_on_celery_workers_sharing_one_rate_budget_on_redis(
    stack_home: Path,
    checks: LifecycleChecks,
    stack_config: Callable[..., StackConfig],
    postgres_database: PostgresDatabase,
    celery_ready: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devtools.demo import run_lifecycle

    config = stack_config(
        stack_home / "stack",
        executor="CeleryExecutor",
        database=postgres_database,
        celery_workers=2,
        broker_url=celery_ready,
        rate_limit_storage=celery_ready,
        dags_folder=dags_folder_with_load(stack_home / "dags"),
    )
    with Stack(config) as stack:
        stack.prepare_home()
        stack.start()
        stack.wait_for_dag("redex_budget_load")
        stack.set_paused("redex_budget_load", False)
        stack.trigger("redex_budget_load")
        summary = run_lifecycle(stack, say=lambda message: None, timeout=600)
        (load_run,) = stack.wait_for_runs("redex_budget_load", timeout=300)
        counters = checks.counters(stack)
        checks.assert_lifecycle_completed(stack)
        worker_logs = [(stack.home / "logs" / f"celery-worker-{n}.log").read_text() for n in range(2)]

    limit = counters["RateLimits"]["AccountPolicy"]["Limit"]
    per_window = [w["Arrived"] for w in windows(counters, "PerAccount")]
    # The demand was real: the busiest window used most of the budget...
    assert max(per_window) >= 0.8 * limit, per_window
    # ...and no window went over it, so REDEX never had to refuse anything.
    assert max(per_window) <= limit, per_window
    assert counters["RateLimits"]["RateLimited"] == 0
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
            f"of {limit} allowed, {counters['RateLimits']['RateLimited']} x 429"
        )
