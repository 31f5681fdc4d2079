"""The demo's test CAs: two of them (mutual recognition, 全省CA互认), each with its root and (the
first) an issuing intermediate, a revocation list, and dual certificates for every demo user.

The CAs' keys and the users' key files are written to GGZY_DEMO_CA_DIR — outside the database and
`var/`, as real CAs' and holders' keys would be. The platform only ever sees certificates. As in the
Chinese dual-certificate system, the encryption key pair is made by the CA (its key management
centre, KMC, generates and escrows it) and handed to the holder; the signing key is the holder's own.

    <dir>/README.txt                       what is here and how to start the signing agent
    <dir>/<ca>/root.cer, issuing.cer, *.key  the CA (DER certificates; key files under PASSPHRASE)
    <dir>/users/<username>/sign.key|sign.cer|enc.key|enc.cer
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ggzy.certs import services
from ggzy.core import clock
from ggzy.core.types import Actor
from ggzy_sm import x509
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

#: The passphrase of every demo key file (printed by the demo; never a real key's).
PASSPHRASE = "demo-key-passphrase"  # noqa: S105
#: Demo key files use fewer PBKDF2 rounds than real ones so the demo loads quickly.
ITERATIONS = 2_000
DAY = dt.timedelta(days=1)


@dataclass
class DemoCa:
    key: Sm2PrivateKey
    name: dict[str, str]
    root: bytes
    intermediates: list[bytes]
    serial: int = 100

    def issue(
        self, *, holder: dict[str, str], key: Sm2PrivateKey, usage: x509.Usage, not_after: dt.datetime
    ) -> bytes:
        self.serial += 1
        return x509.issue(
            issuer_key=self.key,
            issuer=self.name,
            subject=holder,
            public_key=key.public_key,
            serial=self.serial,
            not_before=clock.authority_now() - 400 * DAY,
            not_after=not_after,
            usage=usage,
        )


def _ca(folder: Path, slug: str, root_name: dict[str, str], issuing_name: dict[str, str] | None) -> DemoCa:
    root_key = Sm2PrivateKey.generate()
    now = clock.authority_now()
    root = x509.issue(
        issuer_key=root_key,
        issuer=root_name,
        subject=root_name,
        public_key=root_key.public_key,
        serial=1,
        not_before=now - 400 * DAY,
        not_after=now + 20 * 365 * DAY,
        usage="ca",
    )
    (folder / slug).mkdir(parents=True, exist_ok=True)
    write_atomic(folder / slug / "root.cer", root)
    write_key_file(root_key, folder / slug / "root.key", PASSPHRASE, ITERATIONS)
    if issuing_name is None:
        return DemoCa(root_key, root_name, root, [])
    issuing_key = Sm2PrivateKey.generate()
    issuing = x509.issue(
        issuer_key=root_key,
        issuer=root_name,
        subject=issuing_name,
        public_key=issuing_key.public_key,
        serial=2,
        not_before=now - 400 * DAY,
        not_after=now + 10 * 365 * DAY,
        usage="ca",
    )
    write_atomic(folder / slug / "issuing.cer", issuing)
    write_key_file(issuing_key, folder / slug / "issuing.key", PASSPHRASE, ITERATIONS)
    return DemoCa(issuing_key, issuing_name, root, [issuing])


def load(
    folder: Path, holders: list[tuple[Actor, str, str, bool, int]], centre: tuple[str, str]
) -> dict[str, int]:
    """Make both CAs, configure them, and give each holder (user, name, holder id, from outside the
    province?, days the encryption certificate has left) dual certificates, bound through the services;
    and the centre (name, credit code) its electronic seal in <dir>/seal/ (key file, PEM chain).
    Returns the count of certificates bound per CA."""
    if folder.exists():
        shutil.rmtree(folder)  # a fresh database gets fresh CAs: old keys would not match
    folder.mkdir(parents=True)
    home = _ca(
        folder,
        "liaoning",
        {"common_name": "演示根 CA（辽宁）", "organization_name": "ggzy 演示"},
        {"common_name": "演示签发 CA（辽宁）", "organization_name": "ggzy 演示"},
    )
    other = _ca(
        folder, "zhejiang", {"common_name": "演示 CA（浙江，互认）", "organization_name": "ggzy 演示"}, None
    )
    for ca, label in ((home, "演示 CA（辽宁）"), (other, "演示 CA（浙江，互认）")):
        services.ca_add(actor=None, name=label, root=ca.root, intermediates=ca.intermediates, is_test=True)
    counts = {"liaoning": 0, "zhejiang": 0}
    now = clock.authority_now()
    for user, name, holder_id, outside, enc_days in holders:
        ca = other if outside else home
        home_dir = folder / "users" / user.get_username()
        home_dir.mkdir(parents=True)
        subject = {"common_name": name, "serial_number": holder_id}
        pairs: tuple[tuple[x509.Usage, str, int], ...] = (
            ("signing", "sign", 365),
            ("encryption", "enc", enc_days),
        )
        for usage, file, days in pairs:
            key = Sm2PrivateKey.generate()  # the encryption key: made by the CA's KMC, as in China
            der = ca.issue(holder=subject, key=key, usage=usage, not_after=now + days * DAY)
            write_atomic(home_dir / f"{file}.cer", der)
            write_key_file(key, home_dir / f"{file}.key", PASSPHRASE, ITERATIONS)
            services.certificate_bind(actor=None, user=user, der=der, usage=usage)
            counts["zhejiang" if outside else "liaoning"] += 1
    seal_key = Sm2PrivateKey.generate()
    seal = home.issue(
        holder={"common_name": f"{centre[0]}（电子签章）", "serial_number": centre[1]},
        key=seal_key,
        usage="signing",
        not_after=now + 3 * 365 * DAY,
    )
    (folder / "seal").mkdir()
    write_atomic(folder / "seal" / "seal.pem", x509.pem_blocks([seal, *home.intermediates]))
    write_key_file(seal_key, folder / "seal" / "seal.key", PASSPHRASE, ITERATIONS)
    revoked = home.issue(
        holder={"common_name": "已吊销的演示证书", "serial_number": "91210100000000000X"},
        key=Sm2PrivateKey.generate(),
        usage="signing",
        not_after=now + 365 * DAY,
    )
    write_atomic(folder / "liaoning" / "revoked-example.cer", revoked)
    crl = x509.issue_crl(
        issuer_key=home.key,
        issuer=home.name,
        revoked=[(x509.Certificate.load(revoked).serial, now - 3 * DAY)],
        this_update=now - DAY,
        next_update=now + 365 * DAY,  # a demo instance runs for months without fetching a new list
    )
    write_atomic(folder / "liaoning" / "issuing.crl", crl)
    from ggzy.certs.models import CertificateAuthority

    services.crl_import(actor=None, ca=CertificateAuthority.objects.get(name="演示 CA（辽宁）"), der=crl)
    write_readme(folder)
    return counts


def origin() -> str:
    """The platform's origin in the browser, as `ggzy serve` (and so `make demo`) binds it: 127.0.0.1 on
    GGZY_PORT. The signing agent answers only the origins it was started with (`--origin`): another
    port and the browser cannot read its answer, and the sign-in page finds no signing agent."""
    return f"http://127.0.0.1:{settings.PORT}"


def agent_command(folder: Path, username: str = "bidder", *, lines: bool = False) -> str:
    """The command that starts the local signing agent for a demo user, for the origin the platform is
    served on (on one line, or as shell continuation lines)."""
    parts = [
        "GGZY_BID_PASSPHRASE=demo-key-passphrase .venv/bin/ggzy-bid agent --auto-approve",
        "--auto-approve-minutes 480",
        f"--key {folder}/users/{username}/sign.key --certificate {folder}/users/{username}/sign.cer",
        f"--origin {origin()}",
    ]
    return " \\\n    ".join(parts) if lines else " ".join(parts)


def write_readme(folder: Path) -> None:
    """<dir>/README.txt: what is here and how to start the signing agent — rewritten by every `demo_load`
    run, so the command it shows names the port the platform is served on now."""
    write_atomic(
        folder / "README.txt",
        (
            "ggzy demo test CAs — for demonstrations only, never trusted in production.\n"
            f"Key files are protected with the passphrase {PASSPHRASE!r}.\n"
            "Sign in with a certificate: start the local signing agent, then use the button on the\n"
            f"sign-in page of {origin()}/accounts/login/:\n"
            f"  {agent_command(folder, lines=True)}\n"
            "The centre's electronic seal is seal/seal.key with seal/seal.pem (certificate and chain):\n"
            "  .venv/bin/ggzy document_seal FILE   then   .venv/bin/ggzy-verify document FILE FILE.sig.json"
            f" --root {folder}/liaoning/root.cer\n"
        ).encode(),
    )
