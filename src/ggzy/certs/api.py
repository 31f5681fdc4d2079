from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

import segno
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from ninja import Field, Schema, Status
from ninja.utils import check_csrf

from ggzy.accounts import policy
from ggzy.certs import login as signature
from ggzy.certs import selectors, services
from ggzy.certs.errors import CertsError
from ggzy.certs.models import CertUsage
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, public, signed_in
from ggzy.core.api import ErrorOut, Router, refuses
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.types import JSONDict

router = Router(tags=["certs"])


def _der(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError(CertsError.CERTIFICATE_REFUSED, detail={"reason": "malformed"}) from exc


class CaIn(Schema):
    name: str = Field(..., min_length=2, max_length=100)
    root: str = Field(..., description="DER, base64")
    intermediates: list[str] = Field(default_factory=list)
    is_test: bool = False


class CaOut(Schema):
    uid: uuid.UUID
    name: str
    is_test: bool


class BindIn(Schema):
    certificate: str = Field(..., description="DER, base64")
    usage: CertUsage


class CertOut(Schema):
    usage: str
    serial: str
    ca: str
    holder_id: str
    not_after: dt.datetime
    days_left: int


@router.post("/certs/cas", response={201: CaOut}, summary="Accept a certificate authority")
@allow(Role.SYSTEM_ADMIN)
@refuses(CertsError.TEST_CA_IN_PRODUCTION, CertsError.REAL_CA_IN_SANDBOX, CertsError.CA_NAME_TAKEN)
def ca_add(request: HttpRequest, payload: CaIn) -> Status[CaOut]:
    ca = services.ca_add(
        actor=actor_of(request),
        name=payload.name,
        root=_der(payload.root),
        intermediates=[_der(d) for d in payload.intermediates],
        is_test=payload.is_test,
    )
    return Status(201, CaOut(uid=ca.uid, name=ca.name, is_test=ca.is_test))


@router.post("/certs/mine", response={201: CertOut}, summary="Bind my signing or encryption certificate")
@signed_in
def bind(request: HttpRequest, payload: BindIn) -> Status[CertOut]:
    bound = services.certificate_bind(
        actor=actor_of(request), user=actor_of(request), der=_der(payload.certificate), usage=payload.usage
    )
    return Status(
        201,
        CertOut(
            usage=bound.usage,
            serial=bound.serial,
            ca=bound.ca.name,
            holder_id=bound.holder_id,
            not_after=bound.not_after,
            days_left=selectors.days_left(bound),
        ),
    )


@router.get("/certs/mine", response=list[CertOut], summary="My certificates and how long they last")
@signed_in
def mine(request: HttpRequest) -> list[CertOut]:
    now = clock.now()  # one reading for the list (on PostgreSQL each reading is a query)
    return [
        CertOut(
            usage=c.usage,
            serial=c.serial,
            ca=c.ca.name,
            holder_id=c.holder_id,
            not_after=c.not_after,
            days_left=selectors.days_left(c, now),
        )
        for c in selectors.my_certificates(user=actor_of(request))
    ]


class ChallengeIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)


class SignedIn(Schema):
    nonce: str = Field(..., pattern=r"^[0-9a-f]{32}$")
    signature: str = Field(..., pattern=r"^[0-9a-f]{128}$", description="raw r || s, hex")
    next: str = Field("", max_length=500, description="where to go once signed in (this site only)")


class SessionOut(Schema):
    username: str
    next: str = Field("", description="where to go now: the second step when the account needs one")


@router.post(
    "/auth/challenge",
    response={200: JSONDict},
    summary="A challenge to sign for signature login",
)
@public
def challenge(request: HttpRequest, payload: ChallengeIn) -> JSONDict:
    """The challenge, and the same as a QR code (SVG data URI) for a signing app on a phone."""
    issued = signature.challenge_issue(username=payload.username, origin=request.build_absolute_uri("/"))
    text = json.dumps(issued, ensure_ascii=False, separators=(",", ":"))
    return {**issued, "qr": segno.make(text, error="m").svg_data_uri(scale=4, border=2)}


@router.post(
    "/auth/signature",
    response={200: SessionOut, 401: ErrorOut, 403: ErrorOut},
    summary="Sign in with the signed challenge",
)
@public
def signature_login(request: HttpRequest, payload: SignedIn) -> SessionOut:
    if check_csrf(request) is not None:  # no login CSRF: a page posts this with its CSRF token
        raise DomainError(CoreError.CSRF_FAILED)
    user = signature.signature_login(nonce=payload.nonce, signature_hex=payload.signature)
    target = payload.next if url_has_allowed_host_and_scheme(payload.next, {request.get_host()}) else ""
    second = policy.sign_in_first_factor(request, user, policy.CERTIFICATE, target)
    return SessionOut(username=user.get_username(), next=second or "")
