"""The market-entity library (主体库, docs/entities.md): what an organisation enters once — its business
licence, shareholders and controllers, the bank accounts it pays bid security from, its qualifications,
registered professionals and other key staff, its track record and reusable documents — and picks from
in each bid. Using it is a convenience, never a condition of bidding (standard 11.2.6, 11.2.7).

One table of items (`Item`) whose fields per kind are the table in `entities.kinds`; every change is a new
`Revision` (canonical JSON with its SM3), never an edit in place, so what a bid presented at its deadline
can be read back exactly. Personal data (identity numbers, account numbers) sit in one encrypted column
of the item (`secret`), masked in the revision. A bid's references to items travel inside the sealed bid
(`documents/library.json`); at the opening they are resolved to the revisions valid at the deadline
(`BidReference`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ggzy.core.fields import EncryptedField, Kind, LookupHashField


class ItemKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    CONTROL = "control", _("Shareholder or controller")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    QUALIFICATION = "qualification", pgettext_lazy("library", "Qualification")
    PROFESSIONAL = "professional", _("Registered professional")
    STAFF = "staff", _("Key staff")
    TRACK_RECORD = "track_record", _("Track record")
    DOCUMENT = "document", _("Reusable document")


#: the kinds whose certificate number belongs to one organisation at a time (a database constraint)
UNIQUE_NUMBER_KINDS = (ItemKind.QUALIFICATION, ItemKind.PROFESSIONAL)


class Verification(models.TextChoices):
    NONE = "", _("Not verified")
    MATCH = "match", _("Confirmed by the authority")
    MISMATCH = "mismatch", _("Differs from the authority's record")
    NOT_FOUND = "not_found", _("Unknown to the authority")
    ELSEWHERE = "elsewhere", _("Registered to another organisation")


class QualificationType(models.Model):
    """A qualification type of the code table (`entities/data/qualification_types.json`, loaded after
    every migrate by `entities.seed`): its code, name, field and levels, with the rule it comes from."""

    code = models.CharField(_("code"), max_length=64, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    field = models.CharField(_("field"), max_length=32)
    levels = models.JSONField(_("levels"), default=list)
    source = models.CharField(_("source"), max_length=200)
    authority = models.CharField(_("authority"), max_length=100, blank=True)  # "" none to look up in

    class Meta:
        verbose_name = _("qualification type")
        verbose_name_plural = _("qualification types")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One entry of an organisation's library, at its current revision (`data` is that revision's
    fields, personal data masked). Retired items stay, with their revisions: a bid may have presented
    them."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    number = models.CharField(_("number"), max_length=64, blank=True)  # certificate / account / code
    title = models.CharField(_("title"), max_length=200)  # what the lists show
    data = models.JSONField(_("fields"), default=dict)
    files = models.JSONField(_("files"), default=list)  # [{"name", "sm3", "size", "media_type"}]
    secret = EncryptedField(_("personal number"), kind=Kind.ID_NUMBER, blank=True)
    secret_lookup = LookupHashField(source="secret")
    account = EncryptedField(_("account number"), kind=Kind.BANK_ACCOUNT, blank=True)
    account_lookup = LookupHashField(source="account")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.CharField(_("why retired"), max_length=200, blank=True)
    verification = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default=Verification.NONE, blank=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_answer = models.JSONField(null=True, blank=True)  # the authority's signed answer, as received
    warned_days = models.PositiveSmallIntegerField(null=True, blank=True)  # the last expiry warning given

    class Meta:
        verbose_name = _("library item")
        verbose_name_plural = _("library items")
        ordering = ("kind", "title")
        indexes = [
            models.Index(fields=["organisation", "kind"]),
            models.Index(fields=["kind", "number"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(retired_at__isnull=True, kind__in=[k.value for k in UNIQUE_NUMBER_KINDS]),
                name="one_holder_per_certificate",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Revision(models.Model):
    """One state of an item, never changed: the canonical JSON of its fields, files, dates, state and
    verification (`entities.services.revision_body`), with its SM3."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    change = models.CharField(_("change"), max_length=16)  # added, edited, verified, retired, left
    body = models.JSONField()
    sm3 = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("library item revision")
        verbose_name_plural = _("library item revisions")
        ordering = ("item", "number")
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="one_revision_number")]

    def __str__(self) -> str:
        return f"{self.item_id}#{self.number}"


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("As presented")
    CHANGED = "changed", _("Changed before the deadline: the deadline's revision counts")
    NOT_YET = "not_yet", _("Did not exist at the deadline")
    RETIRED = "retired", _("Retired before the deadline")
    NOT_FOUND = "not_found", _("No such item in the bidder's library")


class BidReference(models.Model):
    """A library item a bid referenced (inside its encryption), resolved at the opening to the revision
    valid at the section's deadline: evaluation reads that revision, whatever changed later."""

    bid = models.UUIDField(_("bid"), db_index=True)
    section_code = models.CharField(_("section code"), max_length=23, db_index=True)
    centre = models.CharField(_("centre"), max_length=32)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    item_uid = models.UUIDField(_("item"))
    presented_revision = models.PositiveIntegerField(_("revision presented"))
    presented_sm3 = models.CharField(max_length=64)
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    deadline = models.DateTimeField(_("deadline"))
    resolved_at = models.DateTimeField(_("resolved at"))

    class Meta:
        verbose_name = _("bid's library reference")
        verbose_name_plural = _("bids' library references")
        constraints = [models.UniqueConstraint(fields=["bid", "item_uid"], name="one_reference_per_item")]

    def __str__(self) -> str:
        return f"{self.bid}:{self.item_uid}"
