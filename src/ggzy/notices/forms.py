"""The notice pages' forms (shape only; the services decide): the drafting form of each type, generated
from its required-content table (`notices.content.SCHEMAS`), and the small forms of the actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ggzy.core.types import JSONDict
from ggzy.notices.content import CHANGING, Kind, schema_of
from ggzy.notices.models import Notice, NoticeType
from ggzy.registry.models import TenderProject

CONTROL = {"class": "form-control"}
YES_NO = (("yes", _("Yes")), ("no", _("No")))
LOCAL_INSTANT = "%Y-%m-%dT%H:%M"


def _instant_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[LOCAL_INSTANT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={**CONTROL, "type": "datetime-local"}, format=LOCAL_INSTANT),
    )


def _field(kind: Kind, label: str, *, required: bool = True) -> forms.Field:
    if kind == Kind.YES_NO:
        return forms.ChoiceField(
            label=label,
            choices=YES_NO,
            required=required,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
    if kind == Kind.INSTANT:
        return _instant_field(label, required=required)
    if kind == Kind.MONEY:
        return forms.DecimalField(
            label=label,
            required=required,
            min_value=Decimal(0),
            max_digits=15,
            decimal_places=2,
            help_text=_("In yuan, at most two decimals."),
            widget=forms.TextInput(attrs={**CONTROL, "inputmode": "decimal"}),
        )
    return forms.CharField(
        label=label, required=required, max_length=5000, widget=forms.Textarea(attrs={**CONTROL, "rows": 3})
    )


class NoticeForm(forms.Form):
    """Title, sections, the notice it changes (corrections and terminations) and the type's items."""

    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=CONTROL))

    def __init__(
        self,
        *args: Any,
        notice_type: str,
        tender_project: TenderProject,
        correctable: list[Notice] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema_of(notice_type)
        self.fields["sections"] = forms.MultipleChoiceField(
            label=_("Sections announced (none chosen: every section)"),
            required=False,
            choices=[(s.code, f"{s.code} {s.name}") for s in tender_project.sections.order_by("code")],
            widget=forms.CheckboxSelectMultiple,
        )
        if NoticeType(notice_type) in CHANGING:
            self.fields["corrects"] = forms.ChoiceField(
                label=_("The published notice it changes"),
                choices=[("", "—"), *((str(n.uid), n.title) for n in correctable or [])],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        for item in self.schema.items:  # built per request, so the labels are in its language
            self.fields[f"c_{item.key}"] = _field(item.kind, str(item.label), required=item.required)

    def content(self) -> JSONDict:
        """The content document from the cleaned form: money in fen, instants with their offset."""
        found: JSONDict = {}
        for item in self.schema.items:
            value = self.cleaned_data.get(f"c_{item.key}")
            if not item.required and value in (None, ""):
                continue
            if item.kind == Kind.MONEY and isinstance(value, Decimal):
                found[item.key] = int(value * 100)
            elif item.kind == Kind.INSTANT and isinstance(value, dt.datetime):
                found[item.key] = value.isoformat()
            elif item.kind == Kind.YES_NO:
                found[item.key] = value == "yes" if value in ("yes", "no") else None
            else:
                found[item.key] = value
        return found

    @classmethod
    def initial_of(cls, notice: Notice) -> dict[str, object]:
        initial: dict[str, object] = {
            "title": notice.title,
            "sections": [s.code for s in notice.sections.all()],
        }
        for item in schema_of(notice.type).items:
            value = notice.content.get(item.key)
            if item.kind == Kind.MONEY and isinstance(value, int):
                initial[f"c_{item.key}"] = Decimal(value) / 100
            elif item.kind == Kind.INSTANT and isinstance(value, str):
                initial[f"c_{item.key}"] = timezone.localtime(dt.datetime.fromisoformat(value))
            elif item.kind == Kind.YES_NO and isinstance(value, bool):
                initial[f"c_{item.key}"] = "yes" if value else "no"
            else:
                initial[f"c_{item.key}"] = value
        return initial


class ScheduleForm(forms.Form):
    publish_at = _instant_field(_("Publish at (empty: now)"), required=False)


class MediumForm(forms.Form):
    name = forms.CharField(label=_("Medium"), max_length=100, widget=forms.TextInput(attrs=CONTROL))
    url = forms.URLField(
        label=_("Web address"), max_length=500, assume_scheme="https", widget=forms.URLInput(attrs=CONTROL)
    )
    published_on = forms.DateField(
        label=_("Published on"), widget=forms.DateInput(attrs={**CONTROL, "type": "date"})
    )


class RemarkForm(forms.Form):
    remark = forms.CharField(
        label=_("Remark on the form"), max_length=2000, widget=forms.Textarea(attrs={**CONTROL, "rows": 3})
    )


class AttachmentForm(forms.Form):
    """One file attached to a draft (its type and size are the service's to check)."""

    file = forms.FileField(label=_("Attachment"), widget=forms.ClearableFileInput(attrs=CONTROL))


class CompareForm(forms.Form):
    """The text a legal medium published, pasted, and which recorded medium it is from (optional)."""

    #: The longest text taken (characters): a notice's text is far shorter.
    MAX_CHARS = 50_000

    medium = forms.ChoiceField(
        label=_("Medium"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    text = forms.CharField(
        label=_("The text as the medium published it"),
        max_length=MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={**CONTROL, "rows": 12}),
    )

    def __init__(self, *args: Any, media: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["medium"].choices = [("", "—"), *media]  # type: ignore[attr-defined]


# --- objections and pauses ------------------------------------------------------------------------------

TEXTAREA = {**CONTROL, "rows": 5}


class ObjectionForm(forms.Form):
    """Raise an objection, challenge or inquiry against a published notice: the stage among those the
    notice allows (`services.stages_for`), the section, the text."""

    stage = forms.ChoiceField(
        label=_("What it is against"), widget=forms.Select(attrs={"class": "form-select"})
    )
    section = forms.ChoiceField(
        label=_("Section"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    text = forms.CharField(
        label=_("What you object to, and why"), max_length=5000, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(
        self, *args: Any, stages: list[tuple[str, str]], sections: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stages  # type: ignore[attr-defined]
        self.fields["section"].choices = [("", "—"), *sections]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs=TEXTAREA))
    changes_documents = forms.BooleanField(
        label=_("The answer changes the documents (the deadline moves if fewer than 15 days remain)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("The complaint to the supervising department"),
        max_length=5000,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class PauseForm(forms.Form):
    basis = forms.ChoiceField(label=_("Basis"), widget=forms.Select(attrs={"class": "form-select"}))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs=TEXTAREA))
    sections = forms.MultipleChoiceField(
        label=_("Sections (none chosen: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    until = _instant_field(_("Ordered until (a supervisor's order, at most 30 days)"), required=False)
    postpone_to = _instant_field(_("Postpone the bid deadline to (optional)"), required=False)

    def __init__(
        self, *args: Any, bases: list[tuple[str, str]], sections: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["basis"].choices = bases  # type: ignore[attr-defined]
        self.fields["sections"].choices = sections  # type: ignore[attr-defined]


class ResumeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it goes on"), max_length=2000, widget=forms.Textarea(attrs=TEXTAREA)
    )
    postpone_to = _instant_field(_("Postpone the bid deadline to (optional)"), required=False)


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is terminated"), max_length=2000, widget=forms.Textarea(attrs=TEXTAREA)
    )


def portal_region_choices() -> list[tuple[str, object]]:
    """The divisions of the provinces the platform's centres are in, by name (prefectures and counties)."""
    from ggzy.accounts.selectors import centre_list
    from ggzy.core import regions

    provinces = sorted({c.region[:2] + "0000" for c in centre_list() if c.region})
    choices: list[tuple[str, object]] = [("", _("All regions"))]
    for province in provinces:
        choices.append((province, regions.full_name(province)))
        choices += list(regions.grouped_choices(under=province, max_depth=regions.COUNTY))
    return choices


class PortalFilterForm(forms.Form):
    """The public list's filters (GET). Amounts are typed in yuan and compared in fen."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        error_messages={"max_length": _("Search with at most %(limit_value)d characters.")},
        widget=forms.TextInput(
            attrs={**CONTROL, "type": "search", "placeholder": _("A word, e.g. 工程 or G228")}
        ),
    )
    category = forms.ChoiceField(label=_("Trading category"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    published_from = forms.DateField(
        label=_("Published from"), required=False, widget=forms.DateInput(attrs={**CONTROL, "type": "date"})
    )
    published_to = forms.DateField(
        label=_("Published until"), required=False, widget=forms.DateInput(attrs={**CONTROL, "type": "date"})
    )
    min_yuan = forms.DecimalField(
        label=_("Amount from (yuan)"), required=False, min_value=Decimal(0), max_digits=15, decimal_places=2,
        widget=forms.NumberInput(attrs={**CONTROL, "step": "0.01", "min": "0"}),
    )  # fmt: skip
    max_yuan = forms.DecimalField(
        label=_("Amount up to (yuan)"), required=False, min_value=Decimal(0), max_digits=15, decimal_places=2,
        widget=forms.NumberInput(attrs={**CONTROL, "step": "0.01", "min": "0"}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ggzy.core.context_processors import TRADING_CATEGORIES

        super().__init__(*args, **kwargs)
        select = {"class": "form-select"}
        choices: dict[str, Any] = {
            "category": [("", _("All categories")), *TRADING_CATEGORIES],
            "type": [("", _("All types")), *NoticeType.choices],
            "region": portal_region_choices(),
        }
        for name, offered in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101  (narrowing)
            field.choices = offered
        for name in ("category", "type", "region"):
            self.fields[name].widget.attrs.update(select)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", _("The end date is before the start date."))
        low, high = data.get("min_yuan"), data.get("max_yuan")
        if low is not None and high is not None and low > high:
            self.add_error("max_yuan", _("The upper amount is below the lower one."))
        return data

    def portal_filter(self) -> Any:
        """The valid form as `selectors.PortalFilter` (amounts in fen, exactly)."""
        from ggzy.notices.selectors import PortalFilter

        data = self.cleaned_data

        def fen(value: Decimal | None) -> int | None:
            return None if value is None else int(value.scaleb(2))

        return PortalFilter(
            query=data.get("q") or "",
            category=data.get("category") or "",
            type=data.get("type") or "",
            region=data.get("region") or "",
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
            min_fen=fen(data.get("min_yuan")),
            max_fen=fen(data.get("max_yuan")),
        )
