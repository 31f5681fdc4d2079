"""`ggzy-bid`: the bidder's client (sealed-bid format 2, docs/sealed-bid-format.md).

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

    ggzy-bid release-key --key SIGN.key --certificate SIGN.cer --out RELEASE.key
        Generate the bidder's release key (§5: the bid's key is wrapped to it; nobody else holds or
        escrows it), save it under a passphrase — never over an existing file — and print the header's
        `release_key` field {"public_key", "binding"} (the binding: the signing key's signature tying it
        to the signing certificate). Refused when the signing key is not the certificate's.
    ggzy-bid seal --section CODE --bidder CODE --opening-sheet SHEET.json --key SIGN.key
                  --certificate SIGN.cer --release-key RELEASE.key --custodians SIGNED_SET.json
                  [--pin FINGERPRINT]… [--allow-demo-custodians] [--deadline TIME]
                  [--set-proof PROOF.json --witness-trust TRUST.json] [--boq BOQ.xml]
                  [--machine-from-system] --out BID.ggzybid DOCUMENT…
        Seal a ggzy-bid-v2 bid. The opening sheet is checked first (ggzy-opening-sheet-v1). The custodian
        set must carry every member's signature, match a --pin if given and, where known_sets.json lists
        the centre, be one of the sets listed; a demo set only with --allow-demo-custodians; with
        --set-proof it must also be the set the platform published in the co-signed witness log
        (PROOF.json, checked against the co-signers pinned in TRUST.json — never the platform's
        signature alone). The deadline is the one the latest signed notice the custodians hold announces
        (GET /notice): sealing is refused when no valid notice announces one, when --deadline is given
        and differs, and when the custodians' signed time (at least two of them; this PC's clock only if
        a single custodian answered and agrees with it, said aloud) cannot be established or is past the
        deadline. The sealing machine (national data set 519) goes inside the encryption: what this
        system lets a user read with --machine-from-system, else nothing. A progress bar shows when
        standard error is a terminal.
    ggzy-bid register BID.ggzybid --custodians SIGNED_SET.json [--pin …] [--allow-demo-custodians]
                      [--out ACKS.json]
        Register the bid's ciphertext hash — nothing naming the bidder — with every custodian of the
        set (POST /ack) before the deadline; succeeds only with valid acknowledgements of at least k
        distinct custodians, each dated by its own clock (a receipt the operator cannot back-date),
        written to ACKS.json (default BID.ggzybid.acks.json). Says which custodians answered.
    ggzy-bid check BID.ggzybid --release-key RELEASE.key
        Before the deadline: test that the bid can be released with this release key (everything the
        opener checks, decrypting without writing any plaintext). Prints only yes or the refusal;
        writes nothing, sends nothing.
    ggzy-bid release BID.ggzybid --release-key RELEASE.key --key SIGN.key --custodians SIGNED_SET.json
                     [--pin …] [--allow-demo-custodians] [--out RELEASE.json]
        At the opening: the signed release (ggzy-release-v2) of the bid's key, printed or written to
        RELEASE.json — only from the release time on (the bound deadline and every valid notice's
        opening time the custodians hold), judged by the custodians' signed time as for sealing: a PC
        clock ahead does not release early, a PC clock behind does not hold the release back.
    ggzy-bid inspect BID.ggzybid
        Show the header and check its signature, the release key's binding and the ciphertext.
    ggzy-bid verify-proof PROOF.json --witness-trust TRUST.json
        Check any witness-log inclusion proof (a receipt's, a deadline notice's, a set's publication)
        against the pinned co-signers. Prints "OK: …" and exits 0 only when it is accepted; otherwise
        prints each failure ("FAILED: …") and exits 1. An epoch break (a recovery from backup) is shown
        either way.

Exit status: 0 done; 2 refused or wrong usage (the reason on standard error, Chinese first: nothing is
written then); 1 from `verify-proof` for a proof that fails and from `check` for a bid that cannot be
released with the key. Key files' passphrases come from GGZY_BID_PASSPHRASE (the release key's from
GGZY_BID_RELEASE_PASSPHRASE, else the same) or a prompt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import re
import secrets
import sys
import threading
import uuid
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from ggzy_bid import __version__, custodian_client, witnesslog
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
from ggzy_bid.custodian_client import Outcome, Time
from ggzy_sm import canonical, custodians, openingsheet, sealedbid, strict, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
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


def _release_passphrase(path: str, *, confirm: bool = False) -> str:
    """The release key file's passphrase: GGZY_BID_RELEASE_PASSPHRASE, GGZY_BID_PASSPHRASE, or asked
    (twice for a new file)."""
    given = os.environ.get("GGZY_BID_RELEASE_PASSPHRASE") or os.environ.get("GGZY_BID_PASSPHRASE")
    if given:
        return given
    given = getpass.getpass(f"Passphrase for the release key {path}: ")
    if confirm and getpass.getpass("Again: ") != given:
        raise UsageError("两次输入的口令不一致，未生成解密密钥 (the two passphrases differ; nothing written)")
    return given


def _release_key(path: str) -> Sm2PrivateKey:
    return sealedbid.release_key_load(path, _release_passphrase(path))


BEIJING = dt.timezone(dt.timedelta(hours=8))  # China keeps no summer time


def shown(at: dt.datetime) -> str:
    """An instant for the bidder: Beijing time, then the format's UTC spelling."""
    return f"北京时间 {at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S} ({canonical.format_instant(at)})"


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # noqa: T201


def _problems(outcomes: list[Outcome]) -> str:
    """What the custodians that did not answer usefully said, one line each."""
    return "".join(f"\n  {o.label}: {o.problem}" for o in outcomes if o.problem is not None)


def _duration(delta: dt.timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    if seconds < 3600:  # noqa: PLR2004
        return f"{seconds // 60} 分 {seconds % 60} 秒"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分"


def say_time(time: Time) -> None:
    """How "now" was established, said aloud on standard error (the fallback to this PC's clock above
    all), with a word when this PC's clock is off — it does not matter, and the bidder should know."""
    for outcome in time.outcomes:
        if outcome.problem is not None:
            _stderr(f"  {outcome.label}: 未给出签名时间 ({outcome.problem})")
    if time.now is None:
        return
    if time.fallback:
        _stderr(
            "注意：只有一个托管方给出了有效的签名时间，它与本机时钟相差不超过 60 秒，因此以本机时钟为准。\n"
            f"当前时间（按本机时钟）：{shown(time.now)}\n  ({time.why})"
        )
    else:
        _stderr(f"当前时间（按托管方签名时间）：{shown(time.now)}\n  ({time.why})")
    offset = time.pc_offset
    if offset is not None and abs(offset) > custodians.CLOCK_AGREEMENT:
        _stderr(
            f"注意：本机时钟{'快' if offset > dt.timedelta(0) else '慢'}了约 {_duration(offset)}。"
            "以托管方的签名时间为准，本机时钟不影响投标。\n"
            "  (this computer's clock is off; the custodians' signed time is used)"
        )


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


NOT_REGISTERED = "未登记，未写入任何文件"
NOT_RELEASED = "未签发解密授权，未写入任何文件"


def load_custodian_set(
    path: Path, pins: list[str], allow_demo: bool, refused: str = NOT_SEALED
) -> custodians.SignedCustodianSet:
    """The signed custodian set in `path` if every member signed it, it matches a pin (when any is given)
    and, where KNOWN_SETS lists its centre, one of the fingerprints listed; a demo set only when allowed.
    Else UsageError, in Chinese first, ending with `refused` (what was not done)."""
    try:
        signed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"密钥托管方名单 {path} 无法读取或不是 JSON (custodian set unreadable: {exc})。{refused}"
        ) from exc
    try:
        cset = custodians.set_verify(signed, pins)
    except custodians.CustodianError as exc:
        why = SET_REASONS.get(exc.reason, "未通过验证")
        raise UsageError(
            f"密钥托管方名单 {path} 未通过验证：{why}。{refused}\n"
            f"  (custodian set refused: {exc.reason}: {exc})"
        ) from exc
    known = KNOWN_SETS.get(cset.centre)
    if known is not None and cset.fingerprint not in known:
        raise UsageError(
            f"密钥托管方名单不是本客户端已知的中心 {cset.centre} 的名单（指纹 {cset.fingerprint}）。"
            f"{refused}\n  (custodian set refused: not one known_sets.json lists for {cset.centre})"
        )
    if not cset.demo and not pins and known is None:
        raise UsageError(
            f"密钥托管方名单（中心 {cset.centre}，指纹 {cset.fingerprint}）既不是本客户端已知的名单，"
            "也没有用 --pin 核对：一份全由运营方自己的密钥签名的名单同样能通过签名验证。"
            f"请向交易中心或监督部门公布的指纹核对后用 --pin 指定。{refused}\n"
            "  (custodian set refused: neither pinned nor known — a set signed by the operator's own keys"
            " would verify too)"
        )
    if cset.demo and not allow_demo:
        raise UsageError(
            f"这是演示用的密钥托管方名单（中心 {cset.centre}），真实投标不得使用；"
            f"仅用于演示时请加 --allow-demo-custodians。{refused}\n"
            "  (custodian set refused: a demo set, without --allow-demo-custodians)"
        )
    return cset


def _bid_set(bid: sealedbid.BidFile, cset: custodians.SignedCustodianSet, refused: str) -> None:
    sealed_for = bid.header["custodians"]["set"]
    if sealed_for != cset.fingerprint:
        raise UsageError(
            f"该投标文件封装时使用的密钥托管方名单（指纹 {sealed_for}）不是 --custodians 给出的名单"
            f"（指纹 {cset.fingerprint}）。{refused}\n  (the bid was sealed for another custodian set)"
        )


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


def check_set_published(cset: custodians.SignedCustodianSet, proof_path: str, trust_path: str) -> None:
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


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(
            f"--deadline {text}: 不是时间，例如 2026-12-20T09:30:00+08:00。{NOT_SEALED}"
        ) from exc
    if value.tzinfo is None:
        raise UsageError(
            f"--deadline {text}：须带时区，例如 2026-12-20T09:30:00+08:00。{NOT_SEALED}\n"
            "  (give the deadline with its time zone)"
        )
    return value


def announced_deadline(
    cset: custodians.SignedCustodianSet, section: str, given: dt.datetime | None
) -> dt.datetime:
    """The deadline to seal against: the one the latest notice valid for the set announces (fetched from
    the custodians), if `given` (--deadline) is none or the same instant and the custodians' signed time
    is before it. Else UsageError saying why, nothing written."""
    notices, outcomes = custodian_client.fetch_notices(cset, section)
    latest = custodians.latest_notice(notices, cset, section)
    if latest is None:
        raise UsageError(
            f"没有任何密钥托管方提供标段 {section} 经签名的有效截止时间公告，无法确认投标截止时间。"
            f"{NOT_SEALED}"
            "\n  (no signed notice valid for the custodian set announces a deadline for this section)"
            + _problems(outcomes)
        )
    deadline = strict.parse_instant(latest["payload"]["deadline"])
    if given is not None and given != deadline:
        raise UsageError(
            f"--deadline 给出的截止时间 {shown(given)} 与托管方持有的最新签名公告的截止时间 {shown(deadline)}"
            f" 不一致。{NOT_SEALED}\n"
            "  (--deadline differs from the deadline the latest signed notice announces)"
        )
    _stderr(f"投标截止时间（按最新的签名公告）：{shown(deadline)}")
    time = custodian_client.establish_time(cset)
    say_time(time)
    if time.now is None:
        raise UsageError(
            f"无法确定当前时间：至少需要两个密钥托管方的签名时间（或一个且与本机时钟相符）。{NOT_SEALED}\n"
            f"  ({time.why})"
        )
    if time.now >= deadline:
        raise UsageError(
            f"投标截止时间 {shown(deadline)} 已过（按托管方签名时间，现在是 {shown(time.now)}），"
            f"不能再封装该标段的投标文件。{NOT_SEALED}\n  (the deadline has passed by the custodians' time)"
        )
    return deadline


def seal(args: argparse.Namespace) -> int:
    """Seal the documents and the opening sheet into a ggzy-bid-v2 file. Everything that can refuse is
    checked before a passphrase is asked or anything is written: the opening sheet, the options, the
    custodian set (and its publication), the announced deadline and the custodians' time."""
    sheet = load_opening_sheet(Path(args.opening_sheet))
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
    if not strict.SECTION.fullmatch(args.section):
        raise UsageError(f"标段编号 {args.section!r} 不是 23 位（大写字母加 22 位数字）。{NOT_SEALED}")
    given = _instant(args.deadline) if args.deadline else None
    cset = load_custodian_set(Path(args.custodians), args.pin, args.allow_demo_custodians)
    if args.set_proof:
        check_set_published(cset, args.set_proof, args.witness_trust)
    if not Path(args.release_key).is_file():
        raise UsageError(
            f"解密密钥文件 {args.release_key} 不存在：请先用 ggzy-bid release-key 生成。{NOT_SEALED}"
        )
    signing_certificate = read_certificate(args.certificate)
    deadline = announced_deadline(cset, args.section, given)
    binding = sealedbid.Binding(
        tender_project=args.section[:20], section=args.section, bidder=args.bidder, deadline=deadline
    )
    signing_key = _key(args.key)  # may prompt: before the bar
    release = _release_key(args.release_key)
    release_field = sealedbid.release_key_bind(release.public_key, signing_key, signing_certificate)
    machine = machine_from_system() if args.machine_from_system else None
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        header = sealedbid.seal(
            target=Path(args.out),
            binding=binding,
            opening_sheet=sheet,
            documents=[Path(d) for d in args.documents],
            signing_key=signing_key,
            signing_certificate=signing_certificate,
            release_key=release_field,
            custodians=cset,
            machine=machine,
            boq=Path(args.boq) if args.boq else None,
            tool=f"ggzy-bid {__version__}",
            progress=bar,
        )
    finally:
        if bar:
            bar.close()
    _stderr(f"sealed {args.out}: ciphertext SM3 {header['ciphertext_sm3']}")
    _stderr(f"密钥已分给 {cset.n} 个托管方，任意 {cset.k} 个可恢复 (custodian set {cset.fingerprint})")
    if args.set_proof:
        _stderr("该名单已在经共同签名的见证日志中公布 (set published in the co-signed witness log)")
    _stderr(
        "本机信息已封入投标文件 (machine recorded inside the encryption)"
        if machine is not None
        else "未记录本机信息 (no machine recorded: --machine-from-system records it)"
    )
    _stderr(
        f"下一步：截止时间前用 ggzy-bid register {args.out} 向托管方登记；"
        f"可用 ggzy-bid check {args.out} --release-key {args.release_key} 确认能解密授权。"
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


def release_key(args: argparse.Namespace) -> int:
    """Generate the release key, save it under a passphrase (never over an existing file) and print the
    header's `release_key` field; refused (nothing written) when the signing key is not the
    certificate's."""
    out = Path(args.out)
    if out.exists() or out.is_symlink():
        raise UsageError(
            f"{out} 已存在：解密密钥文件从不覆盖（用它封装的投标文件将无法再由您解密授权）。未写入任何文件\n"
            "  (a release key file is never overwritten)"
        )
    der = read_certificate(args.certificate)
    certificate = x509.Certificate.load(der)
    signing_key = _key(args.key)
    if signing_key.public_key != certificate.public_key:
        raise UsageError(
            f"签名密钥 {args.key} 不是签名证书 {args.certificate} 的密钥，未生成解密密钥，未写入任何文件\n"
            "  (the signing key is not the certificate's)"
        )
    passphrase = _release_passphrase(str(out), confirm=True)
    key = sealedbid.release_key_generate()
    field = sealedbid.release_key_bind(key.public_key, signing_key, der)
    # saved beside, then linked into place: a link never replaces a file that appeared meanwhile
    scratch = out.with_name(f".{out.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    try:
        sealedbid.release_key_save(key, scratch, passphrase)
        try:
            os.link(scratch, out)
        except FileExistsError as exc:
            raise UsageError(f"{out} 已存在：解密密钥文件从不覆盖。未写入任何文件") from exc
    finally:
        scratch.unlink(missing_ok=True)
    print(json.dumps(field))  # noqa: T201
    _stderr(
        f"解密密钥已生成，以口令保护保存于 {out}。请另行备份此文件与口令：只有您持有它；"
        "遗失后，只能在开标时由密钥托管方恢复。\n"
        f"  (release key {key.public_key.hex()[:16]}…, bound to {certificate.subject.get('common_name', '')})"
    )
    return 0


def register(args: argparse.Namespace) -> int:
    """Register the bid's ciphertext with the set's custodians (POST /ack); write the acknowledgements
    only with at least k of them."""
    cset = load_custodian_set(Path(args.custodians), args.pin, args.allow_demo_custodians, NOT_REGISTERED)
    bid = sealedbid.read(Path(args.bid))
    _bid_set(bid, cset, NOT_REGISTERED)
    out = Path(args.out) if args.out else Path(f"{args.bid}.acks.json")
    outcomes: list[Outcome] = []
    try:
        acks = custodian_client.register(Path(args.bid), cset, report=outcomes.append)
    except custodians.CustodianError as exc:
        for outcome in outcomes:
            _stderr(f"  {outcome.label}: {'已确认' if outcome.problem is None else outcome.problem}")
        if exc.reason != "acknowledgements":
            raise
        raise UsageError(
            f"只有 {exc.detail.get('have', 0)} 个密钥托管方确认了该投标文件，至少需要 {cset.k} 个。"
            f"{NOT_REGISTERED}\n  (custodian acknowledgements: {exc})"
        ) from exc
    for outcome in outcomes:
        if outcome.problem is None:
            at = strict.parse_instant(outcome.answer["payload"]["acknowledged_at"])
            _stderr(f"  {outcome.label}: 已确认，{shown(at)}")
        else:
            _stderr(f"  {outcome.label}: {outcome.problem}")
    write_atomic(out, json.dumps(acks, ensure_ascii=False, indent=1) + "\n")
    _stderr(
        f"已登记：{len(acks)} 个密钥托管方确认（至少需要 {cset.k} 个），回执已写入 {out}\n"
        f"  (registered with custodians {', '.join(str(a['payload']['custodian']) for a in acks)})"
    )
    return 0


#: Why a bid cannot be released with a key (sealedbid.BidError.reason), for the bidder.
BID_REASONS = {
    "format": "不是本版本的投标文件格式",
    "malformed": "投标文件格式不正确",
    "binding": "标段编号不正确",
    "signature": "投标文件的签名验证不通过",
    "release_key": "解密密钥未与签名证书绑定",
    "ciphertext": "密文与投标文件头不符：文件被改动或截断",
    "key": "这不是封装该投标文件时使用的解密密钥",
    "commitment": "解出的密钥与密钥承诺不符",
    "chunk": "密文校验不通过：文件被改动或截断",
    "manifest": "文件清单不符",
    "opening_sheet": "开标一览表不符合格式",
    "machine": "本机信息不符合格式",
}


def check(args: argparse.Namespace) -> int:
    """Whether the bid can be released with this release key (sealedbid.check_bid): yes (0) or the
    refusal (1). Nothing is written, nothing is sent."""
    try:
        bid = sealedbid.read(Path(args.bid))
        sealedbid.check_bid(bid, _release_key(args.release_key))
    except sealedbid.BidError as exc:
        print(  # noqa: T201
            f"不能用此解密密钥签发该投标文件的解密授权：{BID_REASONS.get(exc.reason, '未通过检查')}。\n"
            f"  (this bid cannot be released with this key: {exc.reason}: {exc})"
        )
        return 1
    print("可以用此解密密钥签发该投标文件的解密授权 (this bid can be released with this key)")  # noqa: T201
    return 0


def release(args: argparse.Namespace) -> int:
    """At the opening: the signed release of the bid's key, only from the release time on by the
    custodians' signed time. The passphrases are asked only when it is time."""
    bid = sealedbid.read(Path(args.bid))
    cset = load_custodian_set(Path(args.custodians), args.pin, args.allow_demo_custodians, NOT_RELEASED)
    _bid_set(bid, cset, NOT_RELEASED)
    certificate = x509.Certificate.load(sealedbid.signing_certificate(bid))
    sealedbid.verify(bid, certificate.public_key)
    notices, outcomes = custodian_client.fetch_notices(cset, bid.header["section"])
    opens = custodians.release_at(bid.header, notices, cset)
    _stderr(f"解密授权时间（按投标截止时间与托管方持有的签名公告）：{shown(opens)}{_problems(outcomes)}")
    time = custodian_client.establish_time(cset)
    say_time(time)
    if time.now is None:
        raise UsageError(
            f"无法确定当前时间：至少需要两个密钥托管方的签名时间（或一个且与本机时钟相符）。{NOT_RELEASED}\n"
            f"  ({time.why})"
        )
    if time.now < opens:
        raise UsageError(
            f"尚未到解密授权时间：最早 {shown(opens)}，按托管方签名时间现在是 {shown(time.now)}"
            f"（还差 {_duration(opens - time.now)}）。{NOT_RELEASED}\n"
            "  (too early: the release time has not come by the custodians' time)"
        )
    signing_key = _key(args.key)
    if signing_key.public_key != certificate.public_key:
        raise UsageError(
            f"签名密钥 {args.key} 不是该投标文件签名证书的密钥。{NOT_RELEASED}\n"
            "  (the signing key is not the bid's signing certificate's)"
        )
    signed = sealedbid.release(bid, _release_key(args.release_key), signing_key)
    text = json.dumps(signed)
    if args.out:
        write_atomic(args.out, text + "\n", mode=0o600)
        _stderr(f"解密授权已写入 {args.out}，请在开标时提交给平台 (release written)")
    else:
        print(text)  # noqa: T201
    return 0


def custodian_summary(envelope: Any) -> dict[str, Any]:
    """The custodian envelope as `inspect` shows it: the set, k, n and each share's custodian."""
    return {
        "set": envelope["set"],
        "k": envelope["k"],
        "n": envelope["n"],
        "custodians": [
            {"index": share["index"], "fingerprint": share["custodian"]} for share in envelope["shares"]
        ],
    }


def inspect(args: argparse.Namespace) -> int:
    """Show the header and check the signature (with the certificate's key), the release key's binding
    and the ciphertext."""
    bid = sealedbid.read(Path(args.bid))
    certificate = x509.Certificate.load(sealedbid.signing_certificate(bid))
    sealedbid.verify(bid, certificate.public_key)
    hidden = ("signing_certificate", "wrapped_key", "signature")
    report = {k: v for k, v in bid.header.items() if k not in hidden}
    report["release_key"] = bid.header["release_key"]["public_key"]  # its binding verified
    report["custodians"] = custodian_summary(bid.header["custodians"])
    report.update(signer=certificate.subject, verified=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))  # noqa: T201
    return 0


# --- the sealing machine (national data set 519, §2.1): what Linux lets a user read ----------------------


def _first_line(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0].strip()
    except (OSError, IndexError):
        return ""  # not readable here (many need root)


def _macs() -> list[str]:
    """The hardware addresses of the physical network interfaces (those with a device behind them),
    else the one Python finds (unless it is a random node id)."""
    found = []
    try:
        interfaces = sorted(Path("/sys/class/net").iterdir())
    except OSError:
        interfaces = []
    for interface in interfaces:
        if interface.name == "lo" or not (interface / "device").exists():
            continue
        address = _first_line(interface / "address")
        if address and address.strip("0:") and _is_mac(address):
            found.append(address)
    if not found:
        node = uuid.getnode()
        if not node >> 40 & 1:  # the multicast bit marks a random node id: no MAC
            found.append(":".join(f"{node:012x}"[i : i + 2] for i in range(0, 12, 2)))
    return sorted(set(found))


def _is_mac(address: str) -> bool:
    try:
        sealedbid.machine_record({"mac": [address]})
    except sealedbid.BidError:
        return False
    return True


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


def _disks() -> list[str]:
    """The fixed disks' identities: their /dev/disk/by-id names (model and serial), else the serials
    /sys/block shows a user."""
    try:
        names = sorted(p.name for p in Path("/dev/disk/by-id").iterdir() if "-part" not in p.name)
    except OSError:
        names = []
    fixed = [n for n in names if re.match(r"(nvme|ata|scsi)-", n) and not n.startswith("nvme-eui")]
    if fixed:
        return fixed
    serials = []
    try:
        blocks = sorted(Path("/sys/block").iterdir())
    except OSError:
        blocks = []
    for block in blocks:
        if re.match(r"(loop|ram|zram|sr|fd|dm-|md)", block.name):
            continue
        serial = _first_line(block / "device" / "serial") or _first_line(block / "serial")
        if serial:
            serials.append(serial)
    return serials


def machine_from_system() -> dict[str, Any]:
    """The sealing machine as machine.json carries it (sealedbid.machine_record): the raw MACs, CPU,
    disks, memory and board serials where this system lets a user read them ("" or [] where not), and
    the tool. Inside the encryption: nobody sees them before the opening."""
    return sealedbid.machine_record(
        {
            "mac": _macs(),
            "cpu": _cpu(),
            "disk": _disks(),
            "memory": _first_line(Path("/sys/class/dmi/id/memory_serial")),  # rarely readable without root
            "board": _first_line(Path("/sys/class/dmi/id/board_serial"))
            or _first_line(Path("/sys/class/dmi/id/product_uuid")),
            "tool": f"ggzy-bid {__version__}",
        }
    )


def _set_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--custodians", required=True, metavar="SIGNED_SET.json", help="the centre's signed custodian set"
    )
    command.add_argument(
        "--pin", action="append", default=[], help="a custodian set fingerprint to accept (repeatable)"
    )
    command.add_argument(
        "--allow-demo-custodians", action="store_true", help="accept a demo custodian set (demos only)"
    )


def parser() -> argparse.ArgumentParser:  # noqa: PLR0915  (one block a command)
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

    making = commands.add_parser("release-key", help="generate your release key (once, before sealing)")
    making.add_argument("--key", required=True, help="your signing key file")
    making.add_argument("--certificate", required=True, help="your signing certificate")
    making.add_argument(
        "--out", required=True, metavar="RELEASE.key", help="the new key file (never replaced)"
    )
    making.set_defaults(run=release_key)

    sealing = commands.add_parser("seal", help="seal a bid (ggzy-bid-v2)")
    sealing.add_argument("--section", required=True, help="the 23-character section code")
    sealing.add_argument("--bidder", required=True, help="your credit code or ID number")
    sealing.add_argument(
        "--deadline",
        help="the bid deadline you expect, e.g. 2026-12-20T09:30:00+08:00: refused unless it is the one the"
        " custodians' latest signed notice announces (which is used either way)",
    )
    sealing.add_argument("--opening-sheet", required=True, help="the opening sheet (JSON)")
    sealing.add_argument("--key", required=True, help="your signing key file")
    sealing.add_argument("--certificate", required=True, help="your signing certificate")
    sealing.add_argument(
        "--release-key",
        required=True,
        metavar="RELEASE.key",
        help="your release key file (ggzy-bid release-key)",
    )
    sealing.add_argument("--boq", help="the bill of quantities (XML), if any")
    sealing.add_argument("--out", required=True)
    _set_options(sealing)
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
    sealing.add_argument(
        "--machine-from-system",
        action="store_true",
        help="record this computer (MACs, CPU, disks, memory and board serials readable without root)"
        " inside the encryption, as national data set 519 asks",
    )
    sealing.add_argument("documents", nargs="+")
    sealing.set_defaults(run=seal)

    registering = commands.add_parser(
        "register", help="before the deadline: register the bid's ciphertext with the custodians"
    )
    registering.add_argument("bid")
    _set_options(registering)
    registering.add_argument(
        "--out", metavar="ACKS.json", help="where the acknowledgements go (default: BID.acks.json)"
    )
    registering.set_defaults(run=register)

    checking = commands.add_parser(
        "check", help="test that the bid can be released with your release key (reveals nothing)"
    )
    checking.add_argument("bid")
    checking.add_argument("--release-key", required=True, metavar="RELEASE.key", help="your release key file")
    checking.set_defaults(run=check)

    releasing = commands.add_parser("release", help="at the opening: the signed release of your bid's key")
    releasing.add_argument("bid")
    releasing.add_argument(
        "--release-key", required=True, metavar="RELEASE.key", help="your release key file"
    )
    releasing.add_argument("--key", required=True, help="your signing key file")
    _set_options(releasing)
    releasing.add_argument("--out", metavar="RELEASE.json", help="write the release here (default: print it)")
    releasing.set_defaults(run=release)

    inspecting = commands.add_parser("inspect", help="show and check a sealed bid's header")
    inspecting.add_argument("bid")
    inspecting.set_defaults(run=inspect)
    verifying = commands.add_parser(
        "verify-proof", help="check a witness-log inclusion proof against the pinned co-signers"
    )
    verifying.add_argument("proof", metavar="PROOF.json")
    verifying.add_argument(
        "--witness-trust", required=True, metavar="TRUST.json", help="the pinned co-signers (JSON)"
    )
    verifying.set_defaults(run=verify_proof)
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
