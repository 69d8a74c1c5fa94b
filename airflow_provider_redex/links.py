"""Extra links: a button on the task in Airflow's UI that opens the REDEX page of what the task
made or waits on.

Purpose: an operator looking at a run wants REDEX's own view of the application it created
(reviewer comments, documents) one click away, as the dbt Cloud and Databricks providers give.

How: REDEX's web address is the connection extra ``web_url`` (the API host is another host, so
it cannot be derived). Without it every link is empty and Airflow shows no button. Airflow 3
computes each link in the worker when the task ends and keeps it in XCom, so ``get_link`` may
read the connection and the task's XCom there. Creating operators link the id they returned;
sensors link the id they waited on (their rendered argument), so the link is there even when
REDEX declined the application.

Limits: REDEX does not document its web pages. The paths in :data:`WEB_PAGES` are our choice,
kept here only; change them here if REDEX's pages live elsewhere. The certificate link is the
file URL REDEX itself returned with the completed retirement, so it needs no ``web_url``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

log = logging.getLogger(__name__)

WEB_URL_EXTRA = "web_url"
"""The connection extra holding REDEX's web address, e.g. ``https://uat.redex.eco``."""

WEB_PAGES: dict[str, str] = {
    "device_application": "device-applications/{id}",
    "rec_application": "rec-applications/{id}",
    "retirement": "retirement-applications/{id}",
}
"""REDEX web page of each resource kind, relative to ``web_url``. Our choice: undocumented."""


def web_page(web_url: str | None, kind: str, resource_id: Any) -> str:
    """The REDEX page of one resource, or ``""`` when the web address or the id is unknown."""
    text = "" if resource_id is None else str(resource_id).strip()
    if not web_url or not text:
        return ""
    return f"{web_url.rstrip('/')}/{WEB_PAGES[kind].format(id=quote(text, safe=''))}"


def connection_web_url(conn_id: str) -> str | None:
    """The ``web_url`` extra of a connection; ``None`` when unset or the connection is unreadable."""
    from airflow.sdk import BaseHook

    try:
        extra = BaseHook.get_connection(conn_id).extra_dejson
    except Exception:  # a link must never fail the task; no link is the honest answer
        log.warning("REDEX link: cannot read connection %r", conn_id, exc_info=True)
        return None
    value = extra.get(WEB_URL_EXTRA)
    return str(value) if value else None


def returned_value(ti_key: TaskInstanceKey) -> Any:
    """What the task returned (its ``return_value`` XCom), or ``None``."""
    from airflow.providers.common.compat.sdk import XCom

    return XCom.get_value(ti_key=ti_key, key="return_value")


class RedexResourceLink(BaseOperatorLink):
    """A link to the REDEX page of one resource of :attr:`kind`.

    The id is the operator's attribute :attr:`id_attribute` when set (sensors: what they wait
    on), else the task's return value (operators: what they created), or :attr:`result_key`
    of it when the return value is a mapping.
    """

    kind: ClassVar[str] = ""
    id_attribute: ClassVar[str] = ""
    result_key: ClassVar[str] = ""

    def resource_id(self, operator: BaseOperator, ti_key: TaskInstanceKey) -> Any:
        value = getattr(operator, self.id_attribute, None) if self.id_attribute else None
        if value is None:
            value = returned_value(ti_key)
            if isinstance(value, dict):
                value = value.get(self.result_key)
        return value

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        resource_id = self.resource_id(operator, ti_key)
        if resource_id is None:
            return ""
        conn_id = getattr(operator, "redex_conn_id", "redex_default")
        return web_page(connection_web_url(conn_id), self.kind, resource_id)


class RedexDeviceApplicationLink(RedexResourceLink):
    """The REDEX page of the grouped-device application the task registered or waits on."""

    name = "REDEX device application"
    kind = "device_application"
    id_attribute = "device_application_id"
    result_key = "device_application_id"


class RedexRecApplicationLink(RedexResourceLink):
    """The REDEX page of the REC issuance application the task created or waits on."""

    name = "REDEX REC application"
    kind = "rec_application"
    id_attribute = "rec_application_id"
    result_key = "rec_application_id"


class RedexRetirementLink(RedexResourceLink):
    """The REDEX page of the retirement application the task created, waits on or read."""

    name = "REDEX retirement"
    kind = "retirement"
    id_attribute = "retirement_application_id"
    result_key = "retirement_application_id"


class RedexCertificateLink(BaseOperatorLink):
    """The retirement certificate REDEX issued: the ``certificate_url`` of the sensor's result."""

    name = "REDEX certificate"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        result = returned_value(ti_key)
        url = result.get("certificate_url") if isinstance(result, dict) else None
        return str(url) if url else ""


EXTRA_LINKS: tuple[type[BaseOperatorLink], ...] = (
    RedexDeviceApplicationLink,
    RedexRecApplicationLink,
    RedexRetirementLink,
    RedexCertificateLink,
)
"""Every link class, as provider info lists them."""
