"""Queries of the registry: a viewer's registrations, the staff dashboard (due, overdue, average
handling time), what is overdue or promised and due, and the facts the registry owns that other apps
ask about — trading categories and their checklists, who is staff of a centre, who handles a
registration now."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from ggzy.accounts.models import Centre, Entrustment, Organisation, RoleGrant
from ggzy.accounts.selectors import (  # noqa: F401  (re-exported: the centres of staff are accounts' facts)
    access_staff_centre,
    chosen_centre,
    staff_centres,
)
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.types import Actor, Viewer
from ggzy.events.models import Event
from ggzy.events.notifications import Recipient
from ggzy.events.selectors import events_visible_to
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import (
    CentreCategory,
    Checklist,
    ChecklistItem,
    DeskHead,
    Item,
    Leave,
    Need,
    Pause,
    PauseState,
    Registration,
    ReturnNotice,
    Section,
    State,
    Template,
    TenderProject,
    TradingCategory,
)


def _staff_grants(user: Viewer) -> QuerySet[RoleGrant]:
    if not is_signed_in(user):
        return RoleGrant.objects.none()
    return RoleGrant.objects.filter(user=user, role=Role.CENTRE_STAFF, revoked_at__isnull=True)


def is_staff_of(user: Viewer, centre: Centre) -> bool:
    """Whether `user` is staff of `centre` (an active grant)."""
    return _staff_grants(user).filter(centre=centre).exists()


def is_staff_anywhere(user: Viewer) -> bool:
    """Whether `user` is staff of some centre (an active grant)."""
    return _staff_grants(user).exists()


def is_member(user: Viewer, organisation: Organisation | None) -> bool:
    """Whether `user` is a member of `organisation` (False for none)."""
    return (
        organisation is not None
        and is_signed_in(user)
        and Organisation.objects.filter(pk=organisation.pk, members__user=user).exists()
    )


def registrations_for(*, user: Viewer, contents: bool = False) -> QuerySet[Registration]:
    """Registrations the user may see: its organisations' (as initiator or agent), or its centres'.

    `contents`: also what the API shows of each — checklist, tender projects with sections, items,
    one-time notices with their lines, the responsible person and deputy, and whether the responsible
    person is on leave now — in a fixed number of queries for the whole list (`with_contents`)."""
    if not is_signed_in(user):
        return Registration.objects.none()
    organisations = Organisation.objects.filter(members__user=user)
    found = (
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
    if not contents:
        return found
    on_leave = _leave_at(clock.now()).filter(user=OuterRef("responsible"))
    return (
        found.select_related("checklist", "responsible", "deputy")
        .prefetch_related(*_contents())
        .annotate(responsible_on_leave=Exists(on_leave))
    )


def _contents() -> list[Prefetch]:
    return [
        Prefetch("project__tender_projects", queryset=TenderProject.objects.prefetch_related("sections")),
        Prefetch(
            "items", queryset=Item.objects.select_related("checklist_item").order_by("checklist_item__order")
        ),
        Prefetch(
            "returns",
            queryset=ReturnNotice.objects.prefetch_related("lines__checklist_item").order_by("number"),
        ),
    ]


def _leave_at(at: dt.datetime) -> QuerySet[Leave]:
    return Leave.objects.filter(starts_at__lte=at, ends_at__gt=at)


def with_contents(registration: Registration) -> Registration:
    """One registration with what `registrations_for(contents=True)` fetches for each of a list (what is
    fetched already is not fetched again)."""
    prefetch_related_objects([registration], "checklist", "responsible", "deputy", *_contents())
    return registration


def on_leave(user: Actor, at: dt.datetime | None = None) -> bool:
    """Whether `user` is on recorded leave at `at` (now by default)."""
    return _leave_at(at or clock.now()).filter(user=user).exists()


def handler_now(registration: Registration, at: dt.datetime | None = None) -> Actor | None:
    """Who handles the registration at `at` (now by default): the responsible person, or the deputy
    (AB角) while the responsible person is on leave — derived from the stored leave, never from a task
    having run; for now, from the list's annotation where `registrations_for` made it. The one place
    of the leave rule."""
    away = getattr(registration, "responsible_on_leave", None) if at is None else None
    if away is None:
        responsible = registration.responsible_id
        away = responsible is not None and _leave_at(at or clock.now()).filter(user_id=responsible).exists()
    return registration.deputy if away else registration.responsible


def access_registration(*, viewer: Viewer, uid: uuid.UUID) -> Registration:
    """Fetch and authorise in one call, for pages and API alike: a registration `viewer` may see
    (`registrations_for`); "missing" and "not yours" raise the same not-found error."""
    found = registrations_for(user=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_template(*, viewer: Viewer, uid: uuid.UUID) -> Template:
    """A document template to download: the version offered now (to every filer), or any version of
    one's own centre's templates (staff keep the record). Anything else, missing included, raises the
    not-found error."""
    found = Template.objects.select_related("blob", "centre").filter(uid=uid).first()
    if found is None or not (
        _is_offered(found) or (found.centre is not None and is_staff_of(viewer, found.centre))
    ):
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_centre_template(*, viewer: Viewer, uid: uuid.UUID) -> Template:
    """A template of one of `viewer`'s centres, for its staff to replace or withdraw; another centre's
    (or the platform's) raises the same not-found error as a missing one."""
    found = (
        Template.objects.select_related("blob", "centre", "category")
        .filter(uid=uid, centre__in=staff_centres(viewer))
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


@dataclass(frozen=True)
class Dashboard:
    """A staff member's centres at a glance (the list page)."""

    waiting: list[Registration]  # within the limit, the soonest due first
    overdue: list[Registration]
    returned: list[Registration]
    accepted_count: int  # in the last 90 days
    late_count: int  # of those, accepted after the limit
    average_hours: float | None  # complete → accepted


def dashboard(*, user: Actor, now: dt.datetime | None = None) -> Dashboard:
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
    return Dashboard(
        waiting=[r for r in waiting if r.deadline is None or r.deadline.due_at >= now],
        overdue=[r for r in waiting if r.deadline is not None and r.deadline.due_at < now],
        returned=list(mine.filter(state=State.RETURNED)),
        accepted_count=len(hours),
        late_count=len(late),
        average_hours=round(sum(hours) / len(hours), 1) if hours else None,
    )


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


# --- trading categories, checklists, templates (also asked by other apps) -----------------------------
def category_by_code(code: str) -> TradingCategory | None:
    """The trading category of `code` (a request names categories by code), or None."""
    return TradingCategory.objects.filter(code=code).first() if code else None


def categories_in_order(codes: list[str]) -> QuerySet[TradingCategory]:
    """The categories of `codes`, in the categories' order."""
    return TradingCategory.objects.filter(pk__in=codes).order_by("order")


def serving_centres() -> QuerySet[Centre]:
    """Centres that serve at least one trading category."""
    served = CentreCategory.objects.filter(enabled=True).values("centre")
    return Centre.objects.filter(pk__in=served).order_by("code")


def served_categories(*, centre: Centre | None = None) -> QuerySet[TradingCategory]:
    """Categories served by `centre` (by any centre when None)."""
    rows = CentreCategory.objects.filter(enabled=True)
    if centre is not None:
        rows = rows.filter(centre=centre)
    return TradingCategory.objects.filter(pk__in=rows.values("category")).order_by("order")


def serves(centre: Centre, category: TradingCategory) -> bool:
    """Whether `centre` serves `category` now."""
    return CentreCategory.objects.filter(centre=centre, category=category, enabled=True).exists()


def category_settings(*, centre: Centre) -> list[tuple[TradingCategory, CentreCategory | None]]:
    """Every trading category, in order, with how `centre` has configured it (None: never)."""
    rows = {row.category_id: row for row in CentreCategory.objects.filter(centre=centre)}
    return [(category, rows.get(category.pk)) for category in TradingCategory.objects.order_by("order")]


def next_steps(centre: Centre, category: TradingCategory) -> str:
    """What `centre` tells an initiator of `category` to watch out for after acceptance (6.2.4)."""
    found = (
        CentreCategory.objects.filter(centre=centre, category=category)
        .values_list("next_steps", flat=True)
        .first()
    )
    return found or ""


def _checklists(category: TradingCategory, centre: Centre | None) -> QuerySet[Checklist]:
    """The versions that may be in force at `centre`: the platform's and the centre's own."""
    found = Checklist.objects.filter(category=category)
    if centre is None:
        return found.filter(centre__isnull=True)
    return found.filter(Q(centre__isnull=True) | Q(centre=centre))


def current_checklist(category: TradingCategory, centre: Centre | None = None) -> Checklist:
    """The version in force at `centre` (the platform's when None): the highest number already published
    among the platform's versions and the centre's own (the centre's own on a tie); a version dated
    later applies from its date."""
    return (
        _checklists(category, centre)
        .filter(published_at__lte=clock.now())
        .order_by("-version", F("centre").asc(nulls_last=True))
        .first()  # type: ignore[return-value]
    )


@dataclass(frozen=True)
class ChecklistVersion:
    """A version of a checklist as the staff page lists it."""

    checklist: Checklist
    items: list[ChecklistItem]
    registrations: int  # filed under it at the centre
    in_force: bool


def checklist_versions(*, category: TradingCategory, centre: Centre) -> list[ChecklistVersion]:
    """Every version that was or is in force at `centre` (the platform's and the centre's own), newest
    first, with its items and how many of the centre's registrations were filed under it."""
    current = current_checklist(category, centre)
    versions = list(
        _checklists(category, centre)
        .select_related("published_by", "centre")
        .prefetch_related(Prefetch("items", queryset=ChecklistItem.objects.order_by("order")))
        .order_by("-version", F("centre").asc(nulls_last=True))
    )
    counts = dict(
        Registration.objects.filter(project__centre=centre, checklist__in=[v.pk for v in versions])
        .values_list("checklist")
        .annotate(n=Count("pk"))
        .values_list("checklist", "n")
    )
    return [
        ChecklistVersion(
            checklist=v,
            items=list(v.items.all()),
            registrations=counts.get(v.pk, 0),
            in_force=current is not None and v.pk == current.pk,
        )
        for v in versions
    ]


def category_guide(*, at: dt.datetime | None = None) -> list[tuple[TradingCategory, Checklist]]:
    """The service guide, in four queries: each trading category in order, with its methods, and its
    current checklist (the latest version published by `at`; items prefetched). A category is in the
    guide once its first checklist is published."""
    at = at or clock.now()
    published = Checklist.objects.filter(published_at__lte=at, centre__isnull=True)  # the platform's
    latest = published.filter(category=OuterRef("category")).order_by("-version").values("pk")[:1]
    current = Prefetch(
        "checklists",
        queryset=published.filter(pk=Subquery(latest)).prefetch_related("items"),
        to_attr="current_checklists",
    )
    categories = TradingCategory.objects.prefetch_related("methods", current).order_by("order")
    return [(c, c.current_checklists[0]) for c in categories if c.current_checklists]


def _offered_q() -> Q:
    return Q(withdrawn_at__isnull=True, next_version__isnull=True)


def _is_offered(template: Template) -> bool:
    return Template.objects.filter(_offered_q(), pk=template.pk).exists()


def template_list() -> QuerySet[Template]:
    """The document templates offered to every filer now (6.2.6) — of each, the version neither
    replaced nor withdrawn — by centre, category and name."""
    return (
        Template.objects.filter(_offered_q())
        .select_related("blob", "centre", "category")
        .order_by("centre__code", "category__order", "name")
    )


@dataclass(frozen=True)
class TemplateLine:
    """A template of a centre as its staff see it: the newest version, and the ones it replaced."""

    template: Template
    offered: bool  # not withdrawn
    earlier: list[Template]  # newest first


def centre_templates(*, centre: Centre) -> list[TemplateLine]:
    """`centre`'s templates, each with its earlier versions, offered ones first."""
    rows = list(
        Template.objects.filter(centre=centre)
        .select_related("blob", "category", "uploaded_by")
        .order_by("category__order", "name", "-version")
    )
    by_pk = {t.pk: t for t in rows}
    replaced = {t.previous_id for t in rows if t.previous_id is not None}
    lines = []
    for template in rows:
        if template.pk in replaced:
            continue
        earlier, step = [], template.previous_id
        while step is not None and step in by_pk:
            earlier.append(by_pk[step])
            step = by_pk[step].previous_id
        lines.append(TemplateLine(template=template, offered=template.withdrawn_at is None, earlier=earlier))
    return sorted(lines, key=lambda line: not line.offered)


# --- the desk, leave, and what must enter ---------------------------------------------------------
@dataclass(frozen=True)
class Desk:
    """A centre's desk: its head and deputy (None: not named) and whether the head is away now."""

    centre: Centre
    head: Actor | None
    deputy: Actor | None
    head_away: bool


def desk_of(centre: Centre) -> Desk:
    row = DeskHead.objects.filter(centre=centre).select_related("user", "deputy").first()
    head = row.user if row is not None else None
    return Desk(
        centre=centre,
        head=head,
        deputy=row.deputy if row is not None else None,
        head_away=head is not None and on_leave(head),
    )


def desk_changes(*, viewer: Viewer, centre: Centre, limit: int = 20) -> list[tuple[Event, dict[int, Actor]]]:
    """The recorded changes of `centre`'s desk head and deputy that `viewer` may see, newest first, with
    the people they name (by key)."""
    events = list(
        events_visible_to(viewer)
        .filter(type="registry.desk_head.set", centre=centre.code)
        .select_related("actor")
        .order_by("-id")[:limit]
    )
    keys = {e.data.get(k) for e in events for k in ("head", "deputy")} - {None}
    people = {u.pk: u for u in get_user_model().objects.filter(pk__in=keys)}
    return [(e, people) for e in events]


def leave_of(user: Actor) -> QuerySet[Leave]:
    """`user`'s recorded leave, the latest first."""
    return Leave.objects.filter(user=user).select_related("covered_by").order_by("-starts_at")


def covering_for(user: Actor, at: dt.datetime | None = None) -> QuerySet[Leave]:
    """The leave of colleagues that `user` covers, not yet over at `at` (now by default)."""
    return (
        Leave.objects.filter(covered_by=user, ends_at__gt=at or clock.now())
        .select_related("user")
        .order_by("starts_at")
    )


def colleagues(user: Actor) -> list[Actor]:
    """The staff of `user`'s centres, `user` aside, by username."""
    users = RoleGrant.objects.filter(
        role=Role.CENTRE_STAFF, centre__in=staff_centres(user), revoked_at__isnull=True
    ).values("user")
    return list(
        get_user_model().objects.filter(pk__in=users, is_active=True).exclude(pk=user.pk).order_by("username")
    )


def must_enter_lists(*, centre: Centre | None = None) -> list[tuple[Centre, list[CentreCategory]]]:
    """What must enter the platform (应进必进, 12.1.5): per centre serving a category (only `centre` when
    given), the categories it serves with the list it published, in the categories' order."""
    rows = (
        CentreCategory.objects.filter(enabled=True)
        .select_related("centre", "category")
        .order_by("centre__code", "category__order")
    )
    if centre is not None:
        rows = rows.filter(centre=centre)
    grouped: dict[int, tuple[Centre, list[CentreCategory]]] = {}
    for row in rows:
        grouped.setdefault(row.centre_id, (row.centre, []))[1].append(row)
    return list(grouped.values())


# --- for the registration pages -------------------------------------------------------------------
def organisations_with_role(*, user: Actor, role: Role) -> QuerySet[Organisation]:
    """The organisations the user is a member of and holds `role` for."""
    granted = RoleGrant.objects.filter(user=user, role=role, revoked_at__isnull=True).values("organisation")
    return Organisation.objects.filter(pk__in=granted, members__user=user).distinct().order_by("name")


def entrusting_organisations(
    *, agents: QuerySet[Organisation], at: dt.datetime | None = None
) -> list[Entrustment]:
    """(initiator, project reference) of the valid entrustments given to any of `agents`."""
    at = at or clock.now()
    return list(
        Entrustment.objects.filter(agent__in=agents, valid_from__lte=at, valid_until__gt=at)
        .select_related("initiator")
        .order_by("initiator__name", "project")
    )


def centre_staff(*, centre: Centre) -> list[Actor]:
    """The staff of `centre` (active grants), by username."""
    users = RoleGrant.objects.filter(role=Role.CENTRE_STAFF, centre=centre, revoked_at__isnull=True).values(
        "user"
    )
    return list(get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username"))


@dataclass(frozen=True)
class RegistrationDetail:
    """What the detail page shows besides the registration itself."""

    tenders: list[TenderProject]  # with their sections and methods
    items: list[Item]  # in checklist order, with their files
    notices: list[ReturnNotice]  # with their lines


def registration_detail(registration: Registration) -> RegistrationDetail:
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
    return RegistrationDetail(tenders=tenders, items=items, notices=notices)


def is_party(user: Actor, registration: Registration) -> bool:
    """Whether `user` is a member of the registration's initiator or agent."""
    project = registration.project
    organisations = [pk for pk in (project.initiator_id, project.agent_id) if pk]
    return Organisation.objects.filter(pk__in=organisations, members__user=user).exists()


def accepted_for(*, user: Actor) -> QuerySet[Registration]:
    """Accepted registrations `user` filed, or of the organisations they are a member of (initiator or
    agent): the registration services they received."""
    organisations = Organisation.objects.filter(members__user=user).values("pk")
    return (
        Registration.objects.filter(state=State.ACCEPTED)
        .filter(
            Q(filed_by=user) | Q(project__initiator__in=organisations) | Q(project__agent__in=organisations)
        )
        .select_related("project__centre")
        .distinct()
    )


# --- for the workflow's rules -----------------------------------------------------------------------
def missing_items(registration: Registration) -> list[str]:
    """Mandatory items (and conditional ones not declared inapplicable) with neither a file nor a promise."""
    missing = []
    for item in registration.items.select_related("checklist_item"):
        need = item.checklist_item.need
        if (
            need == Need.OPTIONAL
            or item.blob_id
            or item.promise
            or (need == Need.CONDITIONAL and item.not_applicable)
        ):
            continue
        missing.append(item.checklist_item.key)
    return missing


def section_codes(registration: Registration) -> list[str]:
    """The codes of the registration's sections."""
    return list(
        Section.objects.filter(tender_project__project=registration.project).values_list("code", flat=True)
    )


def party_recipients(registration: Registration) -> list[Recipient]:
    """Whom the registration's messages go to: its filer and the members of its initiator and agent."""
    project = registration.project
    users = {registration.filed_by}
    for organisation in (project.initiator, project.agent):
        if organisation is not None:
            users.update(m.user for m in organisation.members.select_related("user"))
    return [Recipient(user=u) for u in sorted(users, key=lambda u: u.pk)]


# --- pauses of a procedure (6.5.8, 6.5.9) --------------------------------------------------------------


def pauses_in_force(tender_project: TenderProject, section: Section | None = None) -> QuerySet[Pause]:
    """The pauses in force on a tender project (on `section`: those naming it, or naming no section),
    terminations included."""
    found = Pause.objects.filter(
        tender_project=tender_project, state__in=[PauseState.ACTIVE, PauseState.TERMINATED]
    )
    if section is not None:
        found = found.filter(Q(sections=section) | Q(sections__isnull=True))
    return found.distinct().order_by("started_at")


def pause_check(*, tender_project: TenderProject, step: str, section: Section | None = None) -> None:
    """Refuse `step` (a `PauseStep`) of a tender project's procedure, or of one section, while a pause
    stopping it is in force, or once the procedure is terminated. The opening, evaluation, award and
    contract services ask this before they act."""
    for pause in pauses_in_force(tender_project, section):
        if pause.state == PauseState.TERMINATED:
            raise DomainError(RegistryError.TERMINATED, detail={"pause": str(pause.uid)})
        if step in pause.steps:
            raise DomainError(
                RegistryError.PAUSED,
                detail={
                    "pause": str(pause.uid),
                    "basis": pause.basis,
                    "step": step,
                    "since": pause.started_at,
                },
            )


def pauses_of(tender_project: TenderProject) -> QuerySet[Pause]:
    """Every pause of a tender project, newest first, with the sections it names."""
    return (
        Pause.objects.filter(tender_project=tender_project)
        .prefetch_related(Prefetch("sections", queryset=Section.objects.order_by("code")))
        .order_by("-started_at")
    )
