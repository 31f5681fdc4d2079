"""The centre's own pool (docs/experts.md "The pool"): experts registered by the centre's staff, each keeping
its profile — a change it asks is applied once a staff member of its centre approved it — and recording
the days it cannot evaluate itself; staff suspend and reinstate. A status or availability changed shortly
before a draw is flagged to the supervisors when the list is fixed (`draws._changes_flag`).

    expert_register(actor=staff, centre="ln", name="王建国", id_number="…", phone="…", region="210102",
                    title="senior", field_since=2005, expertise="technical", specialties=["A01"],
                    employments=[{"uscc": "…", "employer": "…", "since": "2010-03-01"}])
    profile_change_submit(actor=expert_user, proposed={"phone": "…", "title": "full_senior"})
    profile_change_review(actor=staff, change=…, approve=True)
    unavailability_record(actor=expert_user, start=date(…), end=date(…))
    expert_status_set(actor=staff, expert=…, status="suspended", reason="…")
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from django.db import transaction

from ggzy.accounts import selectors as accounts
from ggzy.accounts.identifiers import InvalidIdentifier, is_mobile_number, validate_resident_id, validate_uscc
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import Sealed, lookup_for
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.services import event_record
from ggzy.experts.errors import ExpertsError
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.models import (
    ChangeState,
    Employment,
    Expert,
    Expertise,
    ExpertSpecialty,
    ExpertStatus,
    ProfileChange,
    Source,
    Specialty,
    Title,
    Unavailability,
)
from ggzy_sm import canonical

#: The most days ahead an expert records itself unavailable, and the longest stretch at once.
UNAVAILABLE_AHEAD = dt.timedelta(days=366)
#: What an expert may ask to change (its name and identity number are the centre's to correct).
CHANGEABLE = frozenset({"phone", "region", "title", "field_since", "expertise", "specialties", "employments"})
#: A change may name the employer the expert moved to: {"uscc", "employer", "since"} (`employer_changed`).
NEW_EMPLOYER = "new_employer"


def _staff_of(actor: Actor | None, centre: str) -> None:
    if actor is None or not accounts.staff_centres(actor).filter(code=centre).exists():
        raise DomainError(ExpertsError.POOL_DENIED)


def _region(centre: str) -> str:
    found = accounts.centre_by_code(centre)
    return found.region if found is not None else ""


def _event(type_: EventType, actor: Actor | None, expert: Expert, data: JSONDict) -> None:
    event_record(
        type=type_,
        actor=actor,
        data={"expert": str(expert.uid), **data},
        centre=expert.centre,
        region=_region(expert.centre),
    )


def _date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "date"}) from exc


def _bad(field: str) -> DomainError:
    return DomainError(ExpertsError.PROFILE_INVALID, detail={"field": field})


def _phone(value: object) -> str:
    phone = str(value or "").strip()
    if phone and not is_mobile_number(phone):
        raise _bad("phone")
    return phone


def _region_code(value: object) -> str:
    region = str(value or "")
    if len(region) != 6 or not region.isdigit():  # noqa: PLR2004  (GB/T 2260)
        raise _bad("region")
    return region


def _choice(field: str, value: object, allowed: list[str]) -> str:
    if value not in allowed:
        raise _bad(field)
    return str(value)


def _year(value: object, today: dt.date) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1950 <= value <= today.year:  # noqa: PLR2004
        raise _bad("field_since")
    return value


def _codes(value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        raise _bad("specialties")
    known = set(Specialty.objects.filter(code__in=value).values_list("code", flat=True))
    if set(value) - known:
        raise _bad("specialties")
    return sorted(set(value))


def _checked(fields: Mapping[str, object], *, today: dt.date) -> JSONDict:
    """The profile fields, each checked (a clear refusal naming the field, nothing written)."""
    checks = {
        "phone": _phone,
        "region": _region_code,
        "title": lambda v: _choice("title", v, Title.values),
        "field_since": lambda v: _year(v, today),
        "expertise": lambda v: _choice("expertise", v, Expertise.values),
        "specialties": _codes,
        "employments": lambda v: _employments(v, today=today),
    }
    return {name: check(fields[name]) for name, check in checks.items() if name in fields}


def _employments(value: object, *, today: dt.date) -> list[JSONDict]:
    if not isinstance(value, list):
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
    found: list[JSONDict] = []
    for row in value:
        if not isinstance(row, Mapping) or not str(row.get("employer") or "").strip():
            raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
        try:
            uscc = validate_uscc(str(row.get("uscc") or ""))
        except InvalidIdentifier as exc:
            raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"}) from exc
        since, until = _date(row.get("since")), _date(row.get("until"))
        if (since and since > today) or (until and until > today) or (since and until and until < since):
            raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
        found.append(
            {
                "uscc": uscc,
                "employer": str(row["employer"]).strip()[:100],
                "since": since.isoformat() if since else "",
                "until": until.isoformat() if until else "",
            }
        )
    return found


def _apply(expert: Expert, fields: JSONDict) -> None:
    """Write checked profile fields onto `expert` (its specialties and employers replaced as given)."""
    for name in ("region", "title", "field_since", "expertise"):
        if name in fields:
            setattr(expert, name, fields[name])
    expert.save()
    if "phone" in fields:
        expert.phone = fields["phone"]
        expert.save(update_fields=["phone"])
    if "specialties" in fields:
        ExpertSpecialty.objects.filter(expert=expert).delete()
        ExpertSpecialty.objects.bulk_create(
            ExpertSpecialty(expert=expert, code=c) for c in fields["specialties"]
        )
    if "employments" in fields:
        Employment.objects.filter(expert=expert).delete()
        Employment.objects.bulk_create(
            Employment(
                expert=expert,
                uscc=row["uscc"],
                employer=row["employer"],
                since=_date(row["since"]),
                until=_date(row["until"]),
            )
            for row in fields["employments"]
        )


def profile_of(expert: Expert) -> JSONDict:
    """The changeable part of an expert's profile, as a change would carry it."""
    phone = expert.phone
    return {
        "phone": phone.decrypt_for_system() if isinstance(phone, Sealed) else str(phone or ""),
        "region": expert.region,
        "title": expert.title,
        "field_since": expert.field_since,
        "expertise": expert.expertise,
        "specialties": sorted(expert.specialties.values_list("code", flat=True)),
        "employments": [
            {
                "uscc": e.uscc,
                "employer": e.employer,
                "since": e.since.isoformat() if e.since else "",
                "until": e.until.isoformat() if e.until else "",
            }
            for e in expert.employments.order_by("since", "id")
        ],
    }


@transaction.atomic
def expert_register(
    *,
    actor: Actor,
    centre: str,
    name: str,
    id_number: str,
    phone: str,
    region: str,
    title: str,
    field_since: int,
    expertise: str,
    specialties: list[str],
    employments: list[JSONDict],
    user: Actor | None = None,
) -> Expert:
    """An expert of `centre`'s pool, registered by its staff: the identity number checked (the birth date is
    read from it) and kept encrypted with its search hash, every profile field checked; once per person."""
    _staff_of(actor, centre)
    today = clock.local_now().date()
    name = " ".join(str(name).split())
    if not 1 < len(name) <= 50:  # noqa: PLR2004
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "name"})
    try:
        number = validate_resident_id(str(id_number), today=today)
    except InvalidIdentifier as exc:
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "id_number"}) from exc
    if Expert.objects.filter(id_number_lookup=lookup_for(Expert, "id_number", number)).exists():
        raise DomainError(ExpertsError.EXPERT_TWICE)
    if user is not None and Expert.objects.filter(user=user).exists():
        raise DomainError(ExpertsError.EXPERT_TWICE)
    fields = _checked(
        {
            "phone": phone,
            "region": region,
            "title": title,
            "field_since": field_since,
            "expertise": expertise,
            "specialties": specialties,
            "employments": employments,
        },
        today=today,
    )
    expert = Expert.objects.create(
        name=name,
        id_number=number,
        phone=fields["phone"],
        birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        region=fields["region"],
        title=fields["title"],
        field_since=fields["field_since"],
        expertise=fields["expertise"],
        source=Source.LOCAL,
        centre=centre,
        registered_at=clock.now(),
        user=user,
    )
    _apply(expert, {k: v for k, v in fields.items() if k in ("specialties", "employments")})
    _event(ExpertsEvents.EXPERT_REGISTERED, actor, expert, {"specialties": fields["specialties"]})
    return expert


def employer_changed(employments: object, new: object) -> list[JSONDict]:
    """An expert's employers after it moved to `new` ({"uscc", "employer", "since"}): every employer it was
    still with ends the day before `since`, and the new one begins that day (checked then with the rest by
    `_employments`). The avoidance rules read these dates: a procurement draw still avoids an employer left
    within three years (政府采购法实施条例 §9)."""
    if not isinstance(employments, list) or not isinstance(new, Mapping):
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
    since = _date(new.get("since"))
    if since is None:
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
    ended = (since - dt.timedelta(days=1)).isoformat()
    found: list[JSONDict] = []
    for given in employments:
        if not isinstance(given, Mapping):
            raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
        row = dict(given)
        if not row.get("until"):
            begun = _date(row.get("since"))
            if begun is not None and begun > since:  # it began after the move: not a move
                raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "employments"})
            row["until"] = ended
        found.append(row)
    found.append(
        {"uscc": new.get("uscc"), "employer": new.get("employer"), "since": since.isoformat(), "until": ""}
    )
    return found


@transaction.atomic
def profile_change_submit(*, actor: Actor, proposed: Mapping[str, object]) -> ProfileChange:
    """The expert's own request to change its profile; one pending at a time, reviewed by its centre."""
    expert = Expert.objects.filter(user=actor, source=Source.LOCAL).first() if actor is not None else None
    if expert is None:
        raise DomainError(ExpertsError.NOT_AN_EXPERT)
    unknown = set(proposed) - CHANGEABLE - {NEW_EMPLOYER}
    if unknown or not proposed:
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": ",".join(sorted(unknown)) or "-"})
    proposed = dict(proposed)
    if NEW_EMPLOYER in proposed:
        current = proposed["employments"] if "employments" in proposed else profile_of(expert)["employments"]
        proposed["employments"] = employer_changed(current, proposed.pop(NEW_EMPLOYER))
    fields = _checked(proposed, today=clock.local_now().date())
    if ProfileChange.objects.filter(expert=expert, state=ChangeState.PENDING).exists():
        raise DomainError(ExpertsError.CHANGE_PENDING)
    change = ProfileChange.objects.create(expert=expert, submitted_at=clock.now())
    change.proposed = canonical.dumps(fields).decode()
    change.save(update_fields=["proposed"])
    _event(
        ExpertsEvents.PROFILE_SUBMITTED, actor, expert, {"change": str(change.uid), "fields": sorted(fields)}
    )
    return change


def proposed_of(change: ProfileChange) -> JSONDict:
    value = change.proposed
    return dict(json.loads(value.decrypt_for_system() if isinstance(value, Sealed) else str(value)))


@transaction.atomic
def profile_change_review(
    *, actor: Actor, change: ProfileChange, approve: bool, note: str = ""
) -> ProfileChange:
    """A staff member of the expert's centre approves (the change applied, what it replaced kept) or
    rejects it (with a note); once."""
    change = ProfileChange.objects.select_for_update().select_related("expert").get(pk=change.pk)
    _staff_of(actor, change.expert.centre)
    if change.state != ChangeState.PENDING:
        raise DomainError(ExpertsError.CHANGE_DONE)
    if not approve and not note.strip():
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "note"})
    now = clock.now()
    if approve:
        fields = proposed_of(change)
        before = {k: v for k, v in profile_of(change.expert).items() if k in fields}
        _apply(change.expert, fields)
        change.before = canonical.dumps(before).decode()
    change.state = ChangeState.APPROVED if approve else ChangeState.REJECTED
    change.reviewed_by, change.reviewed_at, change.note = actor, now, note.strip()[:200]
    change.save()
    _event(
        ExpertsEvents.PROFILE_REVIEWED,
        actor,
        change.expert,
        {"change": str(change.uid), "state": change.state},
    )
    return change


@transaction.atomic
def unavailability_record(*, actor: Actor, start: dt.date, end: dt.date) -> Unavailability:
    """The expert records days it cannot evaluate (both included), from today to a year ahead."""
    expert = Expert.objects.filter(user=actor, source=Source.LOCAL).first() if actor is not None else None
    if expert is None:
        raise DomainError(ExpertsError.NOT_AN_EXPERT)
    today = clock.local_now().date()
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise DomainError(ExpertsError.UNAVAILABLE_INVALID)
    if start < today or end < start or end > today + UNAVAILABLE_AHEAD:
        raise DomainError(ExpertsError.UNAVAILABLE_INVALID)
    made = Unavailability.objects.create(expert=expert, start=start, end=end, recorded_at=clock.now())
    _event(
        ExpertsEvents.UNAVAILABLE_RECORDED,
        actor,
        expert,
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    return made


@transaction.atomic
def expert_status_set(*, actor: Actor, expert: Expert, status: str, reason: str) -> Expert:
    """Staff of the expert's centre suspend or reinstate it, with the reason; the instant is kept (a change
    shortly before a draw is flagged to the supervisors)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    _staff_of(actor, expert.centre)
    if status not in ExpertStatus.values or not reason.strip():
        raise DomainError(ExpertsError.PROFILE_INVALID, detail={"field": "status"})
    if expert.status == status:
        return expert
    expert.status, expert.status_changed_at = status, clock.now()
    expert.save(update_fields=["status", "status_changed_at"])
    _event(ExpertsEvents.STATUS_CHANGED, actor, expert, {"status": status, "reason": reason.strip()[:200]})
    return expert
