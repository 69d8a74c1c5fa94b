"""Tokens the ``api_key`` grant returns at run time are masked as they arrive, and leak nowhere.

A DAG on an ``api_key`` connection runs a deferred sensor (its trigger runs, with its own client
and its own grant) and a poke sensor that fails on a declined application, with logging at DEBUG.
Every access and refresh token the sandbox issued, the API key and the client secret are then
looked for in the task and trigger logs, XCom, the rendered fields, the trigger's kwargs and the
failure's text; and each issued token must be known to Airflow's secret masker.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import redact
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.hooks.redex import RedexHook
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from airflow_provider_redex.sensors import RedexDeviceApplicationSensor
from tests.helpers import harness

DAG_ID = "runtime_token_masking"


@pytest.fixture
def granting_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RunningSandbox, list[str]]]:
    """The sandbox, an ``api_key`` connection to it, and the list of tokens its grant issues."""
    issued: list[str] = []
    with running_sandbox(harness.sandbox_config()) as sandbox:
        accounts = sandbox.app.state.sandbox.accounts
        grant = accounts.grant_api_key

        def recording_grant(*args: Any) -> Any:
            token = grant(*args)
            if token is not None:
                issued.extend([token.access_token, token.refresh_token])
            return token

        monkeypatch.setattr(accounts, "grant_api_key", recording_grant)
        account = sandbox.config.accounts[0]
        conn = {
            "conn_type": "redex",
            "host": sandbox.url,
            "password": account.client_secret,
            "extra": {"api_key": account.api_key, "client_id": account.client_id},
        }
        monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))
        yield sandbox, issued


def new_device_application(name: str) -> str:
    with RedexHook().get_client() as client:
        file_id = str(client.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
        request = harness.grouped_device_request(name, file_id, inverters=1)
        return str(client.device_applications.create_grouped(request).id)


def stored_texts(dag_id: str) -> list[str]:
    """What the metadata DB kept of the run: rendered fields, trigger kwargs, next_kwargs, XCom."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    texts: list[str] = []
    with create_session() as session:
        rendered = session.scalars(
            select(RenderedTaskInstanceFields).where(RenderedTaskInstanceFields.dag_id == dag_id)
        ).all()
        texts += [json.dumps(row.rendered_fields, default=str) for row in rendered]
        instances = session.scalars(select(TaskInstance).where(TaskInstance.dag_id == dag_id)).all()
        texts += [repr(ti.next_kwargs) for ti in instances]
        triggers = session.scalars(select(Trigger)).all()
        texts += [f"{trigger.classpath} {trigger.kwargs!r}" for trigger in triggers]
        xcoms = session.scalars(select(XComModel).where(XComModel.dag_id == dag_id)).all()
        texts += [repr(XComModel.deserialize_value(row)) for row in xcoms]
    assert rendered, "the run left no rendered fields to search"
    return texts


def test_run_time_tokens_are_masked_and_appear_nowhere(
    airflow_db: Path,
    granting_sandbox: tuple[RunningSandbox, list[str]],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sandbox, issued = granting_sandbox
    account = sandbox.config.accounts[0]
    caplog.set_level(logging.DEBUG)
    waiting, declined = new_device_application("MaskWait"), new_device_application("MaskDeclined")
    sandbox.admin("POST", f"applications/{declined}/reject", {"Reason": "ODF not signed"})
    watcher = harness.once_waiting(
        DAG_ID, "deferrable", lambda: sandbox.admin("POST", f"applications/{waiting}/approve")
    )
    result = harness.run_dag(
        airflow_db,
        DAG_ID,
        f"""
        RedexDeviceApplicationSensor(task_id='wait', device_application_id={waiting!r},
                                     poke_interval=0.3, timeout=120, deferrable=True)
        RedexDeviceApplicationSensor(task_id='declined', device_application_id={declined!r},
                                     poke_interval=0.3, timeout=60, mode='poke')
        """,
    )
    watcher.join(timeout=5)
    assert result.task_states == {"wait": "success", "declined": "failed"}, result

    sensor = RedexDeviceApplicationSensor(task_id="check", device_application_id=declined)
    with pytest.raises(AirflowFailException) as failure:
        sensor.poke({})  # type: ignore[arg-type]
    trigger = sensor.trigger_class(
        resource_ids=[waiting], redex_conn_id="redex_default", deadline=time.time() + 60, poll_interval=1
    )
    captured = capfd.readouterr()
    texts = [
        caplog.text,
        captured.out,
        captured.err,
        json.dumps(result.xcoms, default=str),
        str(failure.value),
        repr(failure.value),
        repr(trigger.serialize()),
        *stored_texts(DAG_ID),
    ]
    # The worker's checks and the trigger each granted tokens of their own.
    assert len(issued) >= 4
    for secret in [*issued, account.client_secret, account.api_key]:
        for text in texts:
            assert secret not in text
    for token in issued:
        assert redact(token) != token, "a run-time token was not registered with the secret masker"
