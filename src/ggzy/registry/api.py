"""The registry's API: the public service guide (categories, checklists, methods), filing a
registration with its files (base64, for agents' own systems), and the review steps."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Path, Query, Schema, Status

from ggzy.accounts.models import Organisation
from ggzy.accounts.selectors import centre_by_code
from ggzy.core.access import actor_of, allow, public
from ggzy.core.api import PAGED, Router, paged, refuses
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.schemas import PageQuery
from ggzy.core.types import Actor
from ggzy.registry import blobs, selectors, services
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import PriceForm, Registration, RegistrationChannel

router = Router(tags=["registry"])
FILER_ROLES = (Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)


class ItemOut(Schema):
    key: str
    name: str
    need: str
    condition: str
    may_defer: bool
    needed_before: str
    media_types: list[str]
    max_bytes: int


class MethodOut(Schema):
    code: str
    name: str


class CategoryOut(Schema):
    code: str
    name: str
    letter: str
    routed_to: str
    external_codes: list[str]
    checklist_version: int
    checklist: list[ItemOut]
    methods: list[MethodOut]


@router.get("/registry/categories", response=list[CategoryOut], summary="Trading categories and what to file")
@public
def category_list(request: HttpRequest) -> list[CategoryOut]:
    """The service guide of registration (12.1.3): each category's current checklist and methods."""
    out = []
    for category, checklist in selectors.category_guide():
        out.append(
            CategoryOut(
                code=category.code,
                name=category.name,
                letter=category.letter,
                routed_to=category.routed_to,
                external_codes=list(category.external_codes),
                checklist_version=checklist.version,
                checklist=[ItemOut.model_validate(i, from_attributes=True) for i in checklist.items.all()],
                methods=[MethodOut(code=m.code, name=m.name) for m in category.methods.all()],
            )
        )
    return out


class FileIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    content: str = Field(..., description="the file, base64")


class PromiseIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)
    due: dt.date


class SectionIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    budget_yuan: Decimal = Field(..., gt=0, max_digits=16, decimal_places=2)
    price_form: PriceForm
    method: str = Field(..., min_length=1, max_length=32)


class TenderProjectIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    sections: list[SectionIn] = Field(..., min_length=1, max_length=50)


class RegistrationIn(Schema):
    centre: str = Field(..., min_length=1, max_length=32)
    category: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=200)
    region: str = Field(..., pattern=r"^\d{6}$")
    initiator: str = Field(..., description="the initiator's unified social credit code")
    agent: str | None = Field(None, description="the agent's credit code, when an agent files")
    investment_code: str = ""
    approval_number: str = ""
    procurement_plan: str = ""
    tender_projects: list[TenderProjectIn] = Field(..., min_length=1, max_length=20)
    files: dict[str, FileIn] = Field(default_factory=dict)
    promises: dict[str, PromiseIn] = Field(default_factory=dict)
    not_applicable: list[str] = Field(default_factory=list)
    on_site: bool = Field(False, description="entered by centre staff for a walk-in")


class SectionOut(Schema):
    code: str
    name: str
    budget_fen: int
    price_form: str
    method: str


class TenderProjectOut(Schema):
    code: str
    name: str
    sections: list[SectionOut]


class EntryOut(Schema):
    key: str
    name: str
    need: str
    file_name: str
    sm3: str | None
    not_applicable: bool
    promise: str
    promised_by: dt.date | None
    supplied_at: dt.datetime | None


class NoticeLineOut(Schema):
    item: str
    reason: str


class NoticeOut(Schema):
    number: int
    issued_at: dt.datetime
    lines: list[NoticeLineOut]


class RegistrationOut(Schema):
    uid: uuid.UUID
    project_code: str
    name: str
    category: str
    centre: str
    state: str
    channel: str
    checklist_version: int
    investment_code: str
    approval_number: str
    procurement_plan: str
    submitted_at: dt.datetime
    complete_at: dt.datetime | None
    due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    responsible: str | None
    deputy: str | None
    handler: str | None
    tender_projects: list[TenderProjectOut]
    items: list[EntryOut]
    notices: list[NoticeOut]


def _name(user: Actor | None) -> str | None:
    return user.get_username() if user is not None else None


def _out(registration: Registration) -> RegistrationOut:
    registration = selectors.with_contents(registration)  # a list's rows have them already
    project = registration.project
    return RegistrationOut(
        uid=registration.uid,
        project_code=project.code,
        name=project.name,
        category=project.category_id,
        centre=project.centre.code,
        state=registration.state,
        channel=registration.channel,
        checklist_version=registration.checklist.version,
        investment_code=project.investment_code,
        approval_number=project.approval_number,
        procurement_plan=project.procurement_plan,
        submitted_at=registration.submitted_at,
        complete_at=registration.complete_at,
        due_at=registration.deadline.due_at if registration.deadline else None,
        accepted_at=registration.accepted_at,
        responsible=_name(registration.responsible),
        deputy=_name(registration.deputy),
        handler=_name(selectors.handler_now(registration)),
        tender_projects=[
            TenderProjectOut(
                code=t.code,
                name=t.name,
                sections=[
                    SectionOut(
                        code=s.code,
                        name=s.name,
                        budget_fen=s.budget_fen,
                        price_form=s.price_form,
                        method=s.method_id,
                    )
                    for s in t.sections.all()
                ],
            )
            for t in project.tender_projects.all()
        ],
        items=[
            EntryOut(
                key=i.checklist_item.key,
                name=i.checklist_item.name,
                need=i.checklist_item.need,
                file_name=i.file_name,
                sm3=i.blob_id,
                not_applicable=i.not_applicable,
                promise=i.promise,
                promised_by=i.promised_by,
                supplied_at=i.supplied_at,
            )
            for i in registration.items.all()
        ],
        notices=[
            NoticeOut(
                number=n.number,
                issued_at=n.issued_at,
                lines=[
                    NoticeLineOut(item=line.checklist_item.key, reason=line.reason) for line in n.lines.all()
                ],
            )
            for n in registration.returns.all()
        ],
    )


def _decode(key: str, file: FileIn) -> services.Upload:
    try:
        return services.Upload(name=file.name, data=base64.b64decode(file.content, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise DomainError(RegistryError.FILE_TYPE, detail={"item": key, "file": file.name}) from exc


def _organisation(uscc: str) -> Organisation:
    """The organisation with this registration code; not found when none has it, or when the same
    digits are the codes of organisations of two kinds (a Hong Kong and a Taiwan number) — the caller
    cannot mean both."""
    found = list(Organisation.objects.filter(uscc=uscc.strip().upper())[:2])
    if len(found) != 1:
        raise DomainError(CoreError.NOT_FOUND, detail={"organisation": uscc})
    return found[0]


@router.post(
    "/registry/registrations",
    response={201: RegistrationOut},
    summary="File a project registration (一表申请)",
)
@allow(*FILER_ROLES)
@refuses(RegistryError.CODE_EXHAUSTED)
def registration_file(request: HttpRequest, payload: RegistrationIn) -> Status[RegistrationOut]:
    centre = centre_by_code(payload.centre)
    category = selectors.category_by_code(payload.category)
    if centre is None or category is None:
        raise DomainError(RegistryError.CATEGORY_NOT_SERVED, detail={"category": payload.category})
    registration = services.registration_file(
        actor=actor_of(request),
        centre=centre,
        category=category,
        name=payload.name,
        initiator=_organisation(payload.initiator),
        agent=_organisation(payload.agent) if payload.agent else None,
        region=payload.region,
        external={
            "investment_code": payload.investment_code,
            "approval_number": payload.approval_number,
            "procurement_plan": payload.procurement_plan,
        },
        tender_projects=[
            services.TenderProjectIn(
                name=t.name,
                sections=[
                    services.SectionIn(
                        name=s.name, budget_yuan=str(s.budget_yuan), price_form=s.price_form, method=s.method
                    )
                    for s in t.sections
                ],
            )
            for t in payload.tender_projects
        ],
        files={k: _decode(k, f) for k, f in payload.files.items()},
        promises={k: services.Promise(text=p.text, due=p.due) for k, p in payload.promises.items()},
        not_applicable=set(payload.not_applicable),
        channel=RegistrationChannel.ON_SITE if payload.on_site else RegistrationChannel.ONLINE,
    )
    return Status(201, _out(registration))


@router.get(
    "/registry/registrations",
    response=list[RegistrationOut],
    summary="Registrations I may see, a page at a time",
    openapi_extra=PAGED,
)
@allow(*FILER_ROLES)
def registration_list(
    request: HttpRequest, response: HttpResponse, page: Query[PageQuery]
) -> list[RegistrationOut]:
    rows = paged(request, response, selectors.registrations_for(user=request.user, contents=True), page)
    return [_out(r) for r in rows]


@router.get(
    "/registry/registrations/{registration_uid}", response=RegistrationOut, summary="One registration"
)
@allow(*FILER_ROLES)
def registration_get(request: HttpRequest, registration_uid: uuid.UUID) -> RegistrationOut:
    return _out(selectors.access_registration(viewer=request.user, uid=registration_uid))


class ItemIn(Schema):
    file: FileIn


@router.post(
    "/registry/registrations/{registration_uid}/items/{key}",
    response=RegistrationOut,
    summary="Supply a file for an item (a correction, or a promised item)",
)
@allow(Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
@refuses(RegistryError.STATE)
def item_supply(
    request: HttpRequest,
    payload: ItemIn,
    registration_uid: uuid.UUID,
    key: str = Path(..., max_length=64),
) -> RegistrationOut:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    services.item_supply(
        actor=actor_of(request), registration=registration, key=key, upload=_decode(key, payload.file)
    )
    return _out(selectors.access_registration(viewer=request.user, uid=registration_uid))


@router.post(
    "/registry/registrations/{registration_uid}/resubmit", response=RegistrationOut, summary="Submit again"
)
@allow(Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
@refuses(RegistryError.STATE)
def resubmit(request: HttpRequest, registration_uid: uuid.UUID) -> RegistrationOut:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    services.registration_resubmit(actor=actor_of(request), registration=registration)
    return _out(selectors.access_registration(viewer=request.user, uid=registration_uid))


class LineIn(Schema):
    item: str = Field(..., min_length=1, max_length=64)
    reason: str = Field(..., min_length=1, max_length=500)


class NoticeIn(Schema):
    lines: list[LineIn] = Field(..., max_length=50)


@router.post(
    "/registry/registrations/{registration_uid}/notices",
    response={201: RegistrationOut},
    summary="Return with a one-time notice (一次性告知)",
)
@allow(Role.CENTRE_STAFF)
@refuses(RegistryError.STATE)
def notice_issue(
    request: HttpRequest, payload: NoticeIn, registration_uid: uuid.UUID
) -> Status[RegistrationOut]:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    services.notice_issue(
        actor=actor_of(request),
        registration=registration,
        lines=[(line.item, line.reason) for line in payload.lines],
    )
    return Status(201, _out(selectors.access_registration(viewer=request.user, uid=registration_uid)))


class AcceptIn(Schema):
    responsible: str = Field(..., min_length=1, max_length=150, description="user name")
    deputy: str = Field(..., min_length=1, max_length=150, description="user name")


def _user(username: str) -> Actor:
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise DomainError(RegistryError.STAFF_INVALID, detail={"user": username})
    return found


@router.post(
    "/registry/registrations/{registration_uid}/accept",
    response=RegistrationOut,
    summary="Accept (办结) naming the responsible person and the deputy",
)
@allow(Role.CENTRE_STAFF)
@refuses(RegistryError.STATE)
def accept(request: HttpRequest, payload: AcceptIn, registration_uid: uuid.UUID) -> RegistrationOut:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    services.registration_accept(
        actor=actor_of(request),
        registration=registration,
        responsible=_user(payload.responsible),
        deputy=_user(payload.deputy),
    )
    return _out(selectors.access_registration(viewer=request.user, uid=registration_uid))


@router.post(
    "/registry/registrations/{registration_uid}/items/{key}/confirm",
    response=RegistrationOut,
    summary="Confirm a promised item arrived (the handler)",
)
@allow(Role.CENTRE_STAFF)
@refuses(RegistryError.STATE)
def confirm(
    request: HttpRequest, registration_uid: uuid.UUID, key: str = Path(..., max_length=64)
) -> RegistrationOut:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    services.promised_item_confirm(actor=actor_of(request), registration=registration, key=key)
    return _out(selectors.access_registration(viewer=request.user, uid=registration_uid))


class LeaveIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    covered_by: str | None = Field(
        None, max_length=150, description="user name of the colleague of your centre who covers"
    )


class LeaveOut(Schema):
    uid: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    covered_by: str | None


@router.post("/registry/leave", response={201: LeaveOut}, summary="Record my leave (my deputy takes over)")
@allow(Role.CENTRE_STAFF)
def leave(request: HttpRequest, payload: LeaveIn) -> Status[LeaveOut]:
    if payload.starts_at.tzinfo is None or payload.ends_at.tzinfo is None:
        raise DomainError(RegistryError.LEAVE_INVALID, detail={"reason": "give a time zone"})
    covered_by = None
    if payload.covered_by:
        covered_by = get_user_model().objects.filter(username=payload.covered_by).first()
        if covered_by is None:
            raise DomainError(RegistryError.COVER_INVALID, detail={"user": payload.covered_by})
    recorded = services.leave_record(
        actor=actor_of(request),
        user=actor_of(request),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        covered_by=covered_by,
    )
    return Status(
        201,
        LeaveOut(
            uid=recorded.uid,
            starts_at=recorded.starts_at,
            ends_at=recorded.ends_at,
            covered_by=_name(recorded.covered_by),
        ),
    )


class TemplateOut(Schema):
    uid: uuid.UUID
    centre: str | None = Field(..., description="the centre offering it (none: the platform)")
    category: str
    name: str
    version: int
    file_name: str
    sm3: str
    size: int


@router.get(
    "/registry/templates", response=list[TemplateOut], summary="Standard document templates offered (6.2.6)"
)
@allow(Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
def template_list(request: HttpRequest) -> list[TemplateOut]:
    """Templates offered on request, the version offered now of each. The platform never approves,
    authorises or files trading documents (6.2.6)."""
    return [
        TemplateOut(
            uid=t.uid,
            centre=t.centre.code if t.centre is not None else None,
            category=t.category_id,
            name=t.name,
            version=t.version,
            file_name=t.file_name,
            sm3=t.blob_id,
            size=t.blob.size,
        )
        for t in selectors.template_list()
    ]


@router.get(
    "/registry/templates/{template_uid}/file",
    response={200: None},
    summary="Download a document template",
    openapi_extra={"responses": {200: {"content": {"application/octet-stream": {}}}}},
)
@allow(Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
def template_file(request: HttpRequest, template_uid: uuid.UUID) -> HttpResponse:
    template = selectors.access_template(viewer=request.user, uid=template_uid)
    response = HttpResponse(blobs.read(template.blob), content_type=template.blob.media_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=template.file_name) or "attachment"
    )
    return response
