"""The market-entity library through the API: one's own library (the organisation one acts for), its
entries added, read, looked up with the authority and retired, and the snapshot a bid seals
(`POST /library/snapshot`: what `ggzy-bid` and other tools fetch; it names no section).

Files are not taken here (the library's page takes them). Personal and account numbers are never
answered: an entry carries their masked form only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema, Status
from pydantic import StrictInt, StrictStr

from ggzy.core.access import actor_of, allow
from ggzy.core.api import PAGED, Router, paged, refuses
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.core.schemas import INT64_MAX, PageQuery
from ggzy.entities import selectors, services
from ggzy.entities.errors import EntitiesError
from ggzy.entities.models import Item, ItemKind

router = Router(tags=["entities"])

#: the most fields an entry has (the longest table of `entities.kinds` has ten)
FIELDS_MAX = 40


class LibraryFlagOut(Schema):
    code: str = Field(..., description="expired, mismatch, second_registration, busy")
    text: str


class LibraryFileOut(Schema):
    name: str
    sm3: str
    size: int
    media_type: str


class LibraryItemOut(Schema):
    uid: uuid.UUID
    kind: ItemKind
    title: str
    number: str = Field(..., description="the certificate number or code that identifies it, if any")
    fields: dict[str, Any] = Field(
        ..., description="its fields by the kind's table; personal and account numbers are not among them"
    )
    personal_number: str = Field(..., description="the identity document number, masked; empty if none")
    account_number: str = Field(..., description="the bank account number, masked; empty if none")
    files: list[LibraryFileOut]
    valid_from: dt.date | None
    valid_to: dt.date | None
    revision: int
    sm3: str = Field(..., description="SM3 of the current revision's canonical body")
    state: str = Field(..., description="active or retired")
    retired_at: dt.datetime | None
    retired_reason: str
    verification: str = Field(..., description="'' not looked up; match, mismatch, not_found, elsewhere")
    verified_at: dt.datetime | None
    flags: list[LibraryFlagOut]


FieldValue = StrictStr | Annotated[StrictInt, Field(ge=0, le=INT64_MAX)] | None


class LibraryItemIn(Schema):
    kind: ItemKind
    fields: dict[str, FieldValue] = Field(
        ...,
        max_length=FIELDS_MAX,
        description="the kind's fields (docs/entities.md): dates as YYYY-MM-DD, money in fen, shares in"
        " basis points",
    )


class LibraryRetireIn(Schema):
    reason: str = Field("", max_length=200)


class LibrarySnapshotIn(Schema):
    items: list[uuid.UUID] = Field(..., max_length=500, description="the entries of one's own library")


class LibrarySnapshotItemOut(Schema):
    item: str
    kind: str
    title: str
    revision: int
    sm3: str
    body: dict[str, Any] = Field(..., description="the revision's canonical body (ggzy-library-item-v1)")


class LibrarySnapshotOut(Schema):
    format: str = Field(..., description="ggzy-library-snapshot-v1")
    organisation: str
    organisation_name: str
    taken_at: str
    items: list[LibrarySnapshotItemOut]


def _masked(value: object) -> str:
    return str(getattr(value, "masked", "") or "")


def _out(item: Item) -> LibraryItemOut:
    """An entry as read from the database (never one a service just filled in: its numbers would be
    the plaintext it was given)."""
    fresh = Item.objects.get(pk=item.pk)
    revision = selectors.current_revision(fresh)
    return LibraryItemOut(
        uid=fresh.uid,
        kind=ItemKind(fresh.kind),
        title=fresh.title,
        number=fresh.number,
        fields=dict(fresh.data),
        personal_number=_masked(fresh.secret),
        account_number=_masked(fresh.account),
        files=[LibraryFileOut(**f) for f in fresh.files],
        valid_from=fresh.valid_from,
        valid_to=fresh.valid_to,
        revision=fresh.revision,
        sm3=revision.sm3 if revision else "",
        state="retired" if fresh.retired_at else "active",
        retired_at=fresh.retired_at,
        retired_reason=fresh.retired_reason,
        verification=fresh.verification,
        verified_at=fresh.verified_at,
        flags=[LibraryFlagOut(code=f.code, text=f.text) for f in selectors.flags_of(fresh)],
    )


@router.get(
    "/library/items",
    response=list[LibraryItemOut],
    summary="My organisation's library",
    openapi_extra=PAGED,
)
@allow(Role.RESPONDER)
def items_list(
    request: HttpRequest,
    response: HttpResponse,
    page: Query[PageQuery],
    retired: bool = Query(False, description="include the retired entries"),
) -> list[LibraryItemOut]:
    """The entries of the library of the organisation one acts for, by kind and title; none when one acts
    for no organisation."""
    organisation = selectors.own_organisation(actor_of(request))
    if organisation is None:
        return paged(request, response, [], page)
    rows = selectors.library(organisation=organisation, retired=retired).order_by("kind", "title", "pk")
    return [_out(item) for item in paged(request, response, rows, page)]


@router.post(
    "/library/items", response={201: LibraryItemOut}, summary="Add an entry to my organisation's library"
)
@allow(Role.RESPONDER)
@refuses(EntitiesError.NUMBER_TAKEN, EntitiesError.NUMBER_DUPLICATE)
def item_add(request: HttpRequest, payload: LibraryItemIn) -> Status[LibraryItemOut]:
    """Its fields are checked by the kind's table and refused, naming the field, before anything is
    written. Files are attached on the library's page."""
    user = actor_of(request)
    organisation = selectors.own_organisation(user)
    if organisation is None:
        raise DomainError(EntitiesError.NOT_FOUND)
    item = services.item_add(actor=user, organisation=organisation, kind=payload.kind, fields=payload.fields)
    return Status(201, _out(item))


@router.get(
    "/library/items/{item_uid}", response=LibraryItemOut, summary="An entry of my organisation's library"
)
@allow(Role.RESPONDER)
def item_get(request: HttpRequest, item_uid: uuid.UUID) -> LibraryItemOut:
    return _out(selectors.access_item(viewer=request.user, uid=item_uid))


@router.post("/library/items/{item_uid}/retire", response=LibraryItemOut, summary="Retire an entry")
@allow(Role.RESPONDER)
@refuses(EntitiesError.RETIRED)
def item_retire(request: HttpRequest, item_uid: uuid.UUID, payload: LibraryRetireIn) -> LibraryItemOut:
    """It leaves the library's lists; its revisions stay, for the bids that presented them."""
    user = actor_of(request)
    item = selectors.access_own_item(viewer=user, uid=item_uid)
    return _out(services.item_retire(actor=user, item=item, reason=payload.reason))


@router.post(
    "/library/items/{item_uid}/verify", response=LibraryItemOut, summary="Look an entry up with the authority"
)
@allow(Role.RESPONDER)
@refuses(
    EntitiesError.RETIRED,
    EntitiesError.AUTHORITY_UNAVAILABLE,
    EntitiesError.AUTHORITY_UNTRUSTED,
    EntitiesError.AUTHORITY_NOT_CONFIGURED,
)
def item_verify(request: HttpRequest, item_uid: uuid.UUID) -> LibraryItemOut:
    """The authority's signed answer is kept with the entry (`verification`: match, mismatch, not_found;
    elsewhere — a professional registered to another organisation — retires it here)."""
    user = actor_of(request)
    item = selectors.access_own_item(viewer=user, uid=item_uid)
    return _out(services.item_verify(actor=user, item=item))


@router.post(
    "/library/snapshot",
    response=LibrarySnapshotOut,
    summary="The snapshot of chosen entries, to seal into a bid",
)
@allow(Role.RESPONDER)
def snapshot(request: HttpRequest, payload: LibrarySnapshotIn) -> dict[str, object]:
    """A ggzy-library-snapshot-v1 document: each chosen entry's current revision with its SM3. It names no
    section. Save it as `library.json` and seal it with `ggzy-bid seal --library library.json`. An entry
    that is not one's own, or is retired, is not found."""
    return selectors.snapshot(viewer=actor_of(request), items=payload.items)
