"""The library's forms (shape only; the services decide): an entry of one kind, built from its table of
fields (`entities.kinds.SPECS`), a retirement's reason, the supervisor's search.

What is entered goes to the service as typed, as text: dates, amounts in fen and shares are checked by
`services.fields_clean`, which says what is wrong in Chinese and names the field. A personal or account
number is a password-style input that is never filled in again: on an edit it is left empty to keep the
stored number (the form shows its masked form only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from ggzy.entities import selectors
from ggzy.entities.kinds import Field, KindSpec
from ggzy.entities.models import Item

CONTROL = {"class": "form-control"}
SELECT = {"class": "form-select"}
TEXTAREA = {**CONTROL, "rows": 4}
#: the encrypted numbers' inputs: not remembered by the browser, not shown again
SECRET = {**CONTROL, "autocomplete": "off", "spellcheck": "false"}
REASON_MAX = 200
SEARCH_MAX = 100
BLANK = ("", "—")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs=dict(CONTROL)))  # Django adds "multiple" to it
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _qualification_types() -> list[tuple[str, str]]:
    """The code table's types, each with the levels it has: 市政公用工程施工总承包（特级、一级、二级、
    三级）."""
    return [(t.code, f"{t.name}（{'、'.join(t.levels)}）") for t in selectors.qualification_types()]


def _levels() -> list[tuple[str, str]]:
    """Every level some type has, in the table's order (the service checks it is one the type has)."""
    found: dict[str, None] = {}
    for qualification_type in selectors.qualification_types():
        for level in qualification_type.levels:
            found.setdefault(str(level), None)
    return [(level, level) for level in found]


def _initial(value: object) -> str:
    return "" if value is None else str(value)


class ItemForm(forms.Form):
    """An entry of one kind: one input per field of its table, files where the kind takes them, and on
    an edit the files to keep."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: MultiValueDict[str, UploadedFile] | None = None,
        *,
        spec: KindSpec,
        item: Item | None = None,
    ) -> None:
        initial = {name: _initial(value) for name, value in item.data.items()} if item is not None else {}
        super().__init__(data, files, initial=initial)
        self.spec = spec
        self.item = item
        for field in spec.fields:
            self.fields[field.name] = self._field(field)
        if spec.files:
            self.fields["files"] = MultipleFileField(
                label=_("Evidence files"),
                required=False,
                help_text=_("PDF, OFD, PNG or JPEG; at most 10 files of 20 MB each."),
            )
        if item is not None and item.files:
            self.fields["keep"] = forms.MultipleChoiceField(
                label=_("Files to keep"),
                required=False,
                choices=[(str(f["sm3"]), str(f["name"])) for f in item.files],
                initial=[str(f["sm3"]) for f in item.files],
                widget=forms.CheckboxSelectMultiple,
            )

    def _field(self, field: Field) -> forms.Field:  # noqa: PLR0911
        label: Any = field.label  # lazy: said in the language of the page
        help_text: Any = field.help
        required = field.required
        if field.type in ("person", "account"):
            return self._secret(field)
        if field.type == "choice":
            choices = [BLANK, *((code, str(text)) for code, text in field.choices)]
            return forms.ChoiceField(
                label=label,
                help_text=help_text,
                required=required,
                choices=choices,
                widget=forms.Select(SELECT),
            )
        if field.type == "qualtype":
            return forms.ChoiceField(
                label=label,
                help_text=help_text,
                required=required,
                choices=[BLANK, *_qualification_types()],
                widget=forms.Select(SELECT),
            )
        if field.type == "level":
            return forms.ChoiceField(
                label=label,
                help_text=help_text or _("One of the levels the qualification type has."),
                required=required,
                choices=[BLANK, *_levels()],
                widget=forms.Select(SELECT),
            )
        if field.type == "date":
            return forms.CharField(
                label=label,
                help_text=help_text,
                required=required,
                max_length=10,
                widget=forms.DateInput(attrs={**CONTROL, "type": "date"}),
            )
        if field.type in ("fen", "bp"):
            return forms.CharField(
                label=label,
                help_text=help_text,
                required=required,
                max_length=20,
                widget=forms.TextInput(attrs={**CONTROL, "inputmode": "numeric"}),
            )
        widget = forms.Textarea(TEXTAREA) if field.type == "longtext" else forms.TextInput(CONTROL)
        return forms.CharField(
            label=label, help_text=help_text, required=required, max_length=field.max_length, widget=widget
        )

    def _secret(self, field: Field) -> forms.Field:
        """A personal or account number: typed, never shown back; on an edit empty keeps the stored one."""
        stored: object = None
        if self.item is not None:
            stored = self.item.secret if field.type == "person" else self.item.account
        masked = str(getattr(stored, "masked", "") or "")  # only ever the masked form
        help_text: Any = field.help
        if self.item is not None:
            help_text = (
                _("Leave empty to keep the stored number (%(masked)s).") % {"masked": masked}
                if masked
                else field.help
            )
        label: Any = field.label
        return forms.CharField(
            label=label,
            help_text=help_text,
            required=field.required and self.item is None,
            max_length=40,
            strip=True,
            widget=forms.PasswordInput(attrs=SECRET, render_value=False),
        )

    def values(self) -> dict[str, object]:
        """The fields as the service takes them (text as typed; empty for a field left blank)."""
        return {f.name: self.cleaned_data.get(f.name, "") for f in self.spec.fields}

    def uploads(self) -> list[tuple[str, UploadedFile]]:
        return [(f.name or "file", f) for f in self.cleaned_data.get("files") or []]

    def kept(self) -> list[str] | None:
        """The SM3 of the stored files to keep (None: the entry has none, nothing to choose)."""
        if "keep" not in self.fields:
            return None
        return list(self.cleaned_data.get("keep") or [])


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the entry is retired"),
        max_length=REASON_MAX,
        widget=forms.TextInput(CONTROL),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or registration code"),
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={**CONTROL, "type": "search"}),
    )
