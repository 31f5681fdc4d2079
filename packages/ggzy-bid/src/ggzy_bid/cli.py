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

    ggzy-bid sign-document FILE --key SIGN.key --certificate SIGN.cer [--media-type TYPE] [--out SIG.json]
        A detached signature (ggzy-docsig-v1) of FILE with your signing key — the agent's signature on
        the opening record downloaded from the hall; checked with `ggzy-verify document`.

    ggzy-bid release-key --key SIGN.key --certificate SIGN.cer --out RELEASE.key
        Generate the bidder's release key (§5: the bid's key is wrapped to it; nobody else holds or
        escrows it), save it under a passphrase — never over an existing file — and print the header's
        `release_key` field {"public_key", "binding"} (the binding: the signing key's signature tying it
        to the signing certificate). Refused when the signing key is not the certificate's.
    ggzy-bid seal --section CODE --bidder CODE --opening-sheet SHEET.json --key SIGN.key
                  --certificate SIGN.cer --release-key RELEASE.key --custodians SIGNED_SET.json
                  [--pin FINGERPRINT]… [--allow-demo-custodians] [--deadline TIME]
                  [--set-proof PROOF.json --witness-trust TRUST.json] [--boq BOQ.xml]
                  [--machine-from-system] [--criteria CRITERIA.json] [--library SNAPSHOT.json]
                  [--envelope single|technical|price] --out BID.ggzybid DOCUMENT…
        Seal a ggzy-bid-v2 bid. The opening sheet is checked first (ggzy-opening-sheet-v1); with
        --criteria also against the tender documents' criteria record (ggzy-criteria-v1): the record
        must be for --section and the sheet of its price kind, within its bounds and with the fields it
        asks for (as `criteria check-sheet`), else nothing is sealed or written. The custodian
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
        standard error is a terminal. Where the documents ask for two envelopes (双信封,
        `two_envelopes`), seal the technical envelope (--envelope technical: its opening sheet states no
        price) and the price envelope (--envelope price: the price alone) as two bids; the envelope is
        written into the header the bidder signs. The hall opens the technical envelopes first and the
        price envelopes in a second session, only of the bidders that passed the technical review.
    ggzy-bid register BID.ggzybid --custodians SIGNED_SET.json [--pin …] [--allow-demo-custodians]
                      [--out ACKS.json]
        Register the bid's ciphertext hash — nothing naming the bidder — with every custodian of the
        set (POST /ack) before the deadline; succeeds only with valid acknowledgements of at least k
        distinct custodians, each dated by its own clock (a receipt the operator cannot back-date),
        written to ACKS.json (default BID.ggzybid.acks.json). Says which custodians answered.
    ggzy-bid submit BID.ggzybid --platform URL --acks ACKS.json [--token-file TOKEN] [--chunk-mb 8]
                    [--state-file STATE.json] [--cancel]
        Send the bid with its acknowledgements to the platform (tus 1.0 resumable upload at
        URL/api/v1/sealing/uploads/, every chunk with its SM3), under the API token in TOKEN or in
        GGZY_TOKEN (never shown); the section is the bid header's. A progress bar shows on a terminal. A
        dropped connection is retried a few times; after that, or when the command was stopped, running
        it again resumes where the platform's copy ends (the upload's address is kept in
        BID.ggzybid.upload.json until the end). Prints the platform's receipt — the bid's number and the
        instant it received it — or the platform's refusal (late, acknowledgements, the file). --cancel
        abandons the upload in progress.
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
    ggzy-bid criteria show CRITERIA.json [--json]
    ggzy-bid criteria checklist CRITERIA.json [--json]
    ggzy-bid criteria check-sheet CRITERIA.json SHEET.json
        The tender documents' criteria record (ggzy-criteria-v1, docs/criteria-format.md), offline: the
        record in brief with its SM3 digest (--json: its public view); what the bid must contain
        (qualification items and their evidence, scoring items, library items, the security); and the
        opening sheet checked against it before sealing (price kind, required fields, bounds).

Exit status: 0 done; 2 refused or wrong usage (the reason on standard error, Chinese first: nothing is
written then); 1 from `verify-proof` for a proof that fails, from `check` for a bid that cannot be
released with the key, and from `submit` when the platform refused the bid or the upload stopped before
its receipt (run it again to resume). Key files' passphrases come from GGZY_BID_PASSPHRASE (the release
key's from GGZY_BID_RELEASE_PASSPHRASE, else the same) or a prompt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ggzy_bid.agent import AUTO_APPROVE_COUNT, AUTO_APPROVE_MINUTES, DEFAULT_PORT, Refused
from ggzy_bid.commands import criteria, document
from ggzy_bid.commands.bidfile import check, inspect, register, release
from ggzy_bid.commands.common import UsageError
from ggzy_bid.commands.keys import release_key
from ggzy_bid.commands.proof import verify_proof
from ggzy_bid.commands.seal import seal
from ggzy_bid.commands.signing import login_sign, run_agent
from ggzy_bid.commands.submit import TOKEN_ENV, submit
from ggzy_sm.errors import CryptoError


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
    sealing.add_argument(
        "--envelope",
        choices=("single", "technical", "price"),
        default="single",
        help="for documents that ask for two envelopes (双信封): seal the technical envelope (its opening"
        " sheet states no price) and the price envelope (the price alone) apart; written into the signed"
        " header (default: single, one whole bid)",
    )
    sealing.add_argument(
        "--criteria",
        metavar="CRITERIA.json",
        help="the tender documents' criteria record (ggzy-criteria-v1): refuse a sheet that does not"
        " match it (price kind, bounds, required fields) or a record for another section",
    )
    sealing.add_argument(
        "--library",
        metavar="SNAPSHOT.json",
        help="the library references (ggzy-library-snapshot-v1, downloaded from your library on the"
        " platform): sealed inside as documents/library.json, resolved at the opening to the deadline's"
        " revisions",
    )
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

    submitting = commands.add_parser(
        "submit", help="send the bid and its acknowledgements to the platform (resumable upload)"
    )
    submitting.add_argument("bid")
    submitting.add_argument(
        "--platform", required=True, metavar="URL", help="the platform, e.g. https://ggzy.example.cn"
    )
    submitting.add_argument(
        "--acks", metavar="ACKS.json", help="the custodians' acknowledgements (ggzy-bid register --out)"
    )
    submitting.add_argument(
        "--token-file", metavar="TOKEN", help=f"a file holding your API token (default: ${TOKEN_ENV})"
    )
    submitting.add_argument(
        "--chunk-mb",
        type=_bounded("--chunk-mb", 64),
        default=8,
        metavar="N",
        help="send N MiB a request (default 8, at most 64)",
    )
    submitting.add_argument(
        "--state-file",
        metavar="STATE.json",
        help="where the upload in progress is remembered (default: BID.upload.json)",
    )
    submitting.add_argument(
        "--cancel", action="store_true", help="abandon the upload in progress (nothing else is sent)"
    )
    submitting.set_defaults(run=submit)

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
    criteria.add_parser(commands)
    document.add_parser(commands)
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
