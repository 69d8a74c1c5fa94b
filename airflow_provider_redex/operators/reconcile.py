"""Reconcile a device's period: input files against REDEX's records, sum, issuance, retirement.

The comparisons are in ``operators/reconciliation.py``. This operator runs them, writes the
report as Parquet and CSV next to each other in ``destination`` (an ``ObjectStoragePath``
folder), and then either emits an event on its outlets (a clean period) or fails naming every
mismatch. The report is written before the verdict, so a failed run leaves it to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.operators.base import RedexBaseOperator
from airflow_provider_redex.operators.parquet_output import ParquetSink, as_path, write_csv
from airflow_provider_redex.operators.reconciliation import (
    COLUMNS,
    ReportLine,
    as_row,
    reconcile,
    report_schema,
)

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

RECONCILIATION_ASSET = Asset(name="redex_reconciliation", uri="redex://reconciliation/reports")
"""Where a clean reconciliation is announced when the task has no outlets of its own."""

REPORT_NAME = "reconciliation"
MISMATCHES_NAMED = 50
"""Mismatches spelled out in the failure message; the report holds all of them."""


def write_report(lines: list[ReportLine], folder: Any) -> dict[str, str]:
    """``reconciliation.parquet`` and ``reconciliation.csv`` in ``folder``; their paths."""
    base = as_path(folder)
    parquet, csv = base / f"{REPORT_NAME}.parquet", base / f"{REPORT_NAME}.csv"
    with ParquetSink(parquet, report_schema()) as sink:
        sink.write(as_row(line) for line in lines)
    write_csv(csv, COLUMNS, (as_row(line) for line in lines))
    return {"parquet": str(parquet), "csv": str(csv)}


def mismatch_message(device_id: str, start: date, end: date, lines: list[ReportLine], report: str) -> str:
    """The failure text: how many, then each mismatch, then where the report is."""
    mismatches = [line for line in lines if line.is_mismatch]
    named = "\n".join(f"  - {line.describe()}" for line in mismatches[:MISMATCHES_NAMED])
    more = len(mismatches) - MISMATCHES_NAMED
    tail = f"\n  ... and {more} more" if more > 0 else ""
    return (
        f"device {device_id}, {start}..{end}: {len(mismatches)} mismatch(es)\n{named}{tail}\n"
        f"full report: {report}"
    )


class RedexReconcileOperator(RedexBaseOperator):
    """Reconcile one device over one period and fail naming each mismatch.

    Returns ``{parquet, csv, lines, mismatches: 0, device_id, vintage_from, vintage_to}`` and
    emits an event with the same ``extra`` on each outlet (default: the Asset
    ``redex_reconciliation``) when nothing is amiss.

    :param device_id: the approved device (REDEX's device id) (templated).
    :param vintage_from: first day, ``YYYY-MM-DD`` (templated).
    :param vintage_to: last day, ``YYYY-MM-DD`` (templated).
    :param sources: the input files the push read (paths, ``ObjectStoragePath`` or URLs), or one
        of them (templated).
    :param destination: the folder for the report (an ``ObjectStoragePath`` or URL/path) (templated).
    :param file_format: ``csv``, ``jsonl`` or ``parquet``; from each file's suffix when omitted.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    template_fields: Sequence[str] = (
        "device_id",
        "vintage_from",
        "vintage_to",
        "sources",
        "destination",
        "file_format",
        "redex_conn_id",
    )

    def __init__(
        self,
        *,
        device_id: str,
        vintage_from: str,
        vintage_to: str,
        sources: str | ObjectStoragePath | Sequence[str | ObjectStoragePath],
        destination: str | ObjectStoragePath,
        file_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("outlets", [RECONCILIATION_ASSET])
        super().__init__(**kwargs)
        self.device_id = device_id
        self.vintage_from = vintage_from
        self.vintage_to = vintage_to
        self.sources = sources
        self.destination = destination
        self.file_format = file_format

    def execute(self, context: Context) -> dict[str, Any]:
        start, end = date.fromisoformat(str(self.vintage_from)), date.fromisoformat(str(self.vintage_to))
        with self.redex_client() as client:
            lines = reconcile(client, str(self.device_id), start, end, self._sources(), self.file_format)
        paths = write_report(lines, self.destination)
        mismatches = sum(line.is_mismatch for line in lines)
        self.log.info("Reconciled %s lines, %s mismatch(es); report in %s", len(lines), mismatches, paths)
        if mismatches:
            raise AirflowFailException(
                mismatch_message(str(self.device_id), start, end, lines, paths["parquet"])
            )
        summary: dict[str, Any] = {
            **paths,
            "lines": len(lines),
            "mismatches": 0,
            "device_id": str(self.device_id),
            "vintage_from": start.isoformat(),
            "vintage_to": end.isoformat(),
        }
        for outlet in self.outlets:
            if isinstance(outlet, Asset):
                context["outlet_events"][outlet].extra = summary
        return summary

    def _sources(self) -> list[Any]:
        if isinstance(self.sources, (str, bytes)) or not isinstance(self.sources, Sequence):
            return [self.sources]
        return list(self.sources)
