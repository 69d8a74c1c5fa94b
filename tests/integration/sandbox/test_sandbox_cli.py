"""``redex-sandbox`` as a user starts it, talked to by a plain HTTP client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from airflow_provider_redex.client.routes import route
from devtools.processes import free_port

REPO = Path(__file__).parents[3]
TOKEN = "cli-test-token"


@pytest.fixture
def cli_sandbox() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "airflow_provider_redex.sandbox",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--time-scale",
        "0.2",
    ]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/openapi.json", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read() if process.stdout else "exited"
                time.sleep(0.05)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_sandbox_behaves_like_redex_to_a_plain_http_client(
    cli_sandbox: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = cli_sandbox
    profile = url + route("accounts.get_profile").path
    assert requests.get(profile, timeout=5).status_code == 401

    auth = {"Authorization": f"Bearer {TOKEN}"}
    listing = requests.get(url + route("metadata.list_inverter_brands").path, headers=auth, timeout=5).json()
    assert (
        set(listing) == {"Data", "Meta", "Errors", "StatusCode", "Message"}
        and listing["Meta"]["TotalItems"] > 0
    )

    statuses = [requests.get(profile, headers=auth, timeout=5) for _ in range(70)]
    refused = [answer for answer in statuses if answer.status_code == 429]
    assert refused and int(refused[0].headers["Retry-After"]) >= 1

    paths = requests.get(f"{url}/openapi.json", timeout=5).json()["paths"]
    assert len([p for p in paths if p.startswith("/public/v2/")]) >= 30


def test_cli_prints_the_token_and_the_grant_credentials_at_start() -> None:
    from airflow_provider_redex.sandbox.cli import _banner, config_from_args

    config, host, port = config_from_args(["--port", "9999"])
    banner = _banner(config, host, port)
    account = config.accounts[0]
    assert account.token in banner and account.api_key in banner and account.client_secret in banner


def test_cli_sets_the_listing_delay() -> None:
    from airflow_provider_redex.sandbox.cli import config_from_args

    assert config_from_args(["--listing-delay", "30"])[0].listing_delay == 30.0
    assert config_from_args([])[0].listing_delay == 0.0
