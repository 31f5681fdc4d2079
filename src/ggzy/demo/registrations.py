"""Demo project registrations (standard 6.2 and 12.1), through the registry services, on the sandbox
clock: both centres serve every category (what to watch out for next, 6.2.4; the projects that must
enter, 12.1.5), each names the head of its service desk and a deputy and offers a document template
(6.2.6; one replaced by a new version later), the Shenyang desk publishes version 2 of its engineering
checklist, the agents hold entrustments for the investment codes and the procurement plan, and there is
a registration in every state — accepted (one with a promised item still pending, one whose promised
item the deputy confirmed while the responsible person was on leave, a colleague covering), waiting
and due soon, overdue and escalated, returned with a one-time notice (and one returned twice, the
second notice naming only the changed item), a walk-in entered by staff, a procurement, a land, an
assets and a routed medicine registration. The data is in `ggzy.demo.registrations_data`; this module
files it, in order, on the days it sets.

Steps fall on working days of the official calendar, inside office hours; the whole month of history
ends before the present (`history.Days`). Without the sandbox clock everything happens now (and nothing
is overdue)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import Centre, Organisation
from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock
from ggzy.demo.accounts import uscc
from ggzy.demo.history import Days, Later
from ggzy.demo.registrations_data import (
    CHECKLIST_REVISED,
    CODES,
    DESK_HEADS,
    ENTRUSTED,
    FILINGS,
    HOSPITAL,
    LEAVE_COVER,
    NOTICES,
    SERVED,
    SUPPLIED,
    TEMPLATE_REPLACED,
    TEMPLATES,
)
from ggzy.registry import selectors, services, tasks
from ggzy.registry.models import DeskHead, Registration, RegistrationChannel, Template, TradingCategory
from ggzy.registry.services import Promise, SectionIn, TenderProjectIn, Upload


def pdf(project: str, title: str) -> Upload:
    """A small PDF, distinct per project and document (the same bytes would be one stored file)."""
    body = f"% {project} {title}\n".encode()
    return Upload(f"{title}.pdf", b"%PDF-1.7\n" + body + b"1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")


#: A Word document's parts (Office Open XML), the least a word processor opens.
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(lines: tuple[str, ...]) -> bytes:
    """A small Word document (.docx) of one paragraph per line; the same lines give the same bytes."""
    body = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", document),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


class Loader:
    """One pass over the demo's registrations; `later(hours)` moves the sandbox clock (or does nothing)."""

    USERNAMES = ("staff", "staff2", "sy-staff", "sy-staff2", "initiator", "initiator2", "agent", "agent2")

    def __init__(
        self, later: Later, centres: dict[str, Centre], organisations: dict[str, Organisation]
    ) -> None:
        self.later = later
        self.days = Days(later)
        self.centres = centres
        self.organisations = dict(organisations)
        self.year = clock.local_now().year
        users = get_user_model().objects
        self.user = {u.username: u for u in users.filter(username__in=self.USERNAMES)}
        self.categories = {c.code: c for c in TradingCategory.objects.all()}
        self.filed: dict[str, Registration] = {}
        self.templates: dict[str, Template] = {}

    # -- the steps -------------------------------------------------------------------------------

    def file(self, key: str) -> Registration:
        """File FILINGS[key] as its filer does."""
        filing = FILINGS[key]
        name = filing.name.format(year=self.year)
        promises = {}
        for promised in filing.promises:
            today = (
                clock.local_now().date()
                if promised.history
                else clock.authority_now().astimezone(SHANGHAI).date()
            )
            promises[promised.item] = Promise(promised.text, today + dt.timedelta(days=promised.days))
        self.filed[key] = services.registration_file(
            actor=self.user[filing.by],
            channel=RegistrationChannel.ON_SITE if filing.on_site else RegistrationChannel.ONLINE,
            centre=self.centres[filing.centre],
            category=self.categories[filing.category],
            name=name,
            initiator=self.organisations[filing.initiator],
            agent=self.organisations[filing.agent] if filing.agent else None,
            region=filing.region,
            external={field: value.format(year=self.year) for field, value in filing.external},
            files={item: pdf(name, title) for item, title in filing.files},
            promises=promises,
            not_applicable=set(filing.not_applicable),
            tender_projects=[
                TenderProjectIn(
                    project,
                    [
                        SectionIn(name=s, budget_yuan=yuan, price_form="amount", method=m)
                        for s, yuan, m in sections
                    ],
                )
                for project, sections in filing.tender_projects
            ],
        )
        return self.filed[key]

    def accept(self, key: str, *, by: str, responsible: str, deputy: str) -> None:
        services.registration_accept(
            actor=self.user[by],
            registration=self.filed[key],
            responsible=self.user[responsible],
            deputy=self.user[deputy],
        )

    def notice(self, key: str, number: int, *, by: str) -> None:
        """The `number`-th one-time notice of NOTICES[key]."""
        lines = NOTICES[key][number - 1]
        services.notice_issue(actor=self.user[by], registration=self.filed[key], lines=list(lines))

    def supply(self, key: str, *, by: str) -> None:
        """The documents of SUPPLIED[key]."""
        registration = self.filed[key]
        for item, title in SUPPLIED[key]:
            services.item_supply(
                actor=self.user[by],
                registration=registration,
                key=item,
                upload=pdf(registration.project.name, title),
            )

    # -- the month -------------------------------------------------------------------------------

    def run(self) -> None:
        if DeskHead.objects.exists():
            return  # loaded before
        self.setup()
        self.first_week()
        self.second_week()
        self.last_day()

    def setup(self) -> None:
        self.days.work(1, 8, 30)
        for centre_code, (head, deputy) in DESK_HEADS.items():
            centre = self.centres[centre_code]
            for code, next_steps, must_enter in SERVED:
                services.category_serve(
                    actor=self.user[head],
                    centre=centre,
                    category=self.categories[code],
                    next_steps=next_steps,
                    must_enter=must_enter,
                )
            services.desk_head_set(
                actor=self.user[head], centre=centre, head=self.user[head], deputy=self.user[deputy]
            )
        for key, offered in TEMPLATES.items():
            self.templates[key] = services.template_publish(
                actor=self.user[offered.by],
                centre=self.centres[offered.centre],
                category=self.categories[offered.category],
                name=offered.name,
                upload=Upload(offered.file_name, docx(offered.lines)),
            )
        name, region, kind, serial, legal, contact = HOSPITAL
        self.organisations["hospital"] = parties.organisation_register(
            actor=None,
            uscc=uscc(serial, region, kind),
            name=name,
            legal_representative=legal,
            contact_name=contact,
            contact_phone=f"138{serial % 100000000:08d}",
        )
        now = clock.now()
        for initiator, agent, code, scope in ENTRUSTED:
            parties.entrustment_create(
                actor=None,
                initiator=self.organisations[initiator],
                agent=self.organisations[agent],
                project=CODES[code].format(year=self.year),
                scope=scope,
                valid_from=now,
                valid_until=now + dt.timedelta(days=365),
            )
        self.later(0.5)

    def first_week(self) -> None:
        # day 1: the agent files three water projects at the provincial centre, and a metro one in Shenyang
        self.days.work(0, 9, 40)
        self.file("hunhe")
        self.later(0.7)
        self.file("guanyinge")
        self.later(0.8)
        self.file("dahuofang")
        self.later(2.5)
        self.file("line6")
        # day 2: the provincial desk accepts the two water projects with their promised contracts
        self.days.work(1, 9, 15)
        self.accept("guanyinge", by="staff", responsible="staff2", deputy="staff")
        self.later(0.75)
        self.accept("dahuofang", by="staff2", responsible="staff", deputy="staff2")
        self.later(0.5)
        # the Shenyang desk returns the metro project once, naming everything at once (6.2.3)
        self.notice("line6", 1, by="sy-staff")
        self.later(3.5)
        # the education bureau's agent files a procurement (the plan number from the finance system)
        self.file("school_it")
        # day 3: the first one-time notice on the procurement; the agent corrects both and resubmits
        self.days.work(1, 9, 30)
        self.notice("school_it", 1, by="sy-staff")
        self.later(5.5)
        self.supply("school_it", by="agent2")
        services.registration_resubmit(actor=self.user["agent2"], registration=self.filed["school_it"])
        # day 4: the supervision project waited past its 2 working days: the tick escalates it
        hunhe = self.filed["hunhe"]
        hunhe.refresh_from_db()
        self.days.work(1, 8, 30)
        if hunhe.deadline is not None:  # complete when filed: its 2 working days have run out
            self.days.to(hunhe.deadline.due_at + dt.timedelta(minutes=1))
        tasks.escalate_overdue()
        self.later(0.7)
        # a second notice may name only what changed since the first: the new filing form
        self.notice("school_it", 2, by="sy-staff2")
        self.later(0.8)
        # a walk-in: the education bureau brings a school project to the Shenyang desk
        self.file("walk_in")
        self.later(1.5)
        self.accept("walk_in", by="sy-staff2", responsible="sy-staff", deputy="sy-staff2")

    def second_week(self) -> None:
        staff, staff2 = self.user["staff"], self.user["staff2"]
        # day 5: the responsible person of the Guanyinge project is on leave; the deputy confirms
        self.days.work(1, 8, 40)
        starts = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
        services.leave_record(
            actor=staff,
            user=staff2,
            starts_at=starts,
            ends_at=starts + dt.timedelta(days=3),
            covered_by=self.user[LEAVE_COVER],
        )
        self.later(1.3)
        self.supply("guanyinge", by="agent")
        self.later(4)
        services.promised_item_confirm(
            actor=staff, registration=self.filed["guanyinge"], key="agency_contract"
        )
        # day 6: the metro company files an asset disposal and a land plot itself; a hospital walks in
        self.days.work(1, 9, 30)
        self.file("assets")
        self.later(1)
        self.file("land")
        self.later(0.5)
        self.file("medicine")
        # day 7: the Shenyang desk accepts the asset disposal (evaluation report promised) and the land
        self.days.work(1, 9, 20)
        self.accept("assets", by="sy-staff", responsible="sy-staff2", deputy="sy-staff")
        self.later(1.2)
        self.accept("land", by="sy-staff2", responsible="sy-staff", deputy="sy-staff2")
        self.later(2)
        self.revise_checklist()
        self.later(0.5)
        key, by, file_name, lines = TEMPLATE_REPLACED
        self.templates[key] = services.template_replace(
            actor=self.user[by], template=self.templates[key], upload=Upload(file_name, docx(lines))
        )

    def revise_checklist(self) -> None:
        """Version 2 of a centre's checklist (CHECKLIST_REVISED): the items of the version in force, and
        one more; the registrations filed before keep version 1."""
        centre_code, category_code, by, (name, need), basis = CHECKLIST_REVISED
        centre, category = self.centres[centre_code], self.categories[category_code]
        current = selectors.current_checklist(category, centre)
        kept = [
            services.ItemIn(
                name=i.name,
                need=i.need,
                condition=i.condition,
                may_defer=i.may_defer,
                needed_before=i.needed_before,
                key=i.key,
            )
            for i in current.items.order_by("order")
        ]
        services.checklist_revise(
            actor=self.user[by],
            centre=centre,
            category=category,
            base_version=current.version,
            items=[*kept, services.ItemIn(name=name, need=need)],
            basis=basis,
        )

    def last_day(self) -> None:
        """The last working day before today, mid-afternoon: a complete file, due within 2 working days."""
        self.days.to(self.days.moment(self.days.last, "15:10"))
        self.file("liaoxibei")


def load(*, later: Later, centres: dict[str, Centre], organisations: dict[str, Organisation]) -> None:
    Loader(later, centres, organisations).run()


def summary() -> str:
    """One line for the demo's report: how many registrations in each state."""
    counts: dict[str, int] = {}
    for state in Registration.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
