"""The compose file is valid against the Compose specification and wires what the README promises.

No Docker engine runs on the CI machine, so the file is checked structurally here and the same
topology is started natively by the Celery end-to-end test.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    return doc


def _compose_schema() -> dict[str, Any]:
    # check-jsonschema vendors the upstream compose-spec schema, so no network is needed.
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_compose_file_validates_against_the_compose_spec(compose: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(_compose_schema()).validate(compose)


def test_compose_runs_every_airflow_component_with_celery(compose: dict[str, Any]) -> None:
    services = compose["services"]
    commands = {name: " ".join(svc.get("command", [])) for name, svc in services.items()}
    for component in ("api-server", "scheduler", "dag-processor", "triggerer", "celery worker"):
        assert any(cmd == f"airflow {component}" for cmd in commands.values()), component
    assert services["airflow-worker"]["deploy"]["replicas"] >= 2
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert {"postgres", "redis", "redex-sandbox"} <= services.keys()


def test_redex_connection_points_at_the_sandbox_with_a_shared_redis_budget(compose: dict[str, Any]) -> None:
    env = compose["services"]["airflow-worker"]["environment"]
    conn = json.loads(env["AIRFLOW_CONN_REDEX_DEFAULT"])
    assert conn["conn_type"] == "redex"
    assert conn["host"].startswith("http://redex-sandbox:")
    assert conn["extra"]["rate_limit_storage"].startswith("redis://redis:")
    sandbox_cmd = compose["services"]["redex-sandbox"]["command"]
    assert conn["password"] == sandbox_cmd[sandbox_cmd.index("--token") + 1]


def test_example_dags_are_mounted_into_every_airflow_service(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        if name.startswith("airflow-"):
            assert "./dags:/opt/airflow/dags" in svc["volumes"], name
