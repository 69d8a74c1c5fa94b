"""Documents (F1, F2): upload the Owner Declaration Form, read a file back."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

from airflow_provider_redex.client.calls import Call
from airflow_provider_redex.client.errors import RedexInputError
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.documents import DocumentFile, DocumentQuery, UploadedDocument
from airflow_provider_redex.client.resources._resource import (
    K,
    Resource,
    endpoint,
    uuid_param,
)

UPLOAD_FIELD = "File"
"""The multipart field REDEX reads the file from (F1)."""


class Documents(Resource[K]):
    """Upload device documents and read them back."""

    @endpoint
    def upload(
        self,
        file: str | os.PathLike[str] | bytes,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Call[UploadedDocument]:
        """F1: upload a file (an ODF must be a searchable PDF); keep ``Id`` and ``ValidationCode``.

        :param file: a path, or the content as bytes (then ``filename`` is required).
        :param filename: the name REDEX stores; defaults to the path's name.
        :param content_type: defaults to the type for the file name's extension.

        Type and size (at most 5 MB) are checked before anything is sent.
        """
        name, content = _read(file, filename)
        kind = content_type or rules.content_type_for(name) or ""
        problems: list[tuple[str, str]] = []
        if kind not in rules.ALLOWED_UPLOAD_CONTENT_TYPES:
            allowed = ", ".join(sorted(rules.UPLOAD_CONTENT_TYPES))
            problems.append((UPLOAD_FIELD, f"{name!r} is not a type REDEX accepts ({allowed})"))
        if len(content) > rules.MAX_UPLOAD_BYTES:
            problems.append((UPLOAD_FIELD, f"{len(content)} bytes; at most {rules.MAX_UPLOAD_BYTES} (5 MB)"))
        if not content:
            problems.append((UPLOAD_FIELD, "the file is empty"))
        if problems:
            raise RedexInputError(problems, what="document upload")
        return Call.one(UploadedDocument, "documents.upload", files={UPLOAD_FIELD: (name, content, kind)})

    @endpoint
    def get(self, file_id: UUID | str, *, validation_code: str | None = None) -> Call[DocumentFile]:
        """F2: a file's name and download URL; pass the upload's ``ValidationCode`` for new files."""
        query = DocumentQuery.from_input({"validation_code": validation_code})
        return Call.one(
            DocumentFile,
            "documents.get",
            path_params={"fileId": uuid_param(file_id, "fileId")},
            params=query.to_params(),
        )


def _read(file: str | os.PathLike[str] | bytes, filename: str | None) -> tuple[str, bytes]:
    if isinstance(file, bytes):
        if not filename:
            raise RedexInputError(
                [("filename", "is required when the file is given as bytes")], what="document upload"
            )
        return filename, file
    path = Path(file)
    size = path.stat().st_size if path.is_file() else None
    if size is None:
        raise RedexInputError([("file", f"{str(path)!r} is not a readable file")], what="document upload")
    if size > rules.MAX_UPLOAD_BYTES:  # refuse before reading a huge file into memory
        raise RedexInputError(
            [(UPLOAD_FIELD, f"{size} bytes; at most {rules.MAX_UPLOAD_BYTES} (5 MB)")], what="document upload"
        )
    return filename or path.name, path.read_bytes()
