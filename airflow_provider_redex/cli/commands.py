"""``airflow redex ...``: what the operator of a deployment asks about REDEX from a shell.

* ``budget``: each REDEX connection's live request budget, read from the shared pacing store;
* ``application NUMBER``: the status of a device, REC or retirement application by its number;
* ``reconcile``: the reconciliation of ``RedexReconcileOperator``, without a DAG.

Every command takes ``--output table|json|yaml|plain`` (Airflow's own ``-o``). Connections are
read the way tasks read them (environment, secrets backends, the metadata database).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.provider_info import CONNECTION_TYPE

if TYPE_CHECKING:
    from airflow_provider_redex.client.client import RedexClient

DEFAULT_CONN_ID = "redex_default"


def _print(rows: Sequence[dict[str, Any]], output: str) -> None:
    plain = [{key: _plain(value) for key, value in row.items()} for row in rows]
    if output == "json":
        # Airflow's console turns every value into text; numbers and nulls stay typed here.
        print(json.dumps(plain, indent=2))
        return
    from airflow.cli.simple_table import AirflowConsole

    AirflowConsole().print_as(data=plain, output=output)


def _plain(value: Any) -> Any:
    """JSON-friendly and exact: decimals and dates as text."""
    if isinstance(value, (Decimal, date)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


@contextmanager
def _client(conn_id: str) -> Iterator[RedexClient]:
    from airflow_provider_redex.hooks.redex import RedexHook

    client = RedexHook(redex_conn_id=conn_id).get_client()
    try:
        yield client
    finally:
        client.close()


# --- budget ---------------------------------------------------------------------------------------


def redex_conn_ids() -> list[str]:
    """The ``redex`` connections in the metadata database, plus ``redex_default`` when it resolves."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        ids = list(session.scalars(select(Connection.conn_id).where(Connection.conn_type == CONNECTION_TYPE)))
    if DEFAULT_CONN_ID not in ids:
        try:
            Connection.get_connection_from_secrets(DEFAULT_CONN_ID)
            ids.append(DEFAULT_CONN_ID)
        except Exception:  # not configured anywhere (Airflow raises its own not-found): nothing to show
            pass
    return sorted(ids)


def budget_rows(conn_id: str) -> list[dict[str, Any]]:
    """One row per rate window of the connection's account."""
    from airflow.models.connection import Connection

    from airflow_provider_redex.cli.budget import budget_use, is_shared
    from airflow_provider_redex.client.base_client import account_key_for, api_host
    from airflow_provider_redex.hooks.connection import client_settings

    conn = Connection.get_connection_from_secrets(conn_id)
    settings = client_settings(conn, conn.extra_dejson)
    key = account_key_for(settings.pacing, settings.credentials)
    host = api_host(settings.base_url)
    storage = settings.pacing.storage_uri
    return [
        {
            "conn_id": conn_id,
            "api_host": host,
            "account": key,
            "window": use.window,
            "limit": use.limit,
            "window_seconds": use.window_seconds,
            "used": use.used,
            "remaining": use.remaining,
            "resets_in_seconds": use.resets_in_seconds,
            "storage": storage if is_shared(storage) else f"{storage} (per process: not visible here)",
        }
        for use in budget_use(settings.pacing, api_host=host, account_key=key)
    ]


def budget(args: argparse.Namespace) -> None:
    """``airflow redex budget``."""
    conn_ids = args.conn_id or redex_conn_ids()
    if not conn_ids:
        sys.exit(f"no {CONNECTION_TYPE!r} connection found; pass --conn-id")
    _print([row for conn_id in conn_ids for row in budget_rows(conn_id)], args.output)


# --- application ----------------------------------------------------------------------------------


def find_application(client: RedexClient, number: str) -> dict[str, Any] | None:
    """The device, REC or retirement application with this number (REDEX's numbers do not say
    which kind, so each list is searched in turn, by REDEX's own ``Search``)."""
    lists = (
        ("device", client.device_applications.list),
        ("rec", client.rec_applications.list),
        ("retirement", client.retirements.list),
    )
    for kind, list_applications in lists:
        for application in list_applications(search=number):
            if application.application_number == number:
                status = application.status
                return {
                    "kind": kind,
                    "application_number": number,
                    "id": str(application.id),
                    "status": status.value.value,
                    "terminal": status.value.is_terminal,
                    "review_comment": getattr(application, "review_comment", None),
                }
    return None


def application(args: argparse.Namespace) -> None:
    """``airflow redex application NUMBER``."""
    with _client(args.conn_id) as client:
        found = find_application(client, args.number)
    if found is None:
        sys.exit(f"no device, REC or retirement application numbered {args.number!r} on {args.conn_id!r}")
    _print([found], args.output)


# --- reconcile ------------------------------------------------------------------------------------


def reconcile(args: argparse.Namespace) -> None:
    """``airflow redex reconcile``: exits 1 when anything does not line up."""
    from airflow_provider_redex.operators.reconcile import write_report
    from airflow_provider_redex.operators.reconciliation import as_row
    from airflow_provider_redex.operators.reconciliation import reconcile as run

    start, end = date.fromisoformat(args.vintage_from), date.fromisoformat(args.vintage_to)
    with _client(args.conn_id) as client:
        lines = run(client, args.device_id, start, end, args.source, args.file_format)
    paths = write_report(lines, args.report_dir) if args.report_dir else {}
    shown = lines if args.all else [line for line in lines if line.is_mismatch]
    _print([as_row(line) for line in shown], args.output)
    mismatches = sum(line.is_mismatch for line in lines)
    where = f"; report: {paths['parquet']}" if paths else ""
    print(f"{len(lines)} line(s), {mismatches} mismatch(es){where}", file=sys.stderr)
    if mismatches:
        sys.exit(1)
