"""Load the demo data through the services (on the sandbox clock when it runs): two centres, three
initiators, two agents, twelve bidders (one a natural person, one from outside the province), forty
experts, two supervisors, staff for each centre and the three administrators; entrustments of two
projects. Idempotent: a second run changes nothing. Prints the demo logins.

A run writes in steps: the people, registrations and the month of service in one transaction (`load`),
then the sealed bids and the month's end, then what must be current at the start (and the bidders'
market-entity libraries, dated from the present). A run that stopped after the first step cannot be
finished by a second one (the month's plan and the history clock are gone): the second run refuses and
says to start from an empty database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from ggzy.accounts import parties, policy
from ggzy.accounts.identifiers import resident_id_check_char
from ggzy.accounts.models import Centre, IdKind, Organisation
from ggzy.accounts.services import account_open
from ggzy.core import clock
from ggzy.core.models import SandboxAnchor
from ggzy.core.roles import Role
from ggzy.core.types import Actor
from ggzy.demo import accounts as demo_accounts
from ggzy.demo.accounts import uscc
from ggzy.demo.history import History

if TYPE_CHECKING:
    from ggzy.demo.service import Loader as MonthOfService

DEMO_PASSWORD = "Demo-2026-ggzy"  # noqa: S105  (printed for the demo; never in production data)


CENTRES = (("ln", "辽宁省公共资源交易中心", "210000", None), ("sy", "沈阳市公共资源交易中心", "210100", "ln"))
#: (username, family name, given name, role, centre / organisation key / region)
DEMO_USERS: tuple[tuple[str, str, str, Role, str], ...] = (
    ("staff", "王", "小明", Role.CENTRE_STAFF, "ln"),
    ("initiator", "李", "建国", Role.INITIATOR, "sydt"),
    ("agent", "赵", "丽华", Role.AGENT, "lnzz"),
    ("bidder", "陈", "志强", Role.RESPONDER, "tcjs"),
    ("expert", "刘", "芳", Role.EXPERT, ""),
    ("supervisor", "周", "正", Role.SUPERVISOR, "210000"),
    ("sysadmin", "孙", "立", Role.SYSTEM_ADMIN, ""),
    ("secadmin", "吴", "安", Role.SECURITY_ADMIN, ""),
    ("auditadmin", "郑", "审", Role.AUDIT_ADMIN, ""),
)
MORE_USERS: tuple[tuple[str, str, str, Role, str], ...] = (
    ("staff2", "钱", "晓燕", Role.CENTRE_STAFF, "ln"),
    ("sy-staff", "冯", "涛", Role.CENTRE_STAFF, "sy"),
    ("sy-staff2", "陈", "静", Role.CENTRE_STAFF, "sy"),
    ("supervisor2", "褚", "明", Role.SUPERVISOR, "210100"),
    ("initiator2", "卫", "东", Role.INITIATOR, "hnjy"),
    ("initiator3", "蒋", "华", Role.INITIATOR, "lnsl"),
    ("agent2", "沈", "佳", Role.AGENT, "sycx"),
)
#: key, name, credit-code serial, region, legal representative, contact
ORGANISATIONS = (
    ("sydt", "沈阳地铁集团有限公司", 71000001, "210100", "张德明", "李建国"),
    ("hnjy", "沈阳市浑南区教育局", 11000002, "210112", "孙丽", "卫东"),
    ("lnsl", "辽宁省水利水电投资有限公司", 71000003, "210000", "高峰", "蒋华"),
    ("lnzz", "辽宁中咨工程项目管理有限公司", 72000001, "210100", "马骏", "赵丽华"),
    ("sycx", "沈阳诚信招标代理有限公司", 72000002, "210100", "郭嘉", "沈佳"),
    ("tcjs", "辽宁天成建设集团有限公司", 73000001, "210100", "陈天成", "陈志强"),
    ("hylq", "沈阳华宇路桥工程有限公司", 73000002, "210100", "华宇", "林海"),
    ("hjjs", "大连恒基建设有限公司", 73000003, "210200", "恒基", "董亮"),
    ("xsjz", "鞍山鑫盛建筑工程有限公司", 73000004, "210300", "鑫盛", "白雪"),
    ("bfjs", "辽宁北方建设工程有限公司", 73000005, "210000", "北方", "田野"),
    ("xxsz", "锦州新兴市政工程有限公司", 73000006, "210700", "新兴", "程程"),
    ("ydzn", "沈阳远大智能科技有限公司", 73000007, "210100", "远大", "方圆"),
    ("dfjd", "抚顺东方机电设备有限公司", 73000008, "210400", "东方", "任重"),
    ("ghjs", "营口港湾建设有限公司", 73000009, "210800", "港湾", "海涛"),
    ("sdwz", "本溪顺达物资有限公司", 73000010, "210500", "顺达", "顺心"),
    ("hxjs", "浙江宏信建设有限公司", 73000011, "330100", "宏信", "钟信"),  # from outside the province
)
BIDDERS = ("tcjs", "hylq", "hjjs", "xsjz", "bfjs", "xxsz", "ydzn", "dfjd", "ghjs", "sdwz", "hxjs")
PROJECTS = (
    ("L2101000000000001", "sydt", "lnzz", "沈阳地铁 6 号线车站装修工程施工招标代理"),
    ("L2101000000000002", "hnjy", "sycx", "浑南区中小学教学设备采购代理"),
)
WANG_FIRST17 = "21010219750315051"  # the natural-person bidder's ID number, before its check character
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建华", "海燕", "志刚", "秀英", "国强", "丽娟", "文博", "晓东", "春梅", "立新")
#: Administrators and staff confirm sign-ins with TOTP: the demo enrols them with these keys.
ADMIN_ROLES_WITH_TOTP = {Role.CENTRE_STAFF, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


def partial_load() -> str:
    """What an earlier run left half-done, or "": its first transaction committed and the rest not, or
    it started the sandbox clock a month back and wrote nothing (a clock started by anything else runs
    from the present, and is left alone)."""
    if Centre.objects.filter(code="ln").exists():
        if demo_accounts.finished():
            return ""
        return "its people and registrations are in; the sealed bids and the month's end are not"
    if not clock.sandbox_enabled() or not SandboxAnchor.objects.filter(pk=1).exists():
        return ""
    if clock.authority_now() - clock.now() > timedelta(days=1):
        return "it started the sandbox clock a month back and wrote nothing"
    return ""


class Command(BaseCommand):
    help = "Load the demo data through the services and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--parties-only",
            action="store_true",
            help="centres, organisations, users and entrustments only (fast: for tests that need the people)",
        )

    def handle(self, *args: str, **options: object) -> None:
        self.parties_only = bool(options.get("parties_only"))
        self.refuse_a_partial_load()
        # On the sandbox clock the demo writes a month of history, forward from 30 days ago, then
        # brings the clock to the present. Without the sandbox it writes everything now.
        from ggzy.demo import securities

        self.history = History(back=securities.history_back)  # the procurement trade's deadline passes in it
        self.fresh = False
        self.month: MonthOfService | None = None  # the month of service, when `load` wrote the history
        try:
            self.load()
            if self.month is not None:
                self.sealed_bids_and_month_end(self.month)
            self.history.end()
        finally:
            History.running = None  # a run that stopped half-way leaves no history behind for the next
        if self.fresh:  # what must be current when the demo starts: a pending request, a valid code
            demo_accounts.finish()
        if not self.parties_only:
            from ggzy.demo import library

            # on the present clock, the bank's own: the interest both count runs to the same today
            securities.order_refunds()
            # on the present clock: what runs out next week counts from the demo's today (once)
            library.load()
            from ggzy.demo import venues

            venues.load()  # on the present clock: the bookings are for days to come
        self.witness()
        self.report()

    def witness(self) -> None:
        """Bring the history into the witness log, co-signed by the demo's co-signer processes."""
        from ggzy.demo import cosigners
        from ggzy.witness.services import cosign_collect, sth_sign, witness_integrate

        # a fresh load made them already (its custodian sets name them)
        cosigners.ensure(fresh=False, say=self.stdout.write)
        while witness_integrate():
            pass
        sth_sign(force=True)
        with cosigners.running():
            cosign_collect()
            if not self.parties_only:
                from ggzy.demo import draws

                draws.load(self.stdout.write)  # needs the co-signers: its commitments are sealed in heads
                from ggzy.demo import opening

                opening.load(self.stdout.write)  # the halls' K commitments too
                from ggzy.demo import experts

                experts.load(self.stdout.write)  # the draw requests' seeds too

    def later(self, hours: float) -> None:
        self.history.later(hours)

    def refuse_a_partial_load(self) -> None:
        """An earlier run that stopped half-way cannot be finished: say what to do instead."""
        stopped = partial_load()
        if stopped:
            raise CommandError(
                "The demo is loaded only in part: an earlier demo_load stopped before it finished"
                f" ({stopped}). A second run cannot finish it. Start from an empty database: delete"
                f" {settings.VAR_DIR} (the SQLite database and media; with GGZY_DATABASE_URL, empty that"
                " database) and run `make demo` (or `ggzy migrate` and `ggzy demo_load`) again."
            )

    @transaction.atomic
    def load(self) -> None:
        if Centre.objects.filter(code="ln").exists():
            return  # loaded before: idempotent
        self.fresh = True
        centres: dict[str, Centre] = {}
        for code, name, region, parent in CENTRES:
            centres[code] = parties.centre_create(
                actor=None, code=code, name=name, region=region, parent=centres.get(parent or "")
            )
        organisations: dict[str, Organisation] = {}
        for key, name, serial, region, legal, contact in ORGANISATIONS:
            kind = "11" if name.endswith("局") else "91"
            organisations[key] = parties.organisation_register(
                actor=None,
                uscc=uscc(serial, region, kind),
                name=name,
                legal_representative=legal,
                contact_name=contact,
                contact_phone=f"139{serial % 100000000:08d}",
            )
            self.later(2)
        user_model = get_user_model()
        people = [*DEMO_USERS, *MORE_USERS]
        contacts = {o[0]: o[5] for o in ORGANISATIONS}  # each bidder's user is its contact person
        people += [
            (f"bidder-{key}", contacts[key][0], contacts[key][1:], Role.RESPONDER, key) for key in BIDDERS[1:]
        ]
        people += [
            (f"expert{n:02d}", SURNAMES[n % len(SURNAMES)], GIVEN[n % len(GIVEN)], Role.EXPERT, "")
            for n in range(1, 40)
        ]
        for username, family, given, role, scope in people:
            user = user_model.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                last_name=family,
                first_name=given,
                is_staff=role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
            )
            organisation = organisations.get(scope)
            if organisation is not None:
                parties.membership_add(actor=None, user=user, organisation=organisation)
                parties.acting_for_set(user=user, organisation=organisation)
            account_open(
                actor=None,
                user=user,
                roles=frozenset({role}),
                centre=centres.get(scope),
                organisation=organisation,
                region=scope if role == Role.SUPERVISOR else "",
            )
            if role in ADMIN_ROLES_WITH_TOTP:  # enrolled with an enrolment code; the key is printed below
                demo_accounts.enrol(user, demo_accounts.PHONES.get(username, ""))
            self.later(1)
        person_user = user_model.objects.create_user(
            username="wangjianguo", password=DEMO_PASSWORD, last_name="王", first_name="建国"
        )
        first17 = WANG_FIRST17
        parties.person_register(
            actor=None,
            name="王建国",
            id_kind=IdKind.RESIDENT,
            id_number=first17 + resident_id_check_char(first17),
            phone="13700000001",
            user=person_user,
        )
        account_open(actor=None, user=person_user, roles=frozenset({Role.RESPONDER}))  # bids in his own name
        demo_accounts.load(later=self.later)
        self.certificates([*people, *demo_accounts.PEOPLE], organisations)
        from ggzy.demo import cosigners

        # new co-signer keys for a new demo: the custodian sets name the witness trust they make
        cosigners.ensure(fresh=True, say=self.stdout.write)
        for project, initiator, agent, scope in PROJECTS:
            now = clock.now()
            parties.project_role_set(
                actor=None,
                project=project,
                organisation=organisations[initiator],
                role=Role.INITIATOR,
                centre=centres["sy"],
            )
            parties.project_role_set(
                actor=None,
                project=project,
                organisation=organisations[agent],
                role=Role.AGENT,
                centre=centres["sy"],
            )
            parties.entrustment_create(
                actor=None,
                initiator=organisations[initiator],
                agent=organisations[agent],
                project=project,
                scope=scope,
                valid_from=now,
                valid_until=now + timedelta(days=365),
            )
            self.later(24)
        if self.parties_only:
            return
        from ggzy.demo import registrations, service

        # the month of service runs alongside the registrations: its steps run as their clock moves
        self.month = service.Loader(self.later, centres, history=self.history.on)
        self.centres = centres
        from ggzy.demo import securities

        # a procurement trade whose deadline passes in the history: its first steps on the month's schedule
        securities.plan(self.month)
        registrations.load(later=self.month.later, centres=centres, organisations=organisations)
        from ggzy.demo import notices

        notices.load(later=self.month.later)  # on the accepted registrations' tender projects

    def sealed_bids_and_month_end(self, month: MonthOfService) -> None:
        """The sealed bids, then the rest of the month — after `load` committed: receiving and opening a
        bid run transactions of their own and refuse to run inside the loader's (`core.transactions`)."""
        from ggzy.demo import sealing

        # the history clock must stay behind the real now: the opened section's deadline and its opening
        # hall need hours of it (no room: no section is opened)
        sealing.load(later=month.later, travels=self.history.behind(hours=sealing.HISTORY_HOURS))
        from ggzy.demo import notices

        notices.record()  # now the tender notices set the windows of the sections the sealed bids left
        from ggzy.demo import tendering

        tendering.load(later=month.later)  # the tender documents, on the published tender notices
        from ggzy.demo import securities

        securities.load(later=month.later)  # the deposits, on the open tender's documents
        from ggzy.demo import objections

        objections.load(later=month.later)  # on the published notices and the sealed bids
        # the guarantees cover the bid validity from the deadline the objections leave in force
        securities.finish(later=month.later)
        with transaction.atomic():
            month.finish()
            from ggzy.service import indexing

            indexing.index_all()  # the guides were written directly; FAQ and answers are indexed already
            self.self_evaluations(self.centres)
        from ggzy.demo import disclosure

        disclosure.load()  # the months before this one, published as the tick does on its day (6.10.2)

    def self_evaluations(self, centres: dict[str, Centre]) -> None:
        """Each centre's self-evaluation of this month's consultation and registration (12.2.2)."""
        from ggzy.service.services import self_evaluation_record

        user_model = get_user_model()
        today = clock.local_now()
        notes = {
            "consultation": (
                4,
                "网上咨询均在时限内答复；电话咨询高峰时段接通率偏低。",
                "午间增设一名值守人员。",
            ),
            "registration": (5, "登记均在 2 个工作日内办结，一次性告知执行到位。", "继续推行容缺受理。"),
        }
        for code, head in (("ln", "staff"), ("sy", "sy-staff")):
            for service_code, (score, findings, improvements) in notes.items():
                self_evaluation_record(
                    actor=user_model.objects.get(username=head),
                    centre=centres[code],
                    year=today.year,
                    month=today.month,
                    service=service_code,
                    score=score,
                    findings=findings,
                    improvements=improvements,
                )

    def certificates(
        self, people: list[tuple[str, str, str, Role, str]], organisations: dict[str, Organisation]
    ) -> None:
        """Dual certificates from the demo test CAs for every demo user: the organisation's credit code
        for its members, the ID number of a natural person otherwise (each gets one registered)."""
        from ggzy.demo import ca

        if not settings.GGZY_DEMO_CA_DIR:
            return  # no folder for the demo CAs' keys: the demo runs without certificates
        user_model = get_user_model()
        holders: list[tuple[Actor, str, str, bool, int]] = []
        for n, (username, family, given, _role, scope) in enumerate(people, start=1):
            user = user_model.objects.get(username=username)
            organisation = organisations.get(scope)
            if organisation is not None:
                holder_id, name = organisation.uscc, organisation.name
            else:
                first17 = f"210102{1960 + n % 35}{n % 12 + 1:02d}{n % 28 + 1:02d}{n:03d}"
                holder_id, name = first17 + resident_id_check_char(first17), family + given
                parties.person_register(
                    actor=None,
                    name=name,
                    id_kind=IdKind.RESIDENT,
                    id_number=holder_id,
                    phone=f"136{n:08d}",
                    user=user,
                )
            # the demo bidder's encryption certificate runs out in 5 days, another bidder's in 20: warnings
            days = {"bidder": 5, "bidder-hylq": 20}.get(username, 365)
            holders.append((user, name, holder_id, scope == "hxjs", days))
        wang = WANG_FIRST17 + resident_id_check_char(WANG_FIRST17)
        holders.append((user_model.objects.get(username="wangjianguo"), "王建国", wang, False, 365))
        centre = (CENTRES[0][1], uscc(1, CENTRES[0][2], "12"))  # a public institution's credit code
        self.certificate_counts = ca.load(Path(settings.GGZY_DEMO_CA_DIR), holders, centre)

    def report(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        user_model = get_user_model()
        for username, family, given, role, _scope in DEMO_USERS:
            line = f"  {username:<12} {family}{given:<4} {role.label}"
            if role in ADMIN_ROLES_WITH_TOTP:
                line += f"  TOTP key {policy.totp_secret(user_model.objects.get(username=username))}"
            self.stdout.write(line)
        self.stdout.write(
            "Administrators and staff confirm sign-in with a TOTP code: add the key to an authenticator"
        )
        self.stdout.write("app, or print the current code with `.venv/bin/ggzy demo_totp <username>`.")
        self.stdout.write(f"Accounts security: {demo_accounts.summary()}")
        if settings.GGZY_DEMO_CA_DIR:
            from ggzy.demo import ca

            folder = settings.GGZY_DEMO_CA_DIR
            if Path(folder, "users").is_dir():  # a run on another port: its README names this one
                ca.write_readme(Path(folder))
            self.stdout.write(
                "Certificate sign-in (bidders, agents, experts): the demo test CAs issued every user a"
            )
            self.stdout.write(
                f"signing and an encryption certificate; keys are in {folder}/users/<username>/. Start the"
            )
            self.stdout.write(
                "local signing agent, then use 'Sign in with the signing agent' on the sign-in page of"
            )
            self.stdout.write(
                f"{ca.origin()} (`ggzy serve` binds GGZY_PORT; the agent answers only its --origin):"
            )
            self.stdout.write(f"  {ca.agent_command(Path(folder))}")
            self.stdout.write(
                "The centre's electronic seal signs a document: .venv/bin/ggzy document_seal FILE; check it"
            )
            self.stdout.write(
                "offline: .venv/bin/ggzy-verify document FILE FILE.sig.json"
                f" --root {folder}/liaoning/root.cer"
            )
        from ggzy.demo import registrations

        self.stdout.write(f"Project registrations ({registrations.summary()}): /workspace/registrations/")
        from ggzy.demo import notices

        self.stdout.write(f"Notices ({notices.summary()}): /notices/; drafting at /workspace/notices/")
        from ggzy.demo import sealing

        self.stdout.write(f"Sealed bids ({sealing.summary()}): /workspace/bids/ as bidder")
        from ggzy.demo import securities

        self.stdout.write(f"Bid securities ({securities.summary()}): /workspace/securities/")
        from ggzy.demo import venues

        self.stdout.write(f"Venues ({venues.summary()}): /centre/venues/ (staff), /workspace/venues/ (agent)")
        from ggzy.demo import objections

        self.stdout.write(
            f"Objections and pauses ({objections.summary()}): /workspace/objections/, /workspace/procedures/"
        )
        from ggzy.demo import service

        self.stdout.write(
            f"Consultation and service quality ({service.summary()}): /service/, /service/desk/"
        )
        from ggzy.demo import library

        self.stdout.write(
            f"Market-entity libraries ({library.summary()}); `ggzy serve` runs the demo authority that"
            " verifies their entries"
        )
        if clock.sandbox_enabled():
            self.stdout.write(
                f"Sandbox clock: {timezone.localtime(clock.now()):%Y-%m-%d %H:%M} (history from 30 days ago)"
            )
