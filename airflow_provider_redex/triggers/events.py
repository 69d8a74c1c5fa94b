"""The event a REDEX trigger hands back to its sensor, and the one function that checks it.

An event crosses the metadata database between the triggerer and the worker. It can come
back as ``None`` (a trigger that was killed, a task resumed by hand) or with a status we do
not know (an older or newer provider on the other side). Both must fail the task, never
fall through to success: ``validate_trigger_event`` is therefore the first call in every
``execute_complete`` of this package.

Every event is a dict of JSON primitives with fixed keys::

    {"status": "success" | "failure" | "timeout" | "error",
     "message": str,                 # a sentence a person reads
     "resource_id": str,             # what was polled (application id, process id)
     "redex_status": str | None,     # REDEX's own status value at the last poll
     "application_number": str | None,
     "reason": str | None,           # REDEX's reason for a decision, when it gave one
     "result": dict | None}          # on success: the sensor's XCom value (JSON primitives)
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

from airflow.sdk.exceptions import AirflowException

EVENT_SUCCESS: Final = "success"
EVENT_FAILURE: Final = "failure"
EVENT_TIMEOUT: Final = "timeout"
EVENT_ERROR: Final = "error"

TRIGGER_EVENT_STATUSES: Final[frozenset[str]] = frozenset(
    {EVENT_SUCCESS, EVENT_FAILURE, EVENT_TIMEOUT, EVENT_ERROR}
)
"""Every ``status`` a REDEX trigger may send; anything else is refused."""

EVENT_KEYS: Final[tuple[str, ...]] = (
    "status",
    "message",
    "resource_id",
    "redex_status",
    "application_number",
    "reason",
    "result",
)


class RedexTriggerEvent(TypedDict):
    """The payload of every REDEX trigger event (see the module docstring)."""

    status: str
    message: str
    resource_id: str
    redex_status: str | None
    application_number: str | None
    reason: str | None
    result: dict[str, Any] | None


class RedexTriggerEventError(AirflowException):
    """The event that resumed the task is missing or is not one a REDEX trigger sends."""


def make_event(
    status: str,
    message: str,
    *,
    resource_id: str,
    redex_status: str | None = None,
    application_number: str | None = None,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
) -> RedexTriggerEvent:
    """Build an event; refuses a status outside :data:`TRIGGER_EVENT_STATUSES` at the source."""
    if status not in TRIGGER_EVENT_STATUSES:
        raise ValueError(f"unknown trigger event status {status!r}")
    return RedexTriggerEvent(
        status=status,
        message=message,
        resource_id=resource_id,
        redex_status=redex_status,
        application_number=application_number,
        reason=reason,
        result=result,
    )


def validate_trigger_event(event: Any) -> RedexTriggerEvent:
    """Return ``event`` as a :class:`RedexTriggerEvent`, or fail with the event shown.

    :param event: what ``execute_complete`` received.
    :raises RedexTriggerEventError: ``event`` is ``None``, not a dict, or its ``status`` is
        not in :data:`TRIGGER_EVENT_STATUSES`.
    """
    if event is None:
        raise RedexTriggerEventError(
            "The task resumed without a trigger event (event=None); the trigger did not report, "
            "so the outcome is unknown and the task fails rather than guess."
        )
    if not isinstance(event, dict):
        raise RedexTriggerEventError(f"Trigger event is not a dict: {event!r}")
    status = event.get("status")
    if status not in TRIGGER_EVENT_STATUSES:
        raise RedexTriggerEventError(
            f"Trigger event has unknown status {status!r} "
            f"(expected one of {sorted(TRIGGER_EVENT_STATUSES)}): {event!r}"
        )
    message = event.get("message")
    result = event.get("result")
    return RedexTriggerEvent(
        status=status,
        message=message if isinstance(message, str) else repr(message),
        resource_id=str(event.get("resource_id", "")),
        redex_status=_optional_str(event.get("redex_status")),
        application_number=_optional_str(event.get("application_number")),
        reason=_optional_str(event.get("reason")),
        result=result if isinstance(result, dict) else None,
    )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
