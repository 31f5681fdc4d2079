"""The experts pages' forms (shape only; the services decide): a draw request for a section, a member the
initiator enters, an expert's fee, an expert's rating, the roster keeper and the month of the fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.experts.models import Conduct
from ggzy.experts.states import MemberKind

CONTROL = {"class": "form-control"}
SELECT = {"class": "form-select"}
LOCAL_INSTANT = "%Y-%m-%dT%H:%M"
#: How many specialties one request form offers.
SPECIALTY_ROWS = 3


def _instant_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[LOCAL_INSTANT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={**CONTROL, "type": "datetime-local"}, format=LOCAL_INSTANT),
        help_text=_("Beijing time."),
    )


class RequestForm(forms.Form):
    """What a draw needs: the evaluation's time and place, the committee, each specialty's experts and
    reserves (up to three specialties), when the list goes to the evaluation area."""

    evaluation_at = _instant_field(_("Evaluation starts at"))
    place = forms.CharField(
        label=_("Place of the evaluation"), max_length=200, widget=forms.TextInput(CONTROL)
    )
    committee = forms.IntegerField(
        label=_("Committee members (odd, at least five)"),
        min_value=5,
        max_value=99,
        widget=forms.NumberInput(CONTROL),
    )
    push_at = _instant_field(
        _("List pushed to the evaluation area at (empty: 30 minutes before)"), required=False
    )
    remote_city = forms.CharField(
        label=_("Remote evaluation: not from this city (GB/T 2260, four digits; may be empty)"),
        max_length=4,
        required=False,
        widget=forms.TextInput(CONTROL),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SPECIALTY_ROWS + 1):
            first = n == 1
            self.fields[f"specialty_{n}"] = forms.CharField(
                label=_("Specialty code"), max_length=16, required=first, widget=forms.TextInput(CONTROL)
            )
            self.fields[f"count_{n}"] = forms.IntegerField(
                label=_("Experts"),
                min_value=0,
                max_value=99,
                required=first,
                widget=forms.NumberInput(CONTROL),
            )
            self.fields[f"reserves_{n}"] = forms.IntegerField(
                label=_("Reserves"),
                min_value=0,
                max_value=99,
                required=False,
                widget=forms.NumberInput(CONTROL),
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"specialty_{n}"], self[f"count_{n}"], self[f"reserves_{n}"])
            for n in range(1, SPECIALTY_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        needs: dict[str, dict[str, int]] = {}
        for n in range(1, SPECIALTY_ROWS + 1):
            code = str(data.get(f"specialty_{n}") or "").strip().upper()
            if not code:
                continue
            if code in needs:
                raise forms.ValidationError(_("Name each specialty once."))
            count = data.get(f"count_{n}")
            if count is None:
                raise forms.ValidationError(_("Give how many experts each specialty needs."))
            needs[code] = {"count": int(count), "reserves": int(data.get(f"reserves_{n}") or 0)}
        if not needs:
            raise forms.ValidationError(_("Name at least one specialty with how many experts it needs."))
        data["needs"] = needs
        return data


class MemberForm(forms.Form):
    """A member the initiator enters itself: its representative or an expert it chose outside the pool."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(
        label=_("Name (family name first)"), max_length=50, widget=forms.TextInput(CONTROL)
    )
    id_number = forms.CharField(label=_("Identity number"), max_length=18, widget=forms.TextInput(CONTROL))
    employer_uscc = forms.CharField(
        label=_("Employer's unified social credit code"), max_length=18, widget=forms.TextInput(CONTROL)
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, widget=forms.TextInput(CONTROL))
    specialty = forms.CharField(
        label=_("Specialty code (may be empty)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(CONTROL),
    )


class FeeForm(forms.Form):
    """An expert's fee for one evaluation, in yuan with at most two decimals (kept in fen)."""

    amount = forms.DecimalField(
        label=_("Fee (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput({**CONTROL, "step": "0.01"}),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.1"),
        max_value=Decimal(24),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput({**CONTROL, "step": "0.1"}),
    )
    basis = forms.CharField(label=_("Basis"), max_length=200, widget=forms.TextInput(CONTROL))

    def fen(self) -> int:
        """The amount in fen (exact: the field allows two decimals at most)."""
        return int(self.cleaned_data["amount"] * 100)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Score (1–5)"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.Select(attrs=SELECT),
    )
    conduct = forms.ChoiceField(
        label=_("Conduct"), choices=Conduct.choices, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(
        label=_("What was observed"),
        max_length=500,
        required=False,
        widget=forms.Textarea({**CONTROL, "rows": 2}),
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accepted", _("Accept")), ("declined", _("Decline"))])


class KeeperForm(forms.Form):
    """The staff member the security administrator appoints to print a centre's experts' lists."""

    centre = forms.ChoiceField(label=_("Centre"), widget=forms.Select(attrs=SELECT))
    username = forms.CharField(
        label=_("User name of the staff member"), max_length=150, widget=forms.TextInput(CONTROL)
    )

    def __init__(self, *args: Any, centres: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = [("", "—"), *centres]  # type: ignore[attr-defined]


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month (YYYY-MM)"), max_length=7, widget=forms.TextInput({**CONTROL, "type": "month"})
    )
    centre = forms.CharField(required=False, max_length=32)

    def clean_month(self) -> dt.date:
        text = str(self.cleaned_data["month"]).strip()
        try:
            return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007  (a calendar month, no instant)
        except ValueError as exc:
            raise forms.ValidationError(_("Give the month as YYYY-MM, for example 2026-12.")) from exc
