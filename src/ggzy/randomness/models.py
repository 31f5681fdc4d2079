"""A draw of verifiable randomness and its parties (docs/randomness.md). The published record is rebuilt
from these rows and the events that recorded them; the secrets the platform holds before its reveal are
kept encrypted under the field key (`core.keystore.field_encrypt`, bound to the draw)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.randomness.states import DrawState, PartyKind


class Draw(models.Model):
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=64)  # "opening.k", "experts.seed", …
    subject = models.CharField(_("subject"), max_length=200)  # what it is for, in words
    derive = models.JSONField(_("what is derived"))  # ggzy_sm.randomness.derived's argument
    moment_label = models.CharField(_("the moment anyone could profit"), max_length=200)
    reveal_after = models.DateTimeField(_("reveal not before"), null=True, blank=True)
    centre = models.CharField(max_length=32, blank=True)
    project = models.CharField(max_length=64, blank=True)
    section = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=12, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=DrawState.choices, default=DrawState.OPEN)
    moment_event = models.UUIDField(_("the moment's event"), null=True, blank=True)
    sealing_size = models.BigIntegerField(_("sealing head's tree size"), null=True, blank=True)
    sealing_epoch = models.IntegerField(null=True, blank=True)
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    refusal = models.CharField(_("refusal"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.subject}"


class Party(models.Model):
    """One party of a draw, in the order its slot takes in the seed (`position`): the platform first, the
    beacons, the fallback last."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="parties")
    position = models.PositiveSmallIntegerField()
    party = models.CharField(_("party"), max_length=130)  # "platform", "fallback" or a beacon's key (hex)
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)
    code = models.CharField(_("code"), max_length=32, blank=True)  # a beacon's code in GGZY_BEACONS
    name = models.CharField(_("name"), max_length=200, blank=True)
    commitment = models.CharField(_("commitment"), max_length=64)
    statement = models.JSONField(_("signed commitment"), null=True, blank=True)
    reveal = models.JSONField(_("signed reveal"), null=True, blank=True)
    held_secret = models.TextField(blank=True)  # the platform's and the fallback's, encrypted until revealed
    secret = models.CharField(_("secret"), max_length=64, blank=True)  # once revealed
    commit_event = models.UUIDField()
    reveal_event = models.UUIDField(null=True, blank=True)
    aborted = models.BooleanField(_("did not reveal"), default=False)

    class Meta:
        verbose_name = _("draw party")
        verbose_name_plural = _("draw parties")
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="randomness_party_position"),
            models.UniqueConstraint(fields=["draw", "party"], name="randomness_party_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code or self.party[:12]}"
