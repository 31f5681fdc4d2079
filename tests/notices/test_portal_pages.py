"""The public portal (standard 4.1.4 一张网, 4.2.5): the home page's latest notices by trading category
and region, today's openings (only of sections whose tender notice is public), the service commitments
and complaint channels; a tender project's public page (an unannounced one answers like a missing one);
the notice page's related notices, timeline and proof of publication in the witness log, whose
inclusion proof downloads as JSON and verifies offline. Dates are literals of the official 2026
calendar, as in tests/notices/test_deadlines.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from ggzy.core import clock, keystore
from ggzy.notices import services
from ggzy.notices.models import Notice
from ggzy.registry.models import TenderProject
from ggzy.sealing import services as sealing
from ggzy.service import services as service
from ggzy.witness.models import Cosignature, TreeHead
from ggzy.witness.services import head_payload, sth_sign, witness_integrate
from ggzy_sm import canonical, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.verify import check_proof
from tests.core.test_portal import assert_csp_clean
from tests.notices.conftest import PROJECT_NAME, Place, accepted, tender_content

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
CONTACTS = "招标人：沈阳地铁集团有限公司，李，13900000001"
DALIAN_PROJECT = "大连港区疏港路改造工程"


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """at(instant): the platform's clock reads `instant` from now on; it starts on Monday 2 March 2026."""

    def set_to(instant: dt.datetime) -> None:
        monkeypatch.setattr(clock, "authority_now", lambda: instant)

    set_to(t("2026-03-02 10:00"))
    return set_to


def tender(
    place: Place,
    title: str,
    *,
    deadline: str = "2026-03-25 09:30",
    tender_project: TenderProject | None = None,
    publish_at: dt.datetime | None = None,
) -> Notice:
    """A tender notice of the place's (or another) tender project, scheduled for `publish_at` (now)."""
    notice = place.draft(
        title=title,
        tender_project=tender_project or place.tender_project,
        content=tender_content(bid_deadline=t(deadline).isoformat(), opening_at=t(deadline).isoformat()),
    )
    return services.notice_schedule(
        actor=place.world.agent_user, notice=notice, publish_at=publish_at or clock.now()
    )


def correction(place: Place, original: Notice, new: str) -> Notice:
    draft = place.draft(
        notice_type="correction",
        title="车站装修施工招标更正公告",
        content={
            "changes": "资格条件调整为二级及以上，投标截止时间相应顺延。",
            "new_bid_deadline": t(new).isoformat(),
            "new_opening_at": t(new).isoformat(),
            "contacts": CONTACTS,
        },
        corrects=original,
    )
    return services.notice_schedule(actor=place.world.agent_user, notice=draft, publish_at=clock.now())


def candidates(place: Place) -> Notice:
    draft = place.draft(
        notice_type="candidates",
        title="车站装修施工中标候选人公示",
        content={
            "candidates": "第一名：某建设集团，报价 1,200 万元",
            "period": "三日",
            "objection_channel": "公示期内向招标人书面提出",
            "contacts": CONTACTS,
        },
    )
    return services.notice_schedule(actor=place.world.agent_user, notice=draft, publish_at=clock.now())


@pytest.fixture
def dalian(place: Place) -> TenderProject:
    """A second registration of the same parties, in Dalian (210200), accepted on the real clock (where
    the agent's entrustment is valid); ask for it before `at`."""
    registration = accepted(place.world, name=DALIAN_PROJECT, region="210200")
    return TenderProject.objects.get(project=registration.project)


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def card(html: str, category: str) -> str:
    """The home page's card of one trading category."""
    found = re.search(rf'data-category="{category}">(.*?)</section>', html, re.DOTALL)
    assert found is not None, category
    return found.group(1)


def same_page(body: bytes, path: str) -> str:
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', body.decode().replace(path, "<path>"))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', text)


# --- the home page ------------------------------------------------------------------------------------
@pytest.mark.clause("4.1.4")
@pytest.mark.clause("4.1.4")
def test_the_home_shows_published_notices_by_category_and_not_a_later_one(place: Place, at: Any) -> None:
    published = tender(place, "车站装修施工招标公告")
    later = tender(place, "车站装修施工二次招标公告（定时发布）", publish_at=t("2026-03-03 09:00"))
    at(t("2026-03-02 10:05"))
    response = Client().get("/")
    html = html_of(response)
    assert_csp_clean(response)
    engineering = card(html, "engineering")
    assert published.title in engineering
    assert f'href="/notices/{published.uid}/"' in engineering
    assert "沈阳市" in engineering  # the region, by name
    assert "2026-03-02" in engineering  # the date in Beijing time
    assert later.title not in html
    assert str(later.uid) not in html
    assert "尚无" not in engineering  # no placeholder where there are notices
    assert "该类别尚无公告。" in card(html, "procurement")  # really empty: says so
    assert 'href="/notices/?category=engineering"' in engineering  # 更多: the list of the category
    assert "更多" in engineering
    at(t("2026-03-03 09:00"))
    assert later.title in card(html_of(Client().get("/")), "engineering")  # from its instant on


def test_the_region_selector_narrows_the_home(place: Place, dalian: TenderProject, at: Any) -> None:
    shenyang = tender(place, "沈阳地铁 8 号线车站装修工程施工招标公告")
    dalian_notice = tender(place, "大连港区疏港路改造工程施工招标公告", tender_project=dalian)
    at(t("2026-03-02 10:05"))
    everywhere = html_of(Client().get("/"))
    assert shenyang.title in everywhere
    assert dalian_notice.title in everywhere
    form = everywhere.split('data-testid="region-form"', 1)[1].split("</form>", 1)[0]
    assert '<option value="210100">沈阳市</option>' in form  # the cities of the province, by name
    assert '<option value="210200">大连市</option>' in form
    narrowed = html_of(Client().get("/?region=210200"))
    assert dalian_notice.title in narrowed
    assert shenyang.title not in narrowed
    assert '<option value="210200" selected>' in narrowed
    assert 'href="/notices/?category=engineering&amp;region=210200"' in narrowed
    assert "大连市尚无该类别的公告。" in card(narrowed, "procurement")
    other = html_of(Client().get("/?region=210100"))
    assert shenyang.title in other
    assert dalian_notice.title not in other
    assert shenyang.title in html_of(Client().get("/?region=999999"))  # an unknown region narrows nothing


@pytest.mark.clause("4.1.4")
def test_todays_openings_show_only_sections_whose_notice_is_published(
    place: Place, dalian: TenderProject, at: Any
) -> None:
    published = tender(place, "车站装修施工招标公告", deadline="2026-03-25 09:30")
    at(t("2026-03-02 10:01"))
    services.published_catch_up()  # the tick sets the announced sections' bid windows
    # another tender project whose window is set while its notice is not public yet
    hidden = dalian
    secret = place.draft(
        title="大连港区疏港路改造工程施工招标公告",
        tender_project=hidden,
        content=tender_content(
            bid_deadline=t("2026-04-20 09:30").isoformat(), opening_at=t("2026-04-20 09:30").isoformat()
        ),
    )
    services.notice_schedule(actor=place.world.agent_user, notice=secret, publish_at=t("2026-03-26 09:00"))
    for section in hidden.sections.all():
        sealing.window_set(actor=None, section=section, deadline=t("2026-03-25 14:00"))
    at(t("2026-03-25 08:00"))
    html = html_of(Client().get("/"))
    openings = html.split('data-testid="openings"', 1)[1].split("</section>", 1)[0]
    assert "2026-03-25 09:30" in openings
    assert "一标段" in openings
    assert "二标段" in openings
    assert "车站装修施工" in openings
    assert f'href="/notices/{published.uid}/"' in openings
    assert "今天" in openings
    assert DALIAN_PROJECT not in html  # its window is not public before its notice
    assert "14:00" not in openings
    assert "投标人" not in openings
    assert "份投标" not in openings
    at(t("2026-03-18 08:00"))  # seven days before: the coming week
    assert "2026-03-25 09:30" in html_of(Client().get("/")).split('data-testid="openings"', 1)[1]
    at(t("2026-03-17 08:00"))  # eight days before: not yet
    before = html_of(Client().get("/")).split('data-testid="openings"', 1)[1].split("</section>", 1)[0]
    assert "2026-03-25 09:30" not in before
    assert "这几天没有已公布的开标。" in before


@pytest.mark.clause("4.2.5")
@pytest.mark.clause("4.2.5")
def test_the_home_shows_the_service_commitments_channels_and_the_hall(place: Place) -> None:
    staff = place.world.staff[0]
    commitment = service.commitment_write(
        actor=staff,
        centre=place.world.centre,
        data=service.CommitmentIn(
            service="registration",
            title="项目登记当日受理",
            steps="网上提交，窗口核对",
            time_limit="1 个工作日",
        ),
    )
    service.commitment_publish(actor=staff, commitment=commitment)
    draft = service.commitment_write(
        actor=staff,
        centre=place.world.centre,
        data=service.CommitmentIn(
            service="consultation", title="咨询承诺草稿", steps="受理", time_limit="2 个工作日"
        ),
    )
    html = html_of(Client().get("/"))
    part = html.split('data-testid="service"', 1)[1].split("</section>", 1)[0]
    assert "项目登记当日受理" in part
    assert "1 个工作日" in part
    assert draft.title not in html  # a draft is not a commitment
    assert 'href="/service/"' in part
    assert 'data-testid="hall-link"' in part
    channels = part.split('data-testid="channels"', 1)[1]
    assert 'href="tel:12345"' in channels  # the complaint line
    assert "mailto:" in channels
    assert 'href="/service/feedback/"' in channels
    assert "监督" in part
    disclosure = ""
    for name in ("analytics:index", "analytics:disclosure"):  # the disclosure pages, when present
        try:
            disclosure = disclosure or reverse(name)
        except NoReverseMatch:
            continue
    if disclosure:
        assert f'href="{disclosure}" data-testid="disclosure-link"' in part


def test_the_home_makes_a_fixed_number_of_queries(place: Place, at: Any) -> None:
    def count() -> int:
        client = Client()
        client.get("/")  # caches warmed
        with CaptureQueriesContext(connection) as queries:
            html = html_of(client.get("/"))
        assert "车站装修施工招标公告" in html
        return len(queries)

    tender(place, "车站装修施工招标公告")
    at(t("2026-03-02 10:01"))
    services.published_catch_up()
    one = count()
    for n in range(9):
        tender(place, f"车站装修施工招标公告（第 {n + 2} 批）")
    at(t("2026-03-02 10:02"))
    services.published_catch_up()
    assert count() == one
    assert one <= 10  # the province, one per trading category, the openings, the commitments


# --- the tender project's page ----------------------------------------------------------------------
@pytest.mark.clause("4.1.4")
@pytest.mark.clause("4.1.4")
def test_the_project_page_lists_its_notices_in_order_with_the_timeline(place: Place, at: Any) -> None:
    original = tender(place, "车站装修施工招标公告")
    at(t("2026-03-02 10:01"))
    services.published_catch_up()
    at(t("2026-03-12 10:00"))
    changed = correction(place, original, "2026-03-30 09:30")
    at(t("2026-03-12 10:01"))
    services.published_catch_up()
    at(t("2026-04-03 10:00"))
    result = candidates(place)
    at(t("2026-04-03 10:01"))
    response = Client().get(f"/projects/{place.tender_project.code}/")
    html = html_of(response)
    assert_csp_clean(response)
    rows = html.split('data-testid="project-notices"', 1)[1].split("</table>", 1)[0]
    order = [rows.index(str(n.uid)) for n in (original, changed, result)]
    assert order == sorted(order)
    assert "招标公告" in rows
    assert "更正公告" in rows
    assert "中标候选人公示" in rows
    timeline = html.split('data-testid="timeline"', 1)[1]
    assert 'data-state="superseded"' in timeline  # 25 March, moved by the correction
    assert "2026-03-30 09:30" in timeline
    assert "2026-03-25 09:30" in timeline
    assert 'data-moment="now"' in timeline


def test_an_unannounced_tender_project_is_answered_like_a_missing_one(place: Place, at: Any) -> None:
    tender(place, "车站装修施工招标公告", publish_at=t("2026-03-03 09:00"))  # scheduled, not yet public
    public = Client()
    code = place.tender_project.code
    missing_code = "A2101002026999999001"
    theirs, missing = public.get(f"/projects/{code}/"), public.get(f"/projects/{missing_code}/")
    assert theirs.status_code == missing.status_code == 404
    assert same_page(theirs.content, code) == same_page(missing.content, missing_code)
    assert PROJECT_NAME not in theirs.content.decode()
    at(t("2026-03-03 09:00"))
    assert PROJECT_NAME in html_of(public.get(f"/projects/{code}/"))


# --- the notice page ------------------------------------------------------------------------------------
@pytest.mark.clause("6.4.2")
def test_the_notice_page_shows_corrections_results_and_its_timeline(place: Place, at: Any) -> None:
    original = tender(place, "车站装修施工招标公告")
    at(t("2026-03-02 10:01"))
    services.published_catch_up()
    at(t("2026-03-12 10:00"))
    changed = correction(place, original, "2026-03-30 09:30")
    unpublished = candidates(place)
    Notice.objects.filter(pk=unpublished.pk).update(publish_at=t("2026-04-10 09:00"))  # a later instant
    at(t("2026-03-12 10:01"))
    services.published_catch_up()
    page = html_of(Client().get(f"/notices/{original.uid}/"))
    related = page.split('data-testid="related"', 1)[1].split("</section>", 1)[0]
    assert f'href="/notices/{changed.uid}/"' in related.split('data-related="corrections"', 1)[1]
    assert unpublished.title not in page  # a result not yet published
    timeline = page.split('data-testid="timeline"', 1)[1].split("</section>", 1)[0]
    assert "（本公告）" in timeline
    assert f'href="/notices/{changed.uid}/"' in timeline
    assert 'data-state="superseded"' in timeline
    assert (
        timeline.index("2026-03-02 10:00")
        < timeline.index("2026-03-12 10:00")
        < timeline.index("2026-03-30 09:30")
    )
    past_and_future = re.findall(r'data-state="(\w+)"|data-moment="(now)"', timeline)
    states = [a or b for a, b in past_and_future]
    assert states.index("now") > states.index("past")
    assert "future" in states[states.index("now") :]
    assert f'href="/projects/{place.tender_project.code}/"' in timeline
    corrected = html_of(Client().get(f"/notices/{changed.uid}/"))
    back = corrected.split('data-testid="related"', 1)[1].split("</section>", 1)[0]
    assert f'href="/notices/{original.uid}/"' in back.split('data-related="corrects"', 1)[1]
    at(t("2026-04-10 09:00"))
    page = html_of(Client().get(f"/notices/{original.uid}/"))
    outcomes = page.split('data-related="outcomes"', 1)[1].split("</dd>", 1)[0]
    assert f'href="/notices/{unpublished.uid}/"' in outcomes


# --- the proof badge and proof.json -----------------------------------------------------------------------
COSIGNERS = (Sm2PrivateKey.generate(), Sm2PrivateKey.generate())


def cosign(head: TreeHead) -> None:
    """Both co-signers co-sign `head`, as their services would (tests/witness/test_witness.py)."""
    for key in COSIGNERS:
        signed = witness.cosignature_make(key, head_payload(head), None, clock.authority_now())
        Cosignature.objects.create(
            head=head,
            cosigner_key=signed["cosigner_key"],
            body=canonical.dumps(signed["body"]).decode("utf-8"),
            signature=signed["signature"],
            received_at=clock.now(),
        )


def trust(head: TreeHead) -> witness.WitnessTrust:
    return witness.WitnessTrust(
        operator_keys=(keystore.verification_key(head.key_id),),
        cosigners=tuple((f"co-signer {n}", key.public_key) for n, key in enumerate(COSIGNERS)),
        threshold=2,
    )


@pytest.mark.clause("6.7.1")
def test_the_proof_badge_and_the_proof_that_verifies_offline(place: Place) -> None:
    notice = place.scheduled()
    public = Client()
    badge = html_of(public.get(f"/notices/{notice.uid}/"))
    assert 'data-proof-state="pending"' in badge  # published, its record not yet in the log
    assert "待记入" in badge
    assert public.get(f"/notices/{notice.uid}/proof.json").status_code == 404
    services.published_catch_up()  # the tick records the publication…
    assert public.get(f"/notices/{notice.uid}/proof.json").status_code == 404  # …not yet under a head
    witness_integrate()
    head = sth_sign(force=True)
    assert head is not None
    signed = html_of(public.get(f"/notices/{notice.uid}/"))
    assert 'data-proof-state="signed"' in signed  # a head, not yet co-signed
    cosign(head)
    page = html_of(public.get(f"/notices/{notice.uid}/"))
    assert 'data-proof-state="cosigned"' in page
    download = public.get(f"/notices/{notice.uid}/proof.json")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert "attachment" in download["Content-Disposition"]
    bundle = download.json()
    assert f"叶子序号 {bundle['leaf_index']}，树的大小 {bundle['tree_size']}" in page
    assert bundle["tree_size"] == head.size
    assert str(notice.uid) in bundle["document"]
    assert notice.text_sm3 in bundle["document"]
    assert check_proof(bundle, trust(head)) == []  # the offline verifier accepts it
    assert f'href="/notices/{notice.uid}/proof.json"' in page


def test_no_proof_of_a_notice_before_its_instant(place: Place, at: Any) -> None:
    notice = tender(place, "车站装修施工招标公告（定时发布）", publish_at=t("2026-03-03 09:00"))
    witness_integrate()
    sth_sign(force=True)
    public = Client()
    early = public.get(f"/notices/{notice.uid}/proof.json")
    missing_uid = "00000000-0000-4000-8000-000000000000"
    missing = public.get(f"/notices/{missing_uid}/proof.json")
    assert early.status_code == missing.status_code == 404
    assert same_page(early.content, str(notice.uid)) == same_page(missing.content, missing_uid)
