"""The Airflow plugin that puts a "REDEX" entry in the UI's navigation.

Airflow loads it in every component (the provider info's ``plugins`` entry), so importing this
module stays cheap: the FastAPI app behind the page, with its Airflow security imports, is
built by :class:`LazyRedexApp` on the first request, which only the api-server receives.
"""

from __future__ import annotations

import threading
from typing import Any

from airflow import settings
from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/redex"
"""Where the api-server mounts the app; ``ui/app.py`` links within it."""


class LazyRedexApp:
    """An ASGI app that builds the real one (``ui/app.py``) when the first request arrives."""

    def __init__(self) -> None:
        self._app: Any = None
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    from airflow_provider_redex.ui.app import create_app

                    self._app = create_app()
        await self._app(scope, receive, send)


class RedexUiPlugin(AirflowPlugin):
    """REDEX budget, applications, inventory, pushes and certificates, one page per connection."""

    name = "redex"
    fastapi_apps = [{"app": LazyRedexApp(), "url_prefix": URL_PREFIX, "name": "REDEX"}]
    external_views = [
        {
            "name": "REDEX",
            "href": f"{URL_PREFIX}/",
            "url_route": "redex",
            "destination": "nav",
            "nav_top_level": True,  # its own entry in the navigation, not under "Plugins"
        }
    ]


# Airflow registers a provider's plugins (provider info ``plugins``) only when
# ``[core] lazy_discover_providers`` is False, and ``airflow.plugins`` entry points always. The
# entry point names this attribute: the plugin when providers are discovered lazily (Airflow's
# default), and nothing (which Airflow skips) when provider info already registers it, so the
# plugin is registered exactly once either way.
entry_point_plugin: type[RedexUiPlugin] | None = RedexUiPlugin if settings.LAZY_LOAD_PROVIDERS else None
