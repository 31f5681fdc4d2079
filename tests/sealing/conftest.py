"""A registered engineering project of two sections (tests/registry's world), a test CA the centre
accepts, two bidders holding dual certificates and a release key each (kept here, as a bidder's
client would hold them), and the centre's custodian set (format 2: three custodians, 2 of 3) whose
custodians answer in-process (`Held`: the demo's in-process custodians with the test's keys, state
folder and clock — tests/sealing/test_early_opening.py runs real ones as processes). `seal` makes a
ggzy-bid-v2 file as `ggzy-bid seal` would, `register` gets the custodians' acknowledgements as
`ggzy-bid register` would, `receive` does both and uploads."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import Organisation, RoleGrant
from ggzy.certs import services as certs_services
from ggzy.core import clock, keystore
from ggzy.core.roles import Role
from ggzy.demo.custodians import InProcess
from ggzy.registry.models import Section
from ggzy.sealing import services
from ggzy.sealing.models import BidWindow, SealedBid
from ggzy_sm import custodians, sealedbid, witness, x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import make_uscc
from tests.registry.conftest import World, freeze, world  # noqa: F401  (fixtures used here)

DAY = dt.timedelta(days=1)
CA_KEY = Sm2PrivateKey.generate()
CA_NAME = {"common_name": "ggzy 测试 CA"}
SHEET = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 1188000000},
    "duration_days": 300,
    "quality": "合格",
    "project_manager": {"name": "王工", "certificate": "辽221060800123"},
}


@dataclass
class Bidder:
    user: Any
    organisation: Organisation
    sign: Sm2PrivateKey
    enc: Sm2PrivateKey
    sign_cert: bytes
    enc_cert: bytes
    release: Sm2PrivateKey
    serials: list[int] = field(default_factory=list)

    @property
    def release_key(self) -> dict[str, str]:
        """The header's release_key field: the release key bound to the signing certificate."""
        return sealedbid.release_key_bind(self.release.public_key, self.sign, self.sign_cert)


@dataclass
class Stage:
    world: World
    section: Section
    other_section: Section
    deadline: dt.datetime
    bidders: list[Bidder]
    folder: Path
    held: Held

    @property
    def cset(self) -> custodians.SignedCustodianSet:
        return self.held.cset

    def seal(self, bidder: Bidder | None = None, name: str = "bid", **overrides: Any) -> Path:
        """A bid sealed by `bidder` for `section` against the current deadline (overridable)."""
        bidder = bidder or self.bidders[0]
        section = overrides.pop("section", self.section)
        documents = []
        for doc, text in (("技术标.pdf", "technical"), ("商务标.pdf", "commercial")):
            path = self.folder / f"{name}-docs" / doc
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.7 " + f"{name} {text} ".encode() * 2000)
            documents.append(path)
        kwargs: dict[str, Any] = {
            "target": self.folder / f"{name}.ggzybid",
            "binding": sealedbid.Binding(
                tender_project=section.tender_project.code,
                section=section.code,
                bidder=overrides.pop("bidder_id", bidder.organisation.uscc),
                deadline=overrides.pop("deadline", self.deadline),
            ),
            "opening_sheet": overrides.pop("opening_sheet", SHEET),
            "documents": documents,
            "signing_key": bidder.sign,
            "signing_certificate": bidder.sign_cert,
            "release_key": bidder.release_key,
            "custodians": self.cset,
            "machine": {"mac": "00:16:3e:00:00:01", "cpu": "BFEBFBFF000906EA"},
        }
        kwargs.update(overrides)
        sealedbid.seal(**kwargs)
        return Path(kwargs["target"])

    def register(self, path: Path, custodians_: list[int] | None = None) -> list[dict[str, Any]]:
        """`ggzy-bid register`: the acknowledgements of the custodians asked (all by default) of the
        bid's ciphertext, with the section's notices sent along."""
        header = sealedbid.read(path).header
        section = header["section"]
        window = BidWindow.objects.filter(section_code=section).first()
        request = custodians.ack_request_make(header, list(window.notices) if window else [])
        acks = []
        for custodian in self.cset.custodians:
            if custodians_ is None or custodian.index in custodians_:
                acks.append(self.held.ack(custodian, request))
        return acks

    def receive(
        self, bidder: Bidder | None = None, name: str = "bid", section: Section | None = None, **seal: Any
    ) -> SealedBid:
        """Seal, register and upload a bid (the bidder's own section unless `section`)."""
        bidder = bidder or self.bidders[0]
        path = self.seal(bidder, name, **seal)
        return services.bid_receive(
            actor=bidder.user,
            section=section or self.section,
            path=path,
            acknowledgements=self.register(path),
        )

    def release(self, bid: SealedBid, bidder: Bidder | None = None) -> dict[str, Any]:
        """The bidder's release of its stored bid (its release key unwraps the DEK)."""
        from django.conf import settings

        bidder = bidder or next(b for b in self.bidders if b.organisation == bid.organisation)
        stored = sealedbid.read(Path(settings.MEDIA_ROOT) / bid.file)
        return sealedbid.release(stored, bidder.release, bidder.sign)


_serial = [1000]


def certificate(holder: str, key: Sm2PrivateKey, usage: x509.Usage, *, days: int = 365) -> bytes:
    _serial[0] += 1
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        subject={"common_name": "投标人", "serial_number": holder},
        public_key=key.public_key,
        serial=_serial[0],
        not_before=now - 400 * DAY,
        not_after=now + days * DAY,
        usage=usage,
    )


def root() -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY, issuer=CA_NAME, subject=CA_NAME, public_key=CA_KEY.public_key, serial=1,
        not_before=now - 400 * DAY, not_after=now + 3650 * DAY, usage="ca",
    )  # fmt: skip


def make_bidder(username: str, name: str) -> Bidder:
    user = get_user_model().objects.create_user(username=username)
    organisation = parties.organisation_register(
        actor=None, uscc=make_uscc(), name=name, legal_representative="陈", contact_name="陈",
        contact_phone="13900000009",
    )  # fmt: skip
    parties.membership_add(actor=None, user=user, organisation=organisation)
    RoleGrant.objects.create(
        user=user, role=Role.RESPONDER, organisation=organisation, granted_at=clock.now()
    )
    sign, enc = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    sign_cert = certificate(organisation.uscc, sign, "signing")
    enc_cert = certificate(organisation.uscc, enc, "encryption")
    certs_services.certificate_bind(actor=user, user=user, der=sign_cert, usage="signing")
    certs_services.certificate_bind(actor=user, user=user, der=enc_cert, usage="encryption")
    return Bidder(user, organisation, sign, enc, sign_cert, enc_cert, Sm2PrivateKey.generate())


#: the custodians the configured transport reaches in a test (GGZY_CUSTODIAN_TRANSPORT names this)
TRANSPORT: Any = None


@pytest.fixture
def stage(
    world: World,  # noqa: F811  (the fixture)
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> Stage:
    return make_stage(world, tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks)


def make_stage(
    world: World,  # noqa: F811  (the fixture's name)
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> Stage:
    """The stage of the `stage` fixture, for a test that builds more than one."""
    registration = world.file()
    sections = list(Section.objects.filter(tender_project__project=registration.project).order_by("code"))
    certs_services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    bidders = [make_bidder("bidder-a", "天成建设有限公司"), make_bidder("bidder-b", "北方路桥有限公司")]
    held = held_custodians(world.centre.code, tmp_path / "custodians")
    monkeypatch.setattr(sys.modules[__name__], "TRANSPORT", held)
    settings.GGZY_CUSTODIAN_TRANSPORT = f"{__name__}.TRANSPORT"
    services.custodian_set_publish(actor=None, centre=world.centre, signed=held.signed)
    deadline = (clock.now() + 20 * DAY).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):  # the notices reach the custodians
        services.window_set(actor=world.agent_user, section=sections[0], deadline=deadline)
        services.window_set(actor=world.agent_user, section=sections[1], deadline=deadline)
    folder = tmp_path / "bidder"
    folder.mkdir()
    return Stage(world, sections[0], sections[1], deadline, bidders, folder, held)


# --- key custodians (sealed bids II) -------------------------------------------------------------------


@dataclass
class Member:
    name: str
    sign: Sm2PrivateKey
    enc: Sm2PrivateKey
    sign_cert: bytes
    enc_cert: bytes


def member(name: str) -> Member:
    from ggzy_sm import custodians

    sign, enc = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    now = clock.authority_now()
    sign_cert, enc_cert = custodians.member_certificates(
        signing=sign, encryption=enc, name=name, not_before=now - 400 * DAY, not_after=now + 3650 * DAY
    )
    return Member(name, sign, enc, sign_cert, enc_cert)


CUSTODIAN_NAMES = ("沈阳市公共资源交易中心", "沈阳市发展和改革委员会", "沈阳市沈阳公证处")


def witness_pins() -> witness.WitnessTrust:
    """The platform's log key and a co-signer's: what a set pins of the witness log."""
    return witness.WitnessTrust(
        operator_keys=(keystore.signing_key()[1].public_key,),
        cosigners=(("测试见证方", Sm2PrivateKey.generate().public_key),),
        threshold=1,
    )


def signed_set(
    centre: str,
    custodians_: list[Member],
    supervisor: Member,
    k: int = 2,
    demo: bool = False,
    *,
    notice_keys: list[tuple[Any, dt.datetime, dt.datetime | None]] | None = None,
    opening_key: Any = None,
    witness_trust: witness.WitnessTrust | None = None,
    version: int = 1,
) -> dict:
    """A set v2 signed by every member and the supervisor; by default naming the platform's current
    notice key (valid from long ago), its opening key and its log key."""
    body = custodians.set_body(
        centre=centre,
        k=k,
        custodians=[
            (m.name, f"http://127.0.0.1:{9000 + i}", m.sign_cert, m.enc_cert)
            for i, m in enumerate(custodians_)
        ],
        supervisor=(supervisor.name, supervisor.sign_cert),
        demo=demo,
        notice_keys=notice_keys
        if notice_keys is not None
        else [(keystore.notice_keys()[0][1].public_key, clock.now() - 400 * DAY, None)],
        opening_key=opening_key or keystore.opening_keys()[0].public_key,
        witness_trust=witness_trust or witness_pins(),
        version=version,
    )
    signatures = {str(i): custodians.set_sign(body, m.sign) for i, m in enumerate(custodians_, start=1)}
    signatures["supervisor"] = custodians.set_sign(body, supervisor.sign)
    return {"body": body, "signatures": signatures}


class Held(InProcess):
    """The test's custodians: the demo's in-process custodians with the test's keys, a state folder
    of their own and a clock of their own (the platform's by default; `fixed` sets every custodian's,
    `clocks` one custodian's). `down` custodians cannot be reached (OSError); `spoil[index]` changes
    that custodian's share answers; `asked` lists the share requests' custodians in order."""

    def __init__(self, members: list[Member], supervisor: Member, signed: dict[str, Any], folder: Path):
        self.members, self.supervisor, self.signed, self.folder = members, supervisor, signed, folder
        self.cset = custodians.set_verify(signed)
        self.fixed: dt.datetime | None = None
        self.clocks: dict[int, dt.datetime] = {}
        self.down: set[int] = set()
        self.spoil: dict[int, Any] = {}
        self.asked: list[int] = []

    def sets(self) -> list[custodians.SignedCustodianSet]:
        return [self.cset]

    def keys(self, cset: custodians.SignedCustodianSet, index: int) -> tuple[Sm2PrivateKey, Sm2PrivateKey]:
        own = self.members[index - 1]
        return own.sign, own.enc

    def state_file(self, cset: custodians.SignedCustodianSet, index: int) -> Path:
        return self.folder / str(index) / "state.json"

    def now(self, index: int) -> dt.datetime:
        return self.clocks.get(index) or self.fixed or clock.now()

    def trust(self) -> custodians.Trust:
        return custodians.Trust(roots=[root()], intermediates=[], crls=[])

    def _set(self, custodian: custodians.Custodian) -> custodians.SignedCustodianSet:
        if custodian.index in self.down:
            raise OSError(f"custodian {custodian.index} cannot be reached")
        return super()._set(custodian)

    def share(self, custodian: custodians.Custodian, request: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(custodian.index)
        answer = super().share(custodian, request)
        spoil = self.spoil.get(custodian.index)
        return spoil(answer, self.members[custodian.index - 1]) if spoil else answer

    def held_notices(self, index: int) -> list[dict[str, Any]]:
        return list(self._state(self.cset, index)["notices"])


def held_custodians(centre: str, folder: Path, k: int = 2) -> Held:
    members = [member(name) for name in CUSTODIAN_NAMES]
    supervisor = member("沈阳市住房和城乡建设局")
    return Held(members, supervisor, signed_set(centre, members, supervisor, k), folder)
