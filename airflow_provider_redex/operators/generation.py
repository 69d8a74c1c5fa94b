"""Lifecycle step 3: push generation data, at the speed the REDEX rate limit allows.

The input is read once (``generation_chunks``): every row is validated, packed into requests of
at most ``rules.MAX_RECORDS_PER_REQUEST`` records, and each request is encoded once and spooled,
so bad data fails before the first request with its lines named, and the sending loop does
nothing between two rate-limit slots but send finished bytes. Requests are paced by the
client's shared rate budget, so several pushes on one account never draw 429s. With
``max_in_flight`` above 1 (the client's ``pipeline``), that many are in flight at once: while
REDEX reads one request the next is on its way or waiting for its slot, body in hand, so on a
link with a long round trip a window's burst lasts as long as REDEX takes to read it, not as
long as our send-and-wait (see ``constants.PUSH_IN_FLIGHT`` for why the default is 1).

Exactly once per chunk: the same input always packs into the same chunks, each chunk's intent
goes to ``task_state_store`` before it is sent and its ProcessId as soon as REDEX returns it,
in input order (answers are taken in the order the chunks were sent). A retry skips
acknowledged chunks. A chunk whose POST may have reached REDEX without its answer reaching us (the answer was
lost, or an earlier try crashed before storing it) is looked up with G5: when REDEX holds its
first inverter's readings with the same values, it counts as delivered and is not sent again.
A chunk whose answer is lost in this try is looked up after the other chunks are sent, so
REDEX processes it while the push goes on instead of the push waiting for it.
REDEX stores readings only once it has processed them (minutes, API_REFERENCE 6.4), so the
look-up keeps asking for up to ``unacknowledged_chunk_wait`` seconds; when REDEX does not hold
the chunk by then, or the look-up itself keeps failing (404, 5xx), the chunk is sent again.
That is safe for the data (a day sent twice overwrites, it never counts twice); it costs one
more ProcessId.

REDEX gives no ProcessId for a chunk found by the look-up (G4 reads by ProcessId only, G5
items carry none). Such a chunk is listed in ``recovered_chunks`` with the G5 query that found
it; its readings were read back with their values, so it is processed and nothing is left
for ``RedexGenerationProcessSensor`` to wait for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.constants import PUSH_IN_FLIGHT
from airflow_provider_redex.client.errors import (
    RedexError,
    RedexInputError,
    RedexResponseError,
    RedexServerError,
    RedexTransportError,
)
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.generation import (
    BatchGenerationRequest,
    FrequencyType,
    GenerationQuery,
    InverterDailyData,
    ProcessRef,
)
from airflow_provider_redex.operators.base import RedexBaseOperator, RedexRefusal
from airflow_provider_redex.operators.exactly_once import CreationLedger, crash_point
from airflow_provider_redex.operators.generation_chunks import (
    EncodedChunk,
    PreparedPush,
    PushRefused,
    body_fingerprint,
    prepare_push,
)
from airflow_provider_redex.operators.generation_input import GenerationInputError, GenerationSource
from airflow_provider_redex.operators.progress import DEFAULT_INTERVAL_SECONDS, ProgressReporter

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pipeline import Answer, Pipeline

Frequency = Literal["daily", "monthly"]
UNACKNOWLEDGED_CHUNK_WAIT_SECONDS = 600.0
"""REDEX took about 9 minutes to process one push in its documented example (6.4)."""
UNACKNOWLEDGED_CHUNK_POLL_SECONDS = 15.0
MAX_SENDS_PER_CHUNK = 4
"""A chunk whose answer is lost again and again fails the task after this many sends (the
task's retry then looks for it first)."""


def _answer_lost(err: RedexError) -> bool:
    """Whether REDEX may have stored a POST although we have no ProcessId for it."""
    if isinstance(err, RedexTransportError):
        return err.request_sent
    return isinstance(err, (RedexServerError, RedexResponseError))


@dataclass
class PushReport:
    """What the push did; its :meth:`as_xcom` is the operator's return value.

    Chunks are listed in input order, however their answers arrived (several are in flight at
    once, and a chunk whose answer was lost is settled after the others).
    """

    chunks: int = 0
    records_total: int = 0
    records_sent: int = 0
    records_already_acknowledged: int = 0
    requests: int = 0
    inverters: int = 0
    _delivered: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, chunk: EncodedChunk, ack: dict[str, Any]) -> None:
        """Account for a delivered chunk: by its ProcessId, or by the look-up that found it."""
        if ack.get("process_id") is not None:
            self._delivered[chunk.index] = {"process_id": int(ack["process_id"])}
        else:
            self._delivered[chunk.index] = {
                "chunk": chunk.index,
                "records": chunk.records,
                **ack.get("lookup", {}),
            }

    def _in_order(self) -> list[dict[str, Any]]:
        return [self._delivered[index] for index in sorted(self._delivered)]

    @property
    def process_ids(self) -> list[int]:
        return [entry["process_id"] for entry in self._in_order() if "process_id" in entry]

    @property
    def recovered_chunks(self) -> list[dict[str, Any]]:
        return [entry for entry in self._in_order() if "process_id" not in entry]

    def as_xcom(self) -> dict[str, Any]:
        return {
            "process_ids": self.process_ids,
            "recovered_chunks": self.recovered_chunks,
            "chunks": self.chunks,
            "records_total": self.records_total,
            "records_sent": self.records_sent,
            "records_already_acknowledged": self.records_already_acknowledged,
            "requests": self.requests,
            "inverters": self.inverters,
        }


@dataclass
class _Run:
    """What one ``execute`` sends with and writes to.

    :param earlier_try: whether an earlier try of this task instance started sending. Only then
        can the ledger hold anything about a chunk, so a first try does not read it per chunk:
        each read is a round trip to Airflow's API, paid between two rate-limit slots.
    """

    client: RedexClient
    ledger: CreationLedger
    prepared: PreparedPush
    report: PushReport
    earlier_try: bool
    unsettled: list[EncodedChunk] = field(default_factory=list)
    lost: RedexError | None = None
    failed: Exception | None = None


class RedexPushGenerationDataOperator(RedexBaseOperator):
    """Push daily or monthly generation data for a grouped device's inverters.

    Returns ``{process_ids, recovered_chunks, chunks, records_total, records_sent,
    records_already_acknowledged, requests, inverters}``; hand ``process_ids`` to
    ``RedexGenerationProcessSensor``. Each chunk is in ``process_ids`` (by the ProcessId REDEX
    returned) or in ``recovered_chunks`` (REDEX holds it but its answer was lost; see the module
    docstring), so ``len(process_ids) + len(recovered_chunks) == chunks``.

    :param source: a CSV, JSON-lines or Parquet file (local path or ``ObjectStoragePath``), or
        a small inline list of rows. Columns: ``RemoteInvId, Timestamp, PeriodProductionInKWh,
        AccumulatedEnergyInKWh`` (daily) or ``RemoteInvId, Year, Jan..Dec`` (monthly) (templated).
    :param frequency: ``daily`` (G1/G2) or ``monthly`` (G3), the grouped device's
        ``GenerationDataFrequency`` (templated).
    :param per_inverter: daily only: one inverter per request (G1) instead of requests filled
        across inverters (G2, the default and the fastest).
    :param file_format: ``csv``, ``jsonl`` or ``parquet`` when the suffix does not tell.
    :param progress_interval: seconds between progress lines (at most 10 by default).
    :param unacknowledged_chunk_wait: after a POST whose answer was lost (or a crash between a
        POST and storing its answer), how long to keep looking for that chunk's readings at
        REDEX before sending it again.
    :param max_in_flight: requests in flight at once (default 1: one after the other); 2 or 3
        on a link with a long round trip. Each still takes its rate-limit slot before it is
        sent; with several pushing processes keep the margin above the extra queueing.
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
        max_in_flight: int = PUSH_IN_FLIGHT,
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
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, not {max_in_flight}")
        self.max_in_flight = max_in_flight

    def execute(self, context: Context) -> dict[str, Any]:
        started = time.monotonic()
        prepared = self._prepare()
        try:
            self.log.info(
                "Input checked: %s %s records for %s inverters, in %s requests of at most %s records"
                " (read, checked and encoded in %.1f s)",
                f"{prepared.records:,}",
                self.frequency,
                len(prepared.inverters),
                len(prepared.chunks),
                f"{rules.MAX_RECORDS_PER_REQUEST:,}",
                time.monotonic() - started,
            )
            report = PushReport(
                chunks=len(prepared.chunks), records_total=prepared.records, inverters=len(prepared.inverters)
            )
            progress = ProgressReporter(prepared.records, self.log, interval=self.progress_interval)
            with self.redex_client() as client:
                run = _start(client, self.ledger(context), prepared, report)
                self._send_all(run, progress)
                self._settle(run)
        finally:
            prepared.close()
        self._log_summary(report)
        self.record_produced(context, *report.process_ids, frequency=self.frequency)
        return report.as_xcom()

    def _prepare(self) -> PreparedPush:
        if self.frequency not in ("daily", "monthly"):
            raise RedexRefusal(f"frequency must be 'daily' or 'monthly', not {self.frequency!r}")
        try:
            source = GenerationSource(self.source, self.file_format)
            return prepare_push(source, frequency=self.frequency, per_inverter=self.per_inverter)
        except GenerationInputError as err:
            raise RedexRefusal(f"generation data refused, nothing was sent: {err}") from None
        except PushRefused as err:
            raise RedexRefusal(str(err)) from None

    # --- sending ------------------------------------------------------------------------

    def _send_all(self, run: _Run, progress: ProgressReporter) -> None:
        """Every chunk not acknowledged yet, ``max_in_flight`` at a time, answers in input order.

        A chunk's intent is stored before it is submitted and its acknowledgement when its
        answer is taken, so a crash leaves at most ``max_in_flight`` chunks with an intent and
        no acknowledgement: the retry looks each of them up before sending it again. A refusal
        stops the submitting; the chunks already in flight are still acknowledged, then it is
        raised.
        """
        pipe: Pipeline[EncodedChunk, ProcessRef] = run.client.pipeline(self.max_in_flight)
        with pipe:
            for chunk in run.prepared.chunks:
                if self._acknowledged_earlier(run, chunk):
                    progress.advance(chunk.records)
                    continue
                while pipe.full:
                    self._take(run, pipe.take(), progress)
                if run.failed is not None:
                    break
                run.ledger.record_chunk_intent(chunk.index, chunk.fingerprint)
                run.report.requests += 1
                pipe.submit(chunk, self._sender(run, chunk))
            for answer in pipe.drain():
                self._take(run, answer, progress)
        if run.failed is not None:
            raise run.failed

    def _acknowledged_earlier(self, run: _Run, chunk: EncodedChunk) -> bool:
        """Whether an earlier try acknowledged ``chunk``, or a look-up finds its maybe-sent POST."""
        if not run.earlier_try:
            return False
        ack = run.ledger.chunk_ack(chunk.index)
        if ack is None and run.ledger.chunk_intent(chunk.index) == chunk.fingerprint:
            self.log.info("Chunk %s was maybe sent by an earlier try: looking for it at REDEX", chunk.index)
            ack = self._look_for(run, chunk)
        if isinstance(ack, dict) and ack.get("fingerprint") == chunk.fingerprint:
            run.report.records_already_acknowledged += chunk.records
            run.report.add(chunk, ack)
            return True
        return False

    def _take(self, run: _Run, answer: Answer[EncodedChunk, ProcessRef], progress: ProgressReporter) -> None:
        """Account for one chunk's answer: acknowledged, lost (settled later), or the push's failure."""
        chunk, error = answer.tag, answer.error
        if error is not None and not (isinstance(error, RedexError) and _answer_lost(error)):
            run.failed = run.failed or error
            return
        progress.advance(chunk.records)
        if error is not None or answer.value is None:
            run.lost = error or run.lost
            self.log.warning(
                "Chunk %s: the answer to its POST was lost (%s); it is looked for at REDEX once the "
                "other chunks are sent, while REDEX processes it",
                chunk.index,
                run.lost,
            )
            run.unsettled.append(chunk)
            return
        run.report.add(chunk, self._acknowledge(run, chunk, answer.value))
        run.report.records_sent += chunk.records

    def _settle(self, run: _Run) -> None:
        """Chunks whose answer was lost: found at REDEX, or sent again (a bounded number of times)."""
        for chunk in run.unsettled:
            ack = None
            for _ in range(MAX_SENDS_PER_CHUNK - 1):
                ack = self._look_for(run, chunk) or self._post(run, chunk)
                if ack is not None:
                    break
            if ack is None:
                raise run.lost or RuntimeError(f"chunk {chunk.index} could not be delivered")
            run.report.add(chunk, ack)
            run.report.records_sent += chunk.records

    def _sender(self, run: _Run, chunk: EncodedChunk) -> Callable[[], ProcessRef]:
        """The POST of ``chunk``, its body read now (a pipeline holds at most its depth of bodies)."""
        generation = run.client.generation
        send: Callable[[bytes], ProcessRef] = (
            generation.send_monthly
            if self.frequency == "monthly"
            else generation.send_daily
            if self.per_inverter
            else generation.send_batch
        )
        body = run.prepared.body(chunk)
        return lambda: send(body)

    def _post(self, run: _Run, chunk: EncodedChunk) -> dict[str, Any] | None:
        """POST the chunk once, alone: its acknowledgement (stored), or ``None`` when the answer was lost."""
        run.report.requests += 1
        try:
            ref = self._sender(run, chunk)()
        except RedexError as err:
            if not _answer_lost(err):
                raise
            run.lost = err
            return None
        return self._acknowledge(run, chunk, ref)

    def _acknowledge(self, run: _Run, chunk: EncodedChunk, ref: ProcessRef) -> dict[str, Any]:
        """Store the acknowledgement of a chunk's answer (a crash before this leaves only its intent)."""
        crash_point("generation_chunk")
        ack = {"process_id": ref.process_id, "fingerprint": chunk.fingerprint}
        run.ledger.record_chunk_ack(chunk.index, ack)
        return ack

    def _look_for(self, run: _Run, chunk: EncodedChunk) -> dict[str, Any] | None:
        """The chunk's acknowledgement when REDEX holds it (recorded in the ledger), else ``None``."""
        query = self._held_after_processing(run, chunk)
        if query is None:
            return None
        ack = {"process_id": None, "fingerprint": chunk.fingerprint, "found": True, "lookup": query}
        run.ledger.record_chunk_ack(chunk.index, ack)
        return ack

    def _held_after_processing(self, run: _Run, chunk: EncodedChunk) -> dict[str, Any] | None:
        """The G5 query that finds ``chunk`` at REDEX, asking again while a POST may still be processing."""
        if self.frequency != "daily":
            self.log.warning(
                "Chunk %s: REDEX cannot list monthly data by inverter; sending it again "
                "(a re-sent month overwrites, it never counts twice)",
                chunk.index,
            )
            return None
        query, wanted = _lookup_query(run.prepared.body(chunk), batch=not self.per_inverter)
        deadline = time.monotonic() + self.unacknowledged_chunk_wait
        failure: RedexError | None = None
        while True:
            try:
                if _held(run.client, query, wanted):
                    self.log.info("Chunk %s is held by REDEX already: not sending it again", chunk.index)
                    return query
            except RedexInputError:
                raise
            except RedexError as err:
                if failure is None:
                    self.log.warning("Chunk %s: the look-up cannot answer (%s)", chunk.index, err)
                failure = err
            left = deadline - time.monotonic()
            if left <= 0:
                reason = (
                    f"the look-up kept failing ({_brief(failure)})" if failure else "REDEX does not hold it"
                )
                self.log.warning(
                    "Chunk %s: %s after %s s; sending it again (a re-sent day overwrites, it never"
                    " counts twice)",
                    chunk.index,
                    reason,
                    self.unacknowledged_chunk_wait,
                )
                return None
            time.sleep(min(UNACKNOWLEDGED_CHUNK_POLL_SECONDS, self.unacknowledged_chunk_wait / 20, left))

    def _log_summary(self, report: PushReport) -> None:
        self.log.info(
            "Pushed %s of %s records in %s requests: %s of %s chunks have a ProcessId, %s were found "
            "at REDEX after their answer was lost; %s records were acknowledged in an earlier try",
            f"{report.records_sent:,}",
            f"{report.records_total:,}",
            report.requests,
            len(report.process_ids),
            report.chunks,
            len(report.recovered_chunks),
            f"{report.records_already_acknowledged:,}",
        )


def _start(client: RedexClient, ledger: CreationLedger, prepared: PreparedPush, report: PushReport) -> _Run:
    """Record that this try starts sending (the push's intent, with the fingerprint of all its
    chunks), and learn whether an earlier try did."""
    earlier_try = ledger.intent() is not None
    if not earlier_try:
        ledger.record_intent(body_fingerprint("".join(c.fingerprint for c in prepared.chunks).encode()))
    return _Run(client, ledger, prepared, report, earlier_try)


def _brief(error: RedexError) -> str:
    """An error in a few words, for a line that already says what happens next."""
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if status is not None else type(error).__name__


def _lookup_query(body: bytes, *, batch: bool) -> tuple[dict[str, Any], dict[date, Any]]:
    """The G5 query (as ``GenerationQuery.to_params`` writes it) for the first inverter of an
    encoded daily chunk, and the readings it must find."""
    decoded = wire_json.loads(body)
    if batch:
        device = BatchGenerationRequest.model_validate(decoded).devices[0]
    else:
        device = InverterDailyData.model_validate(decoded)
    readings = {r.timestamp: r.period_production_in_kwh for r in device.data}
    first = min(readings)
    last = min(max(readings), rules.add_months(first, rules.MAX_GENERATION_QUERY_MONTHS))  # BR12
    query = GenerationQuery(
        frequency_type=FrequencyType.DAILY, from_date=first, to_date=last, remote_inv_id=device.remote_inv_id
    ).to_params(exclude=_NOT_IN_LOOKUP)
    return query, {day: kwh for day, kwh in readings.items() if day <= last}


_LOOKUP_FIELDS = {"from_date", "to_date", "remote_inv_id"}
_NOT_IN_LOOKUP = set(GenerationQuery.model_fields) - _LOOKUP_FIELDS
_WIRE = {name: GenerationQuery.model_fields[name].alias or name for name in _LOOKUP_FIELDS}


def _held(client: RedexClient, query: dict[str, Any], wanted: dict[date, Any]) -> bool:
    """Whether REDEX holds every reading in ``wanted`` with the same value (G5)."""
    stored = client.generation.list(
        frequency_type=FrequencyType.DAILY, **{name: query[wire] for name, wire in _WIRE.items()}
    )
    held = {s.timestamp: s.period_production_in_kwh for s in stored if s.timestamp in wanted}
    return held == wanted
