"""A draw's states and the one table of their transitions (applied by `core.states.advance`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DrawState(models.TextChoices):
    OPEN = "open", pgettext_lazy("draw", "Committed, waiting for its moment")
    REVEALING = "revealing", pgettext_lazy("draw", "Revealing")
    DRAWN = "drawn", pgettext_lazy("draw", "Drawn")
    REFUSED = "refused", pgettext_lazy("draw", "Refused")


class DrawAction(models.TextChoices):
    REVEAL = "reveal", _("reveal")
    COMPLETE = "complete", _("complete")
    REFUSE = "refuse", _("refuse")


class PartyKind(models.TextChoices):
    PLATFORM = "platform", pgettext_lazy("party", "The platform")
    BEACON = "beacon", pgettext_lazy("party", "Outside randomness service")
    FALLBACK = "fallback", pgettext_lazy("party", "Fallback (used only for a party that does not reveal)")


TRANSITIONS: dict[tuple[str, str], str] = {
    (DrawState.OPEN, DrawAction.REVEAL): DrawState.REVEALING,
    (DrawState.OPEN, DrawAction.REFUSE): DrawState.REFUSED,
    (DrawState.REVEALING, DrawAction.COMPLETE): DrawState.DRAWN,
}
