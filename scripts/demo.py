"""The walk-through behind ``python3 scripts/dev.py demo``.

It starts the bundled REDEX sandbox on loopback, points the ``redex_default`` Airflow
connection at it through ``AIRFLOW_CONN_REDEX_DEFAULT`` (the same variable a user sets for
UAT), and drives the provider the way a task does: the hook's connection test, then a few
client calls, each printed with what REDEX answered. Nothing here reaches the network beyond
127.0.0.1, and everything Airflow writes goes to ``.demo/`` in the repository.

This is the first stage of the demo; the full lifecycle DAG run is meant to replace the client
calls below once the operators and sensors exist.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_HOME = ROOT / ".demo" / "walkthrough-airflow-home"


def _step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def _first(items: Iterable[Any], count: int) -> list[Any]:
    return list(islice(items, count))


def _configure_airflow(url: str, token: str) -> None:
    """Must run before Airflow is imported: AIRFLOW_HOME is read at import time."""
    DEMO_HOME.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(DEMO_HOME)
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    connection = {"conn_type": "redex", "host": url, "password": token}
    os.environ["AIRFLOW_CONN_REDEX_DEFAULT"] = json.dumps(connection)


def walk_through() -> int:
    from airflow_provider_redex.sandbox.config import SandboxConfig
    from airflow_provider_redex.sandbox.server import running_sandbox

    _step("Starting the REDEX sandbox on loopback")
    with running_sandbox(SandboxConfig(seed=7)) as sandbox:
        print(f"sandbox at {sandbox.url}; one business account with a sample issued device")
        _configure_airflow(sandbox.url, sandbox.token)

        from airflow_provider_redex.hooks.redex import RedexHook

        _step("RedexHook.test_connection() on redex_default (what the UI's Test button runs)")
        hook = RedexHook()
        ok, message = hook.test_connection()
        print(f"ok={ok}: {message}")
        if not ok:
            return 1

        client = hook.get_client()
        _step("client.accounts.get_profile()")
        profile = client.accounts.get_profile()
        company = profile.company_info.company_name if profile.company_info else None
        print(f"account {profile.id}: {company}")

        _step("client.inventories.list_devices(): approved devices")
        for device in _first(client.inventories.list_devices(), 5):
            print(f"  {device.device_name} ({device.device_unique_id}), {device.country_code}")

        _step("client.inventories.list_recs(): RECs held (exact decimals, never floats)")
        for rec in _first(client.inventories.list_recs(), 3):
            vintage = f"{rec.vintage_from:%Y-%m-%d}..{rec.vintage_to:%Y-%m-%d}" if rec.vintage_from else "?"
            print(f"  {rec.serial_number}: total {rec.total}, available {rec.available}, vintage {vintage}")

        _step("client.device_applications.list()")
        for application in _first(client.device_applications.list(), 5):
            print(f"  {application.application_number}: {application.status.value.value}")

        pacing = client.rate_budget.config
        _step("Pacing")
        print(
            f"every call above first took a slot in two moving windows: {pacing.account.limit} per "
            f"{pacing.account.window_seconds:g} s for the account, {pacing.ip.limit} per "
            f"{pacing.ip.window_seconds:g} s for the IP, +{pacing.margin_seconds:g} s margin, "
            f"counted in {pacing.storage_uri}"
        )
        client.close()
    return 0


def main() -> int:
    started = time.monotonic()
    try:
        status = walk_through()
    except ImportError as err:
        print(f"the demo needs a part that does not exist yet: {err}", file=sys.stderr)
        return 1
    print(f"\ndemo finished in {time.monotonic() - started:.1f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
