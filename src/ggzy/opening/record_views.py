"""The public opening-record verification page (开标记录验证), where the QR code of a record's PDF leads.

An opening record is for the hall's parties; this page is for anyone, so it shows nothing of a record's
content. It answers one question about an SM3 — the one the QR code carries, or that of a JSON record
uploaded here (its exact bytes, hashed and forgotten): did the platform make an opening record with it?
If so it names the record's `opening.record.made` event and its leaf index in the witness log (whose
inclusion proof the record's parties fetch signed in), and says whether the centre's seal and the agent's
signature are on it. Only who holds the record, or its PDF, knows its SM3 (256 bits), so the answer tells
them no more than they hold. Nothing is stored and nothing is recorded. Whoever holds the PDF compares its
printed SM3 with the JSON's; the signatures are checked offline with `ggzy-verify document`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ggzy.core.access import public
from ggzy.opening import selectors
from ggzy_sm import strict
from ggzy_sm.sm3 import sm3

#: An opening record is tens of KiB; anything above this is refused unread.
RECORD_MAX_BYTES = 4 * 1024 * 1024


class RecordForm(forms.Form):
    """The record's JSON file, exactly as downloaded (its SM3 is over its bytes)."""

    file = forms.FileField(
        label=_("Opening record file"),
        help_text=_("The JSON record as downloaded from the hall (opening-record-….json), 4 MiB at most."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".json,application/json"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        upload: UploadedFile | None = cleaned.get("file")
        if upload is None:
            return cleaned
        raw = bytes(upload.read(RECORD_MAX_BYTES + 1))
        if len(raw) > RECORD_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large: an opening record is at most 4 MiB."))
        cleaned["sm3"] = sm3(raw).hex()
        return cleaned


def _scanned(request: HttpRequest) -> str:
    """The SM3 the QR code carried, if it is one."""
    value = request.GET.get("sm3", "").strip().lower()
    return value if strict.HEX64.fullmatch(value) else ""


def _verdict(digest: str) -> dict[str, Any]:
    found = selectors.record_witness(digest)
    if found is None:
        return {"found": False, "sm3": digest}
    proof = reverse("api:proof", kwargs={"event_uid": found.event}) if found.event else ""
    return {"found": True, "sm3": digest, "witness": found, "proof": proof}


@require_http_methods(["GET", "POST"])
@public
def record_verify(request: HttpRequest) -> HttpResponse:
    """GET: the verdict on the SM3 in the query (the QR code's), and the form. POST: the verdict on the
    uploaded file's SM3 (400 for no file or one too large)."""
    context: dict[str, Any] = {"form": RecordForm(), "verdict": None, "scanned": _scanned(request)}
    if request.method == "POST":
        form = RecordForm(request.POST, request.FILES)
        if not form.is_valid():
            context["form"] = form
            return render(request, "opening/record_verify.html", context, status=400)
        context["verdict"] = _verdict(form.cleaned_data["sm3"])
        context["uploaded"] = True
    elif context["scanned"]:
        context["verdict"] = _verdict(context["scanned"])
    return render(request, "opening/record_verify.html", context)
