"""Installing as a user will: a wheel built from this checkout (not an editable install), put
into a fresh virtual environment beside Airflow, works with Airflow's CLI and the sandbox.

The fresh environment installs with the project's constraints file and pip's cache, so it takes
about a minute; the wheel is built in a copy of the sources, leaving the checkout untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import airflow_provider_redex
from airflow_provider_redex.client.routes import route
from devtools.processes import free_port, wait_for
from tests.helpers.paths import REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.e2e_beside]  # CLI runs, no long-lived stack

DISTRIBUTION = "airflow-provider-redex"
CONSTRAINTS = REPO_ROOT / "scripts" / f"constraints-py{sys.version_info.major}.{sys.version_info.minor}.txt"
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "airflow_provider_redex")


def _run(*argv: str | Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(
        [str(arg) for arg in argv], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, argv))}:\n{(result.stdout + result.stderr)[-4000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("wheel-src")
    for name in SOURCES:
        copy = shutil.copytree if (REPO_ROOT / name).is_dir() else shutil.copy2
        copy(REPO_ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source)
    (built,) = dist.glob("airflow_provider_redex-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A fresh virtual environment with the wheel (and the sandbox extra) and Airflow in it."""
    root = tmp_path_factory.mktemp("user-venv")
    _run(sys.executable, "-m", "venv", root / "venv")
    bin_dir = root / "venv" / "bin"
    started = time.monotonic()
    constraints = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    _run(bin_dir / "python", "-m", "pip", "install", "--progress-bar", "off",
         f"{wheel}[sandbox]", *constraints, timeout=900)  # fmt: skip
    print(f"fresh environment installed in {time.monotonic() - started:.0f} s")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        {
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            "AIRFLOW_HOME": str(root / "airflow-home"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
    )
    yield {"bin": bin_dir, "env": env, "cwd": root}


def _in_venv(venv: dict[str, Any], *argv: str) -> str:
    # From the venv's folder, never the checkout: what is imported must come from the wheel.
    result = subprocess.run(
        [str(venv["bin"] / argv[0]), *argv[1:]],
        capture_output=True, text=True, env=venv["env"], cwd=venv["cwd"], timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "airflow_provider_redex" not in result.stderr or "Traceback" not in result.stderr, result.stderr
    return result.stdout


def test_the_wheel_is_what_gets_imported(venv: dict[str, Any]) -> None:
    location = _in_venv(venv, "python", "-c", "import airflow_provider_redex as p; print(p.__file__)")
    assert "site-packages" in location and str(REPO_ROOT) not in location


def test_airflow_providers_list_shows_the_wheels_provider(venv: dict[str, Any]) -> None:
    providers = json.loads(_in_venv(venv, "airflow", "providers", "list", "--output", "json"))
    (ours,) = [p for p in providers if p["package_name"] == DISTRIBUTION]
    assert ours["version"] == airflow_provider_redex.__version__


def test_the_redex_connection_type_is_registered(venv: dict[str, Any]) -> None:
    hooks = json.loads(_in_venv(venv, "airflow", "providers", "hooks", "--output", "json"))
    (redex,) = [hook for hook in hooks if hook["connection_type"] == "redex"]
    assert redex["class"] == "airflow_provider_redex.hooks.redex.RedexHook"


def test_the_redex_sandbox_console_script_serves_the_api(venv: dict[str, Any]) -> None:
    port = free_port()
    log = (venv["cwd"] / "sandbox.log").open("wb")
    process = subprocess.Popen(
        [str(venv["bin"] / "redex-sandbox"), "--port", str(port), "--token", "wheel-test-token"],
        env=venv["env"], cwd=venv["cwd"], stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def alive() -> None:
            assert process.poll() is None, (venv["cwd"] / "sandbox.log").read_text()[-3000:]

        url = f"http://127.0.0.1:{port}"
        wait_for("the installed redex-sandbox", lambda: requests.get(f"{url}/openapi.json", timeout=2).ok,
                 timeout=60, alive=alive)  # fmt: skip
        profile = requests.get(
            url + route("accounts.get_profile").path,
            headers={"Authorization": "Bearer wheel-test-token"},
            timeout=5,
        )
        assert profile.status_code == 200, profile.text
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
