"""The server side of sealed bids (docs/sealed-bid-format.md): a section's bid window (the deadline a
bid is sealed against and the opening time, which may be delayed, never advanced), and the sealed bids
the platform holds — ciphertext only, until the bidder's release opens them at the opening."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BidWindow(models.Model):
    """A section's bid deadline and opening time. By law (招标投标法 §34) the opening is at the deadline;
    `opening_at` is kept apart so an opening can be postponed. Every deadline ever announced is kept: a
    bid sealed against an earlier one stays valid after an extension."""

    section = models.OneToOneField("registry.Section", on_delete=models.PROTECT, related_name="bid_window")
    section_code = models.CharField(_("section code"), max_length=23, unique=True)
    deadline = models.DateTimeField(_("bid deadline"))
    opening_at = models.DateTimeField(_("opening time"))
    #: Every deadline announced for the section, oldest first (RFC 3339 UTC with microseconds).
    announced = models.JSONField(default=list)
    #: The platform's signed notices of the opening time (ggzy-deadline-v1), oldest first: custodians
    #: release shares from the latest one on, so a postponement holds for them too.
    notices = models.JSONField(default=list)
    set_at = models.DateTimeField(_("set at"))
    #: The end of the decryption window the documents set (the opening hall fixes it at the deadline): the
    #: bidder's own release is refused after it; the documents' remedy (the custodian path) is not.
    release_until = models.DateTimeField(_("releases accepted until"), null=True, blank=True)
    #: A two-envelope section's second session (二次开标, the opening hall schedules it): price envelopes
    #: open from this instant on — only those admitted (`SealedBid.price_admitted`), never before it.
    price_opening_at = models.DateTimeField(_("price envelopes opened from"), null=True, blank=True)
    #: The end of the second session's decryption window: the bidder's own release of its price envelope
    #: is refused after it (the documents' remedy follows).
    price_release_until = models.DateTimeField(
        _("price envelope releases accepted until"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("bid window")
        verbose_name_plural = _("bid windows")

    def __str__(self) -> str:
        return f"{self.section_code} {self.deadline:%Y-%m-%d %H:%M}"


class BidState(models.TextChoices):
    RECEIVED = "received", _("Received, sealed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the bidder")
    SUPERSEDED = "superseded", _("Replaced by a later bid")
    OPENED = "opened", _("Opened")


class Envelope(models.TextChoices):
    """What a sealed bid is (its signed header's `envelope`, docs/sealed-bid-format.md §3): the whole bid,
    or one envelope of a two-envelope bid (双信封) — the technical one, opened at the opening, and the
    price one, opened in the second session for the bidders that passed the technical review only."""

    SINGLE = "single", _("Whole bid")
    TECHNICAL = "technical", _("Technical envelope")
    PRICE = "price", _("Price envelope")


class SignedAs(models.TextChoices):
    """What the header signature is, for 实施条例 §51(一) (docs/submission.md "What a valid bid carries")."""

    ORGANISATION = "organisation", _("the bidder's electronic seal (its organisation certificate)")
    PERSON = "person", _("a person's signature (the seal must be inside the documents)")


#: States of a bid that no longer counts: withdrawn by the bidder, or replaced by its later bid (only the
#: last counts).
GONE = (BidState.WITHDRAWN, BidState.SUPERSEDED)


class SealedBid(models.Model):
    """A sealed bid (ggzy-bid-v2) the platform holds for a section, validated when received."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="sealed_bids")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    #: The bound signing certificate the header's signer matched when the bid was received.
    signing_certificate = models.ForeignKey(
        "certs.BoundCertificate", on_delete=models.PROTECT, related_name="+"
    )
    file = models.CharField(_("file"), max_length=300, help_text=_("Relative to the media folder"))
    ciphertext_sm3 = models.CharField(_("ciphertext SM3"), max_length=64)
    ciphertext_size = models.PositiveBigIntegerField(_("ciphertext size"))
    bound_deadline = models.DateTimeField(_("deadline sealed against"))
    header = models.JSONField()
    #: The header's envelope (signed by the bidder; absent there for a whole bid): one standing bid per
    #: bidder, section and envelope.
    envelope = models.CharField(
        _("envelope"), max_length=16, choices=Envelope.choices, default=Envelope.SINGLE
    )
    #: A price envelope the opening hall admitted to the second session (its bidder passed the technical
    #: review): only such a one is ever opened, by its bidder's release or by the custodians.
    price_admitted = models.BooleanField(_("admitted to the second session"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=BidState.choices, default=BidState.RECEIVED)
    received_at = models.DateTimeField(_("received at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    #: The header's signature is the bidder's own seal (a certificate issued to the organisation) or a
    #: member's personal signature (then the company seal is looked for inside the documents, at opening).
    signed_as = models.CharField(_("signed as"), max_length=16, choices=SignedAs.choices, blank=True)
    #: When a later bid of the same bidder for the section replaced this one (that bid's `replaces`).
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    #: The bidder's earlier bid this one replaced, if any (its `replaced_by`).
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_dir = models.CharField(max_length=300, blank=True)
    opening_sheet = models.JSONField(null=True, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    #: The custodians' signed acknowledgements of the ciphertext before the deadline (ggzy-ack-v1): the
    #: bid's second receipt, by clocks the operator does not keep. At least k, from distinct custodians.
    acknowledgements = models.JSONField(default=list)
    #: The machine the bid was sealed on (data set 519), from inside the ciphertext, once opened.
    machine = models.JSONField(null=True, blank=True)
    #: The platform's signed receipt (ggzy-bid-receipt-v1, `sealing.receipts`): `{receipt, signature}` and
    #: the witness log's signed `promise` of its event, made in the transaction that received the bid.
    #: Null only for bids received before receipts existed.
    receipt = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("sealed bid")
        verbose_name_plural = _("sealed bids")
        constraints = [
            models.UniqueConstraint(
                fields=["section", "organisation", "envelope"],
                condition=~models.Q(state__in=["withdrawn", "superseded"]),
                name="one_standing_bid_per_bidder_section_envelope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.organisation_id} {self.state}"


class CustodianSet(models.Model):
    """A centre's key custodians (sealed bids II): the set body signed by every custodian and by the
    supervising department, as published. The platform only stores and serves it; its authority is the
    signatures, which every bidder's client verifies."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField(_("fingerprint (SM3)"), max_length=64, unique=True)
    signed = models.JSONField(help_text=_("{body, signatures} as the members signed it"))
    k = models.PositiveSmallIntegerField(_("shares needed"))
    n = models.PositiveSmallIntegerField(_("custodians"))
    demo = models.BooleanField(_("demo custodians"), default=False)
    published_at = models.DateTimeField(_("published at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("custodian set")
        verbose_name_plural = _("custodian sets")
        constraints = [
            models.UniqueConstraint(
                fields=["centre"],
                condition=models.Q(retired_at__isnull=True),
                name="one_current_custodian_set",
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.k}/{self.n} {self.fingerprint[:12]}"


class SectionClosure(models.Model):
    """A custodian's closure of a section (ggzy-closure-v1): the sorted SM3 of every ciphertext it
    acknowledged before the section's closing time by its own clock, signed once. A bid opens only if k
    closures list it; kept as fetched, so anyone can re-check the opening offline."""

    section_code = models.CharField(_("section code"), max_length=23)
    set_fingerprint = models.CharField(max_length=64)
    custodian = models.PositiveSmallIntegerField(_("custodian"))
    document = models.JSONField()
    fetched_at = models.DateTimeField()

    class Meta:
        verbose_name = _("section closure")
        verbose_name_plural = _("section closures")
        constraints = [
            models.UniqueConstraint(
                fields=["section_code", "set_fingerprint", "custodian"], name="one_closure_per_custodian"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section_code} closure by custodian {self.custodian}"


class NoticeKeyTransition(models.Model):
    """A notice-key transition (ggzy-notice-key-transition-v1): the old key's and the supervising
    department's signatures make a new notice key honoured for a custodian set. Pending until the
    supervisor's signature arrives; the platform signs notices only with a key the set honours."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    set_fingerprint = models.CharField(max_length=64)
    from_key = models.CharField(max_length=130)
    to_key = models.CharField(max_length=130)
    document = models.JSONField()
    complete = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("notice key transition")
        verbose_name_plural = _("notice key transitions")

    def __str__(self) -> str:
        return f"{self.from_key[:12]}… → {self.to_key[:12]}… ({'complete' if self.complete else 'pending'})"


class CustodianWatch(models.Model):
    """What the platform last saw of a custodian's health: its count of notices it could not verify
    (someone sending forged or foreign notices), so the supervisors are told once per increase."""

    set_fingerprint = models.CharField(max_length=64)
    custodian = models.PositiveSmallIntegerField()
    unverified_notices = models.PositiveIntegerField(default=0)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["set_fingerprint", "custodian"], name="one_watch_per_custodian")
        ]

    def __str__(self) -> str:
        return f"custodian {self.custodian}: {self.unverified_notices} unverified notices"


class UploadState(models.TextChoices):
    OPEN = "open", _("Uploading")
    COMPLETE = "complete", _("Complete: the bid was received")
    CLOSED = "closed", _("Closed: the bid was refused")


class UploadSession(models.Model):
    """A resumable upload of a sealed bid (tus 1.0, `ggzy.sealing.uploads`, docs/submission.md): the bytes
    so far are in `MEDIA_ROOT/sealing/uploads/<uid>.part`; no bid exists until the last byte arrives and
    the validator accepts the file. Only its creator reaches it. `offset` is written after the bytes are
    synced to disk, so after a crash the file may be longer than `offset`, never shorter (the upload then
    goes on from the smaller of the two)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey("registry.Section", on_delete=models.CASCADE, related_name="+")
    length = models.PositiveBigIntegerField(_("length (bytes)"))
    offset = models.PositiveBigIntegerField(_("bytes received"), default=0)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    #: The custodians' acknowledgements the client sent with the creation (ggzy-ack-v1), handed to the
    #: validator with the file.
    acknowledgements = models.JSONField(default=list)
    state = models.CharField(_("state"), max_length=16, choices=UploadState.choices, default=UploadState.OPEN)
    created_at = models.DateTimeField(_("created at"))
    #: The instant the last byte arrived (complete or refused).
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    bid = models.ForeignKey(SealedBid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    #: Why the bid was refused at the end: the error code (the message went to the client).
    refusal = models.CharField(_("refusal"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("bid upload")
        verbose_name_plural = _("bid uploads")
        indexes = [models.Index(fields=["user", "state"], name="sealing_upload_user_state")]

    def __str__(self) -> str:
        return f"upload {self.uid} {self.offset}/{self.length} {self.state}"
