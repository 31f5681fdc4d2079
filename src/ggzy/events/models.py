"""Events (the one append-only record of what happened) and messages (what we told whom)."""

from __future__ import annotations

import json
import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.fields import EncryptedField, Kind
from ggzy.events.states import DeliveryChannel, DeliveryStatus, EventClass, Source, Visibility


class AppendOnlyError(RuntimeError):
    """Events are never changed or deleted, by any path."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("events are append-only: no update")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("events are append-only: no delete")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("events are append-only: no update")


class Event(models.Model):
    """One recorded event. `document` is its canonical payload (profile ggzy-canonical-v1), the
    bytes the witness log hashes with `salt`; the other columns repeat parts of it for queries."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    event_class = models.CharField(_("class"), max_length=16, choices=EventClass.choices)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    centre = models.CharField(_("centre"), max_length=32, blank=True)
    project_ref = models.CharField(_("project"), max_length=64, blank=True, db_index=True)
    section_ref = models.CharField(_("section"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=12, blank=True, help_text=_("GB/T 2260 code"))
    category = models.CharField(_("trading category"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=64, blank=True)
    embargo_kind = models.CharField(_("embargo kind"), max_length=64, blank=True)
    embargo_ref = models.CharField(_("embargo reference"), max_length=64, blank=True)
    source = models.CharField(_("from"), max_length=16, choices=Source.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    document = models.TextField(_("canonical payload"))
    salt = models.CharField(max_length=32, help_text=_("128-bit random salt, hex"))

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("-id",)
        indexes = [models.Index(fields=["embargo_kind", "embargo_ref"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(embargo_kind="", embargo_ref="")
                | (~models.Q(embargo_kind="") & ~models.Q(embargo_ref="")),
                name="event_embargo_kind_and_ref_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("events are append-only: no update")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("events are append-only: no delete")

    @property
    def payload(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.document)
        return parsed

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.payload.get("data", {})
        return data


class Message(models.Model):
    """One message to one recipient on one channel; the inbox is the messages of channel inbox."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    template = models.CharField(_("template"), max_length=100)
    channel = models.CharField(_("channel"), max_length=8, choices=DeliveryChannel.choices)
    language = models.CharField(_("language"), max_length=8)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    address = EncryptedField(_("address"), kind=Kind.CONTACT, blank=True)  # phone or e-mail, SM4 at rest
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    embargo_kind = models.CharField(max_length=64, blank=True)
    embargo_ref = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["recipient", "channel", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.channel}: {self.subject}"

    @property
    def masked_address(self) -> str:
        return str(self.address) if self.address else ""


class DeliveryAttempt(models.Model):
    """Each try to send a message: the delivery log, as rows (not rebuilt from logs)."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="delivery_attempts")
    at = models.DateTimeField(_("time"))
    ok = models.BooleanField(_("succeeded"))
    backend = models.CharField(_("backend"), max_length=100)
    gateway_id = models.CharField(_("gateway reference"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ("message", "at", "id")

    def __str__(self) -> str:
        return f"{self.message_id} @ {self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'failed'}"
