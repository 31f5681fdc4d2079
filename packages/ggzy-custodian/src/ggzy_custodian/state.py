"""A custodian's state folder: its own keys, its certificates, and what it has seen.

Everything a custodian holds lives in one folder of its own — never in the platform's database or
`var/`, and never escrowed anywhere:

    state.json        {"name", "created_at"}: written last by `init`, so a folder with it is complete
    signing.key       the SM2 signing key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    encryption.key    the SM2 encryption key the bidders' shares are encrypted to (same form)
    signing.cer       self-issued X.509 certificate (DER) of the signing key, usage "signing"
    encryption.cer    self-issued X.509 certificate (DER) of the encryption key, usage "encryption"
    log.jsonl         one line per request it answers by POST and its outcome (never a share), and one
                      per closure made; appended and fsynced before the answer leaves (`serve`)
    notices.json      the valid deadline notices (ggzy-deadline-v2) held per section, {"<section>":
                      [notice, …]}: the one with the latest opening time (what GET /notice serves and
                      what postpones a release) and, when another one announced a later deadline, that
                      one too (the section's closing time, §6.2). Re-checked against the set at start;
                      written whole (durably) when it changes (`serve`)
    acks/<set>/<section>.jsonl
                      every ciphertext SM3 this custodian acknowledged for the section of set `<set>`
                      (the set's fingerprint), one JSON line {"ciphertext_sm3", "acknowledged_at"} a
                      hash, appended and fsynced before the acknowledgement leaves: what its closure lists
    closures/<set>/<section>.json
                      its signed closure of the section (ggzy-closure-v1), made once from the section's
                      closing time on, written durably and never changed; served as made after a restart
    heads.json        with `serve --witness-trust`: the newest co-signed witness-log tree head seen per
                      epoch, {"<epoch>": head} (replaced atomically)

"Durably" is: a temporary file beside it, fsynced, renamed over the name, and the folder fsynced — a
crash leaves the old file or the new one, never half of either, and never loses one that was served.
Acknowledgements and closures are kept per set, so a custodian that moves to a new version of its set
neither lists the old set's hashes nor serves the old set's closures.

Both certificates name the custodian as issuer and subject and are signed by its *signing* key, so the
encryption key only ever decrypts, and the encryption certificate verifies against the signing one.
Nobody checks them against a CA: what makes them trusted is the custodian set that every custodian and
the supervising department sign, which lists them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ggzy_sm import canonical, custodians, strict, x509
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
ACKS = "acks"
CLOSURES = "closures"
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


# --- what `serve` keeps --------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes | str) -> None:
    """Write `path` whole or not at all, and durably: a temporary file beside it, fsynced, renamed over
    it, the folder fsynced (made, mode 0700, if missing). OSError if it cannot be written."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    _fsync_folder(path.parent)


def append_line(path: Path, record: dict[str, object]) -> None:
    """Append `record` as one JSON line to `path`, flushed and fsynced (the file and, when it is new, its
    folder). A line a crash cut short is closed first, so it never swallows this one (it was never
    answered: the answer leaves only after the fsync). OSError if it cannot be written."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = not path.exists()
    line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size:
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                line = b"\n" + line
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    if created:
        _fsync_folder(path.parent)


def acks_path(folder: Path, set_fingerprint: str, section: str) -> Path:
    """The section's acknowledgement log (`section` a checked section code: no path in it)."""
    return folder / ACKS / set_fingerprint / f"{section}.jsonl"


def closure_path(folder: Path, set_fingerprint: str, section: str) -> Path:
    return folder / CLOSURES / set_fingerprint / f"{section}.json"


def read_acks(path: Path) -> list[str]:
    """The ciphertext SM3s in an acknowledgement log, in the order acknowledged (a line a crash cut short
    — never answered — is skipped). [] when there is no log."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and strict.HEX64.fullmatch(str(record.get("ciphertext_sm3"))):
            out.append(record["ciphertext_sm3"])
    return out
