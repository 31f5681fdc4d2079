"""Signature login: the platform issues a one-time challenge; the holder's signing key (in a UKey,
behind a local signing agent or the command line — never in page JavaScript) signs the
domain-separated message {"purpose": "ggzy-login-v1", "payload": {origin, nonce, time}}; the
platform verifies it against the bound signing certificate, which must still be valid.

Experts, bidders and agents may sign in this way. Centre staff use password + TOTP; administrators
too, and may use a certificate instead of the password once a signing certificate is bound to them.
A certificate signature is one factor (the platform never sees the UKey's PIN): whoever needs a
second factor gives the TOTP code after it, as after a password (`policy.sign_in_first_factor`).

The challenge answers alike for every user name — unknown, staff, anyone — so it tells nobody which
accounts exist or what they are; an account that may not sign in this way fails only at the
signature, with the same answer as a wrong signature."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy as _

from ggzy.accounts import policy
from ggzy.certs.event_types import CertsEvents
from ggzy.certs.models import BoundCertificate, LoginChallenge
from ggzy.certs.services import validate
from ggzy.core import clock
from ggzy.core.errors import DomainError, ErrorCodeBase
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy_sm.canonical import format_instant
from ggzy_sm.errors import IntegrityError
from ggzy_sm.sm2 import Sm2PublicKey

LIFETIME = dt.timedelta(minutes=2)


class LoginError(ErrorCodeBase):
    CHALLENGE_INVALID = (
        "challenge_invalid",
        401,
        _("The challenge is unknown, used or expired. Ask for a new one."),
    )
    SIGNATURE_INVALID = (
        "login_signature_invalid",
        401,
        _("The signature does not verify with your signing certificate."),
    )


def page_context(request: HttpRequest) -> JSONDict:
    """What the sign-in page needs for signature login: the agent's address and the texts its script shows."""
    return {
        "signature_login": True,
        "signing_agent_url": settings.GGZY_SIGNING_AGENT_URL,
        "login_redirect_url": resolve_url(settings.LOGIN_REDIRECT_URL),
        "signature_login_messages": {
            "username": str(_("Enter your user name first.")),
            "working": str(_("Working…")),
            "failed": str(_("Sign-in failed. Try again.")),
            "welcome": str(_("Signed in. Opening your workspace…")),
            "no_agent": str(
                _(
                    "The signing agent does not answer. Start `ggzy-bid agent` with your UKey or key file, "
                    "or sign on the command line below."
                )
            ),
            "agent_refused": str(_("The signing agent refused to sign.")),
            "agent_declined": str(_("You declined the signature in the signing agent.")),
            "agent_origin_not_allowed": str(
                _("The signing agent is not set up for this platform (--origin).")
            ),
            "agent_purpose_not_allowed": str(_("The signing agent does not sign this kind of message.")),
            "agent_payload_invalid": str(
                _("The signing agent refused the challenge: it is not for this platform.")
            ),
            "agent_challenge_stale": str(
                _(
                    "The signing agent found the challenge too old or from the future: check your "
                    "computer's clock, then try again."
                )
            ),
            "agent_challenge_replayed": str(_("The signing agent has already signed this challenge.")),
            "copy": str(
                _("Copy the challenge, sign it with ggzy-bid login-sign and paste the signature below.")
            ),
            "no_challenge": str(_("Get a challenge first.")),
            "bad_signature": str(_("A signature is 128 hexadecimal characters.")),
        },
    }


def _may_sign_in(user: Actor) -> bool:
    roles = roles_of_user(user)
    if Role.CENTRE_STAFF in roles:
        return False
    if roles & ADMIN_ROLES:
        return BoundCertificate.objects.filter(user=user, usage="signing", unbound_at__isnull=True).exists()
    return True


def _payload(challenge: LoginChallenge) -> JSONDict:
    return {"origin": challenge.origin, "nonce": challenge.nonce, "time": format_instant(challenge.issued_at)}


@transaction.atomic
def challenge_issue(*, username: str, origin: str) -> JSONDict:
    """A challenge for `username`, the same for every name (an unknown one, staff, anyone): the answer
    tells nobody who has an account or what it may do."""
    user = get_user_model().objects.filter(username=username).first()
    challenge = LoginChallenge.objects.create(
        nonce=secrets.token_hex(16), user=user, origin=origin, issued_at=clock.authority_now()
    )
    return {"purpose": "ggzy-login-v1", "payload": _payload(challenge)}


def _take(nonce: str) -> LoginChallenge:
    """Use up the challenge (committed on its own: a failed attempt spends it too)."""
    with transaction.atomic():
        challenge = (
            LoginChallenge.objects.select_for_update(of=("self",))
            .filter(nonce=nonce)
            .select_related("user")
            .first()
        )
        now = clock.authority_now()  # a sign-in lives in real time, even on the sandbox's clock
        if challenge is None or challenge.used_at is not None or now - challenge.issued_at > LIFETIME:
            raise DomainError(LoginError.CHALLENGE_INVALID)
        challenge.used_at = now
        challenge.save(update_fields=["used_at"])
        return challenge


def signature_login(*, nonce: str, signature_hex: str) -> Actor:
    """The user whose bound signing certificate signed the challenge, or 401 with the reason. A
    failure is recorded (and counts toward the lockout) even though the sign-in is refused."""
    challenge = _take(nonce)
    user = challenge.user
    if user is None or policy.is_locked(user):  # no account, or locked: as a wrong signature
        raise DomainError(LoginError.SIGNATURE_INVALID)
    bound = BoundCertificate.objects.filter(user=user, usage="signing", unbound_at__isnull=True).first()
    try:
        if bound is None or not _may_sign_in(user) or not user.is_active:
            raise IntegrityError("signature login not available for this account")  # noqa: TRY301
        validate(bytes(bound.der), "signing")  # still valid and not revoked, now
        Sm2PublicKey.from_hex(bound.public_key).verify(
            "ggzy-login-v1", _payload(challenge), bytes.fromhex(signature_hex)
        )
    except (IntegrityError, DomainError, ValueError) as exc:
        with transaction.atomic():
            event_record(
                type=CertsEvents.SIGNATURE_FAILED,
                actor=user,
            )
        policy.record_failure(user)
        raise DomainError(LoginError.SIGNATURE_INVALID) from exc
    with transaction.atomic():
        event_record(
            type=CertsEvents.SIGNATURE_SUCCEEDED,
            actor=user,
            data={"certificate": bound.serial},
        )
    return user
