"""Electronic guarantees (电子保函) as a bid security, from **any** issuer (standard 11.2.6: the platform
designates none; docs/guarantee-interface.md).

    guarantee_apply(*, actor, section, organisation, issuer_code) -> Guarantee
        a bidder applies, through the platform, to a configured issuer of its choice
    guarantee_refresh(*, guarantee) -> Guarantee     the issuer asked how the application stands
    guarantees_refresh() -> int                      the tick job: every application not final
    guarantee_submit(*, actor, section, organisation, document) -> Guarantee
        a bidder uploads a guarantee (§4) from any issuer whose certificate chains to a trusted root
    guarantee_claim(*, actor, guarantee, reason, evidence, documents_clause) -> Guarantee
        the initiator claims (索赔) on a bidder's guarantee, with the legal basis recorded

An issuer is asked **outside** any transaction, then what it answered is recorded in one; so these services
are `@outermost`. A guarantee — issued through an application or uploaded — counts only once it checks
(`_check`): `ggzy_sm.guarantees.guarantee_check` against the trust file's roots (chain, issuer, signature,
document), then the platform's reading of the body against the documents (`requirement`): this section,
tender project and bidder; the initiator as beneficiary; at least the amount required; a cover starting by
the deadline's day and lasting to the end of the bid validity (实施条例 §26); an issuer of a kind the
documents accept; received before the deadline (the platform's clock: the issuer's `issued_at` is its own).
Accepted: the signed body kept and the document stored by its SM3 (`registry.Blob`). Refused: a security
event for the supervisors, committed although the refusal raises; an application is marked `refused` with
the reason, an upload leaves no row.

Only one guarantee stands per bid security: a second one that would also check out is **refused**
(`security_guarantee_state`), never swapped in — the bidder's security does not change under the evaluators'
feet, and the first stays claimable. The same guarantee (issuer and number) is never held twice."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.models import Organisation
from ggzy.calendar import calc
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import yuan
from ggzy.core.transactions import in_callers_transaction, outermost
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.registry import blobs
from ggzy.registry.models import Section
from ggzy.securities import issuers as issuers_client
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.issuers import Issuer, IssuerError
from ggzy.securities.models import Forfeiture, ForfeitureReason, Guarantee, GuaranteeState, Purpose
from ggzy.securities.services.common import section_event
from ggzy.securities.services.requirements import Requirement, requirement
from ggzy.tendering import selectors as tendering_selectors
from ggzy_sm import guarantees

#: The issuer's application statuses (docs/guarantee-interface.md §3) and the states they record.
STATUSES = {
    "under_review": GuaranteeState.UNDER_REVIEW,
    "awaiting_payment": GuaranteeState.AWAITING_PAYMENT,
    "issued": GuaranteeState.ISSUED,
    "rejected": GuaranteeState.REJECTED,
}
#: States in which the issuer still has to move an application on (what the tick job asks about).
PENDING = (GuaranteeState.APPLIED, GuaranteeState.UNDER_REVIEW, GuaranteeState.AWAITING_PAYMENT)
#: States in which a guarantee is the bidder's security (one per security).
STANDING = (GuaranteeState.ISSUED, GuaranteeState.CLAIMED)
#: The legal basis of a claim, by its reason (the documents' clause is recorded beside it).
CLAIM_BASIS = {
    ForfeitureReason.WITHDRAWN_AFTER_DEADLINE: "招标投标法实施条例 §35 第二款",
    ForfeitureReason.REFUSED_CONTRACT: "招标投标法实施条例 §74",
}
CLAUSE_MAX = 300  # Forfeiture.documents_clause
EVIDENCE_MAX = 2000  # characters (the interface's limit)
REASON_MAX = 500  # Guarantee.reason


# --- shared ------------------------------------------------------------------------------------------


def _event(
    type_: EventType, guarantee: Guarantee, actor: Actor | None, section: Section, **data: object
) -> Event:
    """One event about a guarantee on `section`, for its centre and region, embargoed until the opening
    (who gives what security is secret before it; a type that allows no embargo without a window gets
    none when the section has none)."""
    return section_event(
        type_,
        section,
        actor,
        {"guarantee": str(guarantee.uid), "issuer": guarantee.issuer_code, "state": guarantee.state, **data},
        organisation=guarantee.organisation.uscc,
    )


def _party(organisation: Organisation) -> dict[str, str]:
    return {"code": organisation.uscc, "name": organisation.name}


def _acts_for(actor: Actor, organisation: Organisation) -> None:
    """The actor is a member of the organisation (the same not-found otherwise)."""
    if not accounts_selectors.organisations_of(user=actor).filter(pk=organisation.pk).exists():
        raise DomainError(CoreError.NOT_FOUND)


def _need(section: Section) -> Requirement:
    """The bid security `section` requires, if a guarantee may be given for it now."""
    need = requirement(section, Purpose.BID)
    if not need.required:
        raise DomainError(SecuritiesError.NONE_REQUIRED)
    if need.deadline is None or need.validity_until is None:
        raise DomainError(SecuritiesError.NO_DOCUMENTS)
    if not need.guarantee_kinds:
        raise DomainError(SecuritiesError.FORM_NOT_ALLOWED, detail={"forms": ", ".join(need.forms)})
    if clock.now() >= need.deadline:
        raise DomainError(SecuritiesError.DEADLINE_PASSED)
    return need


def _issuer_failure(exc: IssuerError) -> DomainError:
    if exc.kind == "unavailable":
        return DomainError(SecuritiesError.ISSUER_UNAVAILABLE, detail={"reason": str(exc)})
    if exc.kind == "config":
        return DomainError(SecuritiesError.ISSUER_UNKNOWN, detail={"reason": str(exc)})
    return DomainError(SecuritiesError.ISSUER_ANSWER, detail={"reason": str(exc)})


def _reachable(code: str) -> Issuer:
    try:
        found = issuers_client.issuers().get(code)
    except IssuerError as exc:
        raise _issuer_failure(exc) from exc
    if found is None:
        raise DomainError(SecuritiesError.ISSUER_UNKNOWN, detail={"issuer": code})
    return found


def _ask(target: Issuer, action: str, path: str, fields: JSONDict) -> JSONDict:
    """The issuer's answer (outcome ok); its signed refusal is ISSUER_REFUSED."""
    if in_callers_transaction():
        raise transaction.TransactionManagementError("an issuer is never asked inside a transaction")
    try:
        answer = issuers_client.ask(target, action, path, fields)
    except IssuerError as exc:
        raise _issuer_failure(exc) from exc
    if answer["outcome"] != "ok":
        raise DomainError(
            SecuritiesError.ISSUER_REFUSED,
            detail={"reason": answer.get("message") or answer.get("reason"), "code": answer.get("reason")},
        )
    return answer


def _application(answer: JSONDict, application: str) -> JSONDict:
    """The application an answer carries, if it is this one with a known status (ISSUER_ANSWER if not)."""
    found = answer.get("application")
    if (
        not isinstance(found, dict)
        or found.get("application") != application
        or found.get("status") not in STATUSES
        or not isinstance(found.get("history"), list)
    ):
        raise DomainError(
            SecuritiesError.ISSUER_ANSWER, detail={"reason": "the answer does not carry this application"}
        )
    return found


def _premium(application: JSONDict) -> int | None:
    value = application.get("premium_fen")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _rejection(application: JSONDict) -> str:
    history = application.get("history") or []
    last = history[-1] if history and isinstance(history[-1], dict) else {}
    return str(last.get("reason") or "")[:REASON_MAX]


# --- the check (both paths) ----------------------------------------------------------------------------


class _RefusalError(Exception):
    """A guarantee refused by the check: the DomainError to raise and the reason recorded."""

    def __init__(self, error: DomainError, reason: str) -> None:
        self.error, self.reason = error, reason
        super().__init__(reason)


def _refuse(code: SecuritiesError, reason: str, **detail: object) -> _RefusalError:
    return _RefusalError(DomainError(code, detail={"reason": reason, **detail}), reason)


def _check(document: object, *, section: Section, organisation: Organisation, need: Requirement) -> JSONDict:
    """The body of `document` once it verifies and meets the documents (module docstring); `_RefusalError`
    naming the first failure otherwise."""
    try:
        roots = issuers_client.roots()
    except IssuerError as exc:
        raise _issuer_failure(exc) from exc
    try:
        body = guarantees.guarantee_check(document, roots)
    except guarantees.GuaranteeError as exc:
        raise _RefusalError(
            DomainError(
                SecuritiesError.GUARANTEE_INVALID, detail={"reason": exc.reason, "message": str(exc)}
            ),
            f"{exc.reason}: {exc}",
        ) from exc
    if (
        body["section"] != section.code
        or body["tender_project"] != need.tender_project_code
        or body["applicant"]["code"] != organisation.uscc
    ):
        raise _refuse(
            SecuritiesError.GUARANTEE_SECTION,
            "section",
            section=body["section"],
            tender_project=body["tender_project"],
        )
    if body["beneficiary"]["code"] != need.initiator.uscc:
        raise _refuse(SecuritiesError.GUARANTEE_BENEFICIARY, "beneficiary")
    if body["amount_fen"] < need.amount_fen:
        raise _refuse(
            SecuritiesError.GUARANTEE_AMOUNT,
            "amount",
            amount=yuan(body["amount_fen"]),
            required=yuan(need.amount_fen),
        )
    assert need.deadline is not None  # noqa: S101  (_need said so)
    assert need.validity_until is not None  # noqa: S101
    cover_from, cover_until = guarantees.cover(body["cover_from"], body["cover_until"])
    if cover_from > calc.day_of(need.deadline) or cover_until < need.validity_until:
        raise _refuse(
            SecuritiesError.GUARANTEE_COVER,
            "cover",
            start=cover_from.isoformat(),
            until=cover_until.isoformat(),
            needed=need.validity_until.isoformat(),
        )
    if _kind(body) not in need.guarantee_kinds:
        raise _refuse(SecuritiesError.GUARANTEE_KIND, "kind", kind=_kind(body))
    return body


def _kind(body: JSONDict) -> str:
    """The issuer's kind: as the trust file says for an issuer it names, else as the guarantee says."""
    entry = issuers_client.trusted().get(body["issuer"]["code"])
    return entry.kind if entry is not None else str(body["issuer"]["kind"])


def _refusal_record(
    refusal: _RefusalError,
    *,
    actor: Actor | None,
    section: Section,
    organisation: Organisation,
    row: Guarantee | None,
    issuer_code: str,
) -> DomainError:
    """Record a refusal in its own transaction (it must outlive the refused change): the application
    marked refused with its reason, a security event for the supervisors. The error to raise."""
    with transaction.atomic():
        if row is not None:
            row = Guarantee.objects.select_for_update().get(pk=row.pk)
            row.state = GuaranteeState.REFUSED
            row.reason = refusal.reason[:REASON_MAX]
            row.updated_at = clock.now()
            row.save(update_fields=["state", "reason", "updated_at"])
        section_event(
            SecuritiesEvents.GUARANTEE_REFUSED,
            section,
            actor,
            {
                "code": refusal.error.code.value,
                "reason": refusal.reason[:REASON_MAX],
                "issuer": issuer_code,
                "guarantee": str(row.uid) if row is not None else None,
            },
            organisation=organisation.uscc,
        )
    return refusal.error


def _decode(document: JSONDict) -> bytes:
    try:
        return base64.b64decode(str(document["document"]), validate=True)
    except (KeyError, TypeError, binascii.Error, ValueError) as exc:  # guarantee_check decoded it already
        raise DomainError(
            SecuritiesError.GUARANTEE_INVALID, detail={"reason": "document", "message": str(exc)}
        ) from exc


def _accept(
    document: JSONDict,
    body: JSONDict,
    *,
    row: Guarantee,
    actor: Actor | None,
    section: Section,
    need: Requirement,
) -> Guarantee:
    """Keep a checked guarantee as the bidder's security (inside the caller's transaction): refused
    (`_RefusalError`) if another stands for the same security, the same guarantee is held already, or the
    deadline has passed."""
    Section.objects.select_for_update().filter(pk=section.pk).first()  # one acceptance at a time
    assert need.deadline is not None  # noqa: S101  (_need said so)
    if clock.now() >= need.deadline:
        raise _refuse(SecuritiesError.DEADLINE_PASSED, "deadline")
    standing = Guarantee.objects.filter(
        purpose=Purpose.BID, section=section, organisation=row.organisation, state__in=STANDING
    ).exclude(pk=row.pk)
    held = Guarantee.objects.filter(issuer_code=body["issuer"]["code"], number=body["number"]).exclude(
        pk=row.pk
    )
    if standing.exists():
        raise _refuse(SecuritiesError.GUARANTEE_STATE, "standing")
    if held.exists():
        raise _refuse(SecuritiesError.GUARANTEE_STATE, "held")
    content = _decode(document)
    blob = blobs.store(content, "application/pdf", max_bytes=guarantees.MAX_DOCUMENT)
    entry = issuers_client.trusted().get(body["issuer"]["code"])
    row.issuer_code = body["issuer"]["code"]
    row.issuer_kind = entry.kind if entry is not None else body["issuer"]["kind"]
    row.issuer_name = (entry.name if entry is not None else body["issuer"]["name"])[:200]
    row.state = GuaranteeState.ISSUED
    row.amount_fen = body["amount_fen"]
    row.cover_from = dt.date.fromisoformat(body["cover_from"])
    row.cover_until = dt.date.fromisoformat(body["cover_until"])
    row.number = body["number"]
    row.body = body
    row.signature = document["signature"]
    row.certificate = document["certificate"]
    row.document_sm3 = blob.sm3
    row.issued_at = guarantees.instant(body["issued_at"], "issued_at")
    row.reason = ""
    row.updated_at = clock.now()
    row.save()
    _event(
        SecuritiesEvents.GUARANTEE_ACCEPTED,
        row,
        actor,
        section,
        number=row.number,
        amount_fen=row.amount_fen,
        cover_until=row.cover_until.isoformat(),
        document_sm3=row.document_sm3,
    )
    return row


def _issued(
    document: object,
    *,
    row: Guarantee | None,
    actor: Actor | None,
    section: Section,
    organisation: Organisation,
    need: Requirement,
    make: Callable[[JSONDict], Guarantee] | None,
) -> Guarantee:
    """Check `document` and keep it (on `row`, or on the row `make()` builds): recorded refusal otherwise."""
    issuer_code = row.issuer_code if row is not None else _named_issuer(document)
    try:
        body = _check(document, section=section, organisation=organisation, need=need)
        assert isinstance(document, dict)  # noqa: S101  (guarantee_check said so)
        with transaction.atomic():
            if row is None:
                assert make is not None  # noqa: S101  (an upload makes its row)
                target = make(body)
            else:
                target = Guarantee.objects.select_for_update().get(pk=row.pk)
                if target.state not in PENDING:
                    raise DomainError(SecuritiesError.GUARANTEE_STATE)
                if body["issuer"]["code"] != target.issuer_code:
                    raise DomainError(
                        SecuritiesError.ISSUER_ANSWER,
                        detail={"reason": "the issuer answered another issuer's guarantee"},
                    )
            return _accept(document, body, row=target, actor=actor, section=section, need=need)
    except _RefusalError as refusal:
        raise _refusal_record(
            refusal, actor=actor, section=section, organisation=organisation, row=row, issuer_code=issuer_code
        ) from refusal


def _named_issuer(document: object) -> str:
    """The issuer's code a document says it is from (for the refusal's record; nothing checked yet)."""
    body = document.get("guarantee") if isinstance(document, dict) else None
    issuer = body.get("issuer") if isinstance(body, dict) else None
    named = issuer.get("code") if isinstance(issuer, dict) else None
    return named[:64] if isinstance(named, str) else ""


# --- applying through the platform -----------------------------------------------------------------------


@outermost
def guarantee_apply(
    *, actor: Actor, section: Section, organisation: Organisation, issuer_code: str
) -> Guarantee:
    """Apply to the issuer `issuer_code` (one the platform can reach: GGZY_GUARANTEE_ISSUERS) for the
    guarantee `section` requires of `organisation`: the amount required, cover from today (Beijing) to the
    end of the bid validity, the initiator as beneficiary. The issuer is asked first; its answer (under
    review, awaiting payment, issued, rejected) is then recorded with its history."""
    _acts_for(actor, organisation)
    need = _need(section)
    target = _reachable(issuer_code)
    if target.kind not in need.guarantee_kinds:
        raise DomainError(SecuritiesError.GUARANTEE_KIND, detail={"kind": target.kind})
    if Guarantee.objects.filter(
        purpose=Purpose.BID, section=section, organisation=organisation, state__in=STANDING
    ).exists():
        raise DomainError(SecuritiesError.GUARANTEE_STATE, detail={"reason": "standing"})
    assert need.validity_until is not None  # noqa: S101  (_need said so)
    application = "G-" + uuid.uuid4().hex
    cover_from = calc.day_of(clock.now())
    fields = {
        "application": application,
        "section": section.code,
        "tender_project": need.tender_project_code,
        "applicant": _party(organisation),
        "beneficiary": _party(need.initiator),
        "amount_fen": need.amount_fen,
        "cover_from": cover_from.isoformat(),
        "cover_until": need.validity_until.isoformat(),
    }
    answer = _ask(target, "apply", "/v1/apply", fields)
    found = _application(answer, application)
    now = clock.now()
    row = Guarantee(
        purpose=Purpose.BID,
        section=section,
        organisation=organisation,
        issuer_code=target.code,
        issuer_kind=target.kind,
        issuer_name=target.name[:200],
        application=application,
        state=GuaranteeState.APPLIED,
        amount_fen=need.amount_fen,
        cover_from=cover_from,
        cover_until=need.validity_until,
        premium_fen=_premium(found),
        history=found["history"],
        applied_by=actor,
        applied_at=now,
        updated_at=now,
    )
    status = STATUSES[found["status"]]
    with transaction.atomic():
        # issued only once its guarantee checks (`_take`, below): until then it waits as paid for
        row.state = GuaranteeState.AWAITING_PAYMENT if status == GuaranteeState.ISSUED else status
        if status == GuaranteeState.REJECTED:
            row.reason = _rejection(found)
        row.save()
        _event(SecuritiesEvents.GUARANTEE_APPLIED, row, actor, section, application=application)
    if status == GuaranteeState.ISSUED:
        return _take(row, answer, target, actor=actor, need=need)
    return row


# --- the issuer's progress -----------------------------------------------------------------------------


def _take(
    row: Guarantee, answer: JSONDict, target: Issuer, *, actor: Actor | None, need: Requirement
) -> Guarantee:
    """The guarantee an `issued` answer carries (or, if it does not, the one the issuer holds), checked and
    kept on `row`."""
    document = answer.get("guarantee")
    if not isinstance(document, dict):
        number = (answer.get("application") or {}).get("guarantee_number")
        if not isinstance(number, str) or not number:
            raise DomainError(
                SecuritiesError.ISSUER_ANSWER, detail={"reason": "issued without a guarantee number"}
            )
        try:
            document = issuers_client.fetch(target, number)
        except IssuerError as exc:
            raise _issuer_failure(exc) from exc
    return _issued(
        document,
        row=row,
        actor=actor,
        section=row.section,
        organisation=row.organisation,
        need=need,
        make=None,
    )


@outermost
def guarantee_refresh(*, guarantee: Guarantee) -> Guarantee:
    """Ask the issuer how an application stands and record it (its state and history; an event when the
    state moved on); once issued, the guarantee is checked and kept — or refused (recorded, raised). A
    guarantee not pending is returned as it is."""
    if guarantee.state not in PENDING:
        return guarantee
    target = _reachable(guarantee.issuer_code)
    answer = _ask(target, "status", "/v1/status", {"application": guarantee.application})
    found = _application(answer, guarantee.application)
    status = STATUSES[found["status"]]
    with transaction.atomic():
        row = Guarantee.objects.select_for_update().get(pk=guarantee.pk)
        if row.state not in PENDING:
            return row
        moved = status not in (row.state, GuaranteeState.ISSUED)
        row.history = found["history"]
        row.premium_fen = _premium(found)
        row.updated_at = clock.now()
        if moved:
            row.state = status
            if status == GuaranteeState.REJECTED:
                row.reason = _rejection(found)
        row.save()
        if moved:
            _event(SecuritiesEvents.GUARANTEE_UPDATED, row, None, row.section, application=row.application)
    if status != GuaranteeState.ISSUED:
        return row
    try:
        need = _need(row.section)
    except DomainError as exc:  # the deadline passed (or the documents changed): the guarantee is late
        refusal = _RefusalError(exc, str(exc.code.value))
        raise _refusal_record(
            refusal, actor=None, section=row.section, organisation=row.organisation, row=row,
            issuer_code=row.issuer_code,
        ) from exc  # fmt: skip
    return _take(row, answer, target, actor=None, need=need)


def guarantees_refresh() -> int:
    """The tick job: every application an issuer has still to move on, asked once; how many moved. An
    issuer that does not answer is asked again on the next tick."""
    moved = 0
    for guarantee in Guarantee.objects.filter(state__in=PENDING).order_by("applied_at", "pk"):
        before = guarantee.state
        try:
            after = guarantee_refresh(guarantee=guarantee).state
        except DomainError:
            after = Guarantee.objects.get(pk=guarantee.pk).state
        moved += after != before
    return moved


# --- uploading one -------------------------------------------------------------------------------------


@outermost
def guarantee_submit(
    *, actor: Actor, section: Section, organisation: Organisation, document: JSONDict
) -> Guarantee:
    """A guarantee `organisation` obtained itself, from any issuer (reachable by the platform or not),
    given as the JSON of docs/guarantee-interface.md §4: kept as its security once it checks; refused
    (a security event, nothing else recorded) otherwise."""
    _acts_for(actor, organisation)
    need = _need(section)

    def make(body: JSONDict) -> Guarantee:
        now = clock.now()
        return Guarantee(
            purpose=Purpose.BID,
            section=section,
            organisation=organisation,
            issuer_code=body["issuer"]["code"],
            issuer_kind=body["issuer"]["kind"],
            issuer_name=body["issuer"]["name"][:200],
            application="U-" + uuid.uuid4().hex,
            state=GuaranteeState.APPLIED,
            amount_fen=body["amount_fen"],
            cover_from=dt.date.fromisoformat(body["cover_from"]),
            cover_until=dt.date.fromisoformat(body["cover_until"]),
            applied_by=actor,
            applied_at=now,
            updated_at=now,
        )

    return _issued(
        document, row=None, actor=actor, section=section, organisation=organisation, need=need, make=make
    )


# --- claiming on one -----------------------------------------------------------------------------------


@outermost
def guarantee_claim(
    *, actor: Actor, guarantee: Guarantee, reason: str, evidence: str, documents_clause: str
) -> Guarantee:
    """The initiator's (or its agent's) claim on a bidder's accepted guarantee (索赔), where the law and the
    documents say: the bidder withdrew after the deadline (实施条例 §35) or refused the contract (§74).
    The issuer is asked; its accepted claim is kept, the guarantee marked claimed and the forfeiture
    recorded with its basis and the documents' clause. Once per guarantee."""
    section = guarantee.section
    if not tendering_selectors.acts_for(actor, section.tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    if guarantee.state == GuaranteeState.CLAIMED or Forfeiture.objects.filter(guarantee=guarantee).exists():
        raise DomainError(SecuritiesError.FORFEITED)
    if guarantee.state != GuaranteeState.ISSUED:
        raise DomainError(SecuritiesError.GUARANTEE_STATE)
    basis = next((text for why, text in CLAIM_BASIS.items() if why == reason), None)
    if basis is None:
        raise DomainError(
            SecuritiesError.FORFEITURE_BASIS, detail={"reason": f"not a claim reason: {reason}"}
        )
    if not documents_clause.strip() or len(documents_clause) > CLAUSE_MAX:
        raise DomainError(SecuritiesError.FORFEITURE_BASIS, detail={"reason": "the documents' clause"})
    if not evidence.strip() or len(evidence) > EVIDENCE_MAX:
        raise DomainError(SecuritiesError.FORFEITURE_BASIS, detail={"reason": "evidence"})
    need = requirement(section, guarantee.purpose)
    if reason == ForfeitureReason.WITHDRAWN_AFTER_DEADLINE and (
        need.deadline is None or clock.now() < need.deadline
    ):
        raise DomainError(SecuritiesError.FORFEITURE_BASIS, detail={"reason": "the deadline has not passed"})
    target = _reachable(guarantee.issuer_code)
    answer = _ask(
        target,
        "claim",
        "/v1/claims",
        {
            "guarantee": guarantee.number,
            "beneficiary": need.initiator.uscc,
            "reason": str(reason),
            "amount_fen": guarantee.amount_fen,
            "evidence": evidence,
        },
    )
    claim = answer.get("claim")
    if (
        not isinstance(claim, dict)
        or claim.get("guarantee") != guarantee.number
        or claim.get("status") != "accepted"
    ):
        raise DomainError(SecuritiesError.ISSUER_ANSWER, detail={"reason": "the answer is not this claim"})
    with transaction.atomic():
        row = Guarantee.objects.select_for_update().get(pk=guarantee.pk)
        if row.state != GuaranteeState.ISSUED:
            raise DomainError(SecuritiesError.FORFEITED)
        now = clock.now()
        row.claim = claim
        row.claimed_at = now
        row.state = GuaranteeState.CLAIMED
        row.updated_at = now
        row.save(update_fields=["claim", "claimed_at", "state", "updated_at"])
        forfeiture = Forfeiture.objects.create(
            guarantee=row,
            reason=reason,
            basis=basis,
            documents_clause=documents_clause,
            amount_fen=row.amount_fen,
            recorded_by=actor,
            recorded_at=now,
        )
        _event(
            SecuritiesEvents.FORFEITED,
            row,
            actor,
            section,
            forfeiture=str(forfeiture.uid),
            reason=str(reason),
            basis=basis,
            amount_fen=row.amount_fen,
            claim=str(claim.get("claim") or ""),
        )
    return row


def standing(section: Section, organisation: Organisation) -> Guarantee | None:
    """The guarantee that stands as `organisation`'s bid security on `section` (issued or claimed), if any."""
    return (
        Guarantee.objects.filter(purpose=Purpose.BID, section=section, organisation=organisation)
        .filter(Q(state=GuaranteeState.ISSUED) | Q(state=GuaranteeState.CLAIMED))
        .first()
    )
