"""The event types `experts` records. Nothing here names an expert: the request and its counts; the calls,
replacements and answers wait for the evaluation (the embargo `experts.evaluation`), and even then carry
positions and counts, never names (the names are secret until the result is final)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


class ExpertsEvents(EventTypes, app="experts"):
    REQUESTED = EventType(
        "experts.request.made",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A draw of evaluation experts was requested: specialties and counts, the committee, the evaluation's"
        " and the push's time (never whom it avoids: before the opening that would tell how many bid).",
        Embargoes.UNTIL_OPENING_IF_WINDOW,
        title=pgettext_lazy("event", "Expert draw requested"),
    )
    FIXED = EventType(
        "experts.eligible.fixed",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "The eligible list of a draw was fixed: its SM3, its size per specialty and the experts excluded by"
        " each rule (counts only) — the moment after which the draw's seed is revealed.",
        Embargoes.UNTIL_OPENING_IF_WINDOW,
        title=pgettext_lazy("event", "Eligible experts fixed"),
    )
    DRAWN = EventType(
        "experts.draw.made",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The experts of a request were drawn from its seed: how many were called per specialty and role.",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Experts drawn"),
    )
    ANSWERED = EventType(
        "experts.call.answered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A called expert answered (accepted or declined), or the time to answer passed; a decline calls the"
        " next expert of the same order (its position, never its name).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Expert call answered"),
    )
    MEMBER_ENTERED = EventType(
        "experts.member.entered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The initiator (or its agent) entered a committee member of its own before the push: its"
        " representative or an expert chosen outside the pool (the kind and seats taken, never the name).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Committee member entered"),
    )
    PUSHED = EventType(
        "experts.roster.pushed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The committee's roster was signed and pushed to the evaluation area at its set time: its SM3, the"
        " signing key and the members per source (counts, never names).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Expert list pushed"),
    )
    PRINTED = EventType(
        "experts.roster.printed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "An authorised staff member printed the committee's roster for the on-site terminal (who and when).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Expert list printed"),
    )
    FEE_RECORDED = EventType(
        "experts.fee.recorded",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "An expert's fee for an evaluation was recorded (the call's position, the amount and hours).",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Expert fee recorded"),
    )
    RATED = EventType(
        "experts.conduct.rated",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The agent rated an expert's conduct after the evaluation (the call's position, score and conduct).",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Expert conduct rated"),
    )
    KEEPER_APPOINTED = EventType(
        "experts.keeper.appointed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The security administrator appointed a centre's staff member to print the experts' lists.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Roster keeper appointed"),
    )
    KEEPER_REVOKED = EventType(
        "experts.keeper.revoked",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The security administrator revoked a staff member's appointment to print the experts' lists.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Roster keeper revoked"),
    )
    POOL_DRAWN = EventType(
        "experts.pool.drawn",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The provincial expert pool drew a request's experts and answered signed: its draw id and revision,"
        " how many were called per specialty and role, and the pool's counts excluded per rule.",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Experts drawn by the provincial pool"),
    )
    POOL_REFUSED = EventType(
        "experts.pool.refused",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The provincial expert pool refused a draw or a replacement, signed: its reason and counts (a new"
        " request id is asked next time).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Provincial pool refused"),
    )
    CHANGES_FLAGGED = EventType(
        "experts.changes.flagged",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "Experts of a draw's specialties changed their status or recorded days unavailable within 48 hours"
        " before its list was fixed (counts, never names): for the supervisors to look at.",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Recent changes in the pool flagged"),
    )
    CHECKED_IN = EventType(
        "experts.checkin.checked",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A draw made before the bid deadline was checked again against the bidders once they were known:"
        " how many called experts were avoided and replaced (never who).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Called experts checked against the bidders"),
    )
    DECLARED = EventType(
        "experts.call.declared",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A called expert declared at check-in that it has no conflict with the trade's parties (a conflict"
        " declared is an avoidance, recorded as the call's answer).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Expert's declaration recorded"),
    )
    EXPERT_REGISTERED = EventType(
        "experts.expert.registered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A centre's staff registered an expert in its pool (its specialties; the person by its uid only).",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Expert registered"),
    )
    PROFILE_SUBMITTED = EventType(
        "experts.profile.submitted",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "An expert asked to change its profile (which fields), for its centre's staff to review.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Profile change submitted"),
    )
    PROFILE_REVIEWED = EventType(
        "experts.profile.reviewed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A centre's staff approved (and applied) or rejected an expert's profile change.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Profile change reviewed"),
    )
    UNAVAILABLE_RECORDED = EventType(
        "experts.unavailability.recorded",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "An expert recorded days it cannot evaluate.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Unavailability recorded"),
    )
    STATUS_CHANGED = EventType(
        "experts.status.changed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A centre's staff suspended or reinstated an expert, with the reason.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Expert status changed"),
    )
    MEMBERS_REMINDED = EventType(
        "experts.members.reminded",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "Whoever requested a draw was reminded before the push to enter the initiator's own committee members"
        " (how many seats are still empty).",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Reminded to enter the initiator's members"),
    )
