"""The provider's Airflow plugin: what Airflow finds only through plugins (custom timetables).

Airflow stores a DAG's timetable serialized and, for a class outside Airflow, looks it up among
the timetables that plugins register; provider info has no ``timetables`` section. The
``airflow.plugins`` entry point in ``pyproject.toml`` loads this plugin in every component
(scheduler, dag-processor, API server, workers) once the provider is installed.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_redex.timetables import ResidualMixDeadlineTimetable


class RedexPlugin(AirflowPlugin):
    """Registers :class:`ResidualMixDeadlineTimetable` for DAG serialization."""

    name = "redex"
    timetables = [ResidualMixDeadlineTimetable]
