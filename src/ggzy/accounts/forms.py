"""Forms of the administrators' account pages (what the services take, checked before they run)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import AccountChange
from ggzy.core.roles import ADMIN_ROLES


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
