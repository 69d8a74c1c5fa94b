"""Where a connection without ``rate_limit_storage`` keeps its rate budget: shared by default.

Each process of a deployment that talks to REDEX (Celery or local task processes, the
triggerer) must draw from one budget, or each counts its own 60 a minute and REDEX answers
429. ``memory://`` is one process only, so the hooks never default to it. Every process makes
the same choice from the same Airflow configuration:

1. **CeleryExecutor with a Redis broker**: the broker's Redis (``[celery] broker_url``). Every
   worker reaches it by construction, and the triggerer of such a deployment runs beside them.
2. **Otherwise**: an SQLite file in ``AIRFLOW_HOME`` (``redex_rate_budget.sqlite``), locked with
   ``BEGIN IMMEDIATE``: every process on this machine shares it (LocalExecutor, ``airflow
   standalone``, the docker-compose file with its shared volume).

Why not the metadata database: Airflow 3 hides its URL from task and trigger processes
(``sql_alchemy_conn`` reads ``airflow-db-not-allowed:///`` there, by design: tasks talk to the
API server), and those are the processes that call REDEX. Point ``rate_limit_storage`` at it
explicitly (``sql+postgresql://...``) if your workers may reach it.

What the default cannot cover: processes on several machines without a Redis broker (the
KubernetesExecutor, Celery on RabbitMQ): each machine's file is its own. Set
``rate_limit_storage`` to a Redis every pod reaches; the choice is logged once per process.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

BUDGET_FILE_NAME = "redex_rate_budget.sqlite"


@functools.lru_cache(maxsize=1)
def default_storage_uri() -> str:
    """The budget store of this deployment when the connection names none (computed once per process)."""
    from airflow.configuration import conf

    executor = conf.get("core", "executor", fallback="") or ""
    broker = conf.get("celery", "broker_url", fallback="") or ""
    if "CeleryExecutor" in executor and broker.split("://", 1)[0] in {"redis", "rediss"}:
        log.info("REDEX rate budget: shared through the Celery broker's Redis (no rate_limit_storage set)")
        return broker
    home = Path(os.environ.get("AIRFLOW_HOME") or conf.get("core", "airflow_home", fallback="~/airflow"))
    path = home.expanduser() / BUDGET_FILE_NAME
    log.info(
        "REDEX rate budget: shared through %s by the processes of this machine (no rate_limit_storage "
        "set); processes on other machines or pods do not see it: set rate_limit_storage to redis://",
        path,
    )
    return f"sql+sqlite:///{path}"
