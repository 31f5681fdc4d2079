"""The witness log: leaves (one per event, in integration order), complete subtree nodes, and
signed tree heads. The leaf index is assigned by the integrator, never by the business transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NODE_LEVEL_SHIFT = 48


class WitnessState(models.Model):
    """One row: the size of the log, locked by the (single) integrator."""

    size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"witness log of {self.size}"


class Leaf(models.Model):
    index = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)  # not a foreign key: the log outlives any row
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
    size = models.BigIntegerField(unique=True)
    root = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)
    cosigner_key = models.CharField(max_length=130, blank=True)
    cosignature = models.CharField(max_length=128, blank=True)
    sandbox = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")
        ordering = ("-size",)

    def __str__(self) -> str:
        return f"tree head {self.size}"


class MediaRecording(models.Model):
    """An audio/video recording of a room (standard 6.7.2, 7.7.2), registered by hash: the file stays
    in its store; the log proves it is unchanged."""

    room = models.CharField(_("room"), max_length=100)
    camera = models.CharField(_("camera"), max_length=100)
    started_at = models.DateTimeField(_("recorded from"))
    ended_at = models.DateTimeField(_("recorded until"))
    location = models.CharField(_("location"), max_length=500, help_text=_("Path under the media store"))
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
