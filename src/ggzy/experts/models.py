"""Evaluation experts (评标专家) of a local pool, and the draws made from it (issue 33, docs/experts.md).

An expert's identity number is kept encrypted with its search hash (so the market-entity library's records
of who works for whom find the same person), the phone encrypted; specialties are codes of the national
classification (公共资源交易评标专家专业分类标准, 发改法规〔2018〕316号: `Specialty`); employers are a
history with dates, relations to organisations are recorded, as are the days an expert is unavailable.

A draw request records the rules it applies and the counts it needs; its eligible list is fixed (sorted,
hashed, its SM3 published) before the seed is revealed, and the order of each specialty is a permutation of
that list by the seed (`ggzy_sm.randomness.ordering`), so an auditor with the list recomputes every call."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.fields import EncryptedField, Kind, LookupHashField
from ggzy.experts.states import Answer, CallRole, MemberKind, RequestState


class Title(models.TextChoices):
    """Professional titles (职称) by level; a senior title (高级职称) is 正高级 or 副高级 (招标投标法 §37)."""

    FULL_SENIOR = "full_senior", _("Full senior (正高级)")
    SENIOR = "senior", _("Senior (副高级)")
    INTERMEDIATE = "intermediate", _("Intermediate (中级)")
    JUNIOR = "junior", _("Junior (初级)")


SENIOR_TITLES = (Title.FULL_SENIOR, Title.SENIOR)


class Expertise(models.TextChoices):
    """The kind of expert a committee counts (招标投标法 §37: 技术、经济等方面的专家; data sets 213/508)."""

    TECHNICAL = "technical", _("Technical")
    ECONOMIC = "economic", _("Economic")


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Source(models.TextChoices):
    """Where an expert (and a draw request's experts) come from: the centre's own pool, or the provincial
    comprehensive evaluation-expert pool (docs/expert-pool-interface.md), which draws them itself."""

    LOCAL = "local", _("The centre's pool")
    PROVINCIAL = "provincial", _("The provincial expert pool")


class Specialty(models.Model):
    """A code of the national classification of evaluation experts' specialties, as loaded by the centre
    (`ggzy experts specialties FILE`); `verified` says whether the row was checked against the text."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.CharField(_("parent code"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=100)
    verified = models.BooleanField(_("checked against the text"), default=False)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Expert(models.Model):
    """An expert of the centre's pool, or one the provincial pool drew (`source`): such an expert is known
    only by what the pool's list carries — its id there, name, masked identity number and person hash,
    phone, region, title, specialties and current employer — never its identity number, birth date or
    years in the field, and holds no `ExpertSpecialty` rows, so the local pool never draws it."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=50)  # family name first
    id_number = EncryptedField(_("identity number"), kind=Kind.ID_NUMBER, blank=True)
    id_number_lookup = LookupHashField(source="id_number")
    phone = EncryptedField(_("phone"), kind=Kind.PHONE, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    region = models.CharField(_("region (GB/T 2260)"), max_length=6)
    title = models.CharField(_("professional title"), max_length=16, choices=Title.choices, blank=True)
    field_since = models.PositiveSmallIntegerField(
        _("working in the field since (year)"), null=True, blank=True
    )
    expertise = models.CharField(
        _("technical or economic"), max_length=16, choices=Expertise.choices, default=Expertise.TECHNICAL
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.LOCAL)
    #: A provincial expert: the pool's code (GGZY_EXPERT_POOL), its id there, the person hash and masked
    #: identity number its list gives, its title and specialties as the pool states them.
    pool = models.CharField(_("expert pool"), max_length=32, blank=True)
    pool_id = models.CharField(_("id in the expert pool"), max_length=32, blank=True)
    person_hash = models.CharField(_("person hash"), max_length=64, blank=True, db_index=True)
    id_masked = models.CharField(_("identity number (masked)"), max_length=18, blank=True)
    pool_title = models.CharField(_("professional title (as the pool states it)"), max_length=50, blank=True)
    pool_specialties = models.JSONField(_("specialties (as the pool states them)"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    user = models.OneToOneField(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="expert"
    )
    centre = models.CharField(_("centre"), max_length=32)
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        indexes = [models.Index(fields=["status", "region"], name="experts_status_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "pool_id"],
                condition=models.Q(source="provincial"),
                name="experts_pool_expert_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExpertSpecialty(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="specialties")
    code = models.CharField(_("specialty code"), max_length=16)

    class Meta:
        verbose_name = _("expert's specialty")
        verbose_name_plural = _("experts' specialties")
        constraints = [models.UniqueConstraint(fields=["expert", "code"], name="experts_specialty_once")]
        indexes = [models.Index(fields=["code", "expert"], name="experts_specialty_code")]

    def __str__(self) -> str:
        return f"{self.expert_id} {self.code}"


class Employment(models.Model):
    """One employer of an expert with its dates (`until` empty: still there)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="employments")
    uscc = models.CharField(_("employer's unified social credit code"), max_length=18)
    employer = models.CharField(_("employer"), max_length=100)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        indexes = [
            models.Index(fields=["employer"], name="experts_employment_employer"),
            # the avoidance rules' look-up: the experts employed by these organisations on a day, read from
            # the index alone on PostgreSQL (a draw from 200,000 experts: p50 51 → 40 ms)
            models.Index(
                fields=["uscc"], include=["expert", "since", "until"], name="experts_employment_avoid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} {self.uscc}"


class RelationKind(models.TextChoices):
    RELATIVE = "relative", _("Close relative of its legal representative or a principal")
    INTEREST = "interest", _("Economic interest")
    OTHER = "other", _("Other relation that may affect fairness")


class Relation(models.Model):
    """An organisation the expert is related to (declared, or found by staff): never drawn for its trades."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations")
    uscc = models.CharField(_("organisation's unified social credit code"), max_length=18, db_index=True)
    kind = models.CharField(_("relation"), max_length=16, choices=RelationKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")

    def __str__(self) -> str:
        return f"{self.expert_id} {self.uscc} {self.kind}"


class Unavailability(models.Model):
    """Days an expert cannot evaluate (both days included), as recorded; a change shortly before a draw is
    flagged to the supervisors."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="unavailable")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("unavailability")
        verbose_name_plural = _("unavailabilities")

    def __str__(self) -> str:
        return f"{self.expert_id} {self.start}–{self.end}"


class DrawRequest(models.Model):
    """A request for a committee's experts from the local pool: what it needs per specialty, the rules it
    applies (as data: the organisations, persons and departments to avoid, the limits), then its fixed
    eligible list (encrypted, its SM3 public), the randomness draw that gives its seed, and its calls."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    #: The uid as text: what the embargo `experts.evaluation` names (a uuid column compares to no text on
    #: PostgreSQL, and SQLite stores it without hyphens).
    ref = models.CharField(_("reference"), max_length=36, unique=True, editable=False)
    section = models.ForeignKey(
        "registry.Section", on_delete=models.PROTECT, related_name="expert_requests", null=True, blank=True
    )
    centre = models.CharField(_("centre"), max_length=32)
    region = models.CharField(_("region"), max_length=12, blank=True)
    project = models.CharField(_("project"), max_length=64, blank=True)
    procurement = models.BooleanField(_("government procurement"), default=False)
    engineering = models.BooleanField(_("engineering"), default=False)
    evaluation_at = models.DateTimeField(_("evaluation starts at"))
    place = models.CharField(_("place"), max_length=200)
    committee = models.PositiveSmallIntegerField(_("committee members"), default=0)
    #: When the roster goes to the evaluation area (before it nobody reads the names through the platform).
    push_at = models.DateTimeField(_("list pushed at the set time"), null=True, blank=True)
    #: {"specialty code": {"count": n, "reserves": r}}
    needs = models.JSONField(_("experts needed per specialty"))
    #: {"organisations": [uscc], "supervising": [uscc], "persons": [id lookup], "names": [[name, employer]]}
    avoid = models.JSONField(_("whom to avoid"), default=dict)
    remote_city = models.CharField(_("not from this city (remote evaluation)"), max_length=4, blank=True)
    max_calls_30_days = models.PositiveSmallIntegerField(_("most calls in 30 days"))
    age_limit = models.PositiveSmallIntegerField(_("age limit"))
    state = models.CharField(
        _("state"), max_length=16, choices=RequestState.choices, default=RequestState.REQUESTED
    )
    eligible = EncryptedField(_("eligible list"), kind=Kind.CONTACT, blank=True)  # canonical JSON
    eligible_sm3 = models.CharField(_("SM3 of the eligible list"), max_length=64, blank=True)
    exclusions = models.JSONField(_("experts excluded per rule (counts)"), default=dict)
    fixed_event = models.UUIDField(_("the event that fixed the list"), null=True, blank=True)  # the moment
    seed = models.CharField(_("seed"), max_length=64, blank=True)  # the revealed seed the calls came from
    seed_draw = models.ForeignKey(
        "randomness.Draw", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+", null=True)
    requested_at = models.DateTimeField(_("requested at"))
    fixed_at = models.DateTimeField(_("eligible list fixed at"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    #: The signed roster for the evaluation area's access control and evaluation system (canonical JSON,
    #: encrypted), its SM3 and the platform's SM2 signature of it (key `roster_key`).
    roster = EncryptedField(_("roster"), kind=Kind.CONTACT, blank=True)
    roster_sm3 = models.CharField(_("SM3 of the roster"), max_length=64, blank=True)
    roster_signature = models.CharField(_("signature of the roster"), max_length=160, blank=True)
    roster_key = models.CharField(_("roster signing key"), max_length=16, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    #: When the requester was reminded to enter the initiator's own members before the push (once).
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    #: Drawn by the centre's pool (the steps above) or by the provincial pool (`experts.provincial`): then
    #: the pool's code, how many of its signed refusals came before (the request id asked is the uid and
    #: this number: a refused id stays refused, a retry after a lost answer asks the same one), the pool's
    #: draw id, the highest revision of its list seen (an older signed state is ignored), the list as last
    #: decrypted (canonical JSON, encrypted) and the last signed answer as it came (its list sealed to the
    #: platform's key: the evidence).
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.LOCAL)
    pool = models.CharField(_("expert pool"), max_length=32, blank=True)
    pool_refusals = models.PositiveSmallIntegerField(_("refusals by the expert pool"), default=0)
    pool_draw = models.CharField(_("the expert pool's draw id"), max_length=64, blank=True)
    pool_revision = models.PositiveIntegerField(_("the list's revision seen"), default=0)
    pool_list = EncryptedField(_("the expert pool's list"), kind=Kind.CONTACT, blank=True)
    pool_answer = models.JSONField(_("the expert pool's signed answer"), default=dict, blank=True)

    class Meta:
        verbose_name = _("expert draw request")
        verbose_name_plural = _("expert draw requests")

    def __str__(self) -> str:
        return f"{self.uid} {self.state}"


class Call(models.Model):
    """A drawn expert called for a request: the position it holds in its specialty's order, its role, and
    its own answer (only the expert records a decline: never staff)."""

    #: What a page names the call by (its sequence is no address: it would tell how many were called).
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(DrawRequest, on_delete=models.PROTECT, related_name="calls")
    specialty = models.CharField(_("specialty code"), max_length=16)
    position = models.PositiveIntegerField(_("position in the specialty's order"))
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="calls")
    role = models.CharField(_("role"), max_length=16, choices=CallRole.choices)
    sequence = models.PositiveIntegerField(_("order of the call"))
    replaces = models.PositiveIntegerField(_("replaces the call"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"))
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["request", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["request", "expert"], name="experts_call_once_per_request"),
            models.UniqueConstraint(fields=["request", "sequence"], name="experts_call_sequence"),
        ]
        indexes = [
            models.Index(fields=["expert", "called_at"], name="experts_call_recent"),
            models.Index(fields=["called_at", "expert"], name="experts_call_window"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.specialty}#{self.position} {self.role}"


class Member(models.Model):
    """A committee member the initiator (or its agent) enters itself before the push: its representative or
    an expert it chose outside the pool (招标投标法 §37; standard 6.6.2), checked by the same rules."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(DrawRequest, on_delete=models.PROTECT, related_name="members")
    kind = models.CharField(_("kind"), max_length=16, choices=MemberKind.choices)
    name = models.CharField(_("name"), max_length=50)  # family name first
    id_number = EncryptedField(_("identity number"), kind=Kind.ID_NUMBER)
    id_number_lookup = LookupHashField(source="id_number")
    employer_uscc = models.CharField(_("employer's unified social credit code"), max_length=18)
    employer = models.CharField(_("employer"), max_length=100)
    specialty = models.CharField(_("specialty code"), max_length=16, blank=True)
    entered_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("committee member entered by the initiator")
        verbose_name_plural = _("committee members entered by the initiator")
        constraints = [
            models.UniqueConstraint(fields=["request", "id_number_lookup"], name="experts_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class Fee(models.Model):
    """The fee of an expert for one evaluation (评审费, standard 6.8.7), in fen."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="fee")
    amount_fen = models.PositiveBigIntegerField(_("fee (fen)"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    basis = models.CharField(_("basis"), max_length=200)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("expert fee")
        verbose_name_plural = _("expert fees")

    def __str__(self) -> str:
        return f"{self.call_id} {self.amount_fen}"


class Conduct(models.TextChoices):
    GOOD = "good", _("Good")
    ADEQUATE = "adequate", _("Adequate")
    POOR = "poor", _("Poor: recorded for the expert's credit")


class Rating(models.Model):
    """The agent's rating of an expert's conduct after the evaluation (one per call): a score of 1 to 5,
    the conduct and what was observed."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    conduct = models.CharField(_("conduct"), max_length=16, choices=Conduct.choices)
    note = models.CharField(_("what was observed"), max_length=500, blank=True)
    rated_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("expert rating")
        verbose_name_plural = _("expert ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="experts_rating_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.score}"


class Keeper(models.Model):
    """The staff member of a centre appointed by the security administrator to print the drawn experts'
    list for the on-site terminal (standard 6.6.3); revoked, not deleted."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.CharField(_("centre"), max_length=32)
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    appointed_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField(_("appointed at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster keeper")
        verbose_name_plural = _("roster keepers")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "user"],
                condition=models.Q(revoked_at__isnull=True),
                name="experts_keeper_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.user_id}"


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProfileChange(models.Model):
    """A change an expert asks to its own profile (phone, region, title, years, employers, specialties),
    applied only once a staff member of its centre approved it; `before` keeps what it replaced."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="changes")
    proposed = EncryptedField(_("proposed"), kind=Kind.CONTACT)  # canonical JSON (a phone is inside)
    before = EncryptedField(_("before"), kind=Kind.CONTACT, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.CharField(_("review note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        constraints = [
            models.UniqueConstraint(
                fields=["expert"], condition=models.Q(state="pending"), name="experts_one_pending_change"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} {self.state}"
