"""`ggzy-bid seal`: the opening sheet (and, with --criteria, the sheet against the tender documents'
criteria record), the custodian set's publication, the announced deadline and the custodians' time
checked, then the bid sealed (ggzy-bid-v2)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ggzy_bid import __version__, custodian_client, library, witnesslog
from ggzy_bid.commands.common import (
    NOT_SEALED,
    UsageError,
    custodian_problems,
    load_release_key,
    load_signing_key,
    read_certificate,
    say,
    say_time,
    shown,
)
from ggzy_bid.commands.sets import load_custodian_set
from ggzy_bid.criteria import SheetMismatch, sheet_check
from ggzy_bid.machine import machine_from_system
from ggzy_sm import criteria, custodians, openingsheet, sealedbid, strict

#: What to write where a sheet goes wrong (by the first segment of the place), for the bidder.
SHEET_HINTS = {
    "price": '金额写 {"kind": "amount", "fen": 整数分}（如 123456789 即 1,234,567.89 元，不写小数）；'
    '费率、下浮率写 {"kind": "rate" 或 "discount", "percent": "百分数字符串"}（如 "95.5"，最多 4 位小数）',
    "schema": '须为 "schema": "ggzy-opening-sheet-v1"',
    "duration_days": "工期为整数天（1–3650）",
    "/": "允许的项：schema（必填）、price（必填）、duration_days、quality、project_manager、other",
}


#: What the client says of an envelope it sealed (a two-envelope bid: 双信封; the signed header names it).
ENVELOPE_SAID = {
    "technical": "\n技术文件（技术信封，文件头写明 envelope: technical）：第一次开标时解密，"
    "开标一览表无报价；同一标段还须封装并提交报价文件 (the technical envelope)",
    "price": "\n报价文件（报价信封，文件头写明 envelope: price）：只在二次开标时、"
    "且仅对通过技术评审的投标人解密；同一标段还须封装并提交技术文件 (the price envelope)",
}


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise UsageError(f"开标一览表中“{twice}”出现了两次 (a key appears twice): 未封装，未写入任何文件")
    return dict(pairs)


def load_opening_sheet(path: Path, envelope: str = "single") -> dict[str, Any]:
    """The opening sheet file, if it follows ggzy-opening-sheet-v1 (in canonical JSON) for `envelope` (a
    technical envelope's states no price); else UsageError with a message for the bidder: where, what,
    and how it should be written."""
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
        sealedbid.canonical_sheet(sheet, envelope)
    except openingsheet.SheetError as exc:
        place = "整个文件（顶层）" if exc.where == "/" else exc.where
        hint = (
            "技术文件（--envelope technical）的开标一览表不填报价：报价封装在报价文件中"
            if envelope == "technical" and exc.where == "price"
            else SHEET_HINTS.get(exc.where.split("/")[0] or "/", "")
        )
        raise UsageError(
            f"开标一览表 {path} 不符合 {openingsheet.SCHEMA}，未封装，未写入任何文件。\n"
            f"  位置：{place}\n  问题：{exc}" + (f"\n  写法：{hint}" if hint else "")
        ) from exc
    return dict(sheet)


def check_against_documents(
    path: str, sheet: dict[str, Any], sheet_path: str, section: str, envelope: str = "single"
) -> str:
    """The opening sheet checked against the tender documents' criteria record (ggzy-criteria-v1,
    docs/criteria-format.md §5) before anything is asked, fetched or written: the record valid and for
    `section`, the envelope one the documents ask for (two envelopes, or one bid), the sheet of the
    documents' price kind, within their bounds and with the fields they ask for. The record's digest if
    so; else UsageError (Chinese first), nothing written."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(
            f"评审标准记录 {path} 无法读取。{NOT_SEALED}\n  (the criteria record cannot be read: {exc})"
        ) from exc
    try:
        record = criteria.loads(raw)
    except criteria.CriteriaError as exc:
        raise UsageError(
            f"评审标准记录 {path} 无效（{exc.code}，位置：{exc.path or '/'}）。{NOT_SEALED}\n"
            f"  ({exc.message})"
        ) from exc
    if record["section"] != section:
        raise UsageError(
            f"评审标准记录 {path} 属于标段 {record['section']}，不是本次封装的标段 {section}。{NOT_SEALED}\n"
            f"  (the criteria record is for section {record['section']}, the bid is sealed for {section})"
        )
    try:
        sheet_check(record, sheet, envelope)
    except SheetMismatch as exc:
        raise UsageError(
            f"开标一览表 {sheet_path} 与招标文件（评审标准记录 {path}）不符，{NOT_SEALED}。\n"
            f"  位置：{exc.where}\n  问题：{exc.message}"
        ) from exc
    return criteria.digest(record)


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
            + custodian_problems(outcomes)
        )
    deadline = strict.parse_instant(latest["payload"]["deadline"])
    if given is not None and given != deadline:
        raise UsageError(
            f"--deadline 给出的截止时间 {shown(given)} 与托管方持有的最新签名公告的截止时间 {shown(deadline)}"
            f" 不一致。{NOT_SEALED}\n"
            "  (--deadline differs from the deadline the latest signed notice announces)"
        )
    say(f"投标截止时间（按最新的签名公告）：{shown(deadline)}")
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
    checked before a passphrase is asked or anything is written: the opening sheet (with --criteria,
    against the tender documents' criteria record too), the options, the custodian set (and its
    publication), the announced deadline and the custodians' time."""
    envelope = getattr(args, "envelope", None) or "single"
    sheet = load_opening_sheet(Path(args.opening_sheet), envelope)
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
    checked = (
        check_against_documents(args.criteria, sheet, args.opening_sheet, args.section, envelope)
        if args.criteria
        else None
    )
    documents: list[Path | tuple[str, Path]] = [Path(d) for d in args.documents]
    if getattr(args, "library", None):
        if any(Path(d).name == library.NAME for d in args.documents):
            raise UsageError(
                f"文件名 {library.NAME} 留给 --library 使用，请给该投标文档改名。{NOT_SEALED}"
                f"\n  ({library.NAME} is the name of the library references: rename that document)"
            )
        try:
            library.check(Path(args.library))
        except library.LibraryError as exc:
            raise UsageError(f"{exc}。{NOT_SEALED}") from exc
        documents.append((library.NAME, Path(args.library)))
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
    signing_key = load_signing_key(args.key)  # may prompt: before the bar
    release = load_release_key(args.release_key)
    release_field = sealedbid.release_key_bind(release.public_key, signing_key, signing_certificate)
    machine = machine_from_system() if args.machine_from_system else None
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        header = sealedbid.seal(
            target=Path(args.out),
            binding=binding,
            opening_sheet=sheet,
            documents=documents,
            signing_key=signing_key,
            signing_certificate=signing_certificate,
            release_key=release_field,
            custodians=cset,
            machine=machine,
            boq=Path(args.boq) if args.boq else None,
            tool=f"ggzy-bid {__version__}",
            envelope=envelope,
            progress=bar,
        )
    finally:
        if bar:
            bar.close()
    say(f"sealed {args.out}: ciphertext SM3 {header['ciphertext_sm3']}" + ENVELOPE_SAID.get(envelope, ""))
    say(
        f"开标一览表已按招标文件核对 (the sheet matches the documents' criteria record {checked[:16]}…)"
        if checked is not None
        else "提示：开标一览表未与招标文件核对 (the sheet was not checked against the documents:"
        " --criteria CRITERIA.json checks it)"
    )
    if getattr(args, "library", None):
        say("主体库引用已封入投标文件，开标时按截止时间的版本解析 (library references sealed inside)")
    say(f"密钥已分给 {cset.n} 个托管方，任意 {cset.k} 个可恢复 (custodian set {cset.fingerprint})")
    if args.set_proof:
        say("该名单已在经共同签名的见证日志中公布 (set published in the co-signed witness log)")
    say(
        "本机信息已封入投标文件 (machine recorded inside the encryption)"
        if machine is not None
        else "未记录本机信息 (no machine recorded: --machine-from-system records it)"
    )
    say(
        f"下一步：截止时间前用 ggzy-bid register {args.out} 向托管方登记；"
        f"可用 ggzy-bid check {args.out} --release-key {args.release_key} 确认能解密授权。"
    )
    return 0
