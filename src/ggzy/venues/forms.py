"""The venues pages' forms (shape only; the services decide): a room, an equipment item, a maintenance, an
inspection, a booking (its time, purpose and attendees), a change, a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.venues.facilities import CHECKLISTS, InspectionKind, Item, Purpose, RoomType

CONTROL = {"class": "form-control"}
SELECT = {"class": "form-select"}
LOCAL_INSTANT = "%Y-%m-%dT%H:%M"


def _instant_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[LOCAL_INSTANT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={**CONTROL, "type": "datetime-local"}, format=LOCAL_INSTANT),
        help_text=_("Beijing time."),
    )


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={**CONTROL, "type": "date"}))


class RoomForm(forms.Form):
    code = forms.CharField(label=_("Room number"), max_length=20, widget=forms.TextInput(CONTROL))
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(CONTROL))
    type = forms.ChoiceField(
        label=_("Room type"), choices=RoomType.choices, widget=forms.Select(attrs=SELECT)
    )
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=1, max_value=2000, widget=forms.NumberInput(CONTROL)
    )
    remote_seats = forms.IntegerField(
        label=_("Remote evaluation seats"),
        min_value=0,
        max_value=200,
        initial=0,
        widget=forms.NumberInput(CONTROL),
    )
    location = forms.CharField(
        label=_("Location"), max_length=100, required=False, widget=forms.TextInput(CONTROL)
    )
    setup_minutes = forms.IntegerField(
        label=_("Set-up buffer (minutes)"),
        min_value=0,
        max_value=240,
        initial=30,
        widget=forms.NumberInput(CONTROL),
    )
    cleanup_minutes = forms.IntegerField(
        label=_("Clean-up buffer (minutes)"), min_value=0, max_value=240, initial=30,
        widget=forms.NumberInput(CONTROL),
    )  # fmt: skip


class EquipmentForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=Item.choices, widget=forms.Select(attrs=SELECT))
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=10000, initial=1, widget=forms.NumberInput(CONTROL)
    )
    model = forms.CharField(label=_("Model"), max_length=100, required=False, widget=forms.TextInput(CONTROL))
    serial = forms.CharField(
        label=_("Serial number"), max_length=60, required=False, widget=forms.TextInput(CONTROL)
    )
    maintain_every_days = forms.IntegerField(
        label=_("Maintenance every (days, may be empty)"), min_value=1, max_value=3650, required=False,
        widget=forms.NumberInput(CONTROL),
    )  # fmt: skip


class CameraForm(forms.Form):
    platform = forms.ChoiceField(label=_("Video platform"), widget=forms.Select(attrs=SELECT))
    device = forms.CharField(
        label=_("Device code (GB/T 28181, 20 digits)"), max_length=20, widget=forms.TextInput(CONTROL)
    )
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(CONTROL))

    def __init__(self, *args: Any, platforms: list[str] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [(code, code) for code in platforms]  # type: ignore[attr-defined]


class MaintenanceForm(forms.Form):
    done_on = _date_field(_("Done on"))
    working = forms.BooleanField(label=_("In working order afterwards"), required=False, initial=True)
    found = forms.CharField(label=_("Found"), max_length=500, required=False, widget=forms.TextInput(CONTROL))
    fixed = forms.CharField(label=_("Fixed"), max_length=500, required=False, widget=forms.TextInput(CONTROL))


class InspectionForm(forms.Form):
    """An inspection of one kind: its checklist's points, each a checkbox (ticked: passed)."""

    kind = forms.ChoiceField(
        label=_("Inspection"), choices=InspectionKind.choices, widget=forms.Select(attrs=SELECT)
    )
    checked_on = _date_field(_("Checked on"))
    room = forms.ChoiceField(
        label=_("Room (empty: the whole centre)"), required=False, widget=forms.Select(attrs=SELECT)
    )
    fixed = forms.CharField(
        label=_("Fixed (required when a point failed)"), max_length=1000, required=False,
        widget=forms.Textarea({**CONTROL, "rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, rooms: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", "—"), *rooms]  # type: ignore[attr-defined]
        for kind, points in CHECKLISTS.items():
            for n, (clause, point) in enumerate(points):
                self.fields[f"{kind}_{n}"] = forms.BooleanField(label=f"{point}（{clause}）", required=False)

    def points(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Each kind with its points' checkboxes (the page shows the chosen kind's)."""
        return [
            (kind, [self[f"{kind}_{n}"] for n in range(len(points))]) for kind, points in CHECKLISTS.items()
        ]

    def results(self) -> dict[int, bool]:
        kind = self.cleaned_data["kind"]
        return {n: bool(self.cleaned_data.get(f"{kind}_{n}")) for n in range(len(CHECKLISTS[kind]))}


class FindForm(forms.Form):
    """What a booking is for: the rooms free for it are suggested."""

    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=Purpose.choices, widget=forms.Select(attrs=SELECT)
    )
    starts_at = _instant_field(_("Starts at"))
    ends_at = _instant_field(_("Ends at"))
    attendees = forms.IntegerField(
        label=_("Attendees"), min_value=1, max_value=2000, widget=forms.NumberInput(CONTROL)
    )


class BookForm(FindForm):
    room = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.TextInput(CONTROL))


class ChangeForm(forms.Form):
    starts_at = _instant_field(_("Starts at"))
    ends_at = _instant_field(_("Ends at"))
    attendees = forms.IntegerField(
        label=_("Attendees"), min_value=1, max_value=2000, widget=forms.NumberInput(CONTROL)
    )
    room = forms.ChoiceField(label=_("Room"), widget=forms.Select(attrs=SELECT))
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500, widget=forms.TextInput(CONTROL)
    )

    def __init__(self, *args: Any, rooms: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = rooms  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput(CONTROL))
