"""`ggzy-bid submit`: the sealed bid and its custodians' acknowledgements (the ACKS.json `ggzy-bid
register` wrote) sent to the platform, resumably, over tus 1.0 (`ggzy_bid.tus`) at
`<platform>/api/v1/sealing/uploads/`, under the API token of --token-file or GGZY_TOKEN (never shown).

Refused before anything is sent (exit status 2, as the other commands' refusals): a file that is not a
ggzy-bid-v2, acknowledgements that cannot be read, are not a list or name none of this bid's ciphertext,
a state file for another bid, platform or set of acknowledgements. The section is the bid header's: the
bidder is never asked for it.

The upload's address is kept in a state file beside the bid (BID.ggzybid.upload.json, written whole or
not at all, mode 0600, no token in it) with what recognises the bid — its size and the SM3 of its first
MiB — and the SM3 of the acknowledgements, which the platform took when the upload was created: the next
run with the same bid asks the platform how much it holds (HEAD) and sends only the rest. Each chunk
goes with its SM3 (Upload-Checksum); a dropped connection or a 5xx is retried after a pause that doubles
(TRIES attempts in all), after which the command stops (exit status 1) saying to run it again; a 409
re-reads the offset (a 409 at the very offset the platform holds is the platform's refusal, not a lost
chunk); a 460 (the chunk arrived damaged) sends the chunk once more. The platform's answer to the last
chunk is its receipt — the bid's number and the instant it was received — printed on standard output,
and the state file goes; or its refusal (late, acknowledgements, the file), printed as it gave it (exit
status 1), after which the upload is abandoned (DELETE) and the state file goes. `--cancel` abandons an
upload in progress the same way."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

from ggzy_bid import tus
from ggzy_bid.commands.common import UsageError, say, shown
from ggzy_bid.commands.seal import ProgressBar
from ggzy_sm import sealedbid
from ggzy_sm.files import write_atomic
from ggzy_sm.sm3 import Sm3

ROUTE = "api/v1/sealing/uploads/"
STATE_FORMAT = "ggzy-bid-upload-v1"
TOKEN_ENV = "GGZY_TOKEN"  # noqa: S105  (the variable's name)
CHUNK_UNIT = 1 << 20  # --chunk-mb counts these (the tests use smaller ones)
HEAD_BYTES = 1 << 20  # the state file recognises the bid by its size and the SM3 of its first MiB
TRIES = 5  # attempts at one step (a connection dropped, a 5xx) before the run stops: the next resumes
BACKOFF = 2.0  # seconds before the first retry, doubled at each one
MAX_CONFLICTS = 3  # 409s in a row before the run stops
AUTHORISATION = frozenset({401, 403})  # the token, not the bid: the upload is kept for another run
GONE = frozenset({404, 410})
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
TOKEN = re.compile(r"[\x21-\x7e]+")  # one line of visible ASCII: a header value as it is
NOT_SUBMITTED = "未提交，未发送任何内容"
GONE_MESSAGE = (
    "平台上已没有这次上传（已过期或已撤销）。再次运行同一命令将重新上传"
    " (the upload is gone: run the same command again to start over)"
)
RUN_AGAIN = "再次运行同一命令即可从中断处继续上传 (run the same command again to resume)"
TRANSIENT = (OSError, http.client.HTTPException)  # a connection refused, dropped or timed out

sleep = time.sleep  # the pause between attempts (the tests' to replace)
T = TypeVar("T")


class Failed(Exception):  # noqa: N818  (an outcome for the bidder, not a programming error)
    """The upload stopped before the platform's receipt (said to the bidder; exit status 1). `keep`: the
    state file stays, so that the next run resumes."""

    def __init__(self, message: str, *, keep: bool = True) -> None:
        super().__init__(message)
        self.message, self.keep = message, keep


class PlatformRefused(Exception):  # noqa: N818  (the platform's refusal)
    """The platform refused (a 4xx): `ends` when it refused the bid during the upload, which is then
    abandoned; not for the token (401, 403) or before the upload exists."""

    def __init__(self, error: tus.TusError, *, ends: bool) -> None:
        super().__init__(str(error))
        self.error, self.ends = error, ends


@dataclass(frozen=True)
class Receipt:
    uid: str
    received_at: str
    location: str = ""  # where the platform's signed receipt (回执) is fetched (`Ggzy-Receipt`)


# --- what is checked before anything is sent ---------------------------------------------------------


#: How the receipt names an envelope of a two-envelope bid (a whole bid: nothing).
ENVELOPE_NAMES = {"technical": "，技术文件", "price": "，报价文件"}


def uploads_url(platform: str) -> str:
    """The creation URL below --platform (an http(s) origin, perhaps with a path)."""
    text = platform.strip()
    try:
        parts = tus.check_url(text)
    except ValueError as exc:
        raise UsageError(
            f"--platform {platform!r} 不是平台地址，例如 https://ggzy.example.cn。{NOT_SUBMITTED}\n  ({exc})"
        ) from exc
    if parts.query or parts.fragment:
        raise UsageError(f"--platform {platform!r} 只写平台地址，不带 ? 或 #。{NOT_SUBMITTED}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        say(
            "注意：--platform 不是 https 地址，令牌将以明文在网络上传输 "
            "(the platform is not https: the token crosses the network in clear)"
        )
    path = parts.path.rstrip("/") + "/" + ROUTE
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def read_token(path: str | None) -> str:
    """The API token from the file, else from GGZY_TOKEN; no message ever shows it."""
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or type(exc).__name__
            raise UsageError(
                f"令牌文件 {path} 无法读取。{NOT_SUBMITTED}\n  (the token file cannot be read: {why})"
            ) from exc
    else:
        text = os.environ.get(TOKEN_ENV, "")
        if not text.strip():
            raise UsageError(
                f"需要平台的 API 令牌：用 --token-file 指定令牌文件，或设置环境变量 {TOKEN_ENV}。"
                f"{NOT_SUBMITTED}\n"
                f"  (an API token is needed: --token-file FILE or {TOKEN_ENV})"
            )
    token = text.strip()
    if not TOKEN.fullmatch(token):
        raise UsageError(
            f"令牌不是一行可见字符，请检查{f'令牌文件 {path}' if path else f'环境变量 {TOKEN_ENV}'}"
            f"（令牌不予显示）。{NOT_SUBMITTED}\n"
            "  (the token is not one line of visible characters; it is not shown)"
        )
    return token


def read_bid(path: Path) -> sealedbid.BidFile:
    try:
        return sealedbid.read(path)
    except OSError as exc:
        raise UsageError(
            f"投标文件 {path} 无法读取。{NOT_SUBMITTED}\n  ({exc.strerror or type(exc).__name__})"
        ) from exc
    except sealedbid.BidError as exc:
        raise UsageError(
            f"{path} 不是可提交的投标文件（ggzy-bid-v2）。{NOT_SUBMITTED}\n  (not a sealed bid: {exc})"
        ) from exc


def read_acks(path: str, header: dict[str, Any]) -> bytes:
    """The acknowledgements `ggzy-bid register` wrote (a JSON list), as sent: compact UTF-8 JSON. Refused
    when unreadable, not a list, or when none of them names this bid's ciphertext (another bid's file);
    the platform checks their signatures."""
    try:
        acks = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(
            f"托管方确认回执 {path} 无法读取。{NOT_SUBMITTED}\n  ({exc.strerror or type(exc).__name__})"
        ) from exc
    except ValueError as exc:  # not UTF-8, not JSON
        raise UsageError(
            f"托管方确认回执 {path} 不是 JSON 文件。{NOT_SUBMITTED}\n"
            f"  (the acknowledgements are not JSON: {exc})"
        ) from exc
    if not isinstance(acks, list) or not acks:
        raise UsageError(
            f"托管方确认回执 {path} 不是确认的列表（应为 ggzy-bid register 写出的文件）。{NOT_SUBMITTED}\n"
            "  (the acknowledgements file is not a list of acknowledgements: ggzy-bid register --out)"
        )
    if not any(
        isinstance(ack, dict)
        and isinstance(ack.get("payload"), dict)
        and ack["payload"].get("ciphertext_sm3") == header["ciphertext_sm3"]
        for ack in acks
    ):
        raise UsageError(
            f"托管方确认回执 {path} 中没有对该投标文件的确认（密文 SM3 不符），是否用错了文件？"
            f"{NOT_SUBMITTED}\n"
            "  (no acknowledgement in the file is for this bid's ciphertext)"
        )
    return json.dumps(acks, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def recognise(path: Path) -> dict[str, Any]:
    """What the state file knows the bid by: its size and the SM3 of its first MiB."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        head = Sm3(fh.read(HEAD_BYTES)).digest()
    return {"size": size, "head_sm3": head.hex()}


def load_state(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"上传状态文件 {path} 无法读取。{NOT_SUBMITTED}\n  ({exc.strerror})") from exc
    try:
        state = json.loads(raw)
    except ValueError:
        state = None
    if (
        not isinstance(state, dict)
        or state.get("format") != STATE_FORMAT
        or not isinstance(state.get("upload"), str)
        or not isinstance(state.get("platform"), str)
    ):
        raise UsageError(
            f"{path} 不是 ggzy-bid 的上传状态文件（或已损坏）：删除它后重新运行将重新上传。{NOT_SUBMITTED}\n"
            f"  (not an upload state file of ggzy-bid ({STATE_FORMAT}))"
        )
    return state


def check_state(
    state: dict[str, Any], path: Path, *, base: str, known: dict[str, Any], acks_sm3: str
) -> None:
    """The state file is this very upload's: the same platform, bid and acknowledgements."""
    hint = (
        "\n  用 --cancel 放弃那次上传，或另给 --state-file (abandon that upload with --cancel, or give"
        " --state-file)"
    )
    if state["platform"] != base:
        raise UsageError(
            f"上传状态文件 {path} 记录的是向另一个平台（{state['platform']}）的上传。{NOT_SUBMITTED}\n"
            "  (the state file is for an upload to another platform: remove it, or give --state-file)"
        )
    if (state.get("size"), state.get("head_sm3")) != (known["size"], known["head_sm3"]):
        raise UsageError(
            f"上传状态文件 {path} 记录的是另一个投标文件（{state.get('bid', '?')}）的上传。{NOT_SUBMITTED}\n"
            f"  (the state file is for another bid){hint}"
        )
    if state.get("acks_sm3") != acks_sm3:
        raise UsageError(
            f"上传状态文件 {path} 记录的上传附带的是另一份托管方确认回执："
            f"回执随上传一起提交，上传开始后不能更换。{NOT_SUBMITTED}\n"
            f"  (that upload was created with other acknowledgements){hint}"
        )


# --- the upload ---------------------------------------------------------------------------------------


def describe(exc: BaseException) -> str:
    """A transient failure, for the bidder."""
    if isinstance(exc, tus.TusError):
        return f"平台暂时无法处理（HTTP {exc.status}：{exc.message}）"
    return f"连接失败或中断（{type(exc).__name__}: {exc}）"


def wait(failures: int, problem: str, note: Callable[[str], None] = say) -> None:
    """The pause after `failures` failed attempts in a row (BACKOFF, doubled each time); Failed once
    TRIES attempts were made."""
    if failures >= TRIES:
        raise Failed(f"上传中断：{problem}，已尝试 {TRIES} 次。{RUN_AGAIN}")
    delay = BACKOFF * 2 ** (failures - 1)
    note(f"{problem}；{delay:g} 秒后重试（第 {failures} 次重试，最多 {TRIES - 1} 次）(retrying)")
    sleep(delay)


def attempt(action: Callable[[], T], note: Callable[[str], None] = say) -> T:
    """`action` until it answers, retrying a dropped connection or a 5xx (a 4xx: its TusError)."""
    failures = 0
    while True:
        try:
            return action()
        except TRANSIENT as exc:
            problem = describe(exc)
        except tus.TusError as exc:
            if exc.status < HTTPStatus.INTERNAL_SERVER_ERROR:
                raise
            problem = describe(exc)
        failures += 1
        wait(failures, problem, note)


class Upload:
    """One run's upload of the bid at `path` (`size` bytes) in chunks of `chunk` bytes."""

    def __init__(  # noqa: PLR0917  (one call site)
        self,
        client: tus.Client,
        path: Path,
        size: int,
        chunk: int,
        state_path: Path,
        bar: ProgressBar | None,
    ) -> None:
        self.client, self.path, self.size, self.chunk = client, path, size, chunk
        self.state_path, self.bar = state_path, bar
        self.url: str | None = None
        self.conflicts = 0  # 409s in a row
        self.conflict: tuple[int, tus.TusError] | None = None  # the last 409: its offset, checked by HEAD
        self.damaged_at: int | None = None  # the offset of a chunk the platform got damaged (460)

    def note(self, text: str) -> None:
        """Say something on a line of its own (the bar's line is ended first)."""
        if self.bar is not None:
            self.bar.close()
        say(text)

    def progress(self, done: int) -> None:
        if self.bar is not None:
            self.bar(done, self.size)

    def wait(self, failures: int, problem: str) -> None:
        wait(failures, problem, self.note)

    def attempt(self, action: Callable[[], T]) -> T:
        return attempt(action, self.note)

    def run(self, state: dict[str, Any] | None, record: dict[str, Any], values: dict[str, bytes]) -> Receipt:
        """Resume the upload the state file names, or create one (and write the state file), then send
        the rest."""
        offset: int | None = None
        if state is not None:
            url = self.client.resolve(state["upload"])
            try:
                head = self.attempt(lambda: self.client.head(url))
            except tus.TusError as exc:
                if exc.status not in GONE:
                    raise PlatformRefused(exc, ends=False) from exc
                self.note(
                    "平台上已没有这次上传（已过期或已撤销），重新开始上传 (the upload is gone: starting over)"
                )
            else:
                self.url = url
                self.check_length(head)
                if head.offset == self.size:
                    return self.finished(head.headers)
                offset = head.offset
                self.note(
                    f"继续上传：平台已收到 {offset} / {self.size} 字节"
                    f" (resuming at byte {offset} of {self.size})"
                )
        if self.url is None:
            try:
                self.url = self.attempt(lambda: self.client.create(self.size, values))
            except tus.TusError as exc:
                raise PlatformRefused(exc, ends=False) from exc
            write_atomic(
                self.state_path,
                json.dumps({**record, "upload": self.url}, ensure_ascii=False, indent=1) + "\n",
                mode=0o600,
            )
            offset = 0
        return self.send(self.url, offset)

    def check_length(self, head: tus.Head) -> None:
        if (head.length is not None and head.length != self.size) or head.offset > self.size:
            raise Failed(
                f"平台上的这次上传与投标文件的大小不符（{head.length} / {self.size} 字节）。"
                "再次运行同一命令将重新上传"
                " (the platform's upload has another length: run the same command again to start over)",
                keep=False,
            )

    def read(self, offset: int) -> bytes:
        with self.path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size != self.size:
                raise Failed(
                    f"投标文件 {self.path} 在上传过程中被改动 (the bid file changed during the upload)"
                )
            fh.seek(offset)
            return fh.read(min(self.chunk, self.size - offset))

    def finished(self, headers: http.client.HTTPMessage) -> Receipt:
        uid, at = headers.get("Ggzy-Bid"), headers.get("Ggzy-Received-At")
        if not uid or not at:
            raise Failed(
                "平台已收到全部内容，但没有给出收据（投标文件编号与收到时间）：请在平台上查看该投标文件是否已收到，"
                f"确认后可删除 {self.state_path}。\n  (the platform holds the whole file but gave no receipt)"
            )
        return Receipt(uid.strip(), at.strip(), (headers.get("Ggzy-Receipt") or "").strip())

    def send(self, url: str, offset: int | None) -> Receipt:
        """PATCH the chunks from `offset` (None: ask the platform first) to the end; the receipt."""
        failures = 0
        while True:
            sending = -1
            try:
                if offset is None:
                    head = self.ask(url)
                    if head.offset == self.size:
                        return self.finished(head.headers)
                    offset = head.offset
                sending = offset
                offset, headers = self.patch(url, sending)
            except TRANSIENT as exc:
                problem = describe(exc)
            except tus.TusError as exc:
                if exc.status < HTTPStatus.INTERNAL_SERVER_ERROR:  # only PATCH's: `ask` raises its own
                    offset = self.refused(exc, sending)
                    continue
                problem = describe(exc)
            else:
                failures = self.conflicts = 0
                if offset == self.size:
                    return self.finished(headers)
                continue
            failures += 1
            self.wait(failures, problem)
            offset = None  # the platform may have kept some of it, or none: ask

    def ask(self, url: str) -> tus.Head:
        """HEAD: what the platform holds of the upload (a 5xx is raised as TusError, to retry). After a
        409, the platform holding the very offset that was sent means the 409 was a refusal."""
        try:
            head = self.client.head(url)
        except tus.TusError as exc:
            if exc.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                raise
            if exc.status in GONE:
                raise Failed(GONE_MESSAGE, keep=False) from exc
            raise PlatformRefused(exc, ends=False) from exc
        self.check_length(head)
        if self.conflict is not None:
            sent, conflict = self.conflict
            if head.offset == sent:
                raise PlatformRefused(conflict, ends=True)
            self.note(
                f"平台已收到 {head.offset} 字节，与本次发送的起点 {sent} 不同，从 {head.offset} 继续"
                f" (409: the platform holds {head.offset} bytes, not {sent}: going on from there)"
            )
        self.conflict = None
        return head

    def patch(self, url: str, offset: int) -> tuple[int, http.client.HTTPMessage]:
        """PATCH the chunk at `offset`: the platform's new offset (within the chunk's end) and headers."""
        chunk = self.read(offset)
        self.progress(offset)
        new, headers = self.client.patch(
            url,
            offset,
            chunk,
            lambda sent: self.progress(offset + sent),
            last=offset + len(chunk) == self.size,
        )
        if not offset < new <= offset + len(chunk):
            raise Failed(
                f"平台回答的偏移量 {new} 不正确（本次从 {offset} 起发送 {len(chunk)} 字节）。{RUN_AGAIN}"
            )
        self.progress(new)
        return new, headers

    def refused(self, exc: tus.TusError, offset: int) -> int | None:
        """A 4xx to the PATCH at `offset`: where to go on (None: ask the platform), or raised."""
        if exc.status in GONE:
            raise Failed(GONE_MESSAGE, keep=False) from exc
        if exc.status in AUTHORISATION:
            raise PlatformRefused(exc, ends=False) from exc
        if exc.status == HTTPStatus.CONFLICT:
            self.conflicts += 1
            if self.conflicts > MAX_CONFLICTS:
                raise Failed(f"平台连续 {self.conflicts} 次回答偏移量冲突 (409)。{RUN_AGAIN}") from exc
            self.conflict = (offset, exc)
            return None
        if exc.status == tus.CHECKSUM_MISMATCH:
            if self.damaged_at == offset:
                raise Failed(
                    f"从第 {offset} 字节起的一段数据两次到达平台时都已损坏（SM3 校验不符），"
                    f"请检查网络或代理。{RUN_AGAIN}\n  (the chunk arrived damaged twice: 460)"
                ) from exc
            self.damaged_at = offset
            self.note(
                f"从第 {offset} 字节起的一段数据到达平台时已损坏（SM3 校验不符），重新发送 (460: resending)"
            )
            return offset
        raise PlatformRefused(exc, ends=True) from exc


# --- the command ----------------------------------------------------------------------------------------


def received_at(text: str) -> str:
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return text if at.tzinfo is None else shown(at)


def refusal_message(refused: PlatformRefused) -> str:
    error = refused.error
    if error.status in AUTHORISATION:
        return (
            f"平台拒绝了该请求：{error.message}（请检查 API 令牌及其权限），改正后再次运行同一命令。\n"
            f"  (refused by the platform: {error.code}, HTTP {error.status}; check the API token, then run"
            " the same command again)"
        )
    return (
        f"平台拒收了该投标文件：{error.message}" + ("\n该次上传已作废。" if refused.ends else "") + "\n"
        f"  (refused by the platform: {error.code}, HTTP {error.status}"
        + ("; the upload is abandoned)" if refused.ends else ")")
    )


def cancel(client: tus.Client, base: str, state_path: Path) -> int:
    """--cancel: DELETE the upload the state file names, then remove the state file."""
    state = load_state(state_path)
    if state is None:
        raise UsageError(f"没有未完成的上传：{state_path} 不存在 (no upload in progress: nothing to cancel)")
    if state["platform"] != base:
        raise UsageError(
            f"上传状态文件 {state_path} 记录的是向另一个平台（{state['platform']}）的上传 (another platform)"
        )
    try:
        url = client.resolve(state["upload"])
        attempt(lambda: client.delete(url))
    except Failed as exc:
        say(exc.message)
        return 1
    except tus.ProtocolError as exc:
        say(f"上传状态文件记录的地址不可用：{exc}")
        return 1
    except tus.TusError as exc:
        say(f"平台拒绝撤销该上传：{exc.message}\n  (cancel refused: {exc.code}, HTTP {exc.status})")
        return 1
    state_path.unlink(missing_ok=True)
    say("已撤销该次上传，平台上已收到的部分将被删除 (the upload was cancelled)")
    return 0


def keep_receipt(client: tus.Client, receipt: Receipt, bid_path: Path) -> Path | None:
    """Fetch the platform's signed receipt and keep it beside the bid (`BID.ggzybid.receipt.json`, written
    atomically): what the bidder brings to a dispute, checked offline with `ggzy-verify receipt`. A receipt
    that cannot be fetched now is said, not fatal: the bid stands and the receipt can be fetched later."""
    if not receipt.location:
        return None
    target = bid_path.with_name(bid_path.name + ".receipt.json")
    try:
        answer = client.request("GET", receipt.location)
        document = json.loads(answer.body) if answer.status == HTTPStatus.OK else None
    except (*TRANSIENT, tus.ProtocolError, ValueError):
        document = None
    if not isinstance(document, dict) or "receipt" not in document:
        say(
            f"回执暂未取得，可稍后从 {receipt.location} 下载。\n"
            f"  (the signed receipt could not be fetched now: get it later from {receipt.location})"
        )
        return None
    write_atomic(target, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    say(
        f"签名回执已保存到 {target}，可用 ggzy-verify receipt 离线核验。\n"
        f"  (the signed receipt is kept in {target}: check it with ggzy-verify receipt)"
    )
    return target


def submit(args: argparse.Namespace) -> int:
    """Send the sealed bid and its acknowledgements to the platform (tus 1.0, resumable); print the
    platform's receipt."""
    base = uploads_url(args.platform)
    token = read_token(args.token_file)
    bid_path = Path(args.bid)
    state_path = Path(args.state_file) if args.state_file else Path(f"{args.bid}.upload.json")
    client = tus.Client(base, token)
    if args.cancel:
        return cancel(client, base, state_path)
    if not args.acks:
        raise UsageError(f"需要 --acks ACKS.json（ggzy-bid register 写出的托管方确认回执）。{NOT_SUBMITTED}")
    bid = read_bid(bid_path)
    section = bid.header["section"]
    acks = read_acks(args.acks, bid.header)
    known = recognise(bid_path)
    record = {
        "format": STATE_FORMAT,
        "platform": base,
        "bid": bid_path.name,
        "section": section,
        **known,
        "acks_sm3": Sm3(acks).digest().hex(),
    }
    state = load_state(state_path)
    if state is not None:
        check_state(state, state_path, base=base, known=known, acks_sm3=record["acks_sm3"])
    values = {
        "section": section.encode("utf-8"),
        "filename": bid_path.name.encode("utf-8"),
        "acknowledgements": acks,
    }
    bar = ProgressBar(sys.stderr, label="上传 uploading") if sys.stderr.isatty() else None
    upload = Upload(client, bid_path, known["size"], args.chunk_mb * CHUNK_UNIT, state_path, bar)
    try:
        receipt = upload.run(state, record, values)
    except PlatformRefused as exc:
        upload.note(refusal_message(exc))
        if exc.ends and upload.url is not None:
            try:
                client.delete(upload.url)
            except (*TRANSIENT, tus.TusError, tus.ProtocolError):
                pass  # the platform discards a refused upload anyway
            state_path.unlink(missing_ok=True)
        return 1
    except tus.ProtocolError as exc:
        upload.note(
            f"平台的回答不符合 tus 1.0 协议，上传中止。\n  (the platform's answer does not follow tus: {exc})"
        )
        return 1
    except Failed as exc:
        upload.note(exc.message)
        if not exc.keep:
            state_path.unlink(missing_ok=True)
        return 1
    finally:
        if bar is not None:
            bar.close()
    state_path.unlink(missing_ok=True)
    keep_receipt(client, receipt, bid_path)
    print(  # noqa: T201
        f"已提交：平台已收到投标文件 {bid_path.name}"
        f"（标段 {section}{ENVELOPE_NAMES.get(bid.envelope, '')}），"
        f"编号 {receipt.uid}，"
        f"收到时间 {received_at(receipt.received_at)}\n"
        f"  (submitted: the platform received the bid as {receipt.uid} at {receipt.received_at})"
    )
    return 0
