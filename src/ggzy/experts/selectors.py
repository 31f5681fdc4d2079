"""Reads of the experts app with visibility applied (docs/experts.md "The pages").

Who reads a draw request: the staff of its centre, the supervisors whose jurisdiction covers its region, and
the parties of its section (the initiator and its agent, as `tendering.selectors.acts_for` decides, the same
rule as the opening hall's) — nobody else, with the same not-found as a missing request. None of them reads a
drawn expert's name before the list was pushed: these reads hand out calls (specialty, position, role,
answer), never the expert behind one, except `calls_of_expert` (the expert's own calls) and, after the
evaluation began, `sat` (the experts who sat, for the fees and ratings).

A call is addressed by its own uid (its sequence, the order of the call, is no address: it would tell how
many were called), and only the called expert's own account reads it (`access_call`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import F, QuerySet

from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role, roles_of_user
from ggzy.core.types import Viewer
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import (
    Call,
    ChangeState,
    DrawRequest,
    Expert,
    Keeper,
    Member,
    ProfileChange,
    Specialty,
)
from ggzy.experts.states import Answer, RequestState
from ggzy.registry.models import Section

#: The most requests a list shows.
LIST_LIMIT = 100


def _not_found() -> DomainError:
    return DomainError(ExpertsError.NOT_FOUND)


def staff_codes(viewer: Viewer) -> list[str]:
    """The codes of the centres `viewer` is staff of."""
    from ggzy.accounts.selectors import staff_centres

    return list(staff_centres(viewer).values_list("code", flat=True))


def is_staff(viewer: Viewer, request: DrawRequest) -> bool:
    return is_signed_in(viewer) and request.centre in staff_codes(viewer)


def _category(request: DrawRequest) -> str:
    section = request.section
    return section.tender_project.project.category.code if section is not None else ""


def is_supervisor(viewer: Viewer, request: DrawRequest) -> bool:
    from ggzy.accounts.selectors import supervises

    if not is_signed_in(viewer) or Role.SUPERVISOR not in roles_of_user(viewer):
        return False
    return supervises(viewer, region=request.region, category=_category(request))


def is_party(viewer: Viewer, request: DrawRequest) -> bool:
    """Whether `viewer` acts for the initiator of the request's section, or as its agent."""
    from ggzy.tendering.selectors import acts_for

    section = request.section
    return section is not None and is_signed_in(viewer) and acts_for(viewer, section.tender_project)


def may_see(viewer: Viewer, request: DrawRequest) -> bool:
    return is_staff(viewer, request) or is_supervisor(viewer, request) or is_party(viewer, request)


def _requests() -> QuerySet[DrawRequest]:
    return DrawRequest.objects.select_related(
        "section__tender_project__project__category", "section__centre", "seed_draw"
    )


def access_request(*, viewer: Viewer, uid: uuid.UUID | str) -> DrawRequest:
    """The request if `viewer` may read it; ExpertsError.NOT_FOUND for a missing one and one not theirs."""
    try:
        found = _requests().get(uid=uuid.UUID(str(uid)))
    except (ValueError, DrawRequest.DoesNotExist) as exc:
        raise _not_found() from exc
    if not may_see(viewer, found):
        raise _not_found()
    return found


def access_call(*, viewer: Viewer, uid: uuid.UUID | str) -> Call:
    """The call `uid` if it calls `viewer` (the expert's own account); the same not-found for a missing
    call and for another's."""
    if not is_signed_in(viewer):
        raise _not_found()
    try:
        return Call.objects.select_related("request", "expert").get(
            uid=uuid.UUID(str(uid)), expert__user=viewer
        )
    except (ValueError, Call.DoesNotExist) as exc:
        raise _not_found() from exc


def expert_of(viewer: Viewer) -> Expert | None:
    """The pool's record of `viewer` (an expert's own account), or None."""
    if not is_signed_in(viewer):
        return None
    return Expert.objects.filter(user=viewer).first()


def calls_of_expert(viewer: Viewer) -> list[Call]:
    """The expert's own calls, the evaluations to come first."""
    if not is_signed_in(viewer):
        return []
    found = Call.objects.filter(expert__user=viewer).select_related("request")
    return list(found.order_by("-request__evaluation_at", "-sequence")[:LIST_LIMIT])


def requests_for_staff(viewer: Viewer) -> list[DrawRequest]:
    """The draw requests of the centres `viewer` is staff of, the latest evaluation first."""
    codes = staff_codes(viewer)
    return list(_requests().filter(centre__in=codes).order_by("-evaluation_at", "-pk")[:LIST_LIMIT])


def requests_for_supervisor(viewer: Viewer) -> list[DrawRequest]:
    """The draw requests of the regions `viewer` supervises, the latest evaluation first."""
    if not is_signed_in(viewer) or Role.SUPERVISOR not in roles_of_user(viewer):
        return []
    recent = _requests().order_by("-evaluation_at", "-pk")[: LIST_LIMIT * 4]
    return [r for r in recent if is_supervisor(viewer, r)][:LIST_LIMIT]


def requests_for_party(viewer: Viewer) -> list[DrawRequest]:
    """The draw requests of the sections whose project `viewer` acts for (initiator or agent)."""
    from ggzy.notices.selectors import party_q

    if not is_signed_in(viewer):
        return []
    found = _requests().filter(party_q(viewer, prefix="section__tender_project__project__"))
    return list(found.order_by("-evaluation_at", "-pk")[:LIST_LIMIT])


def sections_for_party(viewer: Viewer) -> list[Section]:
    """The sections whose project `viewer` acts for, for which it may request a draw."""
    from ggzy.notices.selectors import party_q

    if not is_signed_in(viewer):
        return []
    found = Section.objects.filter(party_q(viewer, prefix="tender_project__project__"))
    return list(found.select_related("tender_project__project", "centre").order_by("code")[:LIST_LIMIT])


def access_party_section(*, viewer: Viewer, code: str) -> Section:
    """A section `viewer` acts for (initiator or agent), by its code; the same not-found for another's."""
    from ggzy.notices.selectors import party_q

    if not is_signed_in(viewer):
        raise _not_found()
    found = (
        Section.objects.filter(party_q(viewer, prefix="tender_project__project__"), code=str(code))
        .select_related("tender_project__project__category", "centre")
        .first()
    )
    if found is None:
        raise _not_found()
    return found


def calls_of(request: DrawRequest) -> list[Call]:
    """The request's calls in order, without their experts (nothing here names one)."""
    return list(Call.objects.filter(request=request).order_by("sequence"))


@dataclass(frozen=True)
class SpecialtyCounts:
    code: str
    name: str
    count: int
    reserves: int
    called: int
    accepted: int
    pending: int
    declined: int


def counts_of(request: DrawRequest) -> list[SpecialtyCounts]:
    """Per specialty: what the request needs and its calls by answer — counts, never names."""
    names = dict(Specialty.objects.filter(code__in=list(request.needs)).values_list("code", "name"))
    calls = calls_of(request)
    rows = []
    for code, need in sorted(request.needs.items()):
        mine = [c for c in calls if c.specialty == code]
        rows.append(
            SpecialtyCounts(
                code=code,
                name=names.get(code, ""),
                count=int(need.get("count", 0)),
                reserves=int(need.get("reserves", 0)),
                called=len(mine),
                accepted=sum(1 for c in mine if c.answer == Answer.ACCEPTED),
                pending=sum(1 for c in mine if c.answer == Answer.PENDING),
                declined=sum(1 for c in mine if c.answer in (Answer.DECLINED, Answer.TIMEOUT)),
            )
        )
    return rows


def evaluation_begun(request: DrawRequest) -> bool:
    return clock.now() >= request.evaluation_at


def sat(request: DrawRequest) -> list[Call]:
    """The experts who accepted their call, with their names — only once the evaluation began (for the
    fees and the ratings); before it, nothing."""
    if not evaluation_begun(request):
        return []
    found = Call.objects.filter(request=request, answer=Answer.ACCEPTED).select_related("expert")
    return list(found.select_related("fee", "rating").order_by("sequence"))


def members_of(request: DrawRequest) -> list[Member]:
    """The members the initiator entered (its own people: it knows their names)."""
    return list(Member.objects.filter(request=request).order_by("entered_at", "pk"))


def member_entry_open(request: DrawRequest) -> bool:
    return (
        request.state in (RequestState.REQUESTED, RequestState.FIXED, RequestState.DRAWN)
        and request.push_at is not None
        and clock.now() < request.push_at
    )


def keepers(*, centre: str = "") -> QuerySet[Keeper]:
    """The roster keepers appointed (those in office first), for the security administrator."""
    found = Keeper.objects.select_related("user", "appointed_by")
    if centre:
        found = found.filter(centre=centre)
    return found.order_by(F("revoked_at").desc(nulls_first=True), "centre", "-appointed_at")


def access_keeper(*, uid: uuid.UUID | str) -> Keeper:
    try:
        return Keeper.objects.select_related("user").get(uid=uuid.UUID(str(uid)))
    except (ValueError, Keeper.DoesNotExist) as exc:
        raise _not_found() from exc


# --- the pool: the centre's staff read their centres' experts and the changes they asked -----------------


def pool_for_staff(viewer: Viewer) -> list[Expert]:
    """The experts of the centres `viewer` is staff of, by name."""
    codes = staff_codes(viewer)
    found = Expert.objects.filter(centre__in=codes).prefetch_related("specialties")
    return list(found.order_by("centre", "name", "pk")[: LIST_LIMIT * 5])


def access_expert(*, viewer: Viewer, uid: uuid.UUID | str) -> Expert:
    """An expert of a centre `viewer` is staff of; the same not-found for a missing one and another's."""
    try:
        found = Expert.objects.get(uid=uuid.UUID(str(uid)))
    except (ValueError, Expert.DoesNotExist) as exc:
        raise _not_found() from exc
    if found.centre not in staff_codes(viewer):
        raise _not_found()
    return found


def pending_changes(viewer: Viewer) -> list[ProfileChange]:
    """The profile changes awaiting review of the experts of `viewer`'s centres, the oldest first."""
    codes = staff_codes(viewer)
    found = ProfileChange.objects.filter(expert__centre__in=codes, state=ChangeState.PENDING)
    return list(found.select_related("expert").order_by("submitted_at", "pk")[:LIST_LIMIT])


def pending_change_of(expert: Expert) -> ProfileChange | None:
    return ProfileChange.objects.filter(expert=expert, state=ChangeState.PENDING).first()


def changes_of(expert: Expert) -> list[ProfileChange]:
    """The expert's profile changes, the latest first."""
    return list(ProfileChange.objects.filter(expert=expert).order_by("-submitted_at", "-pk")[:LIST_LIMIT])


def access_change(*, viewer: Viewer, uid: uuid.UUID | str) -> ProfileChange:
    """A profile change of an expert of `viewer`'s centres; the same not-found for a missing one and
    another's."""
    try:
        found = ProfileChange.objects.select_related("expert").get(uid=uuid.UUID(str(uid)))
    except (ValueError, ProfileChange.DoesNotExist) as exc:
        raise _not_found() from exc
    if found.expert.centre not in staff_codes(viewer):
        raise _not_found()
    return found


def bidders_known(request: DrawRequest) -> bool:
    """Whether the bid deadline of the request's section has passed (the day-before check may run)."""
    from ggzy.sealing import selectors as sealing

    window = sealing.window_of(request.section) if request.section is not None else None
    return window is not None and clock.now() >= window.deadline
