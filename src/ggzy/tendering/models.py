"""The tender documents (招标文件 / 采购文件, standard 6.5.1, 11.2.6, 11.2.7): files stored once by SM3 plus
the structured criteria record (`ggzy_sm.criteria`, docs/criteria-format.md), frozen and hashed when the
documents are first issued and changed only by a clarification or amendment — each a new version with
its hash and diff; who obtained them (`DocumentsHolder`: secret until each section's opening, docs/
secrecy.md `document_holders`), the questions asked (`Question`: the asker is never named to anyone
but the supervisors, `askers`) and the clarifications that answer them (`Clarification`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentsState(models.TextChoices):
    """The documents' procedure states (`tendering.states`): the last two are kept now for the steps that
    decide them after the opening and the evaluation (a failed tender, 招标投标法 §28 / 实施条例 §44,
    §19; a re-tender issuing the next round's documents)."""

    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed (too few bidders or all rejected)")
    SUPERSEDED = "superseded", _("Superseded by a re-tender")


class DocumentsKind(models.TextChoices):
    TENDER = "tender", _("Tender documents")
    PREQUALIFICATION = "prequalification", _("Prequalification documents")


class TenderDocuments(models.Model):
    """The documents of a tender project, covering some or all of its sections."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    tender_project = models.ForeignKey("registry.TenderProject", on_delete=models.PROTECT, related_name="+")
    sections = models.ManyToManyField("registry.Section", related_name="+")
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"), max_length=12, choices=DocumentsState.choices, default=DocumentsState.DRAFT
    )
    criteria = models.JSONField(_("criteria record"), default=dict)  # the current version's (or the draft's)
    fee_fen = models.PositiveBigIntegerField(_("fee (fen)"), default=0)  # stated, never collected (12.1.4)
    version = models.PositiveIntegerField(_("version"), default=0)  # 0 while a draft
    kind = models.CharField(
        _("kind"), max_length=20, choices=DocumentsKind.choices, default=DocumentsKind.TENDER
    )
    round = models.PositiveIntegerField(_("round"), default=1)  # a re-tender is the next round
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("the round before"),
    )  # fmt: skip
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("drafted at"))
    issued_at = models.DateTimeField(_("first issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tender documents")
        verbose_name_plural = _("tender documents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(issued_at__isnull=False, version__gte=1),
                name="documents_issued_has_version",
            )
        ]

    def __str__(self) -> str:
        return self.title


class DocumentsVersion(models.Model):
    """One issued version: the criteria record and the files as they stood, with their digests. Never
    changed; a clarification or amendment adds the next one with its diff against this."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    documents = models.ForeignKey(TenderDocuments, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    criteria = models.JSONField(_("criteria record"))
    criteria_sm3 = models.CharField(_("SM3 of the criteria record"), max_length=64)
    files = models.JSONField(_("files"), default=list)  # [[file name, SM3, size]], sorted
    diff = models.JSONField(_("changes against the version before"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("documents version")
        verbose_name_plural = _("documents versions")
        constraints = [models.UniqueConstraint(fields=["documents", "number"], name="one_version_number")]

    def __str__(self) -> str:
        return f"{self.documents_id} v{self.number}"


class DocumentsFile(models.Model):
    """A file of the documents (stored once by SM3 in the registry's blob store)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    documents = models.ForeignKey(TenderDocuments, on_delete=models.PROTECT, related_name="files")
    blob = models.ForeignKey("registry.Blob", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("documents file")
        verbose_name_plural = _("documents files")
        constraints = [models.UniqueConstraint(fields=["documents", "file_name"], name="one_file_name")]

    def __str__(self) -> str:
        return self.file_name


class DocumentsHolder(models.Model):
    """An organisation that obtained the documents: who and how many are secret until the opening."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    documents = models.ForeignKey(TenderDocuments, on_delete=models.PROTECT, related_name="holders")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    obtained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    obtained_at = models.DateTimeField(_("obtained at"))
    version = models.PositiveIntegerField(_("version obtained"))

    class Meta:
        verbose_name = _("documents holder")
        verbose_name_plural = _("documents holders")
        constraints = [
            models.UniqueConstraint(fields=["documents", "organisation"], name="one_holding_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.documents_id} ← {self.organisation_id}"


class QuestionState(models.TextChoices):
    ASKED = "asked", _("Asked")
    ANSWERED = "answered", _("Answered")


class Question(models.Model):
    """A holder's question about the documents. The answer is a clarification to every holder, which
    never names the asker; the agent answering sees the question, not who asked (`askers`)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    documents = models.ForeignKey(TenderDocuments, on_delete=models.PROTECT, related_name="questions")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked at"))
    text = models.TextField(_("question"))
    state = models.CharField(_("state"), max_length=12, choices=QuestionState.choices, default="asked")
    clarification = models.ForeignKey(
        "Clarification", null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:40]


class Clarification(models.Model):
    """A clarification or amendment sent to every holder: its text, the version it made (when it changed
    the criteria or the files) and the deadlines it moved (15 days: 实施条例 §21)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    documents = models.ForeignKey(TenderDocuments, on_delete=models.PROTECT, related_name="clarifications")
    text = models.TextField(_("clarification"))
    version = models.ForeignKey(
        DocumentsVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    affects_bids = models.BooleanField(_("may affect the preparation of bids"), default=False)
    moved = models.JSONField(_("deadlines moved"), default=dict, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")

    def __str__(self) -> str:
        return self.text[:40]


class Invitation(models.Model):
    """An organisation invited to an invitation tender (邀请招标: 招标投标法 §17, at least three; 政府采购法
    §34): only the invited obtain the documents and bid. Who is invited is secret like who holds the
    documents: the initiator and its agent chose them; no one else learns them before the opening."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    tender_project = models.ForeignKey("registry.TenderProject", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("invited at"))

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["tender_project", "organisation"], name="one_invitation_each")
        ]

    def __str__(self) -> str:
        return f"{self.tender_project_id} → {self.organisation_id}"


class Consortium(models.Model):
    """A consortium bidding for one section (招标投标法 §31): its members and their shares by agreement; the
    lead member seals, signs and pays the security. Secret like a bid before the opening."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    lead = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(
        "registry.Blob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    formed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    formed_at = models.DateTimeField(_("formed at"))

    class Meta:
        verbose_name = _("consortium")
        verbose_name_plural = _("consortia")

    def __str__(self) -> str:
        return self.name


class ConsortiumMember(models.Model):
    """A member of a consortium with its share (per mille) and its part of the work. One organisation is
    in at most one consortium per section (the constraint), and then may not bid alone there either."""

    consortium = models.ForeignKey(Consortium, on_delete=models.PROTECT, related_name="members")
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    share_permille = models.PositiveIntegerField(_("share (‰)"))
    work = models.CharField(_("part of the work"), max_length=200)

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        constraints = [
            models.UniqueConstraint(fields=["section", "organisation"], name="one_consortium_per_section"),
            models.CheckConstraint(
                condition=models.Q(share_permille__gte=1, share_permille__lte=1000), name="share_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consortium_id}: {self.organisation_id}"


class ReminderKind(models.TextChoices):
    OPENING = "opening", _("The opening is coming")


class PreparationReminder(models.Model):
    """A reminder sent to a section's initiator and agent before its opening (standard 6.5.1: 通知发起方做好
    准备), once per section and kind: the tick job `tendering.remind_parties` never sends one twice."""

    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("preparation reminder")
        verbose_name_plural = _("preparation reminders")
        constraints = [
            models.UniqueConstraint(fields=["section", "kind"], name="one_reminder_per_section_and_kind")
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.kind}"
