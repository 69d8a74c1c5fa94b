"""Uploaded documents (F1, F2): the owner declaration forms devices point at."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.sandbox.ids import IdFactory
from airflow_provider_redex.sandbox.responses import ApiError, bad_request
from airflow_provider_redex.sandbox.state.common import Blob, owned


@dataclass
class Document:
    id: UUID
    account_id: UUID
    filename: str
    validation_code: str


class DocumentStore:
    """Files by id; the bytes live in the shared blob store so ``/blobs/`` can serve them."""

    def __init__(self, ids: IdFactory, blobs: dict[UUID, Blob]) -> None:
        self._ids = ids
        self._blobs = blobs
        self.documents: dict[UUID, Document] = {}

    def upload(self, account_id: UUID, filename: str, content: bytes) -> Document:
        """Store a file after the documented checks: allowed type (by extension) and 5 MB."""
        content_type = rules.content_type_for(filename)
        if content_type is None:
            allowed = ", ".join(sorted(rules.UPLOAD_CONTENT_TYPES))
            raise bad_request("UnsupportedFileType", f"allowed file types: {allowed}", "File")
        if len(content) > rules.MAX_UPLOAD_BYTES:
            raise bad_request("FileTooLarge", f"at most {rules.MAX_UPLOAD_BYTES} bytes", "File")
        if not content:
            raise bad_request("EmptyFile", "the file is empty", "File")
        document = Document(self._ids.uuid(), account_id, filename, self._ids.code(13))
        self.documents[document.id] = document
        self._blobs[document.id] = Blob(filename, content_type, content)
        return document

    def get(self, account_id: UUID, file_id: UUID, validation_code: str | None) -> Document:
        """F2. A wrong ``ValidationCode`` is a 403 (undocumented; our choice, 15.1 #13);
        an empty one is accepted, as REDEX does for files from before the feature."""
        document = owned(self.documents.get(file_id), account_id)
        if validation_code and validation_code != document.validation_code:
            raise ApiError(403)
        return document

    def require(self, account_id: UUID, file_id: UUID, field: str) -> None:
        """A device may only point at a document its own account uploaded."""
        document = self.documents.get(file_id)
        if document is None or document.account_id != account_id:
            raise bad_request("UnknownDocument", f"no uploaded document {file_id}", field)
