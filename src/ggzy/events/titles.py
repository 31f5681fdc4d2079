"""What each event type is called on the pages: a short title, in the reader's language ("登录",
"提交项目登记"), where the catalogue's `meaning` is an English sentence for docs/events.md and the type
(`auth.login.succeeded`) a key for machines. The event log shows the title, never the type.

Keyed by the type's name (the apps above `events` are not imported: layering); a test fails when a
catalogued type has no title here, so a new event type comes with its title. Titles are translated
in the context "event", apart from the same English words elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from ggzy.events import catalogue

TITLES: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "accounts.acting_for.changed": pgettext_lazy("event", "Acting-for organisation changed"),
        "accounts.admin_change.approved": pgettext_lazy("event", "Administrator account change approved"),
        "accounts.admin_change.refused": pgettext_lazy("event", "Administrator account change refused"),
        "accounts.admin_change.requested": pgettext_lazy("event", "Administrator account change requested"),
        "accounts.admin_change.withdrawn": pgettext_lazy("event", "Administrator account change withdrawn"),
        "accounts.centre.created": pgettext_lazy("event", "Trading centre created"),
        "accounts.credential.activated": pgettext_lazy("event", "Account activated"),
        "accounts.credential.deactivated": pgettext_lazy("event", "Account deactivated"),
        "accounts.credential.enrolment_code_issued": pgettext_lazy("event", "Enrolment code issued"),
        "accounts.credential.password_reset": pgettext_lazy("event", "Password reset"),
        "accounts.credential.phone_changed": pgettext_lazy("event", "Phone number changed"),
        "accounts.credential.totp_reset": pgettext_lazy("event", "Second factor reset"),
        "accounts.entrustment.created": pgettext_lazy("event", "Agent entrusted with a project"),
        "accounts.membership.added": pgettext_lazy("event", "Member added to an organisation"),
        "accounts.organisation.applied": pgettext_lazy("event", "Organisation applied to register"),
        "accounts.organisation.refused": pgettext_lazy("event", "Organisation registration refused"),
        "accounts.organisation.registered": pgettext_lazy("event", "Organisation registered"),
        "accounts.organisation.verified": pgettext_lazy("event", "Organisation registration verified"),
        "accounts.person.registered": pgettext_lazy("event", "Natural person registered"),
        "accounts.project_role.set": pgettext_lazy("event", "Project role set"),
        "accounts.recovery.code_created": pgettext_lazy("event", "Recovery code made"),
        "accounts.recovery.failed": pgettext_lazy("event", "Wrong recovery code tried"),
        "accounts.recovery.used": pgettext_lazy("event", "Account recovered with the recovery code"),
        "accounts.role.granted": pgettext_lazy("event", "Role granted"),
        "accounts.role.revoked": pgettext_lazy("event", "Role revoked"),
        "accounts.token.created": pgettext_lazy("event", "API token created"),
        "accounts.token.revoked": pgettext_lazy("event", "API token revoked"),
        "accounts.token.revoked_all": pgettext_lazy("event", "All API tokens revoked"),
        "accounts.user.opened": pgettext_lazy("event", "Account opened"),
        "auth.account.locked": pgettext_lazy("event", "Account locked"),
        "auth.enrolment.code_accepted": pgettext_lazy("event", "Enrolment code accepted"),
        "auth.enrolment.code_refused": pgettext_lazy("event", "Enrolment code refused"),
        "auth.login.refused_locked": pgettext_lazy("event", "Sign-in to a locked account refused"),
        "auth.login.refused_superuser": pgettext_lazy("event", "Superuser sign-in refused"),
        "auth.password.changed": pgettext_lazy("event", "Password changed"),
        "auth.session.idle_timeout": pgettext_lazy("event", "Session ended after idle time"),
        "auth.session.refused_incomplete": pgettext_lazy("event", "Incomplete session ended"),
        "auth.totp.enrolled": pgettext_lazy("event", "Second factor enrolled"),
        "auth.totp.failed": pgettext_lazy("event", "Wrong one-time code"),
        "calendar.closure.added": pgettext_lazy("event", "Closure day announced"),
        "calendar.deadline.exception": pgettext_lazy("event", "Deadline exception approved"),
        "calendar.deadline.moved": pgettext_lazy("event", "Deadline recomputed"),
        "calendar.deadline.passed": pgettext_lazy("event", "Deadline passed"),
        "calendar.year.loaded": pgettext_lazy("event", "Official year loaded"),
        "auth.signature.failed": pgettext_lazy("event", "Certificate sign-in refused"),
        "auth.signature.succeeded": pgettext_lazy("event", "Signed in with a certificate"),
        "certs.ca.added": pgettext_lazy("event", "CA added"),
        "certs.ca.disabled": pgettext_lazy("event", "CA disabled"),
        "certs.ca.enabled": pgettext_lazy("event", "CA enabled"),
        "certs.ca.updated": pgettext_lazy("event", "CA settings changed"),
        "certs.certificate.bound": pgettext_lazy("event", "Certificate bound"),
        "certs.certificate.refused": pgettext_lazy("event", "Certificate refused"),
        "certs.crl.fetch_failed": pgettext_lazy("event", "Revocation list fetch failed"),
        "certs.crl.imported": pgettext_lazy("event", "Revocation list imported"),
        "certs.document.sealed": pgettext_lazy("event", "Document sealed"),
        "admin.object.added": pgettext_lazy("event", "Added in the back office"),
        "admin.object.changed": pgettext_lazy("event", "Changed in the back office"),
        "admin.object.deleted": pgettext_lazy("event", "Deleted in the back office"),
        "auth.login.failed": pgettext_lazy("event", "Sign-in failed"),
        "auth.login.succeeded": pgettext_lazy("event", "Signed in"),
        "auth.logout": pgettext_lazy("event", "Signed out"),
        "events.message.read": pgettext_lazy("event", "Message read"),
        "ops.field.revealed": pgettext_lazy("event", "Encrypted field revealed"),
        "ops.key.rotated": pgettext_lazy("event", "Platform key rotated"),
        "registry.category.configured": pgettext_lazy("event", "Trading category configured"),
        "registry.checklist.published": pgettext_lazy("event", "Checklist published"),
        "registry.desk_head.set": pgettext_lazy("event", "Desk head named"),
        "registry.item.confirmed": pgettext_lazy("event", "Checklist item confirmed"),
        "registry.item.supplied": pgettext_lazy("event", "Checklist item supplied"),
        "registry.leave.recorded": pgettext_lazy("event", "Leave recorded"),
        "registry.registration.accepted": pgettext_lazy("event", "Registration accepted"),
        "registry.registration.complete": pgettext_lazy("event", "Registration file complete"),
        "registry.registration.filed": pgettext_lazy("event", "Project registration filed"),
        "registry.registration.overdue": pgettext_lazy("event", "Registration review overdue"),
        "registry.registration.resubmitted": pgettext_lazy("event", "Registration resubmitted"),
        "registry.registration.returned": pgettext_lazy("event", "Registration returned"),
        "registry.template.published": pgettext_lazy("event", "Document template published"),
        "registry.template.withdrawn": pgettext_lazy("event", "Document template withdrawn"),
        "sealing.bid.opened": pgettext_lazy("event", "Bid opened"),
        "sealing.bid.received": pgettext_lazy("event", "Sealed bid received"),
        "sealing.bid.refused": pgettext_lazy("event", "Bid file refused"),
        "sealing.bid.sealed_wrongly": pgettext_lazy("event", "Bid sealed wrongly"),
        "sealing.bid.withdrawn": pgettext_lazy("event", "Bid withdrawn"),
        "sealing.custodian.unverified_notices": pgettext_lazy(
            "event", "Custodian reports unverifiable notices"
        ),
        "sealing.custodians.published": pgettext_lazy("event", "Custodian set published"),
        "sealing.notice.undelivered": pgettext_lazy("event", "Deadline notice undelivered"),
        "sealing.notice_key.transition": pgettext_lazy("event", "Notice key transition published"),
        "sealing.notice_key.transition_begun": pgettext_lazy("event", "Notice key transition begun"),
        "sealing.release.refused": pgettext_lazy("event", "Bid release refused"),
        "sealing.share.received": pgettext_lazy("event", "Key share received"),
        "sealing.share.refused": pgettext_lazy("event", "Key share refused"),
        "sealing.window.set": pgettext_lazy("event", "Bid deadline and opening time set"),
        "service.commitment.edited": pgettext_lazy("event", "Service commitment draft edited"),
        "service.commitment.published": pgettext_lazy("event", "Service commitment published"),
        "service.commitment.withdrawn": pgettext_lazy("event", "Service commitment withdrawn"),
        "service.commitment.written": pgettext_lazy("event", "Service commitment drafted"),
        "service.faq.published": pgettext_lazy("event", "FAQ answer published"),
        "service.feedback.answered": pgettext_lazy("event", "Complaint or suggestion answered"),
        "service.feedback.received": pgettext_lazy("event", "Complaint or suggestion received"),
        "service.guide.edited": pgettext_lazy("event", "Service guide draft edited"),
        "service.guide.published": pgettext_lazy("event", "Service guide published"),
        "service.guide.withdrawn": pgettext_lazy("event", "Service guide withdrawn"),
        "service.guide.written": pgettext_lazy("event", "Service guide drafted"),
        "service.question.answered": pgettext_lazy("event", "Question answered"),
        "service.question.asked": pgettext_lazy("event", "Question asked"),
        "service.question.handed_over": pgettext_lazy("event", "Question handed over"),
        "service.question.overdue": pgettext_lazy("event", "Question overdue"),
        "service.question.taken": pgettext_lazy("event", "Question taken"),
        "service.rating.followed_up": pgettext_lazy("event", "Bad rating followed up"),
        "service.rating.given": pgettext_lazy("event", "Service rated"),
        "service.record.given": pgettext_lazy("event", "Special service given"),
        "service.self_evaluation.recorded": pgettext_lazy("event", "Self-evaluation recorded"),
        "service.technical_staff.designated": pgettext_lazy("event", "Technical staff designated"),
        "service.technical_staff.removed": pgettext_lazy("event", "Technical staff removed"),
        "witness.cosign.refused": pgettext_lazy("event", "Co-signature refused"),
        "witness.cosigner.failing": pgettext_lazy("event", "Co-signer failing"),
        "witness.cosigner.recovered": pgettext_lazy("event", "Co-signer recovered"),
        "witness.epoch.begun": pgettext_lazy("event", "New epoch begun"),
        "witness.head.cosigned": pgettext_lazy("event", "Tree head co-signed"),
        "witness.media.registered": pgettext_lazy("event", "Recording registered"),
    }
)


def event_title(type_name: str) -> str:
    """The title of an event of `type_name`; a type without one (which a test forbids) reads as its
    catalogue meaning, else its name."""
    title = TITLES.get(type_name)
    if title is not None:
        return str(title)
    found = catalogue.lookup(type_name)
    return gettext(found.meaning) if found is not None else type_name
