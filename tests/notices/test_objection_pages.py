"""The objection and pause pages, through the test client on the stage of tests/notices/test_objections.py
(a published tender notice, bid windows the custodians hold, two bidders, a frozen clock): a bidder raises
an objection from the notice's page, the agent answers it (with and without changing the documents), the
bidder reads the answer, the other bidder neither reads nor finds it; an empty objection is refused in
Chinese with nothing stored; the centre's staff record a platform fault with a postponement, the agent
resumes, the agent terminates; a bidder is refused the procedure pages, another centre's staff do not find
them; every page speaks Chinese."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy

from ggzy.notices.models import Notice, NoticeType, Objection, ObjectionState
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Pause, PauseBasis, PauseState
from ggzy.sealing.models import BidWindow
from tests.e2e.test_overflow_and_language import _english
from tests.notices import test_objections
from tests.notices.test_objections import DEADLINE, Trade, t
from tests.registry.test_registry_pages import other_centre

pytestmark = pytest.mark.django_db
#: the stage of the service tests (a published tender notice, bid windows, two bidders, a frozen clock)
trade = test_objections.trade

TEXT = "第 3.2 条资格条件排斥潜在投标人，请予修改。"
ANSWER = "资格条件符合法律规定，不予修改。"


def zh(text: Any) -> str:
    """A translatable text as the (Chinese) pages show it, escaped as in a page."""
    with translation.override("zh-hans"):
        return html.escape(str(text))


def _body(response: Any) -> str:
    return response.content.decode()


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


class _Visible(HTMLParser):
    """The text a person reads (code, scripts and styles aside), and its placeholders, titles and labels
    for assistive technology."""

    SKIP = frozenset({"script", "style", "code", "kbd", "samp", "pre", "template"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in {"placeholder", "title", "aria-label"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def english_words(response: Any, *names: str) -> list[str]:
    """The English words a person would read in the page's title and <main> (the header's language
    switch names English in English), by tests/e2e/test_overflow_and_language's rule: abbreviations such
    as CA and PDF, user names and addresses aside."""
    body = _body(response)
    main = re.search(r"<main\b.*?</main>", body, re.DOTALL)
    title = re.search(r"<title>(.*?)</title>", body, re.DOTALL)
    parser = _Visible()
    parser.feed((title.group(1) if title else "") + " " + (main.group(0) if main else body))
    return _english(html.unescape(" ".join(parser.parts)), frozenset(names))


def _stage_values(response: Any) -> list[str]:
    select = re.search(r'<select name="stage"[^>]*>(.*?)</select>', _body(response), re.DOTALL)
    assert select is not None, _body(response)[:2000]
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def _file_through_the_pages(trade: Trade, client: Client) -> Objection:
    """The bidder opens the notice's public page, follows its objection link and files through the form."""
    notice_page = client.get(f"/notices/{trade.notice.uid}/")
    assert notice_page.status_code == 200
    link = f"/notices/{trade.notice.uid}/object/"
    assert f'href="{link}"' in _body(notice_page)
    form = client.get(link)
    assert form.status_code == 200
    assert _stage_values(form) == ["objection:documents", "objection:opening"]
    assert f'<option value="{trade.section.code}">' in _body(form)
    filed = client.post(link, {"stage": "objection:documents", "section": trade.section.code, "text": TEXT})
    assert filed.status_code == 302, _body(filed)[:3000]
    objection = Objection.objects.get()
    assert filed["Location"] == f"/workspace/objections/{objection.uid}/"
    return objection


@pytest.mark.clause("6.4.3")
def test_a_bidder_objects_from_the_notice_the_agent_answers_the_other_bidder_sees_nothing(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    bidder = client_for(trade.stage.bidders[0].user)
    objection = _file_through_the_pages(trade, bidder)
    assert (objection.kind, objection.stage, objection.section) == ("objection", "documents", trade.section)
    assert objection.text == TEXT
    assert objection.organisation == trade.stage.bidders[0].organisation
    assert objection.pause is not None
    assert objection.pause.state == PauseState.ACTIVE
    page = bidder.get(f"/workspace/objections/{objection.uid}/")
    assert page.status_code == 200
    assert TEXT in _body(page)
    # answered within 3 days of its receipt (10 March): 11, 12, 13 March, by 13 March 24:00
    assert re.search(r'data-testid="answer-due">\s*2026-03-13 24:00', _body(page))
    # a complaint may carry it on only once it is answered or its answer period ends
    assert f'action="/workspace/objections/{objection.uid}/complain/"' not in _body(page)
    assert re.search(rf'data-testid="objection-state">\s*{zh(ObjectionState.FILED.label)}', _body(page))
    assert f'action="/workspace/objections/{objection.uid}/withdraw/"' in _body(page)
    assert f'action="/workspace/objections/{objection.uid}/answer/"' not in _body(
        page
    )  # not the filer's to answer
    listed = bidder.get("/workspace/objections/")
    assert f'href="/workspace/objections/{objection.uid}/"' in _body(listed)

    # the agent finds it in its list and answers it (the documents unchanged)
    agent = client_for(trade.world.agent_user)
    assert f'href="/workspace/objections/{objection.uid}/"' in _body(agent.get("/workspace/objections/"))
    to_answer = agent.get(f"/workspace/objections/{objection.uid}/")
    assert f'action="/workspace/objections/{objection.uid}/answer/"' in _body(to_answer)
    assert 'name="changes_documents"' in _body(to_answer)
    assert trade.stage.bidders[0].organisation.name in _body(to_answer)  # who must answer knows who asks
    trade.clock.at(t("2026-03-11 09:00"))
    answered = agent.post(f"/workspace/objections/{objection.uid}/answer/", {"answer": ANSWER}, follow=True)
    assert answered.redirect_chain == [(f"/workspace/objections/{objection.uid}/", 302)]
    assert zh(gettext_lazy("The answer is recorded and sent to the filer.")) in _messages(answered)
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED
    assert objection.answer == ANSWER
    assert not objection.changes_documents
    assert Pause.objects.get(pk=objection.pause_id).state == PauseState.RESUMED
    assert BidWindow.objects.get(section=trade.section).deadline == DEADLINE  # unchanged
    assert not Notice.objects.filter(type=NoticeType.CORRECTION).exists()

    # the bidder reads the answer
    seen = bidder.get(f"/workspace/objections/{objection.uid}/")
    assert re.search(rf'data-testid="answer">\s*{re.escape(ANSWER)}', _body(seen))
    assert f'action="/workspace/objections/{objection.uid}/complain/"' in _body(seen)  # disputed: now open

    # the other bidder: not found, not listed, nothing of who objected
    other = client_for(trade.stage.bidders[1].user)
    missing = other.get(f"/workspace/objections/{objection.uid}/")
    assert missing.status_code == 404
    assert TEXT not in _body(missing)
    assert ANSWER not in _body(missing)
    theirs = _body(other.get("/workspace/objections/"))
    assert str(objection.uid) not in theirs
    assert trade.stage.bidders[0].organisation.name not in theirs
    assert other.post(f"/workspace/objections/{objection.uid}/withdraw/").status_code == 404


def test_an_answer_changing_the_documents_moves_the_deadline_through_the_page(
    trade: Trade, client_for: Callable[..., Client], django_capture_on_commit_callbacks: Any
) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    objection = _file_through_the_pages(trade, client_for(trade.stage.bidders[0].user))
    trade.clock.at(t("2026-03-12 10:00"))
    agent = client_for(trade.world.agent_user)
    with django_capture_on_commit_callbacks(execute=True):
        answered = agent.post(
            f"/workspace/objections/{objection.uid}/answer/",
            {"answer": "采纳：资格条件改为二级及以上。", "changes_documents": "on"},
        )
    assert answered.status_code == 302
    assert answered["Location"] == f"/workspace/objections/{objection.uid}/"
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED
    assert objection.changes_documents
    # 15 whole days from 12 March: Saturday 28 March, so Monday 30 March keeping its 09:30
    assert BidWindow.objects.get(section=trade.section).deadline == t("2026-03-30 09:30")
    assert BidWindow.objects.get(section=trade.stage.other_section).deadline == DEADLINE
    correction = Notice.objects.get(type=NoticeType.CORRECTION)
    assert correction.corrects == trade.notice
    assert correction.state == "draft"
    page = client_for(trade.stage.bidders[0].user).get(f"/workspace/objections/{objection.uid}/")
    assert "采纳：资格条件改为二级及以上。" in _body(page)


def test_an_empty_objection_is_refused_in_chinese_and_nothing_is_stored(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    bidder = client_for(trade.stage.bidders[0].user)
    link = f"/notices/{trade.notice.uid}/object/"
    for text in ("", "   "):
        refused = bidder.post(
            link, {"stage": "objection:documents", "section": trade.section.code, "text": text}
        )
        assert refused.status_code == 400
        assert "这个字段是必填项。" in _body(refused)
        assert "This field is required" not in _body(refused)
    assert not Objection.objects.exists()
    assert not Pause.objects.exists()


def test_staff_record_a_platform_fault_with_a_postponement_and_the_agent_resumes(
    trade: Trade, client_for: Callable[..., Client], django_capture_on_commit_callbacks: Any
) -> None:
    trade.clock.at(t("2026-03-20 10:00"))
    code = trade.tender_project.code
    url = f"/workspace/procedures/{code}/"
    staff = client_for(trade.world.staff[0])
    assert f'href="{url}"' in _body(staff.get("/workspace/procedures/"))
    page = staff.get(url)
    assert page.status_code == 200
    assert '<option value="platform_fault">' in _body(page)
    assert '<option value="objection">' not in _body(page)
    reason = "交易系统数据库故障，无法接收投标文件。"
    with django_capture_on_commit_callbacks(execute=True):
        paused = staff.post(
            f"{url}pause/",
            {"basis": "platform_fault", "reason": reason, "postpone_to": "2026-03-27T09:30"},
            follow=True,
        )
    assert paused.redirect_chain == [(url, 302)], _messages(paused)
    pause = Pause.objects.get()
    assert (pause.basis, pause.state, pause.started_by) == (
        PauseBasis.PLATFORM_FAULT, PauseState.ACTIVE, trade.world.staff[0],
    )  # fmt: skip
    assert BidWindow.objects.get(section=trade.section).deadline == t("2026-03-27 09:30")
    assert Notice.objects.filter(type=NoticeType.SPECIAL, state="draft").exists()
    body = _body(paused)
    assert reason in body
    assert f'action="{url}pauses/{pause.uid}/resume/"' in body
    assert re.search(rf'data-testid="pause-state">\s*{zh(PauseState.ACTIVE.label)}<', body)

    # the agent resumes it from the same page
    agent = client_for(trade.world.agent_user)
    listed = agent.get(url)
    assert reason in _body(listed)
    trade.clock.at(t("2026-03-20 15:00"))
    with django_capture_on_commit_callbacks(execute=True):
        resumed = agent.post(f"{url}pauses/{pause.uid}/resume/", {"reason": "故障已排除。"}, follow=True)
    assert resumed.redirect_chain == [(url, 302)], _messages(resumed)
    pause.refresh_from_db()
    assert pause.state == PauseState.RESUMED
    assert f'action="{url}pauses/{pause.uid}/resume/"' not in _body(resumed)
    assert re.search(
        rf'data-testid="pause-state">\s*{zh(PauseState.RESUMED.label)} 2026-03-20 15:00<', _body(resumed)
    )


def test_a_bidder_is_refused_the_procedure_pages_and_another_centres_staff_do_not_find_them(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    url = f"/workspace/procedures/{trade.tender_project.code}/"
    bidder = client_for(trade.stage.bidders[0].user)
    assert bidder.get(url).status_code == 403
    assert bidder.get("/workspace/procedures/").status_code == 403
    assert bidder.post(f"{url}pause/", {"basis": "platform_fault", "reason": "停"}).status_code == 403
    _province, elsewhere = other_centre()
    stranger = client_for(elsewhere)
    missing = stranger.get(url)
    assert missing.status_code == 404
    assert trade.tender_project.name not in _body(missing)
    assert trade.tender_project.code not in _body(stranger.get("/workspace/procedures/"))
    assert stranger.post(f"{url}pause/", {"basis": "platform_fault", "reason": "停"}).status_code == 404
    assert not Pause.objects.exists()


def test_the_agent_terminates_the_procedure_through_the_page(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    url = f"/workspace/procedures/{trade.tender_project.code}/"
    agent = client_for(trade.world.agent_user)
    page = agent.get(url)
    assert f'action="{url}terminate/"' in _body(page)
    staff_page = client_for(trade.world.staff[0]).get(url)
    assert f'action="{url}terminate/"' not in _body(staff_page)  # only the initiator and its agent
    empty = agent.post(f"{url}terminate/", {"reason": ""})
    assert empty.status_code == 302
    assert not Pause.objects.exists()
    done = agent.post(f"{url}terminate/", {"reason": "项目取消，资金未落实。"}, follow=True)
    assert done.redirect_chain == [(url, 302)], _messages(done)
    ended = Pause.objects.get()
    assert ended.state == PauseState.TERMINATED
    assert ended.reason == "项目取消，资金未落实。"
    termination = Notice.objects.get(type=NoticeType.TERMINATION)
    assert termination.corrects == trade.notice
    assert termination.state == "draft"
    # terminated for good: the page offers neither a pause nor a termination any more
    assert re.search(rf'data-testid="pause-state">\s*{zh(PauseState.TERMINATED.label)}<', _body(done))
    assert f'action="{url}terminate/"' not in _body(done)
    assert f'action="{url}pause/"' not in _body(done)
    again = agent.post(f"{url}terminate/", {"reason": "再次终止。"}, follow=True)
    assert again.redirect_chain == [(url, 302)]
    assert zh(RegistryError.TERMINATED.message) in _messages(again)
    assert Pause.objects.count() == 1


def test_the_pages_speak_chinese(trade: Trade, client_for: Callable[..., Client]) -> None:
    """Every objection and procedure page, as each of its readers sees it, with no English word left —
    even for a browser asking for English first."""
    trade.clock.at(t("2026-03-10 10:00"))
    bidder_user, agent_user, staff_user = (
        trade.stage.bidders[0].user,
        trade.world.agent_user,
        trade.world.staff[0],
    )
    bidder = client_for(bidder_user, headers={"accept-language": "en-US,en;q=0.9"})
    objection = _file_through_the_pages(trade, bidder)
    refused = bidder.post(
        f"/notices/{trade.notice.uid}/object/", {"stage": "objection:documents", "text": ""}
    )
    agent = client_for(agent_user, headers={"accept-language": "en-US,en;q=0.9"})
    staff = client_for(staff_user, headers={"accept-language": "en-US,en;q=0.9"})
    code = trade.tender_project.code
    pages: dict[str, Any] = {
        "bidder notice": bidder.get(f"/notices/{trade.notice.uid}/"),
        "bidder form": bidder.get(f"/notices/{trade.notice.uid}/object/"),
        "bidder form refused": refused,
        "bidder objection": bidder.get(f"/workspace/objections/{objection.uid}/"),
        "bidder list": bidder.get("/workspace/objections/"),
        "agent list": agent.get("/workspace/objections/"),
        "agent objection": agent.get(f"/workspace/objections/{objection.uid}/"),
        "agent procedures": agent.get("/workspace/procedures/"),
        "agent procedure": agent.get(f"/workspace/procedures/{code}/"),
        "staff procedures": staff.get("/workspace/procedures/"),
        "staff procedure": staff.get(f"/workspace/procedures/{code}/"),
    }
    agent.post(f"/workspace/objections/{objection.uid}/answer/", {"answer": ANSWER})
    pages["bidder answered"] = bidder.get(f"/workspace/objections/{objection.uid}/")
    names = (bidder_user.username, agent_user.username, staff_user.username)
    found = {
        where: english_words(response, *names)
        for where, response in pages.items()
        if english_words(response, *names) or response.status_code not in (200, 400)
    }
    assert found == {}, {where: (pages[where].status_code, words) for where, words in found.items()}
    assert "异议" in _body(pages["bidder form"])
    assert "答复" in _body(pages["bidder answered"])
