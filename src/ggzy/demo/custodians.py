"""The demo's key custodians (sealed bids II), for the sandbox only: three demo custodians of the Shenyang
centre (the centre, the development and reform commission, a notary office; 2 of 3 open a bid), their
own keys and self-issued certificates in GGZY_DEMO_CA_DIR/custodians/<n>/ — never in the database or
`var/` — and the set signed by each of them and by the supervising department (the demo supervisor's
CA signing key), published through the service.

`transport` answers share requests in-process as each demo custodian would (`make demo` points
GGZY_CUSTODIAN_TRANSPORT at it). A demo custodian reads the sandbox clock; a real one runs
`ggzy-custodian serve` on its own machine with its own clock."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from ggzy.core import clock, keystore
from ggzy.demo.ca import ITERATIONS, PASSPHRASE
from ggzy.sealing import selectors, services
from ggzy_sm import custodians, x509
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

NAMES = (
    "沈阳市公共资源交易中心（演示保管人）",
    "沈阳市发展和改革委员会（演示保管人）",
    "辽宁省沈阳市公证处（演示保管人）",
)
K = 2
DAY = dt.timedelta(days=1)


def _folder(centre_code: str) -> Path:
    """One folder of demo custodians per centre: custodians/<centre>/<n>/ and custodians/<centre>/set.json."""
    return Path(settings.GGZY_DEMO_CA_DIR) / "custodians" / centre_code


def load(centre: Any) -> custodians.CustodianSet | None:
    """Make the demo custodians and publish their set for `centre` (sandbox only; needs the demo CAs)."""
    if not settings.GGZY_DEMO_CA_DIR or not settings.GGZY_SANDBOX:
        return None
    members, signers = [], []
    for n, name in enumerate(NAMES, start=1):
        folder = _folder(centre.code) / str(n)
        folder.mkdir(parents=True, exist_ok=True)
        signing, encryption = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
        now = clock.authority_now()
        certificates = custodians.member_certificates(
            signing=signing,
            encryption=encryption,
            name=name,
            not_before=now - 400 * DAY,
            not_after=now + 3650 * DAY,
        )
        for key, file, der in zip(
            (signing, encryption), ("signing", "encryption"), certificates, strict=True
        ):
            write_key_file(key, folder / f"{file}.key", PASSPHRASE, ITERATIONS)
            write_atomic(folder / f"{file}.cer", der)
        members.append((name, f"demo:custodian-{n}", certificates[0], certificates[1]))
        signers.append(signing)
    supervisor = Path(settings.GGZY_DEMO_CA_DIR) / "users" / "supervisor2"
    body = custodians.set_body(
        centre=centre.code,
        k=K,
        custodians=members,
        supervisor=("沈阳市住房和城乡建设局", x509.der_blocks((supervisor / "sign.cer").read_bytes())[0]),
        demo=True,
    )
    signatures = {str(n): custodians.set_sign(body, key) for n, key in enumerate(signers, start=1)}
    signatures["supervisor"] = custodians.set_sign(body, load_key_file(supervisor / "sign.key", PASSPHRASE))
    signed = {"body": body, "signatures": signatures}
    write_atomic(_folder(centre.code) / "set.json", json.dumps(signed, ensure_ascii=False, indent=1))
    services.custodian_set_publish(actor=None, centre=centre, signed=signed)
    _keys.cache_clear()
    return custodians.set_verify(signed)


@cache
def _keys(centre_code: str, index: int) -> tuple[Sm2PrivateKey, Sm2PrivateKey]:
    folder = _folder(centre_code) / str(index)
    return load_key_file(folder / "signing.key", PASSPHRASE), load_key_file(
        folder / "encryption.key", PASSPHRASE
    )


def _trust() -> custodians.Trust:
    folder = Path(settings.GGZY_DEMO_CA_DIR)
    return custodians.Trust(
        roots=[(folder / ca / "root.cer").read_bytes() for ca in ("liaoning", "zhejiang")],
        intermediates=[(folder / "liaoning" / "issuing.cer").read_bytes()],
        crls=[],
    )


def transport(custodian: custodians.Custodian, request: dict[str, Any]) -> dict[str, Any]:
    """A demo custodian's answer (the sandbox's GGZY_CUSTODIAN_TRANSPORT)."""
    if not settings.GGZY_SANDBOX:
        raise custodians.CustodianError("malformed", "demo custodians answer in the sandbox only")
    envelope = (request.get("header") or {}).get("custodians") or {}
    published = selectors.custodian_set(str(envelope.get("set", "")))
    if published is None:
        raise custodians.CustodianError("set", "the bid's shares are not for a published custodian set")
    signing, encryption = _keys(published.centre, custodian.index)
    return custodians.answer(
        request,
        cset=published,
        index=custodian.index,
        encryption_key=encryption,
        signing_key=signing,
        platform_key=keystore.opening_keys()[0].public_key,
        notice_key=keystore.signing_key()[1].public_key,
        trust=_trust(),
        now=clock.now(),
    )


def notice(custodian: custodians.Custodian, notice: dict[str, Any]) -> None:
    """Demo custodians take notices from the share requests (the window's notices): nothing to deliver."""
