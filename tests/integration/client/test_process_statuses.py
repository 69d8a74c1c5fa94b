"""Several generation processes read in one G4 request, over real HTTP against the sandbox: a
server that answers a list, and one that reads the first ``ProcessId`` only (as REDEX documents
one), which the client must notice, say once, and then read one id per request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_redex.client import process_statuses
from airflow_provider_redex.client.async_client import AsyncRedexClient
from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.client import RedexClient
from airflow_provider_redex.client.errors import RedexNotFoundError
from airflow_provider_redex.client.pacing import PacingConfig
from airflow_provider_redex.sandbox import SandboxConfig
from airflow_provider_redex.sandbox.server import RunningSandbox
from tests.helpers import harness
from tests.helpers.sandbox_walks import fast_config
from tests.helpers.scripted_server import NO_PACING, ScriptedServer, failed


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    process_statuses.forget_servers()
    yield
    process_statuses.forget_servers()


def _pushes(sandbox: RunningSandbox, count: int) -> list[int]:
    with harness.client(sandbox) as redex:
        data = [{"Timestamp": "2024-01-01", "PeriodProductionInKWh": "1", "AccumulatedEnergyInKWh": "1"}]
        return [
            redex.generation.send_daily({"RemoteInvId": f"INV-{n}", "Data": data}).process_id
            for n in range(count)
        ]


def test_one_request_reads_every_process_a_list_server_knows(
    start_sandbox: Callable[[SandboxConfig], RunningSandbox],
) -> None:
    sandbox = start_sandbox(fast_config())
    ids = _pushes(sandbox, 30)
    before = harness.account_requests(sandbox)
    with harness.client(sandbox) as redex:
        reads = process_statuses.read_processes(redex, [*ids, 987_654])
        assert sorted(reads.found) == sorted(ids)  # the unknown id is left to its own read
        assert reads.requests == 1
        with pytest.raises(RedexNotFoundError):
            redex.generation.get_process(987_654)
    assert harness.account_requests(sandbox) - before == 2
    assert not process_statuses.reads_one_id(sandbox.url)


async def test_a_server_that_reads_one_process_id_is_noticed_once_then_read_one_by_one(
    start_sandbox: Callable[[SandboxConfig], RunningSandbox], caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = start_sandbox(fast_config(process_status_lists=False))
    ids = _pushes(sandbox, 3)
    client: Any = AsyncRedexClient(
        sandbox.url, BearerToken(sandbox.token), pacing=PacingConfig(enabled=False)
    )
    caplog.set_level(logging.INFO, logger="airflow_provider_redex.client")
    try:
        first = await process_statuses.aread_processes(client, ids)
        again = await process_statuses.aread_processes(client, ids)
    finally:
        await client.aclose()

    assert list(first.found) == [ids[0]] and first.requests == 1  # the first id's process, kept
    assert again.found == {} and again.requests == 0  # the caller reads each id alone now
    assert process_statuses.reads_one_id(sandbox.url)
    warnings = [r.getMessage() for r in caplog.records if "reads one ProcessId per request" in r.getMessage()]
    assert len(warnings) == 1 and "asked for 3 ProcessIds" in warnings[0]


def test_a_batch_refused_for_one_of_its_ids_leaves_them_to_their_own_reads(scripted: ScriptedServer) -> None:
    # 404 (an unknown id) and 403 (another account's): about the ids, so nothing is concluded.
    scripted.play(failed(404, "not found"), failed(403, "forbidden"))
    ids = list(range(1, 106))
    with RedexClient(scripted.url, BearerToken("tok"), pacing=NO_PACING) as redex:
        first = process_statuses.read_processes(redex, ids[:105])
        second = process_statuses.read_processes(redex, [7, 8])
    assert (first.found, first.requests) == ({}, 1)
    assert (second.found, second.requests) == ({}, 1)  # the 403
    assert not process_statuses.reads_one_id(scripted.url)
    assert "ProcessId=1&ProcessId=2&" in scripted.arrivals[0].path


def test_a_server_that_refuses_the_repeated_parameter_reads_one_id(scripted: ScriptedServer) -> None:
    scripted.play(failed(400, "The value '1,2' is not valid for ProcessId."))
    with RedexClient(scripted.url, BearerToken("tok"), pacing=NO_PACING) as redex:
        reads = process_statuses.read_processes(redex, [1, 2, 3])
        again = process_statuses.read_processes(redex, [1, 2, 3])
    assert (reads.found, reads.requests, again.requests) == ({}, 1, 0)
    assert process_statuses.reads_one_id(scripted.url)
    assert len(scripted.arrivals) == 1
