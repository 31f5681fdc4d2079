"""A simulated guarantee issuer's folder (`ggzy_sm.simulator`: public.json, requests.jsonl and lock as
every simulator's), with what is its own: its CA, its certificate, its review rules, the platforms it
serves and what it has issued.

    issuer.key      its issuing key (SM2; a ggzy key file: SM4-GCM under a passphrase; mode 0600): signs
                    the guarantees and the answers
    ca.key          the key of its own small CA root (the same passphrase), which certified the issuing
                    key at init; the service never loads it
    state.json      {"name", "created_at", "key" (the issuing key, hex), "kind" (bank | insurer |
                    guarantor), "code" (its unified social credit code), "root" and "certificate" (base64
                    DER)}: written last by `init`, so a folder with it is complete
    platforms.json  {"format": "ggzy-guarantee-platforms-v1", "keys": [hex]}: the platform keys whose
                    signed requests it answers (`init --platform`, `trust --dir DIR --platform KEY`;
                    read again by the server whenever it was replaced)
    guarantees.json {"format": "ggzy-guarantee-store-v1", "rules", "sequence", "claim_sequence",
                    "applications": {id: application}, "guarantees": {number: guarantee},
                    "claims": {number: claim}, "nonces": [the platform nonces used]}: written whole
                    (`simulator.write_state`) before the answer that changed it leaves
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_sm import canonical, simulator, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.guarantees import KINDS, GuaranteeError
from ggzy_sm.guarantees import code as code_check
from ggzy_sm.keys import DEFAULT_ITERATIONS, write_key_file
from ggzy_sm.simulator import Config, Stamp, StateError, read_state, state_stamp, write_state
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

KIND = simulator.Kind(
    program="ggzy-guarantee",
    noun="guarantee issuer",
    short="issuer",
    key_file="issuer.key",
    store="guarantees.json",
    kept="guarantees",
    entries="issuers",
)
CA_KEY = "ca.key"
STORE = KIND.store
PLATFORMS = "platforms.json"
STORE_FORMAT = "ggzy-guarantee-store-v1"
PLATFORMS_FORMAT = "ggzy-guarantee-platforms-v1"
ROOT_YEARS, CERTIFICATE_YEARS = 10, 5
DEFAULT_PREMIUM_BP = 50  # the premium: 0.5 % of the amount, rounded up to the fen
MAX_BP = 10_000


@dataclass(frozen=True)
class Identity:
    """Who the issuer is besides its Config: its kind, credit code, CA root and certificate (DER)."""

    kind: str
    name: str
    code: str
    root: bytes
    certificate: bytes

    def named(self) -> dict[str, str]:
        """{"kind", "name", "code"}: how guarantees and answers name it."""
        return {"kind": self.kind, "name": self.name, "code": self.code}

    def trust_entry(self, key: Sm2PublicKey) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "key": key.hex(),
            "root": base64.b64encode(self.root).decode("ascii"),
            "certificate": base64.b64encode(self.certificate).decode("ascii"),
        }


def load_identity(folder: Path) -> Identity:
    """The issuer's identity from state.json; StateError if it is not an issuer's folder."""
    config = KIND.load_config(folder)
    try:
        data = json.loads((folder / simulator.STATE).read_text(encoding="utf-8"))
        identity = Identity(
            kind=str(data["kind"]),
            name=config.name,
            code=str(data["code"]),
            root=base64.b64decode(data["root"], validate=True),
            certificate=base64.b64decode(data["certificate"], validate=True),
        )
        if x509.Certificate.load(identity.certificate).public_key != config.key:
            raise StateError(f"{folder}: the certificate is not the issuing key's")  # noqa: TRY301
    except StateError:
        raise
    except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
        raise StateError(f"{folder}: the issuer's state cannot be read ({type(exc).__name__})") from exc
    return identity


# --- the rules ----------------------------------------------------------------------------------------


def _whole(value: Any, what: str, *, nullable: bool, top: int = canonical.MAX_SAFE_INTEGER) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise ValueError(f"{what} is a whole number from 0 to {top}" + (" or null" if nullable else ""))
    return value


def rules_check(given: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The review rules `given` (any of them) over `base` (the defaults): {"amount_limit_fen": n | null,
    "refused_applicants": [codes], "review_after_seconds": n | null, "premium_rate_bp": n};
    ValueError naming a bad one."""
    rules = dict(base or default_rules())
    if not isinstance(given, dict):
        raise ValueError("rules are a JSON object")  # noqa: TRY004  (ValueError: refused as malformed)
    unknown = set(given) - set(default_rules())
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}")
    if "amount_limit_fen" in given:
        rules["amount_limit_fen"] = _whole(given["amount_limit_fen"], "amount_limit_fen", nullable=True)
    if "review_after_seconds" in given:
        rules["review_after_seconds"] = _whole(
            given["review_after_seconds"], "review_after_seconds", nullable=True
        )
    if "premium_rate_bp" in given:
        rules["premium_rate_bp"] = _whole(
            given["premium_rate_bp"], "premium_rate_bp", nullable=False, top=MAX_BP
        )
    if "refused_applicants" in given:
        codes = given["refused_applicants"]
        if not isinstance(codes, list):
            raise ValueError("refused_applicants is a list of codes")
        try:
            rules["refused_applicants"] = sorted({code_check(c, "refused_applicants[]") for c in codes})
        except GuaranteeError as exc:
            raise ValueError(str(exc)) from exc
    return rules


def default_rules() -> dict[str, Any]:
    return {
        "amount_limit_fen": None,
        "refused_applicants": [],
        "review_after_seconds": None,
        "premium_rate_bp": DEFAULT_PREMIUM_BP,
    }


# --- guarantees.json ------------------------------------------------------------------------------------


@dataclass
class Store:
    """What guarantees.json holds."""

    rules: dict[str, Any] = field(default_factory=default_rules)
    sequence: int = 0
    claim_sequence: int = 0
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    guarantees: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STORE_FORMAT,
            "rules": self.rules,
            "sequence": self.sequence,
            "claim_sequence": self.claim_sequence,
            "applications": self.applications,
            "guarantees": self.guarantees,
            "claims": self.claims,
            "nonces": sorted(self.nonces),
        }

    def copy(self) -> Store:
        """A copy to change: written whole, then taken for the old one (nothing half-changed kept when
        the write fails)."""
        return Store.parse(json.loads(json.dumps(self.to_json())))

    @classmethod
    def parse(cls, data: Any) -> Store:
        if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
            raise ValueError(f"not a {STORE_FORMAT} file")
        tables = [data["applications"], data["guarantees"], data["claims"]]
        if not all(isinstance(t, dict) for t in tables) or not isinstance(data["nonces"], list):
            raise TypeError("applications, guarantees and claims are objects, nonces a list")
        sequence = _whole(data["sequence"], "sequence", nullable=False)
        claim_sequence = _whole(data["claim_sequence"], "claim_sequence", nullable=False)
        return cls(
            rules=rules_check(data["rules"]),
            sequence=sequence or 0,
            claim_sequence=claim_sequence or 0,
            applications=data["applications"],
            guarantees=data["guarantees"],
            claims=data["claims"],
            nonces={str(n) for n in data["nonces"]},
        )


def load_store(folder: Path) -> Store:
    found = read_state(folder / STORE, Store.parse, "a guarantees file")
    return Store() if found is None else found[0]


def save_store(folder: Path, store: Store) -> None:
    """guarantees.json written whole (StateError, and the old file left, if it cannot be)."""
    write_state(folder / STORE, store.to_json())


# --- platforms.json ---------------------------------------------------------------------------------------


def _platforms(data: Any) -> list[Sm2PublicKey]:
    if (
        not isinstance(data, dict)
        or data.get("format") != PLATFORMS_FORMAT
        or not isinstance(data["keys"], list)
    ):
        raise ValueError(f"not a {PLATFORMS_FORMAT} file")
    return [Sm2PublicKey.from_hex(str(k)) for k in data["keys"]]


def load_platforms(folder: Path) -> tuple[list[Sm2PublicKey], Stamp | None]:
    """The pinned platform keys and the stamp of platforms.json (none pinned: [] and None)."""
    try:
        found = read_state(folder / PLATFORMS, _platforms, "a platforms file")
    except CryptoError as exc:
        raise StateError(f"{folder / PLATFORMS} holds a key that is not an SM2 public key") from exc
    return ([], None) if found is None else found


def platforms_stamp(folder: Path) -> Stamp | None:
    return state_stamp(folder / PLATFORMS)


def pin_platform(folder: Path, key: Sm2PublicKey) -> list[Sm2PublicKey]:
    """Add `key` to the pinned platform keys (platforms.json written whole); the keys pinned now."""
    keys, _stamp = load_platforms(folder)
    if key not in keys:
        keys = [*keys, key]
    write_state(folder / PLATFORMS, {"format": PLATFORMS_FORMAT, "keys": [k.hex() for k in keys]})
    return keys


# --- init ----------------------------------------------------------------------------------------------


def _serial() -> int:
    return secrets.randbits(63) | 1


def init(
    folder: str | Path,
    *,
    kind: str,
    name: str,
    code: str,
    passphrase: str,
    iterations: int = DEFAULT_ITERATIONS,
    now: dt.datetime | None = None,
    rules: dict[str, Any] | None = None,
    platforms: tuple[Sm2PublicKey, ...] = (),
) -> tuple[Config, Identity]:
    """Make an issuer in `folder`: its CA root key and certificate, its issuing key certified by that
    root (both keys under `passphrase`), public.json, platforms.json, guarantees.json (the rules), and
    state.json last. Refuses a folder that holds an issuer already, and bad arguments (StateError)."""
    folder, name = Path(folder), name.strip()
    if kind not in KINDS:
        raise StateError(f"the issuer's kind is one of {', '.join(KINDS)} (--kind)")
    if not name:
        raise StateError("give the issuer's name (--name)")
    try:
        code_check(code, "the issuer's credit code (--code)")
        checked_rules = rules_check(rules or {})
    except (GuaranteeError, ValueError) as exc:
        raise StateError(str(exc)) from exc
    if any((folder / f).exists() for f in (simulator.STATE, KIND.key_file, CA_KEY, STORE)):
        raise StateError(KIND.already(folder))
    if len(passphrase) < 8:  # noqa: PLR2004  (write_key_file's rule, checked before the folder is made)
        raise StateError("a key-file passphrase has at least 8 characters")
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    ca_key, key = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    ca_name = {"common_name": f"{name} CA", "organization_name": name, "serial_number": f"{code}-CA"}
    subject = {"common_name": name, "organization_name": name, "serial_number": code}
    root = x509.issue(
        issuer_key=ca_key, issuer=ca_name, subject=ca_name, public_key=ca_key.public_key, serial=_serial(),
        not_before=now, not_after=now + dt.timedelta(days=365 * ROOT_YEARS), usage="ca",
    )  # fmt: skip
    certificate = x509.issue(
        issuer_key=ca_key, issuer=ca_name, subject=subject, public_key=key.public_key, serial=_serial(),
        not_before=now, not_after=now + dt.timedelta(days=365 * CERTIFICATE_YEARS), usage="signing",
    )  # fmt: skip
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        write_key_file(ca_key, folder / CA_KEY, passphrase, iterations)
        write_key_file(key, folder / KIND.key_file, passphrase, iterations)
    except CryptoError as exc:
        raise StateError(str(exc)) from exc
    config = Config(folder=folder, name=name, created_at=canonical.format_instant(now), key=key.public_key)
    identity = Identity(kind=kind, name=name, code=code, root=root, certificate=certificate)
    write_atomic(
        folder / simulator.PUBLIC, json.dumps(KIND.public(config), ensure_ascii=False, indent=1) + "\n"
    )
    write_state(
        folder / PLATFORMS, {"format": PLATFORMS_FORMAT, "keys": [k.hex() for k in dict.fromkeys(platforms)]}
    )
    save_store(folder, Store(rules=checked_rules))
    state = {
        **config.to_json(),
        "kind": kind,
        "code": code,
        "root": base64.b64encode(root).decode("ascii"),
        "certificate": base64.b64encode(certificate).decode("ascii"),
    }
    write_atomic(folder / simulator.STATE, json.dumps(state, ensure_ascii=False, indent=1) + "\n")
    return config, identity
