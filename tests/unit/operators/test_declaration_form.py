"""The ODF check reads PDFs the way a reader does: text found however the file is written.

The PDFs are written here, byte by byte, in the layouts real writers use: a classic
cross-reference table (PDF 1.4), and PDF 1.5 object streams with a compressed cross-reference
stream (Word, LibreOffice, Acrobat), where no ``/Font`` is visible in the raw bytes.
"""

from __future__ import annotations

import zlib

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_redex.operators.documents import check_declaration_form

TEXT_PAGE = b"BT /F1 12 Tf 72 720 Td (Owner Declaration Form - Rooftop 1) Tj ET"
IMAGE_PAGE = b"q 200 0 0 200 72 500 cm /Im1 Do Q"


def _objects(content: bytes, *, image: bool) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Plain objects and stream objects (number -> bytes) of a one-page document."""
    resources = b"<< /XObject << /Im1 5 0 R >> >>" if image else b"<< /Font << /F1 5 0 R >> >>"
    plain = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        + resources
        + b" /Contents 4 0 R >>",
    }
    packed = zlib.compress(content)
    streams = {4: b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"}
    if image:
        pixels = zlib.compress(bytes(range(256)) * 4)
        streams[5] = (
            b"<< /Type /XObject /Subtype /Image /Width 32 /Height 32 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(pixels)
            + pixels
            + b"\nendstream"
        )
    else:
        plain[5] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return plain, streams


def classic_pdf(content: bytes = TEXT_PAGE, *, image: bool = False) -> bytes:
    """PDF 1.4: every object in the open, a cross-reference table."""
    plain, streams = _objects(content, image=image)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted({**plain, **streams}):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + {**plain, **streams}[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(offsets))
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(out)


def object_stream_pdf(content: bytes = TEXT_PAGE, *, image: bool = False) -> bytes:
    """PDF 1.5: catalog, pages and font packed in a compressed object stream; the
    cross-reference is itself a compressed stream."""
    plain, streams = _objects(content, image=image)
    objstm_number = max({**plain, **streams}) + 1
    xref_number = objstm_number + 1
    header, bodies = b"", b""
    for number, body in sorted(plain.items()):
        header += b"%d %d " % (number, len(bodies))
        bodies += body + b" "
    packed = zlib.compress(header + bodies)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    entries: dict[int, bytes] = {0: b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"}
    for index, number in enumerate(sorted(plain)):
        entries[number] = b"\x02" + objstm_number.to_bytes(4, "big") + index.to_bytes(2, "big")
    for number, body in sorted(streams.items()):
        entries[number] = b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00"
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    entries[objstm_number] = b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00"
    out += (
        b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (objstm_number, len(plain), len(header), len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref = len(out)
    entries[xref_number] = b"\x01" + xref.to_bytes(4, "big") + b"\x00\x00"
    table = zlib.compress(b"".join(entries[n] for n in range(xref_number + 1)))
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
        % (xref_number, xref_number + 1, len(table))
        + b"stream\n"
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return bytes(out)


WRITERS = pytest.mark.parametrize(
    "write", [classic_pdf, object_stream_pdf], ids=["pdf-1.4-xref-table", "pdf-1.5-objstm"]
)


@WRITERS
def test_searchable_pdf_is_accepted_however_it_is_written(write: object) -> None:
    content = write()  # type: ignore[operator]
    check_declaration_form("odf.pdf", content)


def test_object_stream_pdf_shows_no_font_marker_in_its_bytes() -> None:
    """What the old byte search refused: the font is inside the compressed object stream."""
    assert b"/Font" not in object_stream_pdf()


@WRITERS
def test_image_only_pdf_is_refused_with_the_ocr_hint(write: object) -> None:
    content = write(IMAGE_PAGE, image=True)  # type: ignore[operator]
    with pytest.raises(AirflowFailException, match=r"no text layer .* run OCR"):
        check_declaration_form("scan.pdf", content)


def test_font_declared_but_no_text_drawn_is_refused() -> None:
    with pytest.raises(AirflowFailException, match="no text layer"):
        check_declaration_form("blank.pdf", classic_pdf(b"q Q"))


def test_broken_pdf_is_refused_as_unreadable() -> None:
    with pytest.raises(AirflowFailException, match=r"cannot be read as a PDF|no text layer"):
        check_declaration_form("broken.pdf", b"%PDF-1.4\nthis is not a pdf body\n")


def test_non_pdf_is_refused_before_parsing() -> None:
    with pytest.raises(AirflowFailException, match="is not a PDF"):
        check_declaration_form("odf.pdf", b"PK\x03\x04 a zip")
