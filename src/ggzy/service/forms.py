"""Forms of the service pages: asking, service complaints and suggestions, rating, the staff desk
(answer, hand over, FAQ, log a call or visit, follow up a bad rating, record a service given), and what a
centre's staff keep: service guides, service commitments, technical staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre
from ggzy.core.formatting import person_name
from ggzy.registry.models import TradingCategory
from ggzy.service.models import (
    GUIDE_KINDS,
    NOT_OFFERED_YET,
    FeedbackKind,
    QuestionChannel,
    QuestionKind,
    ServiceType,
)

MAX_TEXT = 5000
MAX_GUIDE = 20000

GIVEN_SERVICES = [
    (s.value, s.label) for s in (ServiceType.GREEN_CHANNEL, ServiceType.EXTENDED_HOURS, ServiceType.ON_BEHALF)
]


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.RadioSelect):
                continue
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"


def _centre_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Trading centre"), queryset=Centre.objects.order_by("code"), to_field_name="code"
    )


class _CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


def _category_field() -> forms.ModelChoiceField:
    return _CategoryField(
        label=_("Trading category"),
        queryset=TradingCategory.objects.order_by("order"),
        to_field_name="code",
        required=False,
    )


class AskForm(_Styled):
    centre = _centre_field()
    category = _category_field()
    kind = forms.ChoiceField(label=_("What the question is about"), choices=QuestionKind.choices)
    text = forms.CharField(
        label=_("Your question"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )


class LogQuestionForm(_Styled):
    """Staff log a question asked by phone or in person; whoever logs it owns it (首问负责)."""

    channel = forms.ChoiceField(
        label=_("Asked by"),
        choices=[(c.value, c.label) for c in (QuestionChannel.PHONE, QuestionChannel.ON_SITE)],
    )
    category = _category_field()
    kind = forms.ChoiceField(label=_("What the question is about"), choices=QuestionKind.choices)
    asker_name = forms.CharField(label=_("Name of the person asking"), max_length=50, required=False)
    asker_contact = forms.CharField(label=_("Their phone or e-mail"), max_length=100, required=False)
    text = forms.CharField(label=_("Question"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(_Styled):
    answer = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    outside_remit = forms.BooleanField(label=_("Outside the centre's remit"), required=False)
    authority = forms.CharField(
        label=_("Authority to turn to"),
        max_length=200,
        required=False,
        help_text=_("Required when the question is outside the centre's remit."),
    )


class _StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class HandOverForm(_Styled):
    to = _StaffChoiceField(
        label=_("Hand over to"), queryset=get_user_model().objects.none(), to_field_name="username"
    )
    reason = forms.CharField(label=_("Reason for the hand-over"), max_length=300)

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to"]
        field.queryset = get_user_model().objects.filter(pk__in=[u.pk for u in staff]).order_by("username")
        # shown from the list given, not by a query each time (the desk shows one form per question)
        empty = [] if field.empty_label is None else [("", field.empty_label)]
        named = [(u.username, field.label_from_instance(u)) for u in sorted(staff, key=lambda u: u.username)]
        field.choices = empty + named


class FaqForm(_Styled):
    question = forms.CharField(
        label=_("Question as published"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer = forms.CharField(
        label=_("Answer as published"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedbackForm(_Styled):
    centre = _centre_field()
    kind = forms.ChoiceField(label=_("Kind"), choices=FeedbackKind.choices)
    content = forms.CharField(
        label=_("What happened, or what you suggest"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contact = forms.CharField(
        label=_("How to reach you"),
        max_length=100,
        required=False,
        help_text=_("A phone number or e-mail address; kept encrypted and shown masked to staff."),
    )


class FeedbackAnswerForm(_Styled):
    answer = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


SCORES = [(str(n), str(n)) for n in range(5, 0, -1)]


class RatingForm(_Styled):
    service = forms.ChoiceField(choices=ServiceType.choices, widget=forms.HiddenInput)
    reference = forms.CharField(max_length=100, widget=forms.HiddenInput)
    score = forms.TypedChoiceField(
        label=_("Score (5 is best)"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class FollowUpForm(_Styled):
    text = forms.CharField(
        label=_("What was done"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    late_reason = forms.CharField(
        label=_("Why after the limit"),
        max_length=300,
        required=False,
        help_text=_("Required when the follow-up is after its limit."),
    )


class RecordForm(_Styled):
    service = forms.ChoiceField(label=_("Service"), choices=GIVEN_SERVICES)
    username = forms.CharField(label=_("User name of the person served"), max_length=150)
    description = forms.CharField(label=_("What was done"), max_length=500)

    def clean_username(self) -> Any:
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no user with this user name."))
        return user


#: The services the platform offers (a commitment, a self-evaluation names one of these).
OFFERED_SERVICES = [c for c in ServiceType.choices if c[0] not in NOT_OFFERED_YET]


class SelfEvaluationForm(_Styled):
    service = forms.ChoiceField(label=_("Service"), choices=OFFERED_SERVICES)
    score = forms.TypedChoiceField(label=_("Score (5 is best)"), choices=SCORES, coerce=int)
    findings = forms.CharField(
        label=_("What the centre found"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    improvements = forms.CharField(label=_("What it will improve"), max_length=MAX_TEXT, required=False)


class GuideForm(_Styled):
    """A service guide (6.1.2.1–6.1.2.3): kind, trading category (none: every category), title, text."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in GUIDE_KINDS])
    category = _category_field()
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=MAX_GUIDE, widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["category"]
        field.empty_label = str(_("All trading categories"))


class CommitmentForm(_Styled):
    """A service commitment (12.1.3): the service, the item, steps, time limit, materials, and the fee in
    yuan (a decimal string, checked and turned into fen by the service) with its basis. The list offers
    only the services the platform offers; the service refuses the others, naming them."""

    service = forms.ChoiceField(label=_("Service type"), choices=ServiceType.choices)
    title = forms.CharField(label=_("Service item"), max_length=200)
    steps = forms.CharField(label=_("Steps"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    time_limit = forms.CharField(label=_("Time limit"), max_length=100)
    materials = forms.CharField(
        label=_("Materials"), max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fee_yuan = forms.CharField(
        label=_("Fee (yuan)"),
        max_length=20,
        required=False,
        initial="0",
        help_text=_("0 when the service is free. A publicly funded centre charges no trading service fee."),
    )
    fee_basis = forms.CharField(
        label=_("Fee basis"),
        max_length=200,
        required=False,
        help_text=_("Required for a fee above 0: the document or decision that allows it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["service"]
        # the field accepts every service (the service names the reason for one not offered yet); the
        # list shows only those offered
        field.widget.choices = OFFERED_SERVICES


class _StaffUsernameField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{person_name(obj)} ({obj.get_username()})"


class TechnicalStaffForm(_Styled):
    """A member of staff named by user name: designated as technical staff, or no longer. The field takes
    any user (the service refuses one who is not staff of the centre, saying so); the list offers
    `offered` (to designate: the centre's staff who are not technical staff yet)."""

    user = _StaffUsernameField(
        label=_("Member of staff"),
        queryset=get_user_model().objects.filter(is_active=True),
        to_field_name="username",
    )

    def __init__(self, *args: Any, offered: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if offered is not None:
            field: Any = self.fields["user"]
            labelled = [(u.get_username(), field.label_from_instance(u)) for u in offered]
            field.widget.choices = [("", field.empty_label), *labelled]
