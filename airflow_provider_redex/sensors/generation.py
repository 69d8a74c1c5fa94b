"""Wait for REDEX to process pushed generation data (lifecycle step 3)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from airflow_provider_redex.sensors.base import RedexStatusSensor
from airflow_provider_redex.triggers.status import RedexGenerationProcessTrigger


class RedexGenerationProcessSensor(RedexStatusSensor):
    """Wait until every generation-data process of a push has succeeded; fail at the first
    that REDEX failed.

    Returns ``{process_ids, statuses}``.

    Waiting costs one G4 read per distinct undecided ProcessId per poll interval (G4 takes one
    id and REDEX lists no processes); deferred sensors waiting on the same process share its read,
    and a process that succeeded is not read again.

    :param process_ids: one ProcessId or several: a list, the ``process_ids`` the push operator
        returned (``push.output["process_ids"]``), or their rendered text (``"[1, 2]"``, ``"1,2"``).
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = ("process_ids", "redex_conn_id")
    trigger_class = RedexGenerationProcessTrigger

    def __init__(self, *, process_ids: int | str | Sequence[int | str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.process_ids = process_ids

    def resource_ids(self) -> list[str]:
        ids = parse_process_ids(self.process_ids)
        if not ids:
            raise ValueError("process_ids is empty: pass the process_ids the push task returned")
        return [str(process_id) for process_id in ids]


def parse_process_ids(value: Any) -> list[int]:
    """ProcessIds from a list, one id, or text rendered by a template (JSON list or commas)."""
    if isinstance(value, (list, tuple)):
        return [int(item) for item in value]
    if isinstance(value, int):
        return [value]
    text = str(value).strip()
    if text.startswith("["):
        return [int(item) for item in json.loads(text)]
    return [int(part) for part in text.split(",") if part.strip()]
