"""Writes to the market-entity library (docs/entities.md): an organisation's entries added, edited,
retired, verified with the authority, its licence taken in from the electronic business licence, and a
bid's references resolved at the opening. Each service is one transaction; every change is a new
`Revision` (canonical JSON and its SM3) and one `entities.item.changed` event.

Who may write: the members of the organisation (its own library; `actor=None` is the platform itself:
the demo, a data migration). Staff never edit a library: what a bidder entered is the bidder's word, and
the authority's signed answer sits beside it (11.2.5: the centre holds none of its papers)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from ggzy.accounts import identifiers
from ggzy.accounts.models import Membership, Organisation
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.entities import authority
from ggzy.entities.errors import EntitiesError
from ggzy.entities.event_types import EntitiesEvents
from ggzy.entities.kinds import SPECS, Field, KindSpec
from ggzy.entities.models import (
    UNIQUE_NUMBER_KINDS,
    BidReference,
    Item,
    ItemKind,
    Outcome,
    QualificationType,
    Revision,
    Verification,
)
from ggzy.events.services import event_record
from ggzy.registry import blobs
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

ITEM_FORMAT = "ggzy-library-item-v1"
SNAPSHOT_FORMAT = "ggzy-library-snapshot-v1"
#: the name a snapshot has inside a sealed bid's documents (docs/entities.md §3)
BID_DOCUMENT = "library.json"
FILE_TYPES = ["application/pdf", "application/ofd", "image/png", "image/jpeg"]
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
MAX_FEN = 10**15  # ten thousand billion yuan: above any contract
BP_MAX = 10_000

Upload = tuple[str, blobs.Source]  # (file name, bytes or a file object)


# --- checking what is entered ------------------------------------------------------------------------------


def _invalid(field: Field, reason: str) -> DomainError:
    return DomainError(
        EntitiesError.FIELD_INVALID, detail={"field": field.name, "label": str(field.label), "reason": reason}
    )


def _date(field: Field, raw: object) -> str:
    if isinstance(raw, dt.datetime):
        raise _invalid(field, "一个日期（年-月-日），不带时刻")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    try:
        return dt.date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError as exc:
        raise _invalid(field, "日期写作 年-月-日，例如 2026-03-01") from exc


def _whole(field: Field, raw: object, *, high: int) -> int:
    if isinstance(raw, bool | float):
        raise _invalid(field, "一个整数（金额以分计，不用小数）")
    text = str(raw).strip().replace(",", "")
    if not text.isdigit():
        raise _invalid(field, "一个不小于 0 的整数（金额以分计，不用小数）")
    value = int(text)
    if value > high:
        raise _invalid(field, f"不超过 {high}")
    return value


def organisation_code(raw: str) -> str:
    """A registration code as a party's: an 18-character code is a unified social credit code and must
    pass its check characters (GB 32100); a shorter one is a registration elsewhere (Hong Kong, Macao,
    Taiwan, abroad), checked for its characters only — the library must not refuse a foreign party."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(text) == 18:  # noqa: PLR2004  (GB 32100)
        return identifiers.validate_uscc(text)
    if not text or len(text) > 40 or not all(c.isalnum() or c in "-/. " for c in text):  # noqa: PLR2004
        raise identifiers.InvalidIdentifier("format", "not a registration code")
    return text


def _person(kind: str, raw: str) -> str:
    if kind in ("resident", "foreign_permanent_resident"):
        return identifiers.validate_resident_id(raw)
    if kind == "passport":
        return identifiers.validate_passport(raw)
    if kind == "hk_macao_permit":
        return identifiers.validate_travel_permit("hk_macao", raw)
    if kind == "taiwan_permit":
        return identifiers.validate_travel_permit("taiwan", raw)
    raise identifiers.InvalidIdentifier("kind", "unknown identity document")


def _value(field: Field, raw: object, values: Mapping[str, object]) -> object:  # noqa: PLR0911, PLR0912
    if field.type in ("text", "longtext"):
        text = str(raw).strip()
        if len(text) > field.max_length:
            raise _invalid(field, f"不超过 {field.max_length} 个字")
        return text
    if field.type == "date":
        return _date(field, raw)
    if field.type == "fen":
        return _whole(field, raw, high=MAX_FEN)
    if field.type == "bp":
        return _whole(field, raw, high=BP_MAX)
    if field.type == "choice":
        if str(raw) not in {c for c, _label in field.choices}:
            raise _invalid(field, "不在可选的范围内")
        return str(raw)
    if field.type == "code":
        try:
            return organisation_code(str(raw))
        except identifiers.InvalidIdentifier as exc:
            raise _invalid(field, "代码或其校验位不正确") from exc
    if field.type == "person":
        try:
            return _person(str(values.get("id_kind", "")), str(raw))
        except identifiers.InvalidIdentifier as exc:
            raise _invalid(field, "证件号码或其校验位不正确") from exc
    if field.type == "account":
        text = "".join(str(raw).split())
        if not text.isdigit() or not 8 <= len(text) <= 32:  # noqa: PLR2004
            raise _invalid(field, "8 至 32 位数字")
        return text
    if field.type == "qualtype":
        if not QualificationType.objects.filter(code=str(raw)).exists():
            raise _invalid(field, "不是资质代码表中的类型")
        return str(raw)
    if field.type == "level":
        qualtype = QualificationType.objects.filter(code=str(values.get("type", ""))).first()
        levels = list(qualtype.levels) if qualtype else []
        if str(raw) not in levels:
            raise _invalid(field, "该资质类型没有这个等级（" + "、".join(levels) + "）")
        return str(raw)
    raise AssertionError(field.type)  # pragma: no cover  (the kinds table names only these)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def fields_clean(
    kind_spec: KindSpec, raw: Mapping[str, object], organisation: Organisation
) -> tuple[dict[str, object], str, str]:
    """(public fields, personal number, account number) of what was entered for an entry of this kind;
    DomainError naming the first field that is wrong, before anything is written."""
    known = {f.name for f in kind_spec.fields}
    for name in raw:
        if name not in known:
            raise DomainError(EntitiesError.FIELD_UNKNOWN, detail={"field": str(name)[:40]})
    data: dict[str, object] = {}
    secret = account = ""
    for field in kind_spec.fields:
        value = raw.get(field.name)
        if _blank(value):
            if field.required:
                raise DomainError(
                    EntitiesError.FIELD_MISSING, detail={"field": field.name, "label": str(field.label)}
                )
            continue
        cleaned = _value(field, value, {**raw, **data})
        if field.type == "person":
            secret = str(cleaned)
        elif field.type == "account":
            account = str(cleaned)
        else:
            data[field.name] = cleaned
    _relations_check(kind_spec, data, secret, organisation)
    _dates_check(kind_spec, data)
    return data, secret, account


def _relations_check(kind_spec: KindSpec, data: dict[str, object], secret: str, org: Organisation) -> None:
    if kind_spec.kind == ItemKind.LICENCE and data.get("code") != org.uscc:
        raise _invalid(kind_spec.field("code"), "与本单位登记的代码不一致")
    if kind_spec.kind == ItemKind.CONTROL:
        if data.get("party_kind") == "organisation" and not data.get("party_code"):
            raise DomainError(
                EntitiesError.FIELD_MISSING,
                detail={"field": "party_code", "label": str(kind_spec.field("party_code").label)},
            )
        if data.get("party_kind") == "person" and not secret:
            raise DomainError(
                EntitiesError.FIELD_MISSING,
                detail={"field": "id_number", "label": str(kind_spec.field("id_number").label)},
            )


def _dates_check(kind_spec: KindSpec, data: dict[str, object]) -> None:
    start, end = kind_spec.valid_from, kind_spec.valid_to
    pairs = [(start, end)]
    if kind_spec.kind == ItemKind.TRACK_RECORD:
        pairs.append(("started", "completed"))
    for earlier, later in pairs:
        if earlier and later and data.get(earlier) and data.get(later) and data[later] < data[earlier]:  # type: ignore[operator]
            raise DomainError(
                EntitiesError.DATES_ORDER,
                detail={
                    "earlier": str(kind_spec.field(earlier).label),
                    "later": str(kind_spec.field(later).label),
                },
            )


def _files(uploads: Iterable[Upload]) -> list[dict[str, object]]:
    stored = []
    for name, source in uploads:
        media_type = blobs.check(source, name, media_types=FILE_TYPES, max_bytes=MAX_FILE_BYTES)
        blob = blobs.store(source, media_type, max_bytes=MAX_FILE_BYTES, name=name)
        stored.append({"name": name[:200], "sm3": blob.sm3, "size": blob.size, "media_type": media_type})
    return stored


# --- revisions ---------------------------------------------------------------------------------------------


def _date_or_none(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def revision_body(item: Item) -> dict[str, object]:
    """The canonical body of the item's current state (what its revision keeps and a bid presents)."""
    return {
        "format": ITEM_FORMAT,
        "item": str(item.uid),
        "organisation": item.organisation.uscc,
        "kind": item.kind,
        "revision": item.revision,
        "fields": item.data,
        "files": item.files,
        "personal": item.secret_lookup or None,  # a keyed hash: proves the number without showing it
        "account": item.account_lookup or None,
        "state": "retired" if item.retired_at else "active",
        "retired_reason": item.retired_reason or None,
        "verification": (
            {"outcome": item.verification, "at": canonical.format_instant(item.verified_at)}
            if item.verified_at
            else None
        ),
    }


def _record(item: Item, change: str, actor: Actor | None, **extra: object) -> Revision:
    body = revision_body(item)
    revision = Revision.objects.create(
        item=item,
        number=item.revision,
        change=change,
        body=body,
        sm3=sm3(canonical.dumps(body)).hex(),
        recorded_at=item.updated_at,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    organisation = item.organisation
    event_record(
        type=EntitiesEvents.ITEM_CHANGED,
        actor=actor,
        organisation=organisation.uscc,
        region=organisation.region or "",
        data={
            "item": str(item.uid),
            "kind": item.kind,
            "change": change,
            "revision": revision.number,
            "sm3": revision.sm3,
            **extra,
        },
    )
    return revision


def _apply(item: Item, kind_spec: KindSpec, data: dict[str, object], secret: str, account: str) -> None:
    item.data = dict(data)
    if secret:
        item.secret = secret
    if account:
        item.account = account
    item.number = str(data.get(kind_spec.number, ""))[:64] if kind_spec.number else ""
    item.title = str(data.get(kind_spec.title, ""))[:200] or str(kind_spec.kind.label)
    if kind_spec.kind == ItemKind.QUALIFICATION:  # what it is reads better than its number
        qualtype = QualificationType.objects.filter(code=str(data.get("type", ""))).first()
        if qualtype is not None:
            item.title = f"{qualtype.name}{data.get('level', '')}"[:200]
    item.valid_from = _date_or_none(data.get(kind_spec.valid_from)) if kind_spec.valid_from else None
    item.valid_to = _date_or_none(data.get(kind_spec.valid_to)) if kind_spec.valid_to else None


# --- who may write -----------------------------------------------------------------------------------------


def _owner_check(actor: Actor | None, organisation: Organisation) -> None:
    """Only a member of the organisation writes its library (else the same not-found as a missing entry)."""
    if actor is None:
        return
    if not Membership.objects.filter(user=actor, organisation=organisation).exists():
        raise DomainError(EntitiesError.NOT_FOUND)


def _spec(kind: str) -> KindSpec:
    if kind not in SPECS:
        raise DomainError(EntitiesError.KIND_UNKNOWN)
    return SPECS[kind]


def _holder(kind: str, number: str, *, exclude: int | None = None) -> Item | None:
    if kind not in UNIQUE_NUMBER_KINDS or not number:
        return None
    found = Item.objects.select_for_update().filter(kind=kind, number=number, retired_at__isnull=True)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.select_related("organisation").first()


def _number_free(
    kind: str, number: str, organisation: Organisation, actor: Actor | None, exclude: int | None = None
) -> None:
    """Refuse a certificate number held by an active entry — unless the authority records it as
    registered to `organisation` now, when the other holder's entry is closed from that date (a
    professional who moved)."""
    other = _holder(kind, number, exclude=exclude)
    if other is None:
        return
    if other.organisation_id == organisation.pk:
        raise DomainError(EntitiesError.NUMBER_DUPLICATE, detail={"number": number})
    if kind == ItemKind.PROFESSIONAL:
        try:
            answer = authority.lookup("professional", number)
        except DomainError:
            answer = None
        record = answer.record if answer else None
        if record and record.get("registered_to") == organisation.uscc:
            _close_left(other, str(record.get("registered_since", "")), actor, answer)
            return
    raise DomainError(EntitiesError.NUMBER_TAKEN, detail={"number": number})


def _close_left(item: Item, since: str, actor: Actor | None, answer: authority.Answer | None) -> None:
    """Close a professional's entry at the organisation it left, from the date the authority records."""
    item.retired_at = item.updated_at = clock.now()
    item.retired_reason = f"registered elsewhere from {since}"[:200]
    item.data = {**item.data, "left_on": since}
    item.verification = Verification.ELSEWHERE
    item.verified_at = item.updated_at
    item.verified_answer = answer.signed if answer else None
    item.revision += 1
    item.save()
    _record(item, "left", actor, left_on=since)


# --- the services ------------------------------------------------------------------------------------------


@transaction.atomic
def item_add(
    *,
    actor: Actor | None,
    organisation: Organisation,
    kind: str,
    fields: Mapping[str, object],
    files: Iterable[Upload] = (),
) -> Item:
    """Add an entry to the organisation's library (its first revision)."""
    _owner_check(actor, organisation)
    kind_spec = _spec(kind)
    data, secret, account = fields_clean(kind_spec, fields, organisation)
    uploads = list(files)
    if len(uploads) > MAX_FILES or (uploads and not kind_spec.files):
        raise DomainError(EntitiesError.FILE_COUNT, detail={"max": MAX_FILES if kind_spec.files else 0})
    number = str(data.get(kind_spec.number, "")) if kind_spec.number else ""
    _number_free(kind, number, organisation, actor)
    now = clock.now()
    item = Item(organisation=organisation, kind=kind, created_at=now, updated_at=now)
    _apply(item, kind_spec, data, secret, account)
    item.files = _files(uploads)
    item.save()
    _record(item, "added", actor)
    return item


def _live(item: Item) -> Item:
    locked = Item.objects.select_for_update().select_related("organisation").get(pk=item.pk)
    if locked.retired_at is not None:
        raise DomainError(EntitiesError.RETIRED)
    return locked


@transaction.atomic
def item_edit(
    *,
    actor: Actor | None,
    item: Item,
    fields: Mapping[str, object],
    files: Iterable[Upload] = (),
    keep_files: Iterable[str] | None = None,
) -> Item:
    """Change an entry: a new revision. The personal number and account number stay unless given again;
    the files named by SM3 in `keep_files` stay (all, if None) and `files` are added. An edit drops the
    authority's confirmation (what it confirmed may no longer be what is entered)."""
    _owner_check(actor, item.organisation)
    item = _live(item)
    kind_spec = _spec(item.kind)
    given = dict(fields)
    for field in kind_spec.fields:  # an encrypted number not given again stays
        if field.type in ("person", "account") and _blank(given.get(field.name)):
            given.pop(field.name, None)
    data, secret, account = _fields_keeping(kind_spec, given, item)
    kept = [f for f in item.files if keep_files is None or f["sm3"] in set(keep_files)]
    uploads = list(files)
    if len(kept) + len(uploads) > MAX_FILES or (uploads and not kind_spec.files):
        raise DomainError(EntitiesError.FILE_COUNT, detail={"max": MAX_FILES if kind_spec.files else 0})
    number = str(data.get(kind_spec.number, "")) if kind_spec.number else ""
    if number != item.number:
        _number_free(item.kind, number, item.organisation, actor, exclude=item.pk)
    old_valid_to = item.valid_to
    _apply(item, kind_spec, data, secret, account)
    item.files = kept + _files(uploads)
    item.verification, item.verified_at, item.verified_by, item.verified_answer = "", None, None, None
    if item.valid_to != old_valid_to:
        item.warned_days = None
    item.revision += 1
    item.updated_at = clock.now()
    item.save()
    _record(item, "edited", actor)
    return item


def _fields_keeping(
    kind_spec: KindSpec, given: dict[str, object], item: Item
) -> tuple[dict[str, object], str, str]:
    """fields_clean, with the stored personal and account numbers standing in for those not given again."""
    stand_in = dict(given)
    for field in kind_spec.fields:
        if field.name in given:
            continue
        if field.type == "person" and item.secret:
            stand_in[field.name] = item.secret.decrypt_for_system()  # checked again, never shown
        if field.type == "account" and item.account:
            stand_in[field.name] = item.account.decrypt_for_system()
    return fields_clean(kind_spec, stand_in, item.organisation)


@transaction.atomic
def item_retire(*, actor: Actor | None, item: Item, reason: str = "") -> Item:
    """Take an entry out of the library (its revisions stay: a bid may have presented them). Always the
    holder's own choice, never refused for a pending bid — the platform keeps no one's papers (11.2.5)."""
    _owner_check(actor, item.organisation)
    item = _live(item)
    item.retired_at = item.updated_at = clock.now()
    item.retired_reason = reason.strip()[:200]
    item.revision += 1
    item.save()
    _record(item, "retired", actor)
    return item


# --- verification with the authority -----------------------------------------------------------------------


def _differences(item: Item, record: Mapping[str, object]) -> list[str]:
    data, org = item.data, item.organisation
    pairs: list[tuple[str, object, object]] = []
    if item.kind == ItemKind.QUALIFICATION:
        pairs = [
            ("holder_code", org.uscc, record.get("holder_code")),
            ("type", data.get("type"), record.get("type")),
            ("level", data.get("level"), record.get("level")),
            ("valid_to", data.get("valid_to"), record.get("valid_to")),
            ("status", "valid", record.get("status")),
        ]
    elif item.kind == ItemKind.PROFESSIONAL:
        pairs = [
            ("name", data.get("name"), record.get("name")),
            ("valid_to", data.get("valid_to"), record.get("valid_to")),
            ("status", "valid", record.get("status")),
        ]
    elif item.kind == ItemKind.LICENCE:
        pairs = [
            ("name", data.get("name"), record.get("name")),
            ("legal_representative", data.get("legal_representative"), record.get("legal_representative")),
            ("status", "active", record.get("status")),
        ]
    return [name for name, ours, theirs in pairs if ours != theirs]


@transaction.atomic
def item_verify(*, actor: Actor | None, item: Item) -> Item:
    """Look the entry up with the authority's registry and keep its signed answer, who asked and when.
    A professional the authority records as registered to another organisation leaves this one's list
    from the date it records."""
    if actor is not None and not _is_staff(actor):
        _owner_check(actor, item.organisation)
    item = _live(item)
    kind_spec = _spec(item.kind)
    if not kind_spec.verifiable or not item.number:
        raise DomainError(EntitiesError.NOT_VERIFIABLE)
    answer = authority.lookup(kind_spec.verifiable, item.number)
    record = answer.record
    if (
        item.kind == ItemKind.PROFESSIONAL
        and record is not None
        and record.get("registered_to") not in (None, item.organisation.uscc)
    ):
        _close_left(item, str(record.get("registered_since", "")), actor, answer)
        _verified_event(item, actor, Verification.ELSEWHERE, [])
        return item
    differences = _differences(item, record) if record is not None else []
    outcome = (
        Verification.NOT_FOUND
        if record is None
        else Verification.MISMATCH
        if differences
        else Verification.MATCH
    )
    return _verified(item, actor, answer, outcome, differences)


def _verified(
    item: Item,
    actor: Actor | None,
    answer: authority.Answer,
    outcome: str,
    differences: list[str],
    **extra: object,
) -> Item:
    """Keep the authority's signed answer with the entry, who asked and when: a new revision and the
    verification event."""
    item.verification = outcome
    item.verified_at = item.updated_at = clock.now()
    item.verified_by = actor if getattr(actor, "pk", None) else None
    item.verified_answer = {**answer.signed, "differences": differences}
    item.revision += 1
    item.save()
    _record(item, "verified", actor, outcome=str(outcome), **extra)
    _verified_event(item, actor, outcome, differences)
    return item


def _verified_event(item: Item, actor: Actor | None, outcome: str, differences: list[str]) -> None:
    event_record(
        type=EntitiesEvents.ITEM_VERIFIED,
        actor=actor,
        organisation=item.organisation.uscc,
        region=item.organisation.region or "",
        data={"item": str(item.uid), "kind": item.kind, "outcome": str(outcome), "differences": differences},
    )


def _is_staff(actor: Actor) -> bool:
    from ggzy.accounts.selectors import user_roles
    from ggzy.core.roles import Role

    return bool(user_roles(actor) & {Role.CENTRE_STAFF, Role.SUPERVISOR})


LICENCE_FIELDS = (
    "code", "name", "entity_type", "legal_representative", "registered_capital_fen", "established",
    "address", "scope", "registrar",
)  # fmt: skip


@transaction.atomic
def licence_intake(*, actor: Actor | None, organisation: Organisation) -> Item:
    """Take the organisation's business licence from the electronic business licence registry: its
    licence entry made (or brought up to date) from the signed record, confirmed."""
    _owner_check(actor, organisation)
    answer = authority.lookup("licence", organisation.uscc)
    record = answer.record
    if record is None:
        raise DomainError(EntitiesError.LICENCE_UNKNOWN, detail={"code": organisation.uscc})
    fields = {name: record.get(name) for name in LICENCE_FIELDS if record.get(name) not in (None, "")}
    current = (
        Item.objects.select_for_update()
        .filter(organisation=organisation, kind=ItemKind.LICENCE, retired_at__isnull=True)
        .first()
    )
    item = (
        item_add(actor=actor, organisation=organisation, kind=ItemKind.LICENCE, fields=fields)
        if current is None
        else item_edit(actor=actor, item=current, fields=fields)
    )
    differences = _differences(item, record)
    outcome = Verification.MISMATCH if differences else Verification.MATCH
    return _verified(item, actor, answer, outcome, differences, source="licence_registry")


# --- a bid's references, resolved at the opening -----------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """One entry a bid references: its uid, and the revision and SM3 the bidder presented."""

    item: str
    revision: int
    sm3: str


def snapshot_parse(document: bytes) -> list[Reference]:
    """The references of a ggzy-library-snapshot-v1 document: [{"item", "revision", "sm3"}]; refused
    (REFERENCES_INVALID) otherwise."""

    def bad(reason: str) -> DomainError:
        return DomainError(EntitiesError.REFERENCES_INVALID, detail={"reason": reason})

    try:
        parsed = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad("不是 JSON") from exc
    if not isinstance(parsed, dict) or parsed.get("format") != SNAPSHOT_FORMAT:
        raise bad("format 不是 " + SNAPSHOT_FORMAT)
    items = parsed.get("items")
    if not isinstance(items, list) or len(items) > 500:  # noqa: PLR2004
        raise bad("items 不是一个列表")
    found: list[Reference] = []
    for entry in items:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("item"), str)
            or isinstance(entry.get("revision"), bool)
            or not isinstance(entry.get("revision"), int)
            or not isinstance(entry.get("sm3"), str)
        ):
            raise bad("每一项需有 item、revision 和 sm3")
        try:
            uid = str(uuid.UUID(entry["item"]))
        except ValueError as exc:
            raise bad("item 不是条目的 uid") from exc
        if any(f.item == uid for f in found):
            raise bad("同一条目出现了两次")
        found.append(Reference(uid, entry["revision"], entry["sm3"][:64]))
    return found


def _resolve_one(
    reference: Reference, organisation: Organisation, deadline: dt.datetime
) -> tuple[str, Revision | None]:
    item = Item.objects.filter(uid=reference.item, organisation=organisation).first()
    if item is None:
        return Outcome.NOT_FOUND, None
    at_deadline = item.revisions.filter(recorded_at__lte=deadline).order_by("-number").first()
    if at_deadline is None:
        return Outcome.NOT_YET, None
    if at_deadline.change in ("retired", "left"):
        return Outcome.RETIRED, at_deadline
    if at_deadline.number == reference.revision and at_deadline.sm3 == reference.sm3:
        return Outcome.RESOLVED, at_deadline
    return Outcome.CHANGED, at_deadline


@transaction.atomic
def references_resolve(
    *,
    actor: Actor | None,
    bid: str,
    section_code: str,
    centre: str,
    region: str,
    organisation: Organisation,
    deadline: dt.datetime,
    document: bytes | None,
) -> list[BidReference]:
    """Resolve the library references an opened bid carried (its `documents/library.json`) to the
    revisions valid at `deadline`. Once per bid: called again, it returns what was resolved. A bid
    without references is fine (the library is never a condition); a reference to an entry that is not
    the bidder's is recorded as not found, never followed."""
    done = list(BidReference.objects.filter(bid=bid).select_related("revision"))
    if done or document is None:
        return done
    references = snapshot_parse(document)
    now = clock.now()
    made = []
    for reference in references:
        outcome, revision = _resolve_one(reference, organisation, deadline)
        made.append(
            BidReference.objects.create(
                bid=bid,
                section_code=section_code,
                centre=centre,
                organisation=organisation,
                item_uid=reference.item,
                presented_revision=max(0, reference.revision),
                presented_sm3=reference.sm3,
                revision=revision if outcome != Outcome.NOT_FOUND else None,
                outcome=outcome,
                deadline=deadline,
                resolved_at=now,
            )
        )
    event_record(
        type=EntitiesEvents.REFERENCES_RESOLVED,
        actor=actor,
        centre=centre,
        region=region,
        section=section_code,
        project=section_code[:17],
        data={
            "bid": bid,
            "references": len(made),
            "outcomes": {
                o: sum(1 for m in made if m.outcome == o) for o in sorted({m.outcome for m in made})
            },
        },
    )
    return made
