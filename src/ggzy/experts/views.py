"""The experts pages (issue 33; standard 6.6, 6.8.7; docs/guide/centre-staff.md, agent.md, expert.md,
security-admin.md "评标专家抽取"), each declaring who may use it.

* The centre's staff (`/centre/experts/`): their centres' draw requests — state, evaluation time, counts per
  specialty — and a request's page with the actions its state allows: open the seed's commitments, fix the
  eligible list (its SM3 and the experts excluded per rule, as counts), draw; the calls by specialty,
  position, role and answer, never the expert behind one. After the push, the appointed keeper prints the
  list (`roster_print`, every printing recorded); after the evaluation began, each expert's fee, and the
  month's fees as CSV.
* The supervisors read the same pages (no action).
* The initiator and its agent (`/workspace/experts/`): request a draw for one of their sections (the
  avoidance taken from the facts, `avoid_for_section`), enter their representative and outside experts
  until the push, and rate each expert after the evaluation began (the names shown from then on).
* The expert (`/workspace/expert/`): its calls — time and place only — with accept and decline, and its
  profile, read-only.
* The security administrator (`/workspace/experts/keepers/`): who prints each centre's lists.

Every POST goes through `core.pages.page_action`: a refusal is an error message on the page it came from,
nothing changed."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.errors import DomainError
from ggzy.core.fields import Kind, Sealed, mask
from ggzy.core.formatting import PLATFORM_ZONE, local_date, local_time, yuan
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.experts import selectors, services
from ggzy.experts.errors import ExpertsError
from ggzy.experts.forms import AnswerForm, FeeForm, KeeperForm, MemberForm, MonthForm, RatingForm, RequestForm
from ggzy.experts.models import Call, DrawRequest, Specialty
from ggzy.experts.states import Answer, RequestState

#: Who reads a request's page: its centre's staff, its region's supervisors, its section's parties.
READERS = (Role.CENTRE_STAFF, Role.SUPERVISOR, Role.INITIATOR, Role.AGENT)
PARTIES = (Role.INITIATOR, Role.AGENT)
#: The rules of the eligible list in words (eligibility.RULES codes; an unknown one shows its code).
RULES = {
    "suspended": _lazy("Suspended"),
    "over_age": _lazy("Over the age limit"),
    "unavailable": _lazy("Unavailable on the day"),
    "employer": _lazy("Employed by a party, a bidder or their controllers"),
    "related": _lazy("Related to a party or a bidder"),
    "supervising": _lazy("Staff of the supervising department"),
    "person": _lazy("Tied to a party, or prepared the documents"),
    "named": _lazy("Named in an accepted avoidance request"),
    "frequent": _lazy("Called too often in 30 days"),
    "experience": _lazy("Too few years in the field or no senior title"),
    "same_city": _lazy("From the city of the remote evaluation"),
}


def _when(instant: object) -> str:
    return local_time(instant) if instant is not None else ""  # type: ignore[arg-type]


def _request_url(found: DrawRequest) -> str:
    return reverse("experts:request", args=[found.uid])


def _masked_id(value: object) -> str:
    return value.masked if isinstance(value, Sealed) else mask(Kind.ID_NUMBER, str(value or ""))


# --- lists -------------------------------------------------------------------------------------------------


def _list_row(found: DrawRequest) -> dict[str, object]:
    return {
        "uid": found.uid,
        "section": found.section,
        "state": found.get_state_display(),
        "state_code": found.state,
        "evaluation_at": _when(found.evaluation_at),
        "needs": ", ".join(
            _("%(code)s: %(count)s and %(reserves)s reserves")
            % {"code": code, "count": need.get("count", 0), "reserves": need.get("reserves", 0)}
            for code, need in sorted(found.needs.items())
        ),
    }


@allow(Role.CENTRE_STAFF, Role.SUPERVISOR)
def requests(request: HttpRequest) -> HttpResponse:
    """The draw requests of the viewer's centres (staff) or regions (supervisors): counts, never names."""
    found = {r.pk: r for r in selectors.requests_for_staff(request.user)}
    found.update({r.pk: r for r in selectors.requests_for_supervisor(request.user)})
    rows = [_list_row(r) for r in sorted(found.values(), key=lambda r: r.evaluation_at, reverse=True)]
    codes = selectors.staff_codes(request.user)
    context = {
        "rows": rows,
        "staff": bool(codes),
        "centres": codes,
        "month_form": MonthForm(initial={"month": local_date(clock.now())[:7]}),
    }
    return render(request, "experts/requests.html", context)


@allow(*PARTIES)
def mine(request: HttpRequest) -> HttpResponse:
    """The initiator's or agent's sections (to request a draw for) and their requests."""
    context = {
        "rows": [_list_row(r) for r in selectors.requests_for_party(request.user)],
        "sections": selectors.sections_for_party(request.user),
    }
    return render(request, "experts/mine.html", context)


# --- a request's page --------------------------------------------------------------------------------------


def _call_row(call: Call) -> dict[str, object]:
    """A call as staff, supervisors and parties see it: no expert."""
    return {
        "sequence": call.sequence,
        "specialty": call.specialty,
        "position": call.position,
        "role": call.get_role_display(),
        "replaces": call.replaces,
        "answer": call.get_answer_display(),
        "answer_code": call.answer,
        "called_at": _when(call.called_at),
        "answered_at": _when(call.answered_at),
    }


def _seed_ready(found: DrawRequest) -> bool:
    """Whether the seed's commitments are in a co-signed tree head: only then may the list be fixed (the
    moment must come after them, or the seed is refused for good)."""
    from ggzy.randomness import services as randomness

    return found.seed_draw is not None and randomness.sealing_head(found.seed_draw) is not None


def _request_page(
    request: HttpRequest, found: DrawRequest, *, status: int = 200, **forms: object
) -> HttpResponse:
    viewer = request.user
    staff = selectors.is_staff(viewer, found)
    party = selectors.is_party(viewer, found)
    begun = selectors.evaluation_begun(found)
    pushed = found.state == RequestState.PUSHED
    sat = selectors.sat(found) if pushed or begun else []
    context = {
        "found": found,
        "state": found.get_state_display(),
        "evaluation_at": _when(found.evaluation_at),
        "push_at": _when(found.push_at),
        "requested_at": _when(found.requested_at),
        "fixed_at": _when(found.fixed_at),
        "drawn_at": _when(found.drawn_at),
        "pushed_at": _when(found.pushed_at),
        "counts": selectors.counts_of(found),
        "calls": [_call_row(c) for c in selectors.calls_of(found)],
        "exclusions": [(str(RULES.get(code, code)), n) for code, n in sorted(found.exclusions.items()) if n],
        "staff": staff,
        "party": party,
        "may_seed": staff and found.state == RequestState.REQUESTED and found.seed_draw is None,
        "may_fix": staff and found.state == RequestState.REQUESTED and found.seed_draw is not None,
        "seed_ready": found.state == RequestState.REQUESTED and _seed_ready(found),
        "may_draw": staff and found.state == RequestState.FIXED,
        "keeper": staff and pushed and services.is_keeper(viewer, found.centre),  # type: ignore[arg-type]
        "begun": begun,
        "fees": [
            {
                "call": c,
                "name": c.expert.name,
                "fee": yuan(c.fee.amount_fen) if hasattr(c, "fee") else "",
                "hours": c.fee.hours if hasattr(c, "fee") else "",
            }
            for c in sat
        ]
        if staff
        else [],
        "ratings": [
            {"call": c, "name": c.expert.name, "rating": c.rating if hasattr(c, "rating") else None}
            for c in sat
        ]
        if party
        else [],
        "members": selectors.members_of(found) if party else [],
        "member_count": len(selectors.members_of(found)),
        "seats": services.seats_for_members(found),
        "member_open": party and selectors.member_entry_open(found),
        "member_form": forms.get("member_form") or MemberForm(),
        "fee_form": FeeForm(),
        "rating_form": RatingForm(),
    }
    return render(request, "experts/request.html", context, status=status)


@allow(*READERS)
def request_detail(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_request(viewer=request.user, uid=request_uid)
    return _request_page(request, found)


def _staff_request(request: HttpRequest, request_uid: uuid.UUID) -> DrawRequest:
    """The request for an action of its centre's staff (to anyone else: not found)."""
    found = selectors.access_request(viewer=request.user, uid=request_uid)
    if not selectors.is_staff(request.user, found):
        raise DomainError(ExpertsError.NOT_FOUND)
    return found


def _party_request(request: HttpRequest, request_uid: uuid.UUID) -> DrawRequest:
    found = selectors.access_request(viewer=request.user, uid=request_uid)
    if not selectors.is_party(request.user, found):
        raise DomainError(ExpertsError.NOT_FOUND)
    return found


@require_POST
@allow(Role.CENTRE_STAFF)
def seed(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The seed's commitments asked of the beacons (before the list is fixed)."""
    found = _staff_request(request, request_uid)
    return page_action(
        request,
        lambda: services.seed_open(request=found),
        success=_(
            "The seed's commitments are recorded. Fix the eligible list once they are in a co-signed tree"
            " head (about a minute)."
        ),
        to=_request_url(found),
    )


def _too_few(error: DomainError) -> str:
    """The refusal of a list with too few experts, with the counts per specialty and per rule."""
    detail = error.detail or {}
    eligible = detail.get("eligible") or {}
    excluded = detail.get("excluded") or {}
    said = [error.text()]
    if eligible:
        said.append(
            _("Eligible: %(list)s.")
            % {"list": "、".join(f"{code} {n}" for code, n in sorted(eligible.items()))}
        )
    if any(excluded.values()):
        said.append(
            _("Excluded: %(list)s.")
            % {"list": "、".join(f"{RULES.get(code, code)} {n}" for code, n in sorted(excluded.items()) if n)}
        )
    return " ".join(said)


@require_POST
@allow(Role.CENTRE_STAFF)
def fix(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """Fix the eligible list (the moment), once the seed's commitments are in a co-signed head."""
    found = _staff_request(request, request_uid)
    if found.state == RequestState.REQUESTED and not _seed_ready(found):
        messages.error(
            request,
            _(
                "The seed's commitments are not yet in a co-signed tree head: open them first, wait about a"
                " minute, then fix the list."
            ),
        )
        return redirect(_request_url(found))
    return page_action(
        request,
        lambda: services.request_fix(actor=actor_of(request), request=found),
        success=_("The eligible list is fixed and its SM3 published; the draw may be made."),
        to=_request_url(found),
        explain=_too_few,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def draw(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The seed revealed and the first experts called (the names stay secret until the push)."""
    found = _staff_request(request, request_uid)
    return page_action(
        request,
        lambda: services.request_draw(actor=actor_of(request), request=found),
        success=_("The draw is made and the experts are called; their names stay secret until the push."),
        to=_request_url(found),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def roster_print(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The printable list for the on-site terminal, for the appointed keeper only; each printing recorded."""
    found = _staff_request(request, request_uid)

    def printed(roster: dict[str, object]) -> HttpResponse:
        listed = roster.get("members")
        members = [
            {
                "name": m.get("name", ""),
                "specialty": m.get("specialty", ""),
                "source": m.get("source", ""),
                "id_masked": mask(Kind.ID_NUMBER, str(m.get("id_number", ""))),
            }
            for m in (listed if isinstance(listed, list) else [])
            if isinstance(m, dict)
        ]
        context = {
            "found": found,
            "evaluation_at": _when(found.evaluation_at),
            "members": members,
            "printed_at": _when(clock.now()),
            "printed_by": request.user,
        }
        return render(request, "experts/print.html", context)

    return page_action(
        request,
        lambda: services.roster_print(actor=actor_of(request), request=found),
        success=printed,
        to=_request_url(found),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def fee(request: HttpRequest, request_uid: uuid.UUID, sequence: int) -> HttpResponse:
    found = _staff_request(request, request_uid)
    call = Call.objects.filter(request=found, sequence=sequence).first()
    if call is None:
        raise DomainError(ExpertsError.NOT_FOUND)
    form = FeeForm(request.POST)
    return page_action(
        request,
        lambda: services.fee_record(
            actor=actor_of(request),
            call=call,
            amount_fen=form.fen(),
            hours=form.cleaned_data["hours"],
            basis=form.cleaned_data["basis"],
        ),
        success=_("The fee is recorded."),
        to=_request_url(found),
        form=form,
    )


@allow(Role.CENTRE_STAFF)
def fees_csv(request: HttpRequest) -> HttpResponse:
    """The month's fees of the viewer's centre (its first, or `centre=`) as CSV, the money in yuan."""
    form = MonthForm(request.GET)
    codes = selectors.staff_codes(request.user)
    if not form.is_valid():
        messages.error(request, next((str(e) for errs in form.errors.values() for e in errs), ""))
        return redirect("experts:requests")
    centre = str(form.cleaned_data.get("centre") or (codes[0] if codes else ""))
    if centre not in codes:
        raise DomainError(ExpertsError.NOT_FOUND)
    month = form.cleaned_data["month"]
    text = services.fees_csv(centre=centre, month=month)
    response = HttpResponse(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8")
    name = f"expert-fees-{centre}-{month:%Y-%m}.csv"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


# --- the initiator and its agent ---------------------------------------------------------------------------


def _section_form_page(
    request: HttpRequest, section: object, form: RequestForm, status: int = 200
) -> HttpResponse:
    return render(request, "experts/request_new.html", {"section": section, "form": form}, status=status)


@allow(*PARTIES)
def request_new(request: HttpRequest, section_code: str) -> HttpResponse:
    """Request a draw for one of the viewer's sections: the avoidance comes from the facts."""
    section = selectors.access_party_section(viewer=request.user, code=section_code)
    if request.method != "POST":
        return _section_form_page(request, section, RequestForm())
    form = RequestForm(request.POST)
    project = section.tender_project.project

    def make() -> DrawRequest:
        data = form.cleaned_data
        evaluation_at = data["evaluation_at"]
        return services.request_make(
            actor=actor_of(request),
            centre=section.centre.code,
            region=section.centre.region,
            evaluation_at=evaluation_at,
            place=data["place"],
            needs=data["needs"],
            committee=data["committee"],
            section=section,
            procurement=project.category.code == "procurement",
            engineering=project.category.code == "engineering",
            avoid=services.avoid_for_section(section, day=evaluation_at.astimezone(PLATFORM_ZONE).date()),
            remote_city=str(data.get("remote_city") or ""),
            push_at=data.get("push_at"),
        )

    def again(text: str) -> HttpResponse:
        form.add_error(None, text)
        return _section_form_page(request, section, form, status=400)

    return page_action(
        request,
        make,
        success=_("The draw is requested: the centre fixes the eligible list and makes the draw."),
        to=_request_url,
        failure=again,
        form=form,
        invalid=lambda f: next((str(e) for errs in f.errors.values() for e in errs), ""),
    )


@require_POST
@allow(*PARTIES)
def member(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The initiator's representative or an expert it chose outside the pool, until the push."""
    found = _party_request(request, request_uid)
    form = MemberForm(request.POST)
    return page_action(
        request,
        lambda: services.member_enter(
            actor=actor_of(request),
            request=found,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            id_number=form.cleaned_data["id_number"],
            employer_uscc=form.cleaned_data["employer_uscc"],
            employer=form.cleaned_data["employer"],
            specialty=form.cleaned_data.get("specialty") or "",
        ),
        success=_("The member is entered and checked by the same rules as the drawn experts."),
        to=_request_url(found),
        form=form,
    )


@require_POST
@allow(*PARTIES)
def rate(request: HttpRequest, request_uid: uuid.UUID, sequence: int) -> HttpResponse:
    found = _party_request(request, request_uid)
    call = Call.objects.filter(request=found, sequence=sequence).first()
    if call is None:
        raise DomainError(ExpertsError.NOT_FOUND)
    form = RatingForm(request.POST)
    return page_action(
        request,
        lambda: services.rating_record(
            actor=actor_of(request),
            call=call,
            score=form.cleaned_data["score"],
            conduct=form.cleaned_data["conduct"],
            note=form.cleaned_data.get("note") or "",
        ),
        success=_("The rating is recorded in the expert's record."),
        to=_request_url(found),
        form=form,
    )


# --- the expert --------------------------------------------------------------------------------------------


@allow(Role.EXPERT)
def calls(request: HttpRequest) -> HttpResponse:
    """The expert's own calls: the time and place only, never the project or section."""
    now = clock.now()
    rows = [
        {
            "request_uid": c.request.uid,
            "sequence": c.sequence,
            "evaluation_at": _when(c.request.evaluation_at),
            "place": c.request.place,
            "role": c.get_role_display(),
            "answer": c.get_answer_display(),
            "limit": _when(services.answer_limit(c)),
            "open": c.answer == Answer.PENDING and now <= services.answer_limit(c),
        }
        for c in selectors.calls_of_expert(request.user)
    ]
    return render(request, "experts/calls.html", {"rows": rows, "expert": selectors.expert_of(request.user)})


@require_POST
@allow(Role.EXPERT)
def answer(request: HttpRequest, request_uid: uuid.UUID, sequence: int) -> HttpResponse:
    call = selectors.access_call(viewer=request.user, uid=request_uid, sequence=sequence)
    form = AnswerForm(request.POST)
    return page_action(
        request,
        lambda: services.call_answer(actor=actor_of(request), call=call, answer=form.cleaned_data["answer"]),
        success=lambda done: (
            _("You accepted the call.")
            if done.answer == Answer.ACCEPTED
            else _("You declined the call; the next expert is called.")
        ),
        to=reverse("experts:calls"),
        form=form,
        invalid=_("Answer the call with accept or decline."),
    )


@allow(Role.EXPERT)
def profile(request: HttpRequest) -> HttpResponse:
    """The expert's own record, read-only (changes go through the centre)."""
    expert = selectors.expert_of(request.user)
    context: dict[str, object] = {"expert": expert}
    if expert is not None:
        codes = list(expert.specialties.values_list("code", flat=True).order_by("code"))
        names = dict(Specialty.objects.filter(code__in=codes).values_list("code", "name"))
        context |= {
            "id_masked": _masked_id(expert.id_number),
            "specialties": [(code, names.get(code, "")) for code in codes],
            "employments": list(expert.employments.order_by("-since")),
            "unavailable": list(expert.unavailable.order_by("-start")),
        }
    return render(request, "experts/profile.html", context)


# --- the security administrator ----------------------------------------------------------------------------


def _centre_choices() -> list[tuple[str, str]]:
    from ggzy.accounts.selectors import centre_list

    return [(c.code, f"{c.name}（{c.code}）") for c in centre_list()]


@allow(Role.SECURITY_ADMIN)
def keepers(request: HttpRequest) -> HttpResponse:
    """Who prints each centre's experts' lists (standard 6.6.3): appointed and revoked here."""
    rows = [
        {
            "uid": k.uid,
            "centre": k.centre,
            "user": k.user.get_username(),
            "appointed_at": _when(k.appointed_at),
            "revoked_at": _when(k.revoked_at),
        }
        for k in selectors.keepers()
    ]
    return render(
        request, "experts/keepers.html", {"rows": rows, "form": KeeperForm(centres=_centre_choices())}
    )


@require_POST
@allow(Role.SECURITY_ADMIN)
def keeper_appoint(request: HttpRequest) -> HttpResponse:
    form = KeeperForm(request.POST, centres=_centre_choices())

    def appoint() -> object:
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            raise DomainError(ExpertsError.KEEPER_NOT_STAFF)
        return services.keeper_appoint(actor=actor_of(request), centre=form.cleaned_data["centre"], user=user)

    return page_action(
        request,
        appoint,
        success=_("The staff member is appointed to print the centre's experts' lists."),
        to=reverse("experts:keepers"),
        form=form,
    )


@require_POST
@allow(Role.SECURITY_ADMIN)
def keeper_revoke(request: HttpRequest) -> HttpResponse:
    try:
        keeper = selectors.access_keeper(uid=str(request.POST.get("keeper", "")))
    except DomainError:
        messages.error(request, _("Choose an appointment from the list to revoke."))
        return redirect("experts:keepers")
    return page_action(
        request,
        lambda: services.keeper_revoke(actor=actor_of(request), keeper=keeper),
        success=_("The appointment is revoked."),
        to=reverse("experts:keepers"),
    )
