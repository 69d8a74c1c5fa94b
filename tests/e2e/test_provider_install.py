"""The installed distribution, seen by Airflow's own CLI in a fresh AIRFLOW_HOME.

These run ``airflow providers ...`` in a subprocess, so Airflow discovers the provider exactly
as a deployment would: through the ``apache_airflow_provider`` entry point of the installed
``airflow-provider-redex`` distribution (``scripts/dev.py`` installs it in editable mode).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import airflow_provider_redex

pytestmark = [pytest.mark.e2e, pytest.mark.e2e_beside]  # CLI runs, no long-lived stack

DISTRIBUTION = "airflow-provider-redex"


@pytest.fixture(scope="module")
def installed() -> metadata.Distribution:
    try:
        return metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{DISTRIBUTION} is not installed here: run `pip install -e .` (scripts/dev.py does)")


def airflow_cli(tmp_path: Path, *args: str) -> tuple[Any, str]:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *args, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), result.stderr


def test_distribution_exposes_the_provider_entry_point(installed: metadata.Distribution) -> None:
    (entry_point,) = [ep for ep in installed.entry_points if ep.group == "apache_airflow_provider"]
    assert entry_point.value == "airflow_provider_redex.provider_info:get_provider_info"
    assert installed.version == airflow_provider_redex.__version__


def test_airflow_providers_list_shows_the_provider(installed: metadata.Distribution, tmp_path: Path) -> None:
    providers, stderr = airflow_cli(tmp_path, "providers", "list")
    (ours,) = [p for p in providers if p["package_name"] == DISTRIBUTION]
    assert ours["version"] == airflow_provider_redex.__version__
    assert "REDEX" in ours["description"]
    assert "airflow_provider_redex" not in stderr, stderr


def test_airflow_providers_hooks_shows_the_redex_connection_type(
    installed: metadata.Distribution, tmp_path: Path
) -> None:
    hooks, stderr = airflow_cli(tmp_path, "providers", "hooks")
    (redex,) = [hook for hook in hooks if hook["connection_type"] == "redex"]
    assert redex["class"] == "airflow_provider_redex.hooks.redex.RedexHook"
    assert redex["package_name"] == DISTRIBUTION
    assert redex["conn_id_attribute_name"] == "redex_conn_id"
    assert redex["hook_name"] == "REDEX"
    # ProvidersManager logs a warning instead of failing when a hook cannot be imported.
    assert "airflow_provider_redex" not in stderr, stderr


def test_airflow_plugins_registers_the_residual_mix_timetable(
    installed: metadata.Distribution, tmp_path: Path
) -> None:
    """The timetable is found by DAG serialization only through the provider's plugin."""
    plugins, stderr = airflow_cli(tmp_path, "plugins")
    (redex,) = [plugin for plugin in plugins if plugin["name"] == "redex"]
    assert "airflow_provider_redex.timetables.residual_mix.ResidualMixDeadlineTimetable" in str(
        redex["timetables"]
    )
    assert "airflow_provider_redex" not in stderr, stderr


def test_airflow_redex_budget_runs_from_the_installed_cli(
    installed: metadata.Distribution, tmp_path: Path
) -> None:
    """`airflow redex` is registered through provider info `cli`; it reads the shared default store."""
    conn = {"conn_type": "redex", "host": "http://127.0.0.1:9", "password": "t"}
    os.environ["AIRFLOW_CONN_REDEX_CLI_CHECK"] = json.dumps(conn)
    try:
        rows, _ = airflow_cli(tmp_path, "redex", "budget", "--conn-id", "redex_cli_check")
    finally:
        del os.environ["AIRFLOW_CONN_REDEX_CLI_CHECK"]
    assert {row["window"] for row in rows} == {"account", "ip"}
    assert all(row["used"] == 0 for row in rows)  # nothing was sent on this connection
