"""The commands on a sealed bid: `register` (before the deadline), `check`, `release` (at the opening)
and `inspect`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ggzy_bid import custodian_client
from ggzy_bid.commands.common import (
    NOT_REGISTERED,
    NOT_RELEASED,
    UsageError,
    custodian_problems,
    duration,
    load_release_key,
    load_signing_key,
    say,
    say_time,
    shown,
)
from ggzy_bid.commands.sets import check_bid_set, load_custodian_set
from ggzy_bid.custodian_client import Outcome
from ggzy_sm import custodians, sealedbid, strict, x509
from ggzy_sm.files import write_atomic


def register(args: argparse.Namespace) -> int:
    """Register the bid's ciphertext with the set's custodians (POST /ack); write the acknowledgements
    only with at least k of them."""
    cset = load_custodian_set(Path(args.custodians), args.pin, args.allow_demo_custodians, NOT_REGISTERED)
    bid = sealedbid.read(Path(args.bid))
    check_bid_set(bid, cset, NOT_REGISTERED)
    out = Path(args.out) if args.out else Path(f"{args.bid}.acks.json")
    outcomes: list[Outcome] = []
    try:
        acks = custodian_client.register(Path(args.bid), cset, report=outcomes.append)
    except custodians.CustodianError as exc:
        for outcome in outcomes:
            say(f"  {outcome.label}: {'已确认' if outcome.problem is None else outcome.problem}")
        if exc.reason != "acknowledgements":
            raise
        raise UsageError(
            f"只有 {exc.detail.get('have', 0)} 个密钥托管方确认了该投标文件，至少需要 {cset.k} 个。"
            f"{NOT_REGISTERED}\n  (custodian acknowledgements: {exc})"
        ) from exc
    for outcome in outcomes:
        if outcome.problem is None:
            at = strict.parse_instant(outcome.answer["payload"]["acknowledged_at"])
            say(f"  {outcome.label}: 已确认，{shown(at)}")
        else:
            say(f"  {outcome.label}: {outcome.problem}")
    write_atomic(out, json.dumps(acks, ensure_ascii=False, indent=1) + "\n")
    say(
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
        sealedbid.check_bid(bid, load_release_key(args.release_key))
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
    check_bid_set(bid, cset, NOT_RELEASED)
    certificate = x509.Certificate.load(sealedbid.signing_certificate(bid))
    sealedbid.verify(bid, certificate.public_key)
    notices, outcomes = custodian_client.fetch_notices(cset, bid.header["section"])
    opens = custodians.release_at(bid.header, notices, cset)
    say(f"解密授权时间（按投标截止时间与托管方持有的签名公告）：{shown(opens)}{custodian_problems(outcomes)}")
    if bid.envelope == "price":
        say(
            "这是报价文件（双信封）：平台只在二次开标的解密时限内、且仅对通过技术评审的投标人接受其解密授权"
            " (a price envelope: the platform accepts its release only in the second session's window, and"
            " only of a bidder that passed the technical review)"
        )
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
            f"（还差 {duration(opens - time.now)}）。{NOT_RELEASED}\n"
            "  (too early: the release time has not come by the custodians' time)"
        )
    signing_key = load_signing_key(args.key)
    if signing_key.public_key != certificate.public_key:
        raise UsageError(
            f"签名密钥 {args.key} 不是该投标文件签名证书的密钥。{NOT_RELEASED}\n"
            "  (the signing key is not the bid's signing certificate's)"
        )
    signed = sealedbid.release(bid, load_release_key(args.release_key), signing_key)
    text = json.dumps(signed)
    if args.out:
        write_atomic(args.out, text + "\n", mode=0o600)
        say(f"解密授权已写入 {args.out}，请在开标时提交给平台 (release written)")
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
