"""Forms of the CA configuration pages: add a CA (root and intermediate certificates as DER or PEM
files), change its CRL distribution point and policy, upload a CRL."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ggzy.certs.services import der_list
from ggzy.core.errors import DomainError

#: A certificate file is far smaller than this; a CRL may be larger.
CERT_MAX_BYTES = 64 * 1024
CRL_MAX_BYTES = 20 * 1024 * 1024
#: Whole request bodies (`ggzy.core.limits.accepts_files` on the views; the pages say them): adding a CA
#: takes certificate files, a few dozen at most; a CRL upload one CRL. 1 MiB of room for the form.
CA_ADD_BODY = 2 * 1024 * 1024
CRL_BODY = CRL_MAX_BYTES + 1024 * 1024
#: What a file input for certificates and CRLs offers to choose.
CERT_ACCEPT = ".cer,.crt,.pem,.der,application/pkix-cert,application/x-x509-ca-cert"
CRL_ACCEPT = ".crl,.pem,.der,application/pkix-crl"


def _with_limit(field: forms.Field, text: str, accept: str) -> None:
    """Say the limit the form and the view enforce after the field's help, and what to choose."""
    field.help_text = f"{field.help_text} {text}".strip()
    field.widget.attrs["accept"] = accept


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _read(upload: UploadedFile, limit: int) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(_("The file %(name)s is too large."), params={"name": upload.name})
    return bytes(upload.read(limit + 1))


def _certificates(upload: UploadedFile) -> list[bytes]:
    try:
        return der_list(_read(upload, CERT_MAX_BYTES))
    except DomainError as exc:
        raise forms.ValidationError(
            _("The file %(name)s is not a certificate in DER or PEM form."), params={"name": upload.name}
        ) from exc


def _url_field() -> forms.URLField:
    return forms.URLField(
        label=_("CRL distribution point"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where the revocation list is fetched from each day (http or https)."),
    )


def _policy_field() -> forms.CharField:
    return forms.CharField(
        label=_("Certificate policy"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The certificate policy (OID and note) the centre accepts from this CA."),
    )


class _Form(forms.Form):
    """Bootstrap classes on every widget (the templates render each field with certs/_field.html)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            checkbox = isinstance(field.widget, forms.CheckboxInput)
            field.widget.attrs["class"] = "form-check-input" if checkbox else "form-control"


class CaAddForm(_Form):
    name = forms.CharField(label=_("Name"), min_length=2, max_length=100)
    root = forms.FileField(
        label=_("Root certificate"), help_text=_("One certificate file, DER or PEM (.cer, .crt, .pem).")
    )
    intermediates = MultipleFileField(
        label=_("Intermediate certificates"),
        required=False,
        help_text=_("Any number of files, DER or PEM; a PEM file may hold several certificates."),
    )
    is_test = forms.BooleanField(
        label=_("Test CA"), required=False, help_text=_("Only for demonstrations and the sandbox.")
    )
    crl_url = _url_field()
    policy = _policy_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        per_file = _("At most %(size)s per file.") % {"size": filesizeformat(CERT_MAX_BYTES)}
        _with_limit(self.fields["root"], per_file, CERT_ACCEPT)
        together = _("All files together at most %(size)s.") % {"size": filesizeformat(CA_ADD_BODY)}
        _with_limit(self.fields["intermediates"], f"{per_file} {together}", CERT_ACCEPT)

    def clean_root(self) -> bytes:
        found = _certificates(self.cleaned_data["root"])
        if len(found) != 1:
            raise forms.ValidationError(_("Give exactly one root certificate."))
        return found[0]

    def clean_intermediates(self) -> list[bytes]:
        return [der for upload in self.cleaned_data["intermediates"] for der in _certificates(upload)]


class CaSettingsForm(_Form):
    crl_url = _url_field()
    policy = _policy_field()


class CrlUploadForm(_Form):
    crl = forms.FileField(label=_("Revocation list (CRL)"), help_text=_("A CRL file, DER or PEM."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = _("At most %(size)s.") % {"size": filesizeformat(CRL_MAX_BYTES)}
        _with_limit(self.fields["crl"], limit, CRL_ACCEPT)

    def clean_crl(self) -> bytes:
        upload = self.cleaned_data["crl"]
        try:
            found = der_list(_read(upload, CRL_MAX_BYTES))
        except DomainError as exc:
            raise forms.ValidationError(_("This is not a revocation list in DER or PEM form.")) from exc
        if len(found) != 1:
            raise forms.ValidationError(_("Give exactly one revocation list."))
        return found[0]
