"""What the provider's plugin (``airflow_provider_redex/plugins.py``) adds for the REDEX page.

A "REDEX" entry in the UI's navigation (``external_views``) that opens the page the api-server
serves under :data:`URL_PREFIX` (``fastapi_apps``). Airflow loads the plugin in every component,
so importing this module stays cheap: the FastAPI app behind the page, with its Airflow security
imports, is built by :class:`LazyRedexApp` on the first request, which only the api-server gets.
"""

from __future__ import annotations

import threading
from typing import Any

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


FASTAPI_APPS: list[dict[str, Any]] = [{"app": LazyRedexApp(), "url_prefix": URL_PREFIX, "name": "REDEX"}]
EXTERNAL_VIEWS: list[dict[str, Any]] = [
    {
        "name": "REDEX",
        "href": f"{URL_PREFIX}/",
        "url_route": "redex",
        "destination": "nav",
        "nav_top_level": True,  # its own entry in the navigation, not under "Plugins"
    }
]
