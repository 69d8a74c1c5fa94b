"""Timetables for REDEX DAGs; registered with Airflow by ``airflow_provider_redex.plugins``."""

from __future__ import annotations

from airflow_provider_redex.timetables.residual_mix import ResidualMixDeadlineTimetable

__all__ = ["ResidualMixDeadlineTimetable"]
