"""The provider info Airflow reads through the entry point: valid, true and cheap."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

import airflow_provider_redex
from airflow_provider_redex import provider_info
from airflow_provider_redex.provider_info import get_provider_info

# The extras ARCHITECTURE.md fixes for the `redex` connection type.
DOCUMENTED_EXTRAS = {
    "api_key",
    "client_id",
    "account_key",
    "rate_limit_storage",
    "account_requests",
    "account_window_seconds",
    "ip_requests",
    "ip_window_seconds",
    "pacing_margin_seconds",
    "timeout",
    "max_retries",
    "web_url",  # REDEX's web address, for the extra links
}


def _airflow_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(files("airflow").joinpath(name).read_text())
    return schema


def _modules(info: dict[str, Any], section: str) -> list[str]:
    return [module for entry in info[section] for module in entry["python-modules"]]


def test_provider_info_passes_airflows_own_schema() -> None:
    jsonschema.validate(get_provider_info(), _airflow_schema("provider_info.schema.json"))


def test_connection_type_passes_the_provider_yaml_schema_for_conn_fields_and_ui_behaviour() -> None:
    # provider_info.schema.json does not describe conn-fields; provider.yaml.schema.json does.
    item_schema = _airflow_schema("provider.yaml.schema.json")["properties"]["connection-types"]["items"]
    (connection_type,) = get_provider_info()["connection-types"]
    jsonschema.validate(connection_type, item_schema)


def test_connection_type_names_the_redex_hook() -> None:
    (connection_type,) = get_provider_info()["connection-types"]
    module_name, _, class_name = connection_type["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module_name), class_name)
    assert connection_type["connection-type"] == hook.conn_type == "redex"
    assert hook.default_conn_name == "redex_default"
    assert hook.conn_name_attr == "redex_conn_id"


def test_conn_fields_are_exactly_the_documented_extras() -> None:
    (connection_type,) = get_provider_info()["connection-types"]
    assert set(connection_type["conn-fields"]) == DOCUMENTED_EXTRAS


def test_api_key_is_a_sensitive_field_in_the_form() -> None:
    # ProvidersManager marks a conn-field sensitive (masked in the UI) when its format is "password".
    fields = get_provider_info()["connection-types"][0]["conn-fields"]
    sensitive = {name for name, field in fields.items() if field["schema"].get("format") == "password"}
    assert sensitive == {"api_key"}


def test_ui_hides_unused_fields_and_relabels_host_and_password() -> None:
    behaviour = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
    assert set(behaviour["hidden-fields"]) == {"schema", "port", "login"}
    assert behaviour["relabeling"] == {
        "host": "REDEX API base URL",
        "password": "Bearer token or client secret",
    }
    assert behaviour["placeholders"]["host"].startswith("https://")


def test_versions_follow_the_package_version() -> None:
    assert get_provider_info()["versions"] == [airflow_provider_redex.__version__]


@pytest.mark.parametrize("section", ["hooks", "operators", "sensors", "triggers"])
def test_every_listed_module_imports(section: str) -> None:
    for module in _modules(get_provider_info(), section):
        importlib.import_module(module)


def _kinds() -> dict[str, tuple[str, type]]:
    from airflow.providers.common.compat.sdk import BaseHook, BaseOperator, BaseSensorOperator
    from airflow.triggers.base import BaseTrigger

    return {
        "hooks": ("airflow_provider_redex.hooks", BaseHook),
        "operators": ("airflow_provider_redex.operators", BaseOperator),
        "sensors": ("airflow_provider_redex.sensors", BaseSensorOperator),
        "triggers": ("airflow_provider_redex.triggers", BaseTrigger),
    }


@pytest.mark.parametrize("section", ["hooks", "operators", "sensors", "triggers"])
def test_every_module_defining_such_a_class_is_listed(section: str) -> None:
    package_name, base = _kinds()[section]
    package = importlib.import_module(package_name)
    defining = set()
    for info in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, base) and cls is not base:
                defining.add(module.__name__)
    listed = set(_modules(get_provider_info(), section))
    assert defining <= listed, f"add to provider_info.{section.upper()[:-1]}_MODULES: {defining - listed}"


def test_reading_the_provider_info_imports_no_airflow_module() -> None:
    # Every Airflow component calls get_provider_info(); it must not drag Airflow or the hooks in.
    code = (
        "import sys; from airflow_provider_redex.provider_info import get_provider_info; "
        "get_provider_info(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'airflow' "
        "or m.startswith('airflow_provider_redex.hooks')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_module_constants_are_what_the_entry_point_reports() -> None:
    (connection_type,) = get_provider_info()["connection-types"]
    assert connection_type["hook-class-name"] == provider_info.HOOK_CLASS_NAME
    assert get_provider_info()["package-name"] == "airflow-provider-redex"
