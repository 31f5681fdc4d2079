"""The tender documents' forms (shape only; the services decide): the documents with one criteria record
per section (pasted as JSON or uploaded as a JSON file, read by `ggzy_sm.criteria.loads`, which refuses bad
JSON, a key twice, a binary float and a record off its format, each said in words next to its section's
field), a file, a question, a clarification.

`example_record(section)` is the record a new draft starts from: a valid record for that section (its
code, its trading method, its price form, its budget as the ceiling price, a bid security within the
method table's cap), for the agent to edit rather than write from nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ggzy.core.types import JSONDict
from ggzy.registry import methods
from ggzy.registry.models import Section
from ggzy.tendering.criteria import explained
from ggzy_sm import criteria as criteria_format

CONTROL = {"class": "form-control"}
TEXTAREA = {**CONTROL, "rows": 5}
#: The JSON text areas: code, not prose (assistive and translating tools leave them alone).
JSON_AREA = {
    **CONTROL,
    "rows": 14,
    "spellcheck": "false",
    "translate": "no",
    "class": "form-control font-monospace",
}
#: The largest criteria record taken, as text or as a file (a record is a few kilobytes).
CRITERIA_MAX_BYTES = 256 * 1024
TITLE_MAX = 200
TEXT_MAX = 5000
#: A JSON pointer in a refusal's words (/scoring/0/items/1/weight_permille): shown as code.
POINTER = re.compile(r"(?<![\w.])/[A-Za-z0-9_~][\w~/.-]*")


def pointer_as_code(text: str) -> SafeString:
    """A refusal's words for a page, each JSON pointer in it set as code (it names a place in the record,
    not a word of the sentence)."""
    return mark_safe(POINTER.sub(lambda m: f"<code>{m.group(0)}</code>", escape(text)))  # noqa: S308


def example_record(section: Section) -> JSONDict:
    """A valid criteria record for `section` to start from (docs/criteria-format.md)."""
    rules = methods.rules_of(section.method_id)
    kind = str(section.price_form)
    if kind == "amount":
        price: JSONDict = {"kind": "amount", "ceiling_fen": section.budget_fen}
    else:
        price = {"kind": kind, "min_percent": "0", "max_percent": "20"}
    record: JSONDict = {
        "profile": criteria_format.FORMAT,
        "section": section.code,
        "method": section.method_id,
        "price_kind": kind,
        "qualification": [
            {
                "id": "Q1",
                "text": "具有独立承担民事责任的能力，依法取得相应资质",
                "evidence": ["营业执照", "资质证书"],
            },
            {"id": "Q2", "text": "近三年内无行贿犯罪记录", "evidence": ["信用中国查询记录"]},
        ],
    }
    if "comprehensive" in rules.evaluation_methods:
        engineering = rules.category == "engineering"
        price_permille = 500 if engineering else 400
        subjective = 900 - price_permille
        record["scoring"] = [
            {
                "id": "T",
                "name": "技术部分",
                "items": [
                    {"id": "T1", "name": "实施方案", "kind": "subjective", "weight_permille": subjective,
                     "standard": "方案完整可行的得满分，有缺陷的酌情扣分"},
                    {"id": "T2", "name": "类似业绩", "kind": "objective", "weight_permille": 100,
                     "standard": "每项类似业绩得 2 分，最多 10 分"},
                ],
            },
            {"id": "P", "name": "价格部分", "items": [
                {"id": "P1", "name": "投标报价", "kind": "price", "weight_permille": price_permille},
            ]},
        ]  # fmt: skip
        if engineering:
            record["price_formula"] = {
                "name": "benchmark_mean",
                "parameters": {
                    "k_choices": ["0.01", "0.02", "0.03"],
                    "trim_min_bids": 5,
                    "points_per_percent_above": "1",
                    "points_per_percent_below": "0.5",
                },
            }
        else:
            record["price_formula"] = {"name": "lowest_price", "parameters": {}}
    else:
        record["price_formula"] = {"name": "lowest_evaluated", "parameters": {}}
    record["opening_sheet"] = {"price": price, "duration_days": {"required": True}}
    record |= {
        "bid_validity_days": 90,
        "decryption_window_minutes": 60,
        "release_remedy": "custodians",
        "bid_security": _example_security(rules, section),
        "consortium_allowed": False,
        "library_items": [],
    }
    return record


def _example_security(rules: methods.MethodRules, section: Section) -> JSONDict:
    """Half the method table's cap, in whole yuan, by guarantee or insurance — and, where the method forbids
    cash (政府采购法实施条例 §33: non-cash forms only), also by a bank transfer from the supplier's own
    account; none where none is taken."""
    cap = methods.bid_security_cap_fen(rules, base_fen=section.budget_fen)
    amount = (cap // 2) // 100 * 100 if cap else 0
    if amount <= 0:
        return {"kind": "none"}
    forms = (
        ["guarantee", "insurance"]
        if rules.bid_security_cash_allowed
        else ["transfer", "guarantee", "insurance"]
    )
    return {"kind": "amount", "amount_fen": amount, "forms": forms}


def as_text(record: Mapping[str, object]) -> str:
    """A record as the text area shows it: indented, Chinese as it is."""
    return json.dumps(record, ensure_ascii=False, indent=2)


class CriteriaFields(forms.Form):
    """One criteria record per section: `criteria_<code>` (JSON text) or `criteria_file_<code>` (a JSON
    file, which wins when both are given). `records` is {section code: record} once the form is valid."""

    def add_criteria_fields(
        self, sections: Iterable[Section], *, required: bool = True, initial: Mapping[str, str] | None = None
    ) -> None:
        self.criteria_sections = list(sections)
        self.criteria_required = required
        for section in self.criteria_sections:
            self.fields[f"criteria_{section.code}"] = forms.CharField(
                label=_("Criteria record of %(section)s (JSON)")
                % {"section": f"{section.code} {section.name}"},
                required=False,
                strip=False,
                initial=(initial or {}).get(section.code, ""),
                widget=forms.Textarea(attrs=JSON_AREA),
            )
            self.fields[f"criteria_file_{section.code}"] = forms.FileField(
                label=_("or upload it as a JSON file"),
                required=False,
                widget=forms.ClearableFileInput(attrs={**CONTROL, "accept": ".json,application/json"}),
            )

    def criteria_field_names(self) -> list[tuple[str, str]]:
        return [(f"criteria_{s.code}", f"criteria_file_{s.code}") for s in self.criteria_sections]

    def chosen_sections(self) -> list[Section]:
        """The sections whose records are read (all by default; the drafting form narrows them)."""
        return self.criteria_sections

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.records: JSONDict = {}
        for section in self.chosen_sections():
            text_name, file_name = f"criteria_{section.code}", f"criteria_file_{section.code}"
            raw = self._raw(cleaned.get(file_name), cleaned.get(text_name) or "")
            if raw is None:
                if self.criteria_required:
                    self.add_error(text_name, gettext("Give the criteria record of this section."))
                continue
            if len(raw) > CRITERIA_MAX_BYTES:
                self.add_error(text_name, gettext("A criteria record may be at most 256 KB."))
                continue
            try:
                self.records[section.code] = criteria_format.loads(raw)
            except criteria_format.CriteriaError as exc:
                self.add_error(text_name, pointer_as_code(explained(exc)))
        return cleaned

    @staticmethod
    def _raw(upload: UploadedFile | None, text: str) -> bytes | None:
        """The record's bytes: the file's (read up to just past the limit) or the text's; None if neither."""
        if upload is not None:
            data = b""
            for chunk in upload.chunks():
                data += chunk
                if len(data) > CRITERIA_MAX_BYTES:
                    break
            return data
        return text.encode("utf-8") if text.strip() else None


class DocumentsForm(CriteriaFields):
    """New documents of a tender project: title, the sections they cover, the fee, one record per section."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, widget=forms.TextInput(attrs=CONTROL))
    sections = forms.MultipleChoiceField(
        label=_("Sections the documents cover"), required=False, widget=forms.CheckboxSelectMultiple
    )
    fee_yuan = forms.DecimalField(
        label=_("Fee for the documents (yuan; 0: free)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=_("Stated in the notice and paid to the initiator, never to the centre; free by default."),
        widget=forms.TextInput(attrs={**CONTROL, "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, sections: list[Section], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(s.code, f"{s.code} {s.name}") for s in sections]  # type: ignore[attr-defined]
        self.fields["sections"].initial = [s.code for s in sections]
        self.add_criteria_fields(sections, initial={s.code: as_text(example_record(s)) for s in sections})

    def chosen_sections(self) -> list[Section]:
        chosen = set(self.cleaned_data.get("sections") or [])
        return [s for s in self.criteria_sections if not chosen or s.code in chosen]

    def fee_fen(self) -> int:
        fee = self.cleaned_data.get("fee_yuan")
        return int(fee * 100) if isinstance(fee, Decimal) else 0


class EditForm(CriteriaFields):
    """A draft's title and records (its sections are fixed when it is drafted)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, widget=forms.TextInput(attrs=CONTROL))

    def __init__(self, *args: Any, sections: list[Section], records: Mapping[str, object], **kwargs: Any):
        super().__init__(*args, **kwargs)
        initial = {code: as_text(r) for code, r in records.items() if isinstance(r, Mapping)}
        self.add_criteria_fields(sections, initial=initial)


class FileForm(forms.Form):
    """One file added to draft documents (its type and size are the service's to check)."""

    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs=CONTROL))


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question about the documents"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class ClarificationForm(CriteriaFields):
    """A clarification or amendment: its text, whether it may affect bids, the questions it answers, and
    the records (shown as they stand: edit one to amend it, which makes a new version)."""

    text = forms.CharField(
        label=_("Clarification or amendment"), max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA)
    )
    affects_bids = forms.BooleanField(
        label=_("It may affect the preparation of bids (the deadline moves if fewer than 15 days remain)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    answers = forms.MultipleChoiceField(
        label=_("The questions it answers"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        sections: list[Section],
        records: Mapping[str, object],
        questions: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["answers"].choices = questions  # type: ignore[attr-defined]
        self.current = {code: r for code, r in records.items() if isinstance(r, Mapping)}
        self.add_criteria_fields(
            sections, required=False, initial={c: as_text(r) for c, r in self.current.items()}
        )

    def amended(self) -> JSONDict | None:
        """The records to hand to the service: None when none was changed (a clarification in words)."""
        merged = {**self.current, **self.records}
        return None if merged == self.current else dict(merged)
