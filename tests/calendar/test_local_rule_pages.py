"""The rule table on a public page, and a centre's longer local periods set by its staff from a page (before
these pages a local period took a shell): every rule by sector in words, with its legal basis and how sure
we are; a longer local period is shown beside the law's; a shorter one is refused with the service's words
and changes nothing; another centre's staff get the not-found answer, other roles are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.accounts import parties
from ggzy.accounts.models import Centre, RoleGrant
from ggzy.calendar.models import LocalPeriodRule
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event

pytestmark = pytest.mark.django_db
RULES = "/calendar/rules/"
PAGE = "/workspace/calendar/local-rules/"
SET = "/workspace/calendar/local-rules/set/"
BASIS = "辽宁省国有建设用地使用权出让规定 第十条"
LONGER = {
    "centre": "sy",
    "rule": "land-listing-period",
    "amount": "10",
    "unit": "working_day",
    "basis": BASIS,
}


def _staff(*centres: Centre, username: str) -> Any:
    user = get_user_model().objects.create_user(username=username)
    for centre in centres:
        RoleGrant.objects.create(user=user, role=Role.CENTRE_STAFF, centre=centre, granted_at=clock.now())
    return user


@pytest.fixture
def shenyang(db: Any) -> Centre:
    return parties.centre_create(actor=None, code="sy", name="沈阳市公共资源交易中心", region="210100")


@pytest.fixture
def dalian(db: Any) -> Centre:
    return parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def test_the_public_page_lists_every_rule_by_sector_in_words(client: Client) -> None:
    page = _text(client.get(RULES))
    for sector in ("工程建设", "政府采购", "土地使用权", "国有产权", "通用"):
        assert sector in page
    assert page.index("工程建设") < page.index("政府采购") < page.index("土地使用权") < page.index("国有产权")
    assert "至少 20 日（日历日）" in page  # tender-bid-period
    assert "5 个工作日内" in page  # service-feedback
    assert "自“招标（采购）文件开始发出”至“投标截止时间”" in page  # an "after" rule
    assert "“发出澄清或者修改”在“投标截止时间”之前" in page  # a "before" rule, both events by name
    assert "招标投标法 §24" in page
    assert "待核" in page  # a rule whose article was not read
    for code in ("bid_deadline", "clarification_issued", "listing_end"):
        assert code not in page.replace('data-rule="', "")  # events by name, never by code
    assert "/workspace/calendar/local-rules/" not in page  # the staff link is for staff


def test_staff_set_a_longer_local_period_and_both_pages_show_it(
    client_for: Callable[..., Client], shenyang: Centre, dalian: Centre
) -> None:
    staff = client_for(_staff(shenyang, username="sy-staff"))
    page = _text(staff.get(PAGE))
    assert 'data-testid="rule-land-listing-period"' in page
    assert 'data-testid="rule-objection-answer"' not in page  # a time limit cannot be lengthened
    assert "本中心： 按法定期间" in page.replace("\n", "")
    assert "/workspace/calendar/local-rules/" in _text(staff.get(RULES))  # linked for staff

    answer = staff.post(SET, LONGER)
    assert answer.status_code == 302
    assert answer["Location"] == f"{PAGE}?centre=sy#rule-land-listing-period"
    local = LocalPeriodRule.objects.get(centre="sy", rule__code="land-listing-period")
    assert (local.amount, local.unit, local.basis) == (10, "working_day", BASIS)
    event = Event.objects.get(type="calendar.local_rule.set")
    assert (event.centre, event.data["rule"]) == ("sy", "land-listing-period")

    page = _text(staff.get(f"{PAGE}?centre=sy"))
    assert "沈阳市公共资源交易中心：“挂牌期" in page  # the success message
    assert f"至少 10 个工作日</strong>（{BASIS}）" in page
    public = _text(Client().get(RULES))
    assert f"沈阳市公共资源交易中心</strong>：至少 10 个工作日（{BASIS}）" in public
    assert "至少 10 日（日历日）" in public  # the law's floor beside it
    assert BASIS in _text(Client().get(f"{RULES}?centre=sy"))
    assert BASIS not in _text(Client().get(f"{RULES}?centre=dl"))  # a centre without local periods
    assert Client().get(f"{RULES}?centre=nowhere").status_code == 404


def test_a_shorter_period_is_refused_with_the_services_words_and_nothing_changes(
    client_for: Callable[..., Client], shenyang: Centre
) -> None:
    staff = client_for(_staff(shenyang, username="sy-staff"))
    staff.post(SET, LONGER)
    shorter = {**LONGER, "amount": "9", "unit": "calendar_day", "basis": "另一规定"}
    page = _text(staff.post(SET, shorter, follow=True))
    assert "本地期间只能长于法定期间，不得短于法定期间。" in page
    assert "法定期间至" in page  # where it would end earlier, in words
    local = LocalPeriodRule.objects.get(centre="sy", rule__code="land-listing-period")
    assert (local.amount, local.unit, local.basis) == (10, "working_day", BASIS)  # unchanged
    assert Event.objects.filter(type="calendar.local_rule.set").count() == 1

    limit = {**LONGER, "rule": "objection-answer", "amount": "5", "unit": "calendar_day"}
    page = _text(staff.post(SET, limit, follow=True))
    assert "只有法定最短期间可以由本地规则延长；法定时限不得更改。" in page
    page = _text(staff.post(SET, {**LONGER, "rule": "tender-bid-period", "basis": ""}, follow=True))
    assert "请填写期间长度（整数）、单位及其所依据的本地规定。" in page
    assert list(LocalPeriodRule.objects.values_list("rule__code", flat=True)) == ["land-listing-period"]
    assert Event.objects.filter(type="calendar.local_rule.set").count() == 1


def test_staff_of_two_centres_choose_the_centre(
    client_for: Callable[..., Client], shenyang: Centre, dalian: Centre
) -> None:
    both = client_for(_staff(shenyang, dalian, username="both"))
    page = _text(both.get(f"{PAGE}?centre=sy"))
    assert 'href="?centre=dl"' in page
    both.post(SET, {**LONGER, "centre": "dl"})
    assert list(LocalPeriodRule.objects.values_list("centre", flat=True)) == ["dl"]
    assert f"至少 10 个工作日</strong>（{BASIS}）" in _text(both.get(f"{PAGE}?centre=dl"))
    assert BASIS not in _text(both.get(f"{PAGE}?centre=sy"))


def test_another_centres_staff_and_other_roles_set_nothing(
    client_for: Callable[..., Client], client_as: Callable[..., Client], shenyang: Centre, dalian: Centre
) -> None:
    outsider = client_for(_staff(dalian, username="dl-staff"))
    assert outsider.post(SET, LONGER).status_code == 404
    assert outsider.get(f"{PAGE}?centre=sy").status_code == 404
    staff = client_for(_staff(shenyang, username="sy-staff"))
    assert staff.post(SET, {**LONGER, "rule": "no-such-rule"}).status_code == 404
    bidder = client_as(Role.RESPONDER)
    assert bidder.get(PAGE).status_code == 403
    assert bidder.post(SET, LONGER).status_code == 403
    anonymous = Client().post(SET, LONGER)
    assert anonymous.status_code in (302, 403)
    assert not LocalPeriodRule.objects.exists()
    assert not Event.objects.filter(type="calendar.local_rule.set").exists()
