"""Exactly once, the hard way: kill each creating task right after its POST and let Airflow retry.

Real Airflow components run the DAG: ``dag.test(use_executor=True)`` hands each task to the
LocalExecutor, whose worker runs the task SDK supervisor, which forks the task process and
reports to a real ``airflow api-server`` (the execution API) over HTTP. The operators'
test-only crash point (``REDEX_TEST_CRASH_AFTER_POST``) makes each creating task's process
``os._exit`` right after its first POST returns and before anything is written to
``task_state_store``. The supervisor sees the process die, the API server marks the try
up for retry, and the retry must find what the dead try created. At the end the sandbox is
asked what it holds: one of each, and no generation chunk sent twice.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators.exactly_once import CRASH_MARKER_ENV, CRASH_POINT_ENV
from airflow_provider_redex.sandbox.config import SandboxConfig
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from devtools.processes import free_port, wait_for
from tests.helpers.metadata_db import MigratedSqlite

pytestmark = pytest.mark.e2e

CRASH_POINTS = ("device_application", "generation_chunk", "rec_application", "beneficiary", "retirement")
INVERTERS = 20
DAYS = 181  # 20 x 181 = 3620 records: two requests, the first one crashes after its POST
FIRST_DAY = rules.earliest_claimable_date(rules.today_earliest())

DAG_SOURCE = """
from datetime import timedelta
from airflow.sdk import DAG
from airflow_provider_redex.operators import *  # noqa: F403
from airflow_provider_redex.sensors import *  # noqa: F403

CONFIG = {config!r}

with DAG("redex_exactly_once", schedule=None,
         default_args={{"retries": 1, "retry_delay": timedelta(seconds=0)}}) as dag:
    register = RedexRegisterGroupedDeviceOperator(task_id="register", grouped_device=CONFIG["device"])
    approved = RedexDeviceApplicationSensor(task_id="approved", device_application_id=register.output,
                                            poke_interval=0.5, timeout=120)
    # Processing takes about a second here: a chunk a crashed try sent is found well within 60 s.
    push = RedexPushGenerationDataOperator(task_id="push", source=CONFIG["generation_csv"],
                                           unacknowledged_chunk_wait=60)
    processed = RedexGenerationProcessSensor(task_id="processed", process_ids=push.output["process_ids"],
                                             poke_interval=0.5, timeout=120)
    issue = RedexCreateRecApplicationOperator(task_id="issue", device_id=approved.output["device_id"],
                                              vintage_to=CONFIG["vintage_to"])
    beneficiary = RedexCreateBeneficiaryOperator(task_id="beneficiary", beneficiary=CONFIG["beneficiary"])
    retire = RedexCreateRetirementOperator(task_id="retire", beneficiary_id=beneficiary.output,
                                           quantity="0.5", reason="EV charging", registry=CONFIG["registry"],
                                           vintage_year=CONFIG["vintage_year"])
    register >> approved >> push >> processed >> issue
    beneficiary >> retire
"""


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    import requests

    def alive() -> None:
        if process.poll() is not None:
            raise RuntimeError(f"airflow api-server exited with {process.returncode}")

    wait_for(
        f"airflow api-server at {url}",
        lambda: requests.get(url, timeout=2).status_code < 500,
        timeout=seconds,
        alive=alive,
    )


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    config = SandboxConfig(time_scale=0.5, approve_after=2.0, processing_seconds=1.0)
    with running_sandbox(config) as running:
        yield running


@pytest.fixture
def airflow_env(
    tmp_path: Path, sandbox: RunningSandbox, migrated_sqlite: MigratedSqlite
) -> Iterator[dict[str, str]]:
    """An AIRFLOW_HOME with a DB, an API server, and the env the task processes inherit."""
    port = free_port()
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "redex-e2e-secret-" + os.urandom(8).hex(),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW_CONN_REDEX_DEFAULT": json.dumps(
            {"conn_type": "redex", "host": sandbox.url, "password": sandbox.token}
        ),
        CRASH_POINT_ENV: ",".join(CRASH_POINTS),
        CRASH_MARKER_ENV: str(tmp_path / "crashes"),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")) if p
        ),
    }
    (tmp_path / "crashes").mkdir()
    full_env = {**os.environ, **env}
    migrated_sqlite.copy_to(home / "airflow.db")  # what `airflow db migrate` would write
    log = (tmp_path / "api-server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "airflow", "api-server", "--port", str(port), "--host", "127.0.0.1"],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/v2/monitor/health", server)
        yield env
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _config(tmp_path: Path, sandbox: RunningSandbox) -> dict[str, Any]:
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient

    with RedexClient(sandbox.url, BearerToken(sandbox.token)) as client:
        file_id = str(client.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)
        item = next(iter(client.inventories.list_recs()))
    path = tmp_path / "generation.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh"])
        for inverter in range(INVERTERS):
            for day in range(DAYS):
                stamp = (FIRST_DAY + timedelta(days=day)).isoformat()
                writer.writerow([f"E2E-INV-{inverter}", stamp, "10.5", f"{10.5 * (day + 1):.3f}"])
    inverters = [
        {
            "RemoteInvId": f"E2E-INV-{i}",
            "ElectronicSerialNumber": f"SN-{i}",
            "BrandCode": "HW21",
            "InstalledCapacity": "9",
        }
        for i in range(INVERTERS)
    ]
    devices = [
        {
            "InstallationName": f"E2E roof {n}",
            "Address": "1 Le Loi",
            "PostalCode": "700000",
            "Latitude": "22.3",
            "Longitude": "103.2",
            "GridConnectionDate": (FIRST_DAY - timedelta(days=30)).isoformat(),
            "OwnersDeclarationStartDate": (FIRST_DAY - timedelta(days=30)).isoformat(),
            "Domestic": False,
            "DeclarationFormFileId": file_id,
            "PercentageRenewable": "100",
            "Inverters": inverters[n * 10 : (n + 1) * 10],
        }
        for n in range(2)
    ]
    return {
        "device": {
            "CountryCode": "VN",
            "GroupedEnglishName": "E2E Sun",
            "GroupedLocalName": "E2E Sun",
            "Province": "VN-01",
            "GenerationDataFrequency": "Daily",
            "Devices": devices,
        },
        "generation_csv": str(path),
        "vintage_to": (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat(),
        "beneficiary": {
            "BeneficiaryType": "Corporate",
            "BeneficiaryName": "E2E Fleet",
            "CountryCode": "SG",
            "CorporateName": "E2E Fleet Pte",
            "CorporateAddress": "71 Ayer Rajah Crescent",
        },
        "registry": item.registry.value.value,
        "vintage_year": item.vintage_year,
    }


def test_retried_tasks_never_create_twice(
    tmp_path: Path, sandbox: RunningSandbox, airflow_env: dict[str, str]
) -> None:
    config = _config(tmp_path, sandbox)
    dags = Path(airflow_env["AIRFLOW__CORE__DAGS_FOLDER"])
    (dags / "redex_exactly_once.py").write_text(DAG_SOURCE.format(config=config))
    before = sandbox.admin("GET", "counters")["Records"]
    runner = Path(__file__).with_name("run_dag_with_executor.py")

    done = subprocess.run(
        [sys.executable, str(runner), "redex_exactly_once"],
        env={**os.environ, **airflow_env},
        capture_output=True,
        text=True,
        timeout=600,
    )

    report = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    assert done.returncode == 0 and report.get("state") == "success", (
        done.stdout[-4000:] + done.stderr[-4000:]
    )
    crashed = sorted(p.name for p in (tmp_path / "crashes").iterdir())
    assert crashed == sorted(CRASH_POINTS)  # every creating task really died once after its POST ...
    tries = report["tries"]
    for task_id in ("register", "push", "issue", "beneficiary", "retire"):
        assert tries[task_id] == 2, tries  # ... and Airflow ran it again
    after = sandbox.admin("GET", "counters")["Records"]
    created = {kind: after[kind] - before[kind] for kind in after}
    assert created["DeviceApplications"] == 1
    assert created["RecApplications"] == 1
    assert created["Beneficiaries"] == 1
    assert created["RetirementApplications"] == 1
    chunks = -(-INVERTERS * DAYS // rules.MAX_RECORDS_PER_REQUEST)
    assert created["GenerationProcesses"] == chunks  # the acknowledged chunk was not sent again
    assert created["GenerationRecords"] == INVERTERS * DAYS
