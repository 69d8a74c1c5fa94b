"""The page's REDEX reads shared by the api-server's worker processes on one machine.

Purpose
    ``airflow api-server`` runs several worker processes (``[api] workers``), each with its own
    memory. Left alone, each would read REDEX once a minute per connection. A small JSON file
    per connection (under ``$AIRFLOW_HOME/redex_ui_cache/``) lets the first worker that needs a
    fresh read make it while the others wait on a file lock and then use what it wrote.

How it works
    :func:`locked` holds an exclusive ``flock`` on the connection's lock file; :func:`load` and
    :func:`store` read and write the snapshot as JSON (REDEX's own field names, decimals as
    text), replacing the file atomically. Nothing secret is in it: only what the page shows.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from airflow_provider_redex.client.models.devices import DeviceApplication
from airflow_provider_redex.client.models.rec_applications import RecApplication
from airflow_provider_redex.client.models.retirements import RetirementApplication
from airflow_provider_redex.ui.snapshot import InventoryRow, RedexSnapshot

_DECIMALS = ("available", "on_retirement", "retired")


def _stem(directory: Path, conn_id: str) -> Path:
    return directory / hashlib.sha256(conn_id.encode()).hexdigest()[:24]


@contextlib.contextmanager
def locked(directory: Path, conn_id: str) -> Iterator[None]:
    """Hold the connection's lock across the worker processes of this machine."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(_stem(directory, conn_id).with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def store(directory: Path, conn_id: str, snapshot: RedexSnapshot, finished: dict[int, str]) -> None:
    """Write ``snapshot`` (and the process statuses that can no longer change) for the others."""
    data = {
        "read_at": snapshot.read_at,
        "error": snapshot.error,
        "device_applications": [_dump(a) for a in snapshot.device_applications],
        "rec_applications": [_dump(a) for a in snapshot.rec_applications],
        "retirements": [_dump(a) for a in snapshot.retirements],
        "inventory": [{k: str(v) for k, v in asdict(row).items()} for row in snapshot.inventory],
        "process_statuses": {str(k): v for k, v in snapshot.process_statuses.items()},
        "finished": {str(k): v for k, v in finished.items()},
    }
    path = _stem(directory, conn_id).with_suffix(".json")
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data))
    temporary.replace(path)


def load(directory: Path, conn_id: str) -> tuple[RedexSnapshot, dict[int, str]] | None:
    """What another worker stored, or ``None`` when there is nothing readable."""
    try:
        data = json.loads(_stem(directory, conn_id).with_suffix(".json").read_text())
        snapshot = RedexSnapshot(
            read_at=float(data["read_at"]),
            error=data["error"],
            device_applications=[DeviceApplication.model_validate(a) for a in data["device_applications"]],
            rec_applications=[RecApplication.model_validate(a) for a in data["rec_applications"]],
            retirements=[RetirementApplication.model_validate(a) for a in data["retirements"]],
            inventory=[_row(r) for r in data["inventory"]],
            process_statuses={int(k): v for k, v in data["process_statuses"].items()},
        )
        return snapshot, {int(k): v for k, v in data["finished"].items()}
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or written by another version
        return None


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True)


def _row(raw: dict[str, str]) -> InventoryRow:
    values: dict[str, Any] = {k: Decimal(v) if k in _DECIMALS else v for k, v in raw.items()}
    return InventoryRow(**values)
