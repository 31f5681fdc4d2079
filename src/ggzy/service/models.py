"""How a centre answers people and shows how well it serves them (standard 6.1, 12.1, 12.2): questions
with first-question responsibility (首问负责制) and hand-overs, the FAQ and service guides, service
complaints and suggestions (服务投诉/意见 — about the centre's own service, never a 行政投诉 about a
trade), service ratings (好差评) with their follow-up, and the published service commitments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.fields import EncryptedField, Kind


class QuestionKind(models.TextChoices):
    LAWS = "laws", _("Laws, rules and policies")  # 6.1.2.1
    PROCESS = "process", _("Processes, guides and what to watch out for")  # 6.1.2.2
    SYSTEM = "system", _("Using the electronic trading system")  # 6.1.2.3
    SUPERVISION = "supervision", _("Technical support for supervisors and auditors")  # 6.1.2.4
    OTHER = "other", _("Other questions")  # 6.1.2.5


class QuestionChannel(models.TextChoices):
    """How a question was asked: online by a signed-in user, or by phone or in person (logged by staff)."""

    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On site")


#: The period rule (calendar) that limits the answer, per channel.
CHANNEL_RULE = {
    QuestionChannel.ONLINE: "consultation-online",
    QuestionChannel.PHONE: "consultation-phone",
    QuestionChannel.ON_SITE: "consultation-on-site",
}


class TechnicalStaff(models.Model):
    """Staff of a centre designated to take the technical-support questions of supervisors and auditors
    (6.1.2.4); staff of the centre designate and remove them (`technical_staff_designate` / `_remove`)."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(_("designated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("technical staff")
        verbose_name_plural = _("technical staff")
        constraints = [models.UniqueConstraint(fields=["centre", "user"], name="one_technical_row")]

    def __str__(self) -> str:
        return f"{self.centre}: {self.user}"


class Question(models.Model):
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "registry.TradingCategory", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=QuestionChannel.choices)
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asker_name = models.CharField(_("name"), max_length=50, blank=True)
    asker_contact = EncryptedField(_("contact"), kind=Kind.CONTACT, blank=True)
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"))
    #: 首问负责: whoever first takes the question owns it until it is answered or handed over.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    deadline = models.ForeignKey(
        "calendar.Deadline", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: 6.1.3: not the centre's to answer — the answer names the authority to turn to.
    outside_remit = models.BooleanField(_("outside the centre's remit"), default=False)
    authority = models.CharField(_("authority to turn to"), max_length=200, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ("-asked_at",)

    def __str__(self) -> str:
        return self.text[:40]


class Handover(models.Model):
    """A formal hand-over: the question's ownership passes, with the reason, and is recorded."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="handovers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(_("handed over at"))

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")

    def __str__(self) -> str:
        return f"{self.question_id}: {self.from_user} → {self.to_user}"


class FaqEntry(models.Model):
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(
        "registry.TradingCategory", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))
    source = models.ForeignKey(Question, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ("-published_at",)

    def __str__(self) -> str:
        return self.question[:40]


class PublishState(models.TextChoices):
    """Where a guide or a commitment stands: written and edited as a draft, published (shown in the public
    service hall), withdrawn (no longer shown; it may be edited and published again). `states.py` holds
    the moves."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The kinds of question a service guide answers (6.1.2.1–6.1.2.3).
GUIDE_KINDS = (QuestionKind.LAWS, QuestionKind.PROCESS, QuestionKind.SYSTEM)


class Guide(models.Model):
    """A service guide (办事指南) of a centre per category: laws and rules, processes, using the system
    (6.1.2.1–6.1.2.3). Staff write and edit it as a draft; once published it shows in the public service
    hall under its centre, until withdrawn."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "registry.TradingCategory", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    state = models.CharField(
        _("state"), max_length=16, choices=PublishState.choices, default=PublishState.DRAFT
    )
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service guide")
        verbose_name_plural = _("service guides")
        ordering = ("centre", "category", "kind", "title")

    def __str__(self) -> str:
        return self.title


class FeedbackKind(models.TextChoices):
    COMPLAINT = "complaint", _("Service complaint")  # 服务投诉
    SUGGESTION = "suggestion", _("Suggestion")  # 服务意见


class FeedbackChannel(models.TextChoices):
    ONLINE = "online", _("Online form")
    PHONE = "phone", _("Complaint phone line")
    MAILBOX = "mailbox", _("Mailbox")


class Feedback(models.Model):
    """服务投诉/意见 about the centre's own service (12.2.1). Not a 行政投诉 about a trade: those go to the
    supervising department and come with the supervision issues."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=FeedbackKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=FeedbackChannel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_contact = EncryptedField(_("contact"), kind=Kind.CONTACT, blank=True)
    content = models.TextField(_("content"))
    received_at = models.DateTimeField(_("received at"))
    deadline = models.ForeignKey(
        "calendar.Deadline", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("service complaint or suggestion")
        verbose_name_plural = _("service complaints and suggestions")
        ordering = ("-received_at",)

    def __str__(self) -> str:
        return self.content[:40]


class ServiceType(models.TextChoices):
    REGISTRATION = "registration", _("Project registration")
    CONSULTATION = "consultation", _("Consultation")
    BOOKING = "booking", _("Venue booking")
    EXPERT_DRAW = "expert_draw", _("Expert draw")
    ONLINE_OPENING = "online_opening", _("Online bid opening")
    GREEN_CHANNEL = "green_channel", _("Green channel")
    EXTENDED_HOURS = "extended_hours", _("Extended hours")
    ON_BEHALF = "on_behalf", _("Acting on someone's behalf")


#: Services the platform does not offer yet (venues, experts, tendering arrive with later issues): no
#: commitment to them is written or published. The issue that builds one takes it out of this set.
NOT_OFFERED_YET = frozenset({ServiceType.BOOKING, ServiceType.EXPERT_DRAW, ServiceType.ONLINE_OPENING})


class Rating(models.Model):
    """好差评 (12.2.2): one rating per service received, 1–5 and a comment. 1–2 is a bad rating that must
    be followed up within the limit, and the follow-up is published (12.2.3)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    service = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    reference = models.CharField(_("service reference"), max_length=100)  # e.g. "registry.registration:<uid>"
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    external = models.BooleanField(_("external evaluation"), default=True)
    rated_at = models.DateTimeField(_("rated at"))
    deadline = models.ForeignKey(
        "calendar.Deadline", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        constraints = [
            models.UniqueConstraint(fields=["service", "reference", "rater"], name="one_rating_per_service"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.reference} {self.score}"

    @property
    def bad(self) -> bool:
        return self.score <= 2  # noqa: PLR2004


class FollowUp(models.Model):
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="follow_up")
    text = models.TextField(_("what was done"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("followed up at"))
    late_reason = models.CharField(_("why after the limit"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return self.text[:40]


class Commitment(models.Model):
    """A service commitment (4.2.5, 12.1.1, 12.1.3): an item, its steps, time limit, materials and fee,
    written and edited as a draft by the centre's staff and shown in the public service hall once
    published. A publicly funded centre charges no trading service fee (12.1.4): the fee is 0 unless
    allowed, and a fee above 0 names its basis."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    service = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    title = models.CharField(_("item"), max_length=200)
    steps = models.TextField(_("steps"))
    time_limit = models.CharField(_("time limit"), max_length=100)
    materials = models.TextField(_("materials"), blank=True)
    fee_fen = models.PositiveBigIntegerField(_("fee (fen)"), default=0)
    fee_basis = models.CharField(_("fee basis"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(
        _("state"), max_length=16, choices=PublishState.choices, default=PublishState.DRAFT
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service commitment")
        verbose_name_plural = _("service commitments")
        ordering = ("centre", "order")

    def __str__(self) -> str:
        return self.title


class ServiceRecord(models.Model):
    """A green-channel, extended-hours or on-behalf service given (12.1.3), which may then be rated."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    service = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    for_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=500)
    at = models.DateTimeField(_("given at"))

    class Meta:
        verbose_name = _("service given")
        verbose_name_plural = _("services given")

    def __str__(self) -> str:
        return f"{self.service} {self.for_user}"


class SelfEvaluation(models.Model):
    """The centre's own periodic evaluation of a service (自我评价, 12.2.2), published beside the external
    ratings of the same month: a score, what it found and what it will improve."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month evaluated"))
    service = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    findings = models.TextField(_("findings"))
    improvements = models.TextField(_("improvements"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("self-evaluation")
        verbose_name_plural = _("self-evaluations")
        constraints = [
            models.UniqueConstraint(fields=["centre", "month", "service"], name="one_self_evaluation"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="self_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.month:%Y-%m} {self.service}"
