"""A hall's states and the one table of their transitions (applied by `core.states.advance`); the same
for a two-envelope section's second session."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HallState(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("hall", "Scheduled")
    IN_PROGRESS = "in_progress", pgettext_lazy("hall", "In progress")
    CLOSED = "closed", pgettext_lazy("hall", "Closed")
    FAILED = "failed", pgettext_lazy("hall", "Not opened: too few bids")


class HallAction(models.TextChoices):
    BEGIN = "begin", _("begin")
    CLOSE = "close", _("close")
    FAIL = "fail", _("fail")


TRANSITIONS: dict[tuple[str, str], str] = {
    (HallState.SCHEDULED, HallAction.BEGIN): HallState.IN_PROGRESS,
    (HallState.SCHEDULED, HallAction.FAIL): HallState.FAILED,
    (HallState.IN_PROGRESS, HallAction.CLOSE): HallState.CLOSED,
}


class SecondState(models.TextChoices):
    """A two-envelope section's second session (二次开标)."""

    SCHEDULED = "scheduled", pgettext_lazy("second session", "Scheduled")
    IN_PROGRESS = "in_progress", pgettext_lazy("second session", "In progress")
    CLOSED = "closed", pgettext_lazy("second session", "Closed")


SECOND_TRANSITIONS: dict[tuple[str, str], str] = {
    (SecondState.SCHEDULED, HallAction.BEGIN): SecondState.IN_PROGRESS,
    (SecondState.IN_PROGRESS, HallAction.CLOSE): SecondState.CLOSED,
}
