"""The public receipt verification page (回执验证, docs/submission.md "Receipts"): anyone uploads or pastes a
bid receipt (ggzy-bid-receipt-v1) and the platform checks it as `ggzy-verify receipt` would — its form,
the signature with the published receipt key its `key_id` names, and that key's active period — against
the very keys `GET /api/v1/sealing/receipt-keys` publishes.

The page checks only the signature and shows what the holder already has: it looks nothing up about the
bid (before the opening, whether a bid exists is secret: docs/secrecy.md), stores nothing and records
nothing. The QR code of a receipt's PDF leads here with the ciphertext's SM3 in the query, shown as what
was scanned, never taken as the receipt."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ggzy.core.access import public
from ggzy.sealing import receipts
from ggzy.sealing.receipt_pdf import shown
from ggzy_sm import receipts as receipt_format
from ggzy_sm import strict

#: A receipt is a few KiB; anything above this is refused unread.
RECEIPT_MAX_BYTES = 256 * 1024

#: Why a receipt does not verify, by `ggzy_sm.receipts.ReceiptError.reason`.
REASONS = {
    "malformed": _(
        "It is not a bid receipt in the platform's form: a field is missing, extra or not as the format "
        "writes it."
    ),
    "unknown_key": _("It names a signing key that is not among the platform's published receipt keys."),
    "signature": _(
        "Its signature does not match its contents: the receipt was changed after it was signed, or the "
        "platform did not sign it."
    ),
    "key_not_active": _(
        "The key that signed it was not in force at the time the receipt says it was signed."
    ),
}


class ReceiptForm(forms.Form):
    """A receipt as a file or as pasted text (one of the two), read as a JSON text."""

    file = forms.FileField(
        label=_("Receipt file"),
        required=False,
        help_text=_("The receipt's JSON file (the bidding tool keeps it beside the bid), 256 KiB at most."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".json,application/json"}),
    )
    text = forms.CharField(
        label=_("Or paste the receipt"),
        required=False,
        strip=True,
        widget=forms.Textarea(
            attrs={"class": "form-control font-monospace", "rows": 8, "spellcheck": "false"}
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        upload: UploadedFile | None = cleaned.get("file")
        text: str = cleaned.get("text") or ""
        if upload and text:
            raise forms.ValidationError(_("Give the receipt once: either a file or pasted text."))
        if not upload and not text:
            raise forms.ValidationError(_("Choose the receipt's file or paste its text."))
        if upload:
            if upload.size is not None and upload.size > RECEIPT_MAX_BYTES:
                raise forms.ValidationError(_("The receipt is too large: a receipt is at most 256 KiB."))
            raw = bytes(upload.read(RECEIPT_MAX_BYTES + 1))
        else:
            raw = text.encode("utf-8")
        if len(raw) > RECEIPT_MAX_BYTES:
            raise forms.ValidationError(_("The receipt is too large: a receipt is at most 256 KiB."))
        try:
            cleaned["receipt"] = strict.loads(raw.removeprefix(b"\xef\xbb\xbf"))
        except (ValueError, RecursionError) as exc:
            raise forms.ValidationError(_("This is not a receipt: it is not a JSON text.")) from exc
        return cleaned


def _scanned(request: HttpRequest) -> str:
    """The ciphertext SM3 the QR code carried, if it is one (shown only)."""
    value = request.GET.get("sm3", "").strip().lower()
    return value if strict.HEX64.fullmatch(value) else ""


def contents(body: dict[str, Any]) -> dict[str, Any]:
    """What a verified receipt says, instants in Beijing time to the millisecond."""
    return {
        "platform": body["platform"],
        "centre": body["centre"],
        "section": body["section"],
        "bidder": body["bidder"],
        "bid": body["bid"],
        "ciphertext_sm3": body["ciphertext_sm3"],
        "ciphertext_size": body["ciphertext_size"],
        "received_at": shown(body["received_at"]),
        "bound_deadline": shown(body["bound_deadline"]),
        "signed_at": shown(body["signed_at"]),
        "acknowledgements": body["acknowledgements"],
        "event": body["event"],
        "key_id": body["key_id"],
    }


def check(signed: Any) -> dict[str, Any]:
    """The receipt's body if it verifies against the platform's published receipt keys; ReceiptError
    otherwise."""
    keys = receipt_format.keys_parse(receipts.receipt_keys())
    return receipt_format.receipt_check(signed, keys)


@require_http_methods(["GET", "POST"])
@public
def receipt_verify(request: HttpRequest) -> HttpResponse:
    """GET: the form (and the SM3 a QR code carried). POST: the verdict — 200 with what a valid receipt
    says; 400 with the reason for anything else (not JSON, too large, malformed, unknown key, a signature
    that fails). Nothing is stored; nothing about the bid is looked up."""
    context: dict[str, Any] = {"scanned": _scanned(request), "verdict": None}
    if request.method != "POST":
        context["form"] = ReceiptForm()
        return render(request, "sealing/receipt_verify.html", context)
    form = ReceiptForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "sealing/receipt_verify.html", context, status=400)
    try:
        body = check(form.cleaned_data["receipt"])
    except receipt_format.ReceiptError as exc:
        context["verdict"] = {"valid": False, "reason": REASONS.get(exc.reason, REASONS["malformed"])}
        return render(request, "sealing/receipt_verify.html", context, status=400)
    context["verdict"] = {"valid": True, "receipt": contents(body)}
    context["form"] = ReceiptForm()
    return render(request, "sealing/receipt_verify.html", context)
