"""Queries of the registry: a viewer's registrations, the staff dashboard (due, overdue, average
handling time), and what is overdue or promised and due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from ggzy.accounts.models import Centre, Organisation, RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.registry.models import Item, Registration, State


def staff_centres(user: Any) -> QuerySet[Centre]:
    return Centre.objects.filter(
        pk__in=RoleGrant.objects.filter(user=user, role=Role.CENTRE_STAFF, revoked_at__isnull=True).values(
            "centre"
        )
    )


def registrations_for(*, user: Any) -> QuerySet[Registration]:
    """Registrations the user may see: its organisations' (as initiator or agent), or its centres'."""
    organisations = Organisation.objects.filter(members__user=user)
    return (
        Registration.objects.filter(
            Q(project__initiator__in=organisations)
            | Q(project__agent__in=organisations)
            | Q(project__centre__in=staff_centres(user))
        )
        .select_related(
            "project__category", "project__centre", "project__initiator", "project__agent", "deadline"
        )
        .order_by("-submitted_at")
        .distinct()
    )


def registration_get(*, user: Any, pk: int) -> Registration | None:
    return registrations_for(user=user).filter(pk=pk).first()


def dashboard(*, user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """For a staff member's centres: waiting (with due time), overdue, and the average handling time of
    the last 90 days (complete → accepted, in hours)."""
    now = now or clock.now()
    mine = Registration.objects.filter(project__centre__in=staff_centres(user)).select_related(
        "project", "deadline"
    )
    waiting = list(mine.filter(state=State.SUBMITTED).order_by("deadline__due_at"))
    done = mine.filter(
        state=State.ACCEPTED, accepted_at__gte=now - dt.timedelta(days=90), complete_at__isnull=False
    )
    hours = [(r.accepted_at - r.complete_at).total_seconds() / 3600 for r in done]  # type: ignore[operator]
    late = [r for r in done if r.deadline is not None and r.accepted_at > r.deadline.due_at]  # type: ignore[operator]
    return {
        "waiting": [r for r in waiting if r.deadline is None or r.deadline.due_at >= now],
        "overdue": [r for r in waiting if r.deadline is not None and r.deadline.due_at < now],
        "returned": list(mine.filter(state=State.RETURNED)),
        "accepted_count": len(hours),
        "late_count": len(late),
        "average_hours": round(sum(hours) / len(hours), 1) if hours else None,
    }


def overdue(now: dt.datetime | None = None) -> QuerySet[Registration]:
    now = now or clock.now()
    return Registration.objects.filter(
        state=State.SUBMITTED, deadline__due_at__lt=now, escalated_at__isnull=True
    ).select_related("project__centre", "deadline")


def promises_due(now: dt.datetime | None = None) -> QuerySet[Item]:
    """Promised items not yet supplied, due by tomorrow, not reminded today."""
    now = now or clock.now()
    tomorrow = clock.local_now().date() + dt.timedelta(days=1)
    return Item.objects.filter(
        promise__gt="", blob__isnull=True, promised_by__lte=tomorrow, registration__state=State.ACCEPTED
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=now - dt.timedelta(days=1)))


# --- for the registration pages -------------------------------------------------------------------
def serving_centres() -> QuerySet[Centre]:
    """Centres that serve at least one trading category."""
    from ggzy.registry.models import CentreCategory

    served = CentreCategory.objects.filter(enabled=True).values("centre")
    return Centre.objects.filter(pk__in=served).order_by("code")


def served_categories(*, centre: Centre | None = None) -> QuerySet[Any]:
    """Categories served by `centre` (by any centre when None)."""
    from ggzy.registry.models import CentreCategory, TradingCategory

    rows = CentreCategory.objects.filter(enabled=True)
    if centre is not None:
        rows = rows.filter(centre=centre)
    return TradingCategory.objects.filter(pk__in=rows.values("category")).order_by("order")


def organisations_with_role(*, user: Any, role: Role) -> QuerySet[Organisation]:
    """The organisations the user is a member of and holds `role` for."""
    granted = RoleGrant.objects.filter(user=user, role=role, revoked_at__isnull=True).values("organisation")
    return Organisation.objects.filter(pk__in=granted, members__user=user).distinct().order_by("name")


def entrusting_organisations(*, agents: QuerySet[Organisation], at: dt.datetime | None = None) -> list[Any]:
    """(initiator, project reference) of the valid entrustments given to any of `agents`."""
    from ggzy.accounts.models import Entrustment

    at = at or clock.now()
    return list(
        Entrustment.objects.filter(agent__in=agents, valid_from__lte=at, valid_until__gt=at)
        .select_related("initiator")
        .order_by("initiator__name", "project")
    )


def centre_staff(*, centre: Centre) -> list[Any]:
    """The staff of `centre` (active grants), by username."""
    from django.contrib.auth import get_user_model

    users = RoleGrant.objects.filter(role=Role.CENTRE_STAFF, centre=centre, revoked_at__isnull=True).values(
        "user"
    )
    return list(get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username"))


def registration_detail(registration: Registration) -> dict[str, Any]:
    """What the detail page shows: tender projects with sections, items with the notice lines."""
    project = registration.project
    tenders = list(project.tender_projects.prefetch_related("sections__method"))
    items = list(
        registration.items.select_related("checklist_item", "blob").order_by("checklist_item__order")
    )
    notices = list(
        registration.returns.select_related("issued_by")
        .prefetch_related("lines__checklist_item")
        .order_by("number")
    )
    return {"tenders": tenders, "items": items, "notices": notices}
