"""The sandbox's file host: uploaded documents and retirement certificates.

REDEX serves files from a separate blob host (``file.rehash.redex.eco``, a blob store), not
from the API, so these downloads carry no token and are neither counted nor faulted. The
URLs are the ones the API hands out in ``Path`` (F2) and ``BlobContent`` (T3).
"""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from airflow_provider_redex.sandbox.responses import ApiError
from airflow_provider_redex.sandbox.runtime import Sandbox

PREFIX = "/blobs"
router = APIRouter(prefix=PREFIX, tags=["sandbox files"])


def blob_url(request: Request, blob_id: UUID, filename: str) -> str:
    """The absolute download URL of a stored file, on the host the client used."""
    base = str(request.base_url).rstrip("/")
    return f"{base}{PREFIX}/{blob_id}/{quote(filename)}"


@router.get("/{blob_id}/{filename}", summary="Download a stored file (document or certificate)")
async def download(blob_id: UUID, filename: str, request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    blob = sandbox.state.blobs.get(blob_id)
    if blob is None or blob.filename != filename:
        raise ApiError(404)
    return Response(
        blob.content,
        media_type=blob.content_type,
        headers={"Content-Disposition": f'inline; filename="{quote(blob.filename)}"'},
    )
