"""The provider's Airflow plugin: what Airflow finds only through plugins.

* the custom timetable: Airflow stores a DAG's timetable serialized and, for a class outside
  Airflow, looks it up among the timetables that plugins register; provider info has no
  ``timetables`` section;
* the REDEX page in the UI (``ui/``): a "REDEX" navigation entry and the app the api-server
  serves behind it.

Airflow registers a provider info's ``plugins`` only when ``[core] lazy_discover_providers`` is
False, and ``airflow.plugins`` entry points always. Both name this plugin: the entry point
(``pyproject.toml``) loads :data:`entry_point_plugin`, which is the plugin when providers are
discovered lazily (Airflow's default) and nothing (which Airflow skips) otherwise, so the plugin
is registered exactly once in every component (scheduler, dag-processor, API server, workers).
"""

from __future__ import annotations

from airflow import settings
from airflow.plugins_manager import AirflowPlugin

from airflow_provider_redex.timetables import ResidualMixDeadlineTimetable
from airflow_provider_redex.ui.plugin import EXTERNAL_VIEWS, FASTAPI_APPS


class RedexPlugin(AirflowPlugin):
    """Registers :class:`ResidualMixDeadlineTimetable` and the REDEX page in the UI."""

    name = "redex"
    timetables = [ResidualMixDeadlineTimetable]
    fastapi_apps = FASTAPI_APPS
    external_views = EXTERNAL_VIEWS


entry_point_plugin: type[RedexPlugin] | None = RedexPlugin if settings.LAZY_LOAD_PROVIDERS else None
