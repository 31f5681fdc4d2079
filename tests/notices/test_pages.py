"""The notice pages: the public list and page show nothing before the instant (404, not listed, not
counted), script in a notice is inert, drafting from the generated form, another's notice is 404, the
PDF holds the project name."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import uuid
from typing import Any

import pytest
from django.test import Client

from ggzy.core import clock
from ggzy.notices.models import Notice, NoticeState
from tests.factories import signed_in
from tests.notices.conftest import PROJECT_NAME, Place, tender_content

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _same(body: bytes, uid: str) -> str:
    """The body without what differs between two requests of one page: the address, nonces, CSRF tokens."""
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', body.decode().replace(uid, "<uid>"))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', text)


@pytest.mark.clause("6.4.2")
def test_before_its_instant_a_notice_is_neither_shown_nor_listed(place: Place, freeze: Any) -> None:
    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=HOUR)
    public = Client()
    missing = public.get(f"/notices/{uuid.uuid4()}/")
    early = public.get(f"/notices/{notice.uid}/")
    assert early.status_code == missing.status_code == 404
    missing_uid = missing.wsgi_request.path.split("/")[2]
    assert _same(early.content, str(notice.uid)) == _same(missing.content, missing_uid)
    assert public.get(f"/notices/{notice.uid}/pdf/").status_code == 404
    listed = public.get("/notices/").content.decode()
    assert notice.title not in listed
    assert str(notice.uid) not in listed
    empty = listed
    freeze(now + HOUR)
    page = public.get(f"/notices/{notice.uid}/")
    assert page.status_code == 200
    assert notice.title in page.content.decode()
    listed = public.get("/notices/").content.decode()
    assert notice.title in listed
    assert listed != empty


def test_script_in_a_notice_is_rendered_inert(place: Place) -> None:
    notice = place.scheduled(title=f"招标公告{SCRIPT}", content=tender_content(qualification=f"资质{SCRIPT}"))
    body = Client().get(f"/notices/{notice.uid}/").content.decode()
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    staff = (
        signed_in(Client(), place.world.staff[0]).get(f"/workspace/notices/{notice.uid}/").content.decode()
    )
    assert "<script>alert" not in staff
    assert "&lt;script&gt;" in staff


def test_the_agent_drafts_from_the_generated_form_and_schedules(place: Place, freeze: Any) -> None:
    freeze(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))  # 23 days before
    client = signed_in(Client(), place.world.agent_user)
    code = place.tender_project.code
    form = client.get(f"/workspace/notices/new/?type=tender&tender_project={code}")
    assert form.status_code == 200
    body = form.content.decode()
    assert "资金来源" in body
    assert "投标保证金" in body
    assert "是否接受联合体投标" in body
    data = {"type": "tender", "tender_project": code, "title": "车站装修施工招标公告"}
    data |= {f"c_{k}": v for k, v in tender_content().items() if k not in {"bid_deadline", "opening_at"}}
    data |= {
        "c_consortium_accepted": "no",
        "c_bid_deadline": "2026-03-25T09:30",
        "c_opening_at": "2026-03-25T09:30",
    }
    missing = dict(data, c_bid_security="")
    refused = client.post("/workspace/notices/new/", missing)
    assert refused.status_code == 400
    assert not Notice.objects.exists()
    done = client.post("/workspace/notices/new/", data)
    assert done.status_code == 302, done.content.decode()[:3000]
    notice = Notice.objects.get()
    assert notice.content["bid_deadline"] == "2026-03-25T09:30:00+08:00"
    assert notice.content["consortium_accepted"] is False
    assert client.post(f"/workspace/notices/{notice.uid}/schedule/", {"publish_at": ""}).status_code == 302
    notice.refresh_from_db()
    assert notice.state == NoticeState.SCHEDULED
    assert "/workspace/notices/" in client.get("/workspace/notices/").content.decode()


def test_another_agents_notice_and_project_are_not_found(place: Place, make_user: Any) -> None:
    from ggzy.core.roles import Role

    notice = place.draft()
    outsider = signed_in(Client(), make_user(Role.AGENT))
    for url in (f"/workspace/notices/{notice.uid}/", f"/workspace/notices/{notice.uid}/edit/"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/workspace/notices/{notice.uid}/schedule/", {}).status_code == 404
    code = place.tender_project.code
    assert outsider.get(f"/workspace/notices/new/?type=tender&tender_project={code}").status_code == 404
    Notice.objects.get(pk=notice.pk, state=NoticeState.DRAFT)


def test_staff_see_their_centres_drafts_and_record_a_form_remark(place: Place) -> None:
    notice = place.draft()
    staff = signed_in(Client(), place.world.staff[0])
    assert notice.title in staff.get("/workspace/notices/centre/").content.decode()
    assert staff.post(f"/workspace/notices/{notice.uid}/remark/", {"remark": "请写明标段"}).status_code == 302
    notice.refresh_from_db()
    assert notice.form_remark == "请写明标段"
    assert notice.state == NoticeState.DRAFT
    assert staff.post(f"/workspace/notices/{notice.uid}/schedule/", {}).status_code == 403  # not theirs to do


def test_the_pdf_holds_the_project_name_and_the_sm3(place: Place, tmp_path: Any) -> None:
    notice = place.scheduled()
    answer = Client().get(f"/notices/{notice.uid}/pdf/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    path = tmp_path / "notice.pdf"
    path.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert PROJECT_NAME.replace(" ", "") in text.replace(" ", "")
    assert notice.text_sm3 in text.replace("\n", "").replace(" ", "")
