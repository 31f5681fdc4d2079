"""Forms of the administrators' account pages (what the services take, checked before they run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import AccountChange, Centre, Organisation
from ggzy.core.context_processors import TRADING_CATEGORIES
from ggzy.core.regions import PREFECTURE, RegionField
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.core.types import Actor


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("what to change"), choices=AccountChange.Kind.choices)
    target = forms.CharField(label=_("user name"), max_length=150)
    role = forms.ChoiceField(
        label=_("administrator role (grant or revoke only)"),
        choices=[("", "—"), *((r.value, r.label) for r in sorted(ADMIN_ROLES))],
        required=False,
    )
    reason = forms.CharField(
        label=_("reason"), min_length=4, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), min_length=4, max_length=500)


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("phone on record"), max_length=20, required=False)


class EnrolmentForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("how the code reaches the person"),
        choices=[("in_person", _("handed over in person")), ("sms", _("sent to the phone on record"))],
    )


# --- the administrators' set-up pages (accounts/views/administration.py) ---------------------------
class _BootstrapForm(forms.Form):
    """Bootstrap classes on every widget (the templates render each field with accounts/_field.html).
    A region field is made with each form (`region_fields()`), not when the module is imported: the
    GB/T 2260 table is read on first use."""

    def region_fields(self) -> dict[str, RegionField]:
        return {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(self.region_fields())
        self.order_fields(self.field_order)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"


class CentreForm(_BootstrapForm):
    """A new trading centre (the system administrator; `accounts.parties.centre_create` checks it)."""

    code = forms.CharField(
        label=_("code"),
        max_length=32,
        help_text=_(
            "Lower-case letters, digits and hyphens, beginning with a letter (for example sy): it names "
            "the centre in addresses and requests and cannot be changed."
        ),
    )
    name = forms.CharField(label=_("name"), min_length=2, max_length=100)
    parent = forms.ModelChoiceField(
        label=_("parent centre"),
        queryset=Centre.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="——",
        help_text=_("For a prefecture's centre: the province's centre above it."),
    )
    closing_time = forms.TimeField(
        label=_("closing time"),
        initial=dt.time(17, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("When the centre's working day ends (Asia/Shanghai)."),
    )
    field_order = ["code", "name", "region", "parent", "closing_time"]

    def region_fields(self) -> dict[str, RegionField]:
        return {
            "region": RegionField(
                max_depth=PREFECTURE, help_text=_("The province or the prefecture the centre serves.")
            )
        }


class AccountForm(_BootstrapForm):
    """A new account (the system administrator; `accounts.services.account_create` checks it)."""

    username = forms.CharField(
        label=_("user name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; the person signs in with it."),
    )
    last_name = forms.CharField(label=_("family name"), max_length=150)
    first_name = forms.CharField(label=_("given name"), max_length=150)
    email = forms.EmailField(label=_("e-mail"), max_length=254)
    phone = forms.CharField(
        label=_("phone on record"),
        max_length=20,
        required=False,
        help_text=_("A mobile number for enrolment codes and security notices."),
    )


#: Roles the security administrator grants on a user's page; administrators' roles are requests that a
#: second administrator approves (the account-changes page), the public role is everyone's.
GRANTED_ON_THE_PAGE = tuple(r for r in Role if r != Role.PUBLIC and r not in ADMIN_ROLES)


class RoleGrantForm(_BootstrapForm):
    """A role and its scope, as the role needs it: a centre for centre staff, one of the account's
    organisations for initiators, agents and responders, a region (and optionally a trading
    category) for supervisors. `accounts.parties.role_grant` checks the rest."""

    role = forms.ChoiceField(
        label=_("role"),
        # every role a grant may name is accepted, so that the service's own refusal (an administrator
        # role, for instance) is what the page says; the list offers those granted here
        choices=[("", "——"), *((r.value, r.label) for r in Role if r != Role.PUBLIC)],
    )
    centre = forms.ModelChoiceField(
        label=_("centre (for centre staff)"),
        queryset=Centre.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="——",
    )
    organisation = forms.ModelChoiceField(
        label=_("organisation (for initiators, agents and responders)"),
        queryset=Organisation.objects.none(),
        to_field_name="uid",
        required=False,
        empty_label="——",
        error_messages={"invalid_choice": _("Choose one of the organisations the account belongs to.")},
        help_text=_("The organisations the account belongs to; a natural person responds without one."),
    )
    category = forms.ChoiceField(
        label=_("jurisdiction category (for supervisors)"),
        choices=[("", _("every category")), *TRADING_CATEGORIES],
        required=False,
    )

    field_order = ["role", "centre", "organisation", "region", "category"]

    def region_fields(self) -> dict[str, RegionField]:
        return {
            "region": RegionField(
                label=_("jurisdiction region (for supervisors)"), max_depth=PREFECTURE, required=False
            )
        }

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"])
        organisations.queryset = Organisation.objects.filter(members__user=user).order_by("name")
        offered = cast(forms.Select, self.fields["role"].widget)
        offered.choices = [("", "——"), *((r.value, r.label) for r in GRANTED_ON_THE_PAGE)]

    def scope(self) -> dict[str, Any]:
        """The scope the chosen role takes (what the form holds for other roles is left out)."""
        data, role = self.cleaned_data, Role(self.cleaned_data["role"])
        if role == Role.CENTRE_STAFF:
            return {"centre": data["centre"]}
        if role in (Role.INITIATOR, Role.AGENT, Role.RESPONDER):
            return {"organisation": data["organisation"]}
        if role == Role.SUPERVISOR:
            return {"region": data["region"], "category": data["category"]}
        return {}


# --- an organisation's own registration, its verification, entrustments (accounts/views/parties.py) -
#: The roles an organisation may ask for when it registers itself, as people call them.
REGISTRATION_ROLES = (
    (Role.INITIATOR.value, _("Trade initiator: tenderer, purchaser, transferor")),
    (Role.AGENT.value, _("Agent: tendering, procurement or auction agency")),
    (Role.RESPONDER.value, _("Responder: bidder, supplier, land bidder, transferee")),
)
#: Reasons a credit code is refused (`accounts.identifiers`), in words.
USCC_REASONS = {
    "length": _("A unified social credit code has 18 characters."),
    "charset": _("A unified social credit code uses the digits and the letters A–Y except I, O, S, V and Z."),
    "registration_code": _("The first two characters of a unified social credit code cannot be 0."),
    "region": _("Characters 3 to 8 of a unified social credit code are the six digits of a region."),
    "org_code_check_digit": _(
        "Characters 9 to 17 are not a valid organisation code (its check character is wrong): check for a "
        "typing error."
    ),
    "check_digit": _("The last character (the check character) is wrong: check for a typing error."),
}
_HK_BR = _(
    "A Hong Kong business registration number is 8 digits: the first 8 digits of the business registration "
    "certificate's number."
)
_MACAO = _("A Macao commercial registration number is 1 to 10 digits.")
_TAIWAN_UBN = _("A Taiwan unified business number is 8 digits.")
#: Reasons a registration code is refused (`accounts.identifiers.validate_organisation_code`), in words,
#: by the kind of code.
CODE_REASONS: dict[str, Mapping[str, Promise]] = {
    Organisation.CodeKind.USCC: USCC_REASONS,
    Organisation.CodeKind.HK_BR: {"length": _HK_BR, "charset": _HK_BR},
    Organisation.CodeKind.MACAO: {"length": _MACAO, "charset": _MACAO},
    Organisation.CodeKind.TAIWAN_UBN: {
        "length": _TAIWAN_UBN,
        "charset": _TAIWAN_UBN,
        "check_digit": _("The check of this unified business number fails: check for a typing error."),
    },
    Organisation.CodeKind.FOREIGN: {
        "length": _("A registration number abroad has 1 to 40 characters."),
        "charset": _("A registration number abroad uses the letters A–Z, the digits, - / . and spaces."),
        "format": _("A registration number abroad has at least one letter or digit."),
    },
}
#: Reasons the country of a registration abroad is refused, in words.
COUNTRY_REASONS = {
    "country": _(
        "Give the two-letter ISO 3166 code of the country where the organisation is registered (GB, DE, SG…)."
    ),
    "not_foreign": _(
        "An organisation registered in the mainland, Hong Kong, Macao or Taiwan registers with its own kind "
        "of code, not as registered abroad."
    ),
}


def code_refusal(kind: str, field: str, reason: str) -> str:
    """Why a registration code, its kind or its country was refused (`parties.organisation_code`'s
    ``field`` and ``reason``), in words."""
    if field == "country":
        if kind != Organisation.CodeKind.FOREIGN:
            return str(_("Only an organisation registered abroad names its country: leave it empty."))
        return str(COUNTRY_REASONS.get(reason, COUNTRY_REASONS["country"]))
    if field == "code_kind":
        return str(_("Choose the kind of registration code."))
    return str(CODE_REASONS.get(kind, {}).get(reason, _("The code is not valid.")))


CERTIFICATE_FILE_MAX = 64 * 1024
#: The whole body of the registration page (`ggzy.core.limits.accepts_files`): one certificate file and
#: the form's fields.
REGISTRATION_BODY = 1024 * 1024


class _PartyForm(forms.Form):
    """Bootstrap classes on every widget (radio buttons are laid out by the templates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class OrganisationRegistrationForm(_PartyForm):
    """An organisation registers itself (the public page): the person's account, the organisation, its
    certificate, the role it asks for and the centre that verifies it. `accounts.registration.
    organisation_apply` checks the rest (the certificate, names taken)."""

    role = forms.ChoiceField(label=_("the organisation registers as"), choices=REGISTRATION_ROLES,
                             widget=forms.RadioSelect)  # fmt: skip
    code_kind = forms.ChoiceField(
        label=_("kind of registration code"),
        choices=Organisation.CodeKind.choices,
        initial=Organisation.CodeKind.USCC,
        help_text=_(
            "A mainland organisation gives its unified social credit code; one registered in Hong Kong, "
            "Macao, Taiwan or abroad gives its own registration number."
        ),
    )
    #: The registration code of that kind (the name is the model column's, kept from when it was a USCC).
    uscc = forms.CharField(
        label=_("registration code"),
        max_length=60,
        help_text=_(
            "The region of the organisation is taken from this code; nothing else about where it is."
        ),
    )
    country = forms.CharField(
        label=_("country of registration"),
        max_length=10,
        required=False,
        help_text=_(
            "Only for an organisation registered abroad: the two-letter ISO 3166 code, e.g. GB, DE, SG."
        ),
    )
    name = forms.CharField(label=_("name of the organisation"), max_length=200)
    legal_representative = forms.CharField(label=_("legal representative"), max_length=50)
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    contact_phone = forms.RegexField(
        label=_("contact phone"),
        regex=r"^[0-9+\-() ]{5,20}$",
        max_length=20,
        error_messages={"invalid": _("A phone number: digits, and + - ( ) or spaces (5 to 20 characters).")},
    )
    certificate = forms.FileField(
        label=_("the organisation's signing certificate (PEM or DER)"),
        help_text=_(
            "The certificate a CA the centre accepts issued to the organisation (its UKey's signing "
            "certificate, exported as .cer or .pem). It must name this registration code."
        ),
    )
    centre = forms.ModelChoiceField(
        label=_("centre that verifies the registration"),
        queryset=Centre.objects.order_by("code"),
        to_field_name="code",
        empty_label=None,
        help_text=_("Any centre: where the organisation is registered makes no difference."),
    )
    username = forms.CharField(
        label=_("user name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; you sign in with it."),
    )
    last_name = forms.CharField(label=_("family name"), max_length=150)
    first_name = forms.CharField(label=_("given name"), max_length=150)
    phone = forms.CharField(
        label=_("your mobile phone"),
        max_length=20,
        help_text=_("A mainland mobile number, or + and the country code for a number abroad."),
    )
    password1 = forms.CharField(label=_("password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("password again"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["certificate"]
        limit = _("At most %(size)s.") % {"size": filesizeformat(CERTIFICATE_FILE_MAX)}
        field.help_text = f"{field.help_text} {limit}"
        field.widget.attrs["accept"] = ".cer,.crt,.pem,.der,application/pkix-cert,application/x-x509-ca-cert"

    def _clean_code(self, data: dict[str, Any]) -> None:
        """The registration code, checked by its kind (with the country of a registration abroad)."""
        from ggzy.accounts import identifiers

        kind, code, country = data.get("code_kind"), data.get("uscc"), data.get("country") or ""
        if not kind or code is None:
            return
        try:
            data["uscc"] = identifiers.validate_organisation_code(kind, code, country)
            data["country"] = identifiers.organisation_country(kind, country)
        except identifiers.InvalidIdentifier as exc:
            field = "country" if exc.reason in ("country", "not_foreign") else "uscc"
            self.add_error(field, code_refusal(kind, field, exc.reason))

    def clean_certificate(self) -> bytes:
        upload = self.cleaned_data["certificate"]
        if upload.size > CERTIFICATE_FILE_MAX:
            raise forms.ValidationError(
                _("A certificate file is at most %(size)s."),
                params={"size": filesizeformat(CERTIFICATE_FILE_MAX)},
            )
        return bytes(upload.read(CERTIFICATE_FILE_MAX + 1))

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.password_validation import validate_password

        data = super().clean() or {}
        self._clean_code(data)
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            person = get_user_model()(
                username=data.get("username", ""),
                last_name=data.get("last_name", ""),
                first_name=data.get("first_name", ""),
            )
            try:
                validate_password(first, person)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class EntrustForm(_PartyForm):
    """An initiator entrusts an agent (`accounts.registration.entrustment_give` checks the rest). The
    period runs from the start of its first day to the end of its last (Beijing time)."""

    agent = forms.CharField(
        label=_("agent: credit code or exact name"),
        max_length=200,
        help_text=_("Search below for a verified agent to fill this in."),
    )
    project = forms.CharField(
        label=_("project code"),
        max_length=32,
        help_text=_("The platform's project code, or the investment project code before registration."),
    )
    scope = forms.CharField(label=_("scope of the entrustment"), max_length=200)
    valid_from = forms.DateField(label=_("valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("valid until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """From 00:00 of the first day to 24:00 of the last, Beijing time."""
        from ggzy.core.formatting import PLATFORM_ZONE

        start, end = self.cleaned_data["valid_from"], self.cleaned_data["valid_until"]
        return (
            dt.datetime.combine(start, dt.time(0), tzinfo=PLATFORM_ZONE),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=PLATFORM_ZONE),
        )
