"""The custodian set a command works with: signed by every member, pinned or known, demo only when
allowed — and the one a bid was sealed for."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ggzy_bid.commands.common import NOT_SEALED, UsageError
from ggzy_sm import custodians, sealedbid


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


def check_bid_set(bid: sealedbid.BidFile, cset: custodians.SignedCustodianSet, refused: str) -> None:
    sealed_for = bid.header["custodians"]["set"]
    if sealed_for != cset.fingerprint:
        raise UsageError(
            f"该投标文件封装时使用的密钥托管方名单（指纹 {sealed_for}）不是 --custodians 给出的名单"
            f"（指纹 {cset.fingerprint}）。{refused}\n  (the bid was sealed for another custodian set)"
        )
