"""A published notice as a PDF (WeasyPrint, Noto Sans CJK SC): its text, the SM3 fixed when it was
scheduled, and a QR code to its public page, where anyone checks the text against the SM3."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string

from ggzy.notices.models import Notice


def notice_pdf(notice: Notice, *, page_url: str, items: list[tuple[str, str]]) -> bytes:
    import weasyprint  # type: ignore[import-untyped]  # loaded only when a PDF is asked for (pango)

    qr = segno.make(page_url, error="m").svg_data_uri(scale=3)
    html = render_to_string(
        "notices/pdf.html",
        {
            "notice": notice,
            "items": items,
            "page_url": page_url,
            "qr": qr,
            "attachments": list(notice.attachments.select_related("blob")),  # each with its SM3, size
        },
    )
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
