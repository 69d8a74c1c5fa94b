"""Start and stop the REDEX sandbox and real Airflow 3 components as native processes.

Purpose
    One place that knows how to run this provider for real on one machine, without Docker:
    the demo (``devtools/demo.py``), the end-to-end tests and the benchmarks all start the same
    stack, so what the tests prove is what the demo shows.

How it works
    Every stack lives in its own scratch directory (``AIRFLOW_HOME`` under ``.demo/`` by
    default) with its own free ports, its own JWT secret and, for PostgreSQL, its own freshly
    created database, so several stacks (another engineer's test run, say) can run side by side.
    Airflow is configured only through ``AIRFLOW__*`` environment variables and the
    ``redex_default`` connection only through ``AIRFLOW_CONN_REDEX_DEFAULT`` (JSON), which is
    exactly what a user changes to point the DAGs at the real API. Each component runs in its
    own session (process group) with its output in ``<home>/logs/<component>.log``, so
    :meth:`Stack.stop` ends precisely what this stack started and nothing else.

What it does not do
    It does not install anything: the interpreter running it must have Airflow and this
    provider (``python3 scripts/dev.py`` sets that up). It does not tune Airflow for production;
    the settings favour a fast, observable local run (e.g. ``simple_auth_manager_all_admins``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from devtools.processes import (
    ManagedProcess,
    StackError,
    free_port,
    port_open,
    stop_on_signals,
    wait_for,
)
from devtools.services import PostgresDatabase, redis_available

__all__ = [
    "DAGS_FOLDER",
    "DEMO_ROOT",
    "REPO_ROOT",
    "ManagedProcess",
    "PostgresDatabase",
    "Stack",
    "StackConfig",
    "StackError",
    "free_port",
    "port_open",
    "redis_available",
    "running_stack",
    "wait_for",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = REPO_ROOT / "dags"
DEMO_ROOT = REPO_ROOT / ".demo"
SANDBOX_TOKEN = "sandbox-demo-token"
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# Their log servers listen on every interface (Airflow hard-codes the host); every component of a
# stack shares one machine and one log folder, so the api-server reads the files directly and
# these run without a log server: nothing the stack starts listens beyond loopback.
LOG_SERVING_COMPONENTS = ("scheduler", "triggerer")


@dataclass
class StackConfig:
    """What kind of stack to run. The defaults are the demo's: SQLite, LocalExecutor, one machine.

    :param home: scratch directory; ``AIRFLOW_HOME`` is ``home/airflow``. Created, never reused
        unless ``keep_home`` is set.
    :param executor: ``LocalExecutor`` or ``CeleryExecutor``.
    :param database: ``None`` for SQLite in ``home``, or a :class:`PostgresDatabase`.
    :param celery_workers: how many ``airflow celery worker`` processes to start (CeleryExecutor).
    :param broker_url: Celery broker (Redis); a unique queue name keeps concurrent stacks apart.
    :param rate_limit_storage: ``redex_default``'s ``rate_limit_storage`` extra (e.g. ``redis://``)
        so every task, trigger and worker shares one request budget.
    :param sandbox_time_scale: the sandbox's ``--time-scale``: rate windows and delays shrink by it.
    :param sandbox_approve_after: the sandbox's ``--approve-after`` (seconds, before scaling).
    :param connection_extra: further extras for ``redex_default`` (rate policies, timeouts).
    :param extra_env: further environment for every Airflow process (``AIRFLOW__*`` settings,
        ``REDEX_EXAMPLE_POLL_SECONDS``), applied last.
    """

    home: Path = field(default_factory=lambda: DEMO_ROOT / f"stack-{uuid.uuid4().hex[:8]}")
    executor: str = "LocalExecutor"
    database: PostgresDatabase | None = None
    celery_workers: int = 0
    broker_url: str = "redis://127.0.0.1:6379/0"
    rate_limit_storage: str | None = None
    sandbox_time_scale: float | None = None
    sandbox_approve_after: float | None = None
    sandbox_args: Sequence[str] = ()
    token: str = SANDBOX_TOKEN
    connection_extra: Mapping[str, Any] = field(default_factory=dict)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    parallelism: int = 8
    keep_home: bool = False
    dags_folder: Path = DAGS_FOLDER


class Stack:
    """The sandbox plus Airflow's components, for one run. Use as a context manager.

    ``start()`` brings up the sandbox, migrates the metadata DB and starts the components;
    :meth:`start_sandbox` and :meth:`migrate` alone are enough for ``airflow dags test``.
    """

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.home = self.config.home.resolve()
        self.sandbox_port = free_port()
        self.api_port = free_port()
        self.run_id = uuid.uuid4().hex[:8]
        self.processes: dict[str, ManagedProcess] = {}
        self._jwt_secret = secrets.token_urlsafe(32)
        # A Fernet key is 32 random bytes, URL-safe base64 (what Fernet.generate_key() returns).
        self._fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self._session = requests.Session()

    # ---- addresses ------------------------------------------------------------------------

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def celery_queue(self) -> str:
        return f"redex-{self.run_id}"

    # ---- environment ----------------------------------------------------------------------

    def connection(self) -> dict[str, Any]:
        """``redex_default`` as Airflow reads it from ``AIRFLOW_CONN_REDEX_DEFAULT``."""
        extra: dict[str, Any] = {"account_key": f"stack-{self.run_id}"}
        scale = self.config.sandbox_time_scale
        if scale is not None:
            # The sandbox shrinks REDEX's windows by its time scale; pace against the same windows,
            # or the client would be needlessly slow and the budget tests would prove nothing.
            extra.update(
                {
                    "account_window_seconds": 60 * scale,
                    "ip_window_seconds": 300 * scale,
                    "pacing_margin_seconds": 0.25,
                }
            )
        extra.update(self.config.connection_extra)
        if self.config.rate_limit_storage:
            extra["rate_limit_storage"] = self.config.rate_limit_storage
        return {"conn_type": "redex", "host": self.sandbox_url, "password": self.config.token, "extra": extra}

    def env(self) -> dict[str, str]:
        """The complete environment every Airflow process of this stack runs with."""
        bin_dir = str(Path(sys.executable).parent)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
        db_url = (
            self.config.database.url
            if self.config.database
            else f"sqlite:///{self.airflow_home / 'airflow.db'}"
        )
        env.update(
            {
                "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                # The repo root first, so components import this checkout's provider and DAG helpers
                # even when the interpreter has the provider installed from elsewhere.
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
                "AIRFLOW_HOME": str(self.airflow_home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.config.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": self.config.executor,
                "AIRFLOW__CORE__PARALLELISM": str(self.config.parallelism),
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                # A local dev stack: everyone is admin, so the UI and REST API need no login.
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__API__BASE_URL": self.api_url,
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                # Every component must sign and check task tokens with the same secret.
                "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
                "AIRFLOW__API__SECRET_KEY": self._jwt_secret,
                # And encrypt and decrypt with one key: without one, each process that finds no
                # airflow.cfg writes one with a key of its own, and when the components start
                # together (a home whose metadata DB was copied, not migrated here) the triggerer
                # can read a trigger's kwargs the scheduler encrypted with another key.
                "AIRFLOW__CORE__FERNET_KEY": self._fernet_key,
                "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "True",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                # The connection form's Test button (Airflow ships it disabled).
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW_CONN_REDEX_DEFAULT": json.dumps(self.connection()),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.config.executor == "CeleryExecutor":
            if self.config.database is None:
                raise StackError("CeleryExecutor needs a PostgreSQL metadata database")
            env.update(
                {
                    "AIRFLOW__CELERY__BROKER_URL": self.config.broker_url,
                    "AIRFLOW__CELERY__RESULT_BACKEND": self.config.database.celery_result_backend,
                    # Our own queue: other stacks may use the same Redis broker at the same time.
                    "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.celery_queue,
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                }
            )
        env.update(self.config.extra_env)
        return env

    # ---- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def prepare_home(self) -> None:
        if self.home.exists() and not self.config.keep_home:
            shutil.rmtree(self.home)
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        self.airflow_home.mkdir(parents=True, exist_ok=True)

    def start(self, *, components: Sequence[str] = AIRFLOW_COMPONENTS, timeout: float = 180.0) -> None:
        """Everything, healthy: sandbox, migrated DB, components (and Celery workers)."""
        self.start_sandbox()
        self.migrate()
        self.start_airflow(components)
        self.wait_healthy(timeout=timeout)

    def start_sandbox(self, timeout: float = 60.0) -> None:
        if not self.home.exists() or not (self.home / "logs").exists():
            self.prepare_home()
        argv = [
            sys.executable,
            "-m",
            "airflow_provider_redex.sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.sandbox_port),
            "--token",
            self.config.token,
        ]
        if self.config.sandbox_time_scale is not None:
            argv += ["--time-scale", str(self.config.sandbox_time_scale)]
        if self.config.sandbox_approve_after is not None:
            argv += ["--approve-after", str(self.config.sandbox_approve_after)]
        argv += list(self.config.sandbox_args)
        proc = self._spawn("sandbox", argv, self.env())
        wait_for(
            "the REDEX sandbox", lambda: port_open(self.sandbox_port), timeout=timeout, alive=proc.check_alive
        )

    def migrate(self, timeout: float = 300.0) -> None:
        """Create the metadata schema (``airflow db migrate``)."""
        if not self.home.exists():
            self.prepare_home()
        self.airflow("db", "migrate", timeout=timeout)

    def start_airflow(self, components: Sequence[str] = AIRFLOW_COMPONENTS) -> None:
        env = self.env()
        for component in components:
            argv = ["airflow", component]
            if component == "api-server":
                argv += ["--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1"]
            if component in LOG_SERVING_COMPONENTS:
                argv.append("--skip-serve-logs")
            self._spawn(component, argv, env)
        for index in range(self.config.celery_workers):
            self._spawn(
                f"celery-worker-{index}",
                [
                    "airflow",
                    "celery",
                    "worker",
                    "--queues",
                    self.celery_queue,
                    "--concurrency",
                    "2",
                    "--celery-hostname",
                    f"worker{index}-{self.run_id}@%h",
                    "--skip-serve-logs",
                ],
                env,
            )

    def wait_healthy(self, timeout: float = 180.0) -> dict[str, Any]:
        """Until the api-server reports the scheduler, dag-processor and triggerer heartbeating."""

        def healthy() -> dict[str, Any] | None:
            health: dict[str, Any] = self._session.get(
                f"{self.api_url}/api/v2/monitor/health", timeout=5
            ).json()
            wanted = ["metadatabase", "scheduler", "triggerer", "dag_processor"]
            ok = all(health.get(key, {}).get("status") == "healthy" for key in wanted)
            return health if ok else None

        return wait_for(
            "Airflow components to report healthy",
            healthy,
            timeout=timeout,
            interval=1.0,
            alive=self.check_alive,
        )

    def check_alive(self) -> None:
        for proc in self.processes.values():
            proc.check_alive()

    def stop(self) -> None:
        """Stop every process this stack started, newest first, and drop its database."""
        for proc in reversed(list(self.processes.values())):
            proc.stop()
        if self.config.database is not None:
            with contextlib.suppress(Exception):
                self.config.database.drop()

    def _spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> ManagedProcess:
        proc = ManagedProcess(name, argv, env, self.home / "logs" / f"{name}.log", cwd=REPO_ROOT)
        proc.start()
        self.processes[name] = proc
        return proc

    # ---- talking to the stack --------------------------------------------------------------

    def airflow(
        self, *args: str, timeout: float = 600.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run an ``airflow`` CLI command in this stack's environment; output in the result."""
        result = subprocess.run(
            ["airflow", *args],
            env=self.env(),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        log = self.home / "logs" / "cli.log"
        with log.open("a") as fh:
            fh.write(
                f"$ airflow {' '.join(args)}\n-> {result.returncode}\n{result.stdout}\n{result.stderr}\n"
            )
        if check and result.returncode != 0:
            raise StackError(
                f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n"
                f"{result.stderr[-4000:]}"
            )
        return result

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call Airflow's REST API (``/api/v2`` + ``path``); all-admins auth needs no token."""
        response = self._session.request(method, f"{self.api_url}/api/v2{path}", timeout=30, **kwargs)
        if response.status_code >= 400:
            raise StackError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def sandbox_admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the sandbox's admin API (``/sandbox/`` + ``path``)."""
        response = self._session.request(
            method, f"{self.sandbox_url}/sandbox/{path.lstrip('/')}", timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    # ---- DAG runs through the REST API -----------------------------------------------------

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Until the dag-processor has parsed and serialized ``dag_id``."""

        def parsed() -> dict[str, Any] | None:
            response = self._session.get(f"{self.api_url}/api/v2/dags/{dag_id}", timeout=10)
            return response.json() if response.status_code == 200 else None

        return wait_for(
            f"DAG {dag_id} to be parsed", parsed, timeout=timeout, interval=1.0, alive=self.check_alive
        )

    def import_errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.api("GET", "/importErrors")["import_errors"]
        return errors

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        run = self.api(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": dict(conf or {})}
        )
        return str(run["dag_run_id"])

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = self.api(
            "GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "run_after", "limit": 100}
        )["dag_runs"]
        return runs

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        tis: list[dict[str, Any]] = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")[
            "task_instances"
        ]
        return tis

    def wait_for_runs(
        self,
        dag_id: str,
        *,
        count: int = 1,
        timeout: float = 600.0,
        on_poll: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Until ``dag_id`` has ``count`` finished runs; fails at once if a run failed."""

        def finished() -> list[dict[str, Any]] | None:
            runs = self.dag_runs(dag_id)
            if on_poll is not None:
                on_poll(runs)
            failed = [r for r in runs if r["state"] == "failed"]
            if failed:
                raise StackError(
                    f"{dag_id} run {failed[0]['dag_run_id']} failed: {self.describe_run(failed[0])}"
                )
            done = [r for r in runs if r["state"] == "success"]
            return done if len(done) >= count else None

        return wait_for(
            f"{count} successful run(s) of {dag_id}",
            finished,
            timeout=timeout,
            interval=2.0,
            alive=self.check_alive,
        )

    def describe_run(self, run: Mapping[str, Any]) -> str:
        tis = self.task_instances(run["dag_id"], run["dag_run_id"])
        return ", ".join(f"{ti['task_id']}={ti['state']}" for ti in tis)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        response = self._session.get(
            f"{self.api_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            headers={"Accept": "text/plain"},
            timeout=30,
        )
        return response.text

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """A task's XCom value as JSON data, or ``None`` when it pushed none (skipped, say)."""
        response = self._session.get(
            f"{self.api_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            params={"deserialize": "true", "stringify": "false"},
            timeout=10,
        )
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise StackError(
                f"XCom {dag_id}/{run_id}/{task_id}/{key} -> {response.status_code}: {response.text[:300]}"
            )
        return response.json()["value"]

    def variable(self, key: str) -> str | None:
        response = self._session.get(f"{self.api_url}/api/v2/variables/{key}", timeout=10)
        return str(response.json()["value"]) if response.status_code == 200 else None


@contextlib.contextmanager
def running_stack(config: StackConfig | None = None, **start: Any) -> Iterator[Stack]:
    """A started stack that is stopped however the block ends."""
    stack = Stack(config)
    try:
        stack.prepare_home()
        stack.start(**start)
        yield stack
    finally:
        stack.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m devtools.stack``: bring a stack up for hands-on DAG work; Ctrl-C stops it."""
    import argparse

    parser = argparse.ArgumentParser(description="Run the REDEX sandbox and Airflow natively until Ctrl-C.")
    parser.add_argument("--home", type=Path, default=DEMO_ROOT / "dev", help="scratch directory (emptied)")
    parser.add_argument("--time-scale", type=float, default=0.1, help="the sandbox's --time-scale")
    parser.add_argument("--approve-after", type=float, default=100.0, help="the sandbox's --approve-after")
    parser.add_argument("--poll-seconds", default="2", help="REDEX_EXAMPLE_POLL_SECONDS for the example DAGs")
    args = parser.parse_args(argv)
    config = StackConfig(
        home=args.home,
        sandbox_time_scale=args.time_scale,
        sandbox_approve_after=args.approve_after,
        extra_env={"REDEX_EXAMPLE_POLL_SECONDS": args.poll_seconds},
    )
    # SIGTERM and SIGHUP stop the stack the way Ctrl-C does.
    with stop_on_signals(), Stack(config) as stack:
        stack.prepare_home()
        stack.start()
        print(f"Airflow UI     {stack.api_url}\nREDEX sandbox  {stack.sandbox_url} (token {config.token})")
        print(f"AIRFLOW_HOME   {stack.airflow_home}\nlogs           {stack.home / 'logs'}")
        print("Ctrl-C stops everything")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
                stack.check_alive()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
