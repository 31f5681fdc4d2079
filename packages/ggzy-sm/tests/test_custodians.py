"""Key custodians (docs/sealed-bid-format.md §8): the signed set, splitting, answering by the custodian's
own clock, checking answers and combining — and every refusal, with its reason."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from Crypto.Protocol import SecretSharing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy_sm import canonical, custodians, sealedbid, x509
from ggzy_sm.custodians import CustodianError, CustodianSet, Trust
from ggzy_sm.errors import IntegrityError
from ggzy_sm.sealedbid import Binding
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3

DEADLINE = dt.datetime(2026, 12, 20, 1, 30, tzinfo=dt.UTC)
SECOND, HOUR = dt.timedelta(seconds=1), dt.timedelta(hours=1)
SECTION = "A2101002026000001001001"
BINDING = Binding(
    tender_project="A2101002026000001001", section=SECTION, bidder="91210100730000017Q", deadline=DEADLINE
)
SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 100}}
VALID = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))


@dataclass(frozen=True)
class Member:
    name: str
    signing: Sm2PrivateKey
    encryption: Sm2PrivateKey
    signing_der: bytes
    encryption_der: bytes


def certificate(key: Sm2PrivateKey, name: str, usage: x509.Usage) -> bytes:
    """A self-issued certificate: the set carries keys, not a CA's word."""
    return x509.issue(
        issuer_key=key, issuer={"common_name": name}, subject={"common_name": name},
        public_key=key.public_key, serial=int.from_bytes(key.public_key.point[1:9], "big"),
        not_before=VALID[0], not_after=VALID[1], usage=usage,
    )  # fmt: skip


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
PLATFORM, NOTICE = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()  # the opening key, the notice key


def body_of(
    members: list[Member], k: int = 2, supervisor: Member = SUPERVISOR, demo: bool = False
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
    )


def signed_by(body: dict[str, Any], members: list[Member], supervisor: Member = SUPERVISOR) -> dict[str, Any]:
    signatures = {str(i): custodians.set_sign(body, m.signing) for i, m in enumerate(members, start=1)}
    return {
        "body": body,
        "signatures": {**signatures, "supervisor": custodians.set_sign(body, supervisor.signing)},
    }


SIGNED = signed_by(body_of(MEMBERS[:3]), MEMBERS[:3])
CSET = custodians.set_verify(SIGNED)


def refused(reason: str, call: Any, *args: Any, **kwargs: Any) -> CustodianError:
    with pytest.raises(CustodianError) as caught:
        call(*args, **kwargs)
    assert caught.value.reason == reason, caught.value
    return caught.value


# --- the custodian set ---------------------------------------------------------------------------------


def test_a_fully_signed_set_is_accepted() -> None:
    cset = custodians.set_verify(SIGNED, pins=[CSET.fingerprint])
    assert (cset.centre, cset.k, cset.n, cset.demo) == ("210100", 2, 3, False)
    assert (
        cset.fingerprint
        == sm3(canonical.dumps(SIGNED["body"])).hex()
        == custodians.set_fingerprint(cset.body)
    )
    assert [c.index for c in cset.custodians] == [1, 2, 3]
    assert cset.custodian(2).fingerprint == sm3(MEMBERS[1].encryption_der).hex()
    assert cset.custodian(3).signing.public_key == MEMBERS[2].signing.public_key
    assert cset.supervisor.public_key == SUPERVISOR.signing.public_key
    refused("not_custodian", cset.custodian, 4)


@pytest.mark.parametrize("missing", ["1", "2", "3", "supervisor"])
def test_a_set_missing_a_signature_is_unsigned(missing: str) -> None:
    signatures = {k: v for k, v in SIGNED["signatures"].items() if k != missing}
    error = refused("unsigned", custodians.set_verify, {"body": SIGNED["body"], "signatures": signatures})
    assert error.detail["member"] == missing


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body["custodians"][0].update(url="https://evil.example.cn"),
        lambda body: body.update(k=3),
        lambda body: body.update(centre="210200"),
        lambda body: body["supervisor"].update(name="某部门"),
    ],
)
def test_a_body_changed_after_signing_is_refused(change: Any) -> None:
    changed = copy.deepcopy(SIGNED)
    change(changed["body"])
    refused("signature", custodians.set_verify, changed)


def test_a_signature_for_another_purpose_or_by_another_key_is_refused() -> None:
    body = SIGNED["body"]
    other_purpose = {**SIGNED["signatures"], "2": MEMBERS[1].signing.sign("ggzy-test-v1", body).hex()}
    assert refused("signature", custodians.set_verify, {**SIGNED, "signatures": other_purpose}).detail == {
        "member": "2"
    }
    swapped = {**SIGNED["signatures"], "supervisor": SIGNED["signatures"]["1"]}
    refused("signature", custodians.set_verify, {**SIGNED, "signatures": swapped})
    refused("signature", custodians.set_verify, {**SIGNED, "signatures": {**SIGNED["signatures"], "3": "zz"}})


def forged_set() -> tuple[dict[str, Any], Member]:
    """The operator replaces custodian 2's certificates with its own and signs in its place."""
    impostor = member("托管方 2")
    body = body_of([MEMBERS[0], impostor, MEMBERS[2]])
    signatures = {**SIGNED["signatures"], "2": custodians.set_sign(body, impostor.signing)}
    return {"body": body, "signatures": signatures}, impostor


def test_an_operator_forged_custodian_is_refused() -> None:
    forged, impostor = forged_set()
    assert refused("signature", custodians.set_verify, forged).detail["member"] == "1"  # not what 1 signed
    only_the_impostor = {"body": forged["body"], "signatures": {"2": forged["signatures"]["2"]}}
    refused("unsigned", custodians.set_verify, only_the_impostor)
    # Signed by the impostor "in the name of" every member: still refused — each member's own key is checked.
    everyone = {
        k: custodians.set_sign(forged["body"], impostor.signing) for k in ("1", "2", "3", "supervisor")
    }
    refused("signature", custodians.set_verify, {"body": forged["body"], "signatures": everyone})


def test_a_whole_set_of_operator_keys_verifies_only_without_a_pin() -> None:
    """Signatures show that the members signed; only the pin (or the client's known sets) shows that
    they are the centre's real custodians. An operator who replaced every member is caught there."""
    puppets = [member(f"傀儡 {i}") for i in range(3)]
    puppet_supervisor = member("傀儡监督")
    fake = signed_by(body_of(puppets, supervisor=puppet_supervisor), puppets, puppet_supervisor)
    assert custodians.set_verify(fake).fingerprint != CSET.fingerprint
    error = refused("pin", custodians.set_verify, fake, pins=[CSET.fingerprint])
    assert error.detail["fingerprint"] == custodians.set_fingerprint(fake["body"])


def test_pins() -> None:
    assert custodians.set_verify(SIGNED, pins=[CSET.fingerprint.upper(), "00" * 32]) == CSET
    assert custodians.set_verify(SIGNED, pins=f" {CSET.fingerprint} ") == CSET  # one pin as a string
    assert custodians.set_verify(SIGNED, pins=()) == CSET  # no pin: the signatures only
    refused("pin", custodians.set_verify, SIGNED, pins=["00" * 32])
    refused("pin", custodians.set_verify, SIGNED, pins=[CSET.fingerprint[:-1] + "0"])


@pytest.mark.parametrize(
    ("members", "k"),
    [(MEMBERS[:3], 4), (MEMBERS[:3], 1), (MEMBERS[:3], 0), (MEMBERS[:1], 1), (MEMBERS[:2], 3)],
)
def test_k_must_be_at_least_2_and_at_most_n(members: list[Member], k: int) -> None:
    body = body_of(members, k=k)
    refused("malformed", custodians.set_verify, signed_by(body, members))


def test_more_than_16_custodians_are_refused() -> None:
    body = body_of(MEMBERS[:3])
    body["custodians"] = [{**body["custodians"][0], "index": i} for i in range(1, 18)]
    body["n"] = 17
    refused("malformed", custodians.set_verify, {"body": body, "signatures": {}})


def with_certificates(index: int, signing: bytes | None = None, encryption: bytes | None = None) -> dict:
    body = copy.deepcopy(SIGNED["body"])
    entry = body["custodians"][index - 1]
    if signing is not None:
        entry["signing_certificate"] = base64.b64encode(signing).decode()
    if encryption is not None:
        entry["encryption_certificate"] = base64.b64encode(encryption).decode()
    return signed_by(body, MEMBERS[:3])


@pytest.mark.parametrize(
    "signed",
    [
        with_certificates(2, signing=MEMBERS[0].signing_der),  # two custodians, one signing key
        with_certificates(2, encryption=MEMBERS[0].encryption_der),  # … one encryption key
        with_certificates(2, encryption=certificate(MEMBERS[1].signing, "x", "encryption")),  # own key twice
        signed_by(body_of(MEMBERS[:3], supervisor=MEMBERS[0]), MEMBERS[:3], MEMBERS[0]),  # supervisor = 1
    ],
)
def test_duplicated_keys_are_refused(signed: dict[str, Any]) -> None:
    assert "keys of its own" in str(refused("malformed", custodians.set_verify, signed))


def test_a_signing_certificate_where_the_encryption_one_belongs_is_refused() -> None:
    error = refused(
        "malformed", custodians.set_verify, with_certificates(2, encryption=MEMBERS[1].signing_der)
    )
    assert "not for encryption" in str(error)
    error = refused(
        "malformed", custodians.set_verify, with_certificates(2, signing=MEMBERS[1].encryption_der)
    )
    assert "not for signing" in str(error)
    ca = certificate(MEMBERS[1].encryption, "CA", "ca")  # a CA certificate is no custodian's either
    refused("malformed", custodians.set_verify, with_certificates(2, encryption=ca))


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b.update(extra=1),
        lambda b: b.pop("demo"),
        lambda b: b.update(k="2"),
        lambda b: b.update(k=True),
        lambda b: b.update(demo="false"),
        lambda b: b.update(version=0),
        lambda b: b.update(centre=""),
        lambda b: b.update(format="ggzy-custodian-set-v2"),
        lambda b: b.update(custodians={"1": b["custodians"][0]}),
        lambda b: b["custodians"].reverse(),  # numbered 3, 2, 1
        lambda b: b["custodians"][1].update(index=5),
        lambda b: b["custodians"][1].pop("url"),
        lambda b: b["custodians"][1].update(name=7),
        lambda b: b["custodians"][1].update(signing_certificate="not base64!"),
        lambda b: b["custodians"][1].update(signing_certificate=base64.b64encode(b"not DER").decode()),
        lambda b: b["supervisor"].update(extra=1),
        lambda b: b.update(n=4),
    ],
)
def test_a_malformed_body_is_refused_even_when_signed(damage: Any) -> None:
    body = copy.deepcopy(SIGNED["body"])
    damage(body)
    refused("malformed", custodians.set_verify, signed_by(body, MEMBERS[:3]))


@pytest.mark.parametrize("signed", [None, [], {"body": SIGNED["body"]}, {"body": [], "signatures": {}}, "x"])
def test_a_signed_set_is_body_and_signatures(signed: Any) -> None:
    refused("malformed", custodians.set_verify, signed)


# --- sealing and splitting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bidder:
    signing: Sm2PrivateKey
    encryption: Sm2PrivateKey
    signing_der: bytes


CA = Sm2PrivateKey.generate()
CA_DER = certificate(CA, "Test CA", "ca")
TRUST = Trust(roots=[CA_DER], intermediates=[], crls=[])


def bidder(not_after: dt.datetime = VALID[1], code: str = "91210100730000017Q") -> Bidder:
    signing = Sm2PrivateKey.generate()
    der = x509.issue(
        issuer_key=CA, issuer={"common_name": "Test CA"},
        subject={"common_name": "天成建设", "serial_number": code}, public_key=signing.public_key, serial=2,
        not_before=VALID[0], not_after=not_after, usage="signing",
    )  # fmt: skip
    return Bidder(signing, Sm2PrivateKey.generate(), der)


BIDDER = bidder()


def seal(
    folder: Path,
    who: Bidder = BIDDER,
    cset: CustodianSet | None = CSET,
    binding: Binding = BINDING,
    name: str = "b",
) -> sealedbid.SealedBid:
    doc = folder / "a.pdf"
    doc.write_bytes(b"%PDF-1.7 custodians")
    sealedbid.seal(
        target=folder / f"{name}.ggzybid", binding=binding, opening_sheet=SHEET, documents=[doc],
        signing_key=who.signing, signing_certificate=who.signing_der, encryption_certificate=b"E",
        encryption_key=who.encryption.public_key, custodians=cset,
    )  # fmt: skip
    return sealedbid.read(folder / f"{name}.ggzybid")


@pytest.fixture(scope="module")
def bid(tmp_path_factory: pytest.TempPathFactory) -> sealedbid.SealedBid:
    return seal(tmp_path_factory.mktemp("bid"))


def dek_of(bid: sealedbid.SealedBid, who: Bidder = BIDDER) -> bytes:
    return sealedbid.unwrap(bid, who.encryption)


def test_split_encrypts_share_i_to_custodian_i_only(bid: sealedbid.SealedBid) -> None:
    envelope = bid.header["custodians"]
    assert envelope["format"] == "ggzy-custodians-v1"
    assert (envelope["set"], envelope["k"], envelope["n"]) == (CSET.fingerprint, 2, 3)
    assert [(s["index"], s["custodian"]) for s in envelope["shares"]] == [
        (c.index, c.fingerprint) for c in CSET.custodians
    ]
    binding = custodians.binding_of(bid.header)
    shares = {}
    for i, m in enumerate(MEMBERS[:3], start=1):
        for j, entry in enumerate(envelope["shares"], start=1):
            wrapped = bytes.fromhex(entry["wrapped"])
            if i != j:
                with pytest.raises(IntegrityError):
                    m.encryption.decrypt(wrapped)
                continue
            plaintext = m.encryption.decrypt(wrapped)
            share = bytes.fromhex(json.loads(plaintext)["share"])
            assert plaintext == custodians.share_plaintext(i, share, binding)
            assert len(plaintext) <= 255
            shares[i] = share
        with pytest.raises(IntegrityError):  # nor can the bidder's encryption key or the signing keys
            BIDDER.encryption.decrypt(bytes.fromhex(envelope["shares"][i - 1]["wrapped"]))
    dek = dek_of(bid)
    assert len(set(shares.values())) == 3
    assert dek not in shares.values()
    for pair in ((1, 2), (1, 3), (2, 3)):
        assert custodians.combine({i: shares[i] for i in pair}, 2, lambda key: key == dek) == (dek, [])


def test_the_bidder_signs_the_envelope(bid: sealedbid.SealedBid) -> None:
    sealedbid.verify(bid, BIDDER.signing.public_key)
    unsigned = {k: v for k, v in bid.header.items() if k != "signature"}
    unsigned["custodians"] = {**unsigned["custodians"], "k": 3}
    with pytest.raises(IntegrityError):
        BIDDER.signing.public_key.verify("ggzy-bid-v1", unsigned, bytes.fromhex(bid.header["signature"]))


def test_split_refuses_a_wrong_key_or_binding(bid: sealedbid.SealedBid) -> None:
    binding = custodians.binding_of(bid.header)
    refused("malformed", custodians.split, b"\x00" * 15, CSET, binding)
    refused("malformed", custodians.split, b"\x00" * 32, CSET, binding)
    refused("malformed", custodians.split, b"\x00" * 16, CSET, {**binding, "tool": "x"})
    refused(
        "malformed", custodians.split, b"\x00" * 16, CSET, {k: v for k, v in binding.items() if k != "bidder"}
    )
    refused("malformed", custodians.split, b"\x00" * 16, CSET, {**binding, "deadline": 1.5})


# --- answering -----------------------------------------------------------------------------------------


def ask(
    bid_or_header: sealedbid.SealedBid | dict[str, Any],
    index: int,
    *,
    now: dt.datetime,
    notices: list[dict[str, Any]] | None = None,
    request: dict[str, Any] | None = None,
    trust: Trust = TRUST,
    notice_key: Any = NOTICE.public_key,
) -> dict[str, Any]:
    header = bid_or_header if isinstance(bid_or_header, dict) else bid_or_header.header
    request = request or custodians.request_make(header, index, notices or [])
    m = MEMBERS[index - 1]
    return custodians.answer(
        request, cset=CSET, index=index, encryption_key=m.encryption, signing_key=m.signing,
        platform_key=PLATFORM.public_key, notice_key=notice_key, trust=trust, now=now,
    )  # fmt: skip


def test_request_make() -> None:
    header = {"section": SECTION}
    first, second = custodians.request_make(header, 2, []), custodians.request_make(header, 2, [])
    assert first["format"] == "ggzy-share-request-v1"
    assert (first["header"], first["index"], first["notices"]) == (header, 2, [])
    assert len(first["nonce"]) == 32
    assert first["nonce"] != second["nonce"]


@pytest.mark.parametrize("index", [1, 2, 3])
def test_each_custodian_refuses_before_the_deadline_and_answers_from_it(
    bid: sealedbid.SealedBid, index: int
) -> None:
    error = refused("too_early", ask, bid, index, now=DEADLINE - SECOND)
    assert error.detail["release_at"] == DEADLINE
    assert "2026-12-20T01:30:00.000000Z" in str(error)
    request = custodians.request_make(bid.header, index, [])
    answer = ask(bid, index, now=DEADLINE, request=request)  # from the deadline on, by its own clock
    assert answer["payload"]["nonce"] == request["nonce"]
    assert answer["payload"]["index"] == index
    share = custodians.answer_check(answer, cset=CSET, request=request, opening_key=PLATFORM)
    envelope_share = MEMBERS[index - 1].encryption.decrypt(
        bytes.fromhex(bid.header["custodians"]["shares"][index - 1]["wrapped"])
    )
    assert share.hex() == json.loads(envelope_share)["share"]


def test_the_whole_path_opens_the_bid(bid: sealedbid.SealedBid, tmp_path: Path) -> None:
    shares = {}
    for index in (3, 1):
        request = custodians.request_make(bid.header, index, [])
        shares[index] = custodians.answer_check(
            ask(bid, index, now=DEADLINE + HOUR, request=request),
            cset=CSET,
            request=request,
            opening_key=PLATFORM,
        )
    dek, bad = custodians.combine(shares, CSET.k, lambda key: key == dek_of(bid))
    assert bad == []
    sealedbid.check_commitment(bid, dek)
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "out")
    assert "documents/a.pdf" in manifest["documents"]


def notice(opening_at: dt.datetime, key: Sm2PrivateKey = NOTICE, section: str = SECTION) -> dict[str, Any]:
    return custodians.notice_make(section=section, opening_at=opening_at, key=key)


def test_a_signed_notice_postpones_the_release(bid: sealedbid.SealedBid) -> None:
    later = DEADLINE + 2 * HOUR
    notices = [notice(DEADLINE + HOUR), notice(later)]
    assert notices[1]["payload"] == {
        "format": "ggzy-deadline-v1",
        "section": SECTION,
        "opening_at": "2026-12-20T03:30:00.000000Z",
    }
    assert custodians.release_at(bid.header, notices, NOTICE.public_key) == later
    error = refused("too_early", ask, bid, 2, now=DEADLINE + HOUR, notices=notices)
    assert error.detail["release_at"] == later
    refused("too_early", ask, bid, 2, now=later - SECOND, notices=list(reversed(notices)))
    ask(bid, 2, now=later, notices=notices)


@pytest.mark.parametrize(
    "ignored",
    [
        notice(DEADLINE + 5 * HOUR, key=OPERATOR.signing),  # signed by another key
        notice(DEADLINE + 5 * HOUR, section="A2101002026000001001002"),  # for another section
        {**notice(DEADLINE + 5 * HOUR), "signature": "00" * 64},
        {"payload": {**notice(DEADLINE)["payload"], "opening_at": "2026-12-20T09:00:00"}, "signature": ""},
        "not a notice",
    ],
)
def test_a_notice_by_another_key_or_for_another_section_is_ignored(
    bid: sealedbid.SealedBid, ignored: Any
) -> None:
    assert custodians.release_at(bid.header, [ignored], NOTICE.public_key) == DEADLINE
    ask(bid, 1, now=DEADLINE, notices=[ignored])


def test_a_naive_or_foreign_notice_signed_by_the_key_is_ignored(bid: sealedbid.SealedBid) -> None:
    naive = {"format": "ggzy-deadline-v1", "section": SECTION, "opening_at": "2026-12-21T00:00:00"}
    other_format = {**naive, "format": "ggzy-other-v1", "opening_at": "2026-12-21T00:00:00.000000Z"}
    for payload in (naive, other_format):
        signed = {"payload": payload, "signature": NOTICE.sign("ggzy-deadline-v1", payload).hex()}
        assert custodians.release_at(bid.header, [signed], NOTICE.public_key) == DEADLINE


def test_a_notice_can_only_postpone(bid: sealedbid.SealedBid) -> None:
    earlier = [notice(DEADLINE - 24 * HOUR)]
    assert custodians.release_at(bid.header, earlier, NOTICE.public_key) == DEADLINE
    refused("too_early", ask, bid, 3, now=DEADLINE - SECOND, notices=earlier)


def test_without_a_notice_key_notices_are_ignored(bid: sealedbid.SealedBid) -> None:
    assert custodians.release_at(bid.header, [notice(DEADLINE + HOUR)], None) == DEADLINE
    ask(bid, 3, now=DEADLINE, notices=[notice(DEADLINE + HOUR)], notice_key=None)


def resigned(header: dict[str, Any], who: Bidder, **changes: Any) -> dict[str, Any]:
    unsigned = {k: v for k, v in header.items() if k != "signature"} | changes
    return {**unsigned, "signature": who.signing.sign("ggzy-bid-v1", unsigned).hex()}


def test_a_share_copied_into_another_bids_header_is_refused(bid: sealedbid.SealedBid, tmp_path: Path) -> None:
    """Another bidder (or anyone who can sign a header) copies this bid's envelope into its own bid: the
    custodians decrypt the share but find the other bid's binding, and release nothing."""
    thief = bidder(code="91210100730000025X")
    other = seal(tmp_path, who=thief, binding=dataclasses.replace(BINDING, bidder="91210100730000025X"))
    header = resigned(other.header, thief, custodians=bid.header["custodians"])
    for index in (1, 2, 3):
        assert "another bid" in str(refused("binding", ask, header, index, now=DEADLINE + HOUR))
    # The same bidder moving its own envelope into its other bid, or to another deadline, is refused too.
    later = seal(tmp_path, binding=dataclasses.replace(BINDING, deadline=DEADLINE + HOUR), name="later")
    refused(
        "binding",
        ask,
        resigned(later.header, BIDDER, custodians=bid.header["custodians"]),
        1,
        now=DEADLINE + 2 * HOUR,
    )
    refused(
        "binding", ask, resigned(bid.header, BIDDER, deadline="2026-12-19T01:30:00.000000Z"), 1, now=DEADLINE
    )


def test_shares_swapped_between_custodians_are_refused(bid: sealedbid.SealedBid) -> None:
    envelope = copy.deepcopy(bid.header["custodians"])
    shares = envelope["shares"]
    shares[0]["wrapped"], shares[1]["wrapped"] = shares[1]["wrapped"], shares[0]["wrapped"]
    refused("binding", ask, resigned(bid.header, BIDDER, custodians=envelope), 1, now=DEADLINE)
    # A share encrypted to custodian 1 but naming index 2 in its plaintext: refused by custodian 1.
    misnumbered = custodians.share_plaintext(2, b"\x01" * 16, custodians.binding_of(bid.header))
    shares[0]["wrapped"] = MEMBERS[0].encryption.public_key.encrypt(misnumbered).hex()
    refused("binding", ask, resigned(bid.header, BIDDER, custodians=envelope), 1, now=DEADLINE)
    shares[0]["wrapped"] = "00"
    refused("binding", ask, resigned(bid.header, BIDDER, custodians=envelope), 1, now=DEADLINE)


def test_a_broken_bidder_signature_is_refused(bid: sealedbid.SealedBid) -> None:
    header = {**bid.header, "tool": "edited"}
    refused("signature", ask, header, 1, now=DEADLINE)
    refused(
        "signature", ask, {**bid.header, "signature": bid.header["signature"][:-2] + "00"}, 1, now=DEADLINE
    )
    impostor = resigned(bid.header, bidder())  # signed by another key than the certificate's
    refused("signature", ask, impostor, 1, now=DEADLINE)


def test_an_unchained_certificate_is_refused(bid: sealedbid.SealedBid) -> None:
    other_root = certificate(Sm2PrivateKey.generate(), "Other CA", "ca")
    error = refused(
        "chain", ask, bid, 1, now=DEADLINE, trust=Trust(roots=[other_root], intermediates=[], crls=[])
    )
    assert error.detail["why"] == "untrusted_root"
    revoked = x509.issue_crl(
        issuer_key=CA, issuer={"common_name": "Test CA"}, revoked=[(2, VALID[0])],
        this_update=VALID[0], next_update=VALID[1],
    )  # fmt: skip
    error = refused(
        "chain", ask, bid, 1, now=DEADLINE, trust=Trust(roots=[CA_DER], intermediates=[], crls=[revoked])
    )
    assert error.detail["why"] == "revoked"
    header = {**bid.header, "signing_certificate": base64.b64encode(b"junk").decode()}
    refused("chain", ask, header, 1, now=DEADLINE)


def test_the_certificate_is_judged_at_the_bound_deadline(tmp_path: Path) -> None:
    """A certificate that expired after the deadline (the opening was postponed) does not lock the bid;
    one that had expired before the deadline is refused."""
    short = bidder(not_after=DEADLINE + HOUR)
    bid = seal(tmp_path, who=short)
    ask(bid, 1, now=DEADLINE + 48 * HOUR, notices=[notice(DEADLINE + 48 * HOUR)])
    expired = bidder(not_after=DEADLINE - HOUR)
    error = refused("chain", ask, seal(tmp_path, who=expired, name="expired"), 1, now=DEADLINE)
    assert error.detail["why"] == "expired"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(format="ggzy-share-request-v2"), "malformed"),
        (lambda r: r.update(nonce="00" * 8), "malformed"),
        (lambda r: r.update(nonce="zz" * 16), "malformed"),
        (lambda r: r.update(nonce=r["nonce"] + "\n"), "malformed"),
        (lambda r: r.update(nonce=None), "malformed"),
        (lambda r: r.update(header="x"), "malformed"),
        (lambda r: r.update(notices="x"), "malformed"),
        (lambda r: r["header"].pop("section"), "malformed"),
        (lambda r: r["header"].update(deadline="soon"), "malformed"),
        (lambda r: r.update(index=2), "not_custodian"),
        (lambda r: r.update(index=True), "not_custodian"),
    ],
)
def test_a_malformed_request_is_refused(bid: sealedbid.SealedBid, change: Any, reason: str) -> None:
    request = copy.deepcopy(custodians.request_make(bid.header, 1, []))
    change(request)
    refused(reason, ask, bid, 1, now=DEADLINE, request=request)


def test_a_bid_for_another_set_or_without_this_custodians_share_is_refused(
    bid: sealedbid.SealedBid, tmp_path: Path
) -> None:
    refused("set", ask, resigned(bid.header, BIDDER, custodians=None), 1, now=DEADLINE)
    other = custodians.set_verify(signed_by(body_of(MEMBERS[3:6]), MEMBERS[3:6]))
    refused("set", ask, seal(tmp_path, cset=other), 1, now=DEADLINE)
    envelope = copy.deepcopy(bid.header["custodians"])
    envelope["shares"][1]["custodian"] = "00" * 32
    refused("not_custodian", ask, resigned(bid.header, BIDDER, custodians=envelope), 2, now=DEADLINE)


def test_the_custodians_clock_must_be_aware(bid: sealedbid.SealedBid) -> None:
    with pytest.raises(ValueError, match="aware"):
        ask(bid, 1, now=DEADLINE.replace(tzinfo=None))


# --- checking answers ----------------------------------------------------------------------------------


def test_a_replayed_answer_is_refused(bid: sealedbid.SealedBid) -> None:
    first = custodians.request_make(bid.header, 2, [])
    answer = ask(bid, 2, now=DEADLINE, request=first)
    second = custodians.request_make(bid.header, 2, [])  # the platform asks again, with a fresh nonce
    refused("replay", custodians.answer_check, answer, cset=CSET, request=second, opening_key=PLATFORM)
    assert len(custodians.answer_check(answer, cset=CSET, request=first, opening_key=PLATFORM)) == 16


def test_an_answer_signed_by_a_non_custodian_or_another_custodian_is_refused(
    bid: sealedbid.SealedBid,
) -> None:
    request = custodians.request_make(bid.header, 2, [])
    payload = ask(bid, 2, now=DEADLINE, request=request)["payload"]
    for key in (
        OPERATOR.signing,
        MEMBERS[0].signing,
        MEMBERS[2].signing,
        SUPERVISOR.signing,
        MEMBERS[1].encryption,
    ):
        forged = {"payload": payload, "signature": key.sign("ggzy-share-v1", payload).hex()}
        refused(
            "signature", custodians.answer_check, forged, cset=CSET, request=request, opening_key=PLATFORM
        )
    # Custodian 1's genuine answer, offered as custodian 2's:
    request_1 = {**request, "index": 1}
    answer_1 = ask(bid, 1, now=DEADLINE, request=request_1)
    refused("signature", custodians.answer_check, answer_1, cset=CSET, request=request, opening_key=PLATFORM)
    other_purpose = {"payload": payload, "signature": MEMBERS[1].signing.sign("ggzy-test-v1", payload).hex()}
    refused(
        "signature", custodians.answer_check, other_purpose, cset=CSET, request=request, opening_key=PLATFORM
    )


def test_an_answer_for_another_bid_is_refused(bid: sealedbid.SealedBid, tmp_path: Path) -> None:
    other = seal(tmp_path)
    request = custodians.request_make(bid.header, 3, [])
    answer = ask(other, 3, now=DEADLINE, request={**request, "header": other.header})  # same nonce
    refused("binding", custodians.answer_check, answer, cset=CSET, request=request, opening_key=PLATFORM)


def test_an_answer_the_opening_key_cannot_read_is_refused(bid: sealedbid.SealedBid) -> None:
    request = custodians.request_make(bid.header, 1, [])
    answer = ask(bid, 1, now=DEADLINE, request=request)
    refused(
        "binding",
        custodians.answer_check,
        answer,
        cset=CSET,
        request=request,
        opening_key=OPERATOR.encryption,
    )
    for share in (PLATFORM.public_key.encrypt(b"\x00" * 15).hex(), "00"):
        payload = {**answer["payload"], "share": share}
        resigned_answer = {
            "payload": payload,
            "signature": MEMBERS[0].signing.sign("ggzy-share-v1", payload).hex(),
        }
        refused(
            "binding",
            custodians.answer_check,
            resigned_answer,
            cset=CSET,
            request=request,
            opening_key=PLATFORM,
        )


@pytest.mark.parametrize(
    "answer",
    [
        None,
        {},
        {"payload": {"format": "ggzy-share-v2"}},
        {"payload": {"format": "ggzy-share-v1"}, "signature": ""},
    ],
)
def test_a_malformed_answer_is_refused(bid: sealedbid.SealedBid, answer: Any) -> None:
    request = custodians.request_make(bid.header, 1, [])
    refused("malformed", custodians.answer_check, answer, cset=CSET, request=request, opening_key=PLATFORM)


# --- combining -----------------------------------------------------------------------------------------

KEY = bytes(range(16))


def committed(key: bytes) -> bool:
    return key == KEY


def shares_of(k: int, n: int, key: bytes = KEY) -> dict[int, bytes]:
    return dict(SecretSharing.Shamir.split(k, n, key, ssss=False))


def bad(share: bytes) -> bytes:
    return bytes([share[0] ^ 1]) + share[1:]


def test_combine_with_k_shares() -> None:
    shares = shares_of(3, 5)
    assert custodians.combine({i: shares[i] for i in (2, 4, 5)}, 3, committed) == (KEY, [])
    assert custodians.combine(shares, 3, committed) == (KEY, [])


@pytest.mark.parametrize("wrong", [1, 2, 3, 4])
def test_combine_with_k_plus_1_names_the_bad_share(wrong: int) -> None:
    shares = shares_of(3, 4)
    shares[wrong] = bad(shares[wrong])
    assert custodians.combine(shares, 3, committed) == (KEY, [wrong])


def test_combine_names_every_bad_share_when_k_good_ones_remain() -> None:
    shares = shares_of(2, 5)
    shares[1], shares[4] = bad(shares[1]), bad(shares[4])
    assert custodians.combine(shares, 2, committed) == (KEY, [1, 4])


def test_combine_with_all_bad_or_too_few_shares_makes_no_key() -> None:
    shares = {i: bad(s) for i, s in shares_of(2, 3).items()}
    assert refused("no_key", custodians.combine, shares, 2, committed).detail == {"have": 3}
    shares = shares_of(3, 5)
    assert refused("no_key", custodians.combine, {1: shares[1], 5: shares[5]}, 3, committed).detail == {
        "have": 2
    }
    refused("no_key", custodians.combine, {}, 2, committed)
    refused("no_key", custodians.combine, shares, 3, lambda key: False)  # not the key the bid committed to


def test_combine_refuses_malformed_shares() -> None:
    shares = shares_of(2, 3)
    refused("malformed", custodians.combine, {**shares, 3: b"\x00" * 15}, 2, committed)
    refused("malformed", custodians.combine, {0: shares[1], 1: shares[2]}, 2, committed)
    refused("malformed", custodians.combine, {17: shares[1], 1: shares[2]}, 2, committed)
    refused("malformed", custodians.combine, shares, 0, committed)


@functools.cache
def set_of(k: int, n: int) -> CustodianSet:
    return custodians.set_verify(signed_by(body_of(MEMBERS[:n], k=k), MEMBERS[:n]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.binary(min_size=16, max_size=16), data=st.data())
def test_split_and_combine_round_trip(key: bytes, data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 6), label="n")
    k = data.draw(st.integers(2, n), label="k")
    cset = set_of(k, n)
    binding = {**BINDING.fields(), "key_commitment": sealedbid.commitment(key)}
    envelope = custodians.split(key, cset, binding)
    shares = {}
    for entry in envelope["shares"]:
        plaintext = MEMBERS[entry["index"] - 1].encryption.decrypt(bytes.fromhex(entry["wrapped"]))
        assert json.loads(plaintext)["binding"] == custodians.binding_digest(binding)
        shares[entry["index"]] = bytes.fromhex(json.loads(plaintext)["share"])
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(shares)), min_size=k, max_size=n, unique=True), label="chosen"
    )
    subset = {i: shares[i] for i in chosen}
    assert custodians.combine(subset, k, lambda candidate: candidate == key) == (key, [])
    if len(chosen) > k:
        wrong = data.draw(st.sampled_from(chosen), label="wrong")
        subset[wrong] = bad(subset[wrong])
        assert custodians.combine(subset, k, lambda candidate: candidate == key) == (key, [wrong])
    fewer = dict(list(subset.items())[: k - 1])
    refused("no_key", custodians.combine, fewer, k, lambda candidate: candidate == key)


# --- the test vectors (docs/sealed-bid-format.md §8.10) --------------------------------------------------

IRREDUCIBLE = (1 << 128) | 0x87  # x^128 + x^7 + x^2 + x + 1


def gf_multiply(a: int, b: int) -> int:
    """GF(2^128) as the format document defines it, independently of pycryptodome: bit i of the
    big-endian 128-bit integer is the coefficient of x^i."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a >> 128:
            a ^= IRREDUCIBLE
    return product


def gf_evaluate(coefficients: list[bytes], x: int) -> bytes:
    """p(x) = c0 + c1·x + c2·x² …, coefficients given from c0 (the key) up."""
    value = 0
    for coefficient in reversed(coefficients):
        value = gf_multiply(value, x) ^ int.from_bytes(coefficient, "big")
    return value.to_bytes(16, "big")


VECTOR_DEK = bytes(range(16))
VECTOR_A1 = bytes(range(16, 32))
VECTOR_A2 = bytes(range(32, 48))


def test_the_share_vector_matches_pycryptodome(monkeypatch: pytest.MonkeyPatch) -> None:
    """The split of the format document's vector, computed from its text alone, is what pycryptodome
    makes when its random coefficients are fixed — and pycryptodome combines it back."""
    two = {x: gf_evaluate([VECTOR_DEK, VECTOR_A1], x) for x in (1, 2, 3)}
    three = {x: gf_evaluate([VECTOR_DEK, VECTOR_A1, VECTOR_A2], x) for x in (1, 2, 3)}
    assert {x: s.hex() for x, s in two.items()} == VECTOR_K2
    assert {x: s.hex() for x, s in three.items()} == VECTOR_K3
    draws = iter([VECTOR_A1])
    monkeypatch.setattr(SecretSharing, "rng", lambda size: next(draws))
    assert dict(SecretSharing.Shamir.split(2, 3, VECTOR_DEK, ssss=False)) == two
    draws = iter([VECTOR_A2, VECTOR_A1])  # pycryptodome draws the highest coefficient first
    assert dict(SecretSharing.Shamir.split(3, 3, VECTOR_DEK, ssss=False)) == three
    for shares, k in ((two, 2), (three, 3)):
        assert custodians.combine(shares, k, lambda key: key == VECTOR_DEK) == (VECTOR_DEK, [])


def test_the_share_plaintext_vector() -> None:
    binding = {**BINDING.fields(), "key_commitment": sealedbid.commitment(VECTOR_DEK)}
    assert canonical.dumps(binding).decode() == VECTOR_BINDING_JSON
    assert custodians.binding_digest(binding) == VECTOR_BINDING_SM3
    plaintext = custodians.share_plaintext(1, bytes.fromhex(VECTOR_K2[1]), binding)
    assert plaintext.decode() == VECTOR_PLAINTEXT
    assert len(plaintext) == 166  # 167 from index 10 on
    assert sm3(plaintext).hex() == VECTOR_PLAINTEXT_SM3


#: The vector's shares (hex) for k = 2 (a1 only) and k = 3 (a1, a2), and the share plaintext of share 1
#: (k = 2) under the binding of §6's vector with this DEK's commitment.
VECTOR_K2 = {1: "10101010101010101010101010101010", 2: "202326252c2f2a29383b3e3d34373231",
             3: "30323436383a3c3e20222426282a2c2e"}  # fmt: skip
VECTOR_K3 = {1: "303132333435363738393a3b3c3d3e3f", 2: "a0a7aea9bcbbb2b5989f969184838a8d",
             3: "90979e998c8b8285a8afa6a1b4b3babd"}  # fmt: skip
VECTOR_BINDING_JSON = (
    '{"bidder":"91210100730000017Q","deadline":"2026-12-20T01:30:00.000000Z",'
    '"key_commitment":"76b09631fe24ba1c7adfd06e858562d1bef84eb11867a210bb4a4a7d1d8411c3",'
    '"section":"A2101002026000001001001","tender_project":"A2101002026000001001"}'
)
VECTOR_BINDING_SM3 = "db1364da9504207c37132a909726882634ce3d1fe85c5f0752209ccd08b5ed9b"
VECTOR_PLAINTEXT = (
    '{"binding":"db1364da9504207c37132a909726882634ce3d1fe85c5f0752209ccd08b5ed9b",'
    '"format":"ggzy-share-plaintext-v1","index":1,"share":"10101010101010101010101010101010"}'
)
VECTOR_PLAINTEXT_SM3 = "e89d243c9c04dc8266b87c519ca94c37280e9d6a378b148ac78c54467ecb0cc6"
