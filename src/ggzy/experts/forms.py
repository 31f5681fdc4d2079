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


# --- the pool (the centre's staff and the expert) ---------------------------------------------------------


def _specialty_choices() -> list[tuple[str, str]]:
    from ggzy.experts.models import Specialty

    return [
        (code, f"{code} {name}")
        for code, name in Specialty.objects.order_by("code").values_list("code", "name")
    ]


class ProfileForm(forms.Form):
    """The changeable part of a profile (services.pool.CHANGEABLE): phone, region, title, the year in the
    field, expertise and specialties (checkboxes of the `Specialty` rows). A change of employer is the
    expert's own form's (`ProfileChangeForm`); the centre registers the first."""

    phone = forms.CharField(label=_("Mobile phone"), max_length=11, widget=forms.TextInput(CONTROL))
    region = forms.CharField(
        label=_("Region (GB/T 2260, six digits)"), max_length=6, widget=forms.TextInput(CONTROL)
    )
    title = forms.ChoiceField(label=_("Professional title"), widget=forms.Select(attrs=SELECT))
    field_since = forms.IntegerField(
        label=_("Working in the field since (year)"),
        min_value=1950,
        max_value=2100,
        widget=forms.NumberInput(CONTROL),
    )
    expertise = forms.ChoiceField(label=_("Expertise"), widget=forms.Select(attrs=SELECT))
    specialties = forms.MultipleChoiceField(
        label=_("Specialties"), widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ggzy.experts.models import Expertise, Title

        super().__init__(*args, **kwargs)
        self.fields["title"].choices = Title.choices  # type: ignore[attr-defined]
        self.fields["expertise"].choices = Expertise.choices  # type: ignore[attr-defined]
        self.fields["specialties"].choices = _specialty_choices()  # type: ignore[attr-defined]

    def profile(self) -> dict[str, Any]:
        """The cleaned fields as the pool's services take them."""
        data = self.cleaned_data
        return {
            "phone": str(data["phone"]).strip(),
            "region": str(data["region"]).strip(),
            "title": data["title"],
            "field_since": int(data["field_since"]),
            "expertise": data["expertise"],
            "specialties": sorted(data["specialties"]),
        }


class ProfileChangeForm(ProfileForm):
    """The expert's own change: the profile and, when it moved, its new employer with the day it began
    (the employers it was still with end the day before: `services.employer_changed`)."""

    new_employer_uscc = forms.CharField(
        label=_("New employer's unified social credit code (only if you changed employer)"),
        max_length=18,
        required=False,
        widget=forms.TextInput(CONTROL),
    )
    new_employer = forms.CharField(
        label=_("New employer"), max_length=100, required=False, widget=forms.TextInput(CONTROL)
    )
    new_employer_since = forms.DateField(
        label=_("Employed there since"),
        required=False,
        widget=forms.DateInput(attrs={**CONTROL, "type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        moved = [data.get(n) for n in ("new_employer_uscc", "new_employer", "new_employer_since")]
        if any(moved) and not all(moved):
            raise forms.ValidationError(
                _("A new employer needs its credit code, its name and the day you began there.")
            )
        return data

    def profile(self) -> dict[str, Any]:
        found = super().profile()
        data = self.cleaned_data
        if data.get("new_employer_uscc"):
            from ggzy.experts.services import NEW_EMPLOYER

            found[NEW_EMPLOYER] = {
                "uscc": str(data["new_employer_uscc"]).strip(),
                "employer": str(data["new_employer"]).strip(),
                "since": data["new_employer_since"].isoformat(),
            }
        return found


class RegisterForm(ProfileForm):
    """An expert registered by the centre's staff: the profile with the name, identity number, one employer
    (more are added through a change) and the expert's account, if it has one."""

    name = forms.CharField(
        label=_("Name (family name first)"), max_length=50, widget=forms.TextInput(CONTROL)
    )
    id_number = forms.CharField(label=_("Identity number"), max_length=18, widget=forms.TextInput(CONTROL))
    employer_uscc = forms.CharField(
        label=_("Employer's unified social credit code"), max_length=18, widget=forms.TextInput(CONTROL)
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, widget=forms.TextInput(CONTROL))
    employer_since = forms.DateField(
        label=_("Employed since (may be empty)"),
        required=False,
        widget=forms.DateInput(attrs={**CONTROL, "type": "date"}),
    )
    username = forms.CharField(
        label=_("User name of the expert's account (may be empty)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(CONTROL),
    )
    centre = forms.ChoiceField(label=_("Centre"), widget=forms.Select(attrs=SELECT))

    field_order = ["centre", "name", "id_number", "phone", "region", "title", "field_since", "expertise"]

    def __init__(self, *args: Any, centres: list[str] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        from ggzy.accounts.selectors import centre_list

        named = {c.code: c.name for c in centre_list()}  # one query, not one per centre
        self.fields["centre"].choices = [(c, named.get(c, c)) for c in centres]  # type: ignore[attr-defined]
        self.order_fields(self.field_order)

    def employments(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        since = data.get("employer_since")
        return [
            {
                "uscc": str(data["employer_uscc"]).strip().upper(),
                "employer": str(data["employer"]).strip(),
                "since": since.isoformat() if since else "",
            }
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), widget=forms.Select(attrs=SELECT))
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.TextInput(CONTROL))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ggzy.experts.models import ExpertStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = ExpertStatus.choices  # type: ignore[attr-defined]
        self.fields["reason"].error_messages["required"] = _("Give the reason for the change of status.")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note (required to reject)"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not str(data.get("note") or "").strip():
            raise forms.ValidationError(_("Say in the note why the change is rejected."))
        return data


class UnavailableForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={**CONTROL, "type": "date"}))
    end = forms.DateField(label=_("To (included)"), widget=forms.DateInput(attrs={**CONTROL, "type": "date"}))


class DeclareForm(forms.Form):
    conflict = forms.ChoiceField(choices=[("no", _("No conflict")), ("yes", _("I have a conflict"))])
