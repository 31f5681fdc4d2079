"""`ggzy-custodian init`, `sign-set`, `assemble`, `sign-transition`, and `serve` refusing to start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custodian_world import DEADLINE, HOUR, ITERATIONS, NOW, PASSPHRASE, World, run
from ggzy_custodian.service import Custodian
from ggzy_sm import custodians, x509
from ggzy_sm.keys import load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3


@pytest.mark.usefixtures("passphrase_env")
def test_init_makes_the_custodians_own_keys_and_self_issued_certificates(tmp_path: Path) -> None:
    state = tmp_path / "notary"
    status, out, err = run("init", "--state", str(state), "--name", "Notary", "--iterations", ITERATIONS)
    assert status == 0, err
    signing, encryption = (state / "signing.cer").read_bytes(), (state / "encryption.cer").read_bytes()
    assert out.splitlines() == [
        f"signing certificate:    {state / 'signing.cer'}  SM3 {sm3(signing).hex()}",
        f"encryption certificate: {state / 'encryption.cer'}  SM3 {sm3(encryption).hex()}",
    ]
    sign_cert, enc_cert = x509.Certificate.load(signing), x509.Certificate.load(encryption)
    assert sign_cert.subject == sign_cert.issuer == {"common_name": "Notary", "organization_name": "Notary"}
    assert enc_cert.subject == enc_cert.issuer == sign_cert.subject
    assert x509.USAGES["signing"] <= sign_cert.usages
    assert x509.USAGES["encryption"] <= enc_cert.usages
    assert not sign_cert.is_ca
    assert not enc_cert.is_ca
    assert sign_cert.signed_by(sign_cert)
    assert enc_cert.signed_by(sign_cert)  # the signing key issues both: the encryption key only decrypts
    assert 3650 <= (sign_cert.not_after - sign_cert.not_before).days <= 3660
    assert load_key_file(state / "signing.key", PASSPHRASE).public_key == sign_cert.public_key
    assert load_key_file(state / "encryption.key", PASSPHRASE).public_key == enc_cert.public_key
    assert (state / "signing.key").stat().st_mode & 0o077 == 0
    assert set(json.loads((state / "state.json").read_text(encoding="utf-8"))) == {"name", "created_at"}
    before = (state / "signing.key").read_bytes()
    status, _, err = run("init", "--state", str(state), "--name", "Notary", "--iterations", ITERATIONS)
    assert status == 1
    assert "already" in err
    assert (state / "signing.key").read_bytes() == before


@pytest.mark.usefixtures("passphrase_env")
def test_sign_set_refuses_a_body_without_this_custodians_certificates(world: World, tmp_path: Path) -> None:
    state = tmp_path / "outsider"
    assert run("init", "--state", str(state), "--name", "Outsider", "--iterations", ITERATIONS)[0] == 0
    body = world.write("body-for-outsider.json", world.body)
    status, out, err = run("sign-set", "--state", str(state), "--body", str(body), "--yes")
    assert (status, out) == (1, "")
    assert "does not list this custodian's own certificates" in err
    assert "2 of 3" in err  # the summary was shown
    half = json.loads(json.dumps(world.body))  # custodian 1's signing certificate, another encryption one
    half["custodians"][0]["encryption_certificate"] = world.body["custodians"][2]["encryption_certificate"]
    half["custodians"][2]["encryption_certificate"] = world.body["custodians"][0]["encryption_certificate"]
    status, out, err = run(
        "sign-set", "--state", str(world.states[0]), "--body", str(world.write("half.json", half)), "--yes"
    )
    assert status == 1
    assert "one of this custodian's certificates" in err
    bad = world.write("bad-body.json", {**world.body, "k": 4})
    status, _, err = run("sign-set", "--state", str(world.states[0]), "--body", str(bad), "--yes")
    assert status == 1
    assert "malformed" in err


def test_assemble_writes_only_a_set_that_verifies(world: World, tmp_path: Path) -> None:
    body = world.write("body-assemble.json", world.body)
    out = tmp_path / "signed.json"
    some = [a for k in ("1", "2", "3") for a in ("--signature", f"{k}={world.signed['signatures'][k]}")]
    status, _, err = run("assemble", "--body", str(body), *some, "--out", str(out))
    assert status == 1
    assert "has not signed" in err  # the supervising department
    assert not out.exists()
    wrong = ["--signature", f"supervisor={world.signed['signatures']['1']}"]
    status, _, err = run("assemble", "--body", str(body), *some, *wrong, "--out", str(out))
    assert status == 1
    assert "does not verify" in err
    assert not out.exists()
    status, _, err = run("assemble", "--body", str(body), "--signature", "4=00", "--out", str(out))
    assert status == 2
    good = ["--signature", f"supervisor={world.signed['signatures']['supervisor']}"]
    status, printed, err = run("assemble", "--body", str(body), *some, *good, "--out", str(out))
    assert status == 0, err
    assert world.cset.fingerprint in printed
    assert json.loads(out.read_text(encoding="utf-8")) == world.signed


def _serve(world: World, state: Path, signed: Path, index: int, *extra: str) -> tuple[int, str, str]:
    return run(
        "serve",
        "--state",
        str(state),
        "--set",
        str(signed),
        "--index",
        str(index),
        "--root",
        str(world.root_path),
        "--port",
        "0",
        *extra,
    )


@pytest.mark.usefixtures("passphrase_env")
def test_serve_refuses_to_start_on_a_set_it_cannot_stand_behind(world: World) -> None:
    unsigned = world.write(
        "unsigned.json",
        {
            "body": world.body,
            "signatures": {k: v for k, v in world.signed["signatures"].items() if k != "supervisor"},
        },
    )
    status, out, err = _serve(world, world.states[0], unsigned, 1)
    assert (status, out) == (2, "")
    assert "refusing to start" in err
    assert "unsigned" in err

    changed = world.write("changed.json", {**world.signed, "body": {**world.body, "k": 3}})
    status, _, err = _serve(world, world.states[0], changed, 1)
    assert status == 2
    assert "signature" in err

    status, _, err = _serve(world, world.states[0], world.signed_path, 2)  # custodian 2 is not state 1
    assert status == 2
    assert "not this state's own certificates" in err

    status, _, err = _serve(world, world.states[0], world.signed_path, 1, "--demo")
    assert status == 2
    assert "not a demo set" in err

    demo_body = {**world.body, "demo": True}
    demo = {
        "body": demo_body,
        "signatures": {
            **{str(i): custodians.set_sign(demo_body, keys[0]) for i, keys in enumerate(world.keys, start=1)},
            "supervisor": custodians.set_sign(demo_body, world.supervisor.sign_key),
        },
    }
    demo_path = world.write("demo.json", demo)
    status, _, err = _serve(world, world.states[0], demo_path, 1)
    assert status == 2
    assert "demo custodian set" in err
    assert "--demo" in err
    opened = Custodian.open(
        world.states[0],
        PASSPHRASE,
        demo,
        1,
        trust=world.trust,
        demo=True,
    )
    assert opened.cset.demo

    status, _, err = _serve(world, world.base / "nowhere", world.signed_path, 1)
    assert status == 2
    assert "init" in err


def test_serve_refuses_to_start_with_the_wrong_passphrase(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GGZY_CUSTODIAN_PASSPHRASE", "not-the-passphrase")
    status, out, err = _serve(world, world.states[0], world.signed_path, 1)
    assert (status, out) == (2, "")
    assert "wrong passphrase" in err


def test_sign_set_shows_what_the_set_v2_decides(world: World) -> None:
    body = world.write("body-shown.json", world.body)
    status, signature, err = run("sign-set", "--state", str(world.states[1]), "--body", str(body), "--yes")
    assert status == 0, err
    assert custodians.set_verify(
        {**world.signed, "signatures": {**world.signed["signatures"], "2": signature.strip()}}
    )
    assert world.notice_key.public_key.hex() in err  # the platform's notice key, with its validity
    assert "until no end" in err
    assert world.opening_key.public_key.hex() in err
    assert "2 of 2 co-signers" in err
    v1 = world.write("body-v1.json", {**world.body, "format": "ggzy-custodian-set-v1"})
    status, out, err = run("sign-set", "--state", str(world.states[1]), "--body", str(v1), "--yes")
    assert (status, out) == (1, "")
    assert "malformed" in err


@pytest.mark.usefixtures("passphrase_env")
def test_serve_has_no_platform_key_options_any_more(world: World) -> None:
    """The platform's notice and opening keys come from the signed set v2."""
    for option in ("--platform-key", "--notice-key"):
        with pytest.raises(SystemExit) as usage:
            _serve(world, world.states[0], world.signed_path, 1, option, world.notice_key.public_key.hex())
        assert usage.value.code == 2


def _transition_files(world: World, tmp_path: Path, new: Sm2PrivateKey) -> tuple[dict[str, Any], Path, Path]:
    """The transition's payload (the set's notice key to `new`), its file, and the old key's key file."""
    payload = custodians.transition_payload(
        set_fingerprint=world.cset.fingerprint,
        from_key=world.notice_key.public_key,
        to_key=new.public_key,
        valid_from=NOW,
    )
    path = tmp_path / "transition.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    old_key = tmp_path / "notice.key"
    write_key_file(world.notice_key, old_key, PASSPHRASE, int(ITERATIONS))
    return payload, path, old_key


@pytest.mark.usefixtures("passphrase_env")
def test_sign_transition_by_the_old_key_and_the_supervisor_offline(world: World, tmp_path: Path) -> None:
    new = Sm2PrivateKey.generate()
    payload, path, old_key = _transition_files(world, tmp_path, new)
    common = ("sign-transition", "--set", str(world.signed_path), "--transition", str(path))
    status, by_old, err = run(*common, "--key", str(old_key), "--as", "from", "--yes")
    assert status == 0, err
    assert "a notice key of the set from" in err
    assert new.public_key.hex() in err
    world.notice_key.public_key.verify(
        "ggzy-notice-key-transition-v1", payload, bytes.fromhex(by_old.strip())
    )
    status, by_supervisor, err = run(
        *common, "--key", str(world.supervisor_key_path), "--as", "supervisor", "--yes"
    )
    assert status == 0, err
    world.supervisor.sign_key.public_key.verify(
        "ggzy-notice-key-transition-v1", payload, bytes.fromhex(by_supervisor.strip())
    )
    # a key that is not the role's is refused
    status, out, err = run(*common, "--key", str(old_key), "--as", "supervisor", "--yes")
    assert (status, out) == (1, "")
    assert "not the set's supervising department's key" in err
    status, out, err = run(*common, "--key", str(world.supervisor_key_path), "--as", "from", "--yes")
    assert (status, out) == (1, "")
    assert "not the transition's old notice key" in err
    status, out, err = run(*common, "--key", str(old_key), "--as", "from")  # no terminal, no --yes
    assert (status, out) == (1, "")
    assert "--yes" in err

    out_path = tmp_path / "transition-signed.json"
    status, _, err = run(
        *common, "--assemble", "--signature", f"from={by_old.strip()}",
        "--signature", f"supervisor={by_supervisor.strip()}", "--out", str(out_path),
    )  # fmt: skip
    assert status == 0, err
    transition = json.loads(out_path.read_text(encoding="utf-8"))
    assert custodians.transition_verify(transition, world.cset) == payload
    notice = world.notice(DEADLINE + HOUR, key=new, issued_at=NOW + HOUR, transitions=[transition])
    assert custodians.notice_valid(notice, world.cset)  # the new key's notices count with it

    # the supervising department signs and puts it together in one go, from the old key's signature
    status, printed, err = run(
        *common, "--assemble", "--signature", f"from={by_old.strip()}",
        "--key", str(world.supervisor_key_path), "--as", "supervisor", "--yes",
    )  # fmt: skip
    assert status == 0, err
    assert custodians.transition_verify(json.loads(printed), world.cset) == payload


@pytest.mark.usefixtures("passphrase_env")
def test_assembling_a_transition_writes_only_one_that_verifies(world: World, tmp_path: Path) -> None:
    new = Sm2PrivateKey.generate()
    payload, path, _old_key = _transition_files(world, tmp_path, new)
    common = ("sign-transition", "--set", str(world.signed_path), "--transition", str(path), "--assemble")
    by_old = custodians.transition_sign(payload, world.notice_key)
    out_path = tmp_path / "out.json"
    status, _, err = run(*common, "--signature", f"from={by_old}", "--out", str(out_path))
    assert status == 1
    assert "lacks the signature supervisor" in err
    by_other = custodians.transition_sign(payload, world.other_key)
    status, _, err = run(
        *common,
        "--signature",
        f"from={by_old}",
        "--signature",
        f"supervisor={by_other}",
        "--out",
        str(out_path),
    )
    assert status == 1
    assert "does not verify (signature)" in err
    assert not out_path.exists()
    status, _, err = run(*common, "--signature", f"owner={by_old}")
    assert status == 2
    other_set = custodians.transition_payload(
        set_fingerprint="00" * 32, from_key=world.notice_key.public_key, to_key=new.public_key, valid_from=NOW
    )
    elsewhere = world.write("transition-elsewhere.json", other_set)
    status, _, err = run(
        "sign-transition", "--set", str(world.signed_path), "--transition", str(elsewhere), "--assemble",
        "--signature", f"from={by_old}", "--signature", f"supervisor={by_old}",
    )  # fmt: skip
    assert status == 1
    assert "another custodian set" in err
    extra = world.write("transition-extra.json", {**payload, "note": "x"})
    status, _, err = run(
        "sign-transition", "--set", str(world.signed_path), "--transition", str(extra), "--assemble"
    )
    assert status == 1
    assert "not exactly a ggzy-notice-key-transition-v1 payload" in err
