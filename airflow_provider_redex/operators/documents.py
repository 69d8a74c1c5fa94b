"""Lifecycle step 1: upload the signed Owner Declaration Form (ODF).

REDEX requires the ODF as a *searchable* PDF of at most 5 MB (API_REFERENCE 5.1, BR13). Both
are checked here before the upload, so a scanned image or an oversized file fails in seconds
with the rule named instead of after a round trip, or worse, at REDEX's manual review.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.client.models import rules
from airflow_provider_redex.operators.base import RedexBaseOperator, RedexRefusal

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

PDF_MAGIC = b"%PDF-"


class RedexUploadDocumentOperator(RedexBaseOperator):
    """Upload a document, by default an ODF, and return ``{file_id, validation_code}``.

    Pass ``file_id`` to ``RedexRegisterGroupedDeviceOperator`` (``DeclarationFormFileId``); keep
    ``validation_code``: REDEX returns it once and asks for it to read the file back.

    :param path: a local path or an ``ObjectStoragePath`` (templated).
    :param filename: the name REDEX stores; defaults to the file's own name (templated).
    :param is_declaration_form: ``True`` (default) enforces the ODF rule: a searchable PDF.
        ``False`` accepts any type REDEX takes (PDF, DOC(X), XLS(X)).
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    lineage_output_kind, lineage_result_key, lineage_input_attribute = "documents", "file_id", "path"
    template_fields: Sequence[str] = ("path", "filename", "redex_conn_id")

    def __init__(
        self,
        *,
        path: str | ObjectStoragePath,
        filename: str | None = None,
        is_declaration_form: bool = True,
        **kwargs: Any,
    ) -> None:
        # Each key of the returned dict is its own XCom too: ``task.output["<key>"]``.
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.path = path
        self.filename = filename
        self.is_declaration_form = is_declaration_form

    def execute(self, context: Context) -> dict[str, Any]:
        name, content = self._read_checked()
        with self.redex_client() as client:
            uploaded = client.documents.upload(content, filename=name)
        self.log.info(
            "Uploaded %s (%s bytes) to REDEX as document %s", name, f"{len(content):,}", uploaded.id
        )
        self.record_produced(context, uploaded.id, filename=name)
        return {"file_id": str(uploaded.id), "validation_code": uploaded.validation_code}

    def _read_checked(self) -> tuple[str, bytes]:
        """The file's name and bytes, after every rule that can be checked locally."""
        source = _as_path(self.path)
        name = self.filename or source.name
        size = source.stat().st_size
        if size > rules.MAX_UPLOAD_BYTES:  # checked before reading: never load a huge file
            raise RedexRefusal(
                f"{name} is {size:,} bytes; REDEX accepts at most {rules.MAX_UPLOAD_BYTES:,} (5 MB)"
            )
        if rules.content_type_for(name) is None:
            raise RedexRefusal(f"{name}: REDEX accepts only {', '.join(sorted(rules.UPLOAD_CONTENT_TYPES))}")
        content = source.read_bytes()
        if self.is_declaration_form:
            check_declaration_form(name, content)
        return name, content


def check_declaration_form(name: str, content: bytes) -> None:
    """Refuse an ODF that is not a searchable PDF, saying which part of the rule it breaks."""
    if rules.content_type_for(name) != rules.UPLOAD_CONTENT_TYPES[".pdf"] or not content.startswith(
        PDF_MAGIC
    ):
        raise RedexRefusal(
            f"{name} is not a PDF; REDEX requires the Owner Declaration Form as a searchable PDF"
        )
    if not has_extractable_text(name, content):
        raise RedexRefusal(
            f"{name} has no text layer (a scanned image?); REDEX requires the Owner Declaration Form "
            "as a searchable PDF: run OCR on it first"
        )


def has_extractable_text(name: str, content: bytes) -> bool:
    """Whether any page of the PDF yields text, read the way a PDF reader reads it.

    A real parser (pypdf), not a byte search: PDF 1.5 writers (Word, LibreOffice, Acrobat) keep
    fonts and page objects inside compressed object streams, where no marker is visible.
    """
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise RedexRefusal(f"{name} is password-protected; REDEX reviewers must be able to open it")
        return any(page.extract_text().strip() for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as err:
        raise RedexRefusal(
            f"{name} cannot be read as a PDF ({err}); export it again as a searchable PDF"
        ) from err


def _as_path(path: Any) -> Any:
    """A ``pathlib.Path`` for a string, the ``ObjectStoragePath`` itself otherwise."""
    if isinstance(path, str):
        from pathlib import Path

        return Path(path)
    return path
