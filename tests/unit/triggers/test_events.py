"""The one event validator: None, unknown statuses and every known status."""

from __future__ import annotations

import pytest

from airflow_provider_redex.triggers.events import (
    EVENT_KEYS,
    TRIGGER_EVENT_STATUSES,
    RedexTriggerEventError,
    make_event,
    validate_trigger_event,
)


def test_none_event_fails_and_says_the_outcome_is_unknown() -> None:
    with pytest.raises(RedexTriggerEventError, match="event=None"):
        validate_trigger_event(None)


@pytest.mark.parametrize("status", ["succeeded", "", None, "SUCCESS", "cancelled"])
def test_unknown_status_fails_with_the_event_shown(status: object) -> None:
    event = {"status": status, "message": "m", "resource_id": "abc-123"}
    with pytest.raises(RedexTriggerEventError, match="unknown status") as excinfo:
        validate_trigger_event(event)
    assert "abc-123" in str(excinfo.value)


def test_event_that_is_not_a_dict_fails() -> None:
    with pytest.raises(RedexTriggerEventError, match="not a dict"):
        validate_trigger_event(["success"])


@pytest.mark.parametrize("status", sorted(TRIGGER_EVENT_STATUSES))
def test_every_known_status_passes_with_all_keys(status: str) -> None:
    event = make_event(status, "said", resource_id="r1", redex_status="Approved", reason="why")
    checked = validate_trigger_event(dict(event))
    assert checked["status"] == status
    assert tuple(checked) == EVENT_KEYS
    assert checked["reason"] == "why"


def test_make_event_refuses_a_status_outside_the_contract() -> None:
    with pytest.raises(ValueError, match="unknown trigger event status"):
        make_event("done", "m", resource_id="r")


def test_statuses_are_exactly_the_four_of_the_contract() -> None:
    assert frozenset({"success", "failure", "timeout", "error"}) == TRIGGER_EVENT_STATUSES
