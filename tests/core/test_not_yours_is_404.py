"""Every page and API operation whose address names an entity answers "missing" and "not yours" alike
(issue 20). Walked as a user of another centre (who holds every trading role there, for their own
organisation) and, for the pages, as a user with no rights: each answers the same status, from the same
template, with the same body for an entity of others as for a missing one — 404 unless the access layer
refused before any entity was looked at — and shows nothing of the entity. The pages and operations are
found from the URLconfs and the API: a new one that names an entity must be added to the tables here."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver, reverse

from ggzy.accounts import changes, parties
from ggzy.accounts.models import Organisation, OrganisationApplication, RoleGrant
from ggzy.accounts.services import token_create
from ggzy.certs.models import CertificateAuthority
from ggzy.core import clock
from ggzy.core.access import token_scopes, walk_endpoints
from ggzy.core.middleware import REFUSED_HEADER
from ggzy.core.roles import Role
from ggzy.entities import services as library
from ggzy.events.models import Event, Message
from ggzy.experts import services as expert_services
from ggzy.experts.models import Call, Expert, ProfileChange, Title
from ggzy.notices import services as notices
from ggzy.notices.models import NoticeAttachment, Objection
from ggzy.opening.models import Hall
from ggzy.registry import services as registry_services
from ggzy.registry.models import Registration
from ggzy.sealing import uploads
from ggzy.sealing.models import SealedBid
from ggzy.securities.models import Guarantee
from ggzy.service import services
from ggzy.tendering import files as tendering_files
from ggzy.tendering import services as tendering
from ggzy.tendering.forms import example_record
from ggzy.tendering.models import DocumentsFile
from ggzy.venues import services as venues
from ggzy.venues.facilities import NEEDS
from tests.endpoints import SAMPLE_KWARGS, _patterns
from tests.factories import make_uscc, signed_in
from tests.notices.conftest import tender_content
from tests.sealing.conftest import Stage, freeze, stage, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
MISSING = 10**9
MISSING_UID = "00000000-0000-4000-8000-000000000000"  # a valid uid no row has
MISSING_USER = "no-such-user"
MISSING_CODE = "A2101002026999999001"  # a well-formed tender project code no row has
QUESTION = "投标保证金可以用保函缴纳吗？"
NOTICE_TITLE = "车站装修施工招标公告（草稿，外人不得见）"
DOCUMENTS_TITLE = "车站装修施工招标文件（草稿，外人不得见）"
EXPERT_NAME = "欧阳秘密专家"
EXPERT_PLACE = "评标区秘密评标室 9"

#: Every page whose address names an entity by id: URL name -> (the entity, its other arguments).
ENTITY_PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "registry:detail": ("registration", {}),
    "registry:resubmit": ("registration", {}),
    "registry:return": ("registration", {}),
    "registry:accept": ("registration", {}),
    "registry:download": ("registration", {"key": "application_form"}),
    "registry:supply": ("registration", {"key": "application_form"}),
    "registry:confirm": ("registration", {"key": "application_form"}),
    "registry:template-replace": ("template", {}),
    "registry:template-withdraw": ("template", {}),
    "service:take": ("question", {}),
    "service:hand-over": ("question", {}),
    "service:answer": ("question", {}),
    "service:faq": ("question", {}),
    "service:feedback-answer": ("feedback", {}),
    "service:follow-up": ("rating", {}),
    "service:guide-edit": ("guide", {}),
    "service:guide-publish": ("guide", {}),
    "service:guide-withdraw": ("guide", {}),
    "service:commitment-edit": ("commitment", {}),
    "service:commitment-publish": ("commitment", {}),
    "service:commitment-withdraw": ("commitment", {}),
    "sealing:withdraw": ("bid", {}),
    "sealing:receipt_pdf": ("bid", {}),
    "events:inbox-read": ("message", {}),
    "certs:ca-detail": ("ca", {}),
    "certs:ca-enabled": ("ca", {}),
    "certs:ca-settings": ("ca", {}),
    "certs:ca-crl-upload": ("ca", {}),
    "certs:ca-crl-fetch": ("ca", {}),
    "accounts:change-decide": ("change", {"action": "approve"}),
    "accounts:security-act": ("user", {"action": "password_reset"}),
    "accounts:organisation-decide": ("application", {"action": "verify"}),
    "accounts:user-roles": ("user", {}),
    "accounts:role-grant": ("user", {}),
    "accounts:role-revoke": ("grant", {}),
    "notices:public-detail": ("notice", {}),
    "notices:pdf": ("notice", {}),
    "notices:detail": ("notice", {}),
    "notices:edit": ("notice", {}),
    "notices:schedule": ("notice", {}),
    "notices:withdraw": ("notice", {}),
    "notices:medium": ("notice", {}),
    "notices:remark": ("notice", {}),
    "notices:compare": ("notice", {}),
    "notices:attachment-add": ("notice", {}),
    # the draft's attachment, given its notice's uid as its own (the address names both, one value each)
    "notices:attachment": ("attachment", {}),
    "notices:attachment-remove": ("attachment", {}),
    "notices:object": ("notice", {}),
    "notices:objection": ("objection", {}),
    "notices:objection-answer": ("objection", {}),
    "notices:objection-withdraw": ("objection", {}),
    "notices:objection-complain": ("objection", {}),
    # a tender project by its code; a pause by its uid, given its tender project's code
    "notices:procedure": ("tender_project", {}),
    "notices:procedure-pause": ("tender_project", {}),
    "notices:procedure-terminate": ("tender_project", {}),
    "notices:procedure-resume": ("pause", {"tender_project_code": "@tender_project"}),
    # public: a tender project's page (none of its notices published here: 404), a notice's proof
    "notices:project": ("tender_project", {}),
    "notices:proof": ("notice", {}),
    "opening:hall": ("hall", {}),
    "opening:line": ("hall", {}),
    "opening:release": ("hall", {}),
    "opening:object": ("hall", {}),
    "opening:answer": ("hall", {}),
    "opening:attribute": ("hall", {}),
    "opening:on-site": ("hall", {}),
    "opening:avoidance": ("hall", {}),
    "opening:avoidance-decide": ("hall", {}),
    "opening:record": ("hall", {}),
    "opening:record-pdf": ("hall", {}),
    "opening:sign": ("hall", {}),
    "opening:second": ("hall", {}),
    "opening:second-record": ("hall", {}),
    # the tender documents (a draft: not there for bidders either); a file, given its documents' uid as its
    # own (the address names both, one value each)
    "tendering:documents-detail": ("documents", {}),
    "tendering:documents-edit": ("documents", {}),
    "tendering:documents-issue": ("documents", {}),
    "tendering:documents-file-add": ("documents", {}),
    "tendering:documents-file-remove": ("documents_file", {}),
    "tendering:documents-clarify": ("documents", {}),
    "tendering:obtainable-detail": ("documents", {}),
    "tendering:obtain": ("documents", {}),
    "tendering:ask": ("documents", {}),
    "tendering:documents-file": ("documents_file", {}),
    "sealing:upload": ("upload", {}),
    "entities:item": ("item", {}),
    "entities:edit": ("item", {}),
    "entities:verify": ("item", {}),
    "entities:retire": ("item", {}),
    "entities:file": ("item", {"sm3": "0" * 64}),
    "entities:organisation-library": ("organisation", {}),
    # bid securities: a section by its code (the bidder's page: a section whose documents it obtained; the
    # pages after the opening: before it, and for anyone else, not found), a guarantee by its uid
    "securities:bidder-section": ("section", {}),
    "securities:sub-account-open": ("section", {}),
    "securities:guarantee-apply": ("section", {}),
    "securities:guarantee-upload": ("section", {}),
    "securities:guarantee-refresh": ("guarantee", {}),
    "securities:guarantee-document": ("guarantee", {}),
    "securities:section": ("section", {}),
    "securities:refund-trigger": ("section", {}),
    "securities:refund-order": ("section", {}),
    "securities:forfeit": ("section", {}),
    "securities:guarantee-claim": ("section", {}),
    # an expert draw request by its uid (its centre's staff, its region's supervisors, its section's parties);
    # a call by its own uid (the called expert's own; staff's fee and the party's rating under the request's
    # uid); a section the party requests for
    "experts:request": ("expert_request", {}),
    "experts:seed": ("expert_request", {}),
    "experts:fix": ("expert_request", {}),
    "experts:draw": ("expert_request", {}),
    "experts:print": ("expert_request", {}),
    "experts:fee": ("expert_request", {"call_uid": "@expert_call"}),
    "experts:member": ("expert_request", {}),
    "experts:rate": ("expert_request", {"call_uid": "@expert_call"}),
    "experts:answer": ("expert_call", {}),
    "experts:request-new": ("section", {}),
    "experts:checkin": ("expert_request", {}),
    "experts:provincial-draw": ("expert_request", {}),
    "experts:provincial-refresh": ("expert_request", {}),
    "experts:declare": ("expert_call", {}),
    # an expert of the pool and a change it asked (its centre's staff)
    "experts:pool-expert": ("expert", {}),
    "experts:pool-status": ("expert", {}),
    "experts:change-review": ("expert_change", {}),
    # a room by its uid (its centre's staff and region's supervisors), an item of it under the room's uid;
    # a booking by its uid (those and its section's parties); a section the party books for
    "venues:room": ("room", {}),
    "venues:equipment-add": ("room", {}),
    "venues:camera-add": ("room", {}),
    "venues:maintain": ("room", {"equipment_uid": "@equipment"}),
    "venues:booking": ("booking", {}),
    "venues:confirm": ("booking", {}),
    "venues:refuse": ("booking", {}),
    "venues:change": ("booking", {}),
    "venues:cancel": ("booking", {}),
    "venues:book": ("section", {}),
}
#: Pages of a protocol of their own, walked with its methods and headers instead of GET and POST: the tus
#: upload of a sealed bid (HEAD its offset, PATCH a chunk, DELETE it; docs/submission.md).
PROTOCOL_PAGES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "sealing:upload": (("head", "patch", "delete"), {"Tus-Resumable": "1.0.0"}),
}
#: Pages that name an entity every visitor may see, and why (not walked).
PUBLIC_ENTITY_PAGES = {
    "entities:organisation": "an organisation's public page: every organisation's name, code and "
    "qualifications are public (11.2.6)",
    "randomness:draw": "a verifiable random draw is public so that anyone can recompute it",
}
#: Pages with arguments that name no entity by id, and why.
NO_ENTITY = {
    "core:live": "names a live channel (a typed stream), not an entity: the channel's own access answers 404",
    "ops:key-rotate": "names a key purpose, one of a fixed list",
    "analytics:month": "names a calendar month of public figures, not an entity",
    "analytics:csv": "names a calendar month of public figures, not an entity",
    "entities:add": "names a kind of library entry, one of a fixed list",
}


def _is_id(name: str) -> bool:
    """Whether an address argument names an entity: by uid (or a key), by its code, or an account by its
    user name."""
    return name in {"pk", "username"} or name.endswith(("_id", "_uid", "_code"))


def _value(name: str, entity_id: object) -> str:
    """The address's value for an entity (its uid or id), or for a missing one (MISSING)."""
    if entity_id == MISSING:
        if name.endswith("_code"):
            return MISSING_CODE
        return MISSING_UID if name.endswith("_uid") else MISSING_USER if name == "username" else str(MISSING)
    return str(entity_id)


def _page_arguments() -> dict[str, list[str]]:
    """URL name -> its arguments, for every page with arguments (the back office's and the API's aside)."""
    found = {}
    for name, (_name, pattern) in _patterns(get_resolver().url_patterns).items():
        converters = getattr(pattern.pattern, "converters", None) or {}
        if name and not name.startswith(("admin:", "api:")) and converters:
            found[name] = list(converters)
    return found


def test_the_walk_knows_every_page_that_names_an_entity() -> None:
    pages = _page_arguments()
    named = {name for name, arguments in pages.items() if any(_is_id(a) for a in arguments)}
    assert named == set(ENTITY_PAGES) | set(PUBLIC_ENTITY_PAGES)
    assert set(pages) - named == set(NO_ENTITY)


@dataclass
class Scene:
    stage: Stage
    ids: dict[str, object]  # entity -> the uid (or id) of one that exists (and is not the walkers')
    secrets: list[str]  # what the pages of those entities show and a walker must never see


def _url(name: str, entity_id: object, ids: dict[str, object] | None = None) -> str:
    """The page's address for the entity; an argument given in its `extra` as "@<entity>" takes that
    entity's id in the scene (a pause is addressed under its tender project's code)."""
    _entity, extra = ENTITY_PAGES[name]
    pattern = _patterns(get_resolver().url_patterns)[name][1].pattern
    kwargs = {}
    for k in pattern.converters:
        given = extra.get(k)
        if given is not None and given.startswith("@"):
            kwargs[k] = str((ids or {})[given[1:]])
        elif _is_id(k) and given is None:
            kwargs[k] = _value(k, entity_id)
        else:
            kwargs[k] = extra.get(k, SAMPLE_KWARGS[k])
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def scene(stage: Stage, make_user: Callable[..., Any]) -> Scene:  # noqa: F811  (the fixture)
    place = stage.world
    registration = Registration.objects.select_related("project").get()
    bid = stage.receive(stage.bidders[0])
    question = services.question_ask(
        asker=place.agent_user, centre=place.centre, kind="process", text=QUESTION
    )
    services.question_take(actor=place.staff[0], question=question)
    services.question_answer(actor=place.staff[0], question=question, answer="可以。")
    rating = services.rating_give(
        rater=place.agent_user, service="consultation", reference=f"service.question:{question.uid}", score=1
    )
    feedback = services.feedback_submit(
        author=place.agent_user,
        centre=place.centre,
        kind="complaint",
        channel="online",
        content="窗口排队太久",
    )
    security, system = make_user(Role.SECURITY_ADMIN), make_user(Role.SYSTEM_ADMIN)
    change = changes.change_request(
        actor=security, target=system, kind="password_reset", reason="忘记密码，申请重置"
    )
    template = registry_services.template_publish(
        actor=place.staff[0],
        centre=place.centre,
        category=place.engineering,
        name="本中心进场申请表范本",
        upload=registry_services.Upload("范本.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    application = _self_registered(place.centre)
    guide = services.guide_write(
        actor=place.staff[0],
        centre=place.centre,
        data=services.GuideIn(kind="process", title="本中心进场交易流程草稿", body="先登记，后公告。"),
    )
    commitment = services.commitment_write(
        actor=place.staff[0],
        centre=place.centre,
        data=services.CommitmentIn(
            service="registration", title="本中心项目登记承诺草稿", steps="受理", time_limit="2 个工作日"
        ),
    )
    notice = notices.notice_draft(
        actor=place.agent_user,
        tender_project=registration.project.tender_projects.get(),
        notice_type="tender",
        title=NOTICE_TITLE,
        content=tender_content(),
    )
    attachment = notices.attachment_add(
        actor=place.agent_user, notice=notice, name="平面图.pdf", source=b"%PDF-1.7\n%%EOF\n"
    )
    NoticeAttachment.objects.filter(pk=attachment.pk).update(uid=notice.uid)
    tender_project = registration.project.tender_projects.get()
    # an objection by the bidder and a pause, as their services leave the rows (test set-up: the notice is
    # a draft here; tests/notices/test_objections.py goes through the services)
    objection = Objection.objects.create(
        kind="objection", stage="documents", tender_project=tender_project, section=stage.section,
        notice=notice, organisation=stage.bidders[0].organisation, filed_by=stage.bidders[0].user,
        filed_at=clock.now(), text="资格条件排斥潜在投标人", answer_due_at=clock.now(),
    )  # fmt: skip
    pause = registry_services.pause_start(
        actor=None, tender_project=tender_project, basis="platform_fault", reason="故障", steps=["opening"]
    )
    documents = tendering.documents_draft(
        actor=place.agent_user,
        tender_project=tender_project,
        title=DOCUMENTS_TITLE,
        criteria={s.code: example_record(s) for s in tender_project.sections.all()},
    )
    documents_file = tendering_files.documents_file_add(
        actor=place.agent_user, documents=documents, name="招标文件正文.pdf", source=b"%PDF-1.7\n%%EOF\n"
    )
    DocumentsFile.objects.filter(pk=documents_file.pk).update(uid=documents.uid)
    entry = library.item_add(
        actor=stage.bidders[0].user, organisation=stage.bidders[0].organisation, kind="qualification",
        fields={"type": "construction.general.municipal", "level": "一级", "certificate": "D22106SECRET",
                "issuer": "辽宁省住房和城乡建设厅", "valid_from": "2024-01-01", "valid_to": "2029-01-01"},
    )  # fmt: skip
    guarantee = Guarantee.objects.create(
        section=stage.section, organisation=stage.bidders[0].organisation, issuer_code="91110000100000001B",
        issuer_kind="bank", issuer_name="示例银行（模拟）", application="walk-1", state="issued",
        amount_fen=1_000_000, cover_from=clock.now().date(), cover_until=clock.now().date(),
        number="BH-SECRET-0001", applied_by=stage.bidders[0].user, applied_at=clock.now(),
        updated_at=clock.now(),
    )  # fmt: skip
    hall = Hall.objects.create(
        section=stage.section, opens_at=clock.now(), window_minutes=30, min_bidders=3, prepared_at=clock.now()
    )
    drawn_expert = Expert.objects.create(
        name=EXPERT_NAME, id_number="210102197001010000", birth_date=dt.date(1970, 1, 1), region="210102",
        title=Title.SENIOR, field_since=2000, centre=place.centre.code, registered_at=clock.now(),
        user=get_user_model().objects.create_user(username="expert-of-the-scene"),
    )  # fmt: skip
    draw_request = expert_services.request_make(
        actor=place.agent_user, centre=place.centre.code, region=place.centre.region,
        evaluation_at=clock.now() + dt.timedelta(days=30), place=EXPERT_PLACE,
        needs={"A08": {"count": 5, "reserves": 0}}, committee=7, section=stage.section,
    )  # fmt: skip
    # a call as the draw leaves it (test set-up: tests/experts/test_pages.py goes through the pages)
    drawn_call = Call.objects.create(
        request=draw_request, specialty="A08", position=0, expert=drawn_expert, role="principal", sequence=0,
        called_at=clock.now(),
    )  # fmt: skip
    expert_change = ProfileChange.objects.create(
        expert=drawn_expert, proposed='{"phone":"13900000066"}', submitted_at=clock.now()
    )  # as the expert's own request leaves it (tests/experts/test_pool_pages.py goes through the page)
    room = venues.room_register(
        actor=place.staff[0], centre=stage.section.centre, code="K101", name="第一开标室", type="opening",
        capacity=40,
    )  # fmt: skip
    for item in NEEDS[room.type].must:
        equipment = venues.equipment_add(actor=place.staff[0], room=room, item=item)
    starts = clock.now() + dt.timedelta(days=20)
    booking = venues.booking_request(
        actor=place.agent_user, room=room, section=stage.section, purpose="opening", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2), attendees=10,
    )  # fmt: skip
    upload = uploads.upload_create(
        actor=stage.bidders[0].user, section_code=stage.section.code, length=1000,
        filename="投标文件.ggzybid", acknowledgements=[],
    )  # fmt: skip
    return Scene(
        stage=stage,
        ids={
            "registration": registration.uid,
            "question": question.uid,
            "feedback": feedback.uid,
            "rating": rating.uid,
            "bid": bid.uid,
            "message": Message.objects.filter(recipient=place.agent_user, channel="inbox").first().uid,
            "ca": CertificateAuthority.objects.get().uid,
            "change": change.uid,
            "template": template.uid,
            "application": application.uid,
            "guide": guide.uid,
            "commitment": commitment.uid,
            "notice": notice.uid,
            "attachment": notice.uid,
            "objection": objection.uid,
            "pause": pause.uid,
            "documents": documents.uid,
            "documents_file": documents.uid,
            "item": entry.uid,
            "upload": upload.uid,
            "hall": hall.uid,
            "section": stage.section.code,
            "guarantee": guarantee.uid,
            "expert_request": draw_request.uid,
            "expert_call": drawn_call.uid,
            "expert": drawn_expert.uid,
            "expert_change": expert_change.uid,
            "room": room.uid,
            "equipment": equipment.uid,
            "booking": booking.uid,
            "organisation": stage.bidders[0].organisation.uid,
            "tender_project": tender_project.code,
            "user": place.agent_user.username,
            "token": token_create(user=place.agent_user, name="mine", days=1, scopes=["registry:read"])[
                0
            ].uid,
            "grant": RoleGrant.objects.filter(user=place.agent_user).first().uid,
            "event": Event.objects.get(type="sealing.bid.received").uid,  # the bidder's, embargoed
            "transition": uuid.uuid4(),  # none exists: the security administrator's alone, refused before
        },
        secrets=[
            "D22106SECRET",
            "BH-SECRET-0001",
            registration.project.name,
            registration.project.code,
            place.initiator.name,
            place.agent.name,
            QUESTION,
            "窗口排队太久",
            bid.ciphertext_sm3,
            template.name,
            place.agent_user.username,
            application.organisation.name,
            application.organisation.uscc,
            guide.title,
            commitment.title,
            NOTICE_TITLE,
            DOCUMENTS_TITLE,
            EXPERT_NAME,
            EXPERT_PLACE,
        ],
    )


def _self_registered(centre: Any) -> OrganisationApplication:
    """An organisation that registered itself with the scene's centre, awaiting its staff (the row as the
    registration leaves it: test set-up; tests/accounts/test_self_registration.py goes through the page)."""
    organisation = parties.organisation_register(
        actor=None,
        uscc=make_uscc(region="330100"),
        name="浙江宏信招标代理有限公司",
        legal_representative="钟信",
        contact_name="钟小信",
        contact_phone="13900000077",
    )
    applicant = get_user_model().objects.create_user(username="hongxin-applicant")
    parties.membership_add(actor=None, user=applicant, organisation=organisation)
    now = clock.now()
    return OrganisationApplication.objects.create(
        organisation=organisation,
        applicant=applicant,
        centre=centre,
        role="agent",
        certificate_subject="CN=浙江宏信招标代理有限公司",
        certificate_issuer="CN=测试 CA",
        certificate_serial="1",
        certificate_not_before=now,
        certificate_not_after=now,
        certificate_sm3="0" * 64,
        submitted_at=now,
    )


def _outsider() -> Any:
    """Staff of another centre, initiator, agent and bidder for an organisation of their own, and an
    expert (not the one called)."""
    centre = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    organisation: Organisation = parties.organisation_register(
        actor=None, uscc=make_uscc(region="210200"), name="大连港湾建设有限公司", legal_representative="周",
        contact_name="吴", contact_phone="13900000088",
    )  # fmt: skip
    user = get_user_model().objects.create_user(username="dl-outsider")
    parties.membership_add(actor=None, user=user, organisation=organisation)
    now = clock.now()
    RoleGrant.objects.create(user=user, role=Role.CENTRE_STAFF, centre=centre, granted_at=now)
    for role in (Role.INITIATOR, Role.AGENT, Role.RESPONDER):
        RoleGrant.objects.create(user=user, role=role, organisation=organisation, granted_at=now)
    RoleGrant.objects.create(user=user, role=Role.EXPERT, granted_at=now)  # an expert, not the one called
    return user


def _same_page(body: bytes, path: str) -> str:
    """The body with what differs between two answers of the same page taken out: the address itself,
    per-request nonces and CSRF tokens."""
    text = body.decode().replace(path, "<path>")
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', text)


def _walk(client: Client, scene: Scene) -> set[str]:
    """Request every entity page for the scene's entity and for a missing one, by GET and by POST, and
    check the two answers are one; returns the pages the access layer let through."""
    reached = set()
    for name, (entity, _extra) in ENTITY_PAGES.items():
        methods, headers = PROTOCOL_PAGES.get(name, (("get", "post"), {}))
        for method in methods:
            theirs, missing = _url(name, scene.ids[entity], scene.ids), _url(name, MISSING, scene.ids)
            one = getattr(client, method)(theirs, headers=headers)
            other = getattr(client, method)(missing, headers=headers)
            where = f"{method.upper()} {name}"
            assert one.status_code == other.status_code, where
            assert one.get(REFUSED_HEADER) == other.get(REFUSED_HEADER), where
            assert [t.name for t in one.templates] == [t.name for t in other.templates], where
            assert _same_page(one.content, theirs) == _same_page(other.content, missing), where
            html = one.content.decode()
            # nothing of the entity but the address the walker typed itself (an account's is its user name)
            assert not [s for s in scene.secrets if s in _same_page(one.content, theirs)], where
            if one.get(REFUSED_HEADER):
                assert one.status_code == 403, where
                continue
            reached.add(name)
            # a page that only takes a POST answers GET with 405 before it looks at anything
            assert one.status_code in ({404, 405} if method == "get" else {404}), where
            if one.status_code == 404 and method in ("get", "post"):  # the one error page, not-found code
                assert re.search(r'data-error-code="(\w+_)?not_found"', html), where
            elif one.status_code == 404 and method != "head":  # a protocol's answer: the one error shape
                assert one.json()["code"].endswith("not_found"), where
    return reached


def test_another_centres_user_finds_nothing_where_an_entity_of_others_is(scene: Scene) -> None:
    client = signed_in(Client(), _outsider())
    events = Event.objects.count()
    reached = _walk(client, scene)
    # every trading page was reached (the outsider holds their roles, at another centre) and answered 404
    # (and the one accounts page of centre staff: verifying an organisation that registered elsewhere)
    # (a supervisor's reading of a library refuses the outsider before any organisation is looked at)
    trading = {
        n
        for n in ENTITY_PAGES
        if not n.startswith(("certs:", "accounts:")) and n != "entities:organisation-library"
    }
    assert reached == trading | {"accounts:organisation-decide"}
    assert Event.objects.count() == events  # nothing was done


def test_a_user_without_rights_finds_nothing_either(scene: Scene) -> None:
    client = signed_in(Client(), get_user_model().objects.create_user(username="nobody"))
    events = Event.objects.count()
    # those for anyone signed in (the inbox, a hall: its parties' only, 404 to others), and the public
    # pages of a notice (this one is a draft: 404)
    assert _walk(client, scene) == {
        "events:inbox-read", "notices:public-detail", "notices:pdf", "notices:attachment",
        "notices:project", "notices:proof",
        "opening:hall", "opening:line", "opening:release", "opening:object", "opening:answer",
        "opening:attribute", "opening:on-site", "opening:avoidance", "opening:avoidance-decide",
        "opening:record",
        "opening:record-pdf", "opening:sign", "opening:second", "opening:second-record",
    }  # fmt: skip
    assert Event.objects.count() == events


def test_the_walked_ids_are_real(scene: Scene, make_user: Callable[..., Any]) -> None:
    """Their owners reach them (so "not yours" above was not "missing"); an administrator, to whom every
    CA and account is theirs, gets the 404 for a missing one."""
    place = scene.stage.world
    agent, staff = signed_in(Client(), place.agent_user), signed_in(Client(), place.staff[0])
    assert agent.get(_url("registry:detail", scene.ids["registration"])).status_code == 200
    assert staff.get(_url("registry:download", scene.ids["registration"])).status_code == 200
    # the draft documents and their file: their drafter's
    assert agent.get(_url("tendering:documents-detail", scene.ids["documents"])).status_code == 200
    assert agent.get(_url("tendering:documents-file", scene.ids["documents_file"])).status_code == 200
    for client in (agent, staff):  # the draft notice: its drafter's and its centre's
        assert client.get(_url("notices:detail", scene.ids["notice"])).status_code == 200
        # the tender project's procedure: its agent's and its centre's staff's
        assert client.get(_url("notices:procedure", scene.ids["tender_project"])).status_code == 200
    # the objection: the agent who must answer it, and the bidder who raised it
    bidder = signed_in(Client(), scene.stage.bidders[0].user)
    for client in (agent, bidder):
        assert client.get(_url("notices:objection", scene.ids["objection"])).status_code == 200
    assert SealedBid.objects.filter(
        uid=scene.ids["bid"], organisation=scene.stage.bidders[0].organisation
    ).exists()
    listed = staff.get(reverse("accounts:organisations-to-verify")).content.decode()
    assert str(scene.ids["application"]) in listed  # the centre's own staff verify it
    client = signed_in(Client(), make_user(Role.SYSTEM_ADMIN))
    assert client.get(_url("certs:ca-detail", scene.ids["ca"])).status_code == 200
    for name in ("certs:ca-detail", "certs:ca-enabled", "accounts:change-decide", "accounts:security-act"):
        response = client.post(_url(name, MISSING))
        assert response.status_code == 404, name


# --- the API answers the same: the one access_<entity> selector is behind both ----------------------------
#: Every API operation whose path names an entity by id: key -> (the entity, a valid body if it takes one).
ENTITY_OPERATIONS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "GET /api/v1/registry/registrations/{registration_uid}": ("registration", None),
    "POST /api/v1/registry/registrations/{registration_uid}/accept": (
        "registration",
        {"responsible": "staff-a", "deputy": "staff-b"},
    ),
    "POST /api/v1/registry/registrations/{registration_uid}/items/{key}": (
        "registration",
        {"file": {"name": "申请表.pdf", "content": "JVBERi0xLjcK"}},
    ),
    "POST /api/v1/registry/registrations/{registration_uid}/items/{key}/confirm": ("registration", None),
    "POST /api/v1/registry/registrations/{registration_uid}/notices": (
        "registration",
        {"lines": [{"item": "application_form", "reason": "缺少盖章"}]},
    ),
    "POST /api/v1/registry/registrations/{registration_uid}/resubmit": ("registration", None),
    "POST /api/v1/service/questions/{question_uid}/take": ("question", None),
    "POST /api/v1/service/questions/{question_uid}/handover": (
        "question",
        {"to": "staff-b", "reason": "转交"},
    ),
    "POST /api/v1/service/questions/{question_uid}/answer": ("question", {"answer": "可以。"}),
    "GET /api/v1/sealing/bids/{bid_uid}/receipt": ("bid", None),
    "POST /api/v1/sealing/bids/{bid_uid}/withdraw": ("bid", None),
    "POST /api/v1/sealing/bids/{bid_uid}/release": ("bid", {"payload": {}, "signature": "00"}),
    "POST /api/v1/sealing/bids/{bid_uid}/open-by-custodians": ("bid", None),
    "POST /api/v1/inbox/{message_uid}/read": ("message", None),
    "DELETE /api/v1/tokens/{token_uid}": ("token", None),
    "DELETE /api/v1/role-grants/{grant_uid}": ("grant", None),
    "POST /api/v1/account-changes/{change_uid}/approve": ("change", {"note": ""}),
    "POST /api/v1/account-changes/{change_uid}/refuse": ("change", {"note": ""}),
    "POST /api/v1/account-changes/{change_uid}/withdraw": ("change", None),
    "POST /api/v1/users/{username}/active": ("user", {"active": False, "reason": "离职停用"}),
    "POST /api/v1/users/{username}/enrolment-code": ("user", {"channel": "in_person"}),
    "POST /api/v1/users/{username}/password-reset": ("user", {"reason": "忘记密码"}),
    "POST /api/v1/users/{username}/roles": ("user", {"role": "agent"}),
    "POST /api/v1/users/{username}/totp-reset": ("user", {"reason": "更换手机"}),
    "PUT /api/v1/users/{username}/phone": ("user", {"phone": "13900000000"}),
    "GET /api/v1/witness/events/{event_uid}/proof": ("event", None),
    "GET /api/v1/witness/events/{event_uid}/promise": ("event", None),
    "GET /api/v1/library/items/{item_uid}": ("item", None),
    "POST /api/v1/library/items/{item_uid}/retire": ("item", {"reason": "证书注销"}),
    "POST /api/v1/library/items/{item_uid}/verify": ("item", None),
    "POST /api/v1/sealing/notice-key-transitions/{transition_uid}/supervisor-signature": (
        "transition",
        {"signature": "0" * 128},
    ),
    "GET /api/v1/venues/bookings/{booking_uid}": ("booking", None),
    "POST /api/v1/venues/bookings/{booking_uid}/confirm": ("booking", None),
    "POST /api/v1/venues/bookings/{booking_uid}/refuse": ("booking", {"reason": "不符合"}),
    "POST /api/v1/venues/bookings/{booking_uid}/change": ("booking", {"reason": "推迟", "attendees": 10}),
    "POST /api/v1/venues/bookings/{booking_uid}/cancel": ("booking", {"reason": "取消"}),
}
#: Operations with an id in their path that are nobody's in particular, and why.
NOT_SCOPED = {
    "GET /api/v1/organisations/{organisation_uid}": "every organisation is visible to staff (the walker is)",
    "GET /api/v1/registry/templates/{template_uid}/file": "templates are offered to every filer",
    "GET /api/v1/randomness/draws/{draw_uid}": "a verifiable random draw is public: anyone recomputes it",
}


def test_the_api_walk_knows_every_operation_that_names_an_entity() -> None:
    keys = {e.key[4:] for e in walk_endpoints() if e.key.startswith("api:")}
    named = {k for k in keys if re.search(r"\{(pk|username|\w+_u?id)\}", k)}
    assert named == set(ENTITY_OPERATIONS) | set(NOT_SCOPED)


def test_another_centres_user_finds_nothing_through_the_api_either(scene: Scene) -> None:
    _token, raw = token_create(user=_outsider(), name="walk", days=1, scopes=token_scopes())
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    events = Event.objects.count()
    reached = set()
    for key, (entity, body) in ENTITY_OPERATIONS.items():
        method, route = key.split(" ", 1)

        def path(entity_id: object, route: str = route) -> str:
            return re.sub(
                r"\{(\w+)\}",
                lambda m: _value(m.group(1), entity_id) if _is_id(m.group(1)) else SAMPLE_KWARGS[m.group(1)],
                route,
            )

        one, other = (
            client.generic(method, path(entity_id), json.dumps(body or {}), content_type="application/json")
            for entity_id in (scene.ids[entity], MISSING)
        )
        assert (one.status_code, one.json()) == (other.status_code, other.json()), key
        if one.get(REFUSED_HEADER):
            assert one.status_code == 403, key
        else:
            assert one.status_code == 404, (key, one.json())
            reached.add(key.split("/")[3])
    assert reached == {"registry", "service", "sealing", "inbox", "tokens", "witness", "library", "venues"}
    assert Event.objects.count() == events
