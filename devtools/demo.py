"""The demo: the whole REC lifecycle, run by a real Airflow scheduler against the sandbox.

    python3 scripts/dev.py demo            # or, in the project's venv: python -m devtools.demo

It starts the REDEX sandbox and Airflow's api-server, scheduler, dag-processor and triggerer
(SQLite, LocalExecutor) in a scratch ``AIRFLOW_HOME`` under ``.demo/``, then only steers the
way an operator would: trigger ``redex_onboarding``; once the device is approved, unpause
``redex_generation_daily`` (the scheduler catches up one run per sample day) and
``redex_rec_issuance`` (scheduled on the Asset the daily runs update); once the RECs are issued,
trigger ``redex_retirement`` with its default params. Every sensor defers to the triggerer.
At the end it prints a summary and stops everything it started (``--keep-running`` leaves the
stack up so you can browse the runs in the UI; Ctrl-C then stops it).

:func:`run_lifecycle` is the same steering, reused by the scheduler-driven end-to-end tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from devtools.processes import stop_on_signals
from devtools.stack import DEMO_ROOT, Stack, StackConfig, StackError, wait_for

DAG_IDS = ("redex_onboarding", "redex_generation_daily", "redex_rec_issuance", "redex_retirement")
SENSOR_TASKS = ("wait_for_approval", "wait_for_processing", "wait_for_issuance", "wait_for_retirement")
DEMO_TIME_SCALE = 0.1
"""The sandbox's 60 s rate window lasts 6 s and an approval (``--approve-after 100``) 10 s."""
DEMO_APPROVE_AFTER = 100.0
DEMO_POLL_SECONDS = "2"
CERTIFICATES = DEMO_ROOT / "certificates"
"""Each run's certificate goes to a folder of its own here, outside the scratch home the next run
empties."""
TASK_STATES_SHOWN = ("deferred", "success", "failed", "skipped", "up_for_retry", "up_for_reschedule")

Say = Callable[[str], None]


@dataclass
class LifecycleSummary:
    """What a person wants to know after the run; every figure is read back, not assumed."""

    device_id: str = ""
    device_application_number: str = ""
    generation_runs: int = 0
    records_pushed: int = 0
    generation_kwh: Decimal = Decimal(0)
    issuance_runs: int = 0
    recs_issued: Decimal = Decimal(0)
    vintage: str = ""
    recs_retired: Decimal = Decimal(0)
    retirement_number: str = ""
    certificate: str = ""
    deferred_sensors: set[str] = field(default_factory=set)
    seconds: float = 0.0
    ui_url: str = ""
    rate_limited: int = 0

    def render(self, *, ui_kept: bool = False) -> str:
        ui_note = "" if ui_kept else " (stopped with the demo; --keep-running keeps it up)"
        deferred = ", ".join(sorted(self.deferred_sensors)) or "none seen"
        lines = [
            "",
            f"REDEX lifecycle demo: done in {self.seconds:.0f} s",
            f"  device approved   {self.device_id} (application {self.device_application_number})",
            f"  generation        {self.records_pushed:,} daily readings pushed in {self.generation_runs} "
            f"daily runs, {self.generation_kwh:,} kWh processed by REDEX",
            f"  RECs issued       {self.recs_issued} MWh (1 REC = 1 MWh) for {self.vintage} in "
            f"{self.issuance_runs} run(s)",
            f"  RECs retired      {self.recs_retired} MWh (retirement {self.retirement_number})",
            f"  certificate       {self.certificate}",
            f"  deferred sensors  {deferred}; 429s from the sandbox: {self.rate_limited}",
            f"  Airflow UI        {self.ui_url}{ui_note}",
            f"  REDEX page        {self.ui_url}/plugin/redex (the REDEX entry in the UI's navigation)",
        ]
        return "\n".join(lines)


def run_lifecycle(stack: Stack, *, say: Say = print, timeout: float = 900.0) -> LifecycleSummary:
    """Drive the four example DAGs through a running stack's scheduler; return the summary.

    Raises :class:`StackError` naming the DAG run and its task states if anything fails.
    """
    started = time.monotonic()
    summary = LifecycleSummary(ui_url=stack.api_url)
    for dag_id in DAG_IDS:
        stack.wait_for_dag(dag_id, timeout=180)
    errors = stack.import_errors()
    if errors:
        raise StackError(f"the example DAGs have import errors: {errors}")

    say("1/4 onboarding: upload the ODF, register 300 inverters, wait for approval")
    stack.set_paused("redex_onboarding", False)
    stack.trigger("redex_onboarding")
    stack.wait_for_runs("redex_onboarding", timeout=timeout, on_poll=TaskProgress(stack, say))
    device = _json(stack.variable("redex_grouped_device"))
    summary.device_id = device["device_id"]
    summary.device_application_number = device.get("application_number") or ""

    say("2/4 daily generation: the scheduler catches up one run per sample day; issuance follows the Asset")
    stack.set_paused("redex_rec_issuance", False)
    stack.set_paused("redex_generation_daily", False)
    days = stack.wait_for_runs(
        "redex_generation_daily", count=_sample_days(), timeout=timeout, on_poll=TaskProgress(stack, say)
    )
    summary.generation_runs = len(days)
    summary.records_pushed = sum(
        int(stack.xcom(r["dag_id"], r["dag_run_id"], "push_generation_data")["records_sent"]) for r in days
    )
    summary.generation_kwh = _processed_kwh(stack, summary.device_id)

    say("3/4 REC issuance: waiting until the processed days are claimed and approved")
    issued = _wait_issuance_settled(stack, timeout=timeout, progress=TaskProgress(stack, say))
    summary.issuance_runs = len(issued)
    claimed = [stack.xcom(r["dag_id"], r["dag_run_id"], "record_issuance") for r in issued]
    claimed = [c for c in claimed if c]
    summary.vintage = f"{min(c['vintage_from'] for c in claimed)} to {max(c['vintage_to'] for c in claimed)}"
    summary.recs_issued = _approved_quantity(stack, summary.device_id)

    say("4/4 retirement: beneficiary, retire the default quantity, wait, store the certificate")
    stack.set_paused("redex_retirement", False)
    stack.trigger("redex_retirement", conf={"certificate_dir": f"{_certificate_dir(stack)}/"})
    (retirement,) = stack.wait_for_runs("redex_retirement", timeout=timeout, on_poll=TaskProgress(stack, say))
    decision = stack.xcom("redex_retirement", retirement["dag_run_id"], "wait_for_retirement")
    certificate = stack.xcom("redex_retirement", retirement["dag_run_id"], "store_certificate")
    summary.recs_retired = _retired_amount(stack, decision["retirement_application_id"])
    summary.retirement_number = decision.get("application_number", "")
    summary.certificate = certificate["path"]

    summary.deferred_sensors = _waited_in_triggerer(stack)
    summary.rate_limited = int(stack.sandbox_admin("GET", "counters")["Data"]["RateLimits"]["RateLimited"])
    summary.seconds = time.monotonic() - started
    return summary


class TaskProgress:
    """A line per task that reaches a state a person waits for (deferred, success, failed ...),
    so no step of the lifecycle passes in silence. Pass as ``on_poll`` to ``wait_for_runs``."""

    def __init__(self, stack: Stack, say: Say) -> None:
        self.stack, self.say = stack, say
        self.seen: dict[tuple[str, str], str] = {}

    def __call__(self, runs: list[dict[str, Any]]) -> None:
        for run in runs:
            if (run["dag_run_id"], "") in self.seen:
                continue
            for ti in self.stack.task_instances(run["dag_id"], run["dag_run_id"]):
                key, state = (run["dag_run_id"], ti["task_id"]), str(ti["state"])
                if state in TASK_STATES_SHOWN and self.seen.get(key) != state:
                    self.seen[key] = state
                    self.say(f"    {run['dag_id']}{_run_label(run)}: {ti['task_id']} {state}")
            if run["state"] in ("success", "failed"):
                self.seen[(run["dag_run_id"], "")] = run["state"]
                self.say(f"    {run['dag_id']}{_run_label(run)}: run {run['state']}")


def _run_label(run: dict[str, Any]) -> str:
    """`` day 2026-11-01`` for a scheduled run, else the run's kind and time (`` asset_triggered
    01:03:23``): short, and enough to tell runs of one DAG apart."""
    start = run.get("data_interval_start") or ""
    if run.get("run_type") == "scheduled" and start:
        return f" day {start[:10]}"
    after = str(run.get("run_after") or run.get("queued_at") or "")
    return f" {run.get('run_type') or 'run'} {after[11:19]}".rstrip()


def _certificate_dir(stack: Stack) -> Path:
    """This run's certificate folder: the time and the stack's id make it unique."""
    return CERTIFICATES / f"{time.strftime('%Y%m%d-%H%M%S')}-{stack.run_id}"


def _wait_issuance_settled(
    stack: Stack, *, timeout: float, progress: Callable[[list[dict[str, Any]]], None] | None = None
) -> list[dict[str, Any]]:
    """Until no issuance run is pending and an issued window reaches the last sample day.

    Several runs may happen (one per Asset event that arrived while none was running); the
    ones that found nothing new skip. Returns the runs that recorded an issuance.
    """
    from redex_common import LAST_DAY

    last_day = LAST_DAY.to_date_string()

    def settled() -> list[dict[str, Any]] | None:
        runs = stack.dag_runs("redex_rec_issuance")
        if progress is not None:
            progress(runs)
        failed = [r for r in runs if r["state"] == "failed"]
        if failed:
            raise StackError(
                f"redex_rec_issuance run {failed[0]['dag_run_id']} failed: {stack.describe_run(failed[0])}"
            )
        if not runs or any(r["state"] in ("queued", "running") for r in runs):
            return None
        issued = [r for r in runs if stack.xcom(r["dag_id"], r["dag_run_id"], "record_issuance")]
        ends = [stack.xcom(r["dag_id"], r["dag_run_id"], "record_issuance")["vintage_to"] for r in issued]
        return issued if last_day in ends else None

    return wait_for(
        "REC issuance through the last sample day",
        settled,
        timeout=timeout,
        interval=3.0,
        alive=stack.check_alive,
    )


def _waited_in_triggerer(stack: Stack) -> set[str]:
    """``dag_id.task_id`` of every sensor that waited in the triggerer.

    The triggerer writes a log of its own for each deferred task instance
    (``attempt=N.log.trigger.<job>.log``) that starts with the trigger starting; that file is
    the evidence, read after the fact so no short deferral can be missed between two polls.
    """
    found = set()
    for log in (stack.airflow_home / "logs").glob("dag_id=*/run_id=*/task_id=*/attempt=*.log.trigger.*.log"):
        dag_id = log.parts[-4].removeprefix("dag_id=")
        task_id = log.parts[-2].removeprefix("task_id=")
        if task_id in SENSOR_TASKS and "starting" in log.read_text(errors="replace"):
            found.add(f"{dag_id}.{task_id}")
    return found


def _sandbox_client(stack: Stack) -> Any:
    """The provider's own client on the stack's sandbox account, to read figures back."""
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pacing import PacingConfig

    return RedexClient(stack.sandbox_url, BearerToken(stack.config.token), pacing=PacingConfig(enabled=False))


def _retired_amount(stack: Stack, retirement_application_id: str) -> Decimal:
    """RECs REDEX retired in the application."""
    client = _sandbox_client(stack)
    try:
        amount: Decimal = client.retirements.get(retirement_application_id).amount
        return amount
    finally:
        client.close()


def _processed_kwh(stack: Stack, device_id: str) -> Decimal:
    """The energy REDEX holds for the device over the sample days (G6), in kWh."""
    from redex_common import FIRST_DAY, LAST_DAY

    client = _sandbox_client(stack)
    try:
        total = client.generation.sum_period(
            device_id, vintage_from=FIRST_DAY.date(), vintage_to=LAST_DAY.date()
        ).total_period_production_in_kwh
        return Decimal(total)
    finally:
        client.close()


def _approved_quantity(stack: Stack, device_id: str) -> Decimal:
    """RECs REDEX approved for the device."""
    client = _sandbox_client(stack)
    try:
        return sum(
            (
                a.quantity
                for a in client.rec_applications.list(device_id=device_id)
                if a.status.value.is_success
            ),
            Decimal(0),
        )
    finally:
        client.close()


def _sample_days() -> int:
    from redex_common import FIRST_DAY, LAST_DAY

    return int((LAST_DAY - FIRST_DAY).days) + 1


def _json(text: str | None) -> dict[str, Any]:
    import json

    if not text:
        raise StackError("redex_onboarding finished but the Variable redex_grouped_device is not set")
    value: dict[str, Any] = json.loads(text)
    return value


def demo_config(home: Path | None = None) -> StackConfig:
    return StackConfig(
        home=home or DEMO_ROOT / "lifecycle",
        sandbox_time_scale=DEMO_TIME_SCALE,
        sandbox_approve_after=DEMO_APPROVE_AFTER,
        extra_env={"REDEX_EXAMPLE_POLL_SECONDS": DEMO_POLL_SECONDS},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run the REDEX REC lifecycle on a real Airflow against the sandbox."
    )
    parser.add_argument(
        "--keep-running", action="store_true", help="leave the stack up afterwards (Ctrl-C stops it)"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per lifecycle step")
    parser.add_argument(
        "--home", type=Path, default=None, help="scratch directory, emptied first (default .demo/lifecycle)"
    )
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"[demo] {message}", flush=True)

    import logging

    # The demo reads a few facts back with the provider's client; its per-request INFO lines
    # belong in task logs, not between the demo's own lines.
    logging.getLogger("airflow_provider_redex").setLevel(logging.WARNING)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dags"))
    stack = Stack(demo_config(args.home))
    # SIGTERM and SIGHUP (a closed terminal) stop the stack the way Ctrl-C does.
    with stop_on_signals():
        return _run(stack, args, say)


def _run(stack: Stack, args: argparse.Namespace, say: Say) -> int:
    started = time.monotonic()
    try:
        say(f"starting in {stack.home} (component logs in {stack.home / 'logs'})")
        stack.prepare_home()
        stack.start_sandbox()
        say(f"REDEX sandbox up at {stack.sandbox_url}; creating Airflow's metadata database")
        stack.migrate()
        say("starting Airflow's api-server, scheduler, dag-processor and triggerer")
        stack.start_airflow()
        stack.wait_healthy()
        say(f"Airflow is up in {time.monotonic() - started:.0f} s: UI at {stack.api_url}")
        say("parsing the example DAGs")
        summary = run_lifecycle(stack, say=say, timeout=args.timeout)
        summary.seconds = time.monotonic() - started
        print(summary.render(ui_kept=args.keep_running), flush=True)
        if args.keep_running:
            say(f"still running; UI at {stack.api_url} (no login: everyone is admin); Ctrl-C stops it")
            while True:
                time.sleep(3600)
        return 0
    except KeyboardInterrupt:
        return 130
    except StackError as err:
        say(f"FAILED: {err}")
        say(f"component logs: {stack.home / 'logs'}")
        return 1
    finally:
        say("stopping everything the demo started")
        stack.stop()
        say("stopped")


if __name__ == "__main__":
    raise SystemExit(main())
