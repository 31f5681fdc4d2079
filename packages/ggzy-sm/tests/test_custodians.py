"""Key custodians, protocol v2 (docs/sealed-bid-format.md §6–§9): the signed set with its notice keys,
opening key and witness pins; notices, notice-key transitions, release and closing times; time
statements; acknowledgements and closures; splitting, answering by the custodian's own clock, checking
answers and combining — and every refusal, with its reason."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from Crypto.Protocol import SecretSharing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy_sm import canonical, custodians, sealedbid, x509
from ggzy_sm.custodians import CustodianError, SignedCustodianSet, Trust
from ggzy_sm.errors import IntegrityError
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3
from sealing_world import (
    BIDDER,
    BINDING,
    CA,
    CA_DER,
    CSET,
    DEADLINE,
    HOUR,
    ISSUED,
    MEMBERS,
    MINUTE,
    NOTICE,
    OPENING,
    OPERATOR,
    SECOND,
    SECTION,
    SIGNED,
    SUPERVISOR,
    TRUST,
    VALID,
    WITNESS,
    Member,
    body_of,
    certificate,
    member,
    notice,
    seal,
    signed_by,
)


def refused(reason: str, call: Any, *args: Any, **kwargs: Any) -> CustodianError:
    with pytest.raises(CustodianError) as caught:
        call(*args, **kwargs)
    assert caught.value.reason == reason, caught.value
    return caught.value


# --- the custodian set ---------------------------------------------------------------------------------


def test_a_fully_signed_set_is_accepted() -> None:
    cset = custodians.set_verify(SIGNED, pins=[CSET.fingerprint])
    assert (cset.centre, cset.version, cset.k, cset.n, cset.demo) == ("210100", 1, 2, 3, False)
    assert SIGNED["body"]["format"] == "ggzy-custodian-set-v2"
    assert (
        cset.fingerprint
        == sm3(canonical.dumps(SIGNED["body"])).hex()
        == custodians.set_fingerprint(cset.body)
    )
    assert [c.index for c in cset.custodians] == [1, 2, 3]
    assert cset.custodian(2).fingerprint == sm3(MEMBERS[1].encryption_der).hex()
    assert cset.custodian(3).signing.public_key == MEMBERS[2].signing.public_key
    assert cset.supervisor.public_key == SUPERVISOR.signing.public_key
    assert [(nk.key, nk.valid_from, nk.valid_until) for nk in cset.notice_keys] == [
        (NOTICE.public_key, VALID[0], None)
    ]
    assert cset.opening_key == OPENING.public_key
    assert cset.witness.operator_keys == WITNESS.operator_keys
    assert cset.witness.cosigners == WITNESS.cosigners
    assert cset.witness.threshold == 2
    assert cset.witness.supervisor_keys == (SUPERVISOR.signing.public_key,)
    assert SIGNED["body"]["witness"] == {
        "operator_keys": [k.hex() for k in WITNESS.operator_keys],
        "cosigners": [{"name": n, "key": k.hex()} for n, k in WITNESS.cosigners],
        "threshold": 2,
    }
    refused("not_custodian", cset.custodian, 4)
    refused("not_custodian", cset.custodian, True)


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
        lambda body: body["notice_keys"][0].update(valid_from="2025-01-01T00:00:00.000000Z"),
        lambda body: body.update(opening_key=OPERATOR.encryption.public_key.hex()),
        lambda body: body["witness"].update(threshold=1),
    ],
)
def test_a_body_changed_after_signing_is_refused(change: Any) -> None:
    changed = copy.deepcopy(SIGNED)
    change(changed["body"])
    refused("signature", custodians.set_verify, changed)


def test_a_signature_for_another_purpose_or_by_another_key_is_refused() -> None:
    body = SIGNED["body"]
    for purpose in ("ggzy-test-v1", "ggzy-custodian-set-v1"):  # v1's purpose signs no v2 set
        other_purpose = {**SIGNED["signatures"], "2": MEMBERS[1].signing.sign(purpose, body).hex()}
        error = refused("signature", custodians.set_verify, {**SIGNED, "signatures": other_purpose})
        assert error.detail == {"member": "2"}
    swapped = {**SIGNED["signatures"], "supervisor": SIGNED["signatures"]["1"]}
    refused("signature", custodians.set_verify, {**SIGNED, "signatures": swapped})
    refused("signature", custodians.set_verify, {**SIGNED, "signatures": {**SIGNED["signatures"], "3": "zz"}})
    refused("signature", custodians.set_verify, {**SIGNED, "signatures": {**SIGNED["signatures"], "3": 1.5}})


def test_an_operator_forged_custodian_is_refused() -> None:
    impostor = member("托管方 2")
    body = body_of([MEMBERS[0], impostor, MEMBERS[2]])
    forged = {
        "body": body,
        "signatures": {**SIGNED["signatures"], "2": custodians.set_sign(body, impostor.signing)},
    }
    assert refused("signature", custodians.set_verify, forged).detail["member"] == "1"  # not what 1 signed
    everyone = {k: custodians.set_sign(body, impostor.signing) for k in ("1", "2", "3", "supervisor")}
    refused("signature", custodians.set_verify, {"body": body, "signatures": everyone})


def test_a_whole_set_of_operator_keys_verifies_only_without_a_pin() -> None:
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


@pytest.mark.parametrize(
    ("members", "k"),
    [(MEMBERS[:3], 4), (MEMBERS[:3], 1), (MEMBERS[:3], 0), (MEMBERS[:1], 1), (MEMBERS[:2], 3)],
)
def test_k_must_be_at_least_2_and_at_most_n(members: list[Member], k: int) -> None:
    refused("malformed", custodians.set_verify, signed_by(body_of(members, k=k), members))


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


def with_body(change: Any) -> dict[str, Any]:
    """The set's body changed, and signed by all (when the profile can sign it: a float it cannot)."""
    body = copy.deepcopy(SIGNED["body"])
    change(body)
    try:
        return signed_by(body, MEMBERS[:3])
    except canonical.CanonicalError:
        return {"body": body, "signatures": SIGNED["signatures"]}


@pytest.mark.parametrize(
    "signed",
    [
        with_certificates(2, signing=MEMBERS[0].signing_der),  # two custodians, one signing key
        with_certificates(2, encryption=MEMBERS[0].encryption_der),  # … one encryption key
        with_certificates(2, encryption=certificate(MEMBERS[1].signing, "x", "encryption")),  # own key twice
        signed_by(body_of(MEMBERS[:3], supervisor=MEMBERS[0]), MEMBERS[:3], MEMBERS[0]),  # supervisor = 1
        with_body(lambda b: b.update(opening_key=b["notice_keys"][0]["key"])),  # the opening key notices
        with_body(lambda b: b.update(opening_key=MEMBERS[0].encryption.public_key.hex())),
        with_body(lambda b: b["notice_keys"].append({**b["notice_keys"][0], "valid_until": None})),
        with_body(lambda b: b["notice_keys"][0].update(key=SUPERVISOR.signing.public_key.hex())),
        with_body(lambda b: b["witness"]["operator_keys"].append(b["opening_key"])),
        with_body(lambda b: b["witness"]["cosigners"][0].update(key=MEMBERS[2].signing.public_key.hex())),
    ],
)
def test_every_key_in_the_body_is_a_different_key(signed: dict[str, Any]) -> None:
    assert "different key" in str(refused("malformed", custodians.set_verify, signed))


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
        lambda b: b.pop("witness"),
        lambda b: b.update(k="2"),
        lambda b: b.update(k=True),
        lambda b: b.update(k=2.0),
        lambda b: b.update(demo="false"),
        lambda b: b.update(version=0),
        lambda b: b.update(centre=""),
        lambda b: b.update(format="ggzy-custodian-set-v1"),
        lambda b: b.update(custodians={"1": b["custodians"][0]}),
        lambda b: b["custodians"].reverse(),  # numbered 3, 2, 1
        lambda b: b["custodians"][1].update(index=5),
        lambda b: b["custodians"][1].pop("url"),
        lambda b: b["custodians"][1].update(name=7),
        lambda b: b["custodians"][1].update(signing_certificate="not base64!"),
        lambda b: b["custodians"][1].update(signing_certificate=base64.b64encode(b"not DER").decode()),
        lambda b: b["supervisor"].update(extra=1),
        lambda b: b.update(n=4),
        lambda b: b.update(notice_keys=[]),
        lambda b: b.update(notice_keys=b["notice_keys"][0]),
        lambda b: b.update(
            notice_keys=[
                {**b["notice_keys"][0], "key": member("x").signing.public_key.hex()} for _ in range(9)
            ]
        ),
        lambda b: b["notice_keys"][0].update(valid_from="2026-01-01T08:00:00.000000+08:00"),  # not UTC
        lambda b: b["notice_keys"][0].update(valid_from="2026-01-01T00:00:00"),  # naive
        lambda b: b["notice_keys"][0].update(
            valid_until="2025-12-31T00:00:00.000000Z"
        ),  # ends before it starts
        lambda b: b["notice_keys"][0].update(valid_until=b["notice_keys"][0]["valid_from"]),
        lambda b: b["notice_keys"][0].update(extra=None),
        lambda b: b["notice_keys"][0].update(key=b["notice_keys"][0]["key"].upper()),
        lambda b: b["notice_keys"][0].update(key=b["notice_keys"][0]["key"][2:]),
        lambda b: b.update(opening_key="04" + "00" * 64),  # not on the curve
        lambda b: b["witness"].update(threshold=0),
        lambda b: b["witness"].update(threshold=3),  # more than the co-signers
        lambda b: b["witness"].update(extra=1),
        lambda b: b["witness"].update(supervisor_keys=[]),
        lambda b: b["witness"].update(operator_keys=[]),
        lambda b: b["witness"]["cosigners"][1].update(name=b["witness"]["cosigners"][0]["name"]),
        lambda b: b["witness"]["cosigners"][1].pop("name"),
    ],
)
def test_a_malformed_body_is_refused_even_when_signed(damage: Any) -> None:
    refused("malformed", custodians.set_verify, with_body(damage))


@pytest.mark.parametrize("signed", [None, [], {"body": SIGNED["body"]}, {"body": [], "signatures": {}}, "x"])
def test_a_signed_set_is_body_and_signatures(signed: Any) -> None:
    refused("malformed", custodians.set_verify, signed)


def test_several_notice_keys_with_their_intervals() -> None:
    old, new = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    switch = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    cset = custodians.set_verify(
        signed_by(
            body_of(
                MEMBERS[:3], notice_keys=[(old.public_key, VALID[0], switch), (new.public_key, switch, None)]
            ),
            MEMBERS[:3],
        )
    )
    assert cset.body["notice_keys"][0] == {
        "key": old.public_key.hex(),
        "valid_from": "2026-01-01T00:00:00.000000Z",
        "valid_until": "2026-06-01T00:00:00.000000Z",
    }
    before, at = switch - SECOND, switch
    assert custodians.notice_valid(notice(DEADLINE, key=old, issued_at=before, cset=cset), cset)
    assert not custodians.notice_valid(
        notice(DEADLINE, key=old, issued_at=at, cset=cset), cset
    )  # [from, until)
    assert custodians.notice_valid(notice(DEADLINE, key=new, issued_at=at, cset=cset), cset)
    assert not custodians.notice_valid(notice(DEADLINE, key=new, issued_at=before, cset=cset), cset)
    assert not custodians.notice_valid(
        notice(DEADLINE, key=old, issued_at=VALID[0] - SECOND, cset=cset), cset
    )


# --- notices (§6.1, §6.2) ---------------------------------------------------------------------------------


def test_notice_make_and_its_fields() -> None:
    made = custodians.notice_make(NOTICE, CSET.fingerprint, SECTION, DEADLINE, DEADLINE + HOUR, ISSUED)
    assert set(made) == {"payload", "signer", "transitions", "signature"}
    assert made["payload"] == {
        "format": "ggzy-deadline-v2", "set": CSET.fingerprint, "section": SECTION,
        "deadline": "2026-12-20T01:30:00.000000Z", "opening_at": "2026-12-20T02:30:00.000000Z",
        "issued_at": "2026-11-01T00:00:00.000000Z",
    }  # fmt: skip
    assert (made["signer"], made["transitions"]) == (NOTICE.public_key.hex(), [])
    NOTICE.public_key.verify("ggzy-deadline-v2", made["payload"], bytes.fromhex(made["signature"]))
    assert custodians.notice_valid(made, CSET)
    refused(
        "malformed",
        custodians.notice_make,
        NOTICE,
        CSET.fingerprint,
        SECTION,
        DEADLINE,
        DEADLINE - SECOND,
        ISSUED,
    )
    refused(
        "malformed",
        custodians.notice_make,
        NOTICE,
        CSET.fingerprint,
        SECTION,
        DEADLINE.replace(tzinfo=None),
        DEADLINE,
        ISSUED,
    )
    refused("malformed", custodians.notice_make, NOTICE, CSET.fingerprint, "A21", DEADLINE, DEADLINE, ISSUED)
    refused("malformed", custodians.notice_make, NOTICE, "set", SECTION, DEADLINE, DEADLINE, ISSUED)


def test_the_supervising_department_may_sign_notices_too() -> None:
    assert custodians.notice_valid(notice(DEADLINE + HOUR, key=SUPERVISOR.signing), CSET)


def resigned_notice(made: dict[str, Any], key: Sm2PrivateKey = NOTICE, **changes: Any) -> dict[str, Any]:
    payload = {**made["payload"], **changes}
    return {**made, "payload": payload, "signature": key.sign("ggzy-deadline-v2", payload).hex()}


GOOD_NOTICE = notice(DEADLINE + 5 * HOUR)
V1_NOTICE = {"format": "ggzy-deadline-v1", "section": SECTION, "opening_at": "2026-12-21T00:00:00.000000Z"}


@pytest.mark.parametrize(
    "invalid",
    [
        notice(DEADLINE + 5 * HOUR, key=OPERATOR.signing),  # signed by a key the set does not have
        {**notice(DEADLINE + 5 * HOUR, key=OPERATOR.signing), "signer": NOTICE.public_key.hex()},  # … lying
        {**GOOD_NOTICE, "signer": OPERATOR.signing.public_key.hex()},  # the set's signature, another signer
        {**GOOD_NOTICE, "signature": "00" * 64},
        {**GOOD_NOTICE, "signature": GOOD_NOTICE["signature"].upper()},
        {**GOOD_NOTICE, "extra": 1},
        {k: v for k, v in GOOD_NOTICE.items() if k != "transitions"},
        {**GOOD_NOTICE, "transitions": None},
        resigned_notice(GOOD_NOTICE, set="00" * 32),  # for another set
        resigned_notice(GOOD_NOTICE, format="ggzy-deadline-v1"),
        resigned_notice(GOOD_NOTICE, extra=1),
        resigned_notice(GOOD_NOTICE, opening_at="2026-12-20T14:30:00.000000+08:00"),  # not UTC
        resigned_notice(GOOD_NOTICE, opening_at="2026-12-20T06:30:00.000000"),  # naive
        resigned_notice(GOOD_NOTICE, opening_at="2026-12-20T06:30:00Z"),  # no fraction
        resigned_notice(GOOD_NOTICE, opening_at=1797748200),  # a number
        {**GOOD_NOTICE, "payload": {**GOOD_NOTICE["payload"], "opening_at": 1797748200.5}},  # not raised
        resigned_notice(GOOD_NOTICE, opening_at="2026-12-20T00:30:00.000000Z"),  # before its deadline
        resigned_notice(GOOD_NOTICE, section="A2101002026000001001"),
        resigned_notice(GOOD_NOTICE, issued_at="2025-12-31T23:59:59.999999Z"),  # before the key was valid
        {"payload": V1_NOTICE, "signature": NOTICE.sign("ggzy-deadline-v1", V1_NOTICE).hex()},  # a v1 notice
        "not a notice",
        None,
        [GOOD_NOTICE],
    ],
)  # fmt: skip
def test_an_invalid_notice_is_ignored_never_raised(invalid: Any, tmp_path: Path) -> None:
    assert custodians.notice_valid(GOOD_NOTICE, CSET)
    assert not custodians.notice_valid(invalid, CSET)
    header = {"section": SECTION, "deadline": "2026-12-20T01:30:00.000000Z"}
    assert custodians.release_at(header, [invalid], CSET) == DEADLINE
    assert custodians.closing_at(DEADLINE, SECTION, [invalid], CSET) == DEADLINE


def test_a_valid_notice_postpones_and_nothing_brings_the_release_forward() -> None:
    header = {"section": SECTION, "deadline": "2026-12-20T01:30:00.000000Z"}
    later = DEADLINE + 2 * HOUR
    notices = [notice(DEADLINE + HOUR), notice(later, deadline=DEADLINE + HOUR), notice(DEADLINE - 24 * HOUR)]
    assert custodians.release_at(header, notices, CSET) == later
    assert custodians.release_at(header, list(reversed(notices)), CSET) == later
    assert custodians.closing_at(DEADLINE, SECTION, notices, CSET) == DEADLINE + HOUR
    assert custodians.closing_at("2026-12-20T01:30:00.000000Z", SECTION, notices, CSET) == DEADLINE + HOUR
    assert custodians.release_at(header, [notice(DEADLINE - HOUR)], CSET) == DEADLINE  # never earlier
    assert custodians.closing_at(DEADLINE, SECTION, [notice(DEADLINE - HOUR)], CSET) == DEADLINE
    other_section = notice(DEADLINE + 9 * HOUR, section="A2101002026000001001002")
    assert custodians.release_at(header, [other_section], CSET) == DEADLINE
    refused("malformed", custodians.release_at, {**header, "deadline": "2026-12-20T01:30:00Z"}, [], CSET)
    refused("malformed", custodians.closing_at, DEADLINE.replace(tzinfo=None), SECTION, [], CSET)


def set_version_2() -> SignedCustodianSet:
    """The same members and keys, numbered version 2: another set, another fingerprint."""
    return custodians.set_verify(signed_by(body_of(MEMBERS[:3], version=2), MEMBERS[:3]))


def test_a_notice_for_another_set_version_does_not_count() -> None:
    """A notice names its set: the same keys in set version 2 make another fingerprint, and a notice
    for one set is nothing to the other."""
    v2 = set_version_2()
    for_v2 = notice(DEADLINE + HOUR, cset=v2)
    assert custodians.notice_valid(for_v2, v2)
    assert not custodians.notice_valid(for_v2, CSET)


def test_latest_notice() -> None:
    first, postponed = notice(DEADLINE), notice(DEADLINE + HOUR)
    reissued = notice(DEADLINE + HOUR, issued_at=ISSUED + HOUR)
    forged = notice(DEADLINE + 9 * HOUR, key=OPERATOR.signing)
    assert custodians.latest_notice([first, forged, postponed], CSET, SECTION) is postponed
    assert custodians.latest_notice([reissued, postponed, first], CSET, SECTION) is reissued
    assert custodians.latest_notice([forged, "x"], CSET, SECTION) is None
    assert custodians.latest_notice([first], CSET, "A2101002026000001001002") is None


# --- notice-key transitions (§6.3) ---------------------------------------------------------------------

ROTATED, ROTATED_AGAIN = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
SWITCH = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def transition(
    from_key: Sm2PrivateKey = NOTICE,
    to_key: Sm2PrivateKey = ROTATED,
    valid_from: dt.datetime = SWITCH,
    supervisor: Sm2PrivateKey = SUPERVISOR.signing,
    cset: SignedCustodianSet = CSET,
) -> dict[str, Any]:
    return custodians.transition_make(
        set_fingerprint=cset.fingerprint, from_key=from_key, to_key=to_key.public_key, valid_from=valid_from,
        supervisor_key=supervisor,
    )  # fmt: skip


def test_a_transition_signed_by_the_old_key_and_the_supervisor_makes_a_new_notice_key() -> None:
    made = transition()
    assert made["payload"] == {
        "format": "ggzy-notice-key-transition-v1", "set": CSET.fingerprint,
        "from_key": NOTICE.public_key.hex(), "to_key": ROTATED.public_key.hex(),
        "valid_from": "2026-10-01T00:00:00.000000Z",
    }  # fmt: skip
    assert custodians.transition_verify(made, CSET) == made["payload"]
    assert custodians.notice_valid(notice(DEADLINE, key=ROTATED, transitions=[made]), CSET)
    assert not custodians.notice_valid(notice(DEADLINE, key=ROTATED), CSET)  # without its chain
    early = notice(DEADLINE, key=ROTATED, transitions=[made], issued_at=SWITCH - SECOND)
    assert not custodians.notice_valid(early, CSET)  # issued before the transition's valid_from
    # signed apart and put together
    payload = custodians.transition_payload(
        set_fingerprint=CSET.fingerprint,
        from_key=NOTICE.public_key,
        to_key=ROTATED.public_key,
        valid_from=SWITCH,
    )
    apart = {
        "payload": payload,
        "signatures": {
            "from": custodians.transition_sign(payload, NOTICE),
            "supervisor": custodians.transition_sign(payload, SUPERVISOR.signing),
        },
    }
    assert custodians.notice_valid(notice(DEADLINE, key=ROTATED, transitions=[apart]), CSET)


def test_a_chain_of_transitions_in_any_order() -> None:
    first, second = transition(), transition(ROTATED, ROTATED_AGAIN, SWITCH + HOUR)
    for chain in ([first, second], [second, first]):
        assert custodians.notice_valid(notice(DEADLINE, key=ROTATED_AGAIN, transitions=chain), CSET)
    assert not custodians.notice_valid(notice(DEADLINE, key=ROTATED_AGAIN, transitions=[second]), CSET)
    # the second transition dates from before the first one made its old key a notice key
    backdated = transition(ROTATED, ROTATED_AGAIN, SWITCH - HOUR)
    assert not custodians.notice_valid(
        notice(DEADLINE, key=ROTATED_AGAIN, transitions=[first, backdated]), CSET
    )


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (lambda: transition(supervisor=OPERATOR.signing), "signature"),  # the operator is no supervisor
        (lambda: {**transition(), "signatures": {"from": transition()["signatures"]["from"]}}, "malformed"),
        (lambda: {**transition(), "extra": 1}, "malformed"),
        (lambda: transition(cset=set_version_2()), "set"),
        (lambda: resigned_transition(valid_from="2026-10-01T08:00:00.000000+08:00"), "malformed"),
        (lambda: resigned_transition(to_key=NOTICE.public_key.hex()), "malformed"),  # to itself
        (lambda: resigned_transition(format="ggzy-notice-key-transition-v2"), "malformed"),
    ],
)  # fmt: skip
def test_a_transition_that_does_not_verify_is_refused_and_makes_no_notice_key(bad: Any, reason: str) -> None:
    made = bad()
    refused(reason, custodians.transition_verify, made, CSET)
    assert not custodians.notice_valid(notice(DEADLINE, key=ROTATED, transitions=[made]), CSET)


def test_a_transition_from_a_key_the_set_does_not_have_verifies_but_makes_no_notice_key() -> None:
    made = transition(from_key=OPERATOR.signing)  # the operator's own key, countersigned by the supervisor
    assert custodians.transition_verify(made, CSET) == made["payload"]
    assert not custodians.notice_valid(notice(DEADLINE, key=ROTATED, transitions=[made]), CSET)


def resigned_transition(**changes: Any) -> dict[str, Any]:
    payload = {**transition()["payload"], **changes}
    return {
        "payload": payload,
        "signatures": {
            "from": custodians.transition_sign(payload, NOTICE),
            "supervisor": custodians.transition_sign(payload, SUPERVISOR.signing),
        },
    }


def test_a_transition_from_a_key_out_of_its_interval_makes_no_notice_key() -> None:
    old = Sm2PrivateKey.generate()
    keys = [(old.public_key, VALID[0], SWITCH), (NOTICE.public_key, SWITCH, None)]
    cset = custodians.set_verify(signed_by(body_of(MEMBERS[:3], notice_keys=keys), MEMBERS[:3]))
    late = transition(from_key=old, valid_from=SWITCH + HOUR, cset=cset)  # old retired at SWITCH
    custodians.transition_verify(late, cset)  # it verifies …
    assert not custodians.notice_valid(
        notice(DEADLINE, key=ROTATED, transitions=[late], cset=cset), cset
    )  # … but
    timely = transition(from_key=old, valid_from=SWITCH - HOUR, cset=cset)
    assert custodians.notice_valid(notice(DEADLINE, key=ROTATED, transitions=[timely], cset=cset), cset)


def test_too_many_transitions_are_not_followed() -> None:
    chain, key = [], NOTICE
    keys = [Sm2PrivateKey.generate() for _ in range(custodians.MAX_TRANSITIONS + 1)]
    for n, nxt in enumerate(keys):
        chain.append(transition(key, nxt, SWITCH + n * SECOND))
        key = nxt
    assert custodians.notice_valid(notice(DEADLINE, key=keys[-2], transitions=chain[:-1]), CSET)
    assert not custodians.notice_valid(notice(DEADLINE, key=keys[-1], transitions=chain), CSET)


# --- time statements (§6.4) -----------------------------------------------------------------------------

NOW = DEADLINE + MINUTE


def statements(times: dict[int, dt.datetime]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    nonces = {index: custodians.time_nonce() for index in times}
    made = [custodians.time_statement(MEMBERS[i - 1].signing, i, nonces[i], at) for i, at in times.items()]
    return made, nonces


def test_a_time_statement() -> None:
    nonce = custodians.time_nonce()
    made = custodians.time_statement(MEMBERS[1].signing, 2, nonce, NOW)
    assert made["payload"] == {
        "format": "ggzy-time-v1",
        "nonce": nonce,
        "time": "2026-12-20T01:31:00.000000Z",
        "custodian": 2,
    }
    MEMBERS[1].signing.public_key.verify("ggzy-time-v1", made["payload"], bytes.fromhex(made["signature"]))
    refused("malformed", custodians.time_statement, MEMBERS[1].signing, 2, "00" * 8, NOW)
    refused("malformed", custodians.time_statement, MEMBERS[1].signing, 2, nonce, NOW.replace(tzinfo=None))
    assert len(nonce) == 32
    assert nonce != custodians.time_nonce()


def test_the_client_takes_the_earliest_of_two_or_more_custodians() -> None:
    made, nonces = statements({1: NOW + 30 * SECOND, 2: NOW, 3: NOW + 600 * SECOND})  # 3 runs fast
    now, why = custodians.time_check(made, CSET, nonces, pc_now=NOW + 3 * HOUR)
    assert now == NOW
    assert "earliest of 3" in why
    made, nonces = statements({3: NOW + HOUR, 1: NOW})
    assert (
        custodians.time_check(made, CSET, nonces, pc_now=NOW - HOUR)[0] == NOW
    )  # the PC's clock is not asked


def test_one_custodian_that_agrees_with_the_pc_within_60_s_and_says_so() -> None:
    made, nonces = statements({2: NOW + 59 * SECOND})
    now, why = custodians.time_check(made, CSET, nonces, pc_now=NOW)
    assert now == NOW
    assert "only custodian 2" in why
    assert "this computer's clock is used" in why
    made, nonces = statements({2: NOW + 61 * SECOND})
    now, why = custodians.time_check(made, CSET, nonces, pc_now=NOW)
    assert now is None
    assert why.startswith("cannot establish the time")


def test_without_valid_statements_the_time_cannot_be_established() -> None:
    made, nonces = statements({1: NOW, 2: NOW})
    forged = custodians.time_statement(OPERATOR.signing, 3, custodians.time_nonce(), NOW)
    cases = [
        ([], nonces),
        (made, {}),  # not the nonces the client sent
        (made, {1: nonces[2], 2: nonces[1]}),  # swapped
        ([forged], {3: forged["payload"]["nonce"]}),  # signed by someone else for custodian 3
        ([{**made[0], "payload": {**made[0]["payload"], "custodian": 2}}], {2: nonces[1]}),  # another's
        (
            [{**made[0], "payload": {**made[0]["payload"], "time": "2026-12-20T09:31:00.000000+08:00"}}],
            nonces,
        ),
        ([{**made[0], "extra": 1}], nonces),
        (["x", None, 1.5], nonces),
    ]
    for offered, sent in cases:
        now, why = custodians.time_check(offered, CSET, sent, pc_now=NOW)
        assert now is None, offered
        assert "cannot establish the time" in why


def test_two_statements_from_one_custodian_count_once() -> None:
    nonce = custodians.time_nonce()
    twice = [custodians.time_statement(MEMBERS[0].signing, 1, nonce, at) for at in (NOW, NOW + SECOND)]
    now, why = custodians.time_check(twice, CSET, {1: nonce}, pc_now=NOW + 2 * HOUR)
    assert now is None
    assert "only custodian 1" in why


def test_a_custodian_outside_the_set_counts_for_nothing() -> None:
    nonces = {1: custodians.time_nonce(), 4: custodians.time_nonce()}
    made = [custodians.time_statement(MEMBERS[i - 1].signing, i, nonces[i], NOW) for i in (1, 4)]
    now, _why = custodians.time_check(made, CSET, nonces, pc_now=NOW + HOUR)
    assert now is None


# --- acknowledgements and closures (§8) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bid(tmp_path_factory: pytest.TempPathFactory) -> sealedbid.BidFile:
    return seal(tmp_path_factory.mktemp("bid"))


ANNOUNCED = notice(DEADLINE)  # the notice the bidder sealed against (deadline = opening = DEADLINE)


def ack(
    bid: sealedbid.BidFile, index: int, now: dt.datetime, held: list[Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    request = kwargs.pop("request", None) or custodians.ack_request_make(bid.header, [ANNOUNCED])
    m = MEMBERS[index - 1]
    return custodians.ack_answer(request, CSET, index, m.signing, held or [], now, **kwargs)


def test_an_acknowledgement_before_the_closing_time(bid: sealedbid.BidFile) -> None:
    request = custodians.ack_request_make(bid.header, [ANNOUNCED])
    assert request == {
        "format": "ggzy-ack-request-v1", "set": CSET.fingerprint, "section": SECTION,
        "ciphertext_sm3": bid.header["ciphertext_sm3"], "deadline": bid.header["deadline"],
        "notices": [ANNOUNCED],
    }  # fmt: skip
    assert BINDING.bidder not in json.dumps(request)  # nothing names the bidder
    made = ack(bid, 2, DEADLINE - SECOND)
    assert made["payload"] == {
        "format": "ggzy-ack-v1", "set": CSET.fingerprint, "section": SECTION,
        "ciphertext_sm3": bid.header["ciphertext_sm3"], "custodian": 2,
        "acknowledged_at": "2026-12-20T01:29:59.000000Z",
    }  # fmt: skip
    assert custodians.ack_verify(made, CSET) == made["payload"]


def test_an_acknowledgement_is_late_from_the_closing_time(bid: sealedbid.BidFile) -> None:
    error = refused("late", ack, bid, 1, DEADLINE)
    assert error.detail["closing_at"] == DEADLINE
    refused("late", ack, bid, 1, DEADLINE - HOUR, closed=True)  # the closure is made: never reopened
    # a postponement the custodian holds (or is sent) moves the closing time
    postponed = notice(DEADLINE + 2 * HOUR, deadline=DEADLINE + HOUR)
    assert ack(bid, 1, DEADLINE + HOUR - SECOND, held=[postponed])["payload"]["custodian"] == 1
    refused("late", ack, bid, 1, DEADLINE + HOUR, held=[postponed])
    # a forged postponement moves nothing
    forged = notice(DEADLINE + 9 * HOUR, deadline=DEADLINE + 8 * HOUR, key=OPERATOR.signing)
    refused("late", ack, bid, 1, DEADLINE, held=[forged])


def test_a_postponement_arriving_after_the_held_closing_time_reopens_nothing(
    bid: sealedbid.BidFile,
) -> None:
    """The operator signs a "postponement" once the deadline the custodian held has passed (its
    issued_at as early as it likes) and sends it with a favoured late bid: late."""
    backdated = notice(DEADLINE + 48 * HOUR, deadline=DEADLINE + 24 * HOUR, issued_at=DEADLINE - HOUR)
    request = custodians.ack_request_make(bid.header, [ANNOUNCED, backdated])
    refused("late", ack, bid, 1, DEADLINE + HOUR, held=[ANNOUNCED], request=request)
    # sent before the held closing time, the same postponement counts (a postponement in time)
    assert ack(bid, 1, DEADLINE - HOUR, held=[ANNOUNCED], request=request)["payload"]["custodian"] == 1
    # a custodian that held no notice for the section judges by what it is sent (the first one)
    assert ack(bid, 1, DEADLINE + HOUR, held=[], request=request)["payload"]["custodian"] == 1


def test_a_deadline_no_notice_announced_cannot_postpone_its_own_closing(bid: sealedbid.BidFile) -> None:
    """The request's deadline is the bidder's word: a late bidder naming a later deadline gets no
    acknowledgement, nor does a request with no valid notice at all."""
    later = {
        **custodians.ack_request_make(bid.header, [ANNOUNCED]),
        "deadline": "2026-12-21T01:30:00.000000Z",
    }
    refused("late", ack, bid, 1, DEADLINE + HOUR, request=later)
    refused("late", ack, bid, 1, DEADLINE - HOUR, request=later)  # not even before the real deadline
    bare = custodians.ack_request_make(bid.header, [])
    refused("late", ack, bid, 1, DEADLINE - HOUR, request=bare)
    assert ack(bid, 1, DEADLINE - HOUR, held=[ANNOUNCED], request=bare)["payload"]["custodian"] == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(extra=1), "malformed"),
        (lambda r: r.pop("notices"), "malformed"),
        (lambda r: r.update(format="ggzy-ack-request-v2"), "malformed"),
        (lambda r: r.update(deadline="2026-12-20T09:30:00.000000+08:00"), "malformed"),
        (lambda r: r.update(deadline="2026-12-20T01:30:00.000000"), "malformed"),
        (lambda r: r.update(deadline=1797730200.0), "malformed"),
        (lambda r: r.update(ciphertext_sm3=r["ciphertext_sm3"].upper()), "malformed"),
        (lambda r: r.update(section="A2101002026000001001"), "malformed"),
        (lambda r: r.update(notices="x"), "malformed"),
        (lambda r: r.update(set="00" * 32), "set"),
    ],
)
def test_a_malformed_or_foreign_ack_request_is_refused(
    bid: sealedbid.BidFile, change: Any, reason: str
) -> None:
    request = copy.deepcopy(custodians.ack_request_make(bid.header, [ANNOUNCED]))
    change(request)
    refused(reason, ack, bid, 1, DEADLINE - HOUR, request=request)


def test_ack_verify_and_acks_check(bid: sealedbid.BidFile) -> None:
    acks = [ack(bid, i, DEADLINE - MINUTE) for i in (1, 3)]
    assert custodians.acks_check(bid.header, acks, CSET) == [1, 3]
    assert refused("acknowledgements", custodians.acks_check, bid.header, acks[:1], CSET).detail == {
        "have": 1
    }
    assert refused("acknowledgements", custodians.acks_check, bid.header, acks[:1] * 2, CSET).detail == {
        "have": 1
    }
    payload = acks[1]["payload"]
    forged = {"payload": payload, "signature": MEMBERS[0].signing.sign("ggzy-ack-v1", payload).hex()}
    refused("signature", custodians.ack_verify, forged, CSET)
    refused("acknowledgements", custodians.acks_check, bid.header, [acks[0], forged], CSET)
    other = {**bid.header, "ciphertext_sm3": "00" * 32}
    refused("acknowledgements", custodians.acks_check, other, acks, CSET)
    refused("malformed", custodians.ack_verify, {**acks[0], "extra": 1}, CSET)
    resigned = {**payload, "acknowledged_at": "2026-12-20T01:29:00.000000"}
    refused(
        "malformed",
        custodians.ack_verify,
        {"payload": resigned, "signature": MEMBERS[2].signing.sign("ggzy-ack-v1", resigned).hex()},
        CSET,
    )
    stranger = {**payload, "custodian": 4}
    refused(
        "not_custodian",
        custodians.ack_verify,
        {"payload": stranger, "signature": MEMBERS[3].signing.sign("ggzy-ack-v1", stranger).hex()},
        CSET,
    )


def closure(
    index: int,
    ciphertexts: list[str],
    now: dt.datetime = DEADLINE,
    closing: dt.datetime = DEADLINE,
    section: str = SECTION,
) -> dict[str, Any]:
    return custodians.closure_make(
        key=MEMBERS[index - 1].signing, set_fingerprint=CSET.fingerprint, section=section, closing_at=closing,
        ciphertexts=ciphertexts, index=index, now=now,
    )  # fmt: skip


def test_a_closure_from_the_closing_time_on(bid: sealedbid.BidFile) -> None:
    mine = bid.header["ciphertext_sm3"]
    refused("too_early", closure, 1, [mine], now=DEADLINE - SECOND)
    made = closure(1, ["ff" * 32, mine, mine], now=DEADLINE + SECOND)
    assert made["payload"] == {
        "format": "ggzy-closure-v1", "set": CSET.fingerprint, "section": SECTION,
        "closing_at": "2026-12-20T01:30:00.000000Z", "ciphertexts": sorted({mine, "ff" * 32}), "custodian": 1,
        "closed_at": "2026-12-20T01:30:01.000000Z",
    }  # fmt: skip
    assert custodians.closure_verify(made, CSET) == made["payload"]
    refused("malformed", closure, 1, ["AB" * 32])


def test_closures_check(bid: sealedbid.BidFile) -> None:
    mine = bid.header["ciphertext_sm3"]
    closures = [closure(1, [mine]), closure(2, []), closure(3, [mine, "00" * 32])]
    assert custodians.closures_check(bid.header, closures, CSET) == [1, 3]
    assert refused("not_acknowledged", custodians.closures_check, bid.header, closures[:2], CSET).detail == {
        "have": 1
    }
    other_section = closure(2, [mine], section="A2101002026000001001002")
    refused("not_acknowledged", custodians.closures_check, bid.header, [closures[0], other_section], CSET)
    payload = closures[2]["payload"]
    by_another = {"payload": payload, "signature": MEMBERS[0].signing.sign("ggzy-closure-v1", payload).hex()}
    refused("signature", custodians.closure_verify, by_another, CSET)
    for changes in (
        {"ciphertexts": list(reversed(payload["ciphertexts"]))},  # not sorted
        {"ciphertexts": [mine, mine]},  # twice
        {"closed_at": "2026-12-20T01:29:59.000000Z"},  # closed before its closing time
        {"closing_at": "2026-12-20T09:30:00.000000+08:00"},
    ):
        changed = {**payload, **changes}
        signed = {"payload": changed, "signature": MEMBERS[2].signing.sign("ggzy-closure-v1", changed).hex()}
        refused("malformed", custodians.closure_verify, signed, CSET)
    refused(
        "malformed",
        custodians.closure_verify,
        {"payload": {**payload, "format": "ggzy-closure-v2"}, "signature": ""},
        CSET,
    )


# --- sealing and splitting -----------------------------------------------------------------------------


def dek_of(bid: sealedbid.BidFile) -> bytes:
    return sealedbid.unwrap(bid, BIDDER.release)


def test_split_encrypts_share_i_to_custodian_i_only(bid: sealedbid.BidFile) -> None:
    envelope = bid.header["custodians"]
    assert envelope["format"] == "ggzy-custodians-v2"
    assert (envelope["set"], envelope["k"], envelope["n"]) == (CSET.fingerprint, 2, 3)
    assert [(s["index"], s["custodian"]) for s in envelope["shares"]] == [
        (c.index, c.fingerprint) for c in CSET.custodians
    ]
    binding = custodians.binding_of(bid.header)
    assert binding["ciphertext_sm3"] == bid.header["ciphertext_sm3"]
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
        with pytest.raises(IntegrityError):  # nor can the bidder's release key or the signing keys
            BIDDER.release.decrypt(bytes.fromhex(envelope["shares"][i - 1]["wrapped"]))
    dek = dek_of(bid)
    assert len(set(shares.values())) == 3
    assert dek not in shares.values()
    for pair in ((1, 2), (1, 3), (2, 3)):
        assert custodians.combine({i: shares[i] for i in pair}, 2, lambda key: key == dek) == (dek, [])


def test_the_bidder_signs_the_envelope(bid: sealedbid.BidFile) -> None:
    sealedbid.verify(bid, BIDDER.signing.public_key)
    unsigned = {k: v for k, v in bid.header.items() if k != "signature"}
    unsigned["custodians"] = {**unsigned["custodians"], "k": 3}
    with pytest.raises(IntegrityError):
        BIDDER.signing.public_key.verify("ggzy-bid-v2", unsigned, bytes.fromhex(bid.header["signature"]))


def test_split_refuses_a_wrong_key_or_binding(bid: sealedbid.BidFile) -> None:
    binding = custodians.binding_of(bid.header)
    refused("malformed", custodians.split, b"\x00" * 15, CSET, binding)
    refused("malformed", custodians.split, b"\x00" * 32, CSET, binding)
    refused("malformed", custodians.split, b"\x00" * 16, CSET, {**binding, "tool": "x"})
    without = {k: v for k, v in binding.items() if k != "ciphertext_sm3"}  # v1's binding
    refused("malformed", custodians.split, b"\x00" * 16, CSET, without)
    refused("malformed", custodians.split, b"\x00" * 16, CSET, {**binding, "deadline": 1.5})


# --- answering -----------------------------------------------------------------------------------------


def closure_of(bid_or_header: sealedbid.BidFile | dict[str, Any], index: int) -> dict[str, Any]:
    header = bid_or_header if isinstance(bid_or_header, dict) else bid_or_header.header
    return closure(index, [header["ciphertext_sm3"]])


_UNSET: Any = object()


def ask(
    bid_or_header: sealedbid.BidFile | dict[str, Any],
    index: int,
    *,
    now: dt.datetime,
    notices: list[dict[str, Any]] | None = None,
    request: dict[str, Any] | None = None,
    trust: Trust = TRUST,
    closure: Any = _UNSET,
    held: list[Any] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    header = bid_or_header if isinstance(bid_or_header, dict) else bid_or_header.header
    request = request or custodians.request_make(header, index, notices or [])
    m = MEMBERS[index - 1]
    return custodians.answer(
        request, cset=CSET, index=index, encryption_key=m.encryption, signing_key=m.signing, trust=trust,
        now=now, closure=closure_of(header, index) if closure is _UNSET else closure, notices_held=held,
    )  # fmt: skip


def test_request_make() -> None:
    header = {"section": SECTION}
    first, second = custodians.request_make(header, 2, []), custodians.request_make(header, 2, [])
    assert first["format"] == "ggzy-share-request-v2"
    assert (first["header"], first["index"], first["notices"]) == (header, 2, [])
    assert len(first["nonce"]) == 32
    assert first["nonce"] != second["nonce"]


@pytest.mark.parametrize("index", [1, 2, 3])
def test_each_custodian_refuses_before_the_deadline_and_answers_from_it(
    bid: sealedbid.BidFile, index: int
) -> None:
    error = refused("too_early", ask, bid, index, now=DEADLINE - SECOND)
    assert error.detail["release_at"] == DEADLINE
    assert "2026-12-20T01:30:00.000000Z" in str(error)
    request = custodians.request_make(bid.header, index, [])
    answer = ask(bid, index, now=DEADLINE, request=request)  # from the deadline on, by its own clock
    assert answer["payload"]["format"] == "ggzy-share-v2"
    assert answer["payload"]["nonce"] == request["nonce"]
    assert answer["payload"]["index"] == index
    share = custodians.answer_check(answer, cset=CSET, request=request, opening_key=OPENING)
    envelope_share = MEMBERS[index - 1].encryption.decrypt(
        bytes.fromhex(bid.header["custodians"]["shares"][index - 1]["wrapped"])
    )
    assert share.hex() == json.loads(envelope_share)["share"]


def test_the_whole_path_opens_the_bid(bid: sealedbid.BidFile, tmp_path: Path) -> None:
    shares = {}
    for index in (3, 1):
        request = custodians.request_make(bid.header, index, [])
        shares[index] = custodians.answer_check(
            ask(bid, index, now=DEADLINE + HOUR, request=request),
            cset=CSET,
            request=request,
            opening_key=OPENING,
        )
    dek, bad = custodians.combine(shares, CSET.k, lambda key: key == dek_of(bid))
    assert bad == []
    sealedbid.check_commitment(bid, dek)
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "out")
    assert "documents/a.pdf" in manifest["documents"]


def test_no_share_for_a_bid_the_custodian_did_not_acknowledge(bid: sealedbid.BidFile) -> None:
    """Check 10: the ciphertext must be in this custodian's closure for the section — whatever the
    platform's clock said when it took the bid."""
    refused("not_acknowledged", ask, bid, 1, now=DEADLINE, closure=None)  # no closure made
    refused("not_acknowledged", ask, bid, 1, now=DEADLINE, closure=closure(1, ["00" * 32]))
    refused(
        "not_acknowledged",
        ask,
        bid,
        1,
        now=DEADLINE,
        closure=closure(1, [bid.header["ciphertext_sm3"]], section="A2101002026000001001002"),
    )
    # the time is judged first: before the release time it is too early, closure or not
    refused("too_early", ask, bid, 1, now=DEADLINE - SECOND, closure=None)


def test_a_valid_notice_postpones_the_share_and_an_invalid_one_is_ignored(bid: sealedbid.BidFile) -> None:
    later = DEADLINE + 2 * HOUR
    notices = [notice(DEADLINE + HOUR), notice(later)]
    error = refused("too_early", ask, bid, 2, now=DEADLINE + HOUR, notices=notices)
    assert error.detail["release_at"] == later
    refused("too_early", ask, bid, 2, now=later - SECOND, held=notices)  # held by the custodian, not sent
    ask(bid, 2, now=later, notices=notices)
    forged = notice(DEADLINE + 5 * HOUR, key=OPERATOR.signing)
    ask(bid, 1, now=DEADLINE, notices=[forged, "junk", None])  # a griefer's notice stalls nothing
    ask(bid, 1, now=DEADLINE, notices=[notice(DEADLINE - 24 * HOUR)])  # nor brings anything forward
    refused("too_early", ask, bid, 3, now=DEADLINE - SECOND, notices=[notice(DEADLINE - 24 * HOUR)])


def resigned(header: dict[str, Any], who: Any, **changes: Any) -> dict[str, Any]:
    unsigned = {k: v for k, v in header.items() if k != "signature"} | changes
    return {**unsigned, "signature": who.signing.sign("ggzy-bid-v2", unsigned).hex()}


def test_a_share_copied_into_another_bids_header_is_refused(bid: sealedbid.BidFile, tmp_path: Path) -> None:
    """Another bidder (or anyone who can sign a header) copies this bid's envelope into its own bid: the
    custodians decrypt the share but find the other bid's binding, and release nothing."""
    from sealing_world import bidder

    thief = bidder(code="91210100730000025X")
    other = seal(tmp_path, who=thief, binding=dataclasses.replace(BINDING, bidder="91210100730000025X"))
    header = resigned(other.header, thief, custodians=bid.header["custodians"])
    for index in (1, 2, 3):
        assert "another bid" in str(refused("binding", ask, header, index, now=DEADLINE + HOUR))
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
    # v2 binds the ciphertext too: the same envelope behind another ciphertext is refused
    refused(
        "binding",
        ask,
        resigned(bid.header, BIDDER, ciphertext_sm3="00" * 32),
        1,
        now=DEADLINE,
        closure=closure(1, ["00" * 32]),
    )


def test_shares_swapped_between_custodians_are_refused(bid: sealedbid.BidFile) -> None:
    envelope = copy.deepcopy(bid.header["custodians"])
    shares = envelope["shares"]
    shares[0]["wrapped"], shares[1]["wrapped"] = shares[1]["wrapped"], shares[0]["wrapped"]
    refused("binding", ask, resigned(bid.header, BIDDER, custodians=envelope), 1, now=DEADLINE)
    misnumbered = custodians.share_plaintext(2, b"\x01" * 16, custodians.binding_of(bid.header))
    shares[0]["wrapped"] = MEMBERS[0].encryption.public_key.encrypt(misnumbered).hex()
    refused("binding", ask, resigned(bid.header, BIDDER, custodians=envelope), 1, now=DEADLINE)
    shares[0]["wrapped"] = "00"
    refused("binding", ask, resigned(bid.header, BIDDER, custodians=envelope), 1, now=DEADLINE)


def test_a_broken_bidder_signature_is_refused(bid: sealedbid.BidFile) -> None:
    from sealing_world import bidder

    refused("signature", ask, {**bid.header, "tool": "edited"}, 1, now=DEADLINE)
    refused(
        "signature", ask, {**bid.header, "signature": bid.header["signature"][:-2] + "00"}, 1, now=DEADLINE
    )
    refused(
        "signature", ask, resigned(bid.header, bidder()), 1, now=DEADLINE
    )  # another key than the certificate's
    unsigned = {k: v for k, v in bid.header.items() if k != "signature"}
    v1_purpose = {**unsigned, "signature": BIDDER.signing.sign("ggzy-bid-v1", unsigned).hex()}
    refused("signature", ask, v1_purpose, 1, now=DEADLINE)


def test_an_unchained_certificate_is_refused(bid: sealedbid.BidFile) -> None:
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
    refused(
        "chain",
        ask,
        {**bid.header, "signing_certificate": base64.b64encode(b"junk").decode()},
        1,
        now=DEADLINE,
    )


def test_the_certificate_is_judged_at_the_bound_deadline(tmp_path: Path) -> None:
    from sealing_world import bidder

    short = bidder(not_after=DEADLINE + HOUR)
    bid = seal(tmp_path, who=short)
    ask(bid, 1, now=DEADLINE + 48 * HOUR, notices=[notice(DEADLINE + 48 * HOUR)])
    expired = bidder(not_after=DEADLINE - HOUR)
    error = refused("chain", ask, seal(tmp_path, who=expired, name="expired"), 1, now=DEADLINE)
    assert error.detail["why"] == "expired"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(format="ggzy-share-request-v1"), "malformed"),
        (lambda r: r.update(extra=1), "malformed"),
        (lambda r: r.update(nonce="00" * 8), "malformed"),
        (lambda r: r.update(nonce="zz" * 16), "malformed"),
        (lambda r: r.update(nonce=r["nonce"] + "\n"), "malformed"),
        (lambda r: r.update(nonce=None), "malformed"),
        (lambda r: r.update(header="x"), "malformed"),
        (lambda r: r.update(notices="x"), "malformed"),
        (lambda r: r["header"].pop("section"), "malformed"),
        (lambda r: r["header"].update(format="ggzy-bid-v1"), "malformed"),
        (lambda r: r["header"].update(deadline="soon"), "malformed"),
        (lambda r: r["header"].update(deadline="2026-12-20T09:30:00.000000+08:00"), "malformed"),
        (lambda r: r.update(index=2), "not_custodian"),
        (lambda r: r.update(index=True), "not_custodian"),
    ],
)
def test_a_malformed_request_is_refused(bid: sealedbid.BidFile, change: Any, reason: str) -> None:
    request = copy.deepcopy(custodians.request_make(bid.header, 1, []))
    change(request)
    refused(reason, ask, bid, 1, now=DEADLINE, request=request)


def test_a_bid_for_another_set_or_without_this_custodians_share_is_refused(
    bid: sealedbid.BidFile, tmp_path: Path
) -> None:
    other = custodians.set_verify(signed_by(body_of(MEMBERS[3:6]), MEMBERS[3:6]))
    refused("set", ask, seal(tmp_path, cset=other), 1, now=DEADLINE)
    refused("set", ask, resigned(bid.header, BIDDER, custodians=None), 1, now=DEADLINE)
    envelope = copy.deepcopy(bid.header["custodians"])
    envelope["shares"][1]["custodian"] = "00" * 32
    refused("not_custodian", ask, resigned(bid.header, BIDDER, custodians=envelope), 2, now=DEADLINE)


def test_the_custodians_clock_must_be_aware(bid: sealedbid.BidFile) -> None:
    refused("malformed", ask, bid, 1, now=DEADLINE.replace(tzinfo=None))


# --- checking answers ----------------------------------------------------------------------------------


def test_a_replayed_answer_is_refused(bid: sealedbid.BidFile) -> None:
    first = custodians.request_make(bid.header, 2, [])
    answer = ask(bid, 2, now=DEADLINE, request=first)
    second = custodians.request_make(bid.header, 2, [])  # the platform asks again, with a fresh nonce
    refused("replay", custodians.answer_check, answer, cset=CSET, request=second, opening_key=OPENING)
    assert len(custodians.answer_check(answer, cset=CSET, request=first, opening_key=OPENING)) == 16


def test_an_answer_signed_by_a_non_custodian_or_another_custodian_is_refused(
    bid: sealedbid.BidFile,
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
        forged = {"payload": payload, "signature": key.sign("ggzy-share-v2", payload).hex()}
        refused("signature", custodians.answer_check, forged, cset=CSET, request=request, opening_key=OPENING)
    request_1 = {**request, "index": 1}
    answer_1 = ask(bid, 1, now=DEADLINE, request=request_1)
    refused("signature", custodians.answer_check, answer_1, cset=CSET, request=request, opening_key=OPENING)
    for purpose in ("ggzy-test-v1", "ggzy-share-v1"):
        other_purpose = {"payload": payload, "signature": MEMBERS[1].signing.sign(purpose, payload).hex()}
        refused(
            "signature",
            custodians.answer_check,
            other_purpose,
            cset=CSET,
            request=request,
            opening_key=OPENING,
        )


def test_an_answer_for_another_bid_is_refused(bid: sealedbid.BidFile, tmp_path: Path) -> None:
    other = seal(tmp_path)
    request = custodians.request_make(bid.header, 3, [])
    answer = ask(other, 3, now=DEADLINE, request={**request, "header": other.header})  # same nonce
    refused("binding", custodians.answer_check, answer, cset=CSET, request=request, opening_key=OPENING)


def test_the_share_is_encrypted_to_the_sets_opening_key(bid: sealedbid.BidFile) -> None:
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
    for share in (OPENING.public_key.encrypt(b"\x00" * 15).hex(), "00"):
        payload = {**answer["payload"], "share": share}
        resigned_answer = {
            "payload": payload,
            "signature": MEMBERS[0].signing.sign("ggzy-share-v2", payload).hex(),
        }
        refused(
            "binding",
            custodians.answer_check,
            resigned_answer,
            cset=CSET,
            request=request,
            opening_key=OPENING,
        )


@pytest.mark.parametrize(
    "answer",
    [
        None,
        {},
        {"payload": {"format": "ggzy-share-v1"}},
        {"payload": {"format": "ggzy-share-v2"}, "signature": ""},
    ],
)
def test_a_malformed_answer_is_refused(bid: sealedbid.BidFile, answer: Any) -> None:
    request = custodians.request_make(bid.header, 1, [])
    refused("malformed", custodians.answer_check, answer, cset=CSET, request=request, opening_key=OPENING)


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
def set_of(k: int, n: int) -> SignedCustodianSet:
    return custodians.set_verify(signed_by(body_of(MEMBERS[:n], k=k), MEMBERS[:n]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.binary(min_size=16, max_size=16), data=st.data())
def test_split_and_combine_round_trip(key: bytes, data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 6), label="n")
    k = data.draw(st.integers(2, n), label="k")
    cset = set_of(k, n)
    binding = {**BINDING.fields(), "key_commitment": sealedbid.commitment(key), "ciphertext_sm3": "ab" * 32}
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


# --- the test vectors (docs/sealed-bid-format.md §7.2, §10; v1 §8.10) -----------------------------------

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
    """§10: the share plaintext v2 of share 1 (k = 2) under the whole-file vector's binding."""
    vector = json.loads((Path(__file__).parent / "vectors" / "bid-v2.json").read_text(encoding="utf-8"))
    binding = {
        **BINDING.fields(),
        "key_commitment": sealedbid.commitment(VECTOR_DEK),
        "ciphertext_sm3": vector["expected"]["stream_sm3"],
    }
    assert canonical.dumps(binding).decode() == VECTOR_BINDING_JSON
    assert custodians.binding_digest(binding) == VECTOR_BINDING_SM3
    plaintext = custodians.share_plaintext(1, bytes.fromhex(VECTOR_K2[1]), binding)
    assert plaintext.decode() == VECTOR_PLAINTEXT
    assert len(plaintext) == 166  # 167 from index 10 on
    assert sm3(plaintext).hex() == VECTOR_PLAINTEXT_SM3


#: The vector's shares (hex) for k = 2 (a1 only) and k = 3 (a1, a2) — v1 §8.10, unchanged — and the
#: share plaintext v2 of share 1 (k = 2) under the binding of §10's vector.
VECTOR_K2 = {1: "10101010101010101010101010101010", 2: "202326252c2f2a29383b3e3d34373231",
             3: "30323436383a3c3e20222426282a2c2e"}  # fmt: skip
VECTOR_K3 = {1: "303132333435363738393a3b3c3d3e3f", 2: "a0a7aea9bcbbb2b5989f969184838a8d",
             3: "90979e998c8b8285a8afa6a1b4b3babd"}  # fmt: skip
VECTOR_BINDING_JSON = (
    '{"bidder":"91210100730000017Q",'
    '"ciphertext_sm3":"f934fb984ecb423ee9a1b08634e787cb1354c1b267d64e9c75fbad1bd451e023",'
    '"deadline":"2026-12-20T01:30:00.000000Z",'
    '"key_commitment":"76b09631fe24ba1c7adfd06e858562d1bef84eb11867a210bb4a4a7d1d8411c3",'
    '"section":"A2101002026000001001001","tender_project":"A2101002026000001001"}'
)
VECTOR_BINDING_SM3 = "5392aa9f61cb9c6d35ec580527e6070bfff090cad8938bcb794056e4d9f67e46"
VECTOR_PLAINTEXT = (
    '{"binding":"5392aa9f61cb9c6d35ec580527e6070bfff090cad8938bcb794056e4d9f67e46",'
    '"format":"ggzy-share-plaintext-v2","index":1,"share":"10101010101010101010101010101010"}'
)
VECTOR_PLAINTEXT_SM3 = "7a2d14d38854a354e4a9f2f594ef700b036683f0cbd4f99606ea1ccbf8699b72"
