"""A real, small retirement certificate PDF, written with nothing but the standard library.

REDEX links a PDF from a retirement's ``BlobContent``; the sandbox serves one so a DAG that
stores certificates can be developed against it. The file is a valid PDF 1.4: one page, the
built-in Helvetica font, a cross-reference table with exact byte offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateText:
    """What the certificate says."""

    title: str
    lines: Sequence[str]


def _escape(text: str) -> str:
    """PDF string literal escaping; non-Latin-1 characters become ``?`` (Helvetica has none)."""
    latin = text.encode("latin-1", errors="replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content_stream(text: CertificateText) -> bytes:
    ops = ["BT", "/F1 20 Tf", "72 760 Td", f"({_escape(text.title)}) Tj", "/F1 11 Tf", "0 -36 Td"]
    for line in text.lines:
        ops += [f"({_escape(line)}) Tj", "0 -18 Td"]
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def render_pdf(text: CertificateText) -> bytes:
    """The certificate as PDF bytes."""
    stream = _content_stream(text)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)
