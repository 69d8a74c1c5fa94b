"""After lifecycle step 5: keep the retirement certificate where the business keeps records.

REDEX serves the certificate PDF from its file host (``BlobContent`` of T3), without the
API token. The operator streams it into an ``ObjectStoragePath`` (S3, GCS, a local folder ...)
so nothing but the path goes to XCom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import requests

from airflow_provider_redex.client.base_client import check_base_url
from airflow_provider_redex.links import RedexRetirementLink
from airflow_provider_redex.operators.base import RedexBaseOperator, RedexRefusal

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

DOWNLOAD_TIMEOUT_SECONDS = 60.0
DOWNLOAD_CHUNK_BYTES = 64 * 1024


class RedexDownloadRetirementCertificateOperator(RedexBaseOperator):
    """Download a completed retirement's certificate PDF to ``destination``.

    Returns ``{path, bytes, application_number}``.

    :param retirement_application_id: the retirement (templated).
    :param destination: an ``ObjectStoragePath`` or URL/path string; one ending in ``/`` is a
        folder and the certificate keeps REDEX's file name (templated).
    :param overwrite: replace a file already at the target. Off by default: certificates are
        records, and two retirements' files must never silently replace each other.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    operator_extra_links = (RedexRetirementLink(),)
    template_fields: Sequence[str] = ("retirement_application_id", "destination", "redex_conn_id")

    def __init__(
        self,
        *,
        retirement_application_id: str,
        destination: str | ObjectStoragePath,
        overwrite: bool = False,
        **kwargs: Any,
    ) -> None:
        # Each key of the returned dict is its own XCom too: ``task.output["<key>"]``.
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.retirement_application_id = retirement_application_id
        self.destination = destination
        self.overwrite = overwrite

    def execute(self, context: Context) -> dict[str, Any]:
        with self.redex_client() as client:
            application = client.retirements.get(self.retirement_application_id)
        if not application.blob_content:
            raise RedexRefusal(
                f"retirement {application.application_number} has no certificate yet "
                f"(status {application.status.value.value}); "
                "wait for it with RedexRetirementApplicationSensor"
            )
        target = self._target(application.blob_content)
        if not self.overwrite and target.exists():
            raise RedexRefusal(
                f"{target} already exists; the certificate of retirement {application.application_number} "
                "was not saved over it. Choose another destination, or pass overwrite=True to replace it"
            )
        size = _stream(application.blob_content, target)
        self.log.info(
            "Saved the certificate of retirement %s to %s (%s bytes)",
            application.application_number,
            target,
            f"{size:,}",
        )
        return {"path": str(target), "bytes": size, "application_number": application.application_number}

    def _target(self, url: str) -> ObjectStoragePath:
        from airflow.sdk import ObjectStoragePath

        text = str(self.destination)
        if text.endswith("/"):
            return ObjectStoragePath(text) / unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        return (
            self.destination if isinstance(self.destination, ObjectStoragePath) else ObjectStoragePath(text)
        )


def _stream(url: str, target: ObjectStoragePath) -> int:
    """Copy ``url`` to ``target`` in chunks; TLS required except to loopback (the sandbox)."""
    check_base_url(url)
    size = 0
    with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
        response.raise_for_status()
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:  # type: ignore[no-untyped-call]
            for block in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                handle.write(block)
                size += len(block)
    return size
