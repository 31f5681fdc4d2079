"""Every list — each API operation that answers a list and each page that shows one — makes as many
database queries for 20 rows as for 1 (issue 20): a list selector fetches what its rows show with
select_related, prefetch_related or an annotation, never one query per row.

Each case adds rows the viewer sees, asks once to warm the process's caches, counts the queries of
the list with one row, adds 19 more and counts again; the answer must show every row added. A new
list endpoint or page adds its case to CASES. Lists of constants (the role table, the endpoint
declarations), pages without rows and the back office (Django's admin) are not cases.

Run it on PostgreSQL too (`GGZY_TEST_POSTGRES`): there every reading of the platform's clock is a
query, so a list that reads the clock once per row grows there only."""

from __future__ import annotations

import collections
import datetime as dt
import html
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ggzy.accounts import changes, parties
from ggzy.accounts.services import token_create
from ggzy.calendar.models import LocalPeriodRule, PeriodRule
from ggzy.certs import services as certs
from ggzy.certs.models import BoundCertificate
from ggzy.core import clock
from ggzy.core.access import token_scopes
from ggzy.core.models import Purpose
from ggzy.core.roles import Role
from ggzy.events.models import DeliveryAttempt
from ggzy.events.notifications import Recipient, notify
from ggzy.events.states import DeliveryChannel
from ggzy.ops.services import key_rotate
from ggzy.registry.models import Blob, Checklist, ChecklistItem, Leave, Section, Template, TradingCategory
from ggzy.sealing.models import BidWindow, SealedBid
from ggzy.service import indexing
from ggzy.service import services as service
from ggzy.service.models import FaqEntry
from ggzy.witness import services as witness
from ggzy.witness.models import EpochStatement
from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import default_organisation, make_uscc
from tests.registry.conftest import World, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
MANY = 20
DAY = dt.timedelta(days=1)
_serial = itertools.count(1)


@dataclass
class Scene:
    """The registry's world and the other people who look at lists."""

    world: World
    sysadmin: Any
    secadmin: Any
    responder: Any

    @property
    def agent(self) -> Any:
        return self.world.agent_user

    @property
    def staff(self) -> Any:
        return self.world.staff[0]


@pytest.fixture
def scene(world: World, make_user: Callable[..., Any]) -> Scene:  # noqa: F811  (the fixture)
    return Scene(
        world, make_user(Role.SYSTEM_ADMIN), make_user(Role.SECURITY_ADMIN), make_user(Role.RESPONDER)
    )


def n_of(n: int) -> list[int]:
    """n fresh numbers, for names no earlier row of the test has."""
    return [next(_serial) for _ in range(n)]


# --- rows, each builder adds n and returns what each shows -------------------------------------------
def tokens(s: Scene, n: int) -> list[str]:
    names = [f"qc-token-{k}" for k in n_of(n)]
    for name in names:
        token_create(user=s.agent, name=name, days=1, scopes=sorted(token_scopes()))
    return names


def organisations(s: Scene, n: int) -> list[str]:
    found = []
    for k in n_of(n):
        found.append(
            parties.organisation_register(
                actor=None, uscc=make_uscc(), name=f"qc-org-{k}", legal_representative="张",
                contact_name="李", contact_phone="13900000001",
            ).uscc
        )  # fmt: skip
    return found


def entrustments(s: Scene, n: int) -> list[str]:
    """Entrustments the initiator gave the agent's organisation, each for a project code."""
    now = clock.now()
    projects = [f"2026-210100-48-01-{k:06d}" for k in n_of(n)]
    for project in projects:
        parties.entrustment_create(
            actor=s.world.initiator_user, initiator=s.world.initiator, agent=s.world.agent, project=project,
            scope="招标代理", valid_from=now - DAY, valid_until=now + 365 * DAY,
        )  # fmt: skip
    return projects


def applications(s: Scene, n: int) -> list[str]:
    """Organisations that registered themselves with the staff's centre, awaiting verification (the rows
    as the registration leaves them; tests/accounts/test_self_registration.py goes through the page)."""
    from ggzy.accounts.models import OrganisationApplication

    names, now = [], clock.now()
    for k in n_of(n):
        organisation = parties.organisation_register(
            actor=None, uscc=make_uscc(region="330100"), name=f"qc-applicant-{k}", legal_representative="钟",
            contact_name="钟", contact_phone="13900000001",
        )  # fmt: skip
        applicant = _user(f"qc-applicant-{k}")
        parties.membership_add(actor=None, user=applicant, organisation=organisation)
        OrganisationApplication.objects.create(
            organisation=organisation, applicant=applicant, centre=s.world.centre, role="agent",
            certificate_subject=f"CN=qc-applicant-{k}", certificate_issuer="CN=qc", certificate_serial=str(k),
            certificate_not_before=now, certificate_not_after=now, certificate_sm3="0" * 64, submitted_at=now,
        )  # fmt: skip
        names.append(organisation.name)
    return names


def events(s: Scene, n: int) -> list[str]:
    """The agent's own events, one per row: an entrustment each, recorded as the agent's act (the page
    shows the project code, the API also the data)."""
    now = clock.now()
    projects = [f"2026-210100-48-02-{k:06d}" for k in n_of(n)]
    for project in projects:
        parties.entrustment_create(
            actor=s.agent, initiator=s.world.initiator, agent=s.world.agent, project=project,
            scope="招标代理", valid_from=now - DAY, valid_until=now + 365 * DAY,
        )  # fmt: skip
    return projects


def _user(name: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=name)


def account_changes(s: Scene, n: int) -> list[str]:
    """The security administrator's requests that someone become an audit administrator."""
    names = [f"qc-candidate-{k}" for k in n_of(n)]
    for name in names:
        changes.change_request(
            actor=s.secadmin,
            target=_user(name),
            kind="role_grant",
            role=Role.AUDIT_ADMIN,
            reason=f"qc {name}",
        )
    return names


def accounts(s: Scene, n: int) -> list[str]:
    names = [f"qc-person-{k}" for k in n_of(n)]
    for name in names:
        parties.role_grant(actor=None, user=_user(name), role=Role.CENTRE_STAFF, centre=s.world.centre)
    return names


def rules(s: Scene, n: int) -> list[str]:
    codes = [f"qc-rule-{k}" for k in n_of(n)]
    for code in codes:
        PeriodRule.objects.create(
            code=code, name=code, amount=5, unit="working_day", legal_basis="测试", certainty="statutory"
        )
    return codes


def local_rules(s: Scene, n: int) -> list[str]:
    """Floor rules, each with a longer local period of the staff's centre (its basis is shown)."""
    bases = []
    for k in n_of(n):
        rule = PeriodRule.objects.create(
            code=f"qc-floor-{k}", name=f"qc-floor-{k}", amount=5, unit="calendar_day", bound="at_least",
            legal_basis="测试", certainty="law",
        )  # fmt: skip
        LocalPeriodRule.objects.create(
            centre=s.world.centre.code, rule=rule, amount=10, unit="working_day", basis=f"qc-basis-{k}",
            set_at=clock.now(),
        )  # fmt: skip
        bases.append(f"qc-basis-{k}")
    return bases


def calendar_days(s: Scene, n: int) -> list[str]:
    """Holidays of an official year far ahead (2090), one a day from 1 January."""
    from ggzy.calendar.models import CalendarDay, CalendarYear

    year, _ = CalendarYear.objects.get_or_create(
        year=2090, defaults={"source": "测试", "loaded_at": clock.now()}
    )
    first = CalendarDay.objects.filter(year=year).count()
    names = [f"qc day {k}" for k in n_of(n)]
    for i, name in enumerate(names, start=first):
        CalendarDay.objects.create(year=year, date=dt.date(2090, 1, 1) + i * DAY, kind="holiday", name=name)
    return names


def certificates(s: Scene, n: int) -> list[str]:
    """The responder's bound certificates: at most one per use, so a list of two."""
    key = Sm2PrivateKey.generate()
    name = {"common_name": f"qc CA {next(_serial)}"}
    now = clock.now()
    root = x509.issue(
        issuer_key=key, issuer=name, subject=name, public_key=key.public_key, serial=1,
        not_before=now - 400 * DAY, not_after=now + 3650 * DAY, usage="ca",
    )  # fmt: skip
    ca = certs.ca_add(actor=None, name=name["common_name"], root=root, intermediates=[], is_test=True)
    holder = default_organisation().uscc  # the responder's organisation
    usages = ["signing", "encryption"][BoundCertificate.objects.filter(user=s.responder).count() :][:n]
    serials = []
    for usage in usages:
        serial = next(_serial) + 1000
        der = x509.issue(
            issuer_key=key, issuer=name, subject={"common_name": "持有人", "serial_number": holder},
            public_key=Sm2PrivateKey.generate().public_key, serial=serial, not_before=now - DAY,
            not_after=now + 365 * DAY, usage=usage,
        )  # fmt: skip
        bound = certs.certificate_bind(actor=s.responder, user=s.responder, der=der, usage=usage)
        assert bound.ca == ca
        serials.append(bound.serial)
    return serials


def certificate_authorities(s: Scene, n: int) -> list[str]:
    names = []
    for k in n_of(n):
        key = Sm2PrivateKey.generate()
        name = {"common_name": f"qc CA {k}"}
        now = clock.now()
        root = x509.issue(
            issuer_key=key, issuer=name, subject=name, public_key=key.public_key, serial=1,
            not_before=now - 400 * DAY, not_after=now + 3650 * DAY, usage="ca",
        )  # fmt: skip
        ca = certs.ca_add(actor=None, name=name["common_name"], root=root, intermediates=[], is_test=True)
        crl = x509.issue_crl(
            issuer_key=key, issuer=name, revoked=[(7, now - DAY)], this_update=now - DAY,
            next_update=now + 7 * DAY,
        )  # fmt: skip
        certs.crl_import(actor=None, ca=ca, der=crl)
        names.append(name["common_name"])
    return names


def inbox(s: Scene, n: int) -> list[str]:
    """The agent's inbox: a message about each token made."""
    return tokens(s, n)


def deliveries(s: Scene, n: int, *, shown: str = "subject") -> list[str]:
    """E-mails to the staff member, each tried twice (a failure, then the send); the page shows their
    subjects, the API their ids."""
    found = []
    for k in n_of(n):
        context = {"name": f"qc-mail-{k}", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"}
        with transaction.atomic():
            (message,) = notify(
                template="accounts.token_created", recipients=[Recipient(user=s.staff, email="a@example.cn")],
                context=context, channels=[DeliveryChannel.EMAIL],
            )  # fmt: skip
        for ok in (False, True):
            DeliveryAttempt.objects.create(
                message=message, at=clock.now(), ok=ok, backend="test", error="busy"
            )
        found.append(message.subject if shown == "subject" else f'"uid": "{message.uid}",')
    return found


def delivery_ids(s: Scene, n: int) -> list[str]:
    return deliveries(s, n, shown="id")


def keys(s: Scene, n: int) -> list[str]:
    purposes = [p for p in Purpose if p != Purpose.FIELD_LOOKUP]
    return [key_rotate(actor=s.secadmin, purpose=purposes[i % len(purposes)]).key_id for i in range(n)]


def categories(s: Scene, n: int) -> list[str]:
    """Trading categories, each with a published checklist of two items and a method."""
    from ggzy.registry.models import TradingMethod

    codes = []
    for k in n_of(n):
        category = TradingCategory.objects.create(
            code=f"qc-{k}", name=f"类别{k}", letter=chr(0x4E00 + k), order=100 + k
        )
        checklist = Checklist.objects.create(category=category, version=1, published_at=clock.now())
        for order, key in enumerate(("form", "plan")):
            ChecklistItem.objects.create(checklist=checklist, key=key, name=key, need="required", order=order)
        TradingMethod.objects.create(code=f"qc-method-{k}", name="公开", category=category)
        codes.append(category.code)
    return codes


def registrations(s: Scene, n: int) -> list[str]:
    """Registrations the agent filed, each of one tender project with two sections."""
    return [s.world.file(name=f"qc 项目 {k}").project.code for k in n_of(n)]


def notices(s: Scene, n: int, *, publish: bool = True) -> list[str]:
    """Tender notices the agent drafted (and published now, unless `publish` is off) for a fresh accepted
    registration, each naming one of its two sections."""
    from ggzy.notices import services as notices_services
    from ggzy.registry import services as registry
    from tests.notices.conftest import tender_content

    a, b, c = s.world.staff
    registration = s.world.file(name=f"qc 公告项目 {n_of(1)[0]}")
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    tender_project = registration.project.tender_projects.get()
    sections = list(tender_project.sections.order_by("code").values_list("code", flat=True))
    titles = []
    for k in n_of(n):
        notice = notices_services.notice_draft(
            actor=s.agent, tender_project=tender_project, notice_type="tender", title=f"qc 公告 {k}",
            content=tender_content(), sections=[sections[k % 2]],
        )  # fmt: skip
        if publish:
            notices_services.notice_schedule(actor=s.agent, notice=notice, publish_at=clock.now())
        titles.append(notice.title)
    return titles


def notice_drafts(s: Scene, n: int) -> list[str]:
    return notices(s, n, publish=False)


def registrations_returned(s: Scene, n: int) -> list[str]:
    """Registrations returned with a one-time notice (the staff dashboard lists them)."""
    from ggzy.registry import services as registry

    codes = []
    for k in n_of(n):
        registration = s.world.file(name=f"qc 项目 {k}")
        registry.notice_issue(actor=s.staff, registration=registration, lines=[("filing_form", "盖章不清")])
        codes.append(registration.project.code)
    return codes


def registrations_returned_and_accepted(s: Scene, n: int) -> list[str]:
    """Registrations of every part the API shows: each returned with a one-time notice, corrected,
    submitted again and accepted — its responsible person on leave, so the deputy handles it."""
    from ggzy.registry import services as registry
    from tests.registry.conftest import pdf

    a, b, c = s.world.staff
    codes = []
    for k in n_of(n):
        registration = s.world.file(name=f"qc 项目 {k}")
        registry.notice_issue(actor=a, registration=registration, lines=[("filing_form", "盖章不清")])
        registry.item_supply(
            actor=s.agent, registration=registration, key="filing_form", upload=pdf(f"qc{k}")
        )
        registry.registration_resubmit(actor=s.agent, registration=registration)
        registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
        codes.append(registration.project.code)
    if not Leave.objects.filter(user=b).exists():
        now = clock.now()
        registry.leave_record(actor=b, user=b, starts_at=now - DAY, ends_at=now + DAY)
    return codes


def templates(s: Scene, n: int) -> list[str]:
    names = []
    for k in n_of(n):
        blob = Blob.objects.create(
            sm3=f"{k:064x}", size=k, media_type="application/pdf", created_at=clock.now()
        )
        names.append(f"qc-template-{k}.pdf")
        Template.objects.create(category_id="engineering", name=f"范本{k}", blob=blob, file_name=names[-1])
    return names


def centre_templates(s: Scene, n: int) -> list[str]:
    """Templates the staff's centre offers, each uploaded through the service (one replaced once)."""
    from ggzy.registry import services as registry

    names = []
    for k in n_of(n):
        names.append(f"qc-centre-template-{k}.pdf")
        template = registry.template_publish(
            actor=s.staff,
            centre=s.world.centre,
            category=s.world.engineering,
            name=f"中心范本{k}",
            upload=registry.Upload(names[-1], b"%PDF-1.7\n" + str(k).encode()),
        )
    registry.template_replace(
        actor=s.staff, template=template, upload=registry.Upload(names[-1], b"%PDF-1.7\nv2" + str(k).encode())
    )
    return names


def checklist_versions(s: Scene, n: int) -> list[str]:
    """Versions of the centre's engineering checklist, each adding an item."""
    from ggzy.registry import selectors as registry_selectors
    from ggzy.registry import services as registry

    names = []
    for k in n_of(n):
        current = registry_selectors.current_checklist(s.world.engineering, s.world.centre)
        kept = [
            registry.ItemIn(name=i.name, need=i.need, condition=i.condition, may_defer=i.may_defer,
                            needed_before=i.needed_before, key=i.key)
            for i in current.items.order_by("order")
        ]  # fmt: skip
        names.append(f"qc要件{k}")
        registry.checklist_revise(
            actor=s.staff,
            centre=s.world.centre,
            category=s.world.engineering,
            base_version=current.version,
            items=[*kept, registry.ItemIn(name=names[-1], need="optional")],
        )
    return names


def bids(s: Scene, n: int) -> list[str]:
    """Sealed bids of the responder's organisation, one per section (a section takes one bid each)."""
    organisation = default_organisation()
    if not BoundCertificate.objects.filter(user=s.responder).exists():
        certificates(s, 1)
    signing = BoundCertificate.objects.get(user=s.responder, usage="signing")
    taken = SealedBid.objects.values("section")
    sections = list(Section.objects.exclude(pk__in=taken).order_by("pk")[:n])
    while len(sections) < n:
        registrations(s, 1)
        sections = list(Section.objects.exclude(pk__in=taken).order_by("pk")[:n])
    now = clock.now()
    found = []
    for section in sections:
        BidWindow.objects.get_or_create(
            section=section,
            defaults={"section_code": section.code, "deadline": now + 20 * DAY, "opening_at": now + 20 * DAY,
                      "set_at": now},
        )  # fmt: skip
        sm3 = f"{next(_serial):064x}"
        SealedBid.objects.create(
            section=section, organisation=organisation, submitted_by=s.responder, signing_certificate=signing,
            file=f"bids/{sm3}.ggzybid", ciphertext_sm3=sm3, ciphertext_size=1, bound_deadline=now + 20 * DAY,
            header={}, received_at=now,
        )  # fmt: skip
        found.append(section.code)
    return found


def questions(s: Scene, n: int) -> list[str]:
    """Questions the agent asked the world's centre, every other one taken by staff."""
    texts = [f"qc question {k}" for k in n_of(n)]
    for i, text in enumerate(texts):
        question = service.question_ask(asker=s.agent, centre=s.world.centre, kind="process", text=text)
        if i % 2:
            service.question_take(actor=s.staff, question=question)
    return texts


def commitments(s: Scene, n: int) -> list[str]:
    titles = [f"qc commitment {k}" for k in n_of(n)]
    for title in titles:
        commitment = service.commitment_write(
            actor=s.staff,
            centre=s.world.centre,
            data=service.CommitmentIn(service="registration", title=title, steps="一", time_limit="1 日"),
        )
        service.commitment_publish(actor=s.staff, commitment=commitment)
    return titles


def draft_guides(s: Scene, n: int) -> list[str]:
    """n guides of the staff's centre, half of them published (the centre's guide page lists both)."""
    titles = [f"qc guide {k}" for k in n_of(n)]
    for i, title in enumerate(titles):
        guide = service.guide_write(
            actor=s.staff, centre=s.world.centre, data=service.GuideIn(kind="process", title=title, body="一")
        )
        if i % 2:
            service.guide_publish(actor=s.staff, guide=guide)
    return titles


def bad_ratings(s: Scene, n: int, *, followed_up: bool = True) -> list[str]:
    """Services given to the agent, rated 1, followed up by staff (or not: open on the desk)."""
    found = []
    for k in n_of(n):
        record = service.service_record(
            actor=s.staff, centre=s.world.centre, service="green_channel", for_user=s.agent,
            description=f"qc service {k}",
        )  # fmt: skip
        rating = service.rating_give(
            rater=s.agent, service="green_channel", reference=f"service.record:{record.uid}", score=1
        )
        if followed_up:
            service.follow_up_record(actor=s.staff, rating=rating, text=f"qc follow-up {k}")
            found.append(f"qc follow-up {k}")
        else:
            found.append(f"qc service {k}")
    return found


def faq_and_guides(s: Scene, n: int) -> list[str]:
    """n FAQ entries and n guides about one word (the hall lists them, the search finds them)."""
    found = []
    for k in n_of(n):
        entry = FaqEntry.objects.create(
            category_id="engineering", kind="process", question=f"qcword FAQ {k}", answer="答",
            published_at=clock.now(),
        )  # fmt: skip
        indexing.index_faq(entry)
        guide = service.guide_write(
            actor=s.staff,
            centre=s.world.centre,
            data=service.GuideIn(
                kind="process", title=f"qcword guide {k}", body="qcword", category=s.world.engineering
            ),
        )
        service.guide_publish(actor=s.staff, guide=guide)
        found += [entry.question, guide.title]
    return found


def the_agents_services(s: Scene, n: int) -> list[str]:
    """What the agent's own service page lists: questions, suggestions and services received (rated)."""
    found = questions(s, n)
    for k in n_of(n):
        service.feedback_submit(
            author=s.agent,
            centre=s.world.centre,
            kind="suggestion",
            channel="online",
            content=f"qc feedback {k}",
        )
        found.append(f"qc feedback {k}")
    return found + bad_ratings(s, n, followed_up=False)


def the_desk(s: Scene, n: int) -> list[str]:
    """What the staff member's desk lists: open questions, open complaints, bad ratings to follow up
    (shown by service and score, not by a text of the test's)."""
    found = questions(s, n)
    for k in n_of(n):
        service.feedback_submit(
            author=s.agent,
            centre=s.world.centre,
            kind="complaint",
            channel="online",
            content=f"qc complaint {k}",
        )
        found.append(f"qc complaint {k}")
    bad_ratings(s, n, followed_up=False)
    return found


def tree_heads(s: Scene, n: int) -> list[str]:
    found = []
    for _ in range(n):
        tokens(s, 1)  # an event to log
        witness.witness_integrate()
        head = witness.sth_sign(force=True)
        assert head is not None
        found.append(head.root)
    return found


def epochs(s: Scene, n: int) -> list[str]:
    first = EpochStatement.objects.count() + 1
    documents = [f'{{"epoch": {e}, "note": "qc"}}' for e in range(first, first + n)]
    for e, document in enumerate(documents, start=first):
        EpochStatement.objects.create(epoch=e, document=document, recorded_at=clock.now())
    return [f'"epoch": {e}' for e in range(first, first + n)]


def this_month() -> str:
    return clock.local_now().strftime("%Y-%m")


@dataclass(frozen=True)
class Case:
    url: str | Callable[[], str]
    viewer: Callable[[Scene], Any] | None  # None: anonymous
    add: Callable[[Scene, int], list[str]]
    many: int = MANY


AGENT, STAFF = (lambda s: s.agent), (lambda s: s.staff)
CASES = {
    # the API
    "api tokens": Case("/api/v1/tokens", AGENT, tokens),
    "api organisations": Case("/api/v1/organisations", STAFF, organisations),
    "api entrustments": Case("/api/v1/entrustments", AGENT, entrustments),
    "api account changes": Case("/api/v1/account-changes", lambda s: s.sysadmin, account_changes),
    "api calendar rules": Case("/api/v1/calendar/rules", None, rules),
    "api calendar year": Case("/api/v1/calendar/years/2090", None, calendar_days),
    "api certificates": Case("/api/v1/certs/mine", lambda s: s.responder, certificates, many=2),
    "api events": Case("/api/v1/events", AGENT, events),
    "api inbox": Case("/api/v1/inbox", AGENT, inbox),
    "api deliveries": Case("/api/v1/deliveries", STAFF, delivery_ids),
    "api keys": Case("/api/v1/keys", lambda s: s.secadmin, keys),
    "api categories": Case("/api/v1/registry/categories", None, categories),
    "api registrations": Case("/api/v1/registry/registrations", AGENT, registrations_returned_and_accepted),
    "api registrations (staff)": Case(
        "/api/v1/registry/registrations", STAFF, registrations_returned_and_accepted
    ),
    "api templates": Case("/api/v1/registry/templates", AGENT, templates),
    "api bids": Case("/api/v1/sealing/bids/mine", lambda s: s.responder, bids),
    "api questions": Case("/api/v1/service/questions", AGENT, questions),
    "api questions (staff)": Case("/api/v1/service/questions", STAFF, questions),
    "api commitments": Case("/api/v1/service/commitments", None, commitments),
    "api figures": Case(lambda: f"/api/v1/service/figures?centre=sy&month={this_month()}", None, bad_ratings),
    "api epochs": Case("/api/v1/witness/epochs", None, epochs),
    # the pages
    "page entrusted": Case("/workspace/entrusted/", AGENT, entrustments),
    "page entrustments given": Case(
        "/workspace/entrustments/", lambda s: s.world.initiator_user, entrustments
    ),
    "page organisations to verify": Case("/workspace/organisations/", STAFF, applications),
    "page account changes": Case("/workspace/account-changes/", lambda s: s.sysadmin, account_changes),
    "page accounts": Case("/workspace/accounts/?q=qc-person", lambda s: s.secadmin, accounts),
    "page certificates": Case("/workspace/certificates/", lambda s: s.responder, certificates, many=2),
    "page certificate authorities": Case(
        "/manage/certificate-authorities/", lambda s: s.sysadmin, certificate_authorities
    ),
    "page events": Case("/events/", AGENT, events),
    "page inbox": Case("/inbox/", AGENT, inbox),
    "page deliveries": Case("/notifications/deliveries/", STAFF, deliveries),
    "page keys": Case("/workspace/keys/", lambda s: s.secadmin, keys),
    "page registrations": Case("/workspace/registrations/", AGENT, registrations_returned_and_accepted),
    "page registrations (staff)": Case(
        "/workspace/registrations/", STAFF, registrations_returned_and_accepted
    ),
    "page registrations (staff, waiting)": Case("/workspace/registrations/", STAFF, registrations),
    "page registrations (staff, returned)": Case("/workspace/registrations/", STAFF, registrations_returned),
    "page bids": Case("/workspace/bids/", lambda s: s.responder, bids),
    "page templates": Case("/registry/templates/", AGENT, centre_templates),
    "page centre templates": Case("/workspace/registry/templates/", STAFF, centre_templates),
    "page checklist versions": Case(
        "/workspace/registry/checklists/?centre=sy&category=engineering", STAFF, checklist_versions
    ),
    "page service hall": Case("/service/", None, faq_and_guides),
    "page service hall commitments": Case("/service/", None, commitments),
    "page service search": Case("/service/search/?q=qcword", None, faq_and_guides),
    "page service figures": Case(lambda: f"/service/figures/?month={this_month()}", None, bad_ratings),
    "page my services": Case("/service/mine/", AGENT, the_agents_services),
    "page service desk": Case("/service/desk/", STAFF, the_desk),
    "page centre guides": Case("/service/desk/guides/", STAFF, draft_guides),
    "page centre commitments": Case("/service/desk/commitments/", STAFF, commitments),
    "page notices (public)": Case("/notices/", None, notices),
    "page my notices": Case("/workspace/notices/", AGENT, notice_drafts),
    "page my notices (published)": Case("/workspace/notices/", AGENT, notices),
    "page centre notices": Case("/workspace/notices/centre/", STAFF, notice_drafts),
    "page witness": Case("/witness/", None, tree_heads),
    "page calendar": Case("/calendar/", None, rules),
    "page calendar year": Case("/calendar/?year=2090", None, calendar_days),
    "page rule table": Case("/calendar/rules/", None, rules),
    "page rule table (local periods)": Case("/calendar/rules/", None, local_rules),
    "page local period rules": Case("/workspace/calendar/local-rules/", STAFF, local_rules),
}


def queries_of(client: Client, url: str) -> tuple[list[str], str]:
    """The queries of one request, and its answer as text (JSON without escapes)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    if response["Content-Type"].startswith("application/json"):
        body = json.dumps(response.json(), ensure_ascii=False)
    else:
        body = html.unescape(response.content.decode())
    return [q["sql"] for q in captured.captured_queries], body


def repeated(queries: list[str]) -> list[str]:
    """The queries that ran more than once, numbers masked (what a loop over rows makes)."""
    shapes = collections.Counter(re.sub(r"\b\d+\b|'[^']*'", "?", q)[:300] for q in queries)
    return [f"{n}x {shape}" for shape, n in shapes.most_common() if n > 1]


@pytest.mark.parametrize("name", list(CASES))
def test_a_list_makes_as_many_queries_for_twenty_rows_as_for_one(
    name: str, scene: Scene, client_for: Callable[..., Client]
) -> None:
    case = CASES[name]
    viewer = case.viewer(scene) if case.viewer else None
    client = client_for(viewer) if viewer is not None else Client()
    url = case.url() if callable(case.url) else case.url
    shown = case.add(scene, 1)
    client.get(url)  # the process's caches (keys, content types, the sandbox anchor) warm up
    one, body = queries_of(client, url)
    assert all(row in body for row in shown), (shown, body[:2000])
    shown += case.add(scene, case.many - 1)
    many, body = queries_of(client, url)
    assert all(row in body for row in shown), [row for row in shown if row not in body]
    assert len(many) == len(one), f"{len(one)} queries for 1 row, {len(many)} for {case.many}:\n" + "\n".join(
        repeated(many)
    )
