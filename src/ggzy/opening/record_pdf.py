"""The opening record (开标记录, `ggzy-opening-record-v1`) as an A4 PDF for the hall's parties (WeasyPrint,
Noto Sans CJK SC, as `sealing.receipt_pdf`): what the record says in people's words — the section and its
project, the opening time and the decryption window, each step's scheduled and actual instant in Beijing
time and how late it began, the control price in yuan, K and its draw, the bidders with their security,
the opening sheet, each bidder's answer to its line, the objections with their answers — then the record's
SM3 and whether the centre's seal and the agent's signature are on it, with a QR code of the record's
public verification page (`opening:record-verify`, which shows nothing of the record's content).

The PDF is drawn from the record's own JSON, never from the hall's live rows: it shows exactly what was
sealed and signed. The JSON is the authoritative one; the PDF says so and how to check it offline
(`ggzy-verify document`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from ggzy.core.formatting import beijing, yuan
from ggzy.core.types import JSONDict
from ggzy.opening import steps
from ggzy.opening.models import Hall, LineDecision
from ggzy_sm import strict

#: The QR code's module size and quiet zone in pixels of its PNG (printed at 30 mm, crisp edges).
QR_SCALE = 4
QR_BORDER = 4

#: A bidder's bid security as the record keeps it (the status's kind as of the deadline,
#: `securities.selectors.StatusKind`); "" when the documents were not issued.
SECURITY = {
    "not_required": pgettext_lazy("bid security", "Not required"),
    "none": pgettext_lazy("bid security", "None given"),
    "paid": pgettext_lazy("bid security", "Paid in full"),
    "insufficient": pgettext_lazy("bid security", "Insufficient"),
    "late": pgettext_lazy("bid security", "Paid late, not counted"),
    "guaranteed": pgettext_lazy("bid security", "Covered by a guarantee"),
    "pending": gettext_lazy("Guarantee applied for, not yet issued"),
}

#: How a line of the sheet was decrypted (the record's `opened_by`).
OPENED_BY = {
    "release": gettext_lazy("By the bidder, in the window"),
    "custodians": gettext_lazy("By the key custodians (the documents' remedy)"),
}


def shown(instant: dt.datetime | str | None) -> str:
    """An instant (or the record's RFC 3339 text) in Beijing time to the millisecond: "2026-03-20
    09:30:05.000"; "" for none."""
    if instant is None or instant == "":
        return ""
    if isinstance(instant, str):
        instant = strict.parse_instant(instant)
    local = beijing(instant)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def verify_url(request: HttpRequest, sm3: str) -> str:
    """The record verification page's absolute address, with the record's SM3 to look up."""
    return f"{request.build_absolute_uri(reverse('opening:record-verify'))}?{urlencode({'sm3': sm3})}"


def qr_png(url: str) -> str:
    """A PNG data URI of the QR code of `url` (error correction M)."""
    return str(segno.make(url, error="m").png_data_uri(scale=QR_SCALE, border=QR_BORDER))


def price_text(sheet: JSONDict | None) -> str:
    """A line's price as read out: yuan (from integer fen, exact) for an amount, the percent for a rate or
    a discount."""
    price = (sheet or {}).get("price") or {}
    if isinstance(price.get("fen"), int) and not isinstance(price.get("fen"), bool):
        return f"{yuan(price['fen'])} 元"
    if price.get("percent") is not None:
        kind = (
            pgettext("price kind", "Rate")
            if price.get("kind") == "rate"
            else pgettext("price kind", "Discount")
        )
        return f"{kind} {price['percent']}%"
    return ""


def _late(scheduled: str, started: str | None) -> str:
    """How late a step began against its schedule, in whole seconds ("" when the record has no start)."""
    if not started:
        return ""
    delta = strict.parse_instant(started) - strict.parse_instant(scheduled)
    return str(int(delta.total_seconds()))


def _steps(record: JSONDict) -> list[dict[str, Any]]:
    rows = []
    for step in record.get("steps") or []:
        code = str(step.get("step", ""))
        rows.append(
            {
                "title": str(steps.TITLES.get(code, code)),
                "scheduled": shown(step.get("scheduled")),
                "started": shown(step.get("started")),
                "late": _late(step["scheduled"], step.get("started")) if step.get("scheduled") else "",
                "note": str(step.get("note") or ""),
                "close": code == "close",
            }
        )
    return rows


def _sheet(record: JSONDict) -> list[dict[str, Any]]:
    lines = []
    for line in record.get("sheet") or []:
        sheet = line.get("sheet") or {}
        answer = line.get("answer") or {}
        decision = answer.get("decision", "")
        manager = sheet.get("project_manager") or {}
        lines.append(
            {
                "organisation": line.get("organisation", ""),
                "uscc": line.get("uscc", ""),
                "decrypted": bool(line.get("decrypted")),
                "how": str(OPENED_BY.get(line.get("opened_by", ""), line.get("opened_by", ""))),
                "price": price_text(sheet),
                "duration": sheet.get("duration_days", ""),
                "quality": sheet.get("quality", ""),
                "manager": manager.get("name", ""),
                "certificate": manager.get("certificate", ""),
                "answer": str(LineDecision(decision).label) if decision in LineDecision.values else "",
                "remark": answer.get("remark", ""),
            }
        )
    return lines


def context(hall: Hall) -> dict[str, Any]:
    """What the PDF shows, read from the record's JSON (the hall must have one)."""
    record: JSONDict = json.loads(hall.record)
    section = hall.section
    fen = record.get("control_price_fen")
    k = record.get("k") or {}
    seal, signature = hall.record_seal or {}, hall.record_signature or {}
    return {
        "record": record,
        "section": section,
        "tender_project": section.tender_project,
        "centre": section.centre,
        "opens_at": shown(record.get("opens_at")),
        "window_minutes": record.get("window_minutes"),
        "steps": _steps(record),
        "control_price": yuan(fen) if isinstance(fen, int) and not isinstance(fen, bool) else "",
        "k_value": k.get("value") or "",
        "k_draw": k.get("draw") or "",
        "bidders": [
            {
                "organisation": b.get("organisation", ""),
                "uscc": b.get("uscc", ""),
                "security": str(SECURITY.get(b.get("security", ""), b.get("security", ""))),
            }
            for b in record.get("bidders") or []
        ],
        "sheet": _sheet(record),
        "objections": [
            {"filed_at": shown(o.get("filed_at")), "text": o.get("text", ""), "answer": o.get("answer", "")}
            for o in record.get("objections") or []
        ],
        "sm3": hall.record_sm3,
        "sealed_at": shown(seal.get("signed_at")) if seal else "",
        "sealed": bool(seal),
        "signed_at": shown(signature.get("signed_at")) if signature else "",
        "signed": bool(signature),
    }


def render(hall: Hall, *, verify_page: str, json_url: str) -> bytes:
    """The PDF of the hall's opening record (the hall must have one): `verify_page` is the address its QR
    code carries, `json_url` where the authoritative JSON is downloaded."""
    import weasyprint  # type: ignore[import-untyped]  # loaded only when a PDF is asked for (pango)

    html = render_to_string(
        "opening/record_pdf.html",
        {**context(hall), "verify_page": verify_page, "json_url": json_url, "qr": qr_png(verify_page)},
    )
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def record_pdf_response(request: HttpRequest, hall: Hall) -> HttpResponse:
    """The record's PDF as a download named after the section (the caller checked the hall has a record)."""
    pdf = render(
        hall,
        verify_page=verify_url(request, hall.record_sm3),
        json_url=request.build_absolute_uri(reverse("opening:record", args=[hall.uid])),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{hall.section.code}.pdf"
    response["Content-Disposition"] = (
        f"attachment; filename=\"opening-record-{name}\"; filename*=UTF-8''{quote('开标记录-' + name)}"
    )
    return response
