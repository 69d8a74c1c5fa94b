"""F1, F2: uploading documents (multipart, both documented paths) and reading them back."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Request, UploadFile

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.documents import DocumentFile, DocumentQuery, UploadedDocument
from airflow_provider_redex.sandbox.api._routing import AccountDep, SandboxDep, emit, read_query, serve
from airflow_provider_redex.sandbox.blobs import blob_url
from airflow_provider_redex.sandbox.responses import RedexJSONResponse, answer, bad_request

router = APIRouter(tags=["documents"])


@serve(router, "documents.upload", status_code=201)
async def upload(
    account: AccountDep, sandbox: SandboxDep, file: Annotated[UploadFile, File(alias="File")]
) -> RedexJSONResponse:
    content = await file.read(rules.MAX_UPLOAD_BYTES + 1)
    if not file.filename:
        raise bad_request("MissingFileName", "the file part needs a file name", "File")
    document = sandbox.state.documents.upload(account.account_id, file.filename, content)
    data = emit(UploadedDocument, {"Id": document.id, "ValidationCode": document.validation_code})
    return answer(data, status=201, message="Create new document successfully")


@serve(router, "documents.get", query=DocumentQuery)
async def get(fileId: UUID, request: Request, account: AccountDep, sandbox: SandboxDep) -> RedexJSONResponse:
    query = read_query(request, DocumentQuery)
    document = sandbox.state.documents.get(account.account_id, fileId, query.validation_code)
    path = blob_url(request, document.id, document.filename)
    return answer(emit(DocumentFile, {"Name": document.filename, "Path": path}))
