"""A custodian's state folder: its own keys, its certificates, and what it has seen.

Everything a custodian holds lives in one folder of its own — never in the platform's database or
`var/`, and never escrowed anywhere:

    state.json        {"name", "created_at"}: written last by `init`, so a folder with it is complete
    signing.key       the SM2 signing key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    encryption.key    the SM2 encryption key the bidders' shares are encrypted to (same form)
    signing.cer       self-issued X.509 certificate (DER) of the signing key, usage "signing"
    encryption.cer    self-issued X.509 certificate (DER) of the encryption key, usage "encryption"
    log.jsonl         one line per share request and its outcome (never a share), fsynced (`serve`)
    notices.json      the latest signed deadline notice seen per section (`serve`; replaced atomically)
    heads.json        with `serve --witness-trust`: the newest co-signed witness-log tree head seen per
                      epoch, {"<epoch>": head} (replaced atomically)

Both certificates name the custodian as issuer and subject and are signed by its *signing* key, so the
encryption key only ever decrypts, and the encryption certificate verifies against the signing one.
Nobody checks them against a CA: what makes them trusted is the custodian set that every custodian and
the supervising department sign, which lists them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ggzy_sm import canonical, custodians, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import DEFAULT_ITERATIONS, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3

STATE = "state.json"
SIGNING_KEY = "signing.key"
ENCRYPTION_KEY = "encryption.key"
SIGNING_CERTIFICATE = "signing.cer"
ENCRYPTION_CERTIFICATE = "encryption.cer"
LOG = "log.jsonl"
NOTICES = "notices.json"
HEADS = "heads.json"
VALIDITY = dt.timedelta(days=3653)  # ~10 years: the set is re-signed when a custodian's keys change


class StateError(Exception):
    """The state folder cannot be used (or made); the message says why."""


@dataclass(frozen=True)
class Identity:
    """Who this custodian is: its name and its two certificates (no secret)."""

    folder: Path
    name: str
    signing_certificate: bytes
    encryption_certificate: bytes

    @property
    def signing_fingerprint(self) -> str:
        return sm3(self.signing_certificate).hex()

    @property
    def encryption_fingerprint(self) -> str:
        """How a bid's header names this custodian (custodians.Custodian.fingerprint)."""
        return sm3(self.encryption_certificate).hex()


def init(
    folder: str | Path,
    name: str,
    passphrase: str,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    now: dt.datetime | None = None,
) -> Identity:
    """Make a new custodian in `folder`: two fresh SM2 keys under `passphrase`, their certificates, and
    state.json. Refuses a folder that holds a custodian (or its keys) already."""
    folder = Path(folder)
    name = name.strip()
    if not name:
        raise StateError("give the custodian's name (--name)")
    if any((folder / f).exists() for f in (STATE, SIGNING_KEY, ENCRYPTION_KEY)):
        raise StateError(f"{folder} holds a custodian already: its keys are never replaced in place")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    signing, encryption = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    try:
        write_key_file(signing, folder / SIGNING_KEY, passphrase, iterations)
        write_key_file(encryption, folder / ENCRYPTION_KEY, passphrase, iterations)
    except CryptoError as exc:  # a passphrase that is too short is refused before anything is written
        raise StateError(str(exc)) from exc
    certificates = custodians.member_certificates(
        signing=signing, encryption=encryption, name=name, not_before=now, not_after=now + VALIDITY
    )
    for der, file in zip(certificates, (SIGNING_CERTIFICATE, ENCRYPTION_CERTIFICATE), strict=True):
        write_atomic(folder / file, der)
    state = {"name": name, "created_at": canonical.format_instant(now)}
    write_atomic(folder / STATE, json.dumps(state, ensure_ascii=False, indent=1))
    return load_identity(folder)


def load_identity(folder: str | Path) -> Identity:
    folder = Path(folder)
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        return Identity(
            folder=folder,
            name=str(state["name"]),
            signing_certificate=(folder / SIGNING_CERTIFICATE).read_bytes(),
            encryption_certificate=(folder / ENCRYPTION_CERTIFICATE).read_bytes(),
        )
    except FileNotFoundError as exc:
        raise StateError(f"{folder} is not a custodian's state folder (run `ggzy-custodian init`)") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StateError(f"{folder}: the custodian's state cannot be read ({type(exc).__name__})") from exc


def load_keys(identity: Identity, passphrase: str) -> tuple[Sm2PrivateKey, Sm2PrivateKey]:
    """The (signing, encryption) keys, checked against the certificates in the folder."""
    try:
        signing = load_key_file(identity.folder / SIGNING_KEY, passphrase)
        encryption = load_key_file(identity.folder / ENCRYPTION_KEY, passphrase)
        pairs = (
            (signing, identity.signing_certificate),
            (encryption, identity.encryption_certificate),
        )
        for key, der in pairs:
            if x509.Certificate.load(der).public_key != key.public_key:
                raise StateError(f"{identity.folder}: a key file does not match its certificate")
    except CryptoError as exc:
        raise StateError(f"{identity.folder}: {exc}") from exc
    return signing, encryption
