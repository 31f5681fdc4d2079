"""The opening hall of a section: its schedule of steps with their scheduled and actual instants, what each
step published (the control price, K, the bidder list, the opening sheet once the window closed), or why
the section was not opened."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ggzy.opening.states import HallState, SecondState


class Hall(models.Model):
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    section = models.OneToOneField("registry.Section", on_delete=models.PROTECT, related_name="hall")
    state = models.CharField(
        _("state"), max_length=16, choices=HallState.choices, default=HallState.SCHEDULED
    )
    opens_at = models.DateTimeField(_("opening time"))
    window_minutes = models.PositiveSmallIntegerField(_("decryption window (minutes)"))
    min_bidders = models.PositiveSmallIntegerField(_("minimum number of bidders"))
    bidders_counted = models.PositiveSmallIntegerField(
        _("bidders counted at the deadline"), null=True, blank=True
    )
    failed_reason = models.CharField(_("why it was not opened"), max_length=300, blank=True)
    #: An opening in a room (现场开标): the room, set by the centre's staff before the opening; staff
    #: drive the same page on the room's screen and relay the releases the bidders present (signed by
    #: their keys).
    on_site_room = models.CharField(_("room of an on-site opening"), max_length=100, blank=True)
    k_draw = models.ForeignKey(
        "randomness.Draw", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    control_price_fen = models.PositiveBigIntegerField(_("control price (fen)"), null=True, blank=True)
    k_value = models.CharField(_("K"), max_length=16, blank=True)
    bidder_list = models.JSONField(_("bidder list"), null=True, blank=True)
    sheet = models.JSONField(_("opening sheet"), null=True, blank=True)
    prepared_at = models.DateTimeField(_("prepared at"))
    #: Since when a pause of the procedure (objection, order, platform fault: standard 6.5.8, 6.5.9) holds the
    #: hall: no step begins; on resumption the steps not yet ended, the decryption window with them, move
    #: by the time it held.
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    #: The opening record made at the close (ggzy-opening-record-v1, canonical JSON) with its SM3, the
    #: centre's seal on it and the agent's signature (both ggzy-docsig-v1, detached).
    record = models.TextField(_("opening record"), blank=True)
    record_sm3 = models.CharField(_("SM3 of the opening record"), max_length=64, blank=True)
    record_seal = models.JSONField(_("centre's seal on the record"), null=True, blank=True)
    record_signature = models.JSONField(_("agent's signature on the record"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening hall")
        verbose_name_plural = _("opening halls")

    def __str__(self) -> str:
        return f"{self.section_id} {self.state}"


class Step(models.Model):
    """A step of a session of the hall with its scheduled and actual instants (standard 6.7.2: 准时情况)."""

    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("step"), max_length=32)
    scheduled_start = models.DateTimeField(_("scheduled start"))
    scheduled_end = models.DateTimeField(_("scheduled end"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.started_at or self.scheduled_start}"

    @property
    def late_seconds(self) -> int | None:
        """How late the step began against its schedule (None: not begun)."""
        if self.started_at is None:
            return None
        return int((self.started_at - self.scheduled_start).total_seconds())


class HallStep(Step):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="steps")

    class Meta:
        verbose_name = _("hall step")
        verbose_name_plural = _("hall steps")
        ordering = ["hall", "position"]
        constraints = [models.UniqueConstraint(fields=["hall", "code"], name="opening_step_once")]


class LineDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    OBJECTED = "objected", _("Objected")


class LineConfirmation(models.Model):
    """A bidder's answer to its own line of the opening sheet in the confirmation step: confirmed, or
    objected to with what it says is wrong. Once per bidder and hall."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="confirmations")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=16, choices=LineDecision.choices)
    remark = models.CharField(_("what is wrong"), max_length=500, blank=True)
    decided_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("line confirmation")
        verbose_name_plural = _("line confirmations")
        constraints = [models.UniqueConstraint(fields=["hall", "organisation"], name="opening_line_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.decision}"


class AttributionDecision(models.TextChoices):
    REVOKED = "revoked", _("撤销: the bidder caused it (the documents' consequence for its security applies)")
    WITHDRAWN = "withdrawn", _("撤回: the bidder did not cause it (no consequence for the bidder)")


class Attribution(models.Model):
    """Why a bid that not even the documents' remedy could open stays closed, with its evidence, and the
    agent's decision (撤销 / 撤回). Shown to the supervisors, to that bidder and to the initiator's side."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="attributions")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=16, choices=AttributionDecision.choices)
    reason = models.CharField(_("reason"), max_length=1000)
    evidence = models.JSONField(_("evidence"), default=list)
    consequence = models.CharField(_("security consequence"), max_length=500, blank=True)
    decided_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = [
            models.UniqueConstraint(fields=["hall", "organisation"], name="opening_attribution_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.decision}"


class AvoidanceDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted: the person is avoided")
    REFUSED = "refused", pgettext_lazy("avoidance", "Refused")


class AvoidanceRequest(models.Model):
    """A bidder's request, made at the opening, that a person avoid (回避) this section's evaluation — an
    evaluation expert, or anyone on the initiator's side (the initiator's representative on the committee,
    the agent's staff) — with its reason; answered by the initiator or its agent, and, once accepted,
    recorded for the expert draw (`selectors.avoidances_for_draw`): the person is never drawn for it."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="avoidance_requests")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person to avoid"), max_length=50)
    employer = models.CharField(_("the person's employer"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    requested_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decision = models.CharField(_("decision"), max_length=16, choices=AvoidanceDecision.choices, blank=True)
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("avoidance request")
        verbose_name_plural = _("avoidance requests")
        ordering = ["hall", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "organisation", "person"], name="opening_avoidance_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.person} {self.decision or 'pending'}"


class SecondSession(models.Model):
    """A two-envelope section's second session (二次开标): after the first opening closed, the initiator or
    its agent records which bidders passed the technical review (their technical envelopes were opened)
    and when the session opens; at that instant the decryption window opens for those bidders' price
    envelopes only — every other price envelope is never opened — and when it closes the documents'
    remedy runs and the price sheet is read. Its own record (ggzy-second-opening-record-v1), apart from
    the first one, whose bytes may be signed."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    hall = models.OneToOneField(Hall, on_delete=models.PROTECT, related_name="second")
    state = models.CharField(
        _("state"), max_length=16, choices=SecondState.choices, default=SecondState.SCHEDULED
    )
    #: The bidders that passed the technical review, as recorded: [{"organisation", "uscc"}], in order.
    passing = models.JSONField(_("bidders that passed the technical review"), default=list)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    opens_at = models.DateTimeField(_("second session opens at"))
    window_minutes = models.PositiveSmallIntegerField(_("decryption window (minutes)"))
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    sheet = models.JSONField(_("price sheet"), null=True, blank=True)
    record = models.TextField(_("second session record"), blank=True)
    record_sm3 = models.CharField(_("SM3 of the second session record"), max_length=64, blank=True)
    record_seal = models.JSONField(_("centre's seal on the record"), null=True, blank=True)

    class Meta:
        verbose_name = _("second session")
        verbose_name_plural = _("second sessions")

    def __str__(self) -> str:
        return f"{self.hall_id} second {self.state}"


class SecondStep(Step):
    """A step of the second session, with its scheduled and actual instants (as `HallStep`)."""

    session = models.ForeignKey(SecondSession, on_delete=models.PROTECT, related_name="steps")

    class Meta:
        verbose_name = _("second session step")
        verbose_name_plural = _("second session steps")
        ordering = ["session", "position"]
        constraints = [models.UniqueConstraint(fields=["session", "code"], name="opening_second_step_once")]
