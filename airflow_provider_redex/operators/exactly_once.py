"""Create a REDEX resource at most once per task instance, across retries and crashes.

**Purpose:** A task that creates something in REDEX (a device application, a REC application,
a beneficiary, a retirement) or pushes generation chunks may crash or be killed at any point
and be retried by Airflow. REDEX has no idempotency key, so a naive retry would create a
second application or re-send data REDEX already acknowledged. This module makes the retry
pick up what the earlier try did instead.

**How it works:** Airflow 3.3 keeps a ``task_state_store`` per task instance (dag run, task,
map index) that survives retries of that task. :class:`CreationLedger` writes three kinds of
facts into it, each under a key prefixed with the operator's ``ledger_key``:

1. ``<key>.intent`` before the POST: the request is about to be sent (with a fingerprint of
   the request body, kept to explain what an earlier try was doing);
2. ``<key>.created`` right after the POST: the id REDEX returned;
3. for chunked pushes, ``<key>.chunk.<n>``: the ProcessId REDEX returned for chunk ``n``.

:func:`create_once` reads them in that order. An id in ``created`` is reused without a
request. An ``intent`` with no ``created`` means an earlier try may have crashed between the
POST and the store write: the operator's lookup (a GET that finds what that POST would have
made) runs, and a match is adopted and recorded. Only when the lookup finds nothing is the
POST sent (again). A POST that surely did not act (never sent, a 429, REDEX's own 4xx refusal)
withdraws its intent, so a retry sends at once, without a lookup.

**What it does not do:** It does not make REDEX itself idempotent. A second DAG run is a
different task instance with an empty store: whether it may create again is the operator's
own rule (for example the beneficiary operator always looks up by name and type first).

**REDEX may list late.** A lookup can only find what REDEX lists, and REDEX may list a new
application some seconds after it made it. So after an earlier try's unacknowledged POST the
lookup keeps asking until ``unacknowledged_wait`` seconds have passed since that POST's intent,
whatever Airflow's retry delay was, and only then sends again (the sandbox's ``listing_delay``
tests this). A lookup that cannot answer at all (404, a 5xx that outlasts the client's retries)
goes to the operator's ``on_lookup_error``, which fails the task saying what to check in REDEX.

Renaming an operator's ``ledger_key`` breaks retries already in flight: the earlier try
wrote under the old name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.client.errors import (
    RedexAPIError,
    RedexError,
    RedexInputError,
    RedexNotFoundError,
    RedexServerError,
    RedexTransportError,
)

log = logging.getLogger(__name__)

UNACKNOWLEDGED_CREATE_WAIT_SECONDS = 300.0
"""How long a retry keeps looking for what an earlier try's unacknowledged POST made before it
sends again; REDEX may list a new application late (operators' ``unacknowledged_create_wait``)."""
UNACKNOWLEDGED_CREATE_POLL_SECONDS = 15.0
"""At most this long between two lookups: each is a list request paid from the account's budget."""

LOOKUP_CANNOT_ANSWER = (RedexNotFoundError, RedexServerError)
"""Lookup errors that leave the question open: the list route is missing, or REDEX keeps failing
through the client's retries. A dropped connection is not one: Airflow's retry asks again."""

#: Test seam for the crash-and-retry test: when ``REDEX_TEST_CRASH_AFTER_POST`` names a crash
#: point (a comma-separated list may name several) and the folder ``REDEX_TEST_CRASH_MARKERS``
#: holds no marker for it yet, the process writes the marker and exits at once, right after the
#: POST and before anything is stored. Unset in production; each point fires once per folder,
#: so the retry runs normally.
CRASH_POINT_ENV = "REDEX_TEST_CRASH_AFTER_POST"
CRASH_MARKER_ENV = "REDEX_TEST_CRASH_MARKERS"

_T = TypeVar("_T")


class StateStore(Protocol):
    """The part of Airflow's ``TaskStateStoreAccessor`` this module uses."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class _MemoryStore:
    """Stand-in when the context has no ``task_state_store`` (Airflow < 3.3, bare unit calls).

    Keeps facts for this try only: crash recovery is off, which is logged once.
    """

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value


def fingerprint(payload: Any) -> str:
    """A short stable digest of a request body, to tell "the same request" from a changed one."""
    text = wire_json.dumps(payload)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def crash_point(name: str) -> None:
    """Exit the process here, once, when the crash-and-retry test asks for it (see above)."""
    if name not in os.environ.get(CRASH_POINT_ENV, "").split(","):
        return
    folder = os.environ.get(CRASH_MARKER_ENV)
    marker = Path(folder, name) if folder else None
    if marker is None or marker.exists():
        return
    marker.write_text(name)
    log.warning("Test crash point %r reached: exiting the task process now", name)
    os._exit(137)


class CreationLedger:
    """What this task instance already created in REDEX, kept in ``task_state_store``.

    :param context: the task's Airflow context.
    :param ledger_key: the operator's key prefix; renaming it breaks in-flight retries.
    """

    def __init__(self, context: Mapping[str, Any], ledger_key: str) -> None:
        store = context.get("task_state_store")
        if store is None:
            log.warning("task_state_store is not available: crash recovery is off for this try")
            store = _MemoryStore()
        self._store: StateStore = store
        self.ledger_key = ledger_key

    def _key(self, *parts: str) -> str:
        return ".".join((self.ledger_key, *parts))

    # --- one created resource -----------------------------------------------------------

    def created(self) -> Any:
        """The id recorded by an earlier try, or ``None``."""
        return self._store.get(self._key("created"))

    def intent(self) -> Intent | None:
        """The POST an earlier try was about to send, or ``None``."""
        value = self._store.get(self._key("intent"))
        if not isinstance(value, dict) or value.get("withdrawn"):
            return None
        body = value.get("request")
        return Intent(
            fingerprint=str(value.get("fingerprint")),
            at=datetime.fromisoformat(value["at"]),
            request=None if body is None else wire_json.loads(body),
        )

    def record_intent(self, request_fingerprint: str, request: Any = None) -> Intent:
        """Record the POST about to be sent; ``request`` (wire data) is kept when given, so a
        retry sends the same request even if what it was derived from has moved on."""
        intent = Intent(fingerprint=request_fingerprint, at=datetime.now(tz=timezone.utc), request=request)
        value: dict[str, Any] = {"fingerprint": intent.fingerprint, "at": intent.at.isoformat()}
        if request is not None:
            # As JSON text: the store takes JSON values, and this keeps Decimals exact.
            value["request"] = wire_json.dumps(request)
        self._store.set(self._key("intent"), value)
        return intent

    def withdraw_intent(self) -> None:
        """The POST surely did not act (never sent, or refused): a retry need not look for it."""
        self._store.set(self._key("intent"), {"withdrawn": True})

    def record_created(self, resource_id: Any) -> None:
        self._store.set(self._key("created"), resource_id)

    # --- chunked pushes ------------------------------------------------------------------

    def chunk_ack(self, index: int) -> Any:
        """What REDEX returned for chunk ``index`` in an earlier try, or ``None``."""
        return self._store.get(self._key("chunk", f"{index:06d}"))

    def chunk_intent(self, index: int) -> str | None:
        value = self._store.get(self._key("chunk", f"{index:06d}", "intent"))
        return None if value is None else str(value)

    def record_chunk_intent(self, index: int, chunk_fingerprint: str) -> None:
        self._store.set(self._key("chunk", f"{index:06d}", "intent"), chunk_fingerprint)

    def record_chunk_ack(self, index: int, ack: Any) -> None:
        self._store.set(self._key("chunk", f"{index:06d}"), ack)


@dataclass(frozen=True)
class Intent:
    """A POST a try was about to send.

    :param fingerprint: :func:`fingerprint` of its body.
    :param at: when it was recorded (UTC); what REDEX made from it is not older than this,
        up to the clock skew between the worker and REDEX.
    :param request: the request body (wire data), when the operator asked to keep it.
    """

    fingerprint: str
    at: datetime
    request: Any = None


def id_of(resource: Any) -> str:
    """The ``Id`` of a created or listed REDEX resource, as XCom and the store keep it."""
    return str(resource.id)


CLOCK_SKEW = timedelta(minutes=5)
"""How far REDEX's clock may be behind ours when matching "created after the intent"."""


def made_after(created: datetime | None, intent: Intent) -> bool:
    """Whether a resource REDEX stamped ``created`` can come from ``intent``'s POST.

    REDEX often sends times without a zone (API_REFERENCE 1.5); they are read as UTC. A
    resource without a timestamp cannot be ruled out, so it counts as a match.
    """
    if created is None:
        return True
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created >= intent.at - CLOCK_SKEW


@dataclass(frozen=True)
class Outcome:
    """How :func:`create_once` got its id.

    :param resource_id: the id of the resource, created now or earlier.
    :param how: ``"created"``, ``"recorded"`` (an earlier try stored it) or ``"found"``
        (the lookup found what an earlier try's POST made).
    """

    resource_id: Any
    how: str

    @property
    def created_now(self) -> bool:
        return self.how == "created"


def may_have_acted(error: RedexError) -> bool:
    """Whether REDEX may have created something although the POST raised ``error``.

    Only an ambiguous failure may have: a request sent without an answer (timeout, dropped
    connection), a 5xx, or an answer that is not REDEX's envelope. A request never sent, a 429
    and REDEX's own refusals (4xx) created nothing.
    """
    if isinstance(error, RedexTransportError):
        return error.request_sent
    status = getattr(error, "status_code", None)
    if isinstance(error, RedexAPIError) and isinstance(status, int):
        return status >= 500
    return not isinstance(error, RedexInputError)


def look_for(
    find_existing: Callable[[Intent], _T | None],
    intent: Intent,
    wait: float,
    *,
    since: datetime | None = None,
) -> _T | None:
    """``find_existing(intent)``, asked again until ``wait`` seconds after ``since`` have passed.

    ``since`` defaults to the intent's time: a retry that came late has already waited that long.
    """
    deadline = (since or intent.at) + timedelta(seconds=wait)
    poll = min(UNACKNOWLEDGED_CREATE_POLL_SECONDS, max(wait / 20, 0.05))
    while True:
        found = find_existing(intent)
        left = (deadline - datetime.now(tz=timezone.utc)).total_seconds()
        if found is not None or left <= 0:
            if found is None and wait > 0:
                log.warning(
                    "REDEX does not list what the earlier try's POST (at %s) may have made, %s s on",
                    intent.at.isoformat(),
                    wait,
                )
            return found
        time.sleep(min(poll, left))


def create_once(
    ledger: CreationLedger,
    *,
    request_fingerprint: str,
    find_existing: Callable[[Intent], _T | None],
    create: Callable[[], _T],
    to_id: Callable[[_T], Any],
    crash_point_name: str,
    always_look_up: bool = False,
    keep_request: Any = None,
    unacknowledged_wait: float = 0.0,
    on_lookup_error: Callable[[Intent, RedexError], Any] | None = None,
    refused_as_duplicate: Callable[[RedexError], bool] | None = None,
) -> Outcome:
    """Return the resource this task instance created, creating it only if no try did.

    :param ledger: this task instance's ledger.
    :param request_fingerprint: :func:`fingerprint` of the request body about to be sent.
    :param find_existing: a GET-only lookup for what the earlier try's POST (the intent it is
        given) would have made. Called only when an earlier try recorded an intent and no id;
        it matches on the current request, so a changed request finds nothing.
    :param create: sends the POST and returns what REDEX answered.
    :param to_id: turns what ``find_existing``/``create`` return into a JSON-ready id.
    :param crash_point_name: name of the test crash point right after the POST.
    :param always_look_up: run ``find_existing`` even when no earlier try recorded an intent
        (for resources that are reused across runs, like beneficiaries); it then gets an
        intent stamped now.
    :param keep_request: wire data of the request, kept with the intent (see
        :meth:`CreationLedger.record_intent`).
    :param unacknowledged_wait: seconds after an earlier try's intent during which the lookup is
        asked again before the POST is sent again (REDEX may list late).
    :param on_lookup_error: called when the lookup after an earlier try's intent cannot answer
        (:data:`LOOKUP_CANNOT_ANSWER`); it raises what the task should fail with, or returns to
        send the request again. Without it the lookup's error propagates.
    :param refused_as_duplicate: whether REDEX refused the POST because it holds the same thing
        already (a 422 for an overlapping window, a 400 for inverters already registered). After
        an earlier try's unacknowledged POST that is most likely the earlier try's own resource,
        listed late: the lookup keeps asking for ``unacknowledged_wait`` more seconds and adopts it.
    """
    recorded = ledger.created()
    if recorded is not None:
        return Outcome(recorded, "recorded")
    earlier = ledger.intent()
    unacknowledged = earlier is not None  # an earlier try may have sent the POST
    if earlier is None and always_look_up:
        earlier = Intent(fingerprint=request_fingerprint, at=datetime.now(tz=timezone.utc))
    if earlier is not None:
        try:
            found = look_for(find_existing, earlier, unacknowledged_wait if unacknowledged else 0.0)
        except LOOKUP_CANNOT_ANSWER as error:
            if not unacknowledged or on_lookup_error is None:
                raise
            on_lookup_error(earlier, error)  # raises, or returns: send again
            found = None
        if found is not None:
            resource_id = to_id(found)
            ledger.record_created(resource_id)
            return Outcome(resource_id, "found")
    ledger.record_intent(request_fingerprint, keep_request)
    try:
        made = create()
    except RedexError as error:
        if unacknowledged and earlier is not None and refused_as_duplicate and refused_as_duplicate(error):
            now = datetime.now(tz=timezone.utc)
            own = look_for(find_existing, earlier, unacknowledged_wait, since=now)
            if own is not None:
                log.info("REDEX refused the request as a duplicate of what an earlier try made: adopting it")
                ledger.record_created(to_id(own))
                return Outcome(to_id(own), "found")
        if not may_have_acted(error):
            ledger.withdraw_intent()
        raise
    resource_id = to_id(made)
    crash_point(crash_point_name)
    ledger.record_created(resource_id)
    return Outcome(resource_id, "created")
