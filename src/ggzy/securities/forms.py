"""The security pages' forms (shape only; the services decide): the issuer a bidder applies to, a guarantee
file from any issuer (a JSON document, read strictly: no key twice, no float), the bank and day to
reconcile, a refund's trigger, the order of one refund, a forfeiture with its basis and a claim on a
guarantee."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ggzy.core.types import JSONDict
from ggzy.securities.models import ForfeitureReason, RefundTrigger
from ggzy_sm import strict

CONTROL = {"class": "form-control"}
SELECT = {"class": "form-select"}
#: The largest guarantee file taken (the signed body, the certificate and the document in base64).
GUARANTEE_MAX_BYTES = 4 * 1024 * 1024
TEXT_MAX = 2000
CLAUSE_MAX = 300
#: What a claim may give as its reason (docs/guarantee-interface.md §2).
CLAIM_REASONS = (
    ("withdrawn_after_deadline", _("Withdrew the bid after the deadline")),
    ("refused_contract", _("Refused to sign the contract or to give performance security")),
)


class IssuerForm(forms.Form):
    """The issuer a bidder chooses: every configured one, banks, insurers and guarantee companies alike."""

    issuer = forms.ChoiceField(label=pgettext_lazy("guarantee", "Issuer"), widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: object, issuers: Iterable[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["issuer"].choices = [("", "—"), *issuers]  # type: ignore[attr-defined]


class GuaranteeFileForm(forms.Form):
    """A guarantee document from any issuer, as it issued it (docs/guarantee-interface.md §4)."""

    file = forms.FileField(label=_("Guarantee file (JSON)"), widget=forms.ClearableFileInput(attrs=CONTROL))

    def clean_file(self) -> JSONDict:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is None or upload.size > GUARANTEE_MAX_BYTES:
            raise forms.ValidationError(_("The guarantee file is larger than 4 MB."))
        try:
            document = strict.loads(upload.read())
        except ValueError as exc:
            raise forms.ValidationError(
                _("The file is not a guarantee in JSON: %(reason)s"), params={"reason": str(exc)}
            ) from exc
        if not isinstance(document, dict) or "guarantee" not in document:
            raise forms.ValidationError(_("The file is not a guarantee: it has no signed body (guarantee)."))
        return document


class ReconcileForm(forms.Form):
    bank = forms.ChoiceField(label=_("Bank"), widget=forms.Select(attrs=SELECT))
    date = forms.DateField(label=_("Business day"), widget=forms.DateInput(attrs={**CONTROL, "type": "date"}))

    def __init__(self, *args: object, banks: Iterable[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["bank"].choices = list(banks)  # type: ignore[attr-defined]


class RefundTriggerForm(forms.Form):
    trigger = forms.ChoiceField(
        label=_("Why the security is due back"),
        choices=RefundTrigger.choices,
        widget=forms.Select(attrs=SELECT),
    )
    organisation = forms.ChoiceField(
        label=_("Bidder (empty: every bidder of the section)"),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: object, bidders: Iterable[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["organisation"].choices = [("", _("Every bidder")), *bidders]  # type: ignore[attr-defined]


class RefundOrderForm(forms.Form):
    refund = forms.UUIDField(widget=forms.HiddenInput)


class ForfeitForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Bidder"), widget=forms.Select(attrs=SELECT))
    reason = forms.ChoiceField(
        label=_("Reason"), choices=ForfeitureReason.choices, widget=forms.Select(attrs=SELECT)
    )
    documents_clause = forms.CharField(
        label=_("Clause of the tender documents that provides for it"),
        max_length=CLAUSE_MAX,
        widget=forms.TextInput(attrs=CONTROL),
    )

    def __init__(self, *args: object, bidders: Iterable[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["organisation"].choices = [("", "—"), *bidders]  # type: ignore[attr-defined]


class ClaimForm(forms.Form):
    guarantee = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Reason"), choices=CLAIM_REASONS, widget=forms.Select(attrs=SELECT))
    documents_clause = forms.CharField(
        label=_("Clause of the tender documents that provides for it"),
        max_length=CLAUSE_MAX,
        widget=forms.TextInput(attrs=CONTROL),
    )
    evidence = forms.CharField(
        label=_("Evidence"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={**CONTROL, "rows": 3})
    )
