"""`ggzy-bid`: the bidder's client.

    ggzy-bid agent --key KEY.json --certificate SIGN.cer --origin https://ggzy.example.cn
                   [--auto-approve [--auto-approve-minutes N] [--auto-approve-count N]]
        Run the local signing agent on 127.0.0.1 (port 18480) for the given platform origins. Asks
        on the terminal before each signature (declines without a terminal). --auto-approve signs
        without asking for N minutes (default 10, at most 480) or N signatures (default 20, at most
        1000), whichever ends first, then asks again: meanwhile any program running as this user can
        obtain sign-in signatures (see ggzy_bid.agent).
    ggzy-bid login-sign --key KEY.json [CHALLENGE]
        The copy-paste fallback: sign the login challenge the page shows (argument or standard
        input) and print the signature to paste back into the page.

    ggzy-bid seal --section CODE --bidder CODE --deadline TIME --opening-sheet SHEET.json --key KEY.json
                  --certificate SIGN.cer --encryption-certificate ENC.cer --out BID.ggzybid
                  [--custodians SIGNED_SET.json [--pin FINGERPRINT]… [--allow-demo-custodians]
                   [--set-proof PROOF.json --witness-trust TRUST.json]] DOCUMENT…
        Check the opening sheet against ggzy-opening-sheet-v1 (nothing is written if it does not follow
        it), then seal (docs/sealed-bid-format.md), with a progress bar when standard error is a terminal.
        With --custodians the bid key is also split among the centre's key custodians (§8): the set must
        carry every member's signature, match a --pin if given and, where known_sets.json lists the
        centre, be one of the sets listed; a demo set only with --allow-demo-custodians.
        With --set-proof the set must also be the one the platform published in the co-signed witness
        log (docs/witness-cosigner.md): PROOF.json is the inclusion proof of the set's publication event
        (sealing.custodians.published, GET /api/v1/witness/events/<uid>/proof) and is accepted only if
        its tree head carries k valid co-signatures from the co-signers pinned in TRUST.json
        (ggzy-witness-trust-v1; never the platform's signature alone), the epoch statements for an
        epoch > 0, a leaf and audit path that lead to the head's root, and a canonical event document
        whose data names this set's fingerprint. --set-proof needs --witness-trust. Any refusal: exit
        status 2, nothing asked or written.
    ggzy-bid verify-proof PROOF.json --witness-trust TRUST.json
        Check any witness-log inclusion proof (a receipt's, a deadline notice's, a set's publication)
        against the pinned co-signers as above. Prints "OK: …" and exits 0 only when it is accepted;
        otherwise prints each failure ("FAILED: …") and exits 1. An epoch break (a recovery from
        backup) is shown either way.
    ggzy-bid inspect BID.ggzybid / ggzy-bid release --key KEY.json --encryption-key ENC.json BID.ggzybid

The key file's passphrase comes from GGZY_BID_PASSPHRASE or a prompt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from ggzy_bid import __version__, witnesslog
from ggzy_bid.agent import (
    AUTO_APPROVE_COUNT,
    AUTO_APPROVE_MINUTES,
    DEFAULT_PORT,
    LOGIN_PURPOSE,
    Agent,
    AgentServer,
    Approver,
    AutoApproval,
    Refused,
    check_login_payload,
)
from ggzy_sm import custodians, openingsheet, sealedbid, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm2 import Sm2PrivateKey


class UsageError(Exception):
    pass


def read_certificate(path: str) -> bytes:
    """A certificate file in DER or PEM."""
    return x509.der_blocks(Path(path).read_bytes())[0]


def _key(path: str) -> Sm2PrivateKey:
    passphrase = os.environ.get("GGZY_BID_PASSPHRASE") or getpass.getpass(f"Passphrase for {path}: ")
    return load_key_file(path, passphrase)


_PROMPTING = threading.Lock()  # one question at a time on the terminal


def _prompt(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
    if not sys.stdin.isatty():
        return False  # nobody to ask: decline rather than sign unseen
    with _PROMPTING:
        print(f"\n{origin} asks for a {purpose} signature: {json.dumps(payload)}")  # noqa: T201
        return input("Sign? [y/N] ").strip().lower() in {"y", "yes"}


def _bounded(name: str, maximum: int) -> Callable[[str], int]:
    """An argparse type: an integer from 1 to `maximum` (outside: a usage error, exit status 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{name} is a whole number from 1 to {maximum}, not {text!r}")
        return value

    return parse


AUTO_APPROVE_WARNING = (
    "WARNING: --auto-approve: for {minutes} minutes or {count} signatures, whichever ends first, ANY"
    " program running on this computer as this user can obtain sign-in signatures for {origins}"
    " without you seeing it: a program can claim to be one of those pages (the Origin check stops"
    " only other web sites in your browser). Then the agent asks at the terminal again. Use it only"
    " where nothing else runs as this user (kiosks, tests)."
)


def run_agent(args: argparse.Namespace) -> int:
    if not args.origin:
        raise UsageError("give at least one --origin (the platform's address, e.g. https://ggzy.example.cn)")
    if not args.auto_approve and (args.auto_approve_minutes or args.auto_approve_count):
        raise UsageError("--auto-approve-minutes and --auto-approve-count go with --auto-approve")
    key = _key(args.key)
    certificate = read_certificate(args.certificate)
    approve: Approver = _prompt
    if args.auto_approve:  # the budget starts now, after the passphrase prompt
        approve = AutoApproval(
            fallback=_prompt,
            minutes=args.auto_approve_minutes or AUTO_APPROVE_MINUTES[0],
            count=args.auto_approve_count or AUTO_APPROVE_COUNT[0],
        )
    agent = Agent(key=key, certificate=certificate, origins=frozenset(args.origin), approve=approve)
    server = AgentServer(agent, args.port)
    if isinstance(approve, AutoApproval):
        print(  # noqa: T201
            AUTO_APPROVE_WARNING.format(
                minutes=approve.minutes, count=approve.count, origins=", ".join(sorted(agent.origins))
            ),
            file=sys.stderr,
            flush=True,
        )
    print(  # noqa: T201
        f"ggzy-bid agent on http://127.0.0.1:{server.server_port} for {', '.join(sorted(agent.origins))}"
        f" (key {agent.key.public_key.fingerprint()}); Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def login_sign(args: argparse.Namespace) -> int:
    text = args.challenge if args.challenge is not None else sys.stdin.read()
    try:
        challenge = json.loads(text)
    except ValueError as exc:
        raise UsageError("paste the challenge exactly as the page shows it (JSON)") from exc
    if not isinstance(challenge, dict) or challenge.get("purpose") != LOGIN_PURPOSE:
        raise UsageError(f"not a {LOGIN_PURPOSE} challenge: refusing to sign it")
    payload = challenge.get("payload")
    origin = payload.get("origin", "") if isinstance(payload, dict) else ""
    check_login_payload(payload, origin)
    if args.origin and origin.rstrip("/") != args.origin.rstrip("/"):
        raise UsageError(f"the challenge is for {origin}, not {args.origin}: refusing to sign it")
    print(f"Signing in to {origin}", file=sys.stderr)  # noqa: T201
    print(_key(args.key).sign(LOGIN_PURPOSE, payload).hex())  # noqa: T201
    return 0


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise UsageError(f"{text}: give the deadline with its time zone, e.g. 2026-12-20T09:30:00+08:00")
    return value


#: What to write where a sheet goes wrong (by the first segment of the place), for the bidder.
SHEET_HINTS = {
    "price": '金额写 {"kind": "amount", "fen": 整数分}（如 123456789 即 1,234,567.89 元，不写小数）；'
    '费率、下浮率写 {"kind": "rate" 或 "discount", "percent": "百分数字符串"}（如 "95.5"，最多 4 位小数）',
    "schema": '须为 "schema": "ggzy-opening-sheet-v1"',
    "duration_days": "工期为整数天（1–3650）",
    "/": "允许的项：schema（必填）、price（必填）、duration_days、quality、project_manager、other",
}


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise UsageError(f"开标一览表中“{twice}”出现了两次 (a key appears twice): 未封装，未写入任何文件")
    return dict(pairs)


def load_opening_sheet(path: Path) -> dict[str, Any]:
    """The opening sheet file, if it follows ggzy-opening-sheet-v1 (in canonical JSON); else UsageError
    with a message for the bidder: where, what, and how it should be written."""
    try:
        sheet = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_json_object)
    except UnicodeDecodeError as exc:
        raise UsageError(f"开标一览表 {path} 不是 UTF-8 文本 (not UTF-8): 未封装，未写入任何文件") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"开标一览表 {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 ({exc.msg})。"
            "未封装，未写入任何文件"
        ) from exc
    try:
        sealedbid.canonical_sheet(sheet)
    except openingsheet.SheetError as exc:
        place = "整个文件（顶层）" if exc.where == "/" else exc.where
        hint = SHEET_HINTS.get(exc.where.split("/")[0] or "/", "")
        raise UsageError(
            f"开标一览表 {path} 不符合 {openingsheet.SCHEMA}，未封装，未写入任何文件。\n"
            f"  位置：{place}\n  问题：{exc}" + (f"\n  写法：{hint}" if hint else "")
        ) from exc
    return dict(sheet)


def _known_sets() -> dict[str, list[str]]:
    """The custodian sets this client ships with, {centre: [set fingerprint, …]} (known_sets.json): a
    second line behind the members' signatures, against an operator who replaces the whole set."""
    table = json.loads(resources.files("ggzy_bid").joinpath("known_sets.json").read_text(encoding="utf-8"))
    if not isinstance(table, dict) or not all(
        isinstance(v, list) and all(isinstance(f, str) for f in v) for v in table.values()
    ):
        raise ValueError("known_sets.json is not {centre: [fingerprint, …]}")
    return {str(centre): [f.strip().lower() for f in fingerprints] for centre, fingerprints in table.items()}


KNOWN_SETS = _known_sets()

#: Why a custodian set is refused (custodians.CustodianError.reason), for the bidder.
SET_REASONS = {
    "malformed": "名单格式不正确",
    "unsigned": "有成员（托管方或监督部门）未签名",
    "signature": "有成员的签名验证不通过：名单在签名后被改动，或签名不是该成员本人所签",
    "pin": "名单指纹与 --pin 给出的不符",
}
NOT_SEALED = "未封装，未写入任何文件"


def load_custodian_set(path: Path, pins: list[str], allow_demo: bool) -> custodians.CustodianSet:
    """The signed custodian set in `path` if every member signed it, it matches a pin (when any is given)
    and, where KNOWN_SETS lists its centre, one of the fingerprints listed; a demo set only when allowed.
    Else UsageError, in Chinese first."""
    try:
        signed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"密钥托管方名单 {path} 无法读取或不是 JSON (custodian set unreadable: {exc})。{NOT_SEALED}"
        ) from exc
    try:
        cset = custodians.set_verify(signed, pins)
    except custodians.CustodianError as exc:
        why = SET_REASONS.get(exc.reason, "未通过验证")
        raise UsageError(
            f"密钥托管方名单 {path} 未通过验证：{why}。{NOT_SEALED}\n"
            f"  (custodian set refused: {exc.reason}: {exc})"
        ) from exc
    known = KNOWN_SETS.get(cset.centre)
    if known is not None and cset.fingerprint not in known:
        raise UsageError(
            f"密钥托管方名单不是本客户端已知的中心 {cset.centre} 的名单（指纹 {cset.fingerprint}）。"
            f"{NOT_SEALED}\n  (custodian set refused: not one known_sets.json lists for {cset.centre})"
        )
    if not cset.demo and not pins and known is None:
        raise UsageError(
            f"密钥托管方名单（中心 {cset.centre}，指纹 {cset.fingerprint}）既不是本客户端已知的名单，"
            "也没有用 --pin 核对：一份全由运营方自己的密钥签名的名单同样能通过签名验证。"
            f"请向交易中心或监督部门公布的指纹核对后用 --pin 指定。{NOT_SEALED}\n"
            "  (custodian set refused: neither pinned nor known — a set signed by the operator's own keys"
            " would verify too)"
        )
    if cset.demo and not allow_demo:
        raise UsageError(
            f"这是演示用的密钥托管方名单（中心 {cset.centre}），真实投标不得使用；"
            f"仅用于演示时请加 --allow-demo-custodians。{NOT_SEALED}\n"
            "  (custodian set refused: a demo set, without --allow-demo-custodians)"
        )
    return cset


class ProgressBar:
    """`done / total` on one line of a terminal, redrawn with a carriage return (at most 101 times)."""

    def __init__(self, out: TextIO, label: str = "封装 sealing", width: int = 30) -> None:
        self.out, self.label, self.width = out, label, width
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        mb = 1024 * 1024
        self.out.write(f"\r{self.label} [{bar}] {percent:3d}%  {done / mb:.1f}/{total / mb:.1f} MB")
        self.out.flush()

    def close(self) -> None:
        """End the line (also when sealing failed half-way, so the error starts on a line of its own)."""
        if self.shown >= 0:
            self.out.write("\n")
            self.out.flush()
            self.shown = -1


def check_set_published(cset: custodians.CustodianSet, proof_path: str, trust_path: str) -> None:
    """The custodian set is the one the platform published in the co-signed witness log: the proof's
    head has the pinned co-signatures and its event is this set's publication. Else UsageError."""
    try:
        trust = witnesslog.load_trust(trust_path)
        bundle = witnesslog.load_proof(proof_path)
    except witnesslog.ProofFileError as exc:
        raise UsageError(
            f"密钥托管方名单的公布证明或见证信任文件无法使用。{NOT_SEALED}\n  (set proof refused: {exc})"
        ) from exc
    problems = witnesslog.publication_problems(bundle, trust, cset.fingerprint, demo=cset.demo)
    if problems:
        raise UsageError(
            f"密钥托管方名单（指纹 {cset.fingerprint}）未被证明已在经共同签名的见证日志中公布："
            f"{proof_path} 未通过验证。{NOT_SEALED}\n  (custodian set refused: its publication proof fails)\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )


def seal(args: argparse.Namespace) -> int:
    """Seal the documents and the opening sheet into a ggzy-bid-v1 file (docs/sealed-bid-format.md).
    The opening sheet is checked first: nothing is asked or written if it does not follow its schema."""
    sheet = load_opening_sheet(Path(args.opening_sheet))
    if (args.pin or args.allow_demo_custodians or args.set_proof) and not args.custodians:
        raise UsageError(
            f"--pin、--allow-demo-custodians 与 --set-proof 须与 --custodians 一起使用。{NOT_SEALED}"
        )
    if args.set_proof and not args.witness_trust:
        raise UsageError(
            "--set-proof 须与 --witness-trust 一起使用：没有固定的共同签名方，任何树头都不予接受。"
            f"{NOT_SEALED}\n  (--set-proof needs --witness-trust: a tree head is never accepted on the"
            " platform's signature alone)"
        )
    if args.witness_trust and not args.set_proof:
        raise UsageError(
            f"--witness-trust 须与 --set-proof 一起使用（否则不会核对任何证明）。{NOT_SEALED}\n"
            "  (--witness-trust goes with --set-proof)"
        )
    cset = (
        load_custodian_set(Path(args.custodians), args.pin, args.allow_demo_custodians)
        if args.custodians
        else None
    )
    if cset is not None and args.set_proof:
        check_set_published(cset, args.set_proof, args.witness_trust)
    binding = sealedbid.Binding(
        tender_project=args.section[:20],
        section=args.section,
        bidder=args.bidder,
        deadline=_instant(args.deadline),
    )
    encryption_certificate = read_certificate(args.encryption_certificate)
    signing_certificate = read_certificate(args.certificate)
    signing_key = _key(args.key)  # may prompt: before the bar
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        header = sealedbid.seal(
            target=Path(args.out),
            binding=binding,
            opening_sheet=sheet,
            documents=[Path(d) for d in args.documents],
            signing_key=signing_key,
            signing_certificate=signing_certificate,
            encryption_certificate=encryption_certificate,
            encryption_key=x509.Certificate.load(encryption_certificate).public_key,
            machine=machine_fingerprint(),
            boq=Path(args.boq) if args.boq else None,
            tool=f"ggzy-bid {__version__}",
            progress=bar,
            custodians=cset,
        )
    finally:
        if bar:
            bar.close()
    print(f"sealed {args.out}: ciphertext SM3 {header['ciphertext_sm3']}", file=sys.stderr)  # noqa: T201
    if cset is not None:
        print(  # noqa: T201
            f"密钥已分给 {cset.n} 个托管方，任意 {cset.k} 个可恢复 (custodian set {cset.fingerprint})",
            file=sys.stderr,
        )
        if args.set_proof:
            print(  # noqa: T201
                "该名单已在经共同签名的见证日志中公布 (set published in the co-signed witness log)",
                file=sys.stderr,
            )
    return 0


def verify_proof(args: argparse.Namespace) -> int:
    """Check a witness-log inclusion proof against the pinned co-signers: 0 and "OK" only when it is
    accepted; each failure printed and 1 otherwise."""
    try:
        trust = witnesslog.load_trust(args.witness_trust)
        bundle = witnesslog.load_proof(args.proof)
    except witnesslog.ProofFileError as exc:
        print(f"FAILED: {exc}")  # noqa: T201
        return 1
    problems, breaks = witnesslog.proof_problems(bundle, trust)
    for line in breaks:
        print(f"epoch break: {line}")  # noqa: T201
    for problem in problems:
        print(f"FAILED: {problem}")  # noqa: T201
    if problems:
        return 1
    document = witnesslog.event_document(bundle) or {}
    sth = bundle["tree_head"]["sth"]
    print(  # noqa: T201
        f"OK: event {document.get('type', '?')} ({document.get('uid', '?')}) is leaf {bundle['leaf_index']}"
        f" of the witness log's tree head of {sth['tree_size']} leaves (epoch {sth['epoch']}),"
        f" co-signed by at least {trust.threshold} of the {len(trust.cosigners)} pinned co-signers"
    )
    return 0


def custodian_summary(envelope: Any) -> dict[str, Any] | None:
    """The custodian envelope as `inspect` shows it: the set, k, n and each share's custodian."""
    if envelope is None:
        return None
    return {
        "set": envelope["set"],
        "k": envelope["k"],
        "n": envelope["n"],
        "custodians": [
            {"index": share["index"], "fingerprint": share["custodian"]}
            for share in sorted(envelope["shares"], key=lambda share: int(share["index"]))
        ],
    }


def inspect(args: argparse.Namespace) -> int:
    """Show the header and check the signature (with the certificate's key) and the ciphertext."""
    bid = sealedbid.read(Path(args.bid))
    certificate = x509.Certificate.load(sealedbid.signing_certificate(bid))
    sealedbid.verify(bid, certificate.public_key)
    shown = {
        k: v for k, v in bid.header.items() if k not in ("signing_certificate", "wrapped_key", "signature")
    }
    shown["custodians"] = custodian_summary(bid.header["custodians"])
    report = {**shown, "signer": certificate.subject, "verified": True}
    print(json.dumps(report, ensure_ascii=False, indent=1))  # noqa: T201
    return 0


def release(args: argparse.Namespace) -> int:
    """At the opening: unwrap the key with the encryption key file and print the signed release."""
    bid = sealedbid.read(Path(args.bid))
    passphrase = os.environ.get("GGZY_BID_PASSPHRASE") or getpass.getpass("Passphrase: ")
    signed = sealedbid.release(
        bid, load_key_file(args.encryption_key, passphrase), load_key_file(args.key, passphrase)
    )
    print(json.dumps(signed))  # noqa: T201
    return 0


def _first_line(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
    except (OSError, IndexError):
        return ""  # not readable here (many need root): left out of the fingerprint


def _cpu() -> str:
    """The processor's identity: the serial where the CPU has one (ARM), else vendor, family, model,
    stepping and microcode from /proc/cpuinfo (what CPUID-based tools call the processor ID)."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        return ""
    if fields.get("Serial"):
        return fields["Serial"]
    parts = [fields.get(k, "") for k in ("vendor_id", "cpu family", "model", "stepping", "microcode")]
    return "-".join(parts) if any(parts) else ""


def _disk() -> str:
    """The serial of the first fixed disk (from its /dev/disk/by-id name, which carries it)."""
    try:
        names = sorted(p.name for p in Path("/dev/disk/by-id").iterdir() if "-part" not in p.name)
    except OSError:
        return ""
    fixed = [n for n in names if n.startswith(("nvme-", "ata-", "scsi-")) and not n.startswith("nvme-eui")]
    return fixed[0] if fixed else ""


def machine_fingerprint() -> dict[str, str]:
    """What identifies the sealing machine (national data set 519): MAC, CPU, disk, memory and board
    serials where this system lets a user read them, and the tool's version. The header carries the SM3
    of each component, never the values (sealedbid.machine_hashes); unreadable ones are left out."""
    import uuid

    node = uuid.getnode()
    return {
        "mac": "" if node >> 40 & 1 else f"{node:012x}",  # a random node id (multicast bit) is no MAC
        "cpu": _cpu(),
        "disk": _disk(),
        "memory": _first_line("/sys/class/dmi/id/memory_serial"),  # rarely readable without root
        "board": _first_line("/sys/class/dmi/id/board_serial")
        or _first_line("/sys/class/dmi/id/product_uuid"),
        "tool": f"ggzy-bid {__version__}",
    }


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ggzy-bid", description="ggzy's bidder client")
    commands = top.add_subparsers(dest="command", required=True)
    agent = commands.add_parser("agent", help="run the local signing agent on 127.0.0.1")
    agent.add_argument("--key", required=True, help="the signing key file")
    agent.add_argument("--certificate", required=True, help="the signing certificate (DER or PEM)")
    agent.add_argument("--origin", action="append", default=[], help="a platform origin to serve")
    agent.add_argument("--port", type=int, default=DEFAULT_PORT)
    agent.add_argument(
        "--auto-approve",
        action="store_true",
        help="sign without asking, for a limited time and count (kiosks, tests): meanwhile any program"
        " running as this user can obtain sign-in signatures",
    )
    agent.add_argument(
        "--auto-approve-minutes",
        type=_bounded("--auto-approve-minutes", AUTO_APPROVE_MINUTES[1]),
        metavar="N",
        help=f"stop auto-approving after N minutes (default {AUTO_APPROVE_MINUTES[0]},"
        f" at most {AUTO_APPROVE_MINUTES[1]})",
    )
    agent.add_argument(
        "--auto-approve-count",
        type=_bounded("--auto-approve-count", AUTO_APPROVE_COUNT[1]),
        metavar="N",
        help=f"stop auto-approving after N signatures (default {AUTO_APPROVE_COUNT[0]},"
        f" at most {AUTO_APPROVE_COUNT[1]})",
    )
    agent.set_defaults(run=run_agent)
    sign = commands.add_parser("login-sign", help="sign a login challenge copied from the page")
    sign.add_argument("--key", required=True, help="the signing key file")
    sign.add_argument("--origin", help="refuse a challenge for any other platform")
    sign.add_argument("challenge", nargs="?", help="the challenge JSON (default: standard input)")
    sign.set_defaults(run=login_sign)
    sealing = commands.add_parser("seal", help="seal a bid (ggzy-bid-v1)")
    sealing.add_argument("--section", required=True, help="the 23-character section code")
    sealing.add_argument("--bidder", required=True, help="your credit code or ID number")
    sealing.add_argument("--deadline", required=True, help="the bid deadline, e.g. 2026-12-20T09:30:00+08:00")
    sealing.add_argument("--opening-sheet", required=True, help="the opening sheet (JSON)")
    sealing.add_argument("--key", required=True, help="your signing key file")
    sealing.add_argument("--certificate", required=True, help="your signing certificate")
    sealing.add_argument("--encryption-certificate", required=True, help="your encryption certificate")
    sealing.add_argument("--boq", help="the bill of quantities (XML), if any")
    sealing.add_argument("--out", required=True)
    sealing.add_argument(
        "--custodians", help="the centre's signed custodian set (JSON): split the bid key among them too"
    )
    sealing.add_argument(
        "--pin", action="append", default=[], help="a custodian set fingerprint to accept (repeatable)"
    )
    sealing.add_argument(
        "--allow-demo-custodians", action="store_true", help="accept a demo custodian set (demos only)"
    )
    sealing.add_argument(
        "--set-proof",
        metavar="PROOF.json",
        help="the witness-log inclusion proof of the set's publication: refuse a set not published there",
    )
    sealing.add_argument(
        "--witness-trust",
        metavar="TRUST.json",
        help="the pinned witness co-signers (ggzy-witness-trust-v1) the set proof is checked against",
    )
    sealing.add_argument("documents", nargs="+")
    sealing.set_defaults(run=seal)
    verifying = commands.add_parser(
        "verify-proof", help="check a witness-log inclusion proof against the pinned co-signers"
    )
    verifying.add_argument("proof", metavar="PROOF.json")
    verifying.add_argument(
        "--witness-trust", required=True, metavar="TRUST.json", help="the pinned co-signers (JSON)"
    )
    verifying.set_defaults(run=verify_proof)
    inspecting = commands.add_parser("inspect", help="show and check a sealed bid's header")
    inspecting.add_argument("bid")
    inspecting.set_defaults(run=inspect)
    releasing = commands.add_parser("release", help="at the opening: the signed release of your bid's key")
    releasing.add_argument("--key", required=True, help="your signing key file")
    releasing.add_argument("--encryption-key", required=True, help="your encryption key file")
    releasing.add_argument("bid")
    releasing.set_defaults(run=release)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (UsageError, Refused, CryptoError, OSError, ValueError) as exc:
        print(f"ggzy-bid: {getattr(exc, 'message', None) or exc}", file=sys.stderr)  # noqa: T201
        return 2


if __name__ == "__main__":
    sys.exit(main())
