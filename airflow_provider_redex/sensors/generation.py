"""Wait for REDEX to process pushed generation data (lifecycle step 3)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_redex.sensors.base import RedexStatusSensor
from airflow_provider_redex.triggers.events import EVENT_SUCCESS, RedexTriggerEvent, make_event
from airflow_provider_redex.triggers.status import RedexGenerationProcessTrigger


class RedexGenerationProcessSensor(RedexStatusSensor):
    """Wait until every generation-data process of a push has succeeded; fail at the first
    that REDEX failed.

    Returns ``{process_ids, statuses}``.

    Waiting costs one G4 request per poll interval for all the undecided ProcessIds
    (``ProcessId`` repeated), or one per undecided ProcessId where the server reads a single
    id, as REDEX documents (see :mod:`~airflow_provider_redex.client.process_statuses`);
    deferred sensors share those reads, and a process that succeeded is not read again.

    :param process_ids: one ProcessId or several: a list, the ``process_ids`` the push operator
        returned (``push.output["process_ids"]``), or their rendered text (``"[1, 2]"``, ``"1,2"``).
        The push's whole return value (``push.output``) works too: a chunk it found at REDEX
        after a lost answer (``recovered_chunks``) has no ProcessId and is already processed,
        so a push whose every chunk was recovered leaves nothing to wait for.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = ("process_ids", "redex_conn_id")
    trigger_class = RedexGenerationProcessTrigger

    def __init__(
        self, *, process_ids: int | str | Sequence[int | str] | Mapping[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.process_ids = process_ids

    def resource_ids(self) -> list[str]:
        ids = parse_process_ids(self.process_ids)
        if not ids:
            raise ValueError(
                "process_ids is empty: pass the process_ids the push task returned (or its whole "
                "return value, push.output, when every chunk may have been recovered)"
            )
        return [str(process_id) for process_id in ids]

    def _check_now(self) -> RedexTriggerEvent | None:
        recovered = _recovered_chunks(self.process_ids)
        if recovered and not parse_process_ids(self.process_ids):
            return make_event(
                EVENT_SUCCESS,
                f"Nothing to wait for: REDEX already holds the push's {len(recovered)} chunk(s), "
                "found by look-up after their answers were lost (processed, no ProcessId)",
                resource_id="",
                result={"process_ids": [], "statuses": {}},
            )
        return super()._check_now()


def parse_process_ids(value: Any) -> list[int]:
    """ProcessIds from a list, one id, a push's return value, or text rendered by a template
    (JSON list or object, or commas)."""
    if isinstance(value, Mapping):
        return parse_process_ids(value.get("process_ids") or [])
    if isinstance(value, (list, tuple)):
        return [int(item) for item in value]
    if isinstance(value, int):
        return [value]
    text = str(value).strip()
    if text.startswith(("[", "{")):
        return parse_process_ids(json.loads(text))
    return [int(part) for part in text.split(",") if part.strip()]


def _recovered_chunks(value: Any) -> list[Any]:
    """The ``recovered_chunks`` of a push's return value (none for plain ids)."""
    if isinstance(value, str) and value.strip().startswith("{"):
        value = json.loads(value)
    chunks = value.get("recovered_chunks") if isinstance(value, Mapping) else None
    return list(chunks) if isinstance(chunks, list) else []
