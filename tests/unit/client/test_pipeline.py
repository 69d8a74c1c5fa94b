"""The request pipeline: a bounded number of calls in flight, answers back in the order sent."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.errors import RedexServerError
from airflow_provider_redex.client.pipeline import Pipeline


class _Gates:
    """Calls that block until the test opens their gate, counting how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.gates: dict[int, threading.Event] = {}

    def call(self, n: int) -> Any:
        gate = self.gates.setdefault(n, threading.Event())

        def run() -> int:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
                self.started.append(n)
            gate.wait(10)
            with self.lock:
                self.running -= 1
            return n * 10

        return run

    def open(self, n: int) -> None:
        self.gates.setdefault(n, threading.Event()).set()


def test_answers_come_back_in_submission_order_when_later_calls_finish_first() -> None:
    gates = _Gates()
    with Pipeline[int, int](3) as pipe:
        for n in range(3):
            pipe.submit(n, gates.call(n))
        gates.open(2)
        gates.open(1)
        gates.open(0)
        answers = [(a.tag, a.value, a.error) for a in pipe.drain()]

    assert answers == [(0, 0, None), (1, 10, None), (2, 20, None)]


def test_no_more_than_depth_calls_run_at_once_and_a_full_pipeline_refuses_more() -> None:
    gates = _Gates()
    taken = []
    with Pipeline[int, int](2) as pipe:
        for n in range(6):
            if pipe.full:
                with pytest.raises(RuntimeError, match="full"):
                    pipe.submit(99, gates.call(99))
                gates.open(n - 2)
                taken.append(pipe.take().tag)
            pipe.submit(n, gates.call(n))
        gates.open(4)
        gates.open(5)
        taken += [answer.tag for answer in pipe.drain()]

    assert taken == list(range(6))
    assert gates.most == 2
    assert 99 not in gates.started


def test_a_failed_call_comes_back_as_its_error_and_the_others_still_answer() -> None:
    refused = RedexServerError(method="POST", path="/x", status_code=503, message="down")

    def fail() -> int:
        raise refused

    with Pipeline[str, int](2) as pipe:
        pipe.submit("a", fail)
        pipe.submit("b", lambda: 7)
        first, second = pipe.take(), pipe.take()

    assert first.tag == "a" and first.error is refused and first.value is None
    assert second.tag == "b" and second.value == 7 and second.error is None


def test_leaving_the_block_waits_for_calls_still_in_flight() -> None:
    finished = threading.Event()
    gate = threading.Event()

    def slow() -> int:
        gate.wait(10)
        finished.set()
        return 1

    with Pipeline[int, int](1) as pipe:
        pipe.submit(0, slow)
        threading.Timer(0.05, gate.set).start()

    assert finished.is_set()


def test_a_depth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="depth"):
        Pipeline[int, int](0)


def test_the_clients_pipeline_shares_one_session_made_before_any_worker_runs() -> None:
    client = SyncAPIClient("https://uat-api.redex.eco", BearerToken("t"))
    pipe: Pipeline[int, Any] = client.pipeline(3)
    with pipe:
        for n in range(3):
            pipe.submit(n, client._get_session)
        sessions = [answer.value for answer in pipe.drain()]
    client.close()

    assert len({id(s) for s in sessions}) == 1
