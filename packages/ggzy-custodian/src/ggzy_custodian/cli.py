"""`ggzy-custodian`: a key custodian's own tool (an independent party: the trading centre, the
supervising department, a notary office…), for the custodian protocol v2 (docs/sealed-bid-format.md).

    ggzy-custodian init --state DIR --name NAME [--iterations N]
        Make the custodian: its own SM2 signing and encryption keys (key files under a passphrase,
        escrowed nowhere), self-issued certificates signing.cer / encryption.cer (DER, ~10 years) and
        state.json. Prints the two certificates' paths and SM3 fingerprints. Refuses a folder that
        holds a custodian already.
    ggzy-custodian sign-set --state DIR --body BODY.json [--yes]
        Show the custodian set body (ggzy-custodian-set-v2, as custodians.set_body makes it: centre, k
        of n, the members and their certificates' SM3, the supervising department, the platform's
        notice keys with their validity, its opening key and the witness log's pins) on standard error
        and print this custodian's signature over it (hex) on standard output. Refuses a body that is
        malformed or does not list this custodian's own two certificates; asks before signing unless
        --yes (and without a terminal, signs only with --yes).
    ggzy-custodian assemble --body BODY.json --signature KEY=HEX [--signature …] --out SIGNED.json
        Put the body and its signatures (KEY is the member's index "1" … "n", or "supervisor")
        together as {"body", "signatures"}, verify it (every member and the supervising department)
        and only then write it. Prints the set's fingerprint.
    ggzy-custodian sign-transition --set SIGNED.json --transition T.json --key KEY.key
                                   --as from|supervisor [--yes]
        Sign a notice-key transition (ggzy-notice-key-transition-v1) offline: T.json is its payload
        (custodians.transition_payload: {format, set, from_key, to_key, valid_from}) or a transition
        {"payload", "signatures"} being collected. Shows it on standard error — the set, the old key
        (and whether the set names it a notice key at valid_from), the new key, from when — and prints
        the signature (hex) on standard output: as "from" by the old notice key, as "supervisor" by the
        set's supervising department. Refuses a transition for another set, or a key that is not the
        old key (from) or the set's supervising department's (supervisor); asks unless --yes.
    ggzy-custodian sign-transition --set SIGNED.json --transition T.json --assemble
                                   [--signature from=HEX] [--signature supervisor=HEX]
                                   [--key KEY.key --as from|supervisor [--yes]] [--out T-SIGNED.json]
        Put the transition together — the signatures in T.json, those given, and this key's when
        --key is given — verify it against the set (custodians.transition_verify: both signatures,
        this set) and only then write it to --out (or print it). Notices signed by the new key count
        when they carry it (§6.3).
    ggzy-custodian serve --state DIR --set SIGNED.json --index I
                         --root CA.cer [--root …] [--intermediate X.cer …] [--crl X.crl …]
                         [--host 127.0.0.1] [--port 18490] [--demo] [--witness-trust TRUST.json]
        Serve custodian I over HTTP (ggzy_custodian.service): acknowledgements before a section's
        closing time, closures from it, time statements, and shares released only from each bid's
        release time by this machine's clock. The platform's notice keys and opening key come from the
        signed set v2: the options --platform-key and --notice-key of protocol v1 are gone. Refuses to
        start (exit 2) unless the set verifies, its custodian I is this state's own certificates, and
        --demo is given exactly for a demo set. Prints "ggzy-custodian I serving on http://HOST:PORT"
        once listening (--port 0: a free port). With --witness-trust (ggzy-witness-trust-v1: the
        pinned platform, co-signer and supervisor keys and the threshold k, docs/witness-cosigner.md)
        it also watches the witness log: POST /head takes a signed tree head from anyone and remembers
        it only with k valid co-signatures from the pinned co-signers (never the platform's signature
        alone); two co-signed heads of one epoch and size with different roots raise an alarm in
        log.jsonl (a fork). GET /head shows the newest. A trust file that cannot be read or pins fewer
        co-signers than its threshold: exit 2.

The passphrase (of the custodian's keys, or of the key file given to sign-transition) comes from
GGZY_CUSTODIAN_PASSPHRASE or a prompt. Certificates and CRLs may be DER or PEM. Exit status: 0 done, 1
refused (init, sign-set, assemble, sign-transition), 2 wrong usage or `serve` refusing to start.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from ggzy_custodian import __version__, state
from ggzy_custodian.service import DEFAULT_PORT, Custodian, CustodianServer, StartupError
from ggzy_sm import canonical, custodians, strict, x509
from ggzy_sm.custodians import CustodianError, Trust
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import Refused, UsageError, passphrase, run_command, say, serve
from ggzy_sm.keys import DEFAULT_ITERATIONS, load_key_file
from ggzy_sm.sm3 import sm3
from ggzy_sm.witness import WitnessError, WitnessTrust

PASSPHRASE_ENV = "GGZY_CUSTODIAN_PASSPHRASE"  # noqa: S105  (the variable's name, not a secret)


def _passphrase(confirm: bool = False) -> str:
    return passphrase(PASSPHRASE_ENV, "Custodian", confirm=confirm)


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from exc


def _ders(paths: list[str] | None, what: str) -> list[bytes]:
    out: list[bytes] = []
    for path in paths or []:
        try:
            blocks = x509.der_blocks(Path(path).read_bytes())
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror or exc}") from exc
        except x509.CertificateError as exc:
            raise UsageError(f"{path}: {exc}") from exc
        if what == "certificate":
            for der in blocks:
                try:
                    x509.Certificate.load(der)
                except x509.CertificateError as exc:
                    raise UsageError(f"{path} is not a certificate: {exc}") from exc
        out += blocks
    return out


# --- init -------------------------------------------------------------------------------------------


def run_init(args: argparse.Namespace) -> int:
    folder = Path(args.state)
    if (folder / state.STATE).exists():
        raise Refused(f"{folder} holds a custodian already: its keys are never replaced in place")
    try:
        identity = state.init(folder, args.name, _passphrase(confirm=True), iterations=args.iterations)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    say(f"signing certificate:    {folder / state.SIGNING_CERTIFICATE}  SM3 {identity.signing_fingerprint}")
    say(
        f"encryption certificate: {folder / state.ENCRYPTION_CERTIFICATE}"
        f"  SM3 {identity.encryption_fingerprint}"
    )
    say(
        f"custodian {identity.name!r} made in {folder}; send both certificates (and their SM3, by another"
        " channel) to whoever draws up the custodian set",
        err=True,
    )
    return 0


# --- sign-set and assemble ----------------------------------------------------------------------------


def _body(path: str) -> dict[str, Any]:
    """A set body from BODY.json (a bare body, or a {"body", "signatures"} file being collected),
    checked by the protocol's own parser: a well-formed body with no signatures is refused only as
    "unsigned"."""
    document = _read_json(path)
    if isinstance(document, dict) and isinstance(document.get("body"), dict) and "signatures" in document:
        document = document["body"]
    if not isinstance(document, dict):
        raise Refused(f"{path} is not a custodian set body")
    try:
        custodians.set_verify({"body": document, "signatures": {}})
    except CustodianError as exc:
        if exc.reason != "unsigned":
            raise Refused(f"{path} is not a valid custodian set body ({exc.reason}): {exc}") from exc
    return document


def _der_of(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


def _summary(body: dict[str, Any], mine: int | None) -> list[str]:
    kind = "DEMO (sandbox only)" if body.get("demo") else "production"
    lines = [
        f"custodian set of {body['centre']} (version {body.get('version')}), {kind}",
        f"  {body['k']} of {body['n']} custodians release a bid's key",
        f"  set SM3 {custodians.set_fingerprint(body)}",
    ]
    for entry in body["custodians"]:
        lines.append(
            f"  {entry['index']}. {entry['name']} <{entry['url']}>"
            + ("   <- this custodian" if entry["index"] == mine else "")
        )
        lines.append(f"       signing certificate SM3    {sm3(_der_of(entry['signing_certificate'])).hex()}")
        lines.append(
            f"       encryption certificate SM3 {sm3(_der_of(entry['encryption_certificate'])).hex()}"
        )
    supervisor = body["supervisor"]
    lines.append(f"  supervising department: {supervisor.get('name', '')}")
    lines.append(f"       signing certificate SM3    {sm3(_der_of(supervisor['signing_certificate'])).hex()}")
    lines.append("  the platform's notice keys (notices signed by any other key are ignored):")
    for entry in body["notice_keys"]:
        until = entry["valid_until"] or "no end"
        lines.append(f"       {entry['key']}")
        lines.append(f"         valid from {entry['valid_from']} until {until}")
    lines.append("  the platform's opening key (shares are re-encrypted to it):")
    lines.append(f"       {body['opening_key']}")
    pins = body["witness"]
    lines.append(
        f"  the witness log: {pins['threshold']} of {len(pins['cosigners'])} co-signers, operator keys"
    )
    lines.extend(f"       {key}" for key in pins["operator_keys"])
    lines.extend(f"       co-signer {c['name']}: {c['key']}" for c in pins["cosigners"])
    return lines


def run_sign_set(args: argparse.Namespace) -> int:
    try:
        identity = state.load_identity(args.state)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    body = _body(args.body)
    mine = None
    for entry in body["custodians"]:
        signing = _der_of(entry["signing_certificate"]) == identity.signing_certificate
        encryption = _der_of(entry["encryption_certificate"]) == identity.encryption_certificate
        if signing and encryption:
            mine = int(entry["index"])
        elif signing or encryption:
            raise Refused(
                f"custodian {entry['index']} of the body has one of this custodian's certificates but not"
                " the other: refusing to sign"
            )
    for line in _summary(body, mine):
        say(line, err=True)
    if mine is None:
        raise Refused(
            f"the body does not list this custodian's own certificates ({identity.name}, encryption"
            f" certificate SM3 {identity.encryption_fingerprint}): refusing to sign"
        )
    if not args.yes:
        if not sys.stdin.isatty():
            raise Refused("check the summary above, then sign with --yes (no terminal to ask)")
        if input(f"Sign this set as custodian {mine}? [y/N] ").strip().lower() not in {"y", "yes"}:
            raise Refused("not signed")
    try:
        key = load_key_file(identity.folder / state.SIGNING_KEY, _passphrase())
    except CryptoError as exc:
        raise Refused(str(exc)) from exc
    say(custodians.set_sign(body, key))
    return 0


def run_assemble(args: argparse.Namespace) -> int:
    body = _body(args.body)
    members = {str(i) for i in range(1, int(body["n"]) + 1)} | {"supervisor"}
    signatures: dict[str, str] = {}
    for item in args.signature:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip().lower()
        if not sep or key not in members:
            raise UsageError(
                f"--signature {item!r}: give KEY=HEX with KEY one of 1 … {body['n']} or supervisor"
            )
        if key in signatures:
            raise UsageError(f"two signatures for {key}")
        try:
            bytes.fromhex(value)
        except ValueError as exc:
            raise UsageError(f"--signature {key}: not hex") from exc
        signatures[key] = value
    signed = {"body": body, "signatures": signatures}
    try:
        cset = custodians.set_verify(signed)
    except CustodianError as exc:
        raise Refused(f"the set does not verify ({exc.reason}): {exc}; nothing written") from exc
    write_atomic(args.out, json.dumps(signed, ensure_ascii=False, indent=1))
    say(f"{args.out}: custodian set of {cset.centre}, {cset.k} of {cset.n}, SM3 {cset.fingerprint}")
    return 0


# --- sign-transition ----------------------------------------------------------------------------------

ROLES = ("from", "supervisor")


def _verified_set(path: str) -> custodians.SignedCustodianSet:
    signed = _read_json(path)
    try:
        return custodians.set_verify(signed)
    except CustodianError as exc:
        raise Refused(f"{path}: the custodian set does not verify ({exc.reason}): {exc}") from exc


def _transition(path: str, cset: custodians.SignedCustodianSet) -> tuple[dict[str, Any], dict[str, str]]:
    """(payload, signatures so far) of T.json: a bare payload, or {"payload", "signatures"}. The payload
    must be exactly what custodians.transition_payload makes, for this set."""
    document = _read_json(path)
    signatures: Any = {}
    if isinstance(document, dict) and set(document) == {"payload", "signatures"}:
        document, signatures = document["payload"], document["signatures"]
    if not isinstance(signatures, dict) or not all(
        key in ROLES and isinstance(value, str) for key, value in signatures.items()
    ):
        raise Refused(f'{path}: a transition\'s signatures are {{"from": hex, "supervisor": hex}}')
    try:
        remade = custodians.transition_payload(
            set_fingerprint=document["set"],
            from_key=strict.public_key(document["from_key"]),
            to_key=strict.public_key(document["to_key"]),
            valid_from=strict.parse_instant(document["valid_from"]),
        )
    except (KeyError, TypeError, ValueError, CustodianError) as exc:
        raise Refused(f"{path} is not a notice-key transition ({exc})") from exc
    if remade != document:
        raise Refused(f"{path} is not exactly a ggzy-notice-key-transition-v1 payload")
    if document["set"] != cset.fingerprint:
        raise Refused(
            f"{path} is a transition for another custodian set (SM3 {document['set']}),"
            f" not {cset.fingerprint}"
        )
    return document, dict(signatures)


def _transition_summary(payload: dict[str, Any], cset: custodians.SignedCustodianSet) -> list[str]:
    valid_from = strict.parse_instant(payload["valid_from"])
    from_key = strict.public_key(payload["from_key"])
    intervals = [nk for nk in cset.notice_keys if nk.key == from_key and nk.holds(valid_from)]
    if intervals:
        until = intervals[0].valid_until
        standing = (
            f"a notice key of the set from {canonical.format_instant(intervals[0].valid_from)}"
            f" until {'no end' if until is None else canonical.format_instant(until)}"
        )
    else:
        standing = (
            "NOT a notice key of the set at valid_from: this transition counts only after another that"
            " makes it one"
        )
    return [
        f"notice-key transition for the custodian set of {cset.centre} (version {cset.version})",
        f"  set SM3 {cset.fingerprint}",
        f"  old key   {payload['from_key']}",
        f"            {standing}",
        f"  new key   {payload['to_key']}",
        f"  from      {payload['valid_from']}: notices the new key issues from then on count, with this",
        "            transition attached",
        f"  supervising department: {cset.body['supervisor']['name']}",
    ]


def _sign_transition(
    args: argparse.Namespace, payload: dict[str, Any], cset: custodians.SignedCustodianSet
) -> str:
    """This key's signature on the transition, as `args.as_`, after the summary and the question."""
    for line in _transition_summary(payload, cset):
        say(line, err=True)
    role = args.as_
    if not args.yes:
        if not sys.stdin.isatty():
            raise Refused("check the summary above, then sign with --yes (no terminal to ask)")
        question = "as the old notice key" if role == "from" else "as the supervising department"
        if input(f"Sign this transition {question}? [y/N] ").strip().lower() not in {"y", "yes"}:
            raise Refused("not signed")
    try:
        key = load_key_file(args.key, _passphrase())
    except OSError as exc:
        raise UsageError(f"{args.key}: {exc.strerror or exc}") from exc
    except CryptoError as exc:
        raise Refused(f"{args.key}: {exc}") from exc
    if role == "from" and key.public_key.hex() != payload["from_key"]:
        raise Refused(f"{args.key} is not the transition's old notice key: refusing to sign")
    if role == "supervisor" and key.public_key != cset.supervisor.public_key:
        raise Refused(f"{args.key} is not the set's supervising department's key: refusing to sign")
    return custodians.transition_sign(payload, key)


def run_sign_transition(args: argparse.Namespace) -> int:
    if (args.key is None) != (args.as_ is None):
        raise UsageError("give --key and --as together")
    if not args.assemble and (args.key is None or args.signature or args.out):
        raise UsageError("give --key and --as to sign (--signature and --out only with --assemble)")
    cset = _verified_set(args.set)
    payload, signatures = _transition(args.transition, cset)
    if not args.assemble:
        say(_sign_transition(args, payload, cset))
        return 0
    for item in args.signature:
        role, sep, value = item.partition("=")
        role, value = role.strip(), value.strip().lower()
        if not sep or role not in ROLES:
            raise UsageError(f"--signature {item!r}: give from=HEX or supervisor=HEX")
        if signatures.get(role, value) != value:
            raise UsageError(f"two different signatures as {role}")
        signatures[role] = value
    if args.key is not None:
        mine = _sign_transition(args, payload, cset)
        signatures[args.as_] = mine
    missing = [role for role in ROLES if role not in signatures]
    if missing:
        raise Refused(f"the transition lacks the signature {' and '.join(missing)}: nothing written")
    transition = {"payload": payload, "signatures": {role: signatures[role] for role in ROLES}}
    try:
        custodians.transition_verify(transition, cset)
    except CustodianError as exc:
        raise Refused(f"the transition does not verify ({exc.reason}): {exc}; nothing written") from exc
    text = json.dumps(transition, ensure_ascii=False, indent=1)
    if args.out:
        write_atomic(args.out, text)
        say(f"{args.out}: notice-key transition verified against the set {cset.fingerprint}", err=True)
    else:
        say(text)
    return 0


# --- serve ------------------------------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    signed = _read_json(args.set)
    if not isinstance(signed, dict):
        raise UsageError(f"{args.set} is not a signed custodian set")
    trust = Trust(
        roots=_ders(args.root, "certificate"),
        intermediates=_ders(args.intermediate, "certificate"),
        crls=_ders(args.crl, "crl"),
    )
    witness_trust = None
    if args.witness_trust:
        try:
            witness_trust = WitnessTrust.load(args.witness_trust)
        except WitnessError as exc:
            raise UsageError(f"--witness-trust: {exc}") from exc
    try:
        custodian = Custodian.open(
            args.state,
            _passphrase,
            signed,
            args.index,
            trust=trust,
            demo=args.demo,
            witness_trust=witness_trust,
        )
        server = CustodianServer(custodian, args.host, args.port)
    except (StartupError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    notes = [
        (
            f"custodian {args.index} ({custodian.identity.name}) of {custodian.cset.centre}'s set"
            f" {custodian.cset.fingerprint}; judged by this machine's clock; Ctrl-C stops it"
        )
    ]
    if witness_trust is not None:
        notes.append(
            f"watching the witness log: heads need {witness_trust.threshold} of the"
            f" {len(witness_trust.cosigners)} pinned co-signers (POST /head, GET /head)"
        )
    return serve(server, f"ggzy-custodian {args.index}", notes, close=custodian.close)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ggzy-custodian",
        description="A key custodian: its own keys, its signature on the custodian set and on notice-key "
        "transitions, and its service (acknowledgements before the deadline, shares only after each "
        "bid's release time, by this machine's clock).",
    )
    parser.add_argument("--version", action="version", version=f"ggzy-custodian {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="make a custodian: its own keys and certificates")
    init.add_argument("--state", required=True, help="the custodian's own state folder")
    init.add_argument("--name", required=True, help="the custodian's name (its certificates' subject)")
    init.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help=argparse.SUPPRESS)

    sign = commands.add_parser("sign-set", help="show a custodian set body and sign it")
    sign.add_argument("--state", required=True)
    sign.add_argument("--body", required=True, help="the set body (JSON)")
    sign.add_argument("--yes", action="store_true", help="sign without asking")

    assemble = commands.add_parser("assemble", help="put a body and its signatures together, verified")
    assemble.add_argument("--body", required=True)
    assemble.add_argument("--signature", action="append", required=True, metavar="KEY=HEX")
    assemble.add_argument("--out", required=True)

    transition = commands.add_parser(
        "sign-transition", help="sign (or put together) a notice-key transition, offline"
    )
    transition.add_argument("--set", required=True, help="the signed custodian set (JSON)")
    transition.add_argument("--transition", required=True, metavar="T.json", help="its payload, or it")
    transition.add_argument("--key", metavar="KEY.key", help="the old notice key's or the supervisor's key")
    transition.add_argument("--as", dest="as_", choices=ROLES, help="sign as the old key or the supervisor")
    transition.add_argument("--yes", action="store_true", help="sign without asking")
    transition.add_argument("--assemble", action="store_true", help="put the whole transition together")
    transition.add_argument("--signature", action="append", default=[], metavar="ROLE=HEX")
    transition.add_argument("--out", help="with --assemble: where to write it (else printed)")

    serve = commands.add_parser("serve", help="serve this custodian's shares over HTTP")
    serve.add_argument("--state", required=True)
    serve.add_argument("--set", required=True, help="the signed custodian set (JSON)")
    serve.add_argument("--index", type=int, required=True, help="this custodian's index in the set")
    serve.add_argument("--root", action="append", required=True, help="a CA root for bidders' certificates")
    serve.add_argument("--intermediate", action="append", default=[])
    serve.add_argument("--crl", action="append", default=[])
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--demo", action="store_true", help="serve a demo set (sandbox only)")
    serve.add_argument(
        "--witness-trust",
        metavar="TRUST.json",
        help="the pinned witness co-signers (ggzy-witness-trust-v1): also watch the witness log's heads",
    )
    return parser


COMMANDS = {
    "init": run_init,
    "sign-set": run_sign_set,
    "assemble": run_assemble,
    "sign-transition": run_sign_transition,
    "serve": run_serve,
}


def main(argv: list[str] | None = None) -> int:
    return run_command("ggzy-custodian", COMMANDS, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
