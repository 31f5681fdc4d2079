"""The states of an expert draw request and of a call to a drawn expert, with their transition tables
(applied by `core.states.advance`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # the rules and counts recorded, nothing fixed yet
    FIXED = "fixed", _("Eligible list fixed")  # the eligible list hashed and published, the seed committed
    DRAWN = "drawn", _("Drawn")  # the seed revealed, the order made, the first experts called
    PUSHED = "pushed", _("List pushed to the evaluation area")  # the signed roster delivered at its time
    CANCELLED = "cancelled", _("Cancelled")


class RequestAction(models.TextChoices):
    FIX = "fix"
    DRAW = "draw"
    PUSH = "push"
    CANCEL = "cancel"


TRANSITIONS: dict[tuple[str, str], str] = {
    (RequestState.REQUESTED, RequestAction.FIX): RequestState.FIXED,
    (RequestState.FIXED, RequestAction.DRAW): RequestState.DRAWN,
    (RequestState.DRAWN, RequestAction.PUSH): RequestState.PUSHED,
    (RequestState.REQUESTED, RequestAction.CANCEL): RequestState.CANCELLED,
    (RequestState.FIXED, RequestAction.CANCEL): RequestState.CANCELLED,
}


class CallRole(models.TextChoices):
    PRINCIPAL = "principal", _("Member")
    RESERVE = "reserve", _("Reserve")
    REPLACEMENT = "replacement", _("Replacement")


class Answer(models.TextChoices):
    PENDING = "pending", _("Awaiting the answer")
    ACCEPTED = "accepted", pgettext_lazy("expert answer", "Accepted")
    DECLINED = "declined", pgettext_lazy("expert answer", "Declined")
    TIMEOUT = "timeout", _("Not answered in time")
    AVOIDED = "avoided", _("Avoided at check-in (a conflict with a bidder)")


class MemberKind(models.TextChoices):
    """Committee members the initiator enters itself (招标投标法 §37; standard 6.6.2)."""

    REPRESENTATIVE = "representative", _("Initiator's representative")
    OUTSIDE = "outside", _("Expert chosen by the initiator outside the pool")
