"""The vocabularies of events and messages, and the delivery state machine.

A message to send (e-mail, SMS, voice) is stored `pending`; each try of `notifications.message_deliver`
moves it through `DELIVERY_TRANSITIONS` with `core.states.advance` (`field="status"`): sent, tried
again later, or given up after `MAX_ATTEMPTS`. An inbox message is stored `sent` (storing is delivering)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventClass(models.TextChoices):
    DOMAIN = "domain", _("Trading event")
    SECURITY = "security", _("Security event")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PARTIES = "parties", _("Parties of the project")
    SUPERVISORS = "supervisors", _("Supervisors")
    AUDIT = "audit", _("Audit administrator")


class DeliveryChannel(models.TextChoices):
    """How a message reaches its recipient (how a file or a question reached the centre is the
    registry's and the service desk's own vocabulary)."""

    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")


class Source(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")
    ADMIN = "admin", _("Back office")
    TASK = "task", _("Background task")
    SYSTEM = "system", _("System or command line")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


#: (status, outcome of a try) -> next status. A message is sent once; a failed try leaves it pending
#: until the last one.
DELIVERY_TRANSITIONS: dict[tuple[DeliveryStatus, str], DeliveryStatus] = {
    (DeliveryStatus.PENDING, "sent"): DeliveryStatus.SENT,
    (DeliveryStatus.PENDING, "retry"): DeliveryStatus.PENDING,
    (DeliveryStatus.PENDING, "give_up"): DeliveryStatus.FAILED,
}
MAX_ATTEMPTS = 5
