"""The plugin Airflow loads for the REDEX page: registered once, whichever way Airflow looks."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import pytest
from airflow._shared.module_loading import import_string
from airflow._shared.plugins_manager import is_valid_plugin

from airflow_provider_redex import plugins as plugin
from airflow_provider_redex.provider_info import get_provider_info
from airflow_provider_redex.ui.plugin import LazyRedexApp


def test_provider_info_names_a_valid_airflow_plugin_with_a_nav_entry() -> None:
    (entry,) = get_provider_info()["plugins"]
    cls = import_string(entry["plugin-class"])
    assert is_valid_plugin(cls) and cls.name == entry["name"] == "redex"
    (view,) = cls.external_views
    assert (view["name"], view["destination"], view["href"]) == ("REDEX", "nav", "/redex/")
    (app,) = cls.fastapi_apps
    assert app["url_prefix"] == "/redex"


def test_the_entry_point_loads_the_plugin_only_when_providers_are_discovered_lazily(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (ep,) = [e for e in entry_points(group="airflow.plugins") if e.value.startswith("airflow_provider_redex")]
    assert ep.load() is plugin.RedexPlugin  # Airflow's default: provider plugins are not loaded
    from airflow import settings

    monkeypatch.setattr(settings, "LAZY_LOAD_PROVIDERS", False)
    try:
        assert not is_valid_plugin(importlib.reload(plugin).entry_point_plugin)
    finally:
        monkeypatch.undo()
        importlib.reload(plugin)


def test_importing_the_plugin_does_not_build_the_page_app() -> None:
    (app,) = plugin.RedexPlugin.fastapi_apps
    assert isinstance(app["app"], LazyRedexApp) and app["app"]._app is None
