"""What Airflow learns about this provider without importing it.

Airflow calls :func:`get_provider_info` through the ``apache_airflow_provider`` entry point in
every component (scheduler, API server, workers, the CLI), so it must stay cheap: it imports
no hook, operator or Airflow module. The connection form is declared here (``conn-fields``,
``ui-field-behaviour``) because Airflow 3.2+ reads it from provider info and no longer wants
hooks to build WTForms widgets.

The module lists below are written out, not discovered, so that reading them costs nothing.
``tests/unit/test_provider_info.py`` keeps them true: every listed module imports, and every
module of the package that defines a hook, operator, sensor or trigger class is listed.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_redex import __version__
from airflow_provider_redex.client import constants as defaults

PACKAGE_NAME = "airflow-provider-redex"
INTEGRATION = "REDEX"
CONNECTION_TYPE = "redex"
HOOK_CLASS_NAME = "airflow_provider_redex.hooks.redex.RedexHook"
UAT_BASE_URL = "https://uat-api.redex.eco"

HOOK_MODULES: tuple[str, ...] = ("airflow_provider_redex.hooks.redex",)
OPERATOR_MODULES: tuple[str, ...] = (
    "airflow_provider_redex.operators.base",
    "airflow_provider_redex.operators.beneficiaries",
    "airflow_provider_redex.operators.certificates",
    "airflow_provider_redex.operators.deadlines",
    "airflow_provider_redex.operators.devices",
    "airflow_provider_redex.operators.documents",
    "airflow_provider_redex.operators.exports",
    "airflow_provider_redex.operators.generation",
    "airflow_provider_redex.operators.rec_applications",
    "airflow_provider_redex.operators.reconcile",
    "airflow_provider_redex.operators.retirements",
)
SENSOR_MODULES: tuple[str, ...] = (
    "airflow_provider_redex.sensors.base",
    "airflow_provider_redex.sensors.device_applications",
    "airflow_provider_redex.sensors.generation",
    "airflow_provider_redex.sensors.rec_applications",
    "airflow_provider_redex.sensors.retirements",
)
TRIGGER_MODULES: tuple[str, ...] = (
    "airflow_provider_redex.triggers.status",
    "airflow_provider_redex.triggers.decisions",
)
EXTRA_LINKS: tuple[str, ...] = (
    "airflow_provider_redex.links.RedexDeviceApplicationLink",
    "airflow_provider_redex.links.RedexRecApplicationLink",
    "airflow_provider_redex.links.RedexRetirementLink",
    "airflow_provider_redex.links.RedexCertificateLink",
)
ASSET_URIS: list[dict[str, Any]] = [
    {
        "schemes": ["redex"],
        "handler": "airflow_provider_redex.lineage.normalize_uri",
        "factory": "airflow_provider_redex.lineage.create_asset",
        "to_openlineage_converter": "airflow_provider_redex.lineage.convert_asset_to_openlineage",
    }
]
CLI_COMMANDS: tuple[str, ...] = ("airflow_provider_redex.cli.definition.get_redex_cli_commands",)
"""``airflow redex ...``; Airflow imports the function when its CLI starts."""
# The timetable and the REDEX page in the UI; Airflow imports the class in every component.
PLUGIN_CLASS_NAME = "airflow_provider_redex.plugins.RedexPlugin"


def _field(label: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": schema}


def _positive_int(label: str, description: str) -> dict[str, Any]:
    return _field(label, description, {"type": ["integer", "null"], "minimum": 1})


def _positive_number(label: str, description: str, minimum: float = 0) -> dict[str, Any]:
    return _field(label, description, {"type": ["number", "null"], "minimum": minimum})


# Keys are the connection's extra keys; hooks/connection.py reads exactly these.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "api_key": _field(
        "API key",
        "For the api_key grant: the REDEX API key (with Client ID; the password is then the "
        "client secret). Leave empty when the password is a bearer token.",
        {"type": ["string", "null"], "format": "password"},
    ),
    "client_id": _field(
        "Client ID",
        "For the api_key grant: the REDEX client id.",
        {"type": ["string", "null"]},
    ),
    "account_key": _field(
        "Rate-limit account key",
        "Names the business account's request budget. Connections to the same REDEX account must "
        "share it; empty derives it from the credentials.",
        {"type": ["string", "null"]},
    ),
    "rate_limit_storage": _field(
        "Rate-limit storage",
        "Where the request budget is counted: redis://host:6379/0 (every worker and the triggerer), "
        "sql+<SQLAlchemy URL>, or memory:// (one process). Empty: the Celery broker's Redis, "
        "else a file shared by the processes of this machine.",
        {"type": ["string", "null"]},
    ),
    "account_requests": _positive_int(
        "Account requests per window",
        f"Requests allowed per business account per window (REDEX: {defaults.ACCOUNT_REQUESTS}).",
    ),
    "account_window_seconds": _positive_number(
        "Account window (s)",
        f"Length of the business-account window in seconds (REDEX: {defaults.ACCOUNT_WINDOW_SECONDS:g}).",
        0.001,
    ),
    "ip_requests": _positive_int(
        "IP requests per window",
        f"Requests allowed per client IP per window (REDEX: {defaults.IP_REQUESTS}).",
    ),
    "ip_window_seconds": _positive_number(
        "IP window (s)",
        f"Length of the per-IP window in seconds (REDEX: {defaults.IP_WINDOW_SECONDS:g}).",
        0.001,
    ),
    "pacing_margin_seconds": _positive_number(
        "Pacing margin (s)",
        f"Added to each window to absorb latency jitter (default {defaults.PACING_MARGIN_SECONDS:g}).",
    ),
    "timeout": _positive_number("Timeout (s)", "Per-request timeout in seconds.", 0.001),
    "max_retries": _field(
        "Max retries",
        "Retries of a request that may be retried (GETs; POSTs only when REDEX surely did not act).",
        {"type": ["integer", "null"], "minimum": 0},
    ),
    "web_url": _field(
        "REDEX web address",
        "REDEX's web application (not the API), e.g. https://uat.redex.eco: tasks then link to the "
        "REDEX page of what they made. Empty: no links.",
        {"type": ["string", "null"]},
    ),
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port", "login"],
    "relabeling": {"host": "REDEX API base URL", "password": "Bearer token or client secret"},
    "placeholders": {
        "host": UAT_BASE_URL,
        "password": "bearer token, or the client secret of the api_key grant",
        "rate_limit_storage": "redis://127.0.0.1:6379/0",
        "account_requests": str(defaults.ACCOUNT_REQUESTS),
        "account_window_seconds": f"{defaults.ACCOUNT_WINDOW_SECONDS:g}",
        "ip_requests": str(defaults.IP_REQUESTS),
        "ip_window_seconds": f"{defaults.IP_WINDOW_SECONDS:g}",
        "pacing_margin_seconds": f"{defaults.PACING_MARGIN_SECONDS:g}",
        "web_url": "https://uat.redex.eco",
    },
}


def _section(modules: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"integration-name": INTEGRATION, "python-modules": list(modules)}] if modules else []


def get_provider_info() -> dict[str, Any]:
    """The provider description Airflow's ProvidersManager validates and reads."""
    return {
        "package-name": PACKAGE_NAME,
        "name": "REDEX",
        "description": "Run the renewable energy certificate lifecycle (I-REC, TIGR) on the "
        "`REDEX <https://redex.eco>`__ platform from Airflow DAGs.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://api-docs.redex.eco",
                "tags": ["service"],
            }
        ],
        "hooks": _section(HOOK_MODULES),
        "operators": _section(OPERATOR_MODULES),
        "sensors": _section(SENSOR_MODULES),
        "triggers": _section(TRIGGER_MODULES),
        "extra-links": list(EXTRA_LINKS),
        "asset-uris": [dict(entry) for entry in ASSET_URIS],
        "cli": list(CLI_COMMANDS),
        "plugins": [{"name": "redex", "plugin-class": PLUGIN_CLASS_NAME}],
        "connection-types": [
            {
                "connection-type": CONNECTION_TYPE,
                "hook-class-name": HOOK_CLASS_NAME,
                "hook-name": "REDEX",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
    }
