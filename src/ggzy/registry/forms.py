"""Forms of the registration pages: the one form for every category (一表申请) with its checklist
items and 容缺 promises, supplying an item, acceptance, a staff member's leave, and the centre's own
settings — the head of the desk and the deputy, document templates, a new checklist version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre, Organisation
from ggzy.core import clock
from ggzy.core.formatting import person_name
from ggzy.core.regions import RegionField
from ggzy.registry import blobs
from ggzy.registry.models import ChecklistItem, Need, PriceForm, TradingCategory, TradingMethod
from ggzy.registry.services import (
    TEMPLATE_MAX_BYTES,
    TEMPLATE_TYPES,
    ItemIn,
    Promise,
    SectionIn,
    TenderProjectIn,
    Upload,
)

#: How many section rows the form offers (blank rows are ignored).
SECTION_ROWS = 5
#: Labels of the outside codes a category may carry.
EXTERNAL_LABELS = {
    "investment_code": _("Investment project code"),
    "approval_number": _("Approval, authorisation or filing number"),
    "procurement_plan": _("Procurement plan or filing number"),
}


def read_upload(upload: Any) -> Upload:
    """A Django uploaded file as the service's `Upload`: its name and the file itself, read in chunks by
    the blob store (an upload above FILE_UPLOAD_MAX_MEMORY_SIZE is a temporary file on disk)."""
    return Upload(name=str(upload.name), file=upload)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class ChooseForm(forms.Form):
    """Step 1: the centre and the category."""

    centre = forms.ModelChoiceField(
        label=_("Trading centre"), queryset=Centre.objects.none(), to_field_name="code", empty_label=None
    )
    category = forms.ModelChoiceField(
        label=_("Trading category"),
        queryset=TradingCategory.objects.none(),
        to_field_name="code",
        empty_label=None,
    )

    def __init__(
        self, *args: Any, centres: QuerySet[Centre], categories: QuerySet[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["category"].label_from_instance = lambda c: c.label  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class RegistrationForm(forms.Form):
    """Step 2: the project, its tender project and sections, and one entry per checklist item."""

    name = forms.CharField(label=_("Project name"), max_length=200)
    region = RegionField(label=_("Region"))  # narrowed to the centre's region in __init__
    initiator = forms.ModelChoiceField(
        label=_("Trade initiator"), queryset=Organisation.objects.none(), to_field_name="uid"
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=Organisation.objects.none(), required=False, to_field_name="uid"
    )
    tender_name = forms.CharField(
        label=_("Tender project name"),
        max_length=200,
        help_text=_("The tender, procurement or transfer project; its sections follow."),
    )

    def __init__(
        self,
        *args: Any,
        category: TradingCategory,
        items: list[ChecklistItem],
        initiators: QuerySet[Organisation] | list[Organisation],
        agents: QuerySet[Organisation] | None,
        agent_required: bool = False,
        initiator_labels: dict[int, str] | None = None,
        region_under: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if region_under:  # a project of this centre lies in the centre's region, chosen by name
            self.fields["region"] = RegionField(label=_("Region"), under=region_under)
        self.category = category
        self.checklist_items = items
        initiator_field: Any = self.fields["initiator"]
        initiator_field.queryset = (
            initiators
            if isinstance(initiators, QuerySet)
            else Organisation.objects.filter(pk__in=[o.pk for o in initiators]).order_by("name")
        )
        labels = initiator_labels or {}
        initiator_field.label_from_instance = lambda o: labels.get(o.pk, o.name)
        if initiator_field.queryset.count() == 1:
            only = initiator_field.queryset.get()
            initiator_field.initial = only.uid
            initiator_field.disabled = True
        if agents is None:
            del self.fields["agent"]
        else:
            agent_field: Any = self.fields["agent"]
            agent_field.queryset = agents
            agent_field.required = agent_required
            if agent_required:
                agent_field.empty_label = None
        self._add_codes_and_sections(category)
        self._add_items(items)
        self._style()

    def _add_codes_and_sections(self, category: TradingCategory) -> None:
        for code in category.external_codes:
            self.fields[code] = forms.CharField(label=EXTERNAL_LABELS.get(code, code), max_length=100)
        methods = [(m.code, m.name) for m in TradingMethod.objects.filter(category=category)]
        for n in range(SECTION_ROWS):
            self.fields[f"s{n}_name"] = forms.CharField(
                label=_("Section name"), max_length=200, required=False
            )
            self.fields[f"s{n}_budget"] = forms.CharField(
                label=_("Budget or ceiling price (yuan)"), max_length=24, required=False
            )
            self.fields[f"s{n}_price_form"] = forms.ChoiceField(
                label=_("Price form"), choices=PriceForm.choices, initial=PriceForm.AMOUNT
            )
            self.fields[f"s{n}_method"] = forms.ChoiceField(
                label=_("Trading method"), choices=methods, required=False
            )

    def _add_items(self, items: list[ChecklistItem]) -> None:
        for item in items:
            key = item.key
            self.fields[f"file_{key}"] = forms.FileField(
                label=item.name,
                required=False,
                widget=forms.ClearableFileInput(
                    attrs={
                        "accept": blobs.accept_attribute(item.media_types),
                        "aria-describedby": f"id_file_{key}_limit",
                    }
                ),
            )
            if item.need == "conditional":
                self.fields[f"na_{key}"] = forms.BooleanField(label=_("Does not apply"), required=False)
            if item.may_defer:
                self.fields[f"defer_{key}"] = forms.BooleanField(
                    label=_("Supply later (容缺)"), required=False
                )
                self.fields[f"promise_{key}"] = forms.CharField(
                    label=_("Written promise"), max_length=500, required=False
                )
                self.fields[f"due_{key}"] = forms.DateField(
                    label=_("To be supplied by"),
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                )

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    # --- for the template ---
    def external_fields(self) -> list[Any]:
        return [self[code] for code in self.category.external_codes]

    def section_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "n": n + 1,
                "name": self[f"s{n}_name"],
                "budget": self[f"s{n}_budget"],
                "price_form": self[f"s{n}_price_form"],
                "method": self[f"s{n}_method"],
            }
            for n in range(SECTION_ROWS)
        ]

    def item_rows(self) -> list[dict[str, Any]]:
        rows = []
        for item in self.checklist_items:
            key = item.key
            rows.append(
                {
                    "item": item,
                    "file": self[f"file_{key}"],
                    "na": self[f"na_{key}"] if f"na_{key}" in self.fields else None,
                    "defer": self[f"defer_{key}"] if item.may_defer else None,
                    "promise": self[f"promise_{key}"] if item.may_defer else None,
                    "due": self[f"due_{key}"] if item.may_defer else None,
                }
            )
        return rows

    # --- for the service ---
    def tender_projects(self) -> list[TenderProjectIn]:
        data = self.cleaned_data
        sections = []
        for n in range(SECTION_ROWS):
            name, budget = data.get(f"s{n}_name", "").strip(), data.get(f"s{n}_budget", "").strip()
            if not name and not budget:
                continue  # a blank row
            sections.append(
                SectionIn(
                    name=name,
                    budget_yuan=budget,
                    price_form=data.get(f"s{n}_price_form") or "",
                    method=data.get(f"s{n}_method") or "",
                )
            )
        return [TenderProjectIn(name=data["tender_name"], sections=sections)]

    def external(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(code, "") for code in self.category.external_codes}

    def entries(self) -> tuple[dict[str, Upload], dict[str, Promise], set[str]]:
        """(files, promises, not applicable) of the checklist items. A file wins over a promise."""
        data = self.cleaned_data
        files: dict[str, Upload] = {}
        promises: dict[str, Promise] = {}
        not_applicable: set[str] = set()
        for item in self.checklist_items:
            key = item.key
            upload = data.get(f"file_{key}")
            if upload:
                files[key] = read_upload(upload)
            elif data.get(f"defer_{key}"):
                due = data.get(f"due_{key}") or clock.local_now().date()  # the service refuses it
                promises[key] = Promise(text=data.get(f"promise_{key}", ""), due=due)
            elif data.get(f"na_{key}"):
                not_applicable.add(key)
        return files, promises, not_applicable


class SupplyForm(forms.Form):
    file = forms.FileField(label=_("File"))


class AcceptForm(forms.Form):
    responsible = StaffChoiceField(label=_("Responsible person"), queryset=None, to_field_name="username")
    deputy = StaffChoiceField(label=_("Deputy (AB角)"), queryset=None, to_field_name="username")

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = _staff_queryset(staff)
        for name in ("responsible", "deputy"):
            field: Any = self.fields[name]
            field.queryset = queryset
            field.widget.attrs["class"] = "form-select"


def _staff_queryset(staff: list[Any]) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk__in=[u.pk for u in staff]).order_by("username")


class LeaveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("On leave from"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
    )
    ends_at = forms.DateTimeField(
        label=_("On leave until"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
    )
    covered_by = StaffChoiceField(
        label=_("Covered by"),
        queryset=None,
        to_field_name="username",
        help_text=_("A colleague of your centre who covers your other work while you are away."),
        error_messages={"invalid_choice": _("Choose a colleague of your centre to cover for you.")},
    )

    def __init__(self, *args: Any, colleagues: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["covered_by"]
        field.queryset = _staff_queryset(colleagues)
        field.widget.attrs["class"] = "form-select"


class DeskHeadForm(forms.Form):
    """The head of a centre's desk and the deputy, from the centre's staff."""

    head = StaffChoiceField(
        label=_("Head of the service desk (服务责任人)"), queryset=None, to_field_name="username"
    )
    deputy = StaffChoiceField(
        label=_("Deputy (AB角)"),
        queryset=None,
        to_field_name="username",
        required=False,
        help_text=_("Takes the escalations while the head is on leave."),
    )

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("head", "deputy"):
            field: Any = self.fields[name]
            field.queryset = _staff_queryset(staff)
            field.widget.attrs["class"] = "form-select"


def template_file_text() -> str:
    """What a template file may be, with the limit the service enforces (TEMPLATE_MAX_BYTES)."""
    return _("PDF, OFD, Word (.docx) or Excel (.xlsx), at most %(size)s.") % {
        "size": filesizeformat(TEMPLATE_MAX_BYTES)
    }


class TemplateUploadForm(forms.Form):
    """A new document template: its category, name and file."""

    category = forms.ModelChoiceField(
        label=_("Trading category"),
        queryset=TradingCategory.objects.none(),
        to_field_name="code",
        empty_label=None,
    )
    name = forms.CharField(label=_("Template name"), max_length=200)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, categories: QuerySet[TradingCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["category"]
        field.queryset = categories
        field.label_from_instance = lambda c: c.label
        field.widget.attrs["class"] = "form-select"
        self.fields["name"].widget.attrs["class"] = "form-control"
        self.fields["file"].widget.attrs.update(
            {"class": "form-control", "accept": blobs.accept_attribute(TEMPLATE_TYPES)}
        )
        self.fields["file"].help_text = template_file_text()


class TemplateReplaceForm(forms.Form):
    """A new version of a template: its file, and a new name if it changes."""

    file = forms.FileField(
        label=_("New version"),
        widget=forms.FileInput(
            attrs={"class": "form-control form-control-sm", "accept": blobs.accept_attribute(TEMPLATE_TYPES)}
        ),
    )
    name = forms.CharField(label=_("New name (optional)"), max_length=200, required=False)


#: How many blank rows the checklist form offers for new items.
NEW_ITEM_ROWS = 3
STEP_CHOICES = (("", _("No step")), ("notice", _("Publishing the notice")))


class ChecklistForm(forms.Form):
    """A new version of a checklist: a row per item of the version in force (changed, or removed) and
    blank rows for new items; `base_version` is the version the editor saw."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    basis = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        required=False,
        help_text=_("E.g. the rule or notice that requires it; shown with the version."),
    )

    def __init__(self, *args: Any, items: list[ChecklistItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = items
        for n, item in enumerate(items):
            self._row(f"i{n}", item)
            self.fields[f"i{n}_remove"] = forms.BooleanField(label=_("Remove"), required=False)
        for n in range(NEW_ITEM_ROWS):
            self._row(f"n{n}", None)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control form-control-sm")

    def _row(self, prefix: str, item: ChecklistItem | None) -> None:
        self.fields[f"{prefix}_name"] = forms.CharField(
            label=_("Document"), max_length=200, required=False, initial=item.name if item else ""
        )
        self.fields[f"{prefix}_need"] = forms.ChoiceField(
            label=_("Need"), choices=Need.choices, initial=item.need if item else Need.MANDATORY
        )
        self.fields[f"{prefix}_condition"] = forms.CharField(
            label=_("Applies when"), max_length=200, required=False, initial=item.condition if item else ""
        )
        self.fields[f"{prefix}_may_defer"] = forms.BooleanField(
            label=_("May be supplied later (容缺)"), required=False, initial=item.may_defer if item else False
        )
        self.fields[f"{prefix}_needed_before"] = forms.ChoiceField(
            label=_("Needed before"),
            choices=STEP_CHOICES,
            required=False,
            initial=item.needed_before if item else "",
        )

    # --- for the template ---
    def rows(self) -> list[dict[str, Any]]:
        def row(prefix: str, item: ChecklistItem | None) -> dict[str, Any]:
            return {
                "item": item,
                "prefix": prefix,
                "name": self[f"{prefix}_name"],
                "need": self[f"{prefix}_need"],
                "condition": self[f"{prefix}_condition"],
                "may_defer": self[f"{prefix}_may_defer"],
                "needed_before": self[f"{prefix}_needed_before"],
                "remove": self[f"{prefix}_remove"] if item is not None else None,
            }

        return [row(f"i{n}", item) for n, item in enumerate(self.current)] + [
            row(f"n{n}", None) for n in range(NEW_ITEM_ROWS)
        ]

    # --- for the service ---
    def items(self) -> list[ItemIn]:
        """The items of the new version: the kept rows (an empty name is the service's to refuse), then
        the new rows with a name."""
        data = self.cleaned_data
        found = []
        for n, item in enumerate(self.current):
            if data.get(f"i{n}_remove"):
                continue
            found.append(self._item(f"i{n}", item.key))
        for n in range(NEW_ITEM_ROWS):
            if data.get(f"n{n}_name", "").strip():
                found.append(self._item(f"n{n}", ""))
        return found

    def _item(self, prefix: str, key: str) -> ItemIn:
        data = self.cleaned_data
        return ItemIn(
            name=data.get(f"{prefix}_name", ""),
            need=data.get(f"{prefix}_need") or Need.MANDATORY,
            condition=data.get(f"{prefix}_condition", ""),
            may_defer=bool(data.get(f"{prefix}_may_defer")),
            needed_before=data.get(f"{prefix}_needed_before") or "",
            key=key,
        )


def leave_initial() -> dict[str, str]:
    """Today 08:30 to 17:00, local time, as the datetime-local inputs want it."""
    today = clock.local_now().date()
    start = dt.datetime.combine(today, dt.time(8, 30))
    end = dt.datetime.combine(today, dt.time(17, 0))
    return {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": end.strftime("%Y-%m-%dT%H:%M")}


class CategoryServeForm(forms.Form):
    """Whether the centre serves a trading category, what it tells the parties once a registration of
    the category is accepted (6.2.4), and its list of projects that must enter (应进必进, 12.1.5)."""

    enabled = forms.BooleanField(
        label=_("The centre serves this category"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_("Only a category the centre serves can be registered at it."),
    )
    next_steps = forms.CharField(
        label=_("What to watch out for after acceptance"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Told to the parties when a registration of this category is accepted."),
    )
    must_enter = forms.CharField(
        label=_("Projects that must enter (应进必进)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_(
            "Published on the public page of must-enter lists; projects outside it register the same way."
        ),
    )
