"""Sensors that wait on REDEX decisions; each can poke, reschedule or defer."""

from __future__ import annotations

from airflow_provider_redex.sensors.device_applications import RedexDeviceApplicationSensor
from airflow_provider_redex.sensors.generation import RedexGenerationProcessSensor
from airflow_provider_redex.sensors.rec_applications import RedexRecApplicationSensor
from airflow_provider_redex.sensors.retirements import RedexRetirementApplicationSensor

__all__ = [
    "RedexDeviceApplicationSensor",
    "RedexGenerationProcessSensor",
    "RedexRecApplicationSensor",
    "RedexRetirementApplicationSensor",
]
