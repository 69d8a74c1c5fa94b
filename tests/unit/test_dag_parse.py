"""The example DAGs parse cleanly, offline, and keep the promises their docstrings make;
the bundled sample data obeys REDEX's rules.

Parse *speed* is measured by ``tests/bench/test_parse_and_import.py`` (figures, not asserts).
"""

from __future__ import annotations

import csv
import re
import socket
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client import wire_json

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
SAMPLE = DAGS / "sample_data"
DAG_FILES = sorted(p for p in DAGS.glob("redex_*.py") if p.name != "redex_common.py")
LIFECYCLE = ("redex_onboarding", "redex_generation_daily", "redex_rec_issuance", "redex_retirement")


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(scope="module")
def dagbag() -> Iterator[Any]:
    """Parse the DAGs folder the way the dag-processor does, with every socket refused.

    A DAG file that opens a connection at import (an API call, a Variable read through the
    API server or the metadata DB over TCP) fails to import here.
    """
    from airflow.dag_processing.dagbag import DagBag

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NetworkUsed(f"network used at parse time: connect{args}")

    original = socket.socket.connect
    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        yield DagBag(dag_folder=str(DAGS))
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


def test_the_four_lifecycle_dags_import_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(LIFECYCLE) <= set(dagbag.dag_ids)


def test_the_shared_module_is_not_parsed_as_a_dag_file() -> None:
    ignored = (DAGS / ".airflowignore").read_text().split()
    assert "redex_common.py" in ignored


def test_generation_runs_once_per_sample_day_in_order(dagbag: Any) -> None:
    from redex_common import FIRST_DAY, LAST_DAY

    dag = dagbag.dags["redex_generation_daily"]
    assert dag.catchup is True
    assert dag.max_active_runs == 1
    assert (dag.start_date, dag.end_date) == (FIRST_DAY, LAST_DAY)
    files = sorted(p.stem for p in (SAMPLE / "generation").glob("*.csv"))
    days = [
        (FIRST_DAY + timedelta(days=n)).date().isoformat() for n in range((LAST_DAY - FIRST_DAY).days + 1)
    ]
    assert files == days


def test_issuance_is_scheduled_on_the_asset_the_daily_runs_update(dagbag: Any) -> None:
    from redex_common import GENERATION_ASSET, RECS_ISSUED_ASSET

    daily = dagbag.dags["redex_generation_daily"]
    issuance = dagbag.dags["redex_rec_issuance"]
    retirement = dagbag.dags["redex_retirement"]
    assert GENERATION_ASSET in daily.get_task("record_processed_day").outlets
    assert GENERATION_ASSET in issuance.get_task("window_to_claim").inlets
    assert GENERATION_ASSET.name in repr(issuance.timetable)
    assert RECS_ISSUED_ASSET in issuance.get_task("record_issuance").outlets
    assert RECS_ISSUED_ASSET in retirement.get_task("retirement_request").inlets


def test_retirement_takes_beneficiary_quantity_reason_and_filters_as_params(dagbag: Any) -> None:
    params = dagbag.dags["redex_retirement"].params
    assert {"beneficiary", "quantity", "reason", "filters"} <= set(params.keys())
    assert params["quantity"] == "10"  # text, so it reaches the operator as an exact Decimal
    assert params["beneficiary"]["BeneficiaryType"] == "Corporate"


def test_every_redex_operator_and_sensor_use_sits_between_snippet_markers() -> None:
    for path in DAG_FILES:
        text = path.read_text()
        starts = re.findall(r"# \[START (howto_\w+)\]", text)
        ends = re.findall(r"# \[END (howto_\w+)\]", text)
        assert starts and starts == ends, path.name
        outside = re.sub(r"# \[START (howto_\w+)\].*?# \[END \1\]", "", text, flags=re.S)
        assert not re.search(r"= Redex\w+(Operator|Sensor)\(", outside), f"{path.name}: use outside a snippet"


def test_sensors_poll_at_the_configured_interval(dagbag: Any) -> None:
    from redex_common import POLL_INTERVAL

    for dag_id in LIFECYCLE:
        for task in dagbag.dags[dag_id].tasks:
            if task.task_type.endswith("Sensor"):
                assert task.poke_interval == POLL_INTERVAL.total_seconds(), task.task_id


# --- the claimable window ---------------------------------------------------------------------


def _days(first: str, count: int) -> list[date]:
    start = date.fromisoformat(first)
    return [start + timedelta(days=n) for n in range(count)]


def test_window_runs_from_the_first_unclaimed_day_through_the_last_processed_one() -> None:
    from redex_common import claimable_window

    window = claimable_window(_days("2026-11-01", 5), None, today=date(2026, 11, 22))
    assert window == (date(2026, 11, 1), date(2026, 11, 5))


def test_window_starts_after_what_is_already_claimed() -> None:
    from redex_common import claimable_window

    window = claimable_window(_days("2026-11-01", 5), date(2026, 11, 3), today=date(2026, 11, 22))
    assert window == (date(2026, 11, 4), date(2026, 11, 5))


def test_window_stops_before_a_missing_day() -> None:
    from redex_common import claimable_window

    processed = [*_days("2026-11-01", 2), *_days("2026-11-04", 2)]  # 3 November missing
    assert claimable_window(processed, None, today=date(2026, 11, 22)) == (
        date(2026, 11, 1),
        date(2026, 11, 2),
    )


def test_window_skips_days_the_residual_mix_deadline_has_closed() -> None:
    from redex_common import claimable_window

    # Submitted in October 2027: only vintages from 1 January 2027 may still be claimed.
    processed = [*_days("2026-12-30", 2), *_days("2027-01-01", 3)]
    assert claimable_window(processed, None, today=date(2027, 10, 1)) == (date(2027, 1, 1), date(2027, 1, 3))


def test_nothing_to_claim_when_every_processed_day_is_claimed() -> None:
    from redex_common import claimable_window

    assert claimable_window(_days("2026-11-01", 5), date(2026, 11, 5), today=date(2026, 11, 22)) is None
    assert claimable_window([], None, today=date(2026, 11, 22)) is None


# --- the bundled sample -----------------------------------------------------------------------


def _grouped_device() -> dict[str, Any]:
    # As the operator reads it: exact decimals, never floats.
    data: dict[str, Any] = wire_json.loads((SAMPLE / "grouped_device.json").read_text())
    file_id = str(uuid.uuid4())
    for device in data["Devices"]:
        device["DeclarationFormFileId"] = file_id
    return data


def test_sample_grouped_device_passes_every_rule_the_client_checks() -> None:
    from airflow_provider_redex.client.models import rules
    from airflow_provider_redex.client.models.devices import GroupedDeviceApplicationRequest

    request = GroupedDeviceApplicationRequest.from_input(_grouped_device())
    inverters = [inv for device in request.devices for inv in device.inverters]
    assert 200 <= len(inverters) <= rules.MAX_INVERTERS_PER_GROUPED_DEVICE


def test_sample_readings_cover_exactly_the_registered_inverters_each_day() -> None:
    registered = {inv["RemoteInvId"] for d in _grouped_device()["Devices"] for inv in d["Inverters"]}
    previous: dict[str, float] = {}
    for path in sorted((SAMPLE / "generation").glob("*.csv")):
        with path.open() as fh:
            rows = list(csv.DictReader(fh))
        assert {r["RemoteInvId"] for r in rows} == registered, path.name
        assert {r["Timestamp"] for r in rows} == {path.stem}
        for row in rows:
            total = float(row["AccumulatedEnergyInKWh"])
            assert total > previous.get(row["RemoteInvId"], 0.0), (path.name, row)
            previous[row["RemoteInvId"]] = total


def test_sample_declaration_form_is_a_searchable_pdf_naming_every_installation() -> None:
    from airflow_provider_redex.operators.documents import check_declaration_form

    content = (SAMPLE / "owner_declaration_form.pdf").read_bytes()
    check_declaration_form("owner_declaration_form.pdf", content)  # raises when it is not
    text = content.decode("latin-1")
    for device in _grouped_device()["Devices"]:
        assert device["InstallationName"] in text


def test_sample_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    from devtools import sample_data

    first = date.fromisoformat(min(p.stem for p in (SAMPLE / "generation").glob("*.csv")))
    days = len(list((SAMPLE / "generation").glob("*.csv")))
    for written in sample_data.write_sample(tmp_path, first, days):
        bundled = SAMPLE / written.relative_to(tmp_path)
        assert written.read_bytes() == bundled.read_bytes(), bundled
