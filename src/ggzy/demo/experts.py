"""The demo's evaluation experts (issue 33): a local pool and a draw request in every state, made through
`experts.services` with the demo's beacons and co-signers running (`demo_load` calls it inside `witness`, on
the present clock, after `draws` and `opening`).

* **the pool** — the demo's forty expert users (`expert`, 刘芳, and `expert01`…`expert39`, their accounts and
  Role.EXPERT opened by `demo_load`), each an `Expert` linked to its user: family name first, a Liaoning
  region, the identity number of the person the demo CA registered for the user (else one made valid
  here), a title and years in the field, employers with dates, specialties of a few demo codes. Among them:
  one employed by a bidder (辽宁天成建设集团, the demo bidder), one who left a bidder within the last 3 years,
  one related to a bidder, one suspended, one unavailable on the evaluation days, three without a senior
  title. The specialty codes are **not** the national classification's (发改法规〔2018〕316号: its text was
  not available): `Z9…` rows (outside the national scheme's letters A 工程, B 货物, C 服务) marked
  unverified, to be replaced by the centre's load of the real table.
  There is no pool service yet (registering an expert, staff review): the rows are written here directly.
* **requested** — the rules and counts recorded (a section of another tender project);
* **fixed** — the Guanyinge reservoir's section: its seed committed, the eligible list fixed and hashed;
* **drawn** — the "opening today" section: the seed revealed, the experts called; the first member declines
  in his own name (`call_answer` as the expert's user) and the next of the same order is called, the others
  accept; the bidder's employee is excluded (the counts per rule are on the request);
* **pushed** — the school building's section, opened in the history (`sealing`'s opened stage), its
  evaluation after its opening; a demo loaded when the history had no room for that opening (the section's
  opening still ahead) takes another section instead, one no other request has: the draw, the initiator's
  representative entered before the push, the roster signed and pushed by the tick job (`rosters_push`)
  at its time, the keeper appointed by the security administrator printing it once, then the fees and the
  ratings. Its evaluation is on the present clock (this module runs after the history): it is set
  `PUSHED_AFTER` seconds after the request and the module waits for it to pass — a compressed evaluation,
  not one written in the history.
* **provincial** — when the demo's provincial expert pool is configured (`ggzy.demo.expertpool`; `make
  demo`: for the provincial centre ln, GGZY_EXPERT_POOL_CENTRES, while sy keeps the local pool): a section
  of that centre no other request has is drawn by the pool (`provincial_draw`, the pool running), in the
  pool's demo specialty codes (`expertpool.CODES`: the same `Z9…` codes); the first
  principal declines to the pool (its test control, as he would by phone), the pool's replacement is read
  (`provincial_refresh`) and every other call accepted the same way. Made, drawn and answered once each:
  a second run finishes what an earlier one could not (the pool was down) and changes nothing else.

The seeds need the beacons (GGZY_BEACONS) and the co-signers (GGZY_COSIGNERS): without them only the pool
and the requested request are made. Once: a database that has draw requests is left alone (but for the
provincial request, see above)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ggzy.accounts.identifiers import resident_id_check_char
from ggzy.accounts.models import Organisation, Person
from ggzy.calendar.calc import SHANGHAI, Calendar
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import Sealed
from ggzy.core.types import Actor
from ggzy.demo import beacons, expertpool
from ggzy.demo.accounts import uscc
from ggzy.experts import services
from ggzy.experts.models import (
    Call,
    DrawRequest,
    Employment,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    Fee,
    Rating,
    Relation,
    RelationKind,
    Source,
    Specialty,
    Title,
    Unavailability,
)
from ggzy.experts.states import Answer, CallRole, MemberKind, RequestState
from ggzy.randomness.beacons import configured
from ggzy.registry.models import Section
from ggzy.witness.services import configured_cosigners, cosign_collect, sth_sign, witness_integrate

#: Demo specialty codes (not the national classification's: see the module).
SOURCE = "演示：待按发改法规〔2018〕316号核对"
SPECIALTIES = (
    ("Z9A01", "房屋建筑工程（演示代码）"),
    ("Z9A02", "市政公用工程（演示代码）"),
    ("Z9A03", "水利水电工程（演示代码）"),
    ("Z9A04", "工程造价（演示代码）"),
    ("Z9B01", "教学仪器设备（演示代码）"),
)
#: What each request needs: a committee of five, four from the pool (招标投标法 §37: at least two thirds),
#: the fifth the initiator's representative.
NEEDS = {"Z9A01": {"count": 3, "reserves": 1}, "Z9A04": {"count": 1, "reserves": 1}}
COMMITTEE = 5
#: The provincial request's needs, in the pool's codes (`expertpool.CODES`): other specialties than the local
#: requests' (`NEEDS`), which is how a later run finds it again before it is drawn.
PROVINCIAL_NEEDS = {
    expertpool.CODES["Z9A01"]: {"count": 3, "reserves": 1},
    expertpool.CODES["Z9A02"]: {"count": 1, "reserves": 1},
}
#: The pushed request's evaluation, this many seconds after it is made (see the module).
PUSHED_AFTER = 45
#: Liaoning regions (GB/T 2260) the experts live in.
REGIONS = (
    "210102", "210103", "210104", "210105", "210106", "210112", "210202", "210203", "210211", "210302",
    "210402", "210502", "210603", "210702", "210802", "210902", "211002", "211102", "211202", "211302",
    "211402",
)  # fmt: skip
#: Employers that are no party to the demo's trades: (credit-code serial, region, kind, name). Serials of
#: their own (71… to 74… are the demo organisations' and the libraries' shareholders').
EMPLOYERS = (
    (76000001, "210102", "12", "沈阳建筑大学"),
    (76000002, "210100", "91", "辽宁省建筑设计研究院有限责任公司"),
    (76000003, "210100", "91", "中国建筑东北设计研究院有限公司"),
    (76000004, "210200", "12", "大连理工大学"),
    (76000005, "210100", "91", "沈阳市市政工程设计研究院有限公司"),
    (76000006, "210100", "91", "辽宁省水利水电勘测设计研究院有限责任公司"),
    (76000007, "210300", "91", "中冶北方（大连）工程技术有限公司"),
    (76000008, "210100", "91", "辽宁正和工程造价咨询有限公司"),
    (76000009, "210100", "12", "东北大学"),
    (76000010, "210700", "12", "辽宁工业大学"),
)
#: The pool's special cases, by the expert's index (0: the demo login `expert`).
BIDDER_EMPLOYEE = 2  # works for the demo bidder 辽宁天成建设集团 now: avoided in its sections
LEFT_BIDDER = 10  # left 沈阳华宇路桥 two years ago: avoided in procurement (3 years)
RELATED = 8  # a close relative of 沈阳华宇路桥's legal representative (declared)
SUSPENDED = 4
UNAVAILABLE = 6  # away on the evaluation days
INTERMEDIATE = (5, 12, 14)  # no senior title: not for engineering (招标投标法 §37)
#: Who acts: the keeper each centre's security administrator appoints, and the administrator.
KEEPERS = {"ln": "staff", "sy": "sy-staff"}
SECADMIN = "secadmin"
EXPERT_LOGIN = "expert"


def _seal() -> None:
    """Bring what was recorded into the log and have a head co-signed (the co-signers are running)."""
    while witness_integrate():
        pass
    sth_sign(force=True)
    cosign_collect()


def _user(username: str) -> Actor:
    return get_user_model().objects.get(username=username)


def _plain(value: object) -> str:
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value)


def _org(key: str) -> Organisation:
    """A demo organisation by its key in `demo_load.ORGANISATIONS`."""
    from ggzy.demo.management.commands.demo_load import ORGANISATIONS

    for found, name, *_rest in ORGANISATIONS:
        if found == key:
            return Organisation.objects.get(name=name)
    raise KeyError(key)


def _identity(user: Actor, n: int, region: str) -> tuple[str, dt.date]:
    """The identity number of the person the demo registered for `user` (its certificate's), else one made
    valid here; and the birth date it carries."""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        number = _plain(person.id_number)
    else:
        first17 = f"{region}{1962 + n % 25}{n % 12 + 1:02d}{n % 27 + 1:02d}{100 + n:03d}"
        number = first17 + resident_id_check_char(first17)
    return number, dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@transaction.atomic
def _pool() -> None:
    """The specialties and the forty experts (once)."""
    if Specialty.objects.filter(code__startswith="Z9").exists():
        return
    for code, name in SPECIALTIES:
        Specialty.objects.create(code=code, name=name, source=SOURCE, verified=False)
    now = clock.now()
    today = clock.local_now().date()
    users = [_user(EXPERT_LOGIN), *(_user(f"expert{n:02d}") for n in range(1, 40))]
    bidder, left, related = _org("tcjs"), _org("hylq"), _org("hylq")
    for i, user in enumerate(users):
        region = REGIONS[i % len(REGIONS)]
        number, born = _identity(user, i, region)
        senior = i not in INTERMEDIATE
        expert = Expert.objects.create(
            name=f"{user.last_name}{user.first_name}",
            id_number=number,
            phone=f"135{40000000 + i * 7919:08d}",
            birth_date=born,
            region=region,
            title=(Title.FULL_SENIOR if i % 3 == 0 else Title.SENIOR) if senior else Title.INTERMEDIATE,
            field_since=min(born.year + 23 + i % 4, today.year - 3),
            status=ExpertStatus.SUSPENDED if i == SUSPENDED else ExpertStatus.ACTIVE,
            status_changed_at=now - dt.timedelta(days=12) if i == SUSPENDED else None,
            user=user,
            centre="sy" if i % 4 == 3 else "ln",  # noqa: PLR2004
            registered_at=now,
        )
        codes = ["Z9A01"] if i % 2 == 0 else ["Z9A04"] if i % 4 == 1 else ["Z9A02"]
        if i % 8 == 3:  # noqa: PLR2004
            codes.append("Z9A03")
        if i % 5 == 0:
            codes.append("Z9B01")
        ExpertSpecialty.objects.bulk_create(ExpertSpecialty(expert=expert, code=code) for code in codes)
        serial, where, kind, employer = EMPLOYERS[i % len(EMPLOYERS)]
        hired = dt.date(max(born.year + 24, 1990), 7, 1)
        if i == BIDDER_EMPLOYEE:
            Employment.objects.create(
                expert=expert,
                uscc=uscc(serial, where, kind),
                employer=employer,
                since=hired,
                until=dt.date(2015, 6, 30),
            )
            Employment.objects.create(
                expert=expert, uscc=bidder.uscc, employer=bidder.name, since=dt.date(2015, 7, 1)
            )
        elif i == LEFT_BIDDER:
            moved = today - dt.timedelta(days=2 * 365)
            Employment.objects.create(
                expert=expert,
                uscc=left.uscc,
                employer=left.name,
                since=hired,
                until=moved - dt.timedelta(days=1),
            )
            Employment.objects.create(
                expert=expert, uscc=uscc(serial, where, kind), employer=employer, since=moved
            )
        else:
            Employment.objects.create(
                expert=expert, uscc=uscc(serial, where, kind), employer=employer, since=hired
            )
        if i == RELATED:
            Relation.objects.create(
                expert=expert,
                uscc=related.uscc,
                kind=RelationKind.RELATIVE,
                note="申报：配偶为该公司法定代表人",
            )
        if i == UNAVAILABLE:
            Unavailability.objects.create(
                expert=expert,
                start=today,
                end=today + dt.timedelta(days=14),
                recorded_at=now - dt.timedelta(days=7),
            )


def _sections() -> dict[str, Section | None]:
    """The sections of the four requests: the sealed bids' three stages, and another tender project's."""
    from ggzy.demo import sealing

    opened, today, bidding = sealing.stages()
    chosen: dict[str, Section | None] = {"drawn": today, "fixed": bidding}
    # the pushed request's evaluation (on the present clock) is after the opened section's opening
    window = getattr(opened, "bid_window", None)
    if opened is not None and window is not None and window.opening_at < clock.now():
        chosen["pushed"] = opened
    used = {s.pk for s in chosen.values() if s is not None}
    rest = iter(Section.objects.exclude(pk__in=used).select_related("centre").order_by("code"))
    for key in ("requested", "fixed", "drawn", "pushed"):
        if chosen.get(key) is None:
            chosen[key] = next(rest, None)
            if chosen[key] is not None:
                used.add(chosen[key].pk)  # type: ignore[union-attr]
    return chosen


def _working_day(after: int) -> dt.date:
    """The `after`-th working day after today (Beijing time)."""
    return Calendar("ln").add_working_days(clock.local_now().date(), after)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=SHANGHAI)


def _acting(section: Section) -> Actor:
    """The user who acts for the section's trade: its agent's, or its initiator's when it tenders itself."""
    project = section.tender_project.project
    organisation = project.agent or project.initiator
    return get_user_model().objects.filter(memberships__organisation=organisation).order_by("pk")[0]


def _request(
    section: Section, evaluation_at: dt.datetime, needs: dict[str, dict[str, int]] = NEEDS, **fields: object
) -> DrawRequest:
    centre = section.centre
    return services.request_make(
        actor=_acting(section),
        centre=centre.code,
        region=centre.region,
        evaluation_at=evaluation_at,
        place=f"{centre.name} 评标区 第{3 if centre.code == 'ln' else 2}评标室",
        needs=needs,
        committee=COMMITTEE,
        section=section,
        engineering=True,
        avoid=services.avoid_for_section(section, day=evaluation_at.astimezone(SHANGHAI).date()),
        **fields,  # type: ignore[arg-type]
    )


def _own(call: Call) -> Actor:
    """The called expert's own user (every demo expert has one): only he answers his call."""
    user = call.expert.user
    assert user is not None  # noqa: S101  (the pool links each expert to its user)
    return user


def _answer_all(request: DrawRequest) -> None:
    """Every call still pending, accepted by its expert."""
    for call in Call.objects.filter(request=request, answer=Answer.PENDING).select_related("expert__user"):
        services.call_answer(actor=_own(call), call=call, answer=Answer.ACCEPTED)


def _representative(request: DrawRequest, section: Section) -> None:
    """The initiator's representative, entered by whoever acts for its trade before the push."""
    initiator = section.tender_project.project.initiator
    first17 = "21011219780512023"
    services.member_enter(
        actor=_acting(section),
        request=request,
        kind=MemberKind.REPRESENTATIVE,
        name="赵文华",
        id_number=first17 + resident_id_check_char(first17),
        employer_uscc=initiator.uscc,
        employer=initiator.name,
        specialty="Z9A01",
    )


def _draws(sections: dict[str, Section]) -> None:
    """The fixed, drawn and pushed requests (the beacons and co-signers running)."""
    fixed = _request(sections["fixed"], _at(_working_day(12), 14))
    drawn = _request(sections["drawn"], _at(_working_day(1), 14))
    evaluation = clock.now() + dt.timedelta(seconds=PUSHED_AFTER)
    pushed = _request(sections["pushed"], evaluation, push_at=evaluation)
    with beacons.running():
        made = [services.seed_open(request=r) for r in (fixed, drawn, pushed)]
        _seal()
        fixed, drawn, pushed = (services.request_fix(actor=None, request=r) for r in made)
        pushed = services.request_draw(actor=None, request=pushed)
        _answer_all(pushed)
        _representative(pushed, sections["pushed"])
        drawn = services.request_draw(actor=None, request=drawn)
    first = Call.objects.filter(request=drawn, role=CallRole.PRINCIPAL).select_related("expert__user").first()
    assert first is not None  # noqa: S101  (drawn above)
    services.call_answer(actor=_own(first), call=first, answer=Answer.DECLINED)  # his own answer
    _answer_all(drawn)  # the replacement too
    _seal()
    while clock.now() <= pushed.evaluation_at:  # the compressed evaluation begins (see the module)
        time.sleep(1)
    services.rosters_push()
    centre = pushed.centre
    keeper = _user(KEEPERS.get(centre, "staff"))
    services.keeper_appoint(actor=_user(SECADMIN), centre=centre, user=keeper)
    pushed.refresh_from_db()
    services.roster_print(actor=keeper, request=pushed)
    rater = _acting(sections["pushed"])
    sat = Call.objects.filter(request=pushed, answer=Answer.ACCEPTED).exclude(role=CallRole.RESERVE)
    for n, call in enumerate(sat.order_by("sequence")):  # the reserves stood by: no fee, no rating
        services.fee_record(
            actor=keeper,
            call=call,
            amount_fen=80000,
            hours=Decimal("4.0"),
            basis="演示：半天评审（按中心现行标准核对）",
        )
        services.rating_record(
            actor=rater, call=call, score=5 - n % 2, conduct="good", note="按时到场，独立评审，评审意见清楚。"
        )
    _seal()


def _provincial_request() -> DrawRequest | None:
    """The demo's request drawn by the provincial pool: the one of its needs, made here if missing
    (for a section of the pool's centre no other request has); None when no section is left."""
    for found in DrawRequest.objects.filter(section__isnull=False).order_by("pk"):
        if found.source == Source.PROVINCIAL or set(found.needs) == set(PROVINCIAL_NEEDS):
            return found
    centre = next(
        (c.strip() for c in str(settings.GGZY_EXPERT_POOL_CENTRES or "").split(",") if c.strip()), ""
    )
    sections = Section.objects.exclude(pk__in=DrawRequest.objects.values("section")).order_by("code")
    section = (sections.filter(centre__code=centre) if centre else sections).first()
    if section is None or not services.uses_pool(section.centre.code):
        return None
    return _request(section, _at(_working_day(3), 9), needs=PROVINCIAL_NEEDS)


def _provincial() -> None:
    """The provincial draw (see the module): drawn by the pool, the first principal's decline and the
    others' acceptances given to the pool and read back; each step once."""
    request = _provincial_request()
    if request is None:
        return
    calls = Call.objects.filter(request=request)
    if request.state == RequestState.DRAWN and not calls.filter(answer=Answer.PENDING).exists():
        return  # done
    with expertpool.running() as url:
        if url is None:
            return
        if request.state == RequestState.REQUESTED:
            request = services.provincial_draw(actor=None, request=request)
        if not calls.filter(answer=Answer.DECLINED).exists():
            first = calls.filter(role=CallRole.PRINCIPAL).select_related("expert").order_by("sequence")[0]
            expertpool.answer(url, draw=request.pool_draw, expert=first.expert.pool_id, reply="decline")
            services.provincial_refresh(request=request)  # the pool's replacement called
        pending = calls.filter(answer=Answer.PENDING).select_related("expert")
        for call in pending.order_by("sequence"):
            expertpool.answer(url, draw=request.pool_draw, expert=call.expert.pool_id, reply="accept")
        services.provincial_refresh(request=request)
    if configured_cosigners():
        _seal()


def load(say: Callable[[str], object]) -> None:
    """The pool and the requests (once: see the module)."""
    if not settings.GGZY_SANDBOX or not get_user_model().objects.filter(username=EXPERT_LOGIN).exists():
        return
    _pool()
    if not DrawRequest.objects.exists():
        sections = _sections()
        requested = sections["requested"]
        if requested is not None:
            _request(requested, _at(_working_day(15), 9))
        if configured() and configured_cosigners() and all(sections.values()):
            _draws({key: s for key, s in sections.items() if s is not None})
    if services.pool_configured() is not None:
        try:
            _provincial()
        except DomainError as exc:  # the pool refusing or unavailable: a later run asks again
            say(
                f"The provincial expert pool's draw was not made ({exc.code}: {exc.detail});"
                " run demo_load again"
            )
    say(
        f"Evaluation experts ({summary()}): the expert login {EXPERT_LOGIN}, the roster keepers"
        f" {', '.join(KEEPERS.values())}; `ggzy experts verify-draw <request>` recomputes a draw"
    )


def summary() -> str:
    requests = DrawRequest.objects.exclude(source=Source.PROVINCIAL)
    states = ", ".join(f"{state} {requests.filter(state=state).count()}" for state in RequestState.values[:4])
    replaced = Call.objects.filter(replaces__isnull=False).exclude(request__source=Source.PROVINCIAL)
    drawn = requests.filter(state=RequestState.DRAWN).first()
    excluded = int(drawn.exclusions.get("employer", 0)) if drawn is not None else 0
    provincial = DrawRequest.objects.filter(source=Source.PROVINCIAL)
    by_pool = Call.objects.filter(request__in=provincial, replaces__isnull=False).count()
    return (
        f"pool {Expert.objects.exclude(source=Source.PROVINCIAL).count()}, requests: {states};"
        f" replacements {replaced.count()}, the drawn one excluding {excluded} for their employer;"
        f" drawn by the provincial pool {provincial.count()} (replacements {by_pool});"
        f" fees {Fee.objects.count()}, ratings {Rating.objects.count()}"
    )
