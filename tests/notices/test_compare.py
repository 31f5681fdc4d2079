"""Comparing a notice with a legal medium's text (6.4.2): the pure normalising and diffing, and the page
for the notice's drafters and its centre's staff (another agent's notice 404; nothing is stored)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ggzy.events.models import Event
from ggzy.notices.compare import Kind, compare, normalise, notice_text
from ggzy.notices.models import NoticeMedium
from ggzy.notices.views.notices import items_of
from tests.factories import signed_in
from tests.notices.conftest import Place


# --- normalising ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("资金来源：财政资金，60%。", "资金来源:财政资金,60%."),  # Chinese punctuation vs ASCII
        ("（一期）；招标", "(一期);招标"),
        ("２０２６年３月２日", "2026年3月2日"),  # full-width digits
        ("ＣＡ数字证书", "ca 数字证书"),  # width, case, a space beside Chinese
        ("8 号线\n12 座车站", "8号线12座车站"),  # spaces and line breaks
        ("“电子”、《办法》", '"电子",<办法>'),
        ("Section  A\n1", "section a 1"),  # spaces between Latin words stay (one)
    ],
)
def test_normalising_makes_width_case_and_whitespace_alike(ours: str, theirs: str) -> None:
    assert normalise(ours) == normalise(theirs)
    assert compare(ours, theirs).equal


def test_normalising_keeps_what_a_reader_reads_differently() -> None:
    assert normalise("Section A1") != normalise("Section A 1")
    assert normalise("60%") != normalise("70%")
    assert normalise("财政资金，企业自筹") != normalise("财政资金企业自筹")  # a comma dropped is a difference


# --- diffing ----------------------------------------------------------------------------------------------
def test_a_changed_figure_shows_as_the_figure() -> None:
    ours = "投标保证金：每标段 80 万元。开标地点：一室。"
    theirs = ours.replace("80", "90")
    result = compare(ours, theirs)
    assert not result.equal
    changed = [s for s in result.segments if s.kind == Kind.CHANGED]
    assert [(s.ours, s.theirs) for s in changed] == [("8", "9")]
    assert "".join(s.ours for s in result.segments) == normalise(ours)
    assert "".join(s.theirs for s in result.segments) == normalise(theirs)


def test_missing_and_added_sentences_are_named() -> None:
    ours = "标题。资金来源：财政资金。开标地点：一室。"
    theirs = "标题。开标地点：一室。联系人：李。"
    result = compare(ours, theirs)
    kinds = {s.kind: s for s in result.segments if s.kind != Kind.EQUAL}
    assert kinds[Kind.MISSING].ours == normalise("资金来源：财政资金。")
    assert kinds[Kind.ADDED].theirs == normalise("联系人：李。")
    assert result.differences == 2


def test_the_notice_text_is_the_title_then_each_item_as_label_and_text() -> None:
    text = notice_text("招标公告", [("资金来源", "财政资金"), ("开标地点", "一室")])
    assert text == "招标公告\n资金来源：财政资金\n开标地点：一室"


# --- the page ---------------------------------------------------------------------------------------------
def _as_the_medium_prints_it(place: Place, notice: Any) -> str:
    """The notice's text as a medium might print it: half-width punctuation, other line breaks, spaces."""
    lines = [notice.title, *(f"{label}: {text}" for label, text in items_of(notice))]
    return "  \n".join(lines).replace("，", ", ").replace("（", "(").replace("）", ")")


@pytest.mark.django_db
@pytest.mark.clause("6.4.2")
def test_the_drafter_compares_and_the_page_says_they_match_or_shows_the_differences(place: Place) -> None:
    notice = place.scheduled()
    medium = NoticeMedium.objects.create(
        notice=notice, name="中国招标投标公共服务平台", url="https://www.cebpubservice.com/x",
        published_on=notice.publish_at.date(), added_by=place.world.agent_user, added_at=notice.publish_at,
    )  # fmt: skip
    client = signed_in(Client(), place.world.agent_user)
    url = reverse("notices:compare", args=[notice.uid])
    assert client.get(url).status_code == 200
    events = Event.objects.count()
    same = client.post(url, {"text": _as_the_medium_prints_it(place, notice), "medium": str(medium.uid)})
    assert same.status_code == 200
    html = same.content.decode()
    assert 'data-testid="compare-equal"' in html
    assert "一致" in html
    assert "中国招标投标公共服务平台" in html
    changed = _as_the_medium_prints_it(place, notice).replace("80 万元", "90 万元")
    differs = client.post(url, {"text": changed}).content.decode()
    assert 'data-testid="compare-differ"' in differs
    assert 'data-kind="changed"' in differs
    assert "不一致" in differs
    assert Event.objects.count() == events  # nothing recorded, nothing stored
    staff = signed_in(Client(), place.world.staff[0])
    assert (
        'data-testid="compare-equal"'
        in staff.post(url, {"text": _as_the_medium_prints_it(place, notice)}).content.decode()
    )


@pytest.mark.django_db
def test_another_agents_notice_is_not_found_and_a_draft_is_not_compared(place: Place, make_user: Any) -> None:
    from ggzy.core.roles import Role

    notice = place.scheduled()
    outsider = signed_in(Client(), make_user(Role.AGENT))
    url = reverse("notices:compare", args=[notice.uid])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"text": notice.title}).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in
    draft = place.draft(title="另一份草稿公告")
    page = signed_in(Client(), place.world.agent_user).post(
        reverse("notices:compare", args=[draft.uid]), {"text": draft.title}
    )
    assert page.status_code == 200
    assert 'data-testid="comparison"' not in page.content.decode()
