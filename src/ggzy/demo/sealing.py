"""The demo's sealed bids, in the three stages a section's bids go through, and the opening halls of the
two that have tender documents (issue 32). Three sections of accepted engineering registrations, each bid by
the demo bidders:

* **opened** — the school building (浑南区第二十中学, Shenyang, its tender notice published in the history),
  its whole opening on the demo's history clock, made by the hall's own services: the documents issued by
  its initiator (the education bureau tenders itself) with their criteria record (a 30-minute decryption
  window, the custodians as the remedy, the opening sheet the bids fill in) and obtained by the three
  bidders, who seal bids whose sheets are the ones the record asks for (as `ggzy-bid seal --criteria`
  checks); the deadline two hours ahead; the hall made before it, the bids counted at it and the steps
  begun at the opening — the calls the tick job `opening.halls` (`halls_due`) makes for a hall, made for
  this one at the instants the tick would make them (the whole tick, run here, would also make a hall for
  the procurement trade of `demo/securities.py` when its deadline is still ahead, then fail it at the
  present); two bidders release on the hall
  (`opening.services.hall_release`, the JSON `ggzy-bid release` writes), the third stays silent and the
  documents' remedy opens its bid through the custodians when the window closes; each bidder answers for
  its line (the silent one objects, saying what is missing), the record is made at the close and the
  initiator signs it with its certificate (`ggzy-bid sign-document`). Only with room in the history (the
  deadline, the hour of the opening) and the in-process demo custodians the hall reaches
  (GGZY_CUSTODIAN_TRANSPORT, as `make demo` sets it): else no section is opened, as before halls.
* **opening today** — a registration of its own (a Shenyang metro fit-out; the demo's other accepted
  engineering sections are taken: the Dahuofang pipeline waits for its promised agency contract before
  any notice), filed by the initiator and accepted by the Shenyang desk, its tender notice published, the
  documents issued and obtained by the three bidders, then their bids in; the deadline 23:30 today (09:30
  tomorrow after 23:00). Its hall is made by `demo/opening.py` with the others, and the running tick
  (`make demo`) counts the bids at the deadline and moves the steps from the opening on.
* **bidding** — the Guanyinge reservoir's first section (deadline in 10 days; its documents come with the
  tendering demo, later): one bid in, its bidder's second bid replaced its first, only the last counts.

Bids are sealed exactly as `ggzy-bid seal` does and submitted through the resumable upload as `ggzy-bid
submit` does (`sealing.uploads`, in chunks), with the demo users' key files from GGZY_DEMO_CA_DIR; without
that folder (no certificates) there are no sealed bids (and no halls here)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model

from ggzy.accounts.models import Centre
from ggzy.accounts.selectors import organisations_of
from ggzy.core import clock
from ggzy.core.types import Actor, JSONDict
from ggzy.demo import custodians as demo_custodians
from ggzy.demo import notices as demo_notices
from ggzy.demo.ca import PASSPHRASE
from ggzy.demo.history import Days, Later, real_day
from ggzy.demo.registrations import pdf
from ggzy.demo.registrations_data import FILING_FORM, FORM
from ggzy.notices.models import NoticeType
from ggzy.opening import services as opening
from ggzy.opening.models import Hall, HallStep, LineDecision
from ggzy.registry import services as registry
from ggzy.registry.models import RegistrationChannel, Section, TenderProject, TradingCategory
from ggzy.registry.services import SectionIn, TenderProjectIn
from ggzy.sealing import services, uploads
from ggzy.sealing.models import BidWindow, SealedBid
from ggzy.sealing.transport import transport
from ggzy.tendering import files as tendering_files
from ggzy.tendering import services as tendering
from ggzy.tendering.models import TenderDocuments
from ggzy_sm import custodians, sealedbid
from ggzy_sm.document import sign_document
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm3 import sm3
from ggzy_sm.x509 import der_blocks

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Who bids, and at what share of the section's budget (fen stays an integer: money is never a float).
BIDDERS = (("bidder", 9620), ("bidder-hylq", 9385), ("bidder-hxjs", 9710))
MANAGERS = ("王建军", "李海涛", "周明")
#: The bidder that does not release its own bid at the demo's past opening: the custodians open it (the
#: documents' remedy), and it objects to its line of the opening sheet.
SILENT = "bidder-hxjs"
OBJECTION = (
    "我单位投标文件因本单位网络中断未能在解密时限内解密，由密钥托管方解密；开标记录中请载明未能解密的原因。"
)
#: "Opening today" closes at 23:30 today; after 23:00 it is tomorrow's 09:30 opening.
LAST_HOUR = 23
#: The demo bidders' upload chunk (their bids are small: a few chunks each, as a real client's would be).
CHUNK = 16 * 1024

#: The opened section's initiator (it tenders itself: it drafts the documents and signs the record).
OPENED_BY = "initiator2"
#: The history the opened section needs ahead of the clock, in hours (`demo_load` asks `History.behind`):
#: the documents' steps, the deadline `LEAD` ahead, the opening (the window, 15 minutes to confirm the
#: lines, 15 for objections, the record signed), the "today" section's steps, and the hour the history
#: keeps before the present (`history.MARGIN`).
HISTORY_HOURS = 5
LEAD = dt.timedelta(hours=2)
#: The decryption window of both sections' documents, in minutes.
WINDOW_MINUTES = 30
#: Hours between two steps (three minutes); how long after an instant the tick job runs (it runs each
#: minute); when the two bidders release, after the opening.
STEP = 0.05
TICK = dt.timedelta(seconds=30)
RELEASES = (4 / 60, 7 / 60)

#: The "opening today" section's registration: a project of its own (the metro's, tendering itself).
TODAY_NAME = "沈阳地铁 2 号线南延线车辆段综合楼装修施工"
TODAY_TENDER = ("综合楼装修施工", "施工", "24658000.00")
TODAY_CODES = (
    ("investment_code", "{year}-210100-54-01-000731"),
    ("approval_number", "沈发改审批〔{year}〕41号"),
)
TODAY_BY = "initiator"
#: Who else acts here: the Shenyang desk that accepts the registration.
DESK = ("sy-staff", "sy-staff2")


def _user(username: str) -> Actor:
    return get_user_model().objects.get(username=username)


def _first_section(tender_project: TenderProject | None) -> Section | None:
    return tender_project.sections.order_by("code").first() if tender_project is not None else None


def today_section() -> Section | None:
    """The "opening today" section (its registration filed by this module), if filed."""
    return (
        Section.objects.filter(tender_project__project__name=TODAY_NAME)
        .select_related("tender_project__project__centre")
        .order_by("code")
        .first()
    )


def stages() -> tuple[Section | None, Section | None, Section | None]:
    """The sections of the three stages: opened (the school building), opening today (filed here, once
    the sealed bids are loaded) and bidding (the Guanyinge reservoir's first section)."""
    return (
        _first_section(demo_notices._tender_project("walk_in")),  # noqa: SLF001  (named the same way)
        today_section(),
        _first_section(demo_notices._tender_project("guanyinge")),  # noqa: SLF001
    )


@dataclass
class _Bidders:
    """The demo bidders sealing, registering and releasing as `ggzy-bid` does (their key files from the
    demo CA folder, a release key of their own beside them), the key split among the section's centre's
    demo custodians."""

    folder: Path
    sets: dict[int, custodians.SignedCustodianSet]

    def receive(self, username: str, section: Section, share: int, n: int) -> SealedBid:
        user = get_user_model().objects.get(username=username)
        path = self._seal(user, section, share, n)
        return _submit(user, section, path, self._register(path, section))

    def _register(self, path: Path, section: Section) -> list[dict[str, Any]]:
        """`ggzy-bid register`: each custodian acknowledges the ciphertext by its own clock."""
        header = sealedbid.read(path).header
        request = custodians.ack_request_make(header, notices=section.bid_window.notices)
        return [
            demo_custodians.IN_PROCESS.ack(custodian, request)
            for custodian in self.sets[section.centre_id].custodians
        ]

    def _seal(self, user: Any, section: Section, share: int, n: int) -> Path:
        keys = _keys(user.get_username())
        organisation = organisations_of(user=user).get()
        documents = []
        for title in ("技术标", "商务标", "资格审查资料"):
            path = self.folder / f"{user.get_username()}-{section.code}" / f"{title}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            text = f"{organisation.name} {section.name} {title}\n"
            path.write_bytes(b"%PDF-1.7\n% " + text.encode() + b"%%EOF\n")
            documents.append(path)
        target = self.folder / f"{user.get_username()}-{section.code}.ggzybid"
        signing_key = load_key_file(keys / "sign.key", PASSPHRASE)
        signing_certificate = der_blocks((keys / "sign.cer").read_bytes())[0]
        sealedbid.seal(
            target=target,
            binding=sealedbid.Binding(
                tender_project=section.tender_project.code,
                section=section.code,
                bidder=organisation.uscc,
                deadline=section.bid_window.deadline,
            ),
            opening_sheet={
                "schema": "ggzy-opening-sheet-v1",
                "price": {"kind": "amount", "fen": section.budget_fen * share // 10000},
                "duration_days": 240 + 30 * n,
                "quality": "合格",
                "project_manager": {"name": MANAGERS[n % len(MANAGERS)], "certificate": f"辽2210608{n:05d}"},
            },
            documents=documents,
            signing_key=signing_key,
            signing_certificate=signing_certificate,
            release_key=sealedbid.release_key_bind(
                _release_key(user.get_username()).public_key, signing_key, signing_certificate
            ),
            custodians=self.sets[section.centre_id],
            machine={
                "mac": [f"00:16:3e:00:{n:02x}:01"],
                "cpu": f"BFEBFBFF0009{n:04d}",
                "disk": [f"WD-WX{n:08d}"],
            },
        )
        return target


def _submit(user: Any, section: Section, path: Path, acks: list[dict[str, Any]]) -> SealedBid:
    """`ggzy-bid submit`: the sealed file through the resumable upload (`sealing.uploads`, the services
    behind the tus endpoint), in chunks each with its SM3, the acknowledgements with the creation."""
    size = path.stat().st_size
    session = uploads.upload_create(
        actor=user, section_code=section.code, length=size, filename=path.name, acknowledgements=acks
    )
    with path.open("rb") as file:
        offset = 0
        while piece := file.read(CHUNK):
            chunk = uploads.Chunk(
                offset=offset, declared=len(piece), checksum=sm3(piece), body=io.BytesIO(piece)
            )
            session = uploads.upload_append(actor=user, session=session, chunk=chunk)
            offset += len(piece)
    assert session.bid is not None  # noqa: S101  (the last chunk completes it, or refuses with an error)
    return session.bid


def _keys(username: str) -> Path:
    return Path(settings.GGZY_DEMO_CA_DIR) / "users" / username


def _release_key(username: str) -> Any:
    """The demo bidder's release key (`ggzy-bid release-key`): made once, kept beside its signing key."""
    path = _keys(username) / "release.key"
    if not path.exists():
        sealedbid.release_key_save(sealedbid.release_key_generate(), path, PASSPHRASE)
    return sealedbid.release_key_load(path, PASSPHRASE)


def _release(bid: SealedBid, username: str) -> dict[str, Any]:
    keys = _keys(username)
    sealed = sealedbid.read(Path(settings.MEDIA_ROOT) / bid.file)
    return sealedbid.release(sealed, _release_key(username), load_key_file(keys / "sign.key", PASSPHRASE))


def _signature(record: str, username: str, name: str) -> JSONDict:
    """`ggzy-bid sign-document FILE --key sign.key --certificate sign.cer` on the record as downloaded, with
    the user's demo key files, at the demo's time."""
    keys = _keys(username)
    return sign_document(
        record.encode("utf-8"),
        load_key_file(keys / "sign.key", PASSPHRASE),
        der_blocks((keys / "sign.cer").read_bytes())[0],
        name=name,
        media_type="application/json",
        at=clock.now(),
    )


# -- the documents -------------------------------------------------------------------------------------


def _criteria(section: Section, max_days: int, qualification: list[JSONDict]) -> JSONDict:
    """A criteria record asking for the opening sheet the demo bidders seal (price, duration, quality,
    project manager), the lowest evaluated price, no bid security, a 30-minute window and the custodians
    as the remedy (built as the tendering demo builds its records)."""
    # imported here: the tendering demo imports the objections demo, which imports this one
    from ggzy.demo import tendering as demo_tendering

    return demo_tendering._record(  # noqa: SLF001  (the tendering demo's records are built the same way)
        section,
        qualification=qualification,
        price_formula={"name": "lowest_evaluated", "parameters": {}},
        opening_sheet=demo_tendering._sheet(section, max_days, manager=True, quality=True),  # noqa: SLF001
        bid_validity_days=90,
        bid_security={"kind": "none"},
        consortium_allowed=False,
        decryption_window_minutes=WINDOW_MINUTES,
        release_remedy="custodians",
    )


def opened_record(section: Section) -> JSONDict:
    """The school building's documents: its qualification, the 365 days its tender notice plans."""
    return _criteria(section, 365, [
        {"id": "Q1", "text": "具有建筑工程施工总承包二级及以上资质，安全生产许可证有效",
         "evidence": ["资质证书", "安全生产许可证"]},
        {"id": "Q2", "text": "拟派项目经理具有建筑工程专业二级及以上注册建造师执业资格，"
                             "且未担任其他在建工程项目的项目经理",
         "evidence": ["注册建造师证书", "无在建项目承诺书"]},
    ])  # fmt: skip


def today_record(section: Section) -> JSONDict:
    """The metro fit-out's documents: its qualification, the 450 days its tender notice plans."""
    return _criteria(section, 450, [
        {"id": "Q1", "text": "具有建筑装修装饰工程专业承包一级资质，安全生产许可证有效",
         "evidence": ["资质证书", "安全生产许可证"]},
        {"id": "Q2", "text": "拟派项目经理具有建筑工程专业一级注册建造师执业资格，"
                             "且未担任其他在建工程项目的项目经理",
         "evidence": ["注册建造师证书", "无在建项目承诺书"]},
        {"id": "Q3", "text": "近三年内完成过城市轨道交通车辆段或车站装修工程",
         "evidence": ["合同", "竣工验收证明"]},
    ])  # fmt: skip


def _documents(by: str, section: Section, record: JSONDict, later: Later) -> TenderDocuments:
    """Drafted with their text as a file and issued (on the published tender notice), then obtained by the
    three demo bidders, as their pages do."""
    actor = _user(by)
    tender_project = section.tender_project
    title = f"{tender_project.project.name}招标文件"
    documents = tendering.documents_draft(
        actor=actor, tender_project=tender_project, title=title, criteria={section.code: record},
        sections=[section.code],
    )  # fmt: skip
    upload = pdf(tender_project.project.name, title)
    tendering_files.documents_file_add(actor=actor, documents=documents, name=upload.name, source=upload.data)
    later(STEP)
    documents = tendering.documents_issue(actor=actor, documents=documents)
    for username, _share in BIDDERS:
        later(STEP)
        tendering.documents_obtain(actor=_user(username), documents=documents)
    later(STEP)
    return documents


# -- the opened section: its opening hall on the history clock ---------------------------------------------


@dataclass
class _Opening:
    """The opened section from its documents to the signed record, on the history clock (`later`)."""

    bidders: _Bidders
    later: Later

    def run(self, section: Section) -> None:
        days = Days(self.later)
        # the deadline first (as the tender notice's, recorded, sets it), then the documents
        deadline = (clock.now() + LEAD).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        services.window_set(actor=None, section=section, deadline=deadline)
        window = BidWindow.objects.get(section=section)
        _documents(OPENED_BY, section, opened_record(section), self.later)
        hall = opening.hall_ensure(section, window)  # the tick before the deadline: the hall is made
        assert hall is not None  # noqa: S101  (the documents are issued)
        bids = {
            username: self.bidders.receive(username, section, share, n)
            for n, (username, share) in enumerate(BIDDERS)
        }
        days.to(window.deadline + TICK)
        hall = opening.hall_count(hall, window)  # the bids counted, the schedule fixed
        opening.hall_advance(hall)  # the opening: sign-in to the bidder list, and the window opens
        released = [u for u, _share in BIDDERS if u != SILENT]
        for username, hours in zip(released, RELEASES, strict=True):
            self.later(hours)
            opening.hall_release(actor=_user(username), hall=hall, release=_release(bids[username], username))
        days.to(self._end(hall, "decryption"))
        opening.hall_advance(hall)  # the window closed: the remedy, the sheet read, the confirmation
        for username, _share in BIDDERS:
            self.later(STEP)
            objects = username == SILENT
            opening.line_decide(
                actor=_user(username),
                hall=hall,
                decision=LineDecision.OBJECTED if objects else LineDecision.CONFIRMED,
                remark=OBJECTION if objects else "",
            )
        days.to(self._end(hall, "confirmation"))
        opening.hall_advance(hall)  # the objections at the opening
        days.to(self._end(hall, "objections"))
        opening.hall_advance(hall)  # the close: the record made
        self.later(STEP)
        hall = Hall.objects.get(pk=hall.pk)
        name = f"opening-record-{section.code}.json"  # as the hall's page downloads it
        opening.record_sign(
            actor=_user(OPENED_BY), hall=hall, signature=_signature(hall.record, OPENED_BY, name)
        )

    @staticmethod
    def _end(hall: Hall, code: str) -> dt.datetime:
        """When the tick job next runs after the step `code` ends."""
        return HallStep.objects.get(hall=hall, code=code).scheduled_end + TICK


# -- opening today: a registration of its own -------------------------------------------------------------


def _today(later: Later) -> Section:
    """The metro fit-out: filed by its initiator, accepted by the Shenyang desk, its tender notice published
    (scheduled minutes ahead, the history clock passing it), once."""
    found = today_section()
    if found is not None:
        return found
    initiator = _user(TODAY_BY)
    year = clock.local_now().year
    tender, section_name, budget = TODAY_TENDER
    registration = registry.registration_file(
        actor=initiator,
        channel=RegistrationChannel.ONLINE,
        centre=Centre.objects.get(code="sy"),
        category=TradingCategory.objects.get(code="engineering"),
        name=TODAY_NAME,
        initiator=organisations_of(user=initiator).get(),
        region="210100",
        external={field: value.format(year=year) for field, value in TODAY_CODES},
        files={
            item: pdf(TODAY_NAME, title)
            for item, title in (FORM, FILING_FORM, ("approval_document", "初步设计批复"))
        },
        not_applicable={"agency_contract"},
        tender_projects=[TenderProjectIn(tender, [SectionIn(section_name, budget, "amount", "open_tender")])],
    )
    later(STEP)
    head, responsible = DESK
    registry.registration_accept(
        actor=_user(head), registration=registration, responsible=_user(responsible), deputy=_user(head)
    )
    later(STEP)
    tender_project = TenderProject.objects.select_related("project__centre").get(project__name=TODAY_NAME)
    notices = demo_notices.Loader(later)
    content = notices.tender_content(
        tender_project,
        funds="企业自筹资金，资金已落实。",
        scope=(
            f"{TODAY_NAME}：综合楼室内装修约 12,400 平方米，含给排水、电气及消防改造，计划工期 450 日历天。"
        ),
        grade="建筑装修装饰工程专业承包一级资质",
        manager="建筑工程专业一级注册建造师执业资格",
        parties=("sydt",),
    )
    content["bid_security"] = "本项目不收取投标保证金。"
    notice = notices.draft(TODAY_BY, tender_project, NoticeType.TENDER, f"{TODAY_NAME}招标公告", content)
    notices.publish(TODAY_BY, notice)
    section = today_section()
    assert section is not None  # noqa: S101  (filed above)
    return section


def load(*, later: Later, travels: bool) -> None:
    """`later(hours)` moves the demo's history clock (when `travels`: there is room for the opened
    section's opening, `HISTORY_HOURS`; it stays behind the real now)."""
    if not settings.GGZY_DEMO_CA_DIR:
        return
    opened, _today_found, bidding = stages()
    if opened is None or bidding is None:
        return
    sets = {}
    for centre in Centre.objects.filter(code__in=("ln", "sy")):
        published = demo_custodians.load(centre)
        if published is None:
            return  # no demo custodians: a centre takes sealed bids only with a custodian set
        sets[centre.pk] = published
    with tempfile.TemporaryDirectory() as work:
        bidders = _Bidders(Path(work), sets)
        # the hall asks the configured custodians (its remedy, the closures its releases need)
        if travels and transport() is demo_custodians.IN_PROCESS:
            _Opening(bidders, later).run(opened)
        today = _today(later)
        late = clock.authority_now().astimezone(SHANGHAI).hour >= LAST_HOUR
        services.window_set(
            actor=None, section=today, deadline=real_day(1, 9, 30) if late else real_day(0, LAST_HOUR, 30)
        )
        _documents(TODAY_BY, today, today_record(today), later)
        for n, (username, share) in enumerate(BIDDERS):
            bidders.receive(username, today, share, n + 3)
        services.window_set(actor=None, section=bidding, deadline=real_day(10, 9, 30))
        bidders.receive("bidder", bidding, 9550, 6)
        bidders.receive("bidder", bidding, 9480, 6)  # a revised price replaces it: only the last counts


def summary() -> str:
    counts: dict[str, int] = {}
    for state in SealedBid.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
