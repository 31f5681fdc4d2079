"""A bid's signed receipt (回执, `sealing.receipts`) as a one-page A4 PDF for the bidder (WeasyPrint, Noto
Sans CJK SC, as `notices.pdf`): what the receipt says in people's words — section, bidder, the
ciphertext's SM3 and size, the instant the last byte arrived and the deadline sealed against in Beijing
time to the millisecond, the custodians' acknowledgements, the witness log's promise, the signing key and
the signature — with a QR code to the public receipt verification page (`sealing:receipt_verify`). The
JSON receipt is the authoritative one; the PDF says so and how to check it offline (`ggzy-verify
receipt`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from ggzy.core.formatting import beijing
from ggzy.sealing import selectors
from ggzy.sealing.models import SealedBid
from ggzy_sm import receipts, strict

#: The QR code's module size and quiet zone in pixels of its PNG (printed at 30 mm, crisp edges).
QR_SCALE = 4
QR_BORDER = 4


def shown(instant: dt.datetime | str) -> str:
    """An instant (or a receipt's RFC 3339 text) in Beijing time to the millisecond, to the microsecond
    when it has more: "2026-03-20 09:30:00.001"."""
    if isinstance(instant, str):
        instant = strict.parse_instant(instant)
    local = beijing(instant)
    fraction = f"{local.microsecond:06d}"
    return local.strftime("%Y-%m-%d %H:%M:%S.") + (fraction[:3] if fraction.endswith("000") else fraction)


def verify_url(request: HttpRequest, sm3: str | None = None) -> str:
    """The receipt verification page's absolute address; with the receipt's ciphertext SM3 to show (the
    page verifies only what is uploaded)."""
    url = request.build_absolute_uri(reverse("sealing:receipt_verify"))
    return f"{url}?{urlencode({'sm3': sm3})}" if sm3 else url


def qr_png(url: str) -> str:
    """A PNG data URI of the QR code of `url` (error correction M)."""
    return str(segno.make(url, error="m").png_data_uri(scale=QR_SCALE, border=QR_BORDER))


def _acknowledgements(bid: SealedBid, body: dict[str, Any]) -> list[dict[str, str]]:
    """Each acknowledgement the receipt lists: the custodian (by name, from the set its acknowledgement
    names), when it acknowledged by its own clock, and the SM3 the receipt names."""
    held = {receipts.ack_digest(ack): ack for ack in bid.acknowledgements if isinstance(ack, dict)}
    names: dict[str, dict[int, str]] = {}
    rows = []
    for listed in body["acknowledgements"]:
        index, digest = listed["custodian"], listed["sm3"]
        payload = (held.get(digest) or {}).get("payload") or {}
        fingerprint = str(payload.get("set", ""))
        if fingerprint and fingerprint not in names:
            cset = selectors.custodian_set(fingerprint)
            names[fingerprint] = {c.index: c.name for c in cset.custodians} if cset else {}
        name = names.get(fingerprint, {}).get(index) or _("Custodian %(index)s") % {"index": index}
        at = payload.get("acknowledged_at")
        rows.append({"index": str(index), "name": name, "at": shown(at) if at else "", "sm3": digest})
    return rows


def receipt_pdf(bid: SealedBid, *, verify_page: str, json_url: str) -> bytes:
    """The one-page PDF of the bid's receipt (the bid must have one)."""
    import weasyprint  # type: ignore[import-untyped]  # loaded only when a PDF is asked for (pango)

    signed = bid.receipt or {}
    body = signed["receipt"]
    promise = signed.get("promise") or {}
    promised = promise.get("promise") or {}
    html = render_to_string(
        "sealing/receipt_pdf.html",
        {
            "bid": bid,
            "section": bid.section,
            "organisation": bid.organisation,
            "body": body,
            "signature": signed["signature"],
            "received_at": shown(body["received_at"]),
            "bound_deadline": shown(body["bound_deadline"]),
            "signed_at": shown(body["signed_at"]),
            "acknowledgements": _acknowledgements(bid, body),
            "promise": promised,
            "promise_key": promise.get("key_id", ""),
            "promised_at": shown(promised["timestamp"]) if promised.get("timestamp") else "",
            "verify_page": verify_page,
            "json_url": json_url,
            "qr": qr_png(verify_page),
        },
    )
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def receipt_pdf_response(request: HttpRequest, bid: SealedBid) -> HttpResponse:
    """The PDF as a download named after the section; a bid received before receipts existed has none:
    said in words on the error page (404)."""
    if not bid.receipt:
        error = {
            "code": "bid_receipt_missing",
            "message": _(
                "This bid was received before the platform signed receipts, so it has no receipt to "
                "download. Its ciphertext SM3 on the page of your sealed bids identifies it."
            ),
        }
        return render(request, "core/error.html", {"error": error, "status": 404}, status=404)
    body = bid.receipt["receipt"]
    page = verify_url(request, body["ciphertext_sm3"])
    json_url = request.build_absolute_uri(reverse("api:bid_receipt", kwargs={"bid_uid": bid.uid}))
    pdf = receipt_pdf(bid, verify_page=page, json_url=json_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{bid.section.code}.pdf"
    response["Content-Disposition"] = (
        f"attachment; filename=\"receipt-{name}\"; filename*=UTF-8''{quote('回执-' + name)}"
    )
    return response
