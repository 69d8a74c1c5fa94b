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

Processes on several machines without a Redis broker (the KubernetesExecutor, Celery on
RabbitMQ) cannot share a file: each machine's is its own. There each process gets a **fixed
share** instead: the limits divided by ``[core] parallelism`` (the most task processes Airflow
runs at once) plus one for the triggerer, at least one request per window. That never exceeds
REDEX's limits, and it is slow on purpose: set ``rate_limit_storage`` to a Redis every pod
reaches to use the whole budget. The choice is logged once per process.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

BUDGET_FILE_NAME = "redex_rate_budget.sqlite"
ONE_MACHINE_EXECUTORS = frozenset({"LocalExecutor", "SequentialExecutor"})
"""Executors whose task processes all run on the scheduler's machine (and so share its file)."""


@functools.lru_cache(maxsize=1)
def default_storage_uri() -> str:
    """The budget store of this deployment when the connection names none (computed once per process)."""
    from airflow.configuration import conf

    broker = _redis_broker()
    if broker is not None:
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


@functools.lru_cache(maxsize=1)
def default_shares() -> int:
    """Into how many equal shares a process divides the limits when it uses the default store.

    1 when every process of the deployment shares the default store (one machine, or Celery's
    Redis); otherwise ``[core] parallelism`` + 1 (see the module's docstring).
    """
    from airflow.configuration import conf

    executors = {
        name.strip().rsplit(".", 1)[-1].split(":", 1)[-1]
        for name in (conf.get("core", "executor", fallback="") or "LocalExecutor").split(",")
    }
    if executors <= ONE_MACHINE_EXECUTORS or _redis_broker() is not None:
        return 1
    shares = conf.getint("core", "parallelism", fallback=32) + 1
    log.warning(
        "REDEX rate budget: executor %s may run tasks on several machines and no Redis is configured: "
        "each process paces at 1/%d of REDEX's limits so that together they never exceed them; "
        "set rate_limit_storage to a redis:// URL every worker and the triggerer reach to use the "
        "whole budget",
        ",".join(sorted(executors)),
        shares,
    )
    return shares


def _redis_broker() -> str | None:
    """The Celery broker's URL when the deployment runs Celery on Redis."""
    from airflow.configuration import conf

    executor = conf.get("core", "executor", fallback="") or ""
    broker = conf.get("celery", "broker_url", fallback="") or ""
    if "CeleryExecutor" in executor and broker.split("://", 1)[0] in {"redis", "rediss"}:
        return broker
    return None
