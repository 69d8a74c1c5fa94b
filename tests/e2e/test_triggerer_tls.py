"""Deferred sensors wait in a real triggerer over TLS with a private CA, directly and via a proxy.

The managed-host setup of issue 8, end to end: REDEX (the sandbox) serves HTTPS with a
certificate from a throw-away CA; every Airflow process runs with ``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE`` and ``SSL_CERT_FILE`` pointing at an unrelated CA; two ``redex``
connections name the private CA in ``extra.verify``, one of them with a real forward proxy
(``proxy.py``) in ``proxies``. One DAG run holds a deferrable sensor per connection, so one
Airflow start (scheduler, dag-processor, triggerer, api-server; SQLite, LocalExecutor) covers
both routes. The sandbox approves the applications only once both sensors are deferred and a
triggerer has taken their triggers, so each success can only come from a trigger's poll.

The checks are on behaviour, not on how the trigger is built: deferred, taken by the
triggerer job, then success (same try) with the device id REDEX assigned; while waiting, the
triggerer process holds connections straight to REDEX and to the proxy, and the proxy's log
shows CONNECT tunnels to REDEX from those very connections.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psutil
import pytest

from airflow_provider_redex.sandbox import SandboxConfig
from devtools.sample_data import build_grouped_device
from devtools.stack import Stack, StackConfig, StackError, wait_for
from tests.helpers.tls_setup import (
    ENVIRONMENT_BUNDLES,
    ENVIRONMENT_PROXIES,
    ForwardProxy,
    Pki,
    TlsSandbox,
    redex_connection,
    running_tls_sandbox,
)

pytestmark = pytest.mark.e2e

DAG_ID = "redex_tls_triggerer"
ROUTES = ("direct", "proxied")
"""One sensor (task id) per connection ``redex_tls_<route>``."""

DAG_SOURCE = """\
from airflow.sdk import DAG
from airflow_provider_redex.sensors import RedexDeviceApplicationSensor

with DAG("redex_tls_triggerer", schedule=None):
    for route in ("direct", "proxied"):
        RedexDeviceApplicationSensor(
            task_id=route,
            redex_conn_id=f"redex_tls_{route}",
            device_application_id="{{ dag_run.conf[task.task_id] }}",
            deferrable=True,
            poke_interval=1,
            timeout=600,
        )
"""


@pytest.fixture
def tls_sandbox(pki: Pki) -> Iterator[TlsSandbox]:
    """Decisions only through the admin API: nothing is approved before the test says so."""
    with running_tls_sandbox(SandboxConfig(approve_after=None), pki) as sandbox:
        yield sandbox


def new_device_application(sandbox: TlsSandbox, name: str) -> str:
    """Register a one-device grouped device on REDEX (pending until approved); its application id."""
    built, _ = build_grouped_device(random.Random(name))
    # Read as the onboarding DAG reads the sample file: JSON numbers as exact decimals, never floats.
    body = json.loads(json.dumps(built), parse_float=Decimal)
    device = body["Devices"][0]
    for inverter in device["Inverters"]:
        inverter["RemoteInvId"] = f"{name}-{inverter['RemoteInvId']}"
    with sandbox.client() as client:
        file_id = client.documents.upload(b"%PDF-1.4 /Font", filename="odf.pdf").id
        device["DeclarationFormFileId"] = str(file_id)
        request = {**body, "GroupedEnglishName": name, "GroupedLocalName": name, "Devices": [device]}
        return str(client.device_applications.create_grouped(request).id)


def airflow_env(pki: Pki, sandbox: TlsSandbox, proxy: ForwardProxy) -> dict[str, str]:
    """For every Airflow process: the unrelated CA in the environment, no environment proxy,
    and the two connections that trust the private CA (one through the proxy)."""
    env = {name: str(pki.unrelated_bundle) for name in ENVIRONMENT_BUNDLES}
    env.update({name: "" for name in ENVIRONMENT_PROXIES})  # empty is unset for requests and aiohttp
    routes = {"direct": None, "proxied": proxy}
    for route in ROUTES:
        env[f"AIRFLOW_CONN_REDEX_TLS_{route.upper()}"] = json.dumps(redex_connection(sandbox, routes[route]))
    return env


def still_waiting(stack: Stack, run_id: str) -> list[dict[str, Any]]:
    """The run's task instances; fails at once if a sensor finished before REDEX decided."""
    tis = stack.task_instances(DAG_ID, run_id)
    early = [ti for ti in tis if ti["state"] in ("success", "failed", "upstream_failed")]
    assert not early, f"a sensor finished before REDEX decided: {stack.describe_run(tis[0])}"
    return tis


def wait_until_deferred_in_triggerer(stack: Stack, run_id: str) -> dict[str, int]:
    """Until every sensor is deferred and a triggerer has taken its trigger: task id -> triggerer id."""

    def taken() -> dict[str, int] | None:
        tis = still_waiting(stack, run_id)
        held = {
            ti["task_id"]: ti["trigger"]["triggerer_id"]
            for ti in tis
            if ti["state"] == "deferred" and (ti["trigger"] or {}).get("triggerer_id") is not None
        }
        return held if len(held) == len(ROUTES) else None

    return wait_for(
        "both sensors deferred in the triggerer", taken, timeout=240, interval=0.5, alive=stack.check_alive
    )


def triggerer_connections(stack: Stack, run_id: str, ports: dict[str, int]) -> dict[str, set[int]]:
    """Until the triggerer (or a child of it) holds a TCP connection to each of ``ports`` on
    loopback: per name, the local ports of those connections."""
    triggerer = stack.processes["triggerer"].popen
    assert triggerer is not None
    root = psutil.Process(triggerer.pid)
    seen: dict[str, set[int]] = {name: set() for name in ports}

    def connected() -> dict[str, set[int]] | None:
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                for conn in process.net_connections(kind="tcp"):
                    for name, port in ports.items():
                        if conn.raddr and conn.raddr.port == port:
                            seen[name].add(conn.laddr.port)
        if all(seen.values()):
            return seen
        still_waiting(stack, run_id)  # a trigger that failed ends its sensor: say so at once
        return None

    return wait_for(
        f"the triggerer to connect to {ports}", connected, timeout=60, interval=0.1, alive=stack.check_alive
    )


def settle_deferrals(stack: Stack, timeout: float = 60.0) -> None:
    """Until the scheduler has taken the executor's report of each sensor's defer-exit.

    Works around an Airflow 3.3 race (apache/airflow#72716, #71580; fixes not released): a
    trigger that fires within seconds of the deferral can resume the task before the scheduler
    drains that stale "success" report, which then fails the running task. A user's approval
    takes hours; the test's comes at once, so it waits for the scheduler's own log line. If a
    later Airflow words it differently the wait ends after ``timeout`` and the test goes on.
    """
    log = stack.home / "logs" / "scheduler.log"

    def drained() -> bool:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        finished = [line for line in lines if f"dag_id={DAG_ID}," in line and "state=deferred" in line]
        return all(any(f"task_id={route}," in line for line in finished) for route in ROUTES)

    with contextlib.suppress(StackError):
        wait_for("the scheduler to drain the defer-exits", drained, timeout=timeout, alive=stack.check_alive)


def test_deferred_sensors_reach_redex_over_tls_from_the_triggerer_directly_and_via_proxy(
    stack_home: Path, pki: Pki, tls_sandbox: TlsSandbox, forward_proxy: ForwardProxy
) -> None:
    applications = {route: new_device_application(tls_sandbox, f"TlsTriggerer-{route}") for route in ROUTES}
    dags = stack_home / "dags"
    env = airflow_env(pki, tls_sandbox, forward_proxy)
    config = StackConfig(home=stack_home, dags_folder=dags, extra_env=env)
    with Stack(config) as stack:
        stack.prepare_home()
        dags.mkdir()
        (dags / f"{DAG_ID}.py").write_text(DAG_SOURCE)
        stack.migrate()
        stack.start_airflow()
        stack.wait_healthy()
        stack.wait_for_dag(DAG_ID)
        stack.set_paused(DAG_ID, False)
        run_id = stack.trigger(DAG_ID, conf=applications)

        triggerer_ids = wait_until_deferred_in_triggerer(stack, run_id)
        # While they wait, the triggerer polls REDEX straight (direct) and through the proxy.
        sandbox_port = int(tls_sandbox.url.rsplit(":", 1)[1])
        polls = triggerer_connections(stack, run_id, {"direct": sandbox_port, "proxied": forward_proxy.port})
        settle_deferrals(stack)
        for application_id in applications.values():
            tls_sandbox.admin("POST", f"applications/{application_id}/approve")
        stack.wait_for_runs(DAG_ID, count=1, timeout=240)

        triggerer_jobs = stack.api("GET", "/jobs", params={"job_type": "TriggererJob", "limit": 100})["jobs"]
        tis = {ti["task_id"]: ti for ti in stack.task_instances(DAG_ID, run_id)}
        device_ids = {route: stack.xcom(DAG_ID, run_id, route, key="device_id") for route in ROUTES}

    # Each trigger ran in this stack's triggerer process, and its event resumed the sensor once.
    assert set(triggerer_ids.values()) <= {job["id"] for job in triggerer_jobs}, triggerer_jobs
    assert {route: (ti["state"], ti["try_number"]) for route, ti in tis.items()} == {
        route: ("success", 1) for route in ROUTES
    }
    # The result is REDEX's decision as the trigger read it: the device id assigned on approval.
    with tls_sandbox.client() as client:
        for route, application_id in applications.items():
            assert device_ids[route] == str(client.device_applications.get(application_id).device_id)
    # The proxy tunnelled the triggerer's polls to REDEX: its log has CONNECTs from the ports the
    # triggerer's connections used (a tunnel is logged when it closes; the stack is stopped, so
    # every tunnel the triggerer opened is closed by now).
    forward_proxy.tunnels_to(tls_sandbox.url, at_least=2)  # the worker's first check, the trigger's
    assert polls["proxied"] & forward_proxy.tunnel_clients(tls_sandbox.url), (polls, forward_proxy.log_file)
