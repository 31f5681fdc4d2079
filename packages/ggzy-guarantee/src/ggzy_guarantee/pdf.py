"""The guarantee document: a one-page PDF (PDF 1.4, the standard Helvetica font, no library) holding the
guarantee's text — what its holder reads and the platform stores by SM3. The same guarantee always makes
the same bytes. Helvetica has no Chinese glyphs, so the page says the codes, amounts and dates in ASCII
(a name outside ASCII is written as its Unicode code points, U+XXXX); the names as written are in the
document's information dictionary (UTF-16) and in the signed JSON body, which is what counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KIND_WORDS = {"bank": "Bank guarantee", "insurer": "Guarantee insurance", "guarantor": "Guarantee company"}
PAGE = (595, 842)  # A4 in points
LEFT, TOP, LEADING = 56, 780, 18


def _latin(text: str) -> str:
    """`text` as the page shows it: printable ASCII as it is, anything else as U+XXXX."""
    return "".join(c if 32 <= ord(c) < 127 else f"U+{ord(c):04X} " for c in text).strip()  # noqa: PLR2004


def _literal(text: str) -> bytes:
    """A PDF literal string of ASCII text, ( ) and \\ escaped."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("ascii") + b")"


def _utf16(text: str) -> bytes:
    """A PDF text string in UTF-16BE with its byte-order mark, as a hex string."""
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


def _yuan(fen: int) -> str:
    return f"CNY {fen // 100:,}.{fen % 100:02d}"


def lines(body: Mapping[str, Any]) -> list[str]:
    """The page's lines for a guarantee body (without its document fields)."""
    issuer, applicant, beneficiary = body["issuer"], body["applicant"], body["beneficiary"]
    return [
        "ELECTRONIC BID GUARANTEE",
        f"{KIND_WORDS.get(issuer['kind'], issuer['kind'])} No. {body['number']}",
        "",
        f"Issuer: {_latin(issuer['name'])}",
        f"Issuer credit code: {issuer['code']}",
        f"Applicant (bidder): {_latin(applicant['name'])}",
        f"Applicant credit code: {applicant['code']}",
        f"Beneficiary (tenderer): {_latin(beneficiary['name'])}",
        f"Beneficiary credit code: {beneficiary['code']}",
        f"Tender project: {body['tender_project']}",
        f"Section: {body['section']}",
        f"Guaranteed amount: {_yuan(body['amount_fen'])} ({body['amount_fen']} fen)",
        f"Cover: from {body['cover_from']} to {body['cover_until']} inclusive (Asia/Shanghai)",
        f"Issued at: {body['issued_at']}",
        "",
        "The issuer irrevocably undertakes to pay the beneficiary, on its first written demand",
        "made within the cover, up to the guaranteed amount, where the applicant withdraws its bid",
        "after the bid deadline or refuses to sign the contract after being awarded it.",
        "",
        "This document is bound to the signed guarantee (ggzy-guarantee-v1) by its SM3 hash.",
    ]


def guarantee_pdf(body: Mapping[str, Any]) -> bytes:
    """The one-page PDF of a guarantee body."""
    text = [b"BT", b"/F1 16 Tf", f"{LEFT} {TOP} Td".encode(), f"{LEADING} TL".encode()]
    for number, line in enumerate(lines(body)):
        if number == 1:
            text.append(b"/F1 11 Tf")
        text.append(_literal(line) + b" Tj T*")
    text.append(b"ET")
    stream = b"\n".join(text) + b"\n"
    info = (
        b"<< /Title " + _utf16(f"电子投标保函 {body['number']}")
        + b" /Author " + _utf16(str(body["issuer"]["name"]))
        + b" /Subject " + _utf16(
            f"{body['applicant']['name']} / {body['beneficiary']['name']} / {body['section']}"
        )
        + b" /Producer (ggzy-guarantee) >>"
    )  # fmt: skip
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE[0]} {PAGE[1]}]".encode()
        + b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
