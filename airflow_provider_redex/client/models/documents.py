"""Documents (F1, F2): the Owner Declaration Form and other device files."""

from __future__ import annotations

from uuid import UUID

from airflow_provider_redex.client.models.base import QueryModel, ResponseModel


class UploadedDocument(ResponseModel):
    """F1 ``Data``: the file id to put on each device as ``DeclarationFormFileId``.

    ``ValidationCode`` is "returned one time after uploading" (F2), but the stored upload
    response shows only ``Id``; its name and place in ``Data`` are our choice (15.1 #13).
    Keep it: F2 needs it to read the file back.
    """

    id: UUID
    validation_code: str | None = None


class DocumentFile(ResponseModel):
    """F2 ``Data`` (and our choice for P3 items): the original file name and a download URL."""

    name: str
    path: str


class DocumentQuery(QueryModel):
    """F2 query. Leave ``ValidationCode`` out for files uploaded before the feature existed."""

    validation_code: str | None = None
