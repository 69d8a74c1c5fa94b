"""The whole lifecycle under REDEX's faults ends in success, with nothing doubled or lost.

The sandbox answers 20 % of requests with a 5xx, drops 10 % of connections after it acted (a
POST took effect, its answer is lost), adds latency to every answer, and opens with a 429
storm. Each operator runs as Airflow would run it: a failed try is tried again with the same
task state store, a refusal (``AirflowFailException``) is final and fails the test. At the end
REDEX holds exactly one device application, one REC application per window, one retirement
per request, and each generation record once with its value. The figures are printed.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators import (
    RedexCreateBeneficiaryOperator,
    RedexCreateRecApplicationOperator,
    RedexCreateRetirementOperator,
    RedexPushGenerationDataOperator,
    RedexRegisterGroupedDeviceOperator,
    RedexUploadDocumentOperator,
)
from airflow_provider_redex.sandbox.config import WindowPolicy
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from tests.helpers import harness

INVERTERS = 25  # 25 x 9.9 kW: just under the 250 kW a device may have
DAYS = 125  # 3125 records: two pushes of at most 3000
WINDOWS = ((0, 59), (60, DAYS - 1))
RETIREMENTS = (Decimal("1.25"), Decimal("0.5"))
FAULTS = {"ErrorRate": 0.2, "ErrorStatus": 503, "DropRate": 0.1, "LatencySeconds": 2.0, "StormSeconds": 100}
"""Sandbox seconds, scaled by the harness's 1 %: 20 ms latency, a 1 s storm of 429s."""
MAX_TRIES = 25
UNLIMITED = WindowPolicy(1_000_000, 60.0)


Store = harness.TaskStateStore


class Runner:
    """Runs tasks the way Airflow retries them, counting tries."""

    def __init__(self) -> None:
        self.tries: Counter[str] = Counter()

    def run(self, operator: Any) -> Any:
        store = Store()
        for _ in range(MAX_TRIES):
            self.tries[operator.task_id] += 1
            try:
                return operator.execute({"task_state_store": store})
            except AirflowFailException:
                raise
            except Exception:
                continue
        raise AssertionError(f"{operator.task_id} did not succeed in {MAX_TRIES} tries")


@pytest.fixture(params=[1, 2, 3], ids=lambda seed: f"seed{seed}")
def seed(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def faulty_sandbox(monkeypatch: pytest.MonkeyPatch, seed: int) -> Iterator[RunningSandbox]:
    monkeypatch.setattr(constants, "INITIAL_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(constants, "MAX_BACKOFF_SECONDS", 0.05)
    config = harness.sandbox_config(account_policy=UNLIMITED, ip_policy=UNLIMITED, seed=seed)
    with running_sandbox(config) as sandbox:
        extra = {"account_requests": 1_000_000, "ip_requests": 1_000_000}
        conn = {"conn_type": "redex", "host": sandbox.url, "password": sandbox.token, "extra": extra}
        monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))
        yield sandbox


def _readings(first: date) -> dict[tuple[str, date], Decimal]:
    rng = random.Random(7)
    return {
        (f"Faulty-INV-{i}", first + timedelta(days=d)): Decimal(rng.randint(1_000, 99_999)) / 1000
        for i in range(INVERTERS)
        for d in range(DAYS)
    }


def _write_csv(path: Path, readings: dict[tuple[str, date], Decimal]) -> Path:
    totals: Counter[str] = Counter()
    lines = ["RemoteInvId,Timestamp,PeriodProductionInKWh,AccumulatedEnergyInKWh"]
    for (inverter, day), kwh in sorted(readings.items()):
        totals[inverter] += kwh  # type: ignore[assignment]
        lines.append(f"{inverter},{day},{kwh},{totals[inverter]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_whole_lifecycle_under_faults_creates_everything_exactly_once(
    faulty_sandbox: RunningSandbox, tmp_path: Path, seed: int
) -> None:
    sandbox, runner = faulty_sandbox, Runner()
    first = rules.earliest_claimable_date(rules.today_earliest()) + timedelta(days=1)
    readings = _readings(first)
    sandbox.admin("PUT", "faults", FAULTS)

    upload = runner.run(
        RedexUploadDocumentOperator(task_id="upload", path=str(harness.searchable_pdf(tmp_path / "odf.pdf")))
    )
    body = harness.grouped_device_request(
        "Faulty", upload["file_id"], inverters=INVERTERS, since=first - timedelta(days=30)
    )
    application_id = runner.run(
        RedexRegisterGroupedDeviceOperator(
            task_id="register", grouped_device=body, unacknowledged_create_wait=1
        )
    )
    sandbox.admin("POST", f"applications/{application_id}/approve")
    with harness.client(sandbox) as redex:
        device_id = str(redex.device_applications.get(application_id).device_id)

    source = _write_csv(tmp_path / "generation.csv", readings)
    runner.run(
        RedexPushGenerationDataOperator(task_id="push", source=str(source), unacknowledged_chunk_wait=2)
    )
    for start, end in WINDOWS:
        rec_id = runner.run(
            RedexCreateRecApplicationOperator(
                task_id=f"apply_{start}",
                device_id=device_id,
                vintage_from=str(first + timedelta(days=start)),
                vintage_to=str(first + timedelta(days=end)),
                unacknowledged_create_wait=1,
            )
        )
        sandbox.admin("POST", f"applications/{rec_id}/approve")

    beneficiary = {"BeneficiaryType": "Personal", "BeneficiaryName": "Faulty Co", "CountryCode": "SG"}
    beneficiary |= {"PersonalName": "Faulty Co", "PersonalAddress": "1 Fault Rd"}
    beneficiary_id = runner.run(
        RedexCreateBeneficiaryOperator(task_id="ben", beneficiary=beneficiary, unacknowledged_create_wait=1)
    )
    for n, quantity in enumerate(RETIREMENTS):
        runner.run(
            RedexCreateRetirementOperator(
                task_id=f"retire_{n}",
                beneficiary_id=beneficiary_id,
                quantity=str(quantity),
                reason=f"fault run {n}",
                vintage_year=first.year,
                unacknowledged_create_wait=1,
            )
        )
    injected = sandbox.admin("GET", "faults")
    sandbox.admin("PUT", "faults", {})

    with harness.client(sandbox) as redex:
        devices = [a for a in redex.device_applications.list() if a.grouped_english_name == "Faulty"]
        recs = list(redex.rec_applications.list(device_id=device_id))
        windows = Counter((a.vintage_from.date(), a.vintage_to.date()) for a in recs)
        retirements = Counter(
            r.reason for r in redex.retirements.list() if (r.reason or "").startswith("fault run")
        )
        stored: Counter[tuple[str, date]] = Counter()
        values: dict[tuple[str, date], Decimal | None] = {}
        for start, end in WINDOWS:
            for record in redex.generation.list(
                frequency_type="Daily",
                from_date=first + timedelta(days=start),
                to_date=first + timedelta(days=end),
            ):
                key = (str(record.remote_inv_id), record.timestamp)
                stored[key] += 1
                values[key] = record.period_production_in_kwh

    expected_windows = {(first + timedelta(days=s), first + timedelta(days=e)) for s, e in WINDOWS}
    wrong_values = sum(1 for key, kwh in readings.items() if values.get(key) != kwh)
    doubled = sum(count - 1 for count in stored.values())
    print(
        f"\nFIGURE faults seed {seed}: injected {injected['InjectedErrors']} x 5xx, "
        f"{injected['Dropped']} dropped after acting, {injected['InjectedThrottles']} x 429, "
        f"{injected['Delayed']} delayed; tries per task {dict(runner.tries)}"
        f"\nFIGURE faults seed {seed}: device applications {len(devices)}, REC applications per window "
        f"{sorted(windows.values())}, retirements per request {sorted(retirements.values())}, "
        f"generation records {len(stored)}/{len(readings)} stored, {doubled} doubled, "
        f"{wrong_values} wrong values"
    )
    assert len(devices) == 1
    assert set(windows) == expected_windows and set(windows.values()) == {1}
    assert retirements == Counter({f"fault run {n}": 1 for n in range(len(RETIREMENTS))})
    assert set(stored) == set(readings) and set(stored.values()) == {1}
    assert wrong_values == 0
