"""Triggers that poll REDEX statuses with GETs in the triggerer, and one that schedules DAGs on
REDEX's decisions (``AssetWatcher``)."""

from __future__ import annotations

from airflow_provider_redex.triggers.decisions import RedexApplicationDecidedTrigger
from airflow_provider_redex.triggers.events import TRIGGER_EVENT_STATUSES, validate_trigger_event
from airflow_provider_redex.triggers.status import (
    RedexDeviceApplicationTrigger,
    RedexGenerationProcessTrigger,
    RedexRecApplicationTrigger,
    RedexRetirementApplicationTrigger,
    RedexStatusTrigger,
)

__all__ = [
    "TRIGGER_EVENT_STATUSES",
    "RedexApplicationDecidedTrigger",
    "RedexDeviceApplicationTrigger",
    "RedexGenerationProcessTrigger",
    "RedexRecApplicationTrigger",
    "RedexRetirementApplicationTrigger",
    "RedexStatusTrigger",
    "validate_trigger_event",
]
