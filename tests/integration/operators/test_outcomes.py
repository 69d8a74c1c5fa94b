"""Each refusal fails the task once, with ``retries=2``: one try and at most one POST; what may
pass on another try (REDEX's 5xx) is retried. Run with Airflow's own runner (``dag.test``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.operators.outcomes import RETRIED_STATUSES, is_final
from tests.helpers import harness

RETRIES = "{'retries': 2, 'retry_delay': timedelta(seconds=0)}"


def _register(name: str, file_id: str, **extra: str) -> str:
    body = harness.grouped_device_request(name, file_id)
    args = "".join(f", {key}={value}" for key, value in extra.items())
    return f"RedexRegisterGroupedDeviceOperator(task_id='register', grouped_device={body!r}{args})"


def _file_id(sandbox: Any) -> str:
    with harness.client(sandbox) as redex:
        return str(redex.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)


def _run_counted(dags: Path, sandbox: Any, dag_id: str, task: str) -> tuple[Any, int]:
    posts = harness.posts(sandbox)
    result = harness.run_dag(dags, dag_id, task, default_args=RETRIES)
    return result, harness.posts(sandbox) - posts


def test_wrong_token_fails_once_after_one_post(
    airflow_db: Path, redex_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = _register("WrongToken", _file_id(redex_sandbox))
    conn = {"conn_type": "redex", "host": redex_sandbox.url, "password": "not-the-token"}
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))

    result, posts = _run_counted(airflow_db, redex_sandbox, "outcome_401", task)

    assert (result.task_states["register"], result.tries["register"], posts) == ("failed", 1, 1)


def test_plain_http_to_a_remote_host_fails_once_sending_nothing(
    airflow_db: Path, redex_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = _register("PlainHttp", _file_id(redex_sandbox))
    conn = {"conn_type": "redex", "host": "http://redex.example.com", "password": "tok"}
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))

    result, posts = _run_counted(airflow_db, redex_sandbox, "outcome_plain_http", task)

    assert (result.task_states["register"], result.tries["register"], posts) == ("failed", 1, 0)


def test_redex_400_duplicate_inverter_fails_once_after_one_post(airflow_db: Path, redex_sandbox: Any) -> None:
    file_id = _file_id(redex_sandbox)
    with harness.client(redex_sandbox) as redex:  # the inverters are registered already
        redex.device_applications.create_grouped(harness.grouped_device_request("Dup", file_id))

    result, posts = _run_counted(airflow_db, redex_sandbox, "outcome_400", _register("Dup", file_id))

    assert (result.task_states["register"], result.tries["register"], posts) == ("failed", 1, 1)


def test_redex_422_overlap_fails_once_after_one_post(
    airflow_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REDEX lists the overlapped application late, so only REDEX's 422 can refuse the window."""
    from datetime import timedelta

    from airflow_provider_redex.client.models import rules
    from airflow_provider_redex.sandbox.server import running_sandbox

    with running_sandbox(harness.sandbox_config(listing_delay=1e6)) as sandbox:
        harness.connect(monkeypatch, sandbox)
        ours = rules.earliest_claimable_date(rules.today_earliest())
        device = harness.approved_device(sandbox, "Overlap", since=ours - timedelta(days=30))
        days = {ours + timedelta(days=n): "800" for n in range(1, 7)}
        harness.push_daily(sandbox, {device.inverters[0]: days})
        window = {"VintageFrom": str(ours + timedelta(days=1)), "VintageTo": str(ours + timedelta(days=4))}
        with harness.client(sandbox) as redex:
            redex.rec_applications.create_for_grouped_device(
                {**window, "DeviceId": device.device_id, "Quantity": "1"}
            )
        task = (
            f"RedexCreateRecApplicationOperator(task_id='apply', device_id={device.device_id!r}, "
            f"vintage_from={str(ours + timedelta(days=2))!r}, vintage_to={str(ours + timedelta(days=6))!r}, "
            "quantity='0.5')"
        )

        result, posts = _run_counted(airflow_db, sandbox, "outcome_422", task)

    assert (result.task_states["apply"], result.tries["apply"], posts) == ("failed", 1, 1)


def test_redex_5xx_is_retried(airflow_db: Path, redex_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: what may pass next time uses the retries (3 tries with retries=2)."""
    from airflow_provider_redex.client import constants

    monkeypatch.setattr(constants, "INITIAL_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(constants, "MAX_BACKOFF_SECONDS", 0.05)
    redex_sandbox.admin("PUT", "faults", {"ErrorRate": 1.0, "ErrorStatus": 503})
    beneficiary = {"BeneficiaryType": "Personal", "BeneficiaryName": "X", "CountryCode": "SG"}
    beneficiary |= {"PersonalName": "X", "PersonalAddress": "Y"}
    task = f"RedexCreateBeneficiaryOperator(task_id='ben', beneficiary={beneficiary!r})"

    result = harness.run_dag(airflow_db, "outcome_5xx", task, default_args=RETRIES)

    assert (result.task_states["ben"], result.tries["ben"]) == ("failed", 3)


def test_every_status_has_one_outcome() -> None:
    """The table in outcomes.py and the README: 4xx refusals are final, 408/429/5xx are not."""
    from airflow_provider_redex.client.errors import (
        RedexTimeoutError,
        RedexTransportError,
        error_class_for_status,
    )

    for status in (400, 401, 403, 404, 405, 409, 410, 422):
        error = error_class_for_status(status)(method="POST", path="/x", status_code=status, message=None)
        assert is_final(error), status
    for status in (*sorted(RETRIED_STATUSES), 500, 502, 503, 504):
        cls = error_class_for_status(status)
        kwargs: dict[str, Any] = {"method": "POST", "path": "/x", "status_code": status, "message": None}
        assert not is_final(cls(**kwargs)), status
    from airflow_provider_redex.client.errors import RedexInputError
    from airflow_provider_redex.hooks.connection import RedexConnectionError

    assert is_final(RedexInputError([("Quantity", "a float")]))
    assert is_final(RedexConnectionError("host is missing"))
    assert not is_final(RedexTransportError("reset", method="POST", path="/x", request_sent=True))
    assert not is_final(RedexTimeoutError("slow", method="GET", path="/x", request_sent=True))


def test_a_sensor_waiting_on_an_unknown_id_fails_once(airflow_db: Path, redex_sandbox: Any) -> None:
    unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    task = (
        f"RedexRecApplicationSensor(task_id='wait', rec_application_id={unknown!r}, "
        "poke_interval=0.2, timeout=30, mode='poke', deferrable=False)"
    )

    result = harness.run_dag(airflow_db, "outcome_sensor_404", task, default_args=RETRIES)

    assert (result.task_states["wait"], result.tries["wait"]) == ("failed", 1)


def test_a_float_rendered_by_jinja_is_refused_once_before_any_post(
    airflow_db: Path, redex_sandbox: Any
) -> None:
    """With native rendering, ``{{ 0.1 }}`` becomes the float 0.1: refused, never sent."""
    beneficiary = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    task = (
        f"RedexCreateRetirementOperator(task_id='retire', beneficiary_id={beneficiary!r}, "
        "quantity='{{ 0.1 }}', reason='native rendering')"
    )
    posts = harness.posts(redex_sandbox)

    result = harness.run_dag(
        airflow_db,
        "outcome_native_float",
        task,
        default_args=RETRIES,
        dag_arguments="render_template_as_native_obj=True",
    )

    assert (result.task_states["retire"], result.tries["retire"]) == ("failed", 1)
    assert harness.posts(redex_sandbox) == posts
