"""The statuses of many generation processes in as few G4 requests as the server allows.

Purpose
    Waiting on generation processes is paid per request from the account's budget. G4 reads a
    process by ``ProcessId``; sent one by one, twenty-five undecided processes cost twenty-five
    requests per poll interval. Asked for in one request (``ProcessId`` repeated, the style REDEX
    documents for its array parameters), they cost one.

How it works
    :func:`batches` packs the ids into requests whose query stays under
    :data:`MAX_QUERY_CHARS` (IIS, a common ASP.NET host, refuses query strings over 2048
    characters by default). :func:`read_processes` / :func:`aread_processes` send them with
    ``client.generation.get_processes`` and keep what each answer holds. REDEX documents a
    single ``ProcessId`` (API_REFERENCE.md 6.4): a server that binds only one answers a single
    process (ASP.NET Core binds the first value) or refuses the repetition (400). Either way the
    server is remembered, for the life of the process, as one that reads one id per request, a
    warning says once what that costs, and from then on nothing is batched for it. Ids an answer
    did not hold are left to the caller, which reads each alone (``get_process``): that read
    gives a missing process its own 404.

What each mode costs, per poll of ``n`` undecided processes
    a server that answers lists: one request per batch (a batch holds over a hundred ids of
    REDEX's size, 105 of 8 digits); a server that reads one id: ``n`` requests (the first poll
    sends one more, the request that found out, and keeps the process it answered).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.errors import (
    RedexBadRequestError,
    RedexNotFoundError,
    RedexPermissionError,
    RedexUnprocessableError,
)
from airflow_provider_redex.client.models.generation import GenerationProcess, ProcessStatuses

log = logging.getLogger(constants.LOGGER_NAME)

MAX_QUERY_CHARS = 2000
"""Longest query string one G4 request may carry (``ProcessId=...&ProcessId=...``)."""

_PARAMETER = "ProcessId="

_REFUSALS = (RedexBadRequestError, RedexUnprocessableError, RedexNotFoundError, RedexPermissionError)
"""Answers to a batch that are about its ids or its form, not about the server's health."""

_one_id_servers: set[str] = set()
_lock = threading.Lock()


@dataclass
class ProcessReads:
    """What the batched reads found: processes by ProcessId, and how many requests it cost."""

    found: dict[int, GenerationProcess] = field(default_factory=dict)
    requests: int = 0
    listed: bool = False
    """Whether an answer was a list: an id asked for in it and not found is unknown to REDEX."""


def batches(process_ids: Iterable[int]) -> list[list[int]]:
    """The distinct ids (first seen first) in groups whose G4 query fits :data:`MAX_QUERY_CHARS`."""
    groups: list[list[int]] = []
    length = MAX_QUERY_CHARS
    for process_id in dict.fromkeys(process_ids):
        size = len(_PARAMETER) + len(str(process_id)) + 1  # the "&" before it, or the "?"
        if length + size > MAX_QUERY_CHARS:
            groups.append([])
            length = 0
        groups[-1].append(process_id)
        length += size
    return groups


def reads_one_id(base_url: str) -> bool:
    """Whether the server at ``base_url`` was found to read one ``ProcessId`` per request."""
    with _lock:
        return base_url in _one_id_servers


def forget_servers() -> None:
    """Forget which servers read one id (tests; a process otherwise remembers for its life)."""
    with _lock:
        _one_id_servers.clear()


def read_processes(client: Any, process_ids: Sequence[int]) -> ProcessReads:
    """Read ``process_ids`` with the sync client in as few G4 requests as the server allows."""
    reads = ProcessReads()
    plan = _reading(_base_url(client), process_ids, reads)
    batch = next(plan, None)
    while batch is not None:
        try:
            outcome: ProcessStatuses | Exception = client.generation.get_processes(batch)
        except _REFUSALS as refused:
            outcome = refused
        batch = _answer(plan, outcome)
    return reads


async def aread_processes(client: Any, process_ids: Sequence[int]) -> ProcessReads:
    """The async twin of :func:`read_processes`: only the request is awaited."""
    reads = ProcessReads()
    plan = _reading(_base_url(client), process_ids, reads)
    batch = next(plan, None)
    while batch is not None:
        try:
            outcome: ProcessStatuses | Exception = await client.generation.get_processes(batch)
        except _REFUSALS as refused:
            outcome = refused
        batch = _answer(plan, outcome)
    return reads


def _reading(
    base_url: str, process_ids: Sequence[int], reads: ProcessReads
) -> Generator[list[int], ProcessStatuses | Exception, None]:
    """The batches to request, one per ``send`` of the previous one's answer (or refusal); the
    bookkeeping of both transports in one place."""
    for batch in _planned(base_url, process_ids):
        outcome = yield batch
        reads.requests += 1
        if isinstance(outcome, Exception):
            if not _refused(base_url, batch, outcome):
                return
        elif not _kept(base_url, batch, outcome, reads):
            return


def _answer(
    plan: Generator[list[int], ProcessStatuses | Exception, None], outcome: ProcessStatuses | Exception
) -> list[int] | None:
    """Hand ``plan`` the last batch's outcome; the next batch, or ``None`` when it is done."""
    try:
        return plan.send(outcome)
    except StopIteration:
        return None


def _base_url(client: Any) -> str:
    return str(getattr(client, "base_url", ""))


def _planned(base_url: str, process_ids: Sequence[int]) -> list[list[int]]:
    """Batches worth a request: none for a one-id server; a lone id is left to ``get_process``."""
    if reads_one_id(base_url):
        return []
    return [batch for batch in batches(process_ids) if len(batch) > 1]


def _kept(base_url: str, batch: list[int], answer: ProcessStatuses, reads: ProcessReads) -> bool:
    """Keep the asked-for processes of ``answer``; ``False`` once the server reads one id only."""
    asked = set(batch)
    reads.found.update((p.process_id, p) for p in answer.processes if p.process_id in asked)
    if answer.as_list:
        reads.listed = True
        return True
    _one_id_server(base_url, len(batch), "answered one process")
    return False


def _refused(base_url: str, batch: list[int], refused: Exception) -> bool:
    """A 404 or 403 (an unknown id, or another account's, among them): the batch's ids are read
    alone, each to its own answer; a 400 or 422 (the repeated parameter refused): one-id server."""
    if isinstance(refused, (RedexNotFoundError, RedexPermissionError)):
        return True
    _one_id_server(base_url, len(batch), f"refused them ({refused})")
    return False


def _one_id_server(base_url: str, asked: int, what: str) -> None:
    with _lock:
        if base_url in _one_id_servers:
            return
        _one_id_servers.add(base_url)
    log.warning(
        "REDEX at %s %s when asked for %d ProcessIds in one G4 request: it reads one ProcessId per "
        "request, so waiting on generation processes now costs one request per undecided process "
        "per poll interval (it costs one request per interval for a server that answers a list)",
        base_url or "this address",
        what,
        asked,
    )
