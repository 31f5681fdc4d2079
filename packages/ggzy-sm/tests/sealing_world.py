"""The sealed-bid and custodian tests' shared world (a unique module name: the suite has other helper
modules), built once: six would-be custodians with self-issued certificates, a supervising department,
the operator's own keys, the platform's notice and opening keys and the witness pins, the 2-of-3
custodian set v2 they sign, a test CA and a bidder with its signing certificate and bound release key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ggzy_sm import custodians, sealedbid, x509
from ggzy_sm.custodians import SignedCustodianSet, Trust
from ggzy_sm.sealedbid import Binding
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessTrust

DEADLINE = dt.datetime(2026, 12, 20, 1, 30, tzinfo=dt.UTC)
SECOND, MINUTE, HOUR = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)
TENDER_PROJECT = "A2101002026000001001"
SECTION = "A2101002026000001001001"
BIDDER_CODE = "91210100730000017Q"
BINDING = Binding(tender_project=TENDER_PROJECT, section=SECTION, bidder=BIDDER_CODE, deadline=DEADLINE)
SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 100}}
VALID = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
ISSUED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # when the notices below were issued


def certificate(key: Sm2PrivateKey, name: str, usage: x509.Usage) -> bytes:
    """A self-issued certificate: the set carries keys, not a CA's word."""
    return x509.issue(
        issuer_key=key, issuer={"common_name": name}, subject={"common_name": name},
        public_key=key.public_key, serial=int.from_bytes(key.public_key.point[1:9], "big"),
        not_before=VALID[0], not_after=VALID[1], usage=usage,
    )  # fmt: skip


@dataclass(frozen=True)
class Member:
    name: str
    signing: Sm2PrivateKey
    encryption: Sm2PrivateKey
    signing_der: bytes
    encryption_der: bytes


def member(name: str) -> Member:
    signing, encryption = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    return Member(
        name,
        signing,
        encryption,
        certificate(signing, name, "signing"),
        certificate(encryption, name, "encryption"),
    )


MEMBERS = [member(f"托管方 {i}") for i in range(1, 7)]  # the first three form the set; six for round trips
SUPERVISOR = member("沈阳市公共资源交易监督管理办公室")
OPERATOR = member("平台运营方")  # holds keys of its own, none of the custodians'
OPENING, NOTICE = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()  # the platform's opening and notice keys
WITNESS = WitnessTrust(
    operator_keys=(Sm2PrivateKey.generate().public_key,),
    cosigners=(
        ("见证方 1", Sm2PrivateKey.generate().public_key),
        ("见证方 2", Sm2PrivateKey.generate().public_key),
    ),
    threshold=2,
)
NOTICE_KEYS = [(NOTICE.public_key, VALID[0], None)]


def body_of(
    members: list[Member],
    *,
    k: int = 2,
    supervisor: Member = SUPERVISOR,
    demo: bool = False,
    notice_keys: list[Any] | None = None,
    version: int = 1,
) -> dict[str, Any]:
    return custodians.set_body(
        centre="210100",
        k=k,
        custodians=[
            (m.name, f"https://custodian{i}.example.cn", m.signing_der, m.encryption_der)
            for i, m in enumerate(members, start=1)
        ],
        supervisor=(supervisor.name, supervisor.signing_der),
        demo=demo,
        notice_keys=NOTICE_KEYS if notice_keys is None else notice_keys,
        opening_key=OPENING.public_key,
        witness_trust=WITNESS,
        version=version,
    )


def signed_by(body: dict[str, Any], members: list[Member], supervisor: Member = SUPERVISOR) -> dict[str, Any]:
    signatures = {str(i): custodians.set_sign(body, m.signing) for i, m in enumerate(members, start=1)}
    return {
        "body": body,
        "signatures": {**signatures, "supervisor": custodians.set_sign(body, supervisor.signing)},
    }


SIGNED = signed_by(body_of(MEMBERS[:3]), MEMBERS[:3])
CSET = custodians.set_verify(SIGNED)

CA = Sm2PrivateKey.generate()
CA_DER = certificate(CA, "Test CA", "ca")
TRUST = Trust(roots=[CA_DER], intermediates=[], crls=[])


@dataclass(frozen=True)
class Bidder:
    signing: Sm2PrivateKey
    release: Sm2PrivateKey
    signing_der: bytes
    release_key: dict[str, str]  # the header's field: the release key and its binding


def bidder(not_after: dt.datetime = VALID[1], code: str = BIDDER_CODE) -> Bidder:
    signing, release = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    der = x509.issue(
        issuer_key=CA, issuer={"common_name": "Test CA"},
        subject={"common_name": "天成建设", "serial_number": code}, public_key=signing.public_key, serial=2,
        not_before=VALID[0], not_after=not_after, usage="signing",
    )  # fmt: skip
    return Bidder(signing, release, der, sealedbid.release_key_bind(release.public_key, signing, der))


BIDDER = bidder()


def seal(
    folder: Path,
    *,
    who: Bidder = BIDDER,
    cset: SignedCustodianSet = CSET,
    binding: Binding = BINDING,
    name: str = "b",
    documents: list[Path] | None = None,
    **options: Any,
) -> sealedbid.BidFile:
    """A bid sealed into folder/name.ggzybid (one small document unless `documents` are given)."""
    if documents is None:
        doc = folder / "a.pdf"
        doc.write_bytes(b"%PDF-1.7 custodians")
        documents = [doc]
    sealedbid.seal(
        target=folder / f"{name}.ggzybid", binding=binding, opening_sheet=options.pop("opening_sheet", SHEET),
        documents=documents, signing_key=who.signing, signing_certificate=who.signing_der,
        release_key=who.release_key, custodians=cset, **options,
    )  # fmt: skip
    return sealedbid.read(folder / f"{name}.ggzybid")


def notice(
    opening_at: dt.datetime,
    *,
    key: Sm2PrivateKey = NOTICE,
    section: str = SECTION,
    deadline: dt.datetime | None = None,
    issued_at: dt.datetime = ISSUED,
    cset: SignedCustodianSet = CSET,
    transitions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A notice of the section's deadline (the opening time, unless given) and opening time."""
    return custodians.notice_make(
        key, cset.fingerprint, section, deadline or opening_at, opening_at, issued_at, transitions or ()
    )
