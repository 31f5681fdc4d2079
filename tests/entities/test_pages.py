"""The library's pages through the test client: the bidder's own library by kind (flags, expiry marked,
the retired folded away), an entry added through its kind's form — a validity ending before it starts said
in Chinese next to its field, nothing created — its page, files, edit (the personal number kept when left
empty, never shown but masked), the authority's confirmation and the business licence taken in from a real
`ggzy-authority serve`, retiring; another bidder's entry answers like a missing one; the snapshot download
is the ggzy-library-snapshot-v1 document whose SM3 check out; the public page shows the qualifications and
nothing personal; a supervisor reads any library, read-only."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ggzy.accounts.models import Organisation, RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.entities import services
from ggzy.entities.models import Item, Revision, Verification
from ggzy.events.models import Event
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3
from tests.entities.library_world import organisation, professional, qualification
from tests.entities.test_authority import pinned, registry  # noqa: F401  (fixtures: a real authority)
from tests.factories import make_resident_id, signed_in
from tests.outside import Authority

pytestmark = pytest.mark.django_db

LIBRARY = "/workspace/library/"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
MISSING = "00000000-0000-4000-8000-000000000000"


def bidder(name: str = "天成建设有限公司") -> tuple[Organisation, Any, Client]:
    """An organisation with a member who holds the bidder's role for it, signed in."""
    org, user = organisation(name)
    RoleGrant.objects.create(user=user, role=Role.RESPONDER, organisation=org, granted_at=clock.now())
    return org, user, signed_in(Client(), user)


def _body(response: Any) -> str:
    return response.content.decode()


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _same_page(response: Any, path: str) -> str:
    """The page with what differs between two answers taken out: the address, nonces, CSRF tokens."""
    text = _body(response).replace(path, "<path>")
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', text)


def _today() -> dt.date:
    return clock.local_now().date()


def _counts() -> tuple[int, int, int]:
    return Item.objects.count(), Revision.objects.count(), Event.objects.count()


def test_the_owner_sees_the_library_by_kind_with_expiry_flags_and_the_retired_folded_away() -> None:
    org, user, client = bidder()
    today = _today()
    services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    soon = services.item_add(
        actor=user,
        organisation=org,
        kind="document",
        fields={
            "doc_type": "tax",
            "title": "2025 年度纳税证明",
            "issued": (today - dt.timedelta(days=300)).isoformat(),
            "valid_to": (today + dt.timedelta(days=5)).isoformat(),
        },
    )
    services.item_add(
        actor=user,
        organisation=org,
        kind="document",
        fields={
            "doc_type": "credit_report",
            "title": "2024 年信用报告",
            "issued": (today - dt.timedelta(days=400)).isoformat(),
            "valid_to": (today - dt.timedelta(days=1)).isoformat(),
        },
    )
    gone = services.item_add(actor=user, organisation=org, kind="professional", fields=professional(3))
    services.item_retire(actor=user, item=gone, reason="已离职")
    response = client.get(LIBRARY)
    assert response.status_code == 200
    html = _body(response)
    assert "我的主体库" in html
    assert "D221060801" in html
    assert 'data-expiring="5"' in html
    assert "5 天后到期" in html
    assert 'data-flag="expired"' in html
    assert "已过期" in html
    retired = html.split('data-testid="retired"', 1)[1]
    assert "王建军" in retired
    assert "已离职" in retired
    assert "王建军" not in html.split('data-testid="retired"', 1)[0]
    assert reverse("entities:organisation", args=[org.uid]) in html  # what the public sees
    assert reverse("entities:item", args=[soon.uid]) in html
    for kind in ("licence", "qualification", "professional", "document"):
        assert reverse("entities:add", args=[kind]) in html


def test_the_workspace_leads_to_the_library(client_as: Callable[..., Client]) -> None:
    client = client_as(Role.RESPONDER)
    html = _body(client.get("/workspace/responder/"))
    assert reverse("entities:library") in html
    assert "我的主体库" in html
    assert client.get(reverse("entities:library")).status_code == 200
    supervisor = client_as(Role.SUPERVISOR)
    assert reverse("entities:organisations") in _body(supervisor.get("/workspace/supervisor/"))


def test_an_entry_is_added_through_its_form_and_a_bad_validity_is_said_in_chinese_creating_nothing() -> None:
    org, _user, client = bidder()
    add = reverse("entities:add", args=["qualification"])
    page = client.get(add)
    assert page.status_code == 200
    html = _body(page)
    assert 'type="date"' in html
    assert "市政公用工程施工总承包（特级、一级、二级、三级）" in html  # the type with its levels
    before = _counts()
    bad = client.post(add, {**qualification(valid_from="2026-01-01", valid_to="2025-01-01")})
    assert bad.status_code == 400
    text = _body(bad)
    assert "早于" in text
    assert "有效期不能在开始之前结束。" in text
    assert re.search(r"id_valid_to_errors[^>]*>[^<]*有效期不能在开始之前结束", text)  # next to its field
    assert _counts() == before
    good = client.post(add, {**qualification(), "files": SimpleUploadedFile("资质证书.pdf", PDF)})
    assert good.status_code == 302
    item = Item.objects.get(organisation=org, kind="qualification")
    assert good["Location"] == reverse("entities:item", args=[item.uid])
    detail = client.get(good["Location"])
    assert detail.status_code == 200
    assert "条目已加入您的主体库。" in _messages(detail)
    shown = _body(detail)
    assert "市政公用工程施工总承包" in shown
    assert item.files[0]["sm3"] in shown
    download = client.get(reverse("entities:file", args=[item.uid, item.files[0]["sm3"]]))
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("entities:add", args=["invented"])).status_code == 404


def test_an_edit_keeps_the_personal_number_left_empty_and_shows_it_masked_only() -> None:
    org, user, client = bidder()
    fields = professional(5)
    number = fields["id_number"]
    item = services.item_add(actor=user, organisation=org, kind="professional", fields=fields)
    item.refresh_from_db()
    masked = str(item.secret)
    page = _body(client.get(reverse("entities:item", args=[item.uid])))
    assert masked in page
    assert number not in page
    assert number[4:-4] not in page
    edited = client.post(
        reverse("entities:edit", args=[item.uid]), {**fields, "id_number": "", "specialty": "建筑工程"}
    )
    assert edited.status_code == 302
    item.refresh_from_db()
    assert (item.revision, item.data["specialty"], str(item.secret)) == (2, "建筑工程", masked)
    after = client.get(edited["Location"])
    assert "条目已保存为第 2 版。" in _messages(after)
    assert number not in _body(after)
    history = _body(after).split('data-testid="history"', 1)[1]
    assert "修改" in history
    assert "新增" in history
    for revision in Revision.objects.filter(item=item):
        assert revision.sm3 in history


def test_retiring_needs_a_reason_and_keeps_the_revisions() -> None:
    org, user, client = bidder()
    item = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    retire = reverse("entities:retire", args=[item.uid])
    before = _counts()
    refused = client.post(retire, {"reason": ""}, follow=True)
    assert "请写明停用原因。" in _messages(refused)
    assert _counts() == before
    done = client.post(retire, {"reason": "资质证书已注销"}, follow=True)
    assert "条目已停用" in _messages(done)
    item.refresh_from_db()
    assert item.retired_at is not None
    assert item.retired_reason == "资质证书已注销"
    again = client.post(retire, {"reason": "再次停用"}, follow=True)  # refused: said, nothing changed
    assert "该条目已停用" in _messages(again)
    assert Revision.objects.filter(item=item).count() == 2
    page = _body(client.get(reverse("entities:item", args=[item.uid])))
    assert "已停用" in page
    assert 'data-testid="edit-form"' not in page


def test_another_bidders_entry_answers_like_a_missing_one() -> None:
    org, user, _client = bidder()
    item = services.item_add(
        actor=user, organisation=org, kind="qualification", fields=qualification(), files=[("证书.pdf", PDF)]
    )
    _other, _other_user, other = bidder("远航建设有限公司")
    before = _counts()
    sm3_hex = item.files[0]["sm3"]
    for name, method, extra in (
        ("entities:item", "get", ()),
        ("entities:edit", "post", ()),
        ("entities:verify", "post", ()),
        ("entities:retire", "post", ()),
        ("entities:file", "get", (sm3_hex,)),
    ):
        theirs_url, missing_url = (
            reverse(name, args=[item.uid, *extra]),
            reverse(name, args=[MISSING, *extra]),
        )
        theirs = getattr(other, method)(theirs_url, {"reason": "不是我的"})
        missing = getattr(other, method)(missing_url, {"reason": "不是我的"})
        assert theirs.status_code == missing.status_code == 404, name
        assert _same_page(theirs, theirs_url) == _same_page(missing, missing_url), name
        assert 'data-error-code="library_item_not_found"' in _body(theirs), name
        assert "D221060801" not in _body(theirs)
    assert _counts() == before
    # nor through the snapshot: an entry of another library is not found
    assert other.post(reverse("entities:snapshot"), {"items": [str(item.uid)]}).status_code == 404


def test_the_snapshot_download_is_json_whose_items_check_out() -> None:
    org, user, client = bidder()
    first = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    second = services.item_add(actor=user, organisation=org, kind="professional", fields=professional(8))
    page = client.get(reverse("entities:snapshot"))
    assert page.status_code == 200
    assert "ggzy-bid seal --library library.json" in _body(page)
    assert str(first.uid) in _body(page)
    empty = client.post(reverse("entities:snapshot"), {}, follow=True)
    assert "请至少选择主体库中的一个条目。" in _messages(empty)
    response = client.post(reverse("entities:snapshot"), {"items": [str(first.uid), str(second.uid)]})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="library.json"'
    document = json.loads(response.content.decode("utf-8"))
    assert document["format"] == "ggzy-library-snapshot-v1"
    assert document["organisation"] == org.uscc
    assert "section" not in json.dumps(document)  # it names no section
    assert [entry["item"] for entry in document["items"]] == [str(first.uid), str(second.uid)]
    for entry in document["items"]:
        assert entry["sm3"] == sm3(canonical.dumps(entry["body"])).hex()
        assert entry["sm3"] == Revision.objects.get(item__uid=entry["item"], number=entry["revision"]).sm3
    assert professional(8)["id_number"] not in response.content.decode("utf-8")
    assert services.snapshot_parse(response.content)  # the document the opening reads


def test_without_an_authority_a_lookup_is_refused_in_chinese_and_changes_nothing(settings: Any) -> None:
    settings.GGZY_AUTHORITY_URL = ""
    org, user, client = bidder()
    item = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    before = _counts()
    answer = client.post(reverse("entities:verify", args=[item.uid]), follow=True)
    assert "本平台未配置主管部门的核验系统" in _messages(answer)
    intake = client.post(reverse("entities:licence-intake"), follow=True)
    assert "本平台未配置主管部门的核验系统" in _messages(intake)
    assert intake.redirect_chain[-1][0] == LIBRARY
    assert _counts() == before


def test_the_authority_confirms_through_the_pages_and_the_public_sees_it(pinned: Authority) -> None:  # noqa: F811
    org, user, client = bidder()
    pinned.add(
        {
            "licences": [
                {
                    "code": org.uscc, "name": org.name, "legal_representative": "陈建国",
                    "entity_type": "有限责任公司", "registered_capital_fen": 5_000_000_000,
                    "established": "2008-06-18", "address": "辽宁省沈阳市和平区南京北街 1 号",
                    "scope": "市政公用工程施工总承包", "status": "active",
                    "registrar": "沈阳市市场监督管理局",
                }
            ],
            "qualifications": [
                {
                    "certificate": "D221060801", "holder_code": org.uscc, "holder_name": org.name,
                    "type": "construction.general.municipal", "level": "一级",
                    "issuer": "辽宁省住房和城乡建设厅",
                    "valid_from": "2024-01-01", "valid_to": "2029-01-01", "status": "valid",
                }
            ],
        }
    )  # fmt: skip
    taken = client.post(reverse("entities:licence-intake"), follow=True)
    assert "已从电子营业执照系统导入本单位的营业执照。" in _messages(taken)
    licence = Item.objects.get(organisation=org, kind="licence")
    assert licence.verification == Verification.MATCH
    item = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    confirmed = client.post(reverse("entities:verify", args=[item.uid]), follow=True)
    assert "主管部门的记录与条目一致。" in _messages(confirmed)
    item.refresh_from_db()
    assert item.verification == Verification.MATCH
    public = _body(Client().get(reverse("entities:organisation", args=[org.uid])))
    assert "有限责任公司" in public
    assert "2008-06-18" in public
    assert "沈阳市市场监督管理局" in public
    assert "经主管部门核验一致" in public.split('data-testid="qualifications"', 1)[1]
    assert "陈建国" not in public  # the licence's person is not on the public page
    # an entry the registry records otherwise: the page says in what
    differs = services.item_add(
        actor=user, organisation=org, kind="qualification",
        fields=qualification(certificate="D221060801X", level="二级"),
    )  # fmt: skip
    pinned.add({"qualifications": [{
        "certificate": "D221060801X", "holder_code": org.uscc, "holder_name": org.name,
        "type": "construction.general.municipal", "level": "一级", "issuer": "辽宁省住房和城乡建设厅",
        "valid_from": "2024-01-01", "valid_to": "2029-01-01", "status": "valid",
    }]})  # fmt: skip
    said = _body(client.post(reverse("entities:verify", args=[differs.uid]), follow=True))
    assert "主管部门记录中不一致的项： 等级" in said


def test_the_public_page_shows_qualifications_and_nothing_personal() -> None:
    org, user = organisation()
    services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    person = professional(9)
    services.item_add(actor=user, organisation=org, kind="professional", fields=person)
    staff_number = make_resident_id(11)
    services.item_add(
        actor=user,
        organisation=org,
        kind="staff",
        fields={"name": "李技术", "id_kind": "resident", "id_number": staff_number, "position": "技术负责人",
                "since": "2019-01-01"},
    )  # fmt: skip
    services.item_add(
        actor=user,
        organisation=org,
        kind="bank_account",
        fields={"bank": "中国工商银行", "account_name": org.name, "account_number": "6222020200112233445",
                "account_kind": "basic"},
    )  # fmt: skip
    services.item_add(
        actor=user,
        organisation=org,
        kind="control",
        fields={"role": "controller", "party_kind": "person", "party_name": "赵控制", "id_kind": "resident",
                "id_number": make_resident_id(12), "since": "2015-01-01"},
    )  # fmt: skip
    response = Client().get(reverse("entities:organisation", args=[org.uid]))  # nobody signed in
    assert response.status_code == 200
    html = _body(response)
    assert org.name in html
    assert org.uscc in html
    assert "D221060801" in html
    assert "市政公用工程施工总承包" in html
    assert "2029-01-01" in html
    for number in (person["id_number"], staff_number, make_resident_id(12)):
        masked = number[:4] + "*" * (len(number) - 8) + number[-4:]
        assert number not in html
        assert number[4:-4] not in html
        assert masked not in html
    for secret in (
        "王建军",
        "李技术",
        "赵控制",
        "6222020200112233445",
        "3445",
        "中国工商银行",
        person["certificate"],
    ):
        assert secret not in html
    assert Client().get(reverse("entities:organisation", args=[uuid.uuid4()])).status_code == 404


def test_a_supervisor_finds_an_organisation_and_reads_its_library_read_only(
    client_as: Callable[..., Client],
) -> None:
    org, user = organisation("锦程路桥工程有限公司")
    fields = professional(4)
    item = services.item_add(actor=user, organisation=org, kind="professional", fields=fields)
    supervisor = client_as(Role.SUPERVISOR)
    found = supervisor.get(reverse("entities:organisations"), {"q": "锦程"})
    assert found.status_code == 200
    assert reverse("entities:organisation-library", args=[org.uid]) in _body(found)
    by_code = _body(supervisor.get(reverse("entities:organisations"), {"q": org.uscc.lower()}))
    assert org.name in by_code
    library = supervisor.get(reverse("entities:organisation-library", args=[org.uid]))
    assert library.status_code == 200
    assert "王建军" in _body(library)
    detail = _body(supervisor.get(reverse("entities:item", args=[item.uid])))
    assert str(Item.objects.get(pk=item.pk).secret) in detail  # masked
    assert fields["id_number"] not in detail
    assert 'data-testid="actions"' not in detail  # read-only
    before = _counts()
    assert supervisor.post(reverse("entities:retire", args=[item.uid]), {"reason": "x"}).status_code == 403
    assert _counts() == before
    _org, _user, bidder_client = bidder("远航建设有限公司")
    assert bidder_client.get(reverse("entities:organisations")).status_code == 403
    assert bidder_client.get(reverse("entities:organisation-library", args=[org.uid])).status_code == 403
