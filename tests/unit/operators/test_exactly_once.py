"""The creation ledger and create_once: what a retry does after each possible crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client.errors import (
    RedexRateLimitError,
    RedexServerError,
    RedexTimeoutError,
    RedexTransportError,
    RedexUnprocessableError,
)
from airflow_provider_redex.operators import exactly_once
from airflow_provider_redex.operators.exactly_once import CreationLedger, Intent, create_once, fingerprint


class _Store:
    """Behaves like TaskStateStoreAccessor: survives "retries" because the test keeps it."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        assert value is not None
        self.values[key] = value


class _Remote:
    """A REDEX stand-in: counts POSTs and lists what they made."""

    def __init__(self) -> None:
        self.created: list[str] = []
        self.lookups = 0

    def create(self) -> str:
        self.created.append(f"id-{len(self.created) + 1}")
        return self.created[-1]

    def find(self, intent: Intent) -> str | None:
        self.lookups += 1
        return self.created[-1] if self.created else None


def _run(store: _Store, remote: _Remote) -> exactly_once.Outcome:
    return create_once(
        CreationLedger({"task_state_store": store}, "unit"),
        request_fingerprint=fingerprint({"Name": "x"}),
        find_existing=remote.find,
        create=remote.create,
        to_id=str,
        crash_point_name="unit",
    )


def test_first_try_creates_and_records_without_a_lookup() -> None:
    store, remote = _Store(), _Remote()

    outcome = _run(store, remote)

    assert (outcome.resource_id, outcome.how) == ("id-1", "created")
    assert remote.lookups == 0
    assert store.values["unit.created"] == "id-1"


def test_retry_after_the_id_was_stored_reuses_it_without_any_request() -> None:
    store, remote = _Store(), _Remote()
    _run(store, remote)

    outcome = _run(store, remote)

    assert (outcome.resource_id, outcome.how) == ("id-1", "recorded")
    assert remote.created == ["id-1"]
    assert remote.lookups == 0


def test_retry_after_a_crash_between_post_and_store_adopts_what_the_lookup_finds() -> None:
    store, remote = _Store(), _Remote()
    CreationLedger({"task_state_store": store}, "unit").record_intent(fingerprint({"Name": "x"}))
    remote.create()  # the POST of the crashed try went through

    outcome = _run(store, remote)

    assert (outcome.resource_id, outcome.how) == ("id-1", "found")
    assert remote.created == ["id-1"]
    assert store.values["unit.created"] == "id-1"


def test_retry_after_a_crash_before_the_post_creates_once() -> None:
    store, remote = _Store(), _Remote()
    CreationLedger({"task_state_store": store}, "unit").record_intent(fingerprint({"Name": "x"}))

    outcome = _run(store, remote)

    assert outcome.how == "created"
    assert remote.created == ["id-1"]
    assert remote.lookups == 1


def test_without_a_task_state_store_it_still_creates_once_per_try(caplog: pytest.LogCaptureFixture) -> None:
    remote = _Remote()
    outcome = create_once(
        CreationLedger({}, "unit"),
        request_fingerprint="f",
        find_existing=remote.find,
        create=remote.create,
        to_id=str,
        crash_point_name="unit",
    )
    assert outcome.created_now
    assert "crash recovery is off" in caplog.text


def test_chunk_acks_are_kept_per_chunk() -> None:
    ledger = CreationLedger({"task_state_store": _Store()}, "push")
    ledger.record_chunk_intent(3, "abc")
    ledger.record_chunk_ack(3, 20745)

    assert ledger.chunk_ack(3) == 20745
    assert ledger.chunk_ack(4) is None
    assert ledger.chunk_intent(3) == "abc"


def test_fingerprint_is_stable_and_sensitive_to_content() -> None:
    assert fingerprint({"A": 1, "B": [1, 2]}) == fingerprint({"A": 1, "B": [1, 2]})
    assert fingerprint({"A": 1}) != fingerprint({"A": 2})


def test_crash_point_fires_only_when_named_and_only_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(exactly_once.os, "_exit", exits.append)
    marker = tmp_path / "unit"
    monkeypatch.setenv(exactly_once.CRASH_MARKER_ENV, str(tmp_path))

    monkeypatch.setenv(exactly_once.CRASH_POINT_ENV, "other")
    exactly_once.crash_point("unit")
    assert exits == []

    monkeypatch.setenv(exactly_once.CRASH_POINT_ENV, "other,unit")
    exactly_once.crash_point("unit")
    exactly_once.crash_point("unit")
    assert exits == [137]
    assert marker.read_text() == "unit"


@pytest.mark.parametrize(
    ("error", "looked_up_on_retry"),
    [
        (RedexTransportError("refused", method="POST", path="/x", request_sent=False), 0),
        (RedexRateLimitError(method="POST", path="/x", status_code=429, message=None), 0),
        (RedexUnprocessableError(method="POST", path="/x", status_code=422, message=None), 0),
        (RedexServerError(method="POST", path="/x", status_code=503, message=None), 1),
        (RedexTimeoutError("slow", method="POST", path="/x", request_sent=True), 1),
    ],
    ids=["never-sent", "429", "422", "503", "timeout"],
)
def test_a_post_that_surely_did_not_act_is_not_looked_up_on_retry(
    error: Exception, looked_up_on_retry: int
) -> None:
    store, remote = _Store(), _Remote()

    def failing() -> str:
        raise error

    with pytest.raises(type(error)):
        create_once(
            CreationLedger({"task_state_store": store}, "unit"),
            request_fingerprint=fingerprint({"Name": "x"}),
            find_existing=remote.find,
            create=failing,
            to_id=str,
            crash_point_name="unit",
        )
    _run(store, remote)

    assert remote.lookups == looked_up_on_retry
    assert remote.created == ["id-1"]


def test_the_lookup_keeps_asking_until_a_late_listing_shows_the_resource() -> None:
    store, remote = _Store(), _Remote()
    CreationLedger({"task_state_store": store}, "unit").record_intent(fingerprint({"Name": "x"}))
    remote.created.append("made-by-the-killed-try")
    listed_after = 3
    calls = []

    def late_find(intent: Intent) -> str | None:
        calls.append(intent)
        return remote.created[-1] if len(calls) >= listed_after else None

    outcome = create_once(
        CreationLedger({"task_state_store": store}, "unit"),
        request_fingerprint=fingerprint({"Name": "x"}),
        find_existing=late_find,
        create=remote.create,
        to_id=str,
        crash_point_name="unit",
        unacknowledged_wait=5.0,
    )

    assert (outcome.resource_id, outcome.how, len(calls)) == ("made-by-the-killed-try", "found", listed_after)
    assert remote.created == ["made-by-the-killed-try"]
