"""The connection form's Test button works where the project sets Airflow up: Airflow ships
it disabled (``[core] test_connection``), so the demo's stack and docker-compose enable it."""

from __future__ import annotations

from pathlib import Path

import yaml

from devtools.stack import Stack, StackConfig
from tests.helpers.paths import REPO_ROOT


def test_the_demo_stack_enables_the_test_button(tmp_path: Path) -> None:
    env = Stack(StackConfig(home=tmp_path)).env()
    assert env["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"


def test_docker_compose_enables_the_test_button() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yaml").read_text())
    assert compose["x-airflow-common"]["environment"]["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"
