"""Lineage: the ``redex://`` asset URIs and the OpenLineage facets of the creating operators.

Purpose: a lineage tool (Marquez, DataHub, Airflow's own asset graph) should see that the
push read ``/data/generation/2026-11-01.csv`` and made REDEX generation processes, that the
registration made a device application, and so on, without a custom extractor.

How: every REDEX resource has one URI, ``redex://<api host>/<kind>/<id>``, e.g.
``redex://uat-api.redex.eco/rec-applications/6f1c...``. The provider registers the scheme
(provider info ``asset-uris``) with :func:`normalize_uri` (lower-cases the host),
:func:`create_asset` (the factory) and :func:`convert_asset_to_openlineage`.
:class:`RedexLineageMixin` gives the creating operators ``get_openlineage_facets_on_complete``:
inputs are the file or object the operator read (its :attr:`lineage_input_attribute`), outputs
the resources it returned (its :attr:`lineage_output_kind`). The OpenLineage provider calls it
when the task succeeded; without that provider nothing here runs.

Airflow's own assets: ids exist only after the POST, so no static outlet can name them. Each
creating operator declares an :class:`~airflow.sdk.AssetAlias` per kind (:func:`produced_alias`,
``redex-<kind>``) and, once it has the id, :meth:`RedexLineageMixin.record_produced` adds the
concrete ``redex://`` asset to that alias's outlet events: Airflow records an asset event for
the real resource, and a DAG may be scheduled on the alias (every resource of the kind) or on
one resource's asset.

Limits: an inline ``source`` (a list of rows) is no dataset and is left out. The host is the
connection's API host, so UAT and production resources never share a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow.sdk import Asset, AssetAlias

SCHEME = "redex"
KINDS: tuple[str, ...] = (
    "devices",
    "device-applications",
    "documents",
    "generation-processes",
    "rec-applications",
    "beneficiaries",
    "retirements",
)
"""The resource kinds a ``redex://`` URI can name: its first path segment."""


def asset_uri(host: str, kind: str, resource_id: Any) -> str:
    """``redex://<host>/<kind>/<id>``; ``host`` may be the API base URL (its scheme is dropped)."""
    _check_kind(kind)
    text = str(resource_id).strip()
    if not text or "/" in text:
        raise ValueError(f"a REDEX resource id must be non-empty and hold no '/': {resource_id!r}")
    return f"{SCHEME}://{_netloc(host)}/{kind}/{text}"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown REDEX resource kind {kind!r}; one of {', '.join(KINDS)}")


def alias_name(kind: str) -> str:
    """The name of the asset alias through which the operators creating ``kind`` report it."""
    _check_kind(kind)
    return f"{SCHEME}-{kind}"


def produced_alias(kind: str) -> AssetAlias:
    """The alias outlet of the operators creating ``kind``: schedule a DAG on it to run after
    each new resource of that kind (``AssetAlias("redex-device-applications")``)."""
    from airflow.sdk import AssetAlias

    return AssetAlias(name=alias_name(kind))


def _netloc(host: str) -> str:
    """The host (and port) of an API base URL or a bare host, lower-cased."""
    parsed = urlsplit(host if "://" in host else f"//{host}")
    if not parsed.netloc:
        raise ValueError(f"a REDEX asset needs the API host, got {host!r}")
    return parsed.netloc.lower()


def normalize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's URI handler for ``redex://``: lower-case the host, drop empty path segments.

    Lenient on purpose: resources have the form :func:`asset_uri` makes, but DAGs may name
    their own ``redex://`` assets (the example DAGs' ``redex://generation-data/processed``),
    so only a URI without a host or a path is refused.
    """
    parts = [part for part in uri.path.split("/") if part]
    if not uri.netloc or not parts:
        raise ValueError(
            f"a redex:// asset URI needs a host and a path, e.g. redex://<api host>/<kind>/<id> with "
            f"kind one of {', '.join(KINDS)}; got {uri.geturl()!r}"
        )
    return uri._replace(netloc=uri.netloc.lower(), path="/" + "/".join(parts), fragment="")


def create_asset(*, host: str, kind: str, resource_id: Any, extra: dict[str, Any] | None = None) -> Asset:
    """The Airflow asset of one REDEX resource (the scheme's factory)."""
    from airflow.sdk import Asset

    return Asset(uri=asset_uri(host, kind, resource_id), extra=extra or {})


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any) -> Any:
    """An OpenLineage dataset: namespace ``redex://<host>``, name ``<kind>/<id>``."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parsed = urlsplit(asset.uri)
    return Dataset(namespace=f"{SCHEME}://{parsed.netloc}", name=parsed.path.lstrip("/"))


def _ids_of(result: Any, result_key: str) -> list[str]:
    """The ids a task returned: the value itself, or ``result[result_key]`` (one or a list)."""
    value = result.get(result_key) if isinstance(result, dict) and result_key else result
    if value is None or isinstance(value, dict):
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(item) for item in values if item is not None and str(item).strip()]


def file_dataset(source: Any) -> Any | None:
    """The OpenLineage dataset of a local path or object-storage URL; ``None`` for inline data."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    if source is None or isinstance(source, (list, tuple, dict)):
        return None
    text = str(source)
    parsed = urlsplit(text)
    if parsed.scheme in ("", "file"):
        return Dataset(namespace="file", name=parsed.path if parsed.scheme else text)
    return Dataset(namespace=f"{parsed.scheme}://{parsed.netloc}", name=parsed.path.lstrip("/"))


class RedexLineageMixin:
    """Gives a creating operator its OpenLineage facets (inputs read, REDEX resources made).

    Purpose: lineage without a custom extractor. How: a subclass names the resource kind it
    returns and, for a mapping result, the key holding the id(s); the input is the operator
    attribute naming a file or object. Limits: only a successful task reports lineage (its
    result is read back from XCom), and only when the OpenLineage provider is installed.
    """

    lineage_output_kind: ClassVar[str] = ""
    lineage_result_key: ClassVar[str] = ""
    lineage_input_attribute: ClassVar[str] = ""

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        from airflow.providers.openlineage.extractors import OperatorLineage

        inputs = []
        if self.lineage_input_attribute:
            dataset = file_dataset(getattr(self, self.lineage_input_attribute, None))
            if dataset is not None:
                inputs.append(dataset)
        outputs = []
        if self.lineage_output_kind:
            result = task_instance.xcom_pull(task_ids=task_instance.task_id, key="return_value")
            host = self._redex_api_host()
            for resource_id in _ids_of(result, self.lineage_result_key):
                asset = create_asset(host=host, kind=self.lineage_output_kind, resource_id=resource_id)
                outputs.append(convert_asset_to_openlineage(asset, None))
        return OperatorLineage(inputs=inputs, outputs=outputs)

    def record_produced(self, context: Mapping[str, Any], *resource_ids: Any, **extra: Any) -> None:
        """Report what this run made or adopted: an asset event per ``redex://<host>/<kind>/<id>``
        through the operator's :func:`produced_alias`, with ``extra`` (values as text) on each event.

        Call it once the id is known, created now or found from an earlier try: the event says
        the resource exists, however this try came by it. Outside an Airflow run (a context
        without ``outlet_events``) there is nothing to report to.
        """
        events = context.get("outlet_events")
        if events is None or not self.lineage_output_kind:
            return
        host, kind = self._redex_api_host(), self.lineage_output_kind
        accessor = events[produced_alias(kind)]
        details = {key: str(value) for key, value in extra.items() if value is not None}
        for resource_id in resource_ids:
            accessor.add(create_asset(host=host, kind=kind, resource_id=resource_id), details)

    def _redex_api_host(self) -> str:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(getattr(self, "redex_conn_id", "redex_default"))
        return str(conn.host or "")
