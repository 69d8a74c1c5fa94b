"""Refusals with ``retries=2`` under ``airflow dags test``: one try and at most one POST each.

One DAG, three tasks that cannot succeed however often they are tried: a wrong token (401), a
plain ``http://`` host that is not loopback (refused before anything is sent), and REDEX's own
400 ``DuplicateRemoteInvId`` (the inverters are registered already). The tries are read from
the metadata database, the POSTs from the sandbox's counters. The control: a fourth task's
REDEX is down (connection refused), which may pass next time, so it uses all three tries.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devtools.stack import Stack, StackConfig, free_port

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.helpers.lifecycle import LifecycleChecks

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]

DAG_ID = "redex_refusals"
DAG_SOURCE = """
from datetime import timedelta
from airflow.sdk import DAG
from airflow_provider_redex.operators import RedexRegisterGroupedDeviceOperator

DEVICE = {device!r}

with DAG({dag_id!r}, schedule=None, default_args={{"retries": 2, "retry_delay": timedelta(seconds=0)}}):
    RedexRegisterGroupedDeviceOperator(task_id="wrong_token", redex_conn_id="redex_wrong_token",
                                       grouped_device={{**DEVICE, "GroupedEnglishName": "Refused 401"}})
    RedexRegisterGroupedDeviceOperator(task_id="plain_http", redex_conn_id="redex_plain_http",
                                       grouped_device={{**DEVICE, "GroupedEnglishName": "Refused http"}})
    RedexRegisterGroupedDeviceOperator(task_id="duplicate_inverters", grouped_device=DEVICE)
    RedexRegisterGroupedDeviceOperator(task_id="redex_down", redex_conn_id="redex_down",
                                       grouped_device={{**DEVICE, "GroupedEnglishName": "Retried"}})
"""


@pytest.fixture(scope="module")
def refusal_stack(stack_config: Callable[..., StackConfig]) -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-refusals-"))
    dags = Path(tempfile.mkdtemp(prefix="redex-e2e-refusal-dags-"))
    config = stack_config(home, dags_folder=dags)
    stack = Stack(config)
    wrong = {**stack.connection(), "password": "not-the-token"}
    plain = {**stack.connection(), "host": "http://redex.example.com"}
    extra_env = {**config.extra_env, "AIRFLOW_CONN_REDEX_WRONG_TOKEN": json.dumps(wrong)}
    extra_env["AIRFLOW_CONN_REDEX_PLAIN_HTTP"] = json.dumps(plain)
    down = {**stack.connection(), "host": f"http://127.0.0.1:{free_port()}", "extra": {"max_retries": 0}}
    extra_env["AIRFLOW_CONN_REDEX_DOWN"] = json.dumps(down)
    stack.config = stack_config(home, dags_folder=dags, extra_env=extra_env)
    try:
        stack.prepare_home()
        stack.start_sandbox()
        stack.migrate()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(dags, ignore_errors=True)


def _tries(stack: Stack) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(stack.airflow_home / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ?", (DAG_ID,)
        ).fetchall()
    return {task_id: (state, try_number) for task_id, state, try_number in rows}


def _posts(stack: Stack) -> int:
    requests: dict[str, int] = stack.sandbox_admin("GET", "counters")["Data"]["Requests"]
    return sum(count for route, count in requests.items() if route.startswith("POST "))


def test_refusals_use_one_try_and_send_one_post_at_most(
    refusal_stack: Stack, checks: LifecycleChecks
) -> None:
    from tests.helpers import harness

    client: Any = checks.client(refusal_stack)
    try:
        file_id = str(client.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
        device = harness.grouped_device_request("Refusals", file_id)
        client.device_applications.create_grouped(device)  # its inverters are now taken
    finally:
        client.close()
    (refusal_stack.config.dags_folder / f"{DAG_ID}.py").write_text(
        DAG_SOURCE.format(device=device, dag_id=DAG_ID)
    )
    posts_before = _posts(refusal_stack)

    result = refusal_stack.airflow("dags", "test", DAG_ID, check=False, timeout=300)

    output = result.stdout + result.stderr
    tries = _tries(refusal_stack)
    posts = _posts(refusal_stack) - posts_before
    print(f"\nFIGURE airflow dags test refusals (retries=2): tries {tries}, POSTs sent {posts}")
    assert tries == {
        "wrong_token": ("failed", 1),
        "plain_http": ("failed", 1),
        "duplicate_inverters": ("failed", 1),
        "redex_down": ("failed", 3),
    }, output[-4000:]
    assert posts == 2  # the 401 and the 400: one each; plain http:// sent nothing
