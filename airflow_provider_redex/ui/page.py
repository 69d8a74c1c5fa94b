"""The page for one connection: REDEX's figures, Airflow's links and the budget, as HTML.

Only figures, names and REDEX's reasons reach the HTML, escaped by Jinja's autoescape; the
token stays in the connection and the client.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import jinja2

from airflow_provider_redex.client.models.common import LifecycleStatus
from airflow_provider_redex.ui import charts
from airflow_provider_redex.ui.airflow_links import AirflowFacts, TaskRef
from airflow_provider_redex.ui.budget import BudgetReading
from airflow_provider_redex.ui.snapshot import RedexSnapshot

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("airflow_provider_redex.ui", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class AppRow:
    """One application line: what REDEX says and which task made or waits on it."""

    number: str
    status: str
    tone: str
    age: str
    detail: str
    reason: str | None
    task: TaskRef | None
    task_role: str


@dataclass(frozen=True)
class AppKind:
    """One kind of application (device, REC, retirement): its table and counts by status."""

    key: str
    title: str
    detail: str
    rows: list[AppRow]

    @property
    def by_status(self) -> list[tuple[str, int]]:
        return sorted(Counter(row.status for row in self.rows).items())


def tone(status: str, kind: type[LifecycleStatus] | None = None) -> str:
    """CSS class for a status: success, failure or still open."""
    if kind is not None:
        try:
            value = kind(status)
        except ValueError:
            return ""
        return "ok" if value.is_success else "bad" if value.is_failure else "wait"
    return {"Success": "ok", "Failed": "bad"}.get(status, "wait")


def age(when: datetime | None, now: float) -> str:
    """``3 d``, ``5 h``, ``12 min`` or ``40 s`` since ``when``."""
    if when is None:
        return ""
    stamp = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    seconds = max(0.0, now - stamp.timestamp())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def _rows(items: Iterable[Any], facts: AirflowFacts, now: float, detail: Any) -> list[AppRow]:
    rows = []
    for item in items:
        key = str(item.id)
        waiting = facts.waited_on_by.get(key)
        made = facts.made_by.get(key)
        status = item.status.value
        rows.append(
            AppRow(
                number=item.application_number or key,
                status=status.value,
                tone=tone(status.value, type(status)),
                # R1 has no creation time: the age then counts from the task that made it.
                age=age(getattr(item, "created_time", None) or (made.when if made else None), now),
                detail=detail(item),
                reason=item.review_comment,
                task=waiting or made,
                task_role="waits on it" if waiting else "made it" if made else "",
            )
        )
    return rows


def applications(snapshot: RedexSnapshot, facts: AirflowFacts, now: float) -> list[AppKind]:
    """The three application tables, each row with its task in Airflow when one is known."""
    return [
        AppKind(
            "device-applications",
            "Device applications",
            "Device",
            _rows(snapshot.device_applications, facts, now, lambda a: a.grouped_english_name or ""),
        ),
        AppKind(
            "rec-applications",
            "REC applications",
            "RECs · vintage",
            _rows(
                snapshot.rec_applications,
                facts,
                now,
                lambda a: f"{a.quantity} · {a.vintage_from:%Y-%m-%d} to {a.vintage_to:%Y-%m-%d}",
            ),
        ),
        AppKind(
            "retirements",
            "Retirement applications",
            "RECs · beneficiary",
            _rows(snapshot.retirements, facts, now, lambda a: f"{a.amount} · {a.beneficiary_name or ''}"),
        ),
    ]


def certificates(snapshot: RedexSnapshot, facts: AirflowFacts, base: str) -> list[dict[str, Any]]:
    """Retirements with a certificate at REDEX or a stored copy, with links to both."""
    out = []
    for retirement in snapshot.retirements:
        stored = facts.certificates.get(retirement.application_number)
        if not (retirement.blob_content or stored):
            continue
        out.append(
            {
                "number": retirement.application_number,
                "beneficiary": retirement.beneficiary_name or "",
                "amount": retirement.amount,
                "completed": f"{retirement.completed_time:%Y-%m-%d %H:%M}"
                if retirement.completed_time
                else "",
                "redex_url": retirement.blob_content
                if (retirement.blob_content or "").startswith(("https://", "http://"))
                else None,
                "stored_path": stored.path if stored else "",
                "stored_href": f"{base}/certificates/{quote(retirement.application_number)}"
                if stored
                else "",
            }
        )
    return out


def _counts_since(budget: BudgetReading) -> str:
    """When the budget's history starts, if later than the hour the charts show."""
    partial = [w.held_since for w in budget.windows if not w.complete]
    return datetime.fromtimestamp(max(partial), timezone.utc).strftime("%H:%M:%S UTC") if partial else ""


def _process_status(process_id: int, snapshot: RedexSnapshot, facts: AirflowFacts) -> str:
    known = facts.settled_processes.get(process_id) or snapshot.process_statuses.get(process_id)
    return known or "not read yet"


def _totals(snapshot: RedexSnapshot) -> dict[str, Decimal]:
    inv = snapshot.inventory
    return {
        "available": sum((r.available for r in inv), Decimal(0)),
        "on_retirement": sum((r.on_retirement for r in inv), Decimal(0)),
        "retired": sum((r.retired for r in inv), Decimal(0)),
    }


def _budget_charts(budget: BudgetReading) -> list[str]:
    out = []
    for w in budget.windows:
        bars = [n for _, n in w.per_window()]
        minutes = f"{len(bars) * w.window_seconds / 60:g} min"
        label = f"{w.scope}: requests per {w.window_seconds:g} s window, last {minutes}"
        out.append(charts.window_bars(bars, w.limit, label, since=f"{minutes} ago"))
    return out


def render_page(
    *,
    conn_id: str,
    host: str,
    connections: Sequence[str],
    base: str,
    snapshot: RedexSnapshot,
    facts: AirflowFacts,
    budget: BudgetReading,
    ttl: float,
) -> str:
    """The connection's page as one HTML document."""
    now = time.time()
    conn_base = f"{base}/connections/{quote(conn_id, safe='')}"
    pushes = [
        {
            "task": p.task,
            "when": f"{p.task.when:%Y-%m-%d %H:%M}" if p.task.when else "",
            "records": p.records,
            "requests": p.requests,
            "processes": [(pid, _process_status(pid, snapshot, facts)) for pid in p.process_ids],
        }
        for p in facts.pushes
    ]
    windows = [
        {
            **{k: getattr(w, k) for k in ("scope", "window_seconds", "in_window", "limit", "wait_seconds")},
        }
        for w in budget.windows
    ]
    inventory_chart = charts.stacked_bars(
        [
            (f"{r.registry} {r.vintage} · {r.device}"[:28], r.available, r.on_retirement, r.retired)
            for r in snapshot.inventory
        ],
        "RECs by registry, vintage and device",
    )
    return _env.get_template("page.html").render(
        conn_id=conn_id,
        host=host,
        connections=connections,
        base=base,
        read_age=age(datetime.fromtimestamp(snapshot.read_at, timezone.utc), now),
        next_read=f"{max(0, int(snapshot.read_at + ttl - now))} s",
        error=snapshot.error,
        budget={
            "counts_since": _counts_since(budget),
            "windows": windows,
            "storage": budget.storage,
            "shared": budget.shared,
            "enabled": budget.enabled,
        },
        budget_charts=_budget_charts(budget),
        applications=applications(snapshot, facts, now),
        inventory=snapshot.inventory,
        inventory_chart=inventory_chart,
        totals=_totals(snapshot),
        pushes=pushes,
        tone=tone,
        certificates=certificates(snapshot, facts, conn_base),
    )


def render_index(*, base: str, connections: Sequence[str]) -> str:
    """The entry page: the ``redex`` connections this user may read."""
    return _env.get_template("index.html").render(base=base, connections=connections)
