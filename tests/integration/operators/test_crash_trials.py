"""SIGKILL at every point of each creating operator, many times: 0 duplicates, 0 lost.

Each trial runs the operator's ``execute`` in a forked child process that kills itself with
SIGKILL at a point drawn at random: right before its POST, between the POST's answer and the
ledger write, or right after the ledger write. Then the task is run again (the retry) with the
same task state store, which lives in a file, as Airflow's lives in its database. REDEX (the
sandbox, served over HTTP by this process) must then hold exactly one resource for the trial,
and the retry must return its id. The figures are printed (``pytest -s``) and kept in the README.
"""

from __future__ import annotations

import json
import os
import random
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.routes import ROUTES
from airflow_provider_redex.operators import (
    RedexCreateBeneficiaryOperator,
    RedexCreateRecApplicationOperator,
    RedexCreateRetirementOperator,
    RedexRegisterGroupedDeviceOperator,
)
from airflow_provider_redex.operators.exactly_once import CreationLedger
from airflow_provider_redex.sandbox.config import WindowPolicy
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from tests.helpers import harness

TRIALS = 20
POINTS = ("before_post", "after_post", "after_ledger")
UNLIMITED = WindowPolicy(1_000_000, 60.0)


class FileStore:
    """A task state store kept in a JSON file: it survives the killed process."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._load().get(key, default)

    def set(self, key: str, value: Any) -> None:
        values = self._load()
        values[key] = value
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(values))
        temporary.replace(self.path)  # atomic: a kill leaves the old or the new file


def _kill_at(point: str) -> None:
    """In the child: arrange SIGKILL at ``point`` (every REDEX call goes through ``_send_request``)."""
    original_send = SyncAPIClient._send_request
    original_record = CreationLedger.record_created

    def send_request(self: Any, request: Any) -> Any:
        is_post = ROUTES[request.route_name].method == "POST"
        if is_post and point == "before_post":
            os.kill(os.getpid(), signal.SIGKILL)
        answer = original_send(self, request)
        if is_post and point == "after_post":
            os.kill(os.getpid(), signal.SIGKILL)
        return answer

    def record_created(self: Any, resource_id: Any) -> None:
        original_record(self, resource_id)
        if point == "after_ledger":
            os.kill(os.getpid(), signal.SIGKILL)

    SyncAPIClient._send_request = send_request  # type: ignore[method-assign]
    CreationLedger.record_created = record_created  # type: ignore[method-assign]


def _killed_try(operator: Any, store: FileStore, point: str) -> int:
    """Run ``execute`` in a forked child that kills itself at ``point``; its wait status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            _kill_at(point)
            operator.execute({"task_state_store": store})
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


@dataclass
class Case:
    """One creating operator: how to build trial ``n``'s task and count what REDEX holds for it."""

    make: Callable[[int], Any]
    held: Callable[[Any, int], list[str]]


@dataclass
class Figures:
    killed: Counter[str]
    duplicates: int = 0
    lost: int = 0
    wrong_id: int = 0


def _run_trials(case: Case, sandbox: RunningSandbox, folder: Path, seed: int) -> Figures:
    rng = random.Random(seed)
    figures = Figures(killed=Counter())
    with harness.client(sandbox) as redex:
        for n in range(TRIALS):
            point = POINTS[n % len(POINTS)] if n < len(POINTS) else rng.choice(POINTS)
            store = FileStore(folder / f"trial-{n}.json")
            status = _killed_try(case.make(n), store, point)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (point, status)
            figures.killed[point] += 1
            returned = case.make(n).execute({"task_state_store": store})
            held = case.held(redex, n)
            figures.duplicates += max(0, len(held) - 1)
            figures.lost += 1 if not held else 0
            figures.wrong_id += 0 if held and returned in held else 1
    return figures


@pytest.fixture(scope="module")
def trial_sandbox() -> Iterator[RunningSandbox]:
    config = harness.sandbox_config(account_policy=UNLIMITED, ip_policy=UNLIMITED)
    with running_sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture
def connected(trial_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    conn = {
        "conn_type": "redex",
        "host": trial_sandbox.url,
        "password": trial_sandbox.token,
        "extra": {"account_requests": 1_000_000, "ip_requests": 1_000_000},
    }
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))
    return trial_sandbox


def _device_case(sandbox: RunningSandbox) -> Case:
    with harness.client(sandbox) as redex:
        file_id = str(redex.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id)

    def make(n: int) -> Any:
        body = harness.grouped_device_request(f"Kill{n}", file_id)
        return RedexRegisterGroupedDeviceOperator(
            task_id="register", grouped_device=body, unacknowledged_create_wait=0.2
        )

    def held(redex: Any, n: int) -> list[str]:
        return [str(a.id) for a in redex.device_applications.list() if a.grouped_english_name == f"Kill{n}"]

    return Case(make, held)


def _rec_case(sandbox: RunningSandbox) -> Case:
    first = rules.earliest_claimable_date(rules.today_earliest()) + timedelta(days=1)
    device = harness.approved_device(sandbox, "KillRec", since=first - timedelta(days=30))
    harness.push_daily(
        sandbox, {device.inverters[0]: {first + timedelta(days=n): "900" for n in range(TRIALS)}}
    )

    def day(n: int) -> str:
        return (first + timedelta(days=n)).isoformat()

    def make(n: int) -> Any:
        return RedexCreateRecApplicationOperator(
            task_id="apply",
            device_id=device.device_id,
            vintage_from=day(n),
            vintage_to=day(n),
            quantity="0.5",
            unacknowledged_create_wait=0.2,
        )

    def held(redex: Any, n: int) -> list[str]:
        found = redex.rec_applications.list(device_id=device.device_id)
        return [str(a.id) for a in found if a.vintage_from.date() == date.fromisoformat(day(n))]

    return Case(make, held)


BENEFICIARY = {"BeneficiaryType": "Personal", "CountryCode": "SG", "PersonalAddress": "1 Kill St"}


def _beneficiary_case(sandbox: RunningSandbox) -> Case:
    def make(n: int) -> Any:
        beneficiary = {**BENEFICIARY, "BeneficiaryName": f"Kill {n}", "PersonalName": f"Kill {n}"}
        return RedexCreateBeneficiaryOperator(
            task_id="ben", beneficiary=beneficiary, unacknowledged_create_wait=0.2
        )

    def held(redex: Any, n: int) -> list[str]:
        return [str(b.id) for b in redex.beneficiaries.list() if b.name == f"Kill {n}"]

    return Case(make, held)


def _retirement_case(sandbox: RunningSandbox) -> Case:
    with harness.client(sandbox) as redex:
        item = next(i for i in redex.inventories.list_recs() if i.available >= 20)
        beneficiary = str(next(iter(redex.beneficiaries.list())).id)

    def make(n: int) -> Any:
        return RedexCreateRetirementOperator(
            task_id="retire",
            beneficiary_id=beneficiary,
            quantity=f"0.{n + 1:02d}",
            reason=f"kill trial {n}",
            vintage_year=item.vintage_year,
            unacknowledged_create_wait=0.2,
        )

    def held(redex: Any, n: int) -> list[str]:
        return [str(r.id) for r in redex.retirements.list() if r.reason == f"kill trial {n}"]

    return Case(make, held)


CASES = {
    "RedexRegisterGroupedDeviceOperator": _device_case,
    "RedexCreateRecApplicationOperator": _rec_case,
    "RedexCreateBeneficiaryOperator": _beneficiary_case,
    "RedexCreateRetirementOperator": _retirement_case,
}


@pytest.mark.parametrize("name", list(CASES))
def test_sigkill_at_any_point_never_doubles_or_loses(
    name: str, connected: RunningSandbox, tmp_path: Path
) -> None:
    figures = _run_trials(CASES[name](connected), connected, tmp_path, seed=len(name))

    killed = ", ".join(f"{point} {figures.killed[point]}" for point in POINTS)
    print(
        f"\nFIGURE sigkill {name}: {TRIALS} trials (killed {killed}): "
        f"{figures.duplicates} duplicates, {figures.lost} lost, {figures.wrong_id} wrong ids returned"
    )
    assert (figures.duplicates, figures.lost, figures.wrong_id) == (0, 0, 0)
