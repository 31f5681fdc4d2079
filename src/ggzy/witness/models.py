"""The witness log: leaves (one per event, or a padding leaf), complete subtree nodes, and signed tree
heads. The leaf index is assigned by the integrator, never by the business transaction."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

NODE_LEVEL_SHIFT = 48


class WitnessState(models.Model):
    """One row: the size of the log and its epoch, locked by the (single) integrator. The epoch grows
    by one at each recovery the supervising department declared (EpochStatement)."""

    size = models.BigIntegerField(default=0)
    epoch = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"witness log of {self.size}"


class Leaf(models.Model):
    """A leaf of the log: an event's (`event_id`), or a padding leaf (no event: `padding_salt`, the
    random salt of its hash over the fixed padding document). Padding fills each batch up to a bucket
    (GGZY_WITNESS_BUCKET) so the tree size does not count events; whoever lacks the salt cannot tell a
    padding leaf from an event's. The salt never leaves the database; the audit checks it."""

    index = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True, null=True)  # not a foreign key: the log outlives any row
    padding_salt = models.CharField(max_length=32, blank=True, default="")
    leaf_hash = models.CharField(max_length=64)
    integrated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("witness leaf")
        verbose_name_plural = _("witness leaves")

    def __str__(self) -> str:
        return f"leaf {self.index}"


class Node(models.Model):
    """The hash of a complete subtree: key = level << 48 | index."""

    key = models.BigIntegerField(primary_key=True)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"node {self.key >> NODE_LEVEL_SHIFT}/{self.key & ((1 << NODE_LEVEL_SHIFT) - 1)}"


class TreeHead(models.Model):
    """A tree head the platform signed (ggzy_sm.witness: `ggzy-sth-v1`). It counts for a verifier only
    with the co-signatures (`Cosignature`) of the co-signers it pins."""

    epoch = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField()
    root = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)
    sandbox = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")
        ordering = ("-epoch", "-size")
        constraints = [models.UniqueConstraint(fields=["epoch", "size"], name="one_head_per_epoch_and_size")]

    def __str__(self) -> str:
        return f"tree head {self.size} (epoch {self.epoch})"


class Cosignature(models.Model):
    """A co-signer's co-signature of a head (`ggzy-cosign-v2`), as it answered: its key, the signed
    body (canonical JSON) and the signature."""

    head = models.ForeignKey(TreeHead, on_delete=models.PROTECT, related_name="cosignatures")
    cosigner_key = models.CharField(max_length=130)
    body = models.TextField()
    signature = models.CharField(max_length=128)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        constraints = [
            models.UniqueConstraint(fields=["head", "cosigner_key"], name="one_cosignature_per_key")
        ]

    def __str__(self) -> str:
        return f"co-signature of {self.head} by {self.cosigner_key[:16]}…"


class EpochStatement(models.Model):
    """The supervising department's signed statement that the log starts epoch `epoch` after a
    recovery (ggzy_sm.witness: `ggzy-epoch-v1`), kept as received."""

    epoch = models.PositiveIntegerField(unique=True)
    document = models.TextField()
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("epoch statement")
        verbose_name_plural = _("epoch statements")
        ordering = ("epoch",)

    def __str__(self) -> str:
        return f"epoch {self.epoch}"


class CosignerStatus(models.Model):
    """What the platform last heard from each configured co-signer (to tell the supervisors once when
    one stops answering or refuses, not at every tick)."""

    name = models.CharField(max_length=100, unique=True)
    ok = models.BooleanField(default=True)
    last_reason = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {'ok' if self.ok else self.last_reason}"


class MediaRecording(models.Model):
    """An audio/video recording of a room (standard 6.7.2, 7.7.2), registered by hash: the file stays
    in its centre's recordings area of the media store; the log proves it is unchanged."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    room = models.CharField(_("room"), max_length=100)
    camera = models.CharField(_("camera"), max_length=100)
    started_at = models.DateTimeField(_("recorded from"))
    ended_at = models.DateTimeField(_("recorded until"))
    location = models.CharField(_("location"), max_length=500, help_text=_("Path under the media store"))
    centre = models.CharField(max_length=32, blank=True, default="")  # whose recordings area holds it
    sm3 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    event_uid = models.UUIDField()
    registered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"{self.room} {self.camera} {self.started_at:%Y-%m-%d %H:%M}"
