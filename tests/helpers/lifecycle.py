"""Read-backs of a whole lifecycle run, shared by the end-to-end tests (the ``checks`` fixture):
facts from the sandbox, asked through the provider's own client, and from Airflow, through its CLI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from devtools.stack import Stack
from tests.helpers.paths import REPO_ROOT

BENEFICIARY_NAME = "Mekong Cold Chain JSC"
"""The beneficiary ``redex_retirement``'s default params retire for."""


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
