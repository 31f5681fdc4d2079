"""Notices and publicity (公告和公示, standard 6.4.1, 6.4.2): a notice of a tender project, its required
content as checked JSON (`notices.content`), its publication instant, and where else it was published.

"Published" is derived: a scheduled notice is published from `publish_at` on (`selectors.published_q`),
never a stored flag. Names outward are `uid`s; the national data set 503 fields map onto these columns
(`notices.dataset.DATA_SET_503`, docs/notices.md §4)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeType(models.TextChoices):
    TENDER = "tender", _("Tender notice")  # 招标公告
    PROCUREMENT = "procurement", _("Procurement notice")  # 采购公告
    LAND_OFFER = "land_offer", _("Land offer notice")  # 出让公告
    ASSET_TRANSFER = "asset_transfer", _("Transfer notice")  # 转让公告
    CORRECTION = "correction", _("Correction notice")  # 更正公告
    SPECIAL = "special", _("Special matters notice")  # 特殊事项公告
    CANDIDATES = "candidates", _("Publicity of the winning candidates")  # 中标候选人公示
    DEAL_PUBLICITY = "deal_publicity", _("Publicity of the deal result")  # 成交结果公示 (land, assets)
    AWARD = "award", _("Award result notice")  # 中标结果公告 (procurement)
    DEAL = "deal", _("Deal notice")  # 成交公告 (procurement)
    PREQUALIFICATION = "prequalification", _("Prequalification notice")  # 资格预审公告
    INVITATION = "invitation", _("Invitation to bid")  # 投标邀请书
    TERMINATION = "termination", _("Termination notice")  # 终止公告
    SINGLE_SOURCE = "single_source", _("Single-source publicity")  # 单一来源公示


class NoticeState(models.TextChoices):
    """The stored states (`states.NOTICE_TRANSITIONS`); "published" is derived from `publish_at`."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    WITHDRAWN = "withdrawn", _("Withdrawn before publication")


class Notice(models.Model):
    """One notice of a tender project (招标项目/采购项目/出让项目), optionally naming some of its sections.

    A notice belongs to the tender project, not the project: that is the level a procedure runs at and
    the data set names (招标项目编号), and one project may hold several tender projects with notices of
    their own. `sections` empty: every section of the tender project."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    #: The uid as text: what the embargo `notice.publication` names (an event's embargo reference is text,
    #: and a UUID column compares with text on neither SQLite nor PostgreSQL).
    reference = models.CharField(max_length=36, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=32, choices=NoticeType.choices)
    tender_project = models.ForeignKey(
        "registry.TenderProject", on_delete=models.PROTECT, related_name="+", verbose_name=_("tender project")
    )
    sections = models.ManyToManyField("registry.Section", blank=True, related_name="+")
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    content = models.JSONField(_("content"), default=dict)
    state = models.CharField(
        _("state"), max_length=16, choices=NoticeState.choices, default=NoticeState.DRAFT
    )
    publish_at = models.DateTimeField(_("published from"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("changes the notice"),
    )
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("drafted at"))
    edited_at = models.DateTimeField(_("last edited at"))
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    #: SM3 (hex) of the canonical published text (`services.published_text`), fixed when scheduled.
    text_sm3 = models.CharField(_("SM3 of the published text"), max_length=64, blank=True)
    #: The tick's side effect (the event `notices.notice.published`) was recorded; not the state.
    published_recorded = models.BooleanField(default=False)
    form_remark = models.TextField(_("the centre's remark on the form"), blank=True)
    form_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    form_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(publish_at__isnull=False),
                name="notice_scheduled_has_instant",
            ),
        ]
        indexes = [models.Index(fields=["state", "publish_at"], name="notice_publication")]

    def __str__(self) -> str:
        return self.title


class NoticeMedium(models.Model):
    """Where else a notice was published (the legal medium, 6.4.2): the medium, the address, the date."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="media")
    name = models.CharField(_("medium"), max_length=100)
    url = models.URLField(_("web address"), max_length=500)
    published_on = models.DateField(_("published on"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("publication medium")
        verbose_name_plural = _("publication media")
        ordering = ("published_on", "name")

    def __str__(self) -> str:
        return f"{self.name} {self.published_on}"


class ObjectionKind(models.TextChoices):
    """异议 (engineering: 招标投标法实施条例 §22, §44, §54); 质疑 and 询问 (procurement: 政府采购法
    §51–§53)."""

    OBJECTION = "objection", _("Objection")  # 异议
    CHALLENGE = "challenge", _("Challenge")  # 质疑
    INQUIRY = "inquiry", _("Inquiry")  # 询问


class ObjectionStage(models.TextChoices):
    """What an objection is against; each stage has its window's anchor and its effect
    (`notices.services.objections.STAGES`)."""

    DOCUMENTS = "documents", _("The documents")
    PREQUALIFICATION = "prequalification", _("The prequalification documents")
    OPENING = "opening", _("The opening")
    CANDIDATES = "candidates", _("The winning candidates")
    PROCESS = "process", _("The procurement process")
    RESULT = "result", _("The result")
    ANY = "any", _("Any matter of the procurement")  # 询问


class ObjectionState(models.TextChoices):
    FILED = "filed", _("Awaiting the answer")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Objection(models.Model):
    """An objection (异议), challenge (质疑) or inquiry (询问) against a tender project's documents,
    opening, candidates, process or result, filed by an organisation taking part, answered by the
    initiator or its agent (standard 6.4.3, 6.5.8). Who filed it is known to the filer and to the
    initiator and agent who must answer it, to no other bidder (`selectors.access_objection`). Carried
    on, it is a complaint to the supervising department (`complained_at`), routed by region and
    category. National data set 521 maps onto these columns (`notices.dataset.DATA_SET_521`)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=ObjectionKind.choices)
    stage = models.CharField(_("against"), max_length=20, choices=ObjectionStage.choices)
    tender_project = models.ForeignKey(
        "registry.TenderProject", on_delete=models.PROTECT, related_name="+", verbose_name=_("tender project")
    )
    section = models.ForeignKey(
        "registry.Section", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="objections",
        verbose_name=_("the notice objected to"),
    )  # fmt: skip
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"))
    text = models.TextField(_("the objection"))
    #: The instant the window was counted from (the deadline, the end of a notice period…) and its rule.
    anchor_at = models.DateTimeField(_("window anchor"), null=True, blank=True)
    window_rule = models.CharField(_("window rule"), max_length=64, blank=True)
    answer_rule = models.CharField(_("answer rule"), max_length=64, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"))
    state = models.CharField(
        _("state"), max_length=12, choices=ObjectionState.choices, default=ObjectionState.FILED
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    changes_documents = models.BooleanField(_("the answer changes the documents"), default=False)
    #: The pause this objection put in force (ended by its answer), if any.
    pause = models.ForeignKey(
        "registry.Pause", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complained_at = models.DateTimeField(_("carried to the supervisor at"), null=True, blank=True)
    complaint = models.TextField(_("the complaint"), blank=True)
    complaint_region = models.CharField(_("complaint routed to region"), max_length=6, blank=True)
    complaint_category = models.CharField(_("complaint routed to category"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ("-filed_at",)
        indexes = [models.Index(fields=["state", "answer_due_at"], name="objection_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uid}"


class NoticeAttachment(models.Model):
    """A file published with a notice (a drawing, a list of quantities…): stored once by its SM3
    (`registry.blobs`), its type sniffed from the content, attached to a draft only (a published
    notice's attachments never change, as its text never does)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="attachments")
    blob = models.ForeignKey("registry.Blob", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")
        ordering = ("added_at", "pk")

    def __str__(self) -> str:
        return self.file_name


class PushState(models.TextChoices):
    PENDING = "pending", _("Waiting to be pushed")
    ACCEPTED = "accepted", _("Accepted by the receiving platform")
    REFUSED = "refused", _("Refused by the receiving platform")


class NoticePush(models.Model):
    """One published notice pushed to one national or provincial service platform (6.4.2 同步推送):
    retried until the receiver answers, its signed receipt kept (`notices.push`)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="pushes")
    target = models.CharField(_("receiving platform"), max_length=32)
    state = models.CharField(_("state"), max_length=12, choices=PushState.choices, default=PushState.PENDING)
    tries = models.PositiveIntegerField(_("tries"), default=0)
    next_try_at = models.DateTimeField(_("next try at"))
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    receipt = models.JSONField(_("signed receipt"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice push")
        verbose_name_plural = _("notice pushes")
        constraints = [models.UniqueConstraint(fields=["notice", "target"], name="one_push_per_target")]
        indexes = [models.Index(fields=["state", "next_try_at"], name="push_due")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.target} {self.state}"


class NoticeChange(models.Model):
    """One entry of the public change feed (`notices.feed`): a notice became public. Written in the
    transaction that records the publication (the tick); `txid` is that transaction's id on PostgreSQL
    (`pg_current_xact_id()`), 0 on SQLite, where write transactions commit one at a time in id order.
    The reader orders by (txid, id) and holds back what a transaction still running may precede."""

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(default=0)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=16, default="published")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("notice change")
        verbose_name_plural = _("notice changes")
        indexes = [models.Index(fields=["txid", "id"], name="notice_change_order")]

    def __str__(self) -> str:
        return f"{self.txid}:{self.id} {self.kind}"


class NoticeIndex(models.Model):
    """The portal's row of a scheduled notice (`notices.portal_index`): what the public list filters,
    sorts and searches, in one table so that one query does all three over a million notices. Written
    in the transaction that schedules the notice, deleted in the one that withdraws it; the public
    sees a row only from `publish_at` on, like the notice itself. `tokens` is the notice's text
    tokenised for Chinese search (`ggzy.core.search.entry_tokens`), under the database's full-text
    index (`search.fulltext_index`, migration 0004)."""

    id = models.BigAutoField(primary_key=True)
    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="portal")
    uid = models.UUIDField(_("notice"), unique=True)
    publish_at = models.DateTimeField(_("published from"))
    type = models.CharField(_("type"), max_length=32, choices=NoticeType.choices)
    category = models.CharField(_("trading category"), max_length=32)
    region = models.CharField(_("region"), max_length=6)
    city = models.CharField(_("city"), max_length=4)  # the region's first four digits
    amount_fen = models.PositiveBigIntegerField(_("budget or ceiling price (fen)"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    tender_project_code = models.CharField(_("tender project code"), max_length=20)
    tokens = models.TextField(_("search tokens"), blank=True)

    class Meta:
        verbose_name = _("portal entry")
        verbose_name_plural = _("portal entries")
        indexes = [
            models.Index(fields=["-publish_at", "-id"], name="portal_recent"),
            models.Index(fields=["category", "-publish_at", "-id"], name="portal_category"),
            models.Index(fields=["city", "-publish_at", "-id"], name="portal_city"),
            models.Index(fields=["type", "-publish_at", "-id"], name="portal_type"),
            models.Index(fields=["tender_project_code", "publish_at"], name="portal_project"),
        ]

    def __str__(self) -> str:
        return self.title
