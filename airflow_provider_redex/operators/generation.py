"""Lifecycle step 3: push generation data, at the speed the REDEX rate limit allows.

The input is streamed twice: first every row is validated (so bad data fails before the first
request, with the row named), then rows are packed into requests of at most
``rules.MAX_RECORDS_PER_REQUEST`` records and sent. Requests are paced by the client's shared
rate budget, so several pushes on one account never draw 429s.

Exactly once per chunk: the same input always packs into the same chunks, and each chunk's
ProcessId goes to ``task_state_store`` as soon as REDEX returns it. A retry skips acknowledged
chunks. A chunk whose POST was sent but whose acknowledgement was not stored (a crash in
between) is looked up with G5: when REDEX already holds its first inverter's readings, it is
counted as acknowledged and not sent again. REDEX stores readings only once it has processed
them (minutes, API_REFERENCE 6.4), so the look-up keeps asking for up to
``unacknowledged_chunk_wait`` seconds before it concludes the chunk never arrived. Sending it
again then is safe for the data (a day sent twice overwrites, it never counts twice); it costs
one more ProcessId.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    DailyRecord,
    FrequencyType,
    InverterDailyData,
    MonthlyData,
    MonthlyGenerationData,
)
from airflow_provider_redex.operators.base import RedexBaseOperator, RedexRefusal
from airflow_provider_redex.operators.exactly_once import CreationLedger, crash_point, fingerprint
from airflow_provider_redex.operators.generation_input import (
    Chunk,
    GenerationInputError,
    inverter_of,
    iter_rows,
    pack,
    without_inverter,
)
from airflow_provider_redex.operators.progress import DEFAULT_INTERVAL_SECONDS, ProgressReporter

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_redex.client.client import RedexClient

Frequency = Literal["daily", "monthly"]
MAX_REPORTED_PROBLEMS = 20
UNACKNOWLEDGED_CHUNK_WAIT_SECONDS = 600.0
"""REDEX took about 9 minutes to process one push in its documented example (6.4)."""
UNACKNOWLEDGED_CHUNK_POLL_SECONDS = 15.0


@dataclass
class PushPlan:
    """What the validation pass learned: the totals the progress lines and XCom report."""

    records: int = 0
    inverters: set[str] = field(default_factory=set)


@dataclass
class PushReport:
    """What the push did; its :meth:`as_xcom` is the operator's return value."""

    process_ids: list[int] = field(default_factory=list)
    records_total: int = 0
    records_sent: int = 0
    records_already_acknowledged: int = 0
    requests: int = 0
    inverters: int = 0

    def as_xcom(self) -> dict[str, Any]:
        return {
            "process_ids": self.process_ids,
            "records_total": self.records_total,
            "records_sent": self.records_sent,
            "records_already_acknowledged": self.records_already_acknowledged,
            "requests": self.requests,
            "inverters": self.inverters,
        }


class RedexPushGenerationDataOperator(RedexBaseOperator):
    """Push daily or monthly generation data for a grouped device's inverters.

    Returns ``{process_ids, records_total, records_sent, records_already_acknowledged,
    requests, inverters}``; hand ``process_ids`` to ``RedexGenerationProcessSensor``.

    :param source: a CSV, JSON-lines or Parquet file (local path or ``ObjectStoragePath``), or
        a small inline list of rows. Columns: ``RemoteInvId, Timestamp, PeriodProductionInKWh,
        AccumulatedEnergyInKWh`` (daily) or ``RemoteInvId, Year, Jan..Dec`` (monthly) (templated).
    :param frequency: ``daily`` (G1/G2) or ``monthly`` (G3), the grouped device's
        ``GenerationDataFrequency`` (templated).
    :param per_inverter: daily only: one inverter per request (G1) instead of requests filled
        across inverters (G2, the default and the fastest).
    :param file_format: ``csv``, ``jsonl`` or ``parquet`` when the suffix does not tell.
    :param progress_interval: seconds between progress lines (at most 10 by default).
    :param unacknowledged_chunk_wait: after a crash between a POST and its acknowledgement, how
        long to keep looking for that chunk's readings at REDEX before sending it again.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    lineage_output_kind, lineage_result_key = "generation-processes", "process_ids"
    lineage_input_attribute = "source"
    template_fields: Sequence[str] = ("source", "frequency", "file_format", "redex_conn_id")
    ledger_key = "redex_generation_push"

    def __init__(
        self,
        *,
        source: str | ObjectStoragePath | Sequence[dict[str, Any]],
        frequency: Frequency = "daily",
        per_inverter: bool = False,
        file_format: str | None = None,
        progress_interval: float = DEFAULT_INTERVAL_SECONDS,
        unacknowledged_chunk_wait: float = UNACKNOWLEDGED_CHUNK_WAIT_SECONDS,
        **kwargs: Any,
    ) -> None:
        # Each key of the returned dict is its own XCom too: ``task.output["<key>"]``.
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.source = source
        self.frequency = frequency
        self.per_inverter = per_inverter
        self.file_format = file_format
        self.progress_interval = progress_interval
        self.unacknowledged_chunk_wait = unacknowledged_chunk_wait

    def execute(self, context: Context) -> dict[str, Any]:
        plan = self._validate_all_rows()
        self.log.info(
            "Input checked: %s %s records for %s inverters; sending at most %s records per request",
            f"{plan.records:,}",
            self.frequency,
            len(plan.inverters),
            f"{rules.MAX_RECORDS_PER_REQUEST:,}",
        )
        report = PushReport(records_total=plan.records, inverters=len(plan.inverters))
        progress = ProgressReporter(plan.records, self.log, interval=self.progress_interval)
        with self.redex_client() as client:
            for chunk in self._chunks():
                self._push_chunk(client, self.ledger(context), chunk, report, progress)
        self._log_summary(report)
        return report.as_xcom()

    # --- reading ------------------------------------------------------------------------

    def _item(self, row: dict[str, Any]) -> tuple[str, Any]:
        """``(inverter, validated reading model)`` for one input row."""
        model = DailyRecord if self.frequency == "daily" else MonthlyData
        return inverter_of(row), model.from_input(_reading(row, self.frequency))

    def _items(self) -> Iterator[tuple[str, Any]]:
        for row in iter_rows(self.source, self.file_format):
            yield self._item(row)

    def _validate_all_rows(self) -> PushPlan:
        if self.frequency not in ("daily", "monthly"):
            raise RedexRefusal(f"frequency must be 'daily' or 'monthly', not {self.frequency!r}")
        plan, problems = PushPlan(), []
        try:
            for row_number, row in enumerate(iter_rows(self.source, self.file_format), start=1):
                try:
                    inverter, _ = self._item(row)
                except (RedexInputError, GenerationInputError) as err:
                    problems.append(f"row {row_number}: {err}")
                    if len(problems) >= MAX_REPORTED_PROBLEMS:
                        break
                    continue
                plan.records += 1
                plan.inverters.add(inverter)
        except GenerationInputError as err:
            problems.append(str(err))
        if problems:
            raise RedexRefusal("generation data refused, nothing was sent: " + "; ".join(problems))
        if not plan.records:
            raise RedexRefusal("the generation input holds no rows; nothing to send")
        return plan

    def _chunks(self) -> Iterator[Chunk[Any]]:
        one_inverter = self.frequency == "daily" and self.per_inverter
        return pack(self._items(), rules.MAX_RECORDS_PER_REQUEST, one_inverter=one_inverter)

    # --- sending ------------------------------------------------------------------------

    def _push_chunk(
        self,
        client: RedexClient,
        ledger: CreationLedger,
        chunk: Chunk[Any],
        report: PushReport,
        progress: ProgressReporter,
    ) -> None:
        body = self._request(chunk)
        chunk_fingerprint = fingerprint(_wire(body))
        ack = ledger.chunk_ack(chunk.index)
        if (
            ack is None
            and ledger.chunk_intent(chunk.index) == chunk_fingerprint
            and self._held_after_processing(client, chunk)
        ):
            ack = {"process_id": None, "fingerprint": chunk_fingerprint, "found": True}
            ledger.record_chunk_ack(chunk.index, ack)
        if isinstance(ack, dict) and ack.get("fingerprint") == chunk_fingerprint:
            report.records_already_acknowledged += chunk.size
            if ack.get("process_id") is not None:
                report.process_ids.append(int(ack["process_id"]))
        else:
            ledger.record_chunk_intent(chunk.index, chunk_fingerprint)
            process_id = self._send(client, body)
            crash_point("generation_chunk")
            ledger.record_chunk_ack(chunk.index, {"process_id": process_id, "fingerprint": chunk_fingerprint})
            report.process_ids.append(process_id)
            report.records_sent += chunk.size
            report.requests += 1
        progress.advance(chunk.size)

    def _request(self, chunk: Chunk[Any]) -> Any:
        if self.frequency == "monthly":
            return [
                MonthlyGenerationData(remote_inv_id=inverter, data=item)
                for inverter, items in chunk.by_inverter.items()
                for item in items
            ]
        devices = [
            InverterDailyData(remote_inv_id=inv, data=items) for inv, items in chunk.by_inverter.items()
        ]
        return devices[0] if self.per_inverter else BatchGenerationRequest(devices=devices)

    def _send(self, client: RedexClient, body: Any) -> int:
        if self.frequency == "monthly":
            return client.generation.send_monthly(body).process_id
        if self.per_inverter:
            return client.generation.send_daily(body).process_id
        return client.generation.send_batch(body).process_id

    def _held_after_processing(self, client: RedexClient, chunk: Chunk[Any]) -> bool:
        """Whether REDEX holds ``chunk``, asking again while an earlier POST may still be processing."""
        deadline = time.monotonic() + self.unacknowledged_chunk_wait
        while True:
            if self._held(client, chunk):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                self.log.warning(
                    "Chunk %s was maybe sent by an earlier try but REDEX does not hold it after %s s;"
                    " sending it again (a re-sent day overwrites, it never counts twice)",
                    chunk.index,
                    self.unacknowledged_chunk_wait,
                )
                return False
            time.sleep(min(UNACKNOWLEDGED_CHUNK_POLL_SECONDS, self.unacknowledged_chunk_wait / 20, left))

    def _held(self, client: RedexClient, chunk: Chunk[Any]) -> bool:
        """Whether REDEX already holds the first inverter's daily readings of ``chunk`` (G5)."""
        if self.frequency != "daily":
            return False  # G5 reads monthly data by device only: such a chunk is sent again
        inverter, records = next(iter(chunk.by_inverter.items()))
        first = min(r.timestamp for r in records)
        last = min(max(r.timestamp for r in records), _query_end(first))
        wanted = {r.timestamp: r.period_production_in_kwh for r in records if r.timestamp <= last}
        stored = client.generation.list(
            frequency_type=FrequencyType.DAILY, from_date=first, to_date=last, remote_inv_id=inverter
        )
        held = {s.timestamp: s.period_production_in_kwh for s in stored if s.timestamp in wanted}
        return held == wanted

    def _log_summary(self, report: PushReport) -> None:
        self.log.info(
            "Pushed %s of %s records in %s requests (%s ProcessIds); %s records were already "
            "acknowledged by REDEX in an earlier try and not sent again",
            f"{report.records_sent:,}",
            f"{report.records_total:,}",
            report.requests,
            len(report.process_ids),
            f"{report.records_already_acknowledged:,}",
        )


def _reading(row: dict[str, Any], frequency: str) -> dict[str, Any]:
    """The row without its inverter; monthly rows nest their months as REDEX does."""
    reading = without_inverter(row)
    if frequency == "daily":
        return reading
    months = {key: reading.pop(key) for key in rules.MONTH_KEYS if key in reading}
    return {**reading, "PeriodProductionPerMonthInKWh": months}


def _wire(body: Any) -> Any:
    return [item.to_wire() for item in body] if isinstance(body, list) else body.to_wire()


def _query_end(first: date) -> date:
    """G5 reads at most three months at a time (BR12)."""
    return rules.add_months(first, rules.MAX_GENERATION_QUERY_MONTHS)
