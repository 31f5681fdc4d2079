"""Centre staff run registration from pages (issue 22): the head of the desk and the deputy, document
templates (6.2.6: upload, a new version, withdraw; initiators and agents download them from a page),
checklists changed as new versions, their own leave with the colleague who covers, and the public
must-enter lists (12.1.5). Each page is scoped to the staff's own centre: another centre's object is the
same not-found as a missing one, and nothing changes. And no action anywhere — page, API operation or
registry function — approves, authorises or files a trading document (6.2.6)."""

from __future__ import annotations

import datetime as dt
import html
import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.utils import translation
from ninja import NinjaAPI, Router

import ggzy.registry
from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.access import mounted_api
from ggzy.core.errors import DomainError, ErrorCodeBase
from ggzy.events import catalogue
from ggzy.events.models import Event, Message
from ggzy.registry import blobs, escalation, selectors, services, tasks
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import (
    Blob,
    CentreCategory,
    Checklist,
    DeskHead,
    Leave,
    Template,
    TradingCategory,
)
from ggzy.registry.states import REGISTRATION_TRANSITIONS
from tests.registry.conftest import World, pdf, staff_user

pytestmark = pytest.mark.django_db
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + b"word/document.xml " * 8
DESK = "/workspace/registry/desk-heads/"
TEMPLATES = "/workspace/registry/templates/"
CHECKLISTS = "/workspace/registry/checklists/"
LEAVE = "/workspace/registrations/leave/"


def said(code: ErrorCodeBase) -> str:
    """An error's message as the (Chinese) page shows it."""
    with translation.override("zh-hans"):
        return html.escape(str(code.message))


def other_centre() -> tuple[Any, Any]:
    """The provincial centre, serving engineering, with one staff member of its own."""
    province = parties.centre_create(actor=None, code="ln", name="辽宁省公共资源交易中心", region="210000")
    services.category_serve(
        actor=None, centre=province, category=TradingCategory.objects.get(code="engineering")
    )
    return province, staff_user(province, "ln-staff")


# --- the head of the desk and the deputy ----------------------------------------------------------------
def test_staff_name_the_desk_head_and_deputy_from_a_page_and_each_change_is_recorded(
    client_for: Callable[..., Client], world: World
) -> None:
    a, b, _c = world.staff
    client = client_for(a)
    page = client.get(DESK).content.decode()
    assert 'data-testid="desk-sy"' in page
    assert "desk-head" in page  # the head today, by name
    response = client.post(DESK + "set/", {"centre": "sy", "head": a.username, "deputy": b.username})
    assert response.status_code == 302
    desk = DeskHead.objects.get(centre=world.centre)
    assert (desk.user, desk.deputy) == (a, b)
    event = Event.objects.get(type="registry.desk_head.set")
    assert (event.centre, event.data) == ("sy", {"head": a.pk, "deputy": b.pk})
    page = client.get(DESK).content.decode()
    assert page.count("staff-b") >= 2  # the deputy now, and in the recorded change
    # refusals change nothing: the same person twice, a stranger, another centre, a party
    _province, ln_staff = other_centre()
    refused = client.post(
        DESK + "set/", {"centre": "sy", "head": b.username, "deputy": b.username}, follow=True
    )
    assert said(RegistryError.DESK_HEAD_INVALID) in refused.content.decode()
    client.post(DESK + "set/", {"centre": "sy", "head": ln_staff.username})
    assert client.post(DESK + "set/", {"centre": "ln", "head": a.username}).status_code == 404
    assert client.post(DESK + "set/", {"centre": "nowhere", "head": a.username}).status_code == 404
    assert (
        client_for(world.agent_user).post(DESK + "set/", {"centre": "sy", "head": b.username}).status_code
        == 403
    )
    assert (
        client_for(ln_staff).post(DESK + "set/", {"centre": "sy", "head": ln_staff.username}).status_code
        == 404
    )
    desk.refresh_from_db()
    assert (desk.user, desk.deputy) == (a, b)
    assert Event.objects.filter(type="registry.desk_head.set").count() == 1
    assert "desk-sy" not in client_for(ln_staff).get(DESK).content.decode()  # only one's own centre


def test_what_is_overdue_goes_to_the_deputy_while_the_head_is_on_leave(world: World, freeze: Any) -> None:
    a, b, _c = world.staff
    services.desk_head_set(actor=a, centre=world.centre, head=world.head, deputy=b)
    assert escalation.desk_head(world.centre) == world.head
    registration = world.file()
    now = clock.now()
    services.leave_record(
        actor=world.head, user=world.head, starts_at=now, ends_at=now + dt.timedelta(days=30), covered_by=a
    )
    freeze(registration.deadline.due_at + dt.timedelta(hours=1))
    assert escalation.desk_head(world.centre) == b
    assert tasks.escalate_overdue() == 1
    assert Message.objects.get(template="registry.overdue").recipient == b


# --- templates (6.2.6) --------------------------------------------------------------------------------------
def template_file(name: str = "申请表范本.docx", data: bytes = DOCX) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.clause("6.2.6")
def test_staff_offer_replace_and_withdraw_templates_and_filers_download_them_from_a_page(
    client_for: Callable[..., Client], world: World
) -> None:
    staff, agent = client_for(world.staff[0]), client_for(world.agent_user)
    response = staff.post(
        TEMPLATES + "upload/",
        {"centre": "sy", "category": "engineering", "name": "进场交易申请表范本", "file": template_file()},
    )
    assert response.status_code == 302
    first = Template.objects.get()
    assert (first.centre, first.version, first.uploaded_by) == (world.centre, 1, world.staff[0])
    assert first.blob.media_type.endswith("wordprocessingml.document")
    stored = blobs.path_of(first.blob.sm3)  # stored once by its SM3: a temporary name, then renamed
    assert stored.read_bytes() == DOCX
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]
    assert Event.objects.get(type="registry.template.published").data["template"] == str(first.uid)
    # the initiators' and agents' page offers it; the link downloads it
    offered = agent.get("/registry/templates/").content.decode()
    link = f"/api/v1/registry/templates/{first.uid}/file"
    assert link in offered
    assert "进场交易申请表范本" in offered
    assert agent.get(link).content == DOCX
    assert client_for(world.initiator_user).get("/registry/templates/").status_code == 200
    # a new version: offered instead; the old one stays for the staff's record only
    staff.post(f"{TEMPLATES}{first.uid}/replace/", {"file": template_file("范本v2.pdf", pdf("v2").data)})
    second = Template.objects.get(version=2)
    assert second.previous == first
    assert second.name == first.name
    offered = agent.get("/registry/templates/").content.decode()
    assert f"/api/v1/registry/templates/{second.uid}/file" in offered
    assert link not in offered
    assert agent.get(link).status_code == 404  # replaced: not offered
    assert staff.get(link).content == DOCX  # the centre's record
    assert str(first.uid) in staff.get(TEMPLATES).content.decode()
    refused = staff.post(f"{TEMPLATES}{first.uid}/withdraw/", follow=True)  # not the version offered
    assert said(RegistryError.TEMPLATE_STATE) in refused.content.decode()
    # withdrawn: offered no more, kept
    staff.post(f"{TEMPLATES}{second.uid}/withdraw/")
    second.refresh_from_db()
    assert second.withdrawn_at is not None
    assert "进场交易申请表范本" not in agent.get("/registry/templates/").content.decode()
    assert agent.get(f"/api/v1/registry/templates/{second.uid}/file").status_code == 404
    assert agent.get("/api/v1/registry/templates").json() == []
    assert Event.objects.filter(type="registry.template.withdrawn").count() == 1


def test_a_template_file_too_large_or_of_another_type_is_refused_and_nothing_is_stored(
    client_for: Callable[..., Client], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = client_for(world.staff[0])

    def upload(file: SimpleUploadedFile, name: str = "范本") -> str:
        data = {"centre": "sy", "category": "engineering", "name": name, "file": file}
        return staff.post(TEMPLATES + "upload/", data, follow=True).content.decode()

    assert said(RegistryError.TEMPLATE_TYPE) in upload(template_file("范本.exe", b"MZ\x90\x00"))
    assert said(RegistryError.TEMPLATE_TYPE) in upload(template_file("范本.docx", b"%PDF-1.7 not a zip"))
    upload(template_file("范本.docx", b""))  # the form refuses an empty file; so does the service
    with pytest.raises(DomainError) as caught:
        services.template_publish(
            actor=world.staff[0],
            centre=world.centre,
            category=world.engineering,
            name="范本",
            upload=services.Upload("范本.docx", b""),
        )
    assert caught.value.code == RegistryError.FILE_EMPTY
    monkeypatch.setattr("ggzy.registry.services.templates.TEMPLATE_MAX_BYTES", len(DOCX) - 1)
    assert said(RegistryError.TEMPLATE_TOO_LARGE) in upload(template_file())
    assert Template.objects.count() == 0
    assert Blob.objects.count() == 0
    assert not Event.objects.filter(type__startswith="registry.template").exists()
    with translation.override("zh-hans"):
        assert "20 MB" in str(RegistryError.TEMPLATE_TOO_LARGE.message)


def test_another_centres_template_is_not_found_and_stays_as_it_was(
    client_for: Callable[..., Client], world: World
) -> None:
    template = services.template_publish(
        actor=world.staff[0],
        centre=world.centre,
        category=world.engineering,
        name="范本",
        upload=services.Upload("范本.docx", DOCX),
    )
    _province, ln_staff = other_centre()
    outsider = client_for(ln_staff)
    for action in ("replace", "withdraw"):
        response = outsider.post(f"{TEMPLATES}{template.uid}/{action}/", {"file": template_file()})
        missing = outsider.post(f"{TEMPLATES}{uuid.uuid4()}/{action}/", {"file": template_file()})
        assert response.status_code == missing.status_code == 404
    assert "范本" not in outsider.get(TEMPLATES).content.decode()
    assert outsider.get(f"{TEMPLATES}?centre=sy").status_code == 404
    with pytest.raises(DomainError) as caught:
        services.template_withdraw(actor=ln_staff, template=template)
    assert caught.value.code == RegistryError.NOT_STAFF
    template.refresh_from_db()
    assert template.withdrawn_at is None
    assert Template.objects.count() == 1


# --- checklists as new versions ---------------------------------------------------------------------------
def revision(world: World, **changes: Any) -> dict[str, Any]:
    """The checklist form as the page fills it for engineering version 1, with `changes`."""
    items = list(selectors.current_checklist(world.engineering, world.centre).items.order_by("order"))
    data: dict[str, Any] = {
        "centre": "sy",
        "category": "engineering",
        "base_version": selectors.current_checklist(world.engineering, world.centre).version,
        "basis": "",
    }
    for n, item in enumerate(items):
        data |= {
            f"i{n}_name": item.name,
            f"i{n}_need": item.need,
            f"i{n}_condition": item.condition,
            f"i{n}_needed_before": item.needed_before,
        }
        if item.may_defer:
            data[f"i{n}_may_defer"] = "on"
    for n in range(3):
        data |= {
            f"n{n}_name": "",
            f"n{n}_need": "mandatory",
            f"n{n}_condition": "",
            f"n{n}_needed_before": "",
        }
    data.update(changes)
    return data


def test_staff_publish_a_new_checklist_version_and_registrations_keep_the_one_they_were_filed_under(
    client_for: Callable[..., Client], world: World
) -> None:
    before = world.file()
    client = client_for(world.staff[0])
    page = client.get(f"{CHECKLISTS}?centre=sy&category=engineering").content.decode()
    assert 'data-testid="version-1"' in page
    response = client.post(
        CHECKLISTS + "revise/",
        revision(
            world,
            i2_remove="on",  # the optional approval document goes
            i1_name="省招标投标监管网项目备案表（打印件）",  # a name changes
            n0_name="资金落实情况说明",  # an item is added
            n0_need="optional",
            basis="《招标投标法》第九条",
        ),
    )
    assert response.status_code == 302
    new = Checklist.objects.get(centre=world.centre)
    assert new.version == 2
    assert new.published_by == world.staff[0]
    assert [i.name for i in new.items.order_by("order")] == [
        "公共资源进场交易申请表",
        "省招标投标监管网项目备案表（打印件）",
        "招标代理委托合同（委托代理时）",
        "资金落实情况说明",
    ]
    # the old version stays with the registration filed under it; new filings follow the new one
    before.refresh_from_db()
    assert before.checklist.version == 1
    assert before.checklist.items.count() == 4
    after = world.file(name="第二个项目")
    assert after.checklist == new
    # the page lists both versions, with the registrations filed under each
    page = client.get(f"{CHECKLISTS}?centre=sy&category=engineering").content.decode()
    assert 'data-testid="version-2"' in page
    assert 'data-testid="version-1"' in page
    versions = selectors.checklist_versions(category=world.engineering, centre=world.centre)
    assert [(v.checklist.version, v.registrations, v.in_force) for v in versions] == [
        (2, 1, True),
        (1, 1, False),
    ]
    event = Event.objects.get(type="registry.checklist.published")
    assert (event.centre, event.data["version"], event.data["replaces"]) == ("sy", 2, 1)
    # another centre keeps the platform's version
    province, _ln_staff = other_centre()
    assert selectors.current_checklist(world.engineering, province).version == 1
    assert selectors.current_checklist(world.engineering).version == 1


def test_a_checklist_change_that_breaks_a_rule_is_refused_and_nothing_is_published(
    client_for: Callable[..., Client], world: World
) -> None:
    client = client_for(world.staff[0])

    def refused(data: dict[str, Any]) -> str:
        response = client.post(CHECKLISTS + "revise/", data)
        assert response.status_code == 400
        return response.content.decode()

    assert said(RegistryError.CHECKLIST_STANDARD_ITEM) in refused(revision(world, i0_remove="on"))
    assert said(RegistryError.CHECKLIST_STANDARD_ITEM) in refused(revision(world, i1_need="optional"))
    assert said(RegistryError.CHECKLIST_UNCHANGED) in refused(revision(world))
    assert said(RegistryError.CHECKLIST_STALE) in refused(revision(world, base_version=7, n0_name="新"))
    assert said(RegistryError.CHECKLIST_ITEM_INVALID) in refused(
        revision(world, n0_name="公共资源进场交易申请表")
    )
    kept = refused(revision(world, i0_remove="on", n1_name="我写的新要件"))
    assert "我写的新要件" in kept  # the form comes back as it was filled
    # not one's own centre, or a category it does not serve: not found
    _province, ln_staff = other_centre()
    assert client_for(ln_staff).post(CHECKLISTS + "revise/", revision(world, n0_name="新")).status_code == 404
    assert client_for(ln_staff).get(f"{CHECKLISTS}?centre=sy&category=engineering").status_code == 404
    assert (
        client.post(CHECKLISTS + "revise/", revision(world, category="land", n0_name="新")).status_code == 404
    )
    assert client_for(world.agent_user).post(CHECKLISTS + "revise/", revision(world)).status_code == 403
    assert not Checklist.objects.filter(centre__isnull=False).exists()
    assert not Event.objects.filter(type="registry.checklist.published").exists()


# --- my leave ----------------------------------------------------------------------------------------------
def leave_form(start: dt.datetime, end: dt.datetime, covered_by: str) -> dict[str, str]:
    return {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        "covered_by": covered_by,
    }


@pytest.mark.clause("12.1.2")
def test_the_leave_page_shows_the_form_and_my_leave_and_records_a_leave_covered_by_a_colleague(
    client_for: Callable[..., Client], world: World
) -> None:
    a, b, c = world.staff
    client = client_for(b)
    page = client.get(LEAVE)
    assert page.status_code == 200  # was an empty 405
    html_page = page.content.decode()
    assert 'name="starts_at"' in html_page
    assert f'value="{c.username}"' in html_page  # colleagues to cover
    assert f'value="{b.username}"' not in html_page  # not oneself
    now = clock.local_now()
    response = client.post(LEAVE, leave_form(now, now + dt.timedelta(days=2), c.username))
    assert response.status_code == 302
    leave = Leave.objects.get(user=b)
    assert leave.covered_by == c
    assert Event.objects.get(type="registry.leave.recorded").data["covered_by"] == c.pk
    assert 'data-testid="my-leave"' in client.get(LEAVE).content.decode()
    assert "staff-b" in client_for(c).get(LEAVE).content.decode()  # c sees whom they cover
    # refusals store nothing: backwards, a colleague of another centre, oneself
    _province, ln_staff = other_centre()
    backwards = client.post(LEAVE, leave_form(now, now - dt.timedelta(hours=2), c.username))
    assert backwards.status_code == 400
    assert said(RegistryError.LEAVE_INVALID) in backwards.content.decode()
    assert (
        client.post(LEAVE, leave_form(now, now + dt.timedelta(days=1), ln_staff.username)).status_code == 400
    )
    assert client.post(LEAVE, leave_form(now, now + dt.timedelta(days=1), b.username)).status_code == 400
    assert Leave.objects.count() == 1
    for cover in (ln_staff, b, world.agent_user):  # the service's own rule, for the API and the demo
        with pytest.raises(DomainError) as caught:
            services.leave_record(
                actor=b, user=b, starts_at=now, ends_at=now + dt.timedelta(hours=1), covered_by=cover
            )
        assert caught.value.code == RegistryError.COVER_INVALID
    assert Leave.objects.count() == 1
    assert client_for(world.agent_user).get(LEAVE).status_code == 403
    assert client_for(a).get(LEAVE).status_code == 200


# --- must-enter lists (12.1.5) -----------------------------------------------------------------------------
@pytest.mark.clause("12.1.5")
def test_each_centres_must_enter_list_is_published_on_a_public_page(world: World) -> None:
    city_list = "依法必须招标的工程建设项目：施工单项合同估算价 400 万元以上（国家发展改革委令第16号）"
    services.category_serve(
        actor=world.head, centre=world.centre, category=world.engineering, must_enter=city_list
    )
    province, _ln_staff = other_centre()
    province_list = "省级审批的依法必须招标项目"
    services.category_serve(actor=None, centre=province, category=world.engineering, must_enter=province_list)
    anyone = Client()
    assert 'href="/registry/must-enter/"' in anyone.get("/").content.decode()  # the portal links it
    page = anyone.get("/registry/must-enter/")
    assert page.status_code == 200
    text = page.content.decode()
    assert html.escape(city_list) in text
    assert province_list in text
    only_sy = anyone.get("/registry/must-enter/?centre=sy").content.decode()
    assert html.escape(city_list) in only_sy
    assert province_list not in only_sy
    assert anyone.get("/registry/must-enter/?centre=nowhere").status_code == 404
    services.category_serve(
        actor=None, centre=province, category=world.engineering, must_enter="新的目录清单"
    )
    assert "新的目录清单" in anyone.get("/registry/must-enter/?centre=ln").content.decode()
    assert (
        CentreCategory.objects.get(centre=province, category=world.engineering).must_enter == "新的目录清单"
    )


# --- the workspaces link the pages -------------------------------------------------------------------------
def test_the_workspaces_link_the_new_pages(client_for: Callable[..., Client], world: World) -> None:
    staff = client_for(world.staff[0]).get("/workspace/", follow=True).content.decode()
    for url in (DESK, TEMPLATES, CHECKLISTS, LEAVE):
        assert f'href="{url}"' in staff, url
    for user in (world.initiator_user, world.agent_user):
        page = client_for(user).get("/workspace/", follow=True).content.decode()
        assert 'href="/registry/templates/"' in page


# --- 6.2.6: nothing approves, authorises or files a trading document --------------------------------------
#: The acts 6.2.6 forbids — 审批 (approve), 核准 (ratify, sanction), 备案 (file for the record) — as they
#: would be named in English or Chinese.
ACTS = re.compile(r"approv|ratif|sanction|endors|审批|核准|批准|备案|record_fil|filing_record", re.IGNORECASE)
#: In the registry, where everything is about trading documents, also these.
REGISTRY_ACTS = re.compile(
    ACTS.pattern + r"|verif|certif|authori[sz]|document_(check|fil)|(check|fil)e?_document", re.IGNORECASE
)
#: What a trading document is called: an action of the forbidden kind on one of these fails the test.
DOCUMENTS = re.compile(
    r"document|\bdocs?\b|file|tender|bid|notice|item|checklist|registr|template|trading|招标|投标|交易|文件",
    re.IGNORECASE,
)


def _patterns(
    patterns: list[Any], prefix: str = "", names: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every URL pattern, includes resolved, as (route, name, view module, view), and every operation of
    every API the URLconf mounts (its nested routers included) as (method and route, operation name and
    summary, view module, view)."""
    for p in patterns:
        if isinstance(p, URLResolver):
            route = prefix + str(p.pattern)
            if (api := mounted_api(p)) is not None:
                yield from _operations(api, route)
            yield from _patterns(p.url_patterns, route, (*names, p.namespace) if p.namespace else names)
        elif isinstance(p, URLPattern):
            view = p.callback
            yield (
                prefix + str(p.pattern),
                ":".join((*names, p.name or "")),
                getattr(view, "__module__", ""),
                getattr(view, "__name__", type(view).__name__),
            )


def _operations(api: NinjaAPI, prefix: str) -> Iterator[tuple[str, ...]]:
    for router_prefix, router in api._routers:
        for route, path_view in router.path_operations.items():
            for op in path_view.operations:
                view = op.view_func
                yield (
                    f"{','.join(op.methods)} {prefix}{router_prefix}{route}",
                    f"{path_view.url_name or ''} {op.operation_id or ''} {op.summary or ''}",
                    view.__module__,
                    view.__name__,
                )


def _in_registry(entry: tuple[str, ...]) -> bool:
    route, name, module, _view = entry
    return name.startswith("registry:") or "/registry/" in route or module.startswith("ggzy.registry.")


def approving(entries: list[tuple[str, ...]]) -> list[str]:
    """The entries that name a forbidden act on a trading document (in the registry: any such act)."""
    found = []
    for entry in entries:
        route, name, _module, view = entry
        words = f"{route} {name} {view}"
        if (ACTS.search(words) and DOCUMENTS.search(words)) or (
            _in_registry(entry) and REGISTRY_ACTS.search(words)
        ):
            found.append(" ".join(entry))
    return found


def registry_functions() -> list[str]:
    """Every function of every module of the registry (services, selectors, views, API, tasks …),
    qualified, with the registration workflow's actions and the registry's event types."""
    names = []
    for module_info in pkgutil.walk_packages(ggzy.registry.__path__, "ggzy.registry."):
        if ".migrations" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        names += [
            f"{module.__name__}.{name}"
            for name, member in inspect.getmembers(module, inspect.isfunction)
            if member.__module__ == module.__name__
        ]
    names += [f"transition {action}" for (_state, action) in REGISTRATION_TRANSITIONS]
    names += [f"event {t}" for t in catalogue.types() if t.startswith("registry.")]
    return names


@pytest.mark.clause("6.2.6")
def test_no_action_anywhere_approves_authorises_or_files_a_trading_document() -> None:
    """Walks every URL pattern (includes resolved) and every API operation (every router, nested ones
    too), and every function, workflow action and event type of the registry."""
    entries = list(_patterns(get_resolver().url_patterns))
    routes = {e[0] for e in entries}
    # the walk reaches what an include hides and what only the API's routers hold
    assert "registrations/<uuid:registration_uid>/accept/" in routes
    assert any(r.endswith("/registry/templates/{template_uid}/file") for r in routes)
    assert any("account-changes/{change_uid}/approve" in r for r in routes)  # an approval, of no document
    assert approving(entries) == []
    functions = registry_functions()
    assert "ggzy.registry.services.templates.template_publish" in functions
    assert "transition accept" in functions
    assert [f for f in functions if REGISTRY_ACTS.search(f)] == []


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def test_the_walk_finds_an_approval_hidden_in_an_include_or_an_api_router() -> None:
    """The test above can fail: an approval of documents three includes deep, or in a nested API router,
    or named in Chinese, is found (tried once in the real URLconf too, with a route added and removed)."""
    inner = [path("tender-documents/<uuid:doc_uid>/approve/", _view, name="document-approve")]
    api = NinjaAPI(urls_namespace="fake-approval-api")
    outer_router, child = Router(), Router()

    @child.post("/bid-files/{uid}/核准")
    def bid_file_ratify(request: HttpRequest, uid: str) -> dict[str, str]:
        return {}

    outer_router.add_router("/nested", child)
    api.add_router("/outer", outer_router)
    urlconf = [
        path("a/", include(([path("b/", include(([path("c/", include((inner, "deep")))], "mid")))], "top"))),
        path("api/fake/", api.urls),
        path("", include(([path("templates/<uuid:uid>/verify/", _view, name="verify")], "registry"))),
        path("workspace/account-changes/<uuid:uid>/approve/", _view, name="change-approve"),  # no document
    ]
    found = approving(list(_patterns(urlconf)))
    assert any("a/b/c/tender-documents/<uuid:doc_uid>/approve/" in f for f in found)
    assert any("/outer/nested/bid-files/{uid}/核准" in f for f in found)
    assert any("registry:verify" in f for f in found)  # in the registry, any checking of documents
    assert not any("change-approve" in f for f in found)
    assert REGISTRY_ACTS.search("ggzy.registry.services.review.document_approve")
