"""Fixtures for the end-to-end tests: real Airflow processes against a real sandbox process.

Each stack (``devtools.stack``) gets its own scratch directory, ports and database, so these
tests can run beside anything else on the machine. The sandbox runs with a small time scale
(its 60 s rate window lasts a few seconds, approvals take seconds) and the example DAGs'
sensors poll every second or two (``REDEX_EXAMPLE_POLL_SECONDS``); nothing else about the
DAGs changes, which is the point: they are the DAGs a user runs against REDEX.

Services: the PostgreSQL and Celery variants need the local PostgreSQL / Redis servers and
their Python packages. Locally they skip with the reason; under ``CI=true`` the root
``conftest.py`` turns any skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# devtools/ is not installed (it is not in the wheel) and the DAGs' shared module lives in the
# DAGs folder, which Airflow itself puts on sys.path: make both importable for the tests too,
# and the TLS and proxy helpers shared with tests/integration/tls.
for _path in (REPO_ROOT, REPO_ROOT / "dags", REPO_ROOT / "tests" / "support"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tls_setup import forward_proxy, pki  # noqa: E402, F401  (the TLS fixtures, shared)

from devtools.stack import PostgresDatabase, Stack, StackConfig, redis_available  # noqa: E402

# Shared by every e2e stack: fast enough to finish in minutes, slow enough that the sensors
# really wait (and defer) before REDEX decides.
TIME_SCALE = 0.05
APPROVE_AFTER = 120.0  # sandbox seconds: 6 s of real time at TIME_SCALE
POLL_SECONDS = "1.5"
BENEFICIARY_NAME = "Mekong Cold Chain JSC"
"""The beneficiary ``redex_retirement``'s default params retire for."""


def e2e_config(home: Path, **overrides: Any) -> StackConfig:
    """The stack settings every e2e test starts from."""
    settings: dict[str, Any] = {
        "home": home,
        "sandbox_time_scale": TIME_SCALE,
        "sandbox_approve_after": APPROVE_AFTER,
        "extra_env": {"REDEX_EXAMPLE_POLL_SECONDS": POLL_SECONDS},
    }
    settings.update(overrides)
    return StackConfig(**settings)


@pytest.fixture
def stack_home() -> Iterator[Path]:
    """A scratch directory for one stack, outside pytest's own temporary directories.

    pytest keeps only the last few ``basetemp`` directories per user and deletes older ones
    when a new session starts, so another pytest run on the machine could delete a stack's
    SQLite database under a running scheduler. ``REDEX_E2E_KEEP=1`` keeps it for reading logs.
    """
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-"))
    yield home
    if not os.environ.get("REDEX_E2E_KEEP"):
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def stack_config() -> Callable[..., StackConfig]:
    """``stack_config(home, **overrides)``: the e2e defaults, for tests that build their own stack."""
    return e2e_config


@pytest.fixture(scope="module")
def dags_test_stack() -> Iterator[Stack]:
    """A sandbox and a migrated SQLite metadata DB: all ``airflow dags test`` needs."""
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-dags-test-"))
    stack = Stack(e2e_config(home))
    try:
        stack.prepare_home()
        stack.start_sandbox()
        stack.migrate()
        yield stack
    finally:
        stack.stop()
        if not os.environ.get("REDEX_E2E_KEEP"):
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_dsn: str) -> Iterator[PostgresDatabase]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    problem = PostgresDatabase.server_available()
    if problem:
        pytest.skip(problem)
    db = PostgresDatabase.create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture
def celery_ready(redis_url: str) -> str:
    """The local Redis as Celery broker, with the Celery provider importable."""
    problem = redis_available(redis_url)
    if problem:
        pytest.skip(problem)
    try:
        import airflow.providers.celery  # noqa: F401
    except ImportError:
        pytest.skip("apache-airflow-providers-celery is not installed (pip install -e '.[dev]')")
    return redis_url


# --------------------------------------------------------------------------------------------
# What the tests check, read back from the sandbox and from Airflow
# --------------------------------------------------------------------------------------------


class LifecycleChecks:
    """Read-backs shared by the e2e tests (the ``checks`` fixture): facts from the sandbox,
    asked through the provider's own client, and from Airflow, asked through its CLI."""

    sample_dir = REPO_ROOT / "dags" / "sample_data"

    def sample_generation_mwh(self) -> Decimal:
        """The RECs the bundled sample days are worth: their kWh summed exactly, cut to 6 dp."""
        import csv

        from airflow_provider_redex.client.models import rules

        total = Decimal(0)
        for path in sorted((self.sample_dir / "generation").glob("*.csv")):
            with path.open() as fh:
                total += sum(
                    (Decimal(row["PeriodProductionInKWh"]) for row in csv.DictReader(fh)), Decimal(0)
                )
        return rules.mwh_from_kwh(total)

    @staticmethod
    def client(stack: Stack) -> Any:
        """A client on the stack's sandbox account, unpaced: the tests only read a little."""
        from airflow_provider_redex.client.auth import BearerToken
        from airflow_provider_redex.client.client import RedexClient
        from airflow_provider_redex.client.pacing import PacingConfig

        return RedexClient(
            stack.sandbox_url, BearerToken(stack.config.token), pacing=PacingConfig(enabled=False)
        )

    @staticmethod
    def device_variable(stack: Stack) -> dict[str, Any]:
        """The ``redex_grouped_device`` Variable, read with Airflow's CLI."""
        result = stack.airflow("variables", "get", "redex_grouped_device")
        # The CLI prints the stored JSON (possibly indented) after any log lines.
        value: dict[str, Any] = json.loads(result.stdout[result.stdout.index("{") :])
        return value

    def rec_applications(self, stack: Stack) -> list[Any]:
        client = self.client(stack)
        try:
            return list(client.rec_applications.list(device_id=self.device_variable(stack)["device_id"]))
        finally:
            client.close()

    def assert_lifecycle_completed(self, stack: Stack, *, retired: Decimal = Decimal(10)) -> dict[str, Any]:
        """What a complete lifecycle leaves on REDEX: the device approved, the sample's RECs
        issued exactly over the sample days, the default retirement completed."""
        device = self.device_variable(stack)
        client = self.client(stack)
        try:
            application = client.device_applications.get(device["device_application_id"])
            assert application.status.value.value == "Approved"
            assert str(application.device_id) == device["device_id"]
            recs = list(client.rec_applications.list(device_id=device["device_id"]))
            approved = [a for a in recs if a.status.value.value == "Approved"]
            assert approved, f"no approved REC application: {recs}"
            assert sum((a.quantity for a in approved), Decimal(0)) == self.sample_generation_mwh()
            assert min(a.vintage_from for a in approved).date().isoformat() == "2026-11-01"
            assert max(a.vintage_to for a in approved).date().isoformat() == "2026-11-05"
            retirements = [r for r in client.retirements.list() if r.beneficiary_name == BENEFICIARY_NAME]
            done = [r for r in retirements if r.status.value.value == "Completed"]
            assert [(r.amount, r.vintage_year) for r in done] == [(retired, 2026)], retirements
        finally:
            client.close()
        return {"device": device, "rec_applications": approved, "retirement": done[0]}

    def run_lifecycle(self, stack: Stack) -> Any:
        """Start ``stack``, let its scheduler run the whole lifecycle (the demo's steering), and
        check what it left on REDEX and in Airflow. Returns the run's summary."""
        from devtools.demo import SENSOR_TASKS, run_lifecycle

        stack.prepare_home()
        stack.start()
        summary = run_lifecycle(stack, say=lambda message: None, timeout=600)

        self.assert_lifecycle_completed(stack)
        assert summary.records_pushed == 5 * 300
        assert summary.recs_issued == self.sample_generation_mwh()
        assert Path(summary.certificate).read_bytes().startswith(b"%PDF-")
        # A wait that outlasts the sensor's first check goes to the triggerer, which then writes
        # the task's trigger log: approvals take seconds at the sandbox's time scale.
        waited = {f"redex_onboarding.{SENSOR_TASKS[0]}", f"redex_rec_issuance.{SENSOR_TASKS[2]}"}
        assert waited <= summary.deferred_sensors, summary.deferred_sensors
        assert summary.rate_limited == 0
        return summary

    @staticmethod
    def counters(stack: Stack) -> Mapping[str, Any]:
        """The sandbox's admin counters (requests per window, 429s, records stored)."""
        data: Mapping[str, Any] = stack.sandbox_admin("GET", "counters")["Data"]
        return data


@pytest.fixture(scope="session")
def checks() -> LifecycleChecks:
    return LifecycleChecks()
