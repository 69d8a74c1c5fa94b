"""Deferred sensors and the decision watcher share one poll in a real ``airflow triggerer``.

One stack (scheduler, dag-processor, api-server, triggerer; SQLite), one account. Six deferred
retirement sensors (one mapped task) wait while ``redex_on_retirement_decided`` watches the same
account's retirements: seven triggers, one kind, one connection, so one shared poll. The sandbox
counts the account's requests: while they all wait, REDEX sees about one list request per poll
interval, not seven. Then REDEX decides: every sensor succeeds, and each decision is one Asset
event that runs the example DAG.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.shared_streams import pending_retirements
from devtools.stack import DAGS_FOLDER, Stack, StackConfig, wait_for

pytestmark = pytest.mark.e2e

SENSORS = 6
POLL_SECONDS = 1.5
WAIT_SECONDS = 9.0

SHARED_WAIT_DAG = """
from airflow.sdk import Param, dag, task
from redex_common import FIRST_DAY

from airflow_provider_redex.sensors import RedexRetirementApplicationSensor


@dag(dag_id="redex_shared_wait", schedule=None, start_date=FIRST_DAY, catchup=False,
     params={"ids": Param([], type="array")})
def redex_shared_wait():
    @task
    def ids(params=None):
        return params["ids"]

    RedexRetirementApplicationSensor.partial(
        task_id="wait", deferrable=True, poke_interval=%(poll)s, timeout=600
    ).expand(retirement_application_id=ids())


redex_shared_wait()
"""


@pytest.fixture
def dags_folder() -> Iterator[Path]:
    """The example watcher DAG, its shared module, and the waiting DAG above."""
    folder = Path(tempfile.mkdtemp(prefix="redex-e2e-shared-dags-"))
    for name in ("redex_common.py", "redex_on_retirement_decided.py", ".airflowignore"):
        shutil.copy(DAGS_FOLDER / name, folder / name)
    (folder / "redex_shared_wait.py").write_text(SHARED_WAIT_DAG % {"poll": POLL_SECONDS})
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _retirements(stack: Stack, count: int) -> list[str]:
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pacing import PacingConfig

    with RedexClient(
        stack.sandbox_url, BearerToken(stack.config.token), pacing=PacingConfig(enabled=False)
    ) as redex:
        return pending_retirements(redex, count, reason="e2e shared waiting")


def _arrived(stack: Stack) -> int:
    per_account = stack.sandbox_admin("GET", "counters")["Data"]["RateLimits"]["PerAccount"]
    return sum(window["Arrived"] for windows in per_account.values() for window in windows)


def _asset_events(stack: Stack) -> list[dict[str, Any]]:
    assets = stack.api("GET", "/assets", params={"name_pattern": "redex_retirement_decided"})["assets"]
    if not assets:
        return []
    events: list[dict[str, Any]] = stack.api(
        "GET", "/assets/events", params={"asset_id": assets[0]["id"], "limit": 100}
    )["asset_events"]
    return events


def _at_least(found: list[dict[str, Any]], count: int) -> list[dict[str, Any]] | None:
    return found if len(found) >= count else None


def test_deferred_sensors_and_the_decision_watcher_share_one_poll_in_the_triggerer(
    stack_home: Path, stack_config: Callable[..., StackConfig], dags_folder: Path
) -> None:
    config = stack_config(
        stack_home,
        dags_folder=dags_folder,
        sandbox_approve_after=1e9,  # REDEX decides only when the test says so
        extra_env={"REDEX_EXAMPLE_POLL_SECONDS": str(POLL_SECONDS)},
    )
    with Stack(config) as stack:
        stack.prepare_home()
        stack.start()
        triggerer_log = stack.home / "logs" / "triggerer.log"
        for dag_id in ("redex_on_retirement_decided", "redex_shared_wait"):
            stack.wait_for_dag(dag_id)
        # The watcher runs from the moment its DAG is active; its poll logs to the triggerer's log.
        stack.set_paused("redex_on_retirement_decided", False)
        wait_for(
            "the decision watcher to poll",
            lambda: "Shared REDEX poll (retirements)" in triggerer_log.read_text(errors="replace"),
            timeout=180,
            interval=1.0,
            alive=stack.check_alive,
        )
        ids = _retirements(stack, SENSORS)
        run_id = stack.trigger("redex_shared_wait", {"ids": ids})
        stack.set_paused("redex_shared_wait", False)

        def all_deferred() -> bool | None:
            tis = [ti for ti in stack.task_instances("redex_shared_wait", run_id) if ti["task_id"] == "wait"]
            return (len(tis) == SENSORS and all(ti["state"] == "deferred" for ti in tis)) or None

        wait_for("the sensors to defer", all_deferred, timeout=180, interval=1.0, alive=stack.check_alive)
        time.sleep(2 * POLL_SECONDS)  # every trigger has joined the shared poll
        before, started = _arrived(stack), time.monotonic()
        time.sleep(WAIT_SECONDS)
        sent, elapsed = _arrived(stack) - before, time.monotonic() - started

        for application_id in ids:
            stack.sandbox_admin("POST", f"applications/{application_id}/approve")
        (run,) = stack.wait_for_runs("redex_shared_wait", timeout=180)
        events = wait_for(
            "one Asset event per decision",
            lambda: _at_least(_asset_events(stack), SENSORS),
            timeout=120,
            interval=2.0,
            alive=stack.check_alive,
        )
        stack.wait_for_runs("redex_on_retirement_decided", timeout=180)
        log_text = triggerer_log.read_text(errors="replace")

    polls = elapsed / POLL_SECONDS
    print(f"\n{SENSORS} deferred sensors + 1 watcher: {sent} requests in {polls:.1f} poll intervals")
    # Shared: about one list per interval (a slow poll or a window edge may add one or two);
    # each trigger on its own would have sent seven per interval.
    assert sent <= polls + 3, (sent, polls)
    assert run["state"] == "success"
    decided = sorted(event["extra"]["payload"]["application_id"] for event in events)
    assert decided == sorted(ids)  # each decision fired once
    assert all(event["extra"]["payload"]["status"] == "Completed" for event in events)
    # The triggerer's own account of it: the watcher and the six sensors in one poll.
    assert f"{SENSORS + 1} waiting trigger(s), {SENSORS} id(s), 1 request(s)" in log_text
