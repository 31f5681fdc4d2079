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
from django.utils.translation import pgettext, pgettext_lazy
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
from ggzy.experts.forms import (
    AnswerForm,
    DeclareForm,
    FeeForm,
    KeeperForm,
    MemberForm,
    MonthForm,
    ProfileChangeForm,
    ProfileForm,
    RatingForm,
    RegisterForm,
    RequestForm,
    ReviewForm,
    StatusForm,
    UnavailableForm,
)
from ggzy.experts.models import (
    Call,
    DrawRequest,
    Expert,
    Expertise,
    ExpertStatus,
    ProfileChange,
    Source,
    Specialty,
    Title,
)
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
    provincial = staff and services.uses_pool(found.centre)
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
        "provincial": provincial,
        "may_pool_draw": provincial and found.state == RequestState.REQUESTED and found.seed_draw is None,
        "may_pool_refresh": staff
        and found.source == Source.PROVINCIAL
        and bool(found.pool_draw)
        and found.state == RequestState.DRAWN,
        "may_checkin": staff and found.state == RequestState.DRAWN and selectors.bidders_known(found),
        "may_seed": staff
        and not provincial
        and found.state == RequestState.REQUESTED
        and found.seed_draw is None,
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
def fee(request: HttpRequest, request_uid: uuid.UUID, call_uid: uuid.UUID) -> HttpResponse:
    found = _staff_request(request, request_uid)
    call = Call.objects.filter(request=found, uid=call_uid).first()
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


@require_POST
@allow(Role.CENTRE_STAFF)
def checkin(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The day-before check: once the bid deadline passed, the called experts checked against the bidders."""
    found = _staff_request(request, request_uid)
    return page_action(
        request,
        lambda: services.checkin_check(actor=actor_of(request), request=found),
        success=lambda avoided: (
            _("The called experts are checked against the bidders: %(n)s avoided and replaced.")
            % {"n": avoided}
        ),
        to=_request_url(found),
    )


def _pool_refused(error: DomainError) -> str:
    """The pool's refusal with its reason, when it gave one."""
    reason = (error.detail or {}).get("reason") if isinstance(error.detail, dict) else None
    return f"{error.text()} {reason}" if reason else error.text()


@require_POST
@allow(Role.CENTRE_STAFF)
def provincial_draw(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The draw through the provincial expert pool, for a centre that uses it."""
    found = _staff_request(request, request_uid)
    return page_action(
        request,
        lambda: services.provincial_draw(actor=actor_of(request), request=found),
        success=_(
            "The provincial expert pool made the draw and called the experts; their names stay secret."
        ),
        to=_request_url(found),
        explain=_pool_refused,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def provincial_refresh(request: HttpRequest, request_uid: uuid.UUID) -> HttpResponse:
    """The experts' answers given to the provincial pool, fetched now (the tick does it too)."""
    found = _staff_request(request, request_uid)
    return page_action(
        request,
        lambda: services.provincial_refresh(request=found),
        success=lambda n: _("The answers are refreshed: %(n)s calls answered.") % {"n": n},
        to=_request_url(found),
        explain=_pool_refused,
    )


# --- the pool: the centre's staff ------------------------------------------------------------------------

#: The profile's fields in words (a refusal names the field; a change shows them).
FIELDS = {
    "name": pgettext_lazy("person", "Name"),
    "id_number": _lazy("Identity number"),
    "phone": _lazy("Mobile phone"),
    "region": _lazy("Region"),
    "title": _lazy("Professional title"),
    "field_since": _lazy("Working in the field since"),
    "expertise": _lazy("Expertise"),
    "specialties": _lazy("Specialties"),
    "employments": _lazy("Employers"),
    "note": _lazy("Note"),
    "status": _lazy("Status"),
    "date": _lazy("Date"),
    "username": _lazy("User name of the expert's account"),
}


def _field_named(error: DomainError) -> str:
    """The refusal, with the field it names in words."""
    field = (error.detail or {}).get("field") if isinstance(error.detail, dict) else None
    if not field:
        return error.text()
    named = "、".join(str(FIELDS.get(f, f)) for f in str(field).split(","))
    return error.text() + " " + _("Field: %(field)s.") % {"field": named}


def _pool_url() -> str:
    return reverse("experts:pool")


def _expert_url(expert: Expert) -> str:
    return reverse("experts:pool-expert", args=[expert.uid])


def _specialty_names(codes: list[str]) -> dict[str, str]:
    return dict(Specialty.objects.filter(code__in=codes).values_list("code", "name"))


def _shown(name: str, value: object, names: dict[str, str]) -> str:
    """A profile field's value in words."""
    if name == "title":
        return str(dict(Title.choices).get(str(value), value or "—"))
    if name == "expertise":
        return str(dict(Expertise.choices).get(str(value), value or "—"))
    if name == "specialties" and isinstance(value, list):
        return "、".join(f"{c} {names.get(c, '')}".strip() for c in value) or "—"
    if name == "employments" and isinstance(value, list):
        return (
            "；".join(
                f"{e.get('employer', '')}（{e.get('uscc', '')}）"
                f"{e.get('since', '') or '…'}—{e.get('until', '') or pgettext('until', 'now')}"
                for e in value
                if isinstance(e, dict)
            )
            or "—"
        )
    if name == "phone":
        return mask(Kind.PHONE, str(value or "")) if value else "—"
    return str(value) if value not in (None, "") else "—"


def _change_rows(change: ProfileChange) -> list[dict[str, str]]:
    """Each field the change proposes: what it is now and what is proposed."""
    proposed = services.proposed_of(change)
    current = services.profile_of(change.expert)
    codes = [*proposed.get("specialties", []), *current.get("specialties", [])]
    names = _specialty_names([c for c in codes if isinstance(c, str)])
    return [
        {
            "field": str(FIELDS.get(name, name)),
            "current": _shown(name, current.get(name), names),
            "proposed": _shown(name, value, names),
            "changed": "1" if current.get(name) != value else "",
        }
        for name, value in proposed.items()
    ]


def _pool_row(expert: Expert, pending: set[int], centres: dict[str, str]) -> dict[str, object]:
    return {
        "uid": expert.uid,
        "name": expert.name,
        "centre": centres.get(expert.centre, expert.centre),
        "id_masked": expert.id_masked or _masked_id(expert.id_number),
        "specialties": "、".join(sorted(s.code for s in expert.specialties.all())),
        "status": expert.get_status_display(),
        "status_code": expert.status,
        "source": expert.get_source_display(),
        "pending": expert.pk in pending,
    }


def _pool_page(request: HttpRequest, form: RegisterForm | None = None, status: int = 200) -> HttpResponse:
    codes = selectors.staff_codes(request.user)
    changes = selectors.pending_changes(request.user)
    pending = {c.expert_id for c in changes}
    centres = _centre_names()  # once per page, not once per row
    context = {
        "rows": [_pool_row(e, pending, centres) for e in selectors.pool_for_staff(request.user)],
        "pending_count": len(changes),
        "form": form or RegisterForm(centres=codes),
        "centres": codes,
    }
    return render(request, "experts/pool.html", context, status=status)


@allow(Role.CENTRE_STAFF)
def pool(request: HttpRequest) -> HttpResponse:
    """The experts of the viewer's centres (the identity number masked), with the form to register one."""
    return _pool_page(request)


@require_POST
@allow(Role.CENTRE_STAFF)
def pool_register(request: HttpRequest) -> HttpResponse:
    """An expert registered in the pool of one of the viewer's centres, every field checked."""
    form = RegisterForm(request.POST, centres=selectors.staff_codes(request.user))

    def register() -> Expert:
        data = form.cleaned_data
        user = None
        username = str(data.get("username") or "").strip()
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "username"})
        return services.expert_register(
            actor=actor_of(request),
            centre=data["centre"],
            name=data["name"],
            id_number=str(data["id_number"]).strip().upper(),
            employments=form.employments(),
            user=user,
            **form.profile(),
        )

    def again(text: str) -> HttpResponse:
        form.add_error(None, text)
        return _pool_page(request, form, status=400)

    return page_action(
        request,
        register,
        success=_("The expert is registered in the pool."),
        to=_expert_url,
        failure=again,
        explain=_field_named,
        form=form,
        invalid=lambda f: next((str(e) for errs in f.errors.values() for e in errs), ""),
    )


@allow(Role.CENTRE_STAFF)
def pool_expert(request: HttpRequest, expert_uid: uuid.UUID) -> HttpResponse:
    """One expert of the viewer's centres: its profile, status with suspend and reinstate, its changes."""
    expert = selectors.access_expert(viewer=request.user, uid=expert_uid)
    codes = list(expert.specialties.values_list("code", flat=True).order_by("code"))
    names = _specialty_names(codes)
    pending = selectors.pending_change_of(expert)
    context = {
        "expert": expert,
        "id_masked": expert.id_masked or _masked_id(expert.id_number),
        "specialties": [(code, names.get(code, "")) for code in codes],
        "employments": list(expert.employments.order_by("-since")),
        "unavailable": list(expert.unavailable.order_by("-start")),
        "status_changed_at": _when(expert.status_changed_at),
        "registered_at": _when(expert.registered_at),
        "next_status": ExpertStatus.ACTIVE
        if expert.status == ExpertStatus.SUSPENDED
        else ExpertStatus.SUSPENDED,
        "pending": pending,
        "pending_rows": _change_rows(pending) if pending is not None else [],
        "changes": [
            {
                "change": c,
                "state": c.get_state_display(),
                "submitted_at": _when(c.submitted_at),
                "reviewed_at": _when(c.reviewed_at),
            }
            for c in selectors.changes_of(expert)
        ],
        "review_form": ReviewForm(),
    }
    return render(request, "experts/pool_expert.html", context)


@require_POST
@allow(Role.CENTRE_STAFF)
def pool_status(request: HttpRequest, expert_uid: uuid.UUID) -> HttpResponse:
    """Suspend or reinstate the expert, with the reason."""
    expert = selectors.access_expert(viewer=request.user, uid=expert_uid)
    form = StatusForm(request.POST)
    return page_action(
        request,
        lambda: services.expert_status_set(
            actor=actor_of(request),
            expert=expert,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        ),
        success=lambda done: (
            _("The expert is suspended: it is left out of the eligible lists fixed from now on.")
            if done.status == ExpertStatus.SUSPENDED
            else _("The expert is reinstated.")
        ),
        to=_expert_url(expert),
        explain=_field_named,
        form=form,
    )


@allow(Role.CENTRE_STAFF)
def pool_changes(request: HttpRequest) -> HttpResponse:
    """The profile changes awaiting review, each field's current and proposed value."""
    rows = [
        {"change": c, "submitted_at": _when(c.submitted_at), "fields": _change_rows(c)}
        for c in selectors.pending_changes(request.user)
    ]
    return render(request, "experts/pool_changes.html", {"rows": rows, "review_form": ReviewForm()})


@require_POST
@allow(Role.CENTRE_STAFF)
def change_review(request: HttpRequest, change_uid: uuid.UUID) -> HttpResponse:
    """Approve a change (it is applied) or reject it with a note."""
    change = selectors.access_change(viewer=request.user, uid=change_uid)
    form = ReviewForm(request.POST)
    back = str(request.POST.get("back") or "")
    to = _expert_url(change.expert) if back == "expert" else reverse("experts:pool-changes")
    return page_action(
        request,
        lambda: services.profile_change_review(
            actor=actor_of(request),
            change=change,
            approve=form.cleaned_data["decision"] == "approve",
            note=str(form.cleaned_data.get("note") or ""),
        ),
        success=lambda done: (
            _("The change is approved and applied to the expert's profile.")
            if done.state == "approved"
            else _("The change is rejected; the expert reads your note.")
        ),
        to=to,
        explain=_field_named,
        form=form,
    )


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
def rate(request: HttpRequest, request_uid: uuid.UUID, call_uid: uuid.UUID) -> HttpResponse:
    found = _party_request(request, request_uid)
    call = Call.objects.filter(request=found, uid=call_uid).first()
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
            "uid": c.uid,
            "evaluation_at": _when(c.request.evaluation_at),
            "place": c.request.place,
            "role": c.get_role_display(),
            "answer": c.get_answer_display(),
            "limit": _when(services.answer_limit(c)),
            "open": c.answer == Answer.PENDING and now <= services.answer_limit(c),
            "declare": c.answer in (Answer.PENDING, Answer.ACCEPTED)
            and c.request.state == RequestState.DRAWN
            and now < c.request.evaluation_at,
        }
        for c in selectors.calls_of_expert(request.user)
    ]
    return render(request, "experts/calls.html", {"rows": rows, "expert": selectors.expert_of(request.user)})


@require_POST
@allow(Role.EXPERT)
def answer(request: HttpRequest, call_uid: uuid.UUID) -> HttpResponse:
    call = selectors.access_call(viewer=request.user, uid=call_uid)
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


def _profile_page(
    request: HttpRequest,
    *,
    change_form: ProfileForm | None = None,
    unavailable_form: UnavailableForm | None = None,
    status: int = 200,
) -> HttpResponse:
    expert = selectors.expert_of(request.user)
    context: dict[str, object] = {"expert": expert}
    if expert is not None:
        codes = list(expert.specialties.values_list("code", flat=True).order_by("code"))
        names = _specialty_names(codes)
        pending = selectors.pending_change_of(expert)
        context |= {
            "id_masked": expert.id_masked or _masked_id(expert.id_number),
            "specialties": [(code, names.get(code, "")) for code in codes],
            "employments": list(expert.employments.order_by("-since")),
            "unavailable": list(expert.unavailable.order_by("-start")),
            "local": expert.source == Source.LOCAL,
            "pending": pending,
            "pending_rows": _change_rows(pending) if pending is not None else [],
            "last": next(
                (
                    {"change": c, "state": c.get_state_display(), "reviewed_at": _when(c.reviewed_at)}
                    for c in selectors.changes_of(expert)
                    if c.reviewed_at is not None
                ),
                None,
            ),
            "change_form": change_form or ProfileChangeForm(initial=services.profile_of(expert)),
            "unavailable_form": unavailable_form or UnavailableForm(),
        }
    return render(request, "experts/profile.html", context, status=status)


@allow(Role.EXPERT)
def profile(request: HttpRequest) -> HttpResponse:
    """The expert's own record, with a change to ask its centre and the days it cannot evaluate."""
    return _profile_page(request)


def _form_error(form: object) -> str:
    errors = getattr(form, "errors", {})
    return next((str(e) for errs in errors.values() for e in errs), "")


@require_POST
@allow(Role.EXPERT)
def profile_change(request: HttpRequest) -> HttpResponse:
    """The expert asks its centre to change its profile (applied once a staff member approves it)."""
    form = ProfileChangeForm(request.POST)

    def again(text: str) -> HttpResponse:
        form.add_error(None, text)
        return _profile_page(request, change_form=form, status=400)

    return page_action(
        request,
        lambda: services.profile_change_submit(actor=actor_of(request), proposed=form.profile()),
        success=_("Your change is sent to the centre; it is applied once a staff member approves it."),
        to=reverse("experts:profile"),
        failure=again,
        explain=_field_named,
        form=form,
        invalid=_form_error,
    )


@require_POST
@allow(Role.EXPERT)
def unavailable(request: HttpRequest) -> HttpResponse:
    """The expert records days it cannot evaluate: it is left out of the draws on those days."""
    form = UnavailableForm(request.POST)

    def again(text: str) -> HttpResponse:
        form.add_error(None, text)
        return _profile_page(request, unavailable_form=form, status=400)

    return page_action(
        request,
        lambda: services.unavailability_record(
            actor=actor_of(request), start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        ),
        success=_("The days are recorded: you are not drawn on them."),
        to=reverse("experts:profile"),
        failure=again,
        form=form,
        invalid=_form_error,
    )


@require_POST
@allow(Role.EXPERT)
def declare(request: HttpRequest, call_uid: uuid.UUID) -> HttpResponse:
    """The expert's own declaration before the evaluation: no conflict, or a conflict (the next is called)."""
    call = selectors.access_call(viewer=request.user, uid=call_uid)
    form = DeclareForm(request.POST)
    return page_action(
        request,
        lambda: services.call_declare(
            actor=actor_of(request), call=call, conflict=form.cleaned_data["conflict"] == "yes"
        ),
        success=lambda done: (
            _(
                "You declared a conflict: you are withdrawn from this evaluation and the next expert is"
                " called."
            )
            if done.answer == Answer.AVOIDED
            else _("You declared no conflict with the parties.")
        ),
        to=reverse("experts:calls"),
        form=form,
        invalid=_("Declare either no conflict or a conflict."),
    )


# --- the security administrator ----------------------------------------------------------------------------


def _centre_choices() -> list[tuple[str, str]]:
    from ggzy.accounts.selectors import centre_list

    return [(c.code, c.name) for c in centre_list()]


def _centre_names() -> dict[str, str]:
    """Each centre's name by its code (people read the name, not the code)."""
    return dict(_centre_choices())


@allow(Role.SECURITY_ADMIN)
def keepers(request: HttpRequest) -> HttpResponse:
    """Who prints each centre's experts' lists (standard 6.6.3): appointed and revoked here."""
    centres = _centre_names()  # once per page, not once per row
    rows = [
        {
            "uid": k.uid,
            "centre": centres.get(k.centre, k.centre),
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
