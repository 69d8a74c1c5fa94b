"""The REDEX page in Airflow's UI, opened by a real headless Chromium on a running api-server.

The sandbox is brought to a lifecycle state by the example DAGs themselves, with ``airflow dags
test`` (in-process, no scheduler: the cheapest real run): onboarding, one day of generation,
REC issuance for that day, and a retirement of 1 REC with its certificate stored. Then only the
api-server starts, with the simple auth manager and two users: ``admin`` (may read connections)
and ``viewer`` (may not). The budget is shared through Redis, as in a real deployment.

The figures on the page are checked against the sandbox's own counters, and against REDEX's
own lists where the counters have no sum. A screenshot of the page inside Airflow's UI is kept
under ``artifacts/`` (gitignored). The cost of 100 page views at REDEX is counted at the
sandbox and printed, with the warm render time; the cost is asserted (a count, not a timing).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.stack import Stack, redis_available, wait_for
from tests.helpers.chromium import Browser, chromium_binary

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts"
USERS = {"admin": "ADMIN", "viewer": "VIEWER"}
PAGE = "/redex/connections/redex_default"
FIGURES_JS = (
    "Object.fromEntries([...document.querySelectorAll('[data-figure]')]"
    ".map(e => [e.dataset.figure, e.textContent.trim()]))"
)
PUSHED_RECORDS_JS = (
    "[...document.querySelectorAll('[data-figure=push-records]')].map(e => Number(e.textContent))"
)


def _dags_test(stack: Stack, dag_id: str, *args: str) -> None:
    result = stack.airflow("dags", "test", dag_id, *args, check=False, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "state=success" in output, output[-4000:]


@pytest.fixture(scope="module")
def ui_stack(redis_url: str, stack_config: Any) -> Iterator[Stack]:
    problem = redis_available(redis_url)
    if problem:
        pytest.skip(problem)
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-ui-"))
    passwords = home / "passwords.json"
    auth_env = {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, r in USERS.items()),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
    }
    config = stack_config(home, rate_limit_storage=redis_url)
    config.extra_env = {**config.extra_env, **auth_env}
    stack = Stack(config)
    try:
        stack.prepare_home()
        passwords.write_text(json.dumps({user: f"{user}-secret" for user in USERS}))
        stack.start_sandbox()
        stack.migrate()
        started = time.monotonic()
        _dags_test(stack, "redex_onboarding")
        _dags_test(stack, "redex_generation_daily", "2026-11-01T00:00:00+00:00")
        _dags_test(stack, "redex_rec_issuance")
        certificates = f"{stack.home / 'certificates'}/"
        _dags_test(
            stack, "redex_retirement", "-c", json.dumps({"quantity": "1", "certificate_dir": certificates})
        )
        print(f"\nlifecycle seeded by 4 DAG runs in {time.monotonic() - started:.0f} s")
        stack.start_airflow(["api-server"])
        wait_for(
            "the api-server",
            lambda: requests.get(f"{stack.api_url}/api/v2/monitor/health", timeout=5).ok,
            timeout=180,
            interval=1.0,
            alive=stack.check_alive,
        )
        yield stack
    finally:
        stack.stop()
        if not os.environ.get("REDEX_E2E_KEEP"):
            shutil.rmtree(home, ignore_errors=True)


def _token(stack: Stack, user: str) -> str:
    response = requests.post(
        f"{stack.api_url}/auth/token", json={"username": user, "password": f"{user}-secret"}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _session(stack: Stack, user: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {_token(stack, user)}"
    return session


def _requests_at_redex(stack: Stack) -> int:
    """Every request the sandbox counted for an account (the page's reads are such requests)."""
    per_account = stack.sandbox_admin("GET", "counters")["Data"]["RateLimits"]["PerAccount"]
    return sum(window["Arrived"] for windows in per_account.values() for window in windows)


def _redex_sums(stack: Stack) -> dict[str, Decimal]:
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pacing import PacingConfig

    with RedexClient(
        stack.sandbox_url, BearerToken(stack.config.token), pacing=PacingConfig(enabled=False)
    ) as client:
        items = list(client.inventories.list_recs())
    return {
        "rec-available": sum((i.available for i in items), Decimal(0)),
        "rec-on-retirement": sum((i.on_retirement for i in items), Decimal(0)),
        "rec-retired": sum((i.retired for i in items), Decimal(0)),
    }


def test_the_plugin_is_listed_by_airflow_plugins(ui_stack: Stack) -> None:
    listed = json.loads(ui_stack.airflow("plugins", "-o", "json").stdout.strip().splitlines()[-1])
    (plugin,) = [p for p in listed if p["name"] == "redex"]
    assert plugin["fastapi_apps"][0]["url_prefix"] == "/redex"
    assert plugin["external_views"][0]["name"] == "REDEX"


def test_a_user_who_may_not_read_connections_sees_none_of_them(ui_stack: Stack) -> None:
    viewer = _session(ui_stack, "viewer")
    index = viewer.get(f"{ui_stack.api_url}/redex/", timeout=30)
    assert index.status_code == 200 and 'data-figure="no-connections"' in index.text
    assert "redex_default" not in index.text
    assert viewer.get(f"{ui_stack.api_url}{PAGE}", timeout=30).status_code == 403
    assert requests.get(f"{ui_stack.api_url}{PAGE}", timeout=30).status_code == 401
    admin = _session(ui_stack, "admin")
    assert admin.get(f"{ui_stack.api_url}/redex/connections/no_such_conn", timeout=30).status_code == 404


def test_a_hundred_page_views_cost_redex_a_few_requests(ui_stack: Stack) -> None:
    admin = _session(ui_stack, "admin")
    before = _requests_at_redex(ui_stack)
    seconds = []
    for _ in range(100):
        started = time.perf_counter()
        response = admin.get(f"{ui_stack.api_url}{PAGE}", timeout=60)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    cost = _requests_at_redex(ui_stack) - before
    median_ms, max_ms = statistics.median(seconds) * 1000, max(seconds) * 1000
    print(
        f"\n100 page views: {cost} request(s) at REDEX; render median {median_ms:.0f} ms,"
        f" max {max_ms:.0f} ms (the first one reads REDEX, the rest are served from the cache)"
    )
    assert cost <= 5


def test_the_page_in_a_browser_shows_the_sandbox_figures(ui_stack: Stack) -> None:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium and no root to install it with apt-get")
    counters = ui_stack.sandbox_admin("GET", "counters")["Data"]
    token = _token(ui_stack, "admin")
    with Browser(binary, height=1700, failure_screenshot=ARTIFACTS / "redex-ui-timeout.png") as browser:
        browser.set_cookie(ui_stack.api_url, "_token", token)
        browser.open(f"{ui_stack.api_url}{PAGE}")
        figures = browser.evaluate(FIGURES_JS)
        html = browser.evaluate("document.documentElement.outerHTML")
        pushed = browser.evaluate(PUSHED_RECORDS_JS)
        certificate = browser.evaluate("document.querySelector('[data-figure=certificate-link]')?.href")
        browser.screenshot(ARTIFACTS / "redex-page.png")
        browser.open(f"{ui_stack.api_url}/plugin/redex")
        # Airflow's React UI draws the navigation and the page's frame after the load event.
        browser.wait_for(
            "[...document.querySelectorAll('a,button')].some(e => e.textContent.trim() === 'REDEX')"
        )
        # One readable connection: the entry goes straight to its page, inside Airflow's frame.
        browser.wait_for(
            "document.querySelector('iframe')?.contentDocument?.querySelector('[data-figure]') != null"
        )
        browser.screenshot(ARTIFACTS / "redex-in-airflow-ui.png")

    assert ui_stack.config.token not in html  # the connection's token never reaches the browser
    # Each application links to the task that made it, each push to its task.
    for task in (
        "redex_onboarding.register_grouped_device",
        "redex_rec_issuance.apply_for_issuance",
        "redex_retirement.retire",
        "redex_generation_daily.push_generation_data",
    ):
        assert f">{task}</a>" in html, task
    records = counters["Records"]
    assert "error" not in figures, figures
    # The sandbox starts with one approved sample device (and its RECs) besides the DAGs' own.
    assert int(figures["device-applications-total"]) == records["DeviceApplications"] == 2
    assert int(figures["rec-applications-total"]) == records["RecApplications"] == 1
    assert int(figures["retirements-total"]) == records["RetirementApplications"] == 1
    assert figures["device-applications-approved"] == "2"
    assert figures["rec-applications-approved"] == figures["retirements-completed"] == "1"
    assert sum(pushed) == records["GenerationRecords"] == 300
    limits = counters["RateLimits"]
    assert int(figures["budget-account-limit"]) == limits["AccountPolicy"]["Limit"]
    assert int(figures["budget-ip-limit"]) == limits["IpPolicy"]["Limit"]
    for key, value in _redex_sums(ui_stack).items():
        assert Decimal(figures[key]) == value, key
    assert Decimal(figures["rec-retired"]) == Decimal(1)

    pdf = _session(ui_stack, "admin").get(certificate, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_an_application_links_the_sensor_still_waiting_on_it(ui_stack: Stack) -> None:
    """A sensor waiting on an application (deferred) is shown as its task, before the one that
    made it. The run is over, so the wait is recreated by setting the finished sensor's state
    back to deferred in this stack's own metadata database."""
    import sqlite3

    where = "dag_id = 'redex_onboarding' AND task_id = 'wait_for_approval'"
    with contextlib.closing(sqlite3.connect(ui_stack.airflow_home / "airflow.db")) as db, db:
        db.execute(f"UPDATE task_instance SET state = 'deferred' WHERE {where}")
    html = _session(ui_stack, "admin").get(f"{ui_stack.api_url}{PAGE}", timeout=60).text
    assert '>redex_onboarding.wait_for_approval</a> <span class="muted">waits on it · deferred' in html
