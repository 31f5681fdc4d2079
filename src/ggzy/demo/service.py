"""Demo consultation and service quality (standard 6.1, 12.1, 12.2), through the service app's services, on
the sandbox clock: both centres write and publish their service commitments (no fees: 12.1.4; none for
services the platform does not offer yet), designate technical staff for the supervisors' support
questions (6.1.2.4) and write and publish service guides per trading category (laws and rules, processes,
using the system: 6.1.2.1–6.1.2.3), through the services the staff pages call. Then a month of
consultation online, by phone and on site — most questions taken and answered within the limit, some
handed over, two answered late, one outside the centre's remit answered with the authority to turn to
(6.1.3), good answers promoted to the FAQ, one question left open past its limit and escalated to the
head of the desk, one still open within it — service complaints and suggestions (服务投诉/意见) by form, phone
and mailbox, services given (green channel, extended hours, on behalf) and ratings (好差评) of
registrations, answers and services given, the bad ones followed up. The data is in
`ggzy.demo.service_data`.

The month runs alongside the demo's registrations: `later` is handed to the registrations' loader, and
whenever it moves the clock the steps of this loader that fall due on the way are run first
(`history.Schedule`). Steps fall on working days of the official calendar inside office hours, counted
back from the last working day before today. Without the sandbox clock everything happens now (and
nothing is late)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.contrib.auth import get_user_model

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.types import Actor
from ggzy.demo.history import Days, Later, Schedule
from ggzy.demo.service_data import (
    COMMITMENTS,
    DESK_HEADS,
    FEEDBACK,
    FOLLOW_UPS,
    FREE,
    GUIDES,
    QUESTIONS,
    RECORDS,
    REGISTRATION_RATINGS,
    TECHNICAL,
    Ask,
)
from ggzy.registry.models import Registration, State, TradingCategory
from ggzy.service import services, tasks
from ggzy.service.models import (
    Commitment,
    Feedback,
    Question,
    QuestionChannel,
    QuestionKind,
    Rating,
    ServiceType,
)


class Loader:
    """The month of service; `later(hours)` moves the clock and runs the steps that fall due on the way."""

    USERNAMES = (
        "staff",
        "staff2",
        "sy-staff",
        "sy-staff2",
        "initiator",
        "initiator2",
        "initiator3",
        "agent",
        "agent2",
        "bidder",
        "bidder-hxjs",
        "supervisor",
        "supervisor2",
    )

    def __init__(self, later: Later, centres: dict[str, Centre], *, history: bool) -> None:
        self.centres = centres
        self.days = Days(later)
        self.schedule = Schedule(self.days, history=history)
        users = get_user_model().objects
        self.user = {u.username: u for u in users.filter(username__in=self.USERNAMES)}
        self.categories = {c.code: c for c in TradingCategory.objects.all()}
        self.questions: dict[str, Question] = {}
        self.ratings: dict[str, Rating] = {}
        self.records: dict[str, tuple[uuid.UUID, str, str]] = {}
        self.feedbacks: dict[str, Feedback] = {}
        self.loaded = Commitment.objects.exists()
        if not self.loaded:
            self.plan()

    def later(self, hours: float) -> None:
        """For the registrations' loader: run the steps due before the clock gets there, then move it."""
        self.schedule.later(hours)

    def finish(self) -> None:
        """The steps left after the registrations (or all of them, without the sandbox clock)."""
        self.schedule.finish()

    def at(self, back: int, hhmm: str) -> dt.datetime:
        """The `back`-th working day before the last one, at "HH:MM"."""
        return self.days.moment(self.days.back(back), hhmm)

    def step(self, when: dt.datetime, action: Callable[[], None]) -> None:
        self.schedule.add(when, action)

    # -- the plan --------------------------------------------------------------------------------

    def plan(self) -> None:
        self.step(self.at(18, "08:40"), self.setup)
        for ask in QUESTIONS:
            self.plan_question(ask)
        for key, back, hhmm, centre, service, for_user, by, text, rated, score, comment in RECORDS:
            self.step(self.at(back, hhmm), self.give(key, centre, service, for_user, by, text))
            self.step(self.at(rated, "10:20"), self.rate_record(key, score, comment))
        for (
            back,
            hhmm,
            centre,
            kind,
            channel,
            author,
            logged_by,
            contact,
            content,
            answered,
            answer,
        ) in FEEDBACK:
            received = self.days.back(back)
            key = f"feedback-{back}-{hhmm}"
            self.step(
                self.days.moment(received, hhmm),
                self.feedback(key, centre, kind, channel, author, logged_by, contact, content),
            )
            if answered is not None:
                days, at = answered
                self.step(
                    self.days.moment(self.days.after(received, days), at),
                    self.feedback_answer(key, DESK_HEADS[centre], answer),
                )
        for part, rater, back, hhmm, score, comment in REGISTRATION_RATINGS:
            self.step(self.at(back, hhmm), self.rate_registration(part, rater, score, comment))
        # the open question waited past its limit (the next working day's close): the tick escalates it
        self.step(self.at(1, "08:50"), self.escalate)

    def plan_question(self, ask: Ask) -> None:
        asked = self.days.back(ask.back)
        at = self.days.moment(asked, ask.at)
        self.step(at, self.ask(ask))
        if ask.channel == QuestionChannel.ONLINE and ask.taker:
            self.step(at + dt.timedelta(minutes=20), self.take(ask))
        if ask.handover is not None:
            self.step(at + dt.timedelta(minutes=50), self.hand_over(ask, *ask.handover))
        if not ask.answer:
            return
        days, hhmm = ask.answered
        answered_at = (
            self.days.moment(self.days.after(asked, days), hhmm) if hhmm else at + dt.timedelta(minutes=15)
        )
        self.step(answered_at, self.answer(ask))
        if ask.faq:  # promoted as it is answered (the same moment: one clock move fewer)
            self.step(answered_at, self.promote(ask))
        if ask.rating is not None:
            rated = self.days.moment(self.days.after(answered_at.date(), 1), "09:10")
            self.step(rated, self.rate_answer(ask, *ask.rating))

    @staticmethod
    def escalate() -> None:
        tasks.escalate_questions()

    # -- the steps -------------------------------------------------------------------------------

    def setup(self) -> None:
        """Each centre's desk head writes and publishes the commitments and the guides and designates the
        technical staff, through the same services as the staff pages."""
        kinds = (QuestionKind.LAWS, QuestionKind.PROCESS, QuestionKind.SYSTEM)
        for code, head in DESK_HEADS.items():
            centre, actor = self.centres[code], self.user[head]
            for service, title, steps, limit, materials in COMMITMENTS:
                commitment = services.commitment_write(
                    actor=actor,
                    centre=centre,
                    data=services.CommitmentIn(
                        service=service,
                        title=title,
                        steps=steps,
                        time_limit=limit,
                        materials=materials,
                        fee_basis=FREE,
                    ),
                )
                services.commitment_publish(actor=actor, commitment=commitment)
            services.technical_staff_designate(actor=actor, centre=centre, user=self.user[TECHNICAL[code]])
            for category, *texts in GUIDES:
                for kind, (title, body) in zip(kinds, texts, strict=True):
                    guide = services.guide_write(
                        actor=actor,
                        centre=centre,
                        data=services.GuideIn(
                            kind=kind, title=title, body=body, category=self.categories[category]
                        ),
                    )
                    services.guide_publish(actor=actor, guide=guide)

    def ask(self, ask: Ask) -> Callable[[], None]:
        def action() -> None:
            centre = self.centres[ask.centre]
            category = self.categories[ask.category] if ask.category else None
            if ask.channel == QuestionChannel.ONLINE:
                question = services.question_ask(
                    asker=self.user[ask.who], centre=centre, kind=ask.kind, text=ask.text, category=category
                )
            else:
                name, contact = ask.who.split("/")
                question = services.question_ask(
                    asker=None,
                    centre=centre,
                    kind=ask.kind,
                    text=ask.text,
                    category=category,
                    channel=ask.channel,
                    taken_by=self.user[ask.taker],
                    asker_name=name,
                    asker_contact=contact,
                )
            self.questions[ask.key] = question

        return action

    def take(self, ask: Ask) -> Callable[[], None]:
        def action() -> None:
            services.question_take(actor=self.user[ask.taker], question=self.questions[ask.key])

        return action

    def hand_over(self, ask: Ask, to: str, reason: str) -> Callable[[], None]:

        def action() -> None:
            services.question_hand_over(
                actor=self.user[ask.taker], question=self.questions[ask.key], to=self.user[to], reason=reason
            )

        return action

    def answer(self, ask: Ask) -> Callable[[], None]:
        owner = ask.handover[0] if ask.handover else ask.taker

        def action() -> None:
            self.questions[ask.key] = services.question_answer(
                actor=self.user[owner],
                question=self.questions[ask.key],
                answer=ask.answer,
                outside_remit=bool(ask.authority),
                authority=ask.authority,
            )

        return action

    def promote(self, ask: Ask) -> Callable[[], None]:
        owner = ask.handover[0] if ask.handover else ask.taker

        def action() -> None:
            services.faq_promote(actor=self.user[owner], question=self.questions[ask.key])

        return action

    def rate_answer(self, ask: Ask, score: int, comment: str) -> Callable[[], None]:

        def action() -> None:
            reference = f"service.question:{self.questions[ask.key].uid}"
            self.rated(
                ask.key,
                rater=self.user[ask.who],
                service=ServiceType.CONSULTATION,
                reference=reference,
                score=score,
                comment=comment,
            )

        return action

    def rated(
        self, key: str, *, rater: Actor, service: str, reference: str, score: int, comment: str
    ) -> None:
        rating = services.rating_give(
            rater=rater, service=service, reference=reference, score=score, comment=comment
        )
        self.ratings[key] = rating
        if key in FOLLOW_UPS:
            days, hhmm, text, reason = FOLLOW_UPS[key]
            when = self.days.moment(self.days.after(clock.local_now().date(), days), hhmm)
            self.step(when, self.follow_up(rating, text, reason))

    def follow_up(self, rating: Rating, text: str, reason: str) -> Callable[[], None]:
        def action() -> None:
            head = DESK_HEADS["ln" if rating.centre == self.centres["ln"] else "sy"]
            late = rating.deadline is not None and clock.now() > rating.deadline.due_at
            services.follow_up_record(
                actor=self.user[head], rating=rating, text=text, late_reason=reason if late else ""
            )

        return action

    def give(  # noqa: PLR0917  (a row of RECORDS)
        self, key: str, centre: str, service: str, for_user: str, by: str, text: str
    ) -> Callable[[], None]:
        def action() -> None:
            record = services.service_record(
                actor=self.user[by],
                centre=self.centres[centre],
                service=service,
                for_user=self.user[for_user],
                description=text,
            )
            self.records[key] = (record.uid, service, for_user)

        return action

    def rate_record(self, key: str, score: int, comment: str) -> Callable[[], None]:
        def action() -> None:
            uid, service, for_user = self.records[key]
            self.rated(
                key,
                rater=self.user[for_user],
                service=service,
                reference=f"service.record:{uid}",
                score=score,
                comment=comment,
            )

        return action

    def feedback(  # noqa: PLR0917  (a row of FEEDBACK)
        self,
        key: str,
        centre: str,
        kind: str,
        channel: str,
        author: str,
        logged_by: str,
        contact: str,
        content: str,
    ) -> Callable[[], None]:
        def action() -> None:
            self.feedbacks[key] = services.feedback_submit(
                author=self.user[author] if author else None,
                centre=self.centres[centre],
                kind=kind,
                channel=channel,
                content=content,
                contact=contact,
                logged_by=self.user[logged_by] if logged_by else None,
            )

        return action

    def feedback_answer(self, key: str, by: str, answer: str) -> Callable[[], None]:
        def action() -> None:
            services.feedback_answer(actor=self.user[by], feedback=self.feedbacks[key], answer=answer)

        return action

    def rate_registration(self, part: str, rater: str, score: int, comment: str) -> Callable[[], None]:
        deferred = False

        def action() -> None:
            nonlocal deferred
            registration = Registration.objects.filter(
                project__name__contains=part, state=State.ACCEPTED
            ).first()
            if registration is None and not deferred:  # not accepted yet (a short month): at the end
                deferred = True
                self.step(self.days.end, action)
                return
            if registration is None:
                return
            reference = f"registry.registration:{registration.uid}"
            self.rated(
                part,
                rater=self.user[rater],
                service=ServiceType.REGISTRATION,
                reference=reference,
                score=score,
                comment=comment,
            )

        return action


def loader(later: Later, centres: dict[str, Centre], *, history: bool) -> Loader:
    return Loader(later, centres, history=history)


def summary() -> str:
    """One line for the demo's report."""
    questions = Question.objects.count()
    open_ = Question.objects.filter(answered_at__isnull=True).count()
    ratings = Rating.objects.count()
    return f"{questions} questions ({open_} open), {ratings} ratings"
