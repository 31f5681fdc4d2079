"""What the `ggzy-bid` commands share: the usage error, the key and certificate files, and how times
and the custodians' answers are said to the bidder."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from pathlib import Path

from ggzy_bid.custodian_client import Outcome, Time
from ggzy_sm import canonical, custodians, sealedbid, x509
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

NOT_SEALED = "未封装，未写入任何文件"
NOT_REGISTERED = "未登记，未写入任何文件"
NOT_RELEASED = "未签发解密授权，未写入任何文件"


class UsageError(Exception):
    pass


def read_certificate(path: str) -> bytes:
    """A certificate file in DER or PEM."""
    return x509.der_blocks(Path(path).read_bytes())[0]


def load_signing_key(path: str) -> Sm2PrivateKey:
    passphrase = os.environ.get("GGZY_BID_PASSPHRASE") or getpass.getpass(f"Passphrase for {path}: ")
    return load_key_file(path, passphrase)


def release_passphrase(path: str, *, confirm: bool = False) -> str:
    """The release key file's passphrase: GGZY_BID_RELEASE_PASSPHRASE, GGZY_BID_PASSPHRASE, or asked
    (twice for a new file)."""
    given = os.environ.get("GGZY_BID_RELEASE_PASSPHRASE") or os.environ.get("GGZY_BID_PASSPHRASE")
    if given:
        return given
    given = getpass.getpass(f"Passphrase for the release key {path}: ")
    if confirm and getpass.getpass("Again: ") != given:
        raise UsageError("两次输入的口令不一致，未生成解密密钥 (the two passphrases differ; nothing written)")
    return given


def load_release_key(path: str) -> Sm2PrivateKey:
    return sealedbid.release_key_load(path, release_passphrase(path))


BEIJING = dt.timezone(dt.timedelta(hours=8))  # China keeps no summer time


def shown(at: dt.datetime) -> str:
    """An instant for the bidder: Beijing time, then the format's UTC spelling."""
    return f"北京时间 {at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S} ({canonical.format_instant(at)})"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # noqa: T201


def custodian_problems(outcomes: list[Outcome]) -> str:
    """What the custodians that did not answer usefully said, one line each."""
    return "".join(f"\n  {o.label}: {o.problem}" for o in outcomes if o.problem is not None)


def duration(delta: dt.timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    if seconds < 3600:  # noqa: PLR2004
        return f"{seconds // 60} 分 {seconds % 60} 秒"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分"


def say_time(time: Time) -> None:
    """How "now" was established, said aloud on standard error (the fallback to this PC's clock above
    all), with a word when this PC's clock is off — it does not matter, and the bidder should know."""
    for outcome in time.outcomes:
        if outcome.problem is not None:
            say(f"  {outcome.label}: 未给出签名时间 ({outcome.problem})")
    if time.now is None:
        return
    if time.fallback:
        say(
            "注意：只有一个托管方给出了有效的签名时间，它与本机时钟相差不超过 60 秒，因此以本机时钟为准。\n"
            f"当前时间（按本机时钟）：{shown(time.now)}\n  ({time.why})"
        )
    else:
        say(f"当前时间（按托管方签名时间）：{shown(time.now)}\n  ({time.why})")
    offset = time.pc_offset
    if offset is not None and abs(offset) > custodians.CLOCK_AGREEMENT:
        say(
            f"注意：本机时钟{'快' if offset > dt.timedelta(0) else '慢'}了约 {duration(offset)}。"
            "以托管方的签名时间为准，本机时钟不影响投标。\n"
            "  (this computer's clock is off; the custodians' signed time is used)"
        )
