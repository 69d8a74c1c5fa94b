"""RedexPushGenerationDataOperator against the sandbox: every input format, both modes, refusals.

Each push is read back from REDEX (G5 for daily readings, G6 for monthly ones), so a test
passes only when the records really landed with their exact values.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators import RedexPushGenerationDataOperator
from airflow_provider_redex.operators.base import RedexRefusal
from tests.helpers import harness

DAILY_COLUMNS = ("RemoteInvId", "Timestamp", "PeriodProductionInKWh", "AccumulatedEnergyInKWh")
FIRST_DAY = date(2026, 3, 1)


def _daily_rows(inverters: list[str], days: int) -> list[dict[str, Any]]:
    """Distinct 3-decimal readings per inverter and day, so a mixed-up value is caught."""
    rows = []
    for i, inverter in enumerate(inverters):
        for day in range(days):
            kwh = Decimal(f"{10 * i + day}.{(i + 1) % 10}{day % 10}5")
            rows.append(
                {
                    "RemoteInvId": inverter,
                    "Timestamp": FIRST_DAY + timedelta(days=day),
                    "PeriodProductionInKWh": kwh,
                    "AccumulatedEnergyInKWh": kwh * (day + 1),
                }
            )
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({key: "" if v is None else str(v) for key, v in row.items()} for row in rows)
    elif path.suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(row, default=str) for row in rows) + "\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # kWh as exact decimal columns (a float64 column is refused), days as dates.
        table = pa.table(
            {
                "RemoteInvId": [r["RemoteInvId"] for r in rows],
                "Timestamp": pa.array([r["Timestamp"] for r in rows], pa.date32()),
                "PeriodProductionInKWh": _decimals(rows, "PeriodProductionInKWh"),
                "AccumulatedEnergyInKWh": _decimals(rows, "AccumulatedEnergyInKWh"),
            }
        )
        pq.write_table(table, path)
    return path


def _decimals(rows: list[dict[str, Any]], column: str) -> Any:
    import pyarrow as pa

    return pa.array([Decimal(str(r[column])) for r in rows], pa.decimal128(18, 3))


def _stored_daily(sandbox: Any, device_id: str, last: date) -> set[tuple[str, date, Decimal]]:
    with harness.client(sandbox) as redex:
        records = redex.generation.list(
            frequency_type="Daily", from_date=FIRST_DAY, to_date=last, device_id=device_id
        )
        return {(r.remote_inv_id, r.timestamp, r.period_production_in_kwh) for r in records}


@pytest.mark.parametrize(
    ("suffix", "object_storage"),
    [("csv", False), ("jsonl", False), ("parquet", False), ("csv", True), ("parquet", True)],
)
def test_per_inverter_push_lands_every_record_from_each_input_kind(
    redex_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, object_storage: bool
) -> None:
    from airflow.sdk import ObjectStoragePath

    device = harness.approved_device(
        redex_sandbox, f"Push{suffix}{object_storage}", inverters=3, since=FIRST_DAY
    )
    rows = _daily_rows(device.inverters, days=4)
    path = _write(tmp_path / f"gen.{suffix}", rows)
    source = ObjectStoragePath(f"file://{path}") if object_storage else str(path)
    operator = RedexPushGenerationDataOperator(task_id="push", source=source, per_inverter=True)

    pushed = operator.execute({})  # type: ignore[arg-type]

    assert pushed["records_total"] == pushed["records_sent"] == 12
    assert pushed["requests"] == len(pushed["process_ids"]) == 3  # one request per inverter (G1)
    assert harness.process_statuses(redex_sandbox, pushed["process_ids"]) == ["Success"] * 3
    expected = {(r["RemoteInvId"], r["Timestamp"], r["PeriodProductionInKWh"]) for r in rows}
    assert _stored_daily(redex_sandbox, device.device_id, FIRST_DAY + timedelta(days=3)) == expected
    log = capsys.readouterr().out
    assert "Input checked: 12 daily records for 3 inverters" in log
    assert "Sent 12 of 12 records (100.0%)" in log


def test_monthly_push_lands_each_month_and_the_period_sum_adds_them_up(
    redex_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    year = rules.today_earliest().year - 1
    device = harness.approved_device(
        redex_sandbox, "PushMonthly", inverters=2, frequency="Monthly", since=date(year, 1, 1)
    )
    first, second = device.inverters
    months = dict.fromkeys(rules.MONTH_KEYS)
    rows = [
        {"RemoteInvId": first, "Year": year, **months, "Jan": "1500.125", "Feb": "1200.5", "Dec": "999.999"},
        {"RemoteInvId": second, "Year": year, **months, "Feb": "800.25"},  # other months: no data
    ]
    path = _write(tmp_path / "monthly.csv", rows)
    operator = RedexPushGenerationDataOperator(task_id="push", source=str(path), frequency="monthly")

    pushed = operator.execute({})  # type: ignore[arg-type]

    assert pushed["records_total"] == pushed["records_sent"] == 2
    assert harness.process_statuses(redex_sandbox, pushed["process_ids"]) == ["Success"]
    with harness.client(redex_sandbox) as redex:

        def kwh(start: str, end: str) -> Decimal:
            total = redex.generation.sum_period(device.device_id, vintage_from=start, vintage_to=end)
            return Decimal(total.total_period_production_in_kwh)

        assert kwh(f"{year}-01", f"{year}-12") == Decimal("4500.874")
        assert kwh(f"{year}-02", f"{year}-02") == Decimal("2000.75")
        assert kwh(f"{year}-03", f"{year}-11") == 0
    assert "Sent 2 of 2 records (100.0%)" in capsys.readouterr().out


def _future() -> str:
    return (rules.today_latest() + timedelta(days=2)).isoformat()


BAD_INPUTS = {
    "four decimals": (
        "gen.csv",
        {
            "RemoteInvId": "A",
            "Timestamp": "2026-01-01",
            "PeriodProductionInKWh": "1.2345",
            "AccumulatedEnergyInKWh": "1",
        },
        "PeriodProductionInKWh at line 3 ('1.2345')",  # the header is line 1, the good row line 2
    ),
    "a day in the future": (
        "gen.jsonl",
        {
            "RemoteInvId": "A",
            "Timestamp": _future(),
            "PeriodProductionInKWh": "1",
            "AccumulatedEnergyInKWh": "1",
        },
        f"must not be in the future: Timestamp at line 2 ({_future()})",
    ),
    "no inverter column": (
        "gen.jsonl",
        {"Timestamp": "2026-01-01", "PeriodProductionInKWh": "1", "AccumulatedEnergyInKWh": "1"},
        "no inverter id: RemoteInvId at line 2",
    ),
    "negative energy": (
        "gen.parquet",
        {
            "RemoteInvId": "A",
            "Timestamp": date(2026, 1, 1),
            "PeriodProductionInKWh": Decimal(-1),
            "AccumulatedEnergyInKWh": Decimal(1),
        },
        "greater than or equal to 0: PeriodProductionInKWh at row 2 (-1.000)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_naming_the_file_line_and_value_before_any_request(
    redex_sandbox: Any, tmp_path: Path, case: str
) -> None:
    name, row, named = BAD_INPUTS[case]
    good = {
        "RemoteInvId": "A",
        "Timestamp": "2026-01-02",
        "PeriodProductionInKWh": "2",
        "AccumulatedEnergyInKWh": "3",
    }
    if name.endswith(".parquet"):
        good = {**good, "Timestamp": date(2026, 1, 2)}
    path = _write(tmp_path / name, [good, row])
    before = harness.account_requests(redex_sandbox)
    operator = RedexPushGenerationDataOperator(task_id="push", source=str(path))

    with pytest.raises(RedexRefusal) as refused:
        operator.execute({})  # type: ignore[arg-type]

    assert str(refused.value).startswith(f"1 row of {path} refused, nothing was sent: ")
    assert named in str(refused.value)
    assert harness.account_requests(redex_sandbox) == before


def test_a_refusal_counts_every_bad_row_lists_the_first_20_and_repeats_nothing(
    redex_sandbox: Any, tmp_path: Path
) -> None:
    rows = [
        {
            "RemoteInvId": "A",
            "Timestamp": FIRST_DAY + timedelta(days=day),
            "PeriodProductionInKWh": f"{day}.125" if day < 2 else f"{day}.1255",  # 48 with a 4th decimal
            "AccumulatedEnergyInKWh": f"{100 + day}.5",
        }
        for day in range(50)
    ]
    path = _write(tmp_path / "gen.csv", rows)
    before = harness.account_requests(redex_sandbox)

    with pytest.raises(RedexRefusal) as refused:
        RedexPushGenerationDataOperator(task_id="push", source=str(path)).execute({})  # type: ignore[arg-type]

    message = str(refused.value)
    assert message.startswith(f"48 rows of {path} refused, nothing was sent; the first 20: ")
    assert "decimal places: PeriodProductionInKWh at line 4 ('2.1255'), line 5 ('3.1255')," in message
    assert "line 23 ('21.1255')" in message and "line 24" not in message  # data row 3 is file line 4
    for phrase in ("nothing was sent", str(path), "decimal places", "PeriodProductionInKWh"):
        assert message.count(phrase) == 1, phrase
    assert harness.account_requests(redex_sandbox) == before


def test_an_unknown_frequency_is_refused_before_any_request(redex_sandbox: Any) -> None:
    before = harness.account_requests(redex_sandbox)
    operator = RedexPushGenerationDataOperator(
        task_id="push",
        source=_daily_rows(["A"], 1),
        frequency="weekly",  # type: ignore[arg-type]
    )

    with pytest.raises(RedexRefusal, match="frequency"):
        operator.execute({})  # type: ignore[arg-type]

    assert harness.account_requests(redex_sandbox) == before


# --- lost answers, a look-up that cannot answer, floats ---------------------------------------------


class _Store(dict[str, Any]):
    """A ``task_state_store`` that outlives one ``execute``, as Airflow's does across tries."""

    def set(self, key: str, value: Any) -> None:
        self[key] = value


def _connect(monkeypatch: pytest.MonkeyPatch, url: str, token: str, **extra: Any) -> None:
    # A generous budget: these tests decide the load, and pacing has tests of its own.
    extra = {"account_requests": 10_000, "account_window_seconds": 1, **extra}
    conn = {"conn_type": "redex", "host": url, "password": token, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_REDEX_DEFAULT", json.dumps(conn))


class _FailingLookupProxy:
    """Forwards everything to the sandbox, except that G5 (the push's look-up) answers ``status``
    (or each request as ``forward`` answers it)."""

    def __init__(self, target: str, status: int, forward: Any = None) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import requests

        from airflow_provider_redex.client.routes import route

        lookup_path = route("generation.list").path

        def fail_lookups(
            command: str, path: str, body: bytes | None, headers: dict[str, str]
        ) -> tuple[int, bytes]:
            if command == "GET" and path.split("?")[0] == lookup_path:
                return status, json.dumps({"StatusCode": status, "Message": "down"}).encode()
            answer = requests.request(command, target + path, data=body, headers=headers)
            return answer.status_code, answer.content

        answer_for = forward or fail_lookups

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                code, content = answer_for(self.command, self.path, body, headers)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _forward

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class _FaultyPush:
    """A per-inverter push of 5 days per inverter under injected faults, and what it left behind."""

    pushed: dict[str, Any]
    faults: dict[str, Any]
    rows: list[dict[str, Any]]
    device_id: str
    records_added: int


def _push_under_faults(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, inverters: int, **faults: Any
) -> _FaultyPush:
    device = harness.approved_device(sandbox, name, inverters=inverters, since=FIRST_DAY)
    rows = _daily_rows(device.inverters, days=5)
    path = _write(tmp_path / "gen.csv", rows)
    _connect(monkeypatch, sandbox.url, sandbox.token, max_retries=1)
    before = harness.records(sandbox)["GenerationRecords"]
    sandbox.admin("PUT", "faults", faults)
    operator = RedexPushGenerationDataOperator(
        task_id="push", source=str(path), per_inverter=True, unacknowledged_chunk_wait=5
    )
    try:
        pushed = operator.execute({"task_state_store": _Store()})  # type: ignore[arg-type]
    finally:
        injected = sandbox.admin("GET", "faults")
        sandbox.admin("PUT", "faults", {})
    # Every process has ended (so every stored record is counted) before the count is taken.
    assert harness.process_statuses(sandbox, pushed["process_ids"]) == ["Success"] * len(
        pushed["process_ids"]
    )
    added = harness.records(sandbox)["GenerationRecords"] - before
    return _FaultyPush(pushed, injected, rows, device.device_id, added)


def test_answers_lost_after_redex_stored_the_chunk_still_account_for_every_chunk_once(
    redex_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _push_under_faults(redex_sandbox, tmp_path, monkeypatch, "PushDrops", 20, DropRate=0.3)

    pushed, recovered = run.pushed, run.pushed["recovered_chunks"]
    assert pushed["chunks"] == 20 and pushed["records_sent"] == 100
    # Every chunk is accounted for: by a ProcessId, or by the G5 read-back that found it stored.
    assert len(pushed["process_ids"]) + len(recovered) == 20
    assert recovered, "the seeded faults drop the answer of at least one POST"
    assert sorted(r["RemoteInvId"] for r in recovered) == sorted(set(r["RemoteInvId"] for r in recovered))
    assert run.records_added == 100  # no record twice
    expected = {(r["RemoteInvId"], r["Timestamp"], r["PeriodProductionInKWh"]) for r in run.rows}
    assert _stored_daily(redex_sandbox, run.device_id, FIRST_DAY + timedelta(days=4)) == expected
    with capsys.disabled():
        print(
            f"\n[lost answers] {run.faults['Dropped']} answers dropped; 20 chunks: "
            f"{len(pushed['process_ids'])} ProcessIds, {len(recovered)} found at REDEX by G5, "
            f"{pushed['requests']} POSTs"
        )


def test_chunks_refused_with_5xx_before_redex_acted_are_sent_again_after_the_push_goes_on(
    redex_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _push_under_faults(redex_sandbox, tmp_path, monkeypatch, "Push5xx", 10, ErrorRate=0.3)

    assert run.faults["InjectedErrors"] > 0 and run.pushed["requests"] > 10  # some chunks went twice ...
    assert (
        len(run.pushed["process_ids"]) == 10 and run.pushed["recovered_chunks"] == []
    )  # ... each has its id
    assert run.records_added == 50


@pytest.mark.parametrize("status", [404, 503])
def test_a_lookup_that_cannot_answer_ends_in_a_resend_not_a_stuck_push(
    redex_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    device = harness.approved_device(redex_sandbox, f"PushLookup{status}", inverters=3, since=FIRST_DAY)
    rows = _daily_rows(device.inverters, days=4)
    path = _write(tmp_path / "gen.csv", rows)
    store = _Store()
    _connect(monkeypatch, redex_sandbox.url, redex_sandbox.token)
    first = RedexPushGenerationDataOperator(task_id="push", source=str(path), per_inverter=True).execute(
        {"task_state_store": store}  # type: ignore[arg-type]
    )
    assert harness.process_statuses(redex_sandbox, first["process_ids"]) == ["Success"] * 3
    # As if the first try had died between chunk 1's POST and storing its ProcessId.
    del store[f"{RedexPushGenerationDataOperator.ledger_key}.chunk.000001"]
    proxy = _FailingLookupProxy(redex_sandbox.url, status)
    _connect(monkeypatch, proxy.url, redex_sandbox.token, max_retries=0)
    before = harness.records(redex_sandbox)
    retry = RedexPushGenerationDataOperator(
        task_id="push", source=str(path), per_inverter=True, unacknowledged_chunk_wait=1
    )
    try:
        pushed = retry.execute({"task_state_store": store})  # type: ignore[arg-type]
    finally:
        proxy.close()

    assert pushed["records_already_acknowledged"] == 8 and pushed["records_sent"] == 4
    assert pushed["requests"] == 1 and pushed["recovered_chunks"] == []
    assert pushed["process_ids"][0::2] == first["process_ids"][0::2]
    assert pushed["process_ids"][1] not in first["process_ids"]  # chunk 1 was sent again
    assert harness.process_statuses(redex_sandbox, pushed["process_ids"]) == ["Success"] * 3
    after = harness.records(redex_sandbox)
    assert after["GenerationRecords"] == before["GenerationRecords"]  # the re-sent days overwrote
    expected = {(r["RemoteInvId"], r["Timestamp"], r["PeriodProductionInKWh"]) for r in rows}
    assert _stored_daily(redex_sandbox, device.device_id, FIRST_DAY + timedelta(days=3)) == expected


def _float_source(kind: str, tmp_path: Path) -> Any:
    row = {
        "RemoteInvId": "A",
        "Timestamp": "2026-01-02",
        "PeriodProductionInKWh": 0.1,
        "AccumulatedEnergyInKWh": "1",
    }
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({key: [value] for key, value in row.items()})  # a float64 column
        pq.write_table(table, tmp_path / "gen.parquet")
        return str(tmp_path / "gen.parquet")
    if kind == "inline":
        return [row]
    from airflow.sdk import DAG

    # Jinja with native rendering turns the template into Python objects, float included.
    with DAG("redex_native_push", schedule=None, render_template_as_native_obj=True):
        templated = RedexPushGenerationDataOperator(task_id="push", source="{{ params.rows }}")
    templated.render_template_fields({"params": {"rows": [row]}})  # type: ignore[arg-type]
    return templated.source


@pytest.mark.parametrize("kind", ["parquet", "inline", "jinja"])
def test_a_float_energy_value_is_refused_before_any_request(
    redex_sandbox: Any, tmp_path: Path, kind: str
) -> None:
    source = _float_source(kind, tmp_path)
    before = harness.account_requests(redex_sandbox)

    with pytest.raises(RedexRefusal) as refused:
        RedexPushGenerationDataOperator(task_id="push", source=source).execute({})  # type: ignore[arg-type]

    message = str(refused.value)
    if kind == "parquet":
        assert "PeriodProductionInKWh as floating point" in message and "decimal" in message
    else:
        rule = "a float is not exact: give the kWh as text or a Decimal"
        assert f"{rule}: PeriodProductionInKWh at row 1 (0.1 (float))" in message
    assert harness.account_requests(redex_sandbox) == before


def test_jsonl_numbers_and_csv_text_land_with_their_exact_digits(
    redex_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = harness.approved_device(redex_sandbox, "PushExact", inverters=1, since=FIRST_DAY)
    (inverter,) = device.inverters
    values = ["0.1", "1234567.891", "0.300"]  # 0.1 and 1234567.891 are not exact as binary floats
    lines = [
        f'{{"RemoteInvId": "{inverter}", "Timestamp": "{FIRST_DAY + timedelta(days=i)}", '
        f'"PeriodProductionInKWh": {kwh}, "AccumulatedEnergyInKWh": {kwh}}}'
        for i, kwh in enumerate(values)
    ]
    (tmp_path / "gen.jsonl").write_text("\n".join(lines) + "\n")
    _connect(monkeypatch, redex_sandbox.url, redex_sandbox.token)

    pushed = RedexPushGenerationDataOperator(task_id="push", source=str(tmp_path / "gen.jsonl")).execute({})  # type: ignore[arg-type]

    assert harness.process_statuses(redex_sandbox, pushed["process_ids"]) == ["Success"]
    stored = _stored_daily(redex_sandbox, device.device_id, FIRST_DAY + timedelta(days=2))
    assert sorted(str(kwh) for _, _, kwh in stored) == sorted(["0.1", "1234567.891", "0.300"])


class _CountingStore(_Store):
    reads = 0

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.reads += 1
        return super().get(key, default)


def test_a_first_try_reads_its_ledger_once_and_a_retry_skips_what_redex_acknowledged(
    redex_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = harness.approved_device(redex_sandbox, "PushLedger", inverters=4, since=FIRST_DAY)
    path = _write(tmp_path / "gen.csv", _daily_rows(device.inverters, days=2))
    _connect(monkeypatch, redex_sandbox.url, redex_sandbox.token)
    store = _CountingStore()
    operator = RedexPushGenerationDataOperator(task_id="push", source=str(path), per_inverter=True)

    first = operator.execute({"task_state_store": store})  # type: ignore[arg-type]
    first_reads, store.reads = store.reads, 0
    again = operator.execute({"task_state_store": store})  # type: ignore[arg-type]

    assert first_reads == 1  # each read is a round trip to Airflow's API between two slots
    assert first["requests"] == 4 and again["requests"] == 0
    assert again["records_already_acknowledged"] == 8 and again["process_ids"] == first["process_ids"]


class _RefusingProxy(_FailingLookupProxy):
    """Forwards everything to the sandbox, except that a POST whose body holds ``marker`` is refused (400)."""

    def __init__(self, target: str, marker: str) -> None:
        import threading

        import requests

        self.posts = 0
        lock = threading.Lock()
        proxy = self

        def forward(
            command: str, path: str, body: bytes | None, headers: dict[str, str]
        ) -> tuple[int, bytes]:
            if command == "POST":
                with lock:
                    proxy.posts += 1
                if marker.encode() in (body or b""):
                    return 400, json.dumps({"StatusCode": 400, "Message": "refused", "Errors": []}).encode()
            answer = requests.request(command, target + path, data=body, headers=headers)
            return answer.status_code, answer.content

        super().__init__(target, 0, forward=forward)


def test_a_refusal_in_the_middle_still_acknowledges_the_chunks_in_flight_so_a_retry_sends_each_once(
    redex_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = harness.approved_device(redex_sandbox, "PushRefusedMidway", inverters=8, since=FIRST_DAY)
    path = _write(tmp_path / "gen.csv", _daily_rows(device.inverters, days=3))
    store = _Store()
    before = harness.records(redex_sandbox)["GenerationProcesses"]
    # Chunk 0 is refused while chunks 1 and 2 are in flight (three are submitted before the
    # first answer is taken).
    proxy = _RefusingProxy(redex_sandbox.url, marker=f'"{device.inverters[0]}"')
    _connect(monkeypatch, proxy.url, redex_sandbox.token, max_retries=0)
    first = RedexPushGenerationDataOperator(
        task_id="push", source=str(path), per_inverter=True, max_in_flight=3
    )
    try:
        with pytest.raises(RedexRefusal, match="HTTP 400"):
            first.execute({"task_state_store": store})  # type: ignore[arg-type]
    finally:
        proxy.close()
    acknowledged = [key for key in store if key.split(".")[-1].isdigit()]
    delivered = harness.records(redex_sandbox)["GenerationProcesses"] - before

    _connect(monkeypatch, redex_sandbox.url, redex_sandbox.token)
    retry = RedexPushGenerationDataOperator(
        task_id="push", source=str(path), per_inverter=True, unacknowledged_chunk_wait=1
    )
    pushed = retry.execute({"task_state_store": store})  # type: ignore[arg-type]

    assert proxy.posts == 3 and delivered == 2  # the chunks in flight beside the refused one went through ...
    assert len(acknowledged) == delivered  # ... and each was acknowledged before the task failed,
    assert pushed["requests"] == 8 - delivered  # so the retry sends only the others,
    assert harness.records(redex_sandbox)["GenerationProcesses"] - before == 8  # each chunk once in all
    assert len(pushed["process_ids"]) == 8
