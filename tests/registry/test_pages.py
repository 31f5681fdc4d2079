"""The registration pages: filing through the one form (multipart), refusals that store nothing, the
one-time notice and acceptance from the detail page, files, and who sees what."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.registry import services
from ggzy.registry.models import Blob, Leave, Project, Registration, ReturnNotice, Section, State
from tests.factories import make_uscc
from tests.registry.conftest import APPROVAL, INVESTMENT_CODE, PDF, World, pdf

pytestmark = pytest.mark.django_db
NEW = "/registrations/new/?centre=sy&category=engineering"


def upload(name: str, data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data + name.encode(), content_type="application/octet-stream")


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "沈阳地铁 8 号线车站装修工程",
        "region": "210100",
        "initiator": str(world.initiator.uid),
        "agent": str(world.agent.uid),
        "investment_code": INVESTMENT_CODE,
        "approval_number": APPROVAL,
        "tender_name": "车站装修施工",
        "s0_name": "一标段",
        "s0_budget": "12345678.90",
        "s0_price_form": "amount",
        "s0_method": "open_tender",
        "s1_name": "二标段",
        "s1_budget": "8000000",
        "s1_price_form": "amount",
        "s1_method": "open_tender",
        "s2_price_form": "amount",
        "s3_price_form": "amount",
        "s4_price_form": "amount",
        "file_application_form": upload("申请表.pdf"),
        "file_filing_form": upload("备案表.pdf"),
        "defer_agency_contract": "on",
        "promise_agency_contract": "合同盖章中，三日内补交",
        "due_agency_contract": (clock.local_now().date() + dt.timedelta(days=3)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_step_one_offers_the_centre_and_the_category(client_for: Callable[..., Client], world: World) -> None:
    response = client_for(world.agent_user).get("/registrations/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="centre"' in html
    assert 'name="category"' in html
    form = client_for(world.agent_user).get(NEW).content.decode()
    # the outside codes of the category, the checklist items with their need and the 容缺 option
    assert 'name="investment_code"' in form
    assert 'name="approval_number"' in form
    assert 'name="procurement_plan"' not in form
    assert 'name="file_agency_contract"' in form
    assert 'name="defer_agency_contract"' in form
    assert 'name="defer_filing_form"' not in form
    assert 'name="na_agency_contract"' in form
    assert 'value="210100"' in form  # the centre's region by default


@pytest.mark.clause("6.2.2.1")
def test_an_agent_files_through_the_page_and_codes_are_issued(
    client_for: Callable[..., Client], world: World
) -> None:
    client = client_for(world.agent_user)
    response = client.post(NEW, form_data(world))
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registrations/{registration.uid}/"
    project = registration.project
    assert re.fullmatch(rf"A210100{clock.local_now().year}\d{{6}}", project.code)
    assert [s.code[-3:] for s in Section.objects.order_by("code")] == ["001", "002"]
    assert Section.objects.get(code__endswith="001").budget_fen == 1234567890
    assert project.agent == world.agent
    assert registration.channel == "online"
    contract = registration.items.get(checklist_item__key="agency_contract")
    assert contract.promise == "合同盖章中，三日内补交"
    assert contract.blob is None
    page = client.get(response["Location"])
    html = page.content.decode()
    assert project.code in html  # the success message names the code, the page shows it
    assert "12,345,678.90" in html  # yuan from fen, exactly
    assert "8,000,000.00" in html
    assert INVESTMENT_CODE in html
    assert "合同盖章中" in html


def test_a_bad_upload_is_refused_with_its_message_and_nothing_is_stored(
    client_for: Callable[..., Client], world: World
) -> None:
    response = client_for(world.agent_user).post(
        NEW, form_data(world, file_application_form=upload("申请表.exe", b"MZ\x90\x00"))
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "不接受此类型的文件" in html or "This type of file is not accepted" in html
    assert "申请表.exe" in html  # the detail names the file
    assert "沈阳地铁 8 号线车站装修工程" in html  # the values are kept
    assert Project.objects.count() == 0
    assert Blob.objects.count() == 0
    assert not Event.objects.filter(type__startswith="registry.registration").exists()


def test_a_blank_section_row_is_ignored_and_a_missing_code_is_named(
    client_for: Callable[..., Client], world: World
) -> None:
    client = client_for(world.agent_user)
    response = client.post(NEW, form_data(world, s1_name="", s1_budget="", approval_number=""))
    assert response.status_code == 400  # a required form field: the form says so before the service
    assert Project.objects.count() == 0
    response = client.post(NEW, form_data(world, s1_name="", s1_budget="", s0_budget="1.234"))
    assert response.status_code == 400
    assert "1.234" in response.content.decode()
    client.post(NEW, form_data(world, s1_name="", s1_budget=""))
    assert Section.objects.count() == 1


def test_an_initiator_files_for_its_own_organisation_only(
    client_for: Callable[..., Client], world: World
) -> None:
    client = client_for(world.initiator_user)
    form = client.get(NEW).content.decode()
    assert 'name="agent"' not in form
    response = client.post(
        NEW,
        form_data(world, agent=None, initiator=None, defer_agency_contract=None, na_agency_contract="on"),
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.project.initiator == world.initiator
    assert registration.project.agent is None
    assert registration.items.get(checklist_item__key="agency_contract").not_applicable


def test_staff_enter_a_walk_in_registration(client_for: Callable[..., Client], world: World) -> None:
    response = client_for(world.staff[0]).post(NEW, form_data(world))
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.channel == "on_site"
    assert registration.filed_by == world.staff[0]


@pytest.mark.clause("6.2.3")
def test_staff_return_naming_two_items_then_accept(client_for: Callable[..., Client], world: World) -> None:
    registration = world.file(
        files={
            "application_form": pdf("申请表"),
            "filing_form": pdf("备案表"),
            "agency_contract": pdf("合同"),
        }
    )
    a, b, c = world.staff
    staff = client_for(a)
    page = staff.get(f"/registrations/{registration.uid}/").content.decode()
    assert 'data-testid="return-form"' in page
    actions = re.findall(r'action="([^"]*)"', page)
    assert not [a for a in actions if "approv" in a]  # no approval of documents anywhere (6.2.6)
    response = staff.post(
        f"/registrations/{registration.uid}/return/",
        {
            "items": ["filing_form", "approval_document"],
            "reason_filing_form": "备案表未盖章",
            "reason_approval_document": "缺少核准文件",
            "reason_application_form": "not named: ignored",
        },
    )
    assert response.status_code == 302
    notice = ReturnNotice.objects.get()
    assert sorted(notice.lines.values_list("checklist_item__key", flat=True)) == [
        "approval_document",
        "filing_form",
    ]
    registration.refresh_from_db()
    assert registration.state == State.RETURNED
    agent = client_for(world.agent_user)
    page = agent.get(f"/registrations/{registration.uid}/").content.decode()
    assert "备案表未盖章" in page
    for key in ("filing_form", "approval_document"):
        response = agent.post(
            f"/registrations/{registration.uid}/items/{key}/supply/", {"file": upload(f"{key}-2.pdf")}
        )
        assert response.status_code == 302
    agent.post(f"/registrations/{registration.uid}/resubmit/")
    registration.refresh_from_db()
    assert registration.state == State.SUBMITTED
    # a second notice naming an unchanged item is refused, with the item named
    response = staff.post(
        f"/registrations/{registration.uid}/return/",
        {"items": ["application_form"], "reason_application_form": "申请表填写不全"},
        follow=True,
    )
    assert "申请表" in response.content.decode()
    assert ReturnNotice.objects.count() == 1
    response = staff.post(
        f"/registrations/{registration.uid}/accept/", {"responsible": b.username, "deputy": c.username}
    )
    registration.refresh_from_db()
    assert registration.state == State.ACCEPTED
    assert (registration.responsible, registration.deputy) == (b, c)


def test_a_reason_is_needed_for_each_named_item(client_for: Callable[..., Client], world: World) -> None:
    registration = world.file()
    client_for(world.staff[0]).post(f"/registrations/{registration.uid}/return/", {"items": ["filing_form"]})
    registration.refresh_from_db()
    assert registration.state == State.SUBMITTED


def test_files_download_for_parties_and_staff_only(
    client_for: Callable[..., Client], world: World, django_user_model: Any
) -> None:
    registration = world.file()
    url = f"/registrations/{registration.uid}/items/application_form/"
    for user in (world.agent_user, world.initiator_user, world.staff[1]):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert response.content == pdf("申请表").data
    # a stranger: another agent, another centre's staff
    stranger = django_user_model.objects.create_user(username="stranger")
    other = parties.organisation_register(
        actor=None, uscc=make_uscc(), name="别家代理",
        legal_representative="钱", contact_name="钱", contact_phone="13900000003",
    )  # fmt: skip
    parties.membership_add(actor=None, user=stranger, organisation=other)
    parties.role_grant(actor=None, user=stranger, role=Role.AGENT, organisation=other)
    centre = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    other_staff = get_user_model().objects.create_user(username="dl-staff")
    parties.role_grant(actor=None, user=other_staff, role=Role.CENTRE_STAFF, centre=centre)
    for user in (stranger, other_staff):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/registrations/{registration.uid}/").status_code == 404
        assert registration.project.code not in client.get("/workspace/registrations/").content.decode()
    assert client_for(world.head).get(url).status_code == 200  # the desk head is staff of the centre


def test_lists_show_only_ones_own_registrations_and_staff_see_the_dashboard(
    client_for: Callable[..., Client], world: World
) -> None:
    registration = world.file()
    mine = client_for(world.agent_user).get("/workspace/registrations/").content.decode()
    assert registration.project.code in mine
    assert 'data-testid="dashboard"' not in mine
    staff = client_for(world.staff[0]).get("/workspace/registrations/").content.decode()
    assert registration.project.code in staff
    assert 'data-testid="dashboard"' in staff


def test_staff_record_their_own_leave_and_the_deputy_confirms_a_promised_item(
    client_for: Callable[..., Client], world: World
) -> None:
    registration = world.file(
        files={"application_form": pdf("申请表"), "filing_form": pdf("备案表")},
        promises={
            "agency_contract": services.Promise("合同盖章中", clock.local_now().date() + dt.timedelta(days=3))
        },
    )
    a, b, c = world.staff
    services.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    agent = client_for(world.agent_user)
    agent.post(
        f"/registrations/{registration.uid}/items/agency_contract/supply/", {"file": upload("合同.pdf")}
    )
    now = clock.local_now()
    client_for(b).post(
        "/workspace/registrations/leave/",
        {
            "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "covered_by": c.username,
        },
    )
    assert Leave.objects.filter(user=b, covered_by=c).exists()
    page = client_for(c).get(f"/registrations/{registration.uid}/").content.decode()
    assert 'data-testid="confirm-agency_contract"' in page
    client_for(b).post(f"/registrations/{registration.uid}/items/agency_contract/confirm/")
    assert not Event.objects.filter(type="registry.item.confirmed").exists()  # b is away
    client_for(c).post(f"/registrations/{registration.uid}/items/agency_contract/confirm/")
    assert Event.objects.get(type="registry.item.confirmed").data["as"] == "deputy"
