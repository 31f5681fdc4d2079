"""Forms of the calendar pages: a centre's longer local period for one floor rule (shape only; whether
it is longer than the law's is the service's rule, `services.local_rule_set`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.calendar.models import Unit

#: The longest local period one may type (a year and a half of calendar days; hours are counted too).
MAX_AMOUNT = 9999


class LocalRuleForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Length"),
        min_value=1,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    unit = forms.ChoiceField(
        label=_("Unit"), choices=Unit.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    basis = forms.CharField(
        label=_("Local basis"),
        max_length=300,
        help_text=_("The local rule it comes from, e.g. 辽宁省…规定 第…条"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
