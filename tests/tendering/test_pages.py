"""The tender documents' pages, through the test client on the objections' trade (a published tender notice,
bid windows the custodians hold, two bidders, a frozen clock): the agent drafts through the form from the
prefilled example records (JSON) and issues; a bad record is said in Chinese next to its section's field
and creates nothing; a bidder obtains through the page and reads the criteria's public view — without the
标底 — and downloads the files, which a bidder without the documents does not find; a bidder asks through
the page; the agent reads the question, never who asked, and its page says nothing of the holders — the
same bytes with none or two; another party finds nothing; every page speaks Chinese."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.accounts import parties
from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.sealing.models import BidWindow
from ggzy.tendering import files, services
from ggzy.tendering.forms import example_record
from ggzy.tendering.models import (
    DocumentsHolder,
    DocumentsState,
    DocumentsVersion,
    Question,
    TenderDocuments,
)
from ggzy_sm import criteria as criteria_format
from tests.e2e.test_overflow_and_language import _english
from tests.factories import make_uscc
from tests.notices.test_objection_pages import _Visible
from tests.notices.test_objections import DEADLINE, Trade, t
from tests.registry.conftest import PDF
from tests.tendering.test_documents import records

pytestmark = pytest.mark.django_db

LIST = "/workspace/tendering/documents/"
BIDDER_LIST = "/tendering/documents/"
TITLE = "车站装修施工招标文件"
QUESTION = "工期可否延长至 200 日历天？"


def _body(response: Any) -> str:
    return response.content.decode()


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def textareas(page: str) -> dict[str, str]:
    """The criteria text areas of a form as the browser would send them: name -> text."""
    found = {}
    for name, text in re.findall(
        r'<textarea name="(criteria_[A-Z0-9]+)"[^>]*>(.*?)</textarea>', page, re.DOTALL
    ):
        found[name] = html.unescape(text.removeprefix("\n").removeprefix("\r\n"))
    return found


def draft_through_the_form(trade: Trade, client: Client, **changes: Any) -> tuple[Any, dict[str, str]]:
    """GET the list with its form for the trade's tender project, take the prefilled example records,
    apply `changes` (field -> value, to the first section's record) and POST."""
    code = trade.tender_project.code
    page = client.get(LIST, {"tender_project": code})
    assert page.status_code == 200
    areas = textareas(_body(page))
    sections = list(trade.tender_project.sections.order_by("code"))
    assert set(areas) == {f"criteria_{s.code}" for s in sections}
    first = f"criteria_{sections[0].code}"
    record = json.loads(areas[first])
    record.update(changes)
    areas[first] = json.dumps(record, ensure_ascii=False)
    data = {"tender_project": code, "title": TITLE, "sections": [s.code for s in sections], **areas}
    return client.post(LIST, data), areas


def issued(trade: Trade, *, with_reserve: bool = False) -> TenderDocuments:
    """Issued documents of the trade's tender project (its notice is published at 10:00) with one file."""
    criteria = records(trade)
    if with_reserve:
        for code, record in criteria.items():
            record["reserve_price"] = criteria_format.reserve_price(RESERVE[code[-3:]])
    agent = trade.world.agent_user
    documents = services.documents_draft(
        actor=agent, tender_project=trade.tender_project, title=TITLE, criteria=criteria
    )
    files.documents_file_add(actor=agent, documents=documents, name="施工图纸.pdf", source=PDF + b"drawings")
    trade.clock.at(t("2026-03-02 10:05"))
    return services.documents_issue(actor=agent, documents=documents)


#: a 标底 per section (by the section number): below each section's ceiling
RESERVE = {"001": 617_283_945, "002": 400_000_017}


def _outsider(username: str = "dl-party") -> Any:
    """An initiator, agent and bidder of an organisation of its own, party to nothing here."""
    organisation = parties.organisation_register(
        actor=None, uscc=make_uscc(region="210200"), name="大连港湾建设有限公司", legal_representative="周",
        contact_name="吴", contact_phone="13900000088",
    )  # fmt: skip
    user = get_user_model().objects.create_user(username=username)
    parties.membership_add(actor=None, user=user, organisation=organisation)
    for role in (Role.INITIATOR, Role.AGENT, Role.RESPONDER):
        RoleGrant.objects.create(user=user, role=role, organisation=organisation, granted_at=clock.now())
    return user


# --- the agent drafts and issues --------------------------------------------------------------------------


def test_the_agent_drafts_through_the_form_from_the_example_and_issues(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    agent = client_for(trade.world.agent_user)
    sections = list(trade.tender_project.sections.order_by("code"))
    # the example records are valid for their sections: the section, its method, its budget as the ceiling
    for section in sections:
        record = example_record(section)
        criteria_format.check(record)
        assert (record["section"], record["method"]) == (section.code, section.method_id)
        assert record["opening_sheet"]["price"]["ceiling_fen"] == section.budget_fen
    response, areas = draft_through_the_form(trade, agent, bid_validity_days=120)
    assert response.status_code == 302, _body(response)[:3000]
    documents = TenderDocuments.objects.get()
    assert response["Location"] == f"{LIST}{documents.uid}/"
    assert documents.title == TITLE
    assert documents.state == DocumentsState.DRAFT
    assert documents.criteria[sections[0].code]["bid_validity_days"] == 120
    assert documents.criteria[sections[1].code] == json.loads(areas[f"criteria_{sections[1].code}"])
    assert {s.code for s in documents.sections.all()} == {s.code for s in sections}
    # a file, then issue: version 1 frozen with its SM3 and the file's
    added = agent.post(
        f"{LIST}{documents.uid}/files/", {"file": SimpleUploadedFile("工程量清单.pdf", PDF + b"bill")}
    )
    assert added.status_code == 302
    assert "工程量清单.pdf" in _messages(agent.get(added["Location"]))
    response = agent.post(f"{LIST}{documents.uid}/issue/")
    assert response.status_code == 302
    documents.refresh_from_db()
    assert (documents.state, documents.version) == (DocumentsState.ISSUED, 1)
    version = DocumentsVersion.objects.get(documents=documents)
    assert [f[0] for f in version.files] == ["工程量清单.pdf"]
    page = _body(agent.get(f"{LIST}{documents.uid}/"))
    assert version.criteria_sm3 in page
    assert "已发出" in page
    listed = _body(agent.get(LIST))
    assert f'href="{LIST}{documents.uid}/"' in listed


def _changed(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    here = record
    keys = path.split("/")
    for key in keys[:-1]:
        here = here[int(key)] if isinstance(here, list) else here[key]
    here[keys[-1]] = value
    return record


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ("{", "不是有效的 JSON（第 1 行，第 2 列）"),
        ('{"a": 1, "a": 2}', "键“a”出现了两次"),
        (("bid_validity_days", 90.0), "不允许带小数点的数"),
        (("scoring/1/items/0/weight_permille", 490), "评分项权重合计为 990 ‰，应为 1000 ‰（100 分）"),
        (("price_formula/parameters/alpha", "1"), "价格公式没有参数“alpha”"),
        (("bid_security/amount_fen", 24_691_358), "投标保证金超过上限：最多 246,913.57 元"),
    ],
)
def test_a_bad_criteria_record_is_said_in_chinese_next_to_its_field_and_nothing_is_drafted(
    trade: Trade, client_for: Callable[..., Client], bad: Any, said: str
) -> None:
    agent = client_for(trade.world.agent_user)
    code = trade.tender_project.code
    page = _body(agent.get(LIST, {"tender_project": code}))
    areas = textareas(page)
    first = min(areas)
    if isinstance(bad, str):
        areas[first] = bad
    else:
        areas[first] = json.dumps(_changed(json.loads(areas[first]), *bad), ensure_ascii=False)
    data = {"tender_project": code, "title": TITLE, **areas}
    events = Event.objects.count()
    response = agent.post(LIST, data)
    assert response.status_code == 400
    body = html.unescape(_body(response))
    error = re.search(rf'id="id_{first}_errors"[^>]*>(.*?)</div>', body, re.DOTALL)
    assert error is not None, body[:4000]
    assert said in error.group(1)
    words = re.sub(r"<code>.*?</code>|“[^”]*”|JSON", "", error.group(1))  # places, named keys and JSON aside
    assert not re.search(r"[A-Za-z]{2,}", words), error.group(1)
    assert not TenderDocuments.objects.exists()
    assert Event.objects.count() == events
    # the agent's text is kept in the form, to correct
    assert textareas(_body(response))[first].strip() == areas[first].strip()


# --- the bidder obtains, reads, downloads, asks ----------------------------------------------------------


def test_a_bidder_obtains_through_the_page_and_reads_the_public_view_without_the_reference_price(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    documents = issued(trade, with_reserve=True)
    trade.clock.at(t("2026-03-03 09:00"))
    holder, other = trade.stage.bidders
    bidder = client_for(holder.user)
    listed = _body(bidder.get(BIDDER_LIST))
    assert f'href="{BIDDER_LIST}{documents.uid}/"' in listed
    assert "免费" in listed
    assert f'action="{BIDDER_LIST}{documents.uid}/obtain/"' in listed
    before = _body(bidder.get(f"{BIDDER_LIST}{documents.uid}/"))
    assert TITLE in before
    assert "施工组织设计" not in before  # no criteria before obtaining
    assert "施工图纸.pdf" not in before
    response = bidder.post(f"{BIDDER_LIST}{documents.uid}/obtain/")
    assert response.status_code == 302
    assert DocumentsHolder.objects.get().organisation == holder.organisation
    page = _body(bidder.get(f"{BIDDER_LIST}{documents.uid}/"))
    version = DocumentsVersion.objects.get(documents=documents)
    assert version.criteria_sm3 in page
    for shown in (
        "具有建筑装修装饰工程专业承包一级资质",
        "资质证书",
        "施工组织设计",
        "投标报价",
        "0.01、0.02、0.03",
    ):
        assert shown in page, shown
    assert re.search(r"<td>施工组织设计</td><td>[^<]*</td><td>50</td>", page)  # 500 ‰ = 50 points
    assert "90 天" in page  # the bid validity
    file = documents.files.get()
    assert f'href="{BIDDER_LIST}{documents.uid}/files/{file.uid}/"' in page
    # the 标底: its commitment only, never its amount or salt
    for code, record in documents.criteria.items():
        reserve = record["reserve_price"]
        assert criteria_format.commitment(reserve) in page
        assert reserve["salt"] not in page
        amount = reserve["fen"]
        for spelled in (str(amount), f"{amount / 100:,.2f}", f"{amount // 100:,}", f"{amount // 100}"):
            assert spelled not in page, (code, spelled)
    # the file, for the holder; the other bidder (no documents) finds nothing there
    download = bidder.get(f"{BIDDER_LIST}{documents.uid}/files/{file.uid}/")
    assert download.status_code == 200
    assert download.content == PDF + b"drawings"
    outsider = client_for(other.user)
    assert outsider.get(f"{BIDDER_LIST}{documents.uid}/files/{file.uid}/").status_code == 404
    assert outsider.get(f"{BIDDER_LIST}{documents.uid}/files/{documents.uid}/").status_code == 404
    not_held = _body(outsider.get(f"{BIDDER_LIST}{documents.uid}/"))
    assert "施工图纸.pdf" not in not_held
    assert version.criteria_sm3 not in not_held


def test_a_bidder_asks_through_the_page_and_sees_its_own_questions(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    documents = issued(trade)
    trade.clock.at(t("2026-03-04 09:00"))
    holder, other = trade.stage.bidders
    bidder, outsider = client_for(holder.user), client_for(other.user)
    bidder.post(f"{BIDDER_LIST}{documents.uid}/obtain/")
    # without the documents: refused in Chinese, nothing asked
    refused = outsider.post(f"{BIDDER_LIST}{documents.uid}/ask/", {"text": QUESTION})
    assert refused.status_code == 400
    assert "请先获取招标文件" in _body(refused)
    assert not Question.objects.exists()
    response = bidder.post(f"{BIDDER_LIST}{documents.uid}/ask/", {"text": QUESTION})
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.text, question.organisation) == (QUESTION, holder.organisation)
    page = _body(bidder.get(f"{BIDDER_LIST}{documents.uid}/"))
    mine = re.search(r'data-testid="my-questions".*?</section>', page, re.DOTALL)
    assert mine is not None
    assert QUESTION in mine.group(0)
    # the other bidder, once it holds the documents too, does not see the question
    outsider.post(f"{BIDDER_LIST}{documents.uid}/obtain/")
    assert QUESTION not in _body(outsider.get(f"{BIDDER_LIST}{documents.uid}/"))
    # after the deadline: refused, nothing asked
    trade.clock.at(DEADLINE)
    late = bidder.post(f"{BIDDER_LIST}{documents.uid}/ask/", {"text": "还有一个问题"})
    assert late.status_code == 400
    assert "投标截止时间已过" in _body(late)
    assert Question.objects.count() == 1


# --- secrecy: the agent's page says nothing of holders and askers ----------------------------------------


def _same(body: bytes) -> str:
    text = body.decode()
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', text)


def test_the_agents_pages_never_show_holders_or_askers_and_do_not_change_with_the_holders(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    documents = issued(trade)
    trade.clock.at(t("2026-03-04 09:00"))
    agent = client_for(trade.world.agent_user)
    pages = (f"{LIST}{documents.uid}/", LIST)
    none_held = [_same(agent.get(p).content) for p in pages]
    for bidder in trade.stage.bidders:
        assert client_for(bidder.user).post(f"{BIDDER_LIST}{documents.uid}/obtain/").status_code == 302
    assert DocumentsHolder.objects.count() == 2
    two_held = [_same(agent.get(p).content) for p in pages]
    assert none_held == two_held  # byte for byte: no count, no name, no trace
    # a question: its text and time for the agent, never who asked
    asker = trade.stage.bidders[0]
    client_for(asker.user).post(f"{BIDDER_LIST}{documents.uid}/ask/", {"text": QUESTION})
    page = _body(agent.get(f"{LIST}{documents.uid}/"))
    assert QUESTION in page
    assert "2026-03-04 09:00" in page
    for bidder in trade.stage.bidders:
        for secret in (bidder.organisation.name, bidder.user.username, bidder.organisation.uscc):
            assert secret not in page, secret
    # the clarification answering it names no one either
    response = agent.post(
        f"{LIST}{documents.uid}/clarify/",
        {"text": "工期不变，仍为 180 日历天。", "answers": [str(Question.objects.get().uid)]},
    )
    assert response.status_code == 302, _body(response)[:3000]
    for client, path in (
        (agent, f"{LIST}{documents.uid}/"),
        (client_for(asker.user), f"{BIDDER_LIST}{documents.uid}/"),
    ):
        page = _body(client.get(path))
        assert "工期不变，仍为 180 日历天。" in page
        assert asker.organisation.name not in re.sub(r"<header.*?</header>", "", page, flags=re.DOTALL)


def test_a_clarification_through_the_page_amends_the_record_shows_its_diff_and_the_moved_deadline(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    documents = issued(trade)
    trade.clock.at(t("2026-03-12 10:00"))  # 13 days before the deadline (25 March 09:30)
    agent = client_for(trade.world.agent_user)
    page = _body(agent.get(f"{LIST}{documents.uid}/"))
    areas = textareas(page)
    assert {json.loads(v)["section"] for v in areas.values()} == set(documents.criteria)
    for name, text in areas.items():
        areas[name] = text.replace('"bid_validity_days": 90', '"bid_validity_days": 120')
    response = agent.post(f"{LIST}{documents.uid}/clarify/", {"text": "投标有效期改为 120 日。", **areas})
    assert response.status_code == 302, _body(response)[:3000]
    documents.refresh_from_db()
    assert documents.version == 2
    for section in documents.sections.all():
        assert BidWindow.objects.get(section=section).deadline > DEADLINE
    page = html.unescape(_body(agent.get(f"{LIST}{documents.uid}/")))
    assert DocumentsVersion.objects.get(documents=documents, number=2).criteria_sm3 in page
    diff = re.search(r'data-testid="diff".*?</table>', page, re.DOTALL)
    assert diff is not None
    assert "投标有效期（日）" in diff.group(0)
    assert re.search(r">90</code> → <code[^>]*>120</code>", diff.group(0))
    assert "2026-03-25 09:30 →" in page  # the deadline it moved, from → to


# --- another party finds nothing --------------------------------------------------------------------------


def test_another_partys_documents_are_not_found(trade: Trade, client_for: Callable[..., Client]) -> None:
    draft = services.documents_draft(
        actor=trade.world.agent_user,
        tender_project=trade.tender_project,
        title=TITLE,
        criteria=records(trade),
    )
    file = files.documents_file_add(
        actor=trade.world.agent_user, documents=draft, name="图纸.pdf", source=PDF
    )
    stranger = client_for(_outsider())
    for path in (
        f"{LIST}{draft.uid}/",
        f"{LIST}{draft.uid}/edit/",
        f"{BIDDER_LIST}{draft.uid}/",  # a draft is not there for bidders either
        f"{BIDDER_LIST}{draft.uid}/files/{file.uid}/",
    ):
        assert stranger.get(path).status_code == 404, path
    for path in (
        f"{LIST}{draft.uid}/issue/",
        f"{BIDDER_LIST}{draft.uid}/obtain/",
        f"{LIST}{draft.uid}/clarify/",
    ):
        assert stranger.post(path).status_code == 404, path
    # another's tender project in the drafting form: not found, nothing drafted
    assert stranger.get(LIST, {"tender_project": trade.tender_project.code}).status_code == 404
    assert TenderDocuments.objects.count() == 1
    # the drafter's own, for contrast
    assert client_for(trade.world.agent_user).get(f"{LIST}{draft.uid}/").status_code == 200


# --- the pages speak Chinese ------------------------------------------------------------------------------


class _VisibleText(_Visible):
    """The visible text, the JSON text areas (code, marked translate="no") aside."""

    SKIP = _Visible.SKIP | {"textarea"}


def english_words(response: Any, *names: str) -> list[str]:
    body = _body(response)
    main = re.search(r"<main\b.*?</main>", body, re.DOTALL)
    title = re.search(r"<title>(.*?)</title>", body, re.DOTALL)
    parser = _VisibleText()
    parser.feed((title.group(1) if title else "") + " " + (main.group(0) if main else body))
    return _english(html.unescape(" ".join(parser.parts)), frozenset(names))


def test_the_pages_speak_chinese(trade: Trade, client_for: Callable[..., Client]) -> None:
    """Every documents page, as each of its readers sees it, with no English word left — even for a
    browser asking for English first."""
    english = {"headers": {"accept-language": "en-US,en;q=0.9"}}
    agent_user, holder = trade.world.agent_user, trade.stage.bidders[0]
    agent, bidder = client_for(agent_user, **english), client_for(holder.user, **english)
    pages: dict[str, Any] = {"agent list": agent.get(LIST)}
    pages["agent refused"], _areas = draft_through_the_form(trade, agent, bid_validity_days=1.5)
    draft_through_the_form(trade, agent)
    draft = TenderDocuments.objects.get()
    pages["agent draft"] = agent.get(f"{LIST}{draft.uid}/")
    pages["agent edit"] = agent.get(f"{LIST}{draft.uid}/edit/")
    documents = issued(trade, with_reserve=True)
    trade.clock.at(t("2026-03-12 10:00"))
    pages["bidder list"] = bidder.get(BIDDER_LIST)
    pages["bidder before"] = bidder.get(f"{BIDDER_LIST}{documents.uid}/")
    bidder.post(f"{BIDDER_LIST}{documents.uid}/obtain/")
    pages["bidder ask refused"] = bidder.post(f"{BIDDER_LIST}{documents.uid}/ask/", {"text": ""})
    bidder.post(f"{BIDDER_LIST}{documents.uid}/ask/", {"text": QUESTION})
    areas = textareas(_body(agent.get(f"{LIST}{documents.uid}/")))
    areas = {k: v.replace('"bid_validity_days": 90', '"bid_validity_days": 120') for k, v in areas.items()}
    agent.post(
        f"{LIST}{documents.uid}/clarify/", {"text": "投标有效期改为 120 日。", "affects_bids": "on", **areas}
    )
    pages["agent issued"] = agent.get(f"{LIST}{documents.uid}/")
    pages["agent clarify refused"] = agent.post(f"{LIST}{documents.uid}/clarify/", {"text": ""})
    pages["bidder after"] = bidder.get(f"{BIDDER_LIST}{documents.uid}/")
    names = (agent_user.username, holder.user.username)
    found = {
        where: (response.status_code, english_words(response, *names))
        for where, response in pages.items()
        if english_words(response, *names) or response.status_code not in (200, 400)
    }
    assert found == {}
    assert "评审标准" in _body(pages["bidder after"])
    assert "变更" in _body(pages["agent issued"]) or "修改" in _body(pages["agent issued"])
