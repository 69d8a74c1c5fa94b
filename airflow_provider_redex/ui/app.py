"""The REDEX pages, served by Airflow's api-server under :data:`URL_PREFIX`.

Access follows Airflow's auth manager, through the api-server's own dependencies: the entry
page lists only the ``redex`` connections the user may read, and a connection's page (and its
stored certificates) answers 403 to a user who may not read that connection. Task links are
shown only for DAGs the user may read.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import ConnectionDetails
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_connection
from airflow.configuration import AIRFLOW_HOME
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from airflow_provider_redex.client.pacing import RateBudget
from airflow_provider_redex.provider_info import CONNECTION_TYPE
from airflow_provider_redex.ui.budget import BudgetHistory, BudgetReading, read_budget
from airflow_provider_redex.ui.plugin import URL_PREFIX
from airflow_provider_redex.ui.snapshot import SnapshotCache

ENV_PREFIX = "AIRFLOW_CONN_"


def _client_for(conn_id: str) -> Any:
    from airflow_provider_redex.hooks.redex import RedexHook

    return RedexHook(conn_id).get_client()


snapshots = SnapshotCache(_client_for, shared_dir=Path(AIRFLOW_HOME) / "redex_ui_cache")
"""One REDEX read per connection a minute, shared by every viewer and every api-server worker."""
_histories: dict[str, BudgetHistory] = {}
_histories_lock = threading.Lock()


def _history_for(conn_id: str, budget: RateBudget) -> BudgetHistory:
    """The connection's budget history, sampled from the first view on (anew if its budget changed)."""
    with _histories_lock:
        history = _histories.get(conn_id)
        if history is None or not history.follows(budget):
            history = _histories[conn_id] = BudgetHistory(budget).start()
        return history


# The api-server's own check: 403 unless the user may read the connection in the path.
CONNECTION_ACCESS = [Depends(requires_access_connection("GET"))]


def redex_connection_ids() -> list[str]:
    """Every ``redex`` connection: in the metadata database and in ``AIRFLOW_CONN_*`` variables."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        ids = set(session.scalars(select(Connection.conn_id).where(Connection.conn_type == CONNECTION_TYPE)))
    for name, value in os.environ.items():
        if name.startswith(ENV_PREFIX) and _env_conn_type(value) == CONNECTION_TYPE:
            ids.add(name.removeprefix(ENV_PREFIX).lower())
    return sorted(ids)


def _env_conn_type(value: str) -> str | None:
    text = value.strip()
    if text.startswith("{"):
        try:
            return str(json.loads(text).get("conn_type") or "").replace("-", "_") or None
        except (ValueError, AttributeError):
            return None
    return text.split("://", 1)[0].replace("-", "_") if "://" in text else None


def _is_redex_elsewhere(conn_id: str) -> bool:
    """A ``redex`` connection kept in a secrets backend (those cannot be listed, only looked up)."""
    from airflow.providers.common.compat.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id).conn_type == CONNECTION_TYPE
    except Exception:  # not found anywhere
        return False


def _readable(user: Any, conn_ids: list[str]) -> list[str]:
    manager = get_auth_manager()
    return [
        c
        for c in conn_ids
        if manager.is_authorized_connection(method="GET", details=ConnectionDetails(conn_id=c), user=user)
    ]


def _readable_dags(user: Any) -> set[str]:
    return set(get_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def create_app() -> FastAPI:
    """The FastAPI app the plugin mounts under :data:`URL_PREFIX`."""
    app = FastAPI(title="REDEX", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse)
    def index(user: GetUserDep) -> Response:
        from airflow_provider_redex.ui.page import render_index

        readable = _readable(user, redex_connection_ids())
        if len(readable) == 1:  # the usual deployment: straight to its page
            return RedirectResponse(f"{URL_PREFIX}/connections/{quote(readable[0], safe='')}")
        return HTMLResponse(render_index(base=URL_PREFIX, connections=readable))

    @app.get("/connections/{connection_id}", response_class=HTMLResponse, dependencies=CONNECTION_ACCESS)
    def connection_page(connection_id: str, user: GetUserDep) -> HTMLResponse:
        return HTMLResponse(_render(connection_id, user))

    @app.get("/connections/{connection_id}/certificates/{application_number}", dependencies=CONNECTION_ACCESS)
    def stored_certificate(connection_id: str, application_number: str, user: GetUserDep) -> Response:
        return _certificate(connection_id, application_number, user)

    return app


def _render(conn_id: str, user: Any) -> str:
    from airflow_provider_redex.ui.airflow_links import read_airflow_facts
    from airflow_provider_redex.ui.page import render_page

    conn_ids = redex_connection_ids()
    if conn_id not in conn_ids and not _is_redex_elsewhere(conn_id):
        raise HTTPException(404, f"no {CONNECTION_TYPE} connection {conn_id!r}")
    facts = read_airflow_facts(conn_id).visible_to(_readable_dags(user))
    unsettled = [p for push in facts.pushes for p in push.process_ids if p not in facts.settled_processes]
    snapshot = snapshots.get(conn_id, unsettled)
    try:
        client = _client_for(conn_id)  # builds no request: its budget and base URL are what we read
    except ValueError:  # an unusable connection: the snapshot's error already says why
        budget, host = BudgetReading(storage="-", shared=True, enabled=False, windows=()), "-"
    else:
        try:
            budget = read_budget(client.rate_budget, _history_for(conn_id, client.rate_budget))
            host = client.base_url
        finally:
            client.close()
    return render_page(
        conn_id=conn_id,
        host=host,
        connections=_readable(user, conn_ids),
        base=URL_PREFIX,
        snapshot=snapshot,
        facts=facts,
        budget=budget,
        ttl=snapshots.ttl,
    )


def _certificate(conn_id: str, application_number: str, user: Any) -> Response:
    """The certificate PDF where ``RedexDownloadRetirementCertificateOperator`` stored it."""
    from airflow.sdk import ObjectStoragePath

    from airflow_provider_redex.ui.airflow_links import read_airflow_facts

    stored = read_airflow_facts(conn_id).visible_to(_readable_dags(user)).certificates.get(application_number)
    if stored is None or not stored.path:
        raise HTTPException(404, f"no stored certificate for retirement {application_number!r}")
    path = ObjectStoragePath(stored.path)
    # The path comes from a task's XCom: serve only what is a PDF, never any other file.
    if path.suffix.lower() != ".pdf" or not path.exists():
        raise HTTPException(404, f"no certificate PDF of {application_number!r} at {stored.path}")
    content = path.read_bytes()
    if not content.startswith(b"%PDF-"):
        raise HTTPException(404, f"{stored.path} is not a PDF")
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{application_number}.pdf"'},
    )
