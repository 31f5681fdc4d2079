"""The demo's key custodians (sealed bids, format 2), for the sandbox only: three demo custodians per
centre (the centre, the development and reform commission, a notary office; 2 of 3 open a bid), their
own keys and self-issued certificates in GGZY_DEMO_CA_DIR/custodians/<centre>/<n>/ — never in the
database or `var/` — and the set v2 signed by each of them and by the supervising department (the demo
supervisor's CA signing key), naming the platform's notice and opening keys and the witness pins,
published through the service.

`IN_PROCESS` answers as each demo custodian would (`make demo` points GGZY_CUSTODIAN_TRANSPORT at it):
shares, notices (only valid ones are remembered; others are counted for the supervisors), the latest
notice, time statements, acknowledgements before the closing time and the closure after it — with each
custodian's state in its own folder, like `ggzy-custodian serve` keeps it. A demo custodian reads the
sandbox clock (the demo writes a month of history); a real one runs `ggzy-custodian serve` on its own
machine with its own clock."""

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
from ggzy_sm import custodians, witness, x509
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


def _witness_pins() -> witness.WitnessTrust:
    """What the set pins of the witness log: the demo's trust file when its co-signers run, else the
    platform's key and a demo co-signer key (the set needs pins; verifiers of such a demo pin nothing
    real)."""
    if settings.GGZY_WITNESS_TRUST and Path(settings.GGZY_WITNESS_TRUST).exists():
        return witness.WitnessTrust.load(settings.GGZY_WITNESS_TRUST)
    return witness.WitnessTrust(
        operator_keys=(keystore.signing_key()[1].public_key,),
        cosigners=(("演示见证方（未运行）", Sm2PrivateKey.generate().public_key),),
        threshold=1,
    )


def load(centre: Any) -> custodians.SignedCustodianSet | None:
    """Make the demo custodians and publish their set for `centre` (sandbox only; needs the demo CAs)."""
    if not settings.GGZY_DEMO_CA_DIR or not settings.GGZY_SANDBOX:
        return None
    members, signers = [], []
    now = clock.now()
    for n, name in enumerate(NAMES, start=1):
        folder = _folder(centre.code) / str(n)
        folder.mkdir(parents=True, exist_ok=True)
        signing, encryption = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
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
        (folder / "state.json").unlink(missing_ok=True)  # new keys: a new custodian, with nothing held
        members.append((name, f"demo:custodian-{n}", certificates[0], certificates[1]))
        signers.append(signing)
    supervisor = Path(settings.GGZY_DEMO_CA_DIR) / "users" / "supervisor2"
    body = custodians.set_body(
        centre=centre.code,
        k=K,
        custodians=members,
        supervisor=("沈阳市住房和城乡建设局", x509.der_blocks((supervisor / "sign.cer").read_bytes())[0]),
        demo=True,
        notice_keys=[(keystore.notice_keys()[0][1].public_key, now - 400 * DAY, None)],
        opening_key=keystore.opening_keys()[0].public_key,
        witness_trust=_witness_pins(),
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


class InProcess:
    """Custodians answering in this process as their services would: the demo's (sandbox only), and —
    through the hooks below — the tests'. Each custodian's state (the valid notices it holds, the
    ciphertexts it acknowledged, its closures, how many unverified notices it was sent) is a JSON file
    of its own, replaced atomically."""

    # --- hooks (the demo's: its published sets, its key files, the sandbox clock) ---

    def sets(self) -> list[custodians.SignedCustodianSet]:
        if not settings.GGZY_SANDBOX:
            raise custodians.CustodianError("malformed", "demo custodians answer in the sandbox only")
        return [custodians.set_verify(published.signed) for published in selectors.published_sets()]

    def keys(self, cset: custodians.SignedCustodianSet, index: int) -> tuple[Sm2PrivateKey, Sm2PrivateKey]:
        return _keys(cset.centre, index)

    def state_file(self, cset: custodians.SignedCustodianSet, index: int) -> Path:
        return _folder(cset.centre) / str(index) / "state.json"

    def now(self, index: int) -> dt.datetime:
        """Custodian `index`'s clock."""
        return clock.now()

    def trust(self) -> custodians.Trust:
        return _trust()

    # --- the services' behaviour ---

    def _set(self, custodian: custodians.Custodian) -> custodians.SignedCustodianSet:
        for cset in self.sets():
            if (
                custodian.index <= cset.n
                and cset.custodian(custodian.index).fingerprint == custodian.fingerprint
            ):
                return cset
        raise custodians.CustodianError("set", "not a custodian of a published set")

    def _state(self, cset: custodians.SignedCustodianSet, index: int) -> dict[str, Any]:
        path = self.state_file(cset, index)
        if not path.exists():
            return {"notices": [], "acks": {}, "closures": {}, "unverified": 0}
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def _save(self, cset: custodians.SignedCustodianSet, index: int, state: dict[str, Any]) -> None:
        path = self.state_file(cset, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(state, ensure_ascii=False))

    def _closure(
        self, cset: custodians.SignedCustodianSet, index: int, section: str
    ) -> dict[str, Any] | None:
        """The closure, made once from the closing time on (by the custodian's clock), else None."""
        state = self._state(cset, index)
        if section in state["closures"]:
            return dict(state["closures"][section])
        latest = custodians.latest_notice(state["notices"], cset, section)
        if latest is None:
            return None
        closing = custodians.closing_at(latest["payload"]["deadline"], section, state["notices"], cset)
        now = self.now(index)
        if now < closing:
            return None
        closure = custodians.closure_make(
            key=self.keys(cset, index)[0],
            set_fingerprint=cset.fingerprint,
            section=section,
            closing_at=closing,
            ciphertexts=state["acks"].get(section, []),
            index=index,
            now=now,
        )
        state["closures"][section] = closure
        self._save(cset, index, state)
        return closure

    def share(self, custodian: custodians.Custodian, request: dict[str, Any]) -> dict[str, Any]:
        cset = self._set(custodian)
        signing, encryption = self.keys(cset, custodian.index)
        section = str(((request.get("header") or {}).get("section")) or "")
        self._close_first(cset, custodian.index, section)
        for notice in request.get("notices") or []:  # the service remembers the valid ones it is sent
            self.notice(custodian, notice)
        held = self._state(cset, custodian.index)["notices"]
        return custodians.answer(
            request,
            cset=cset,
            index=custodian.index,
            encryption_key=encryption,
            signing_key=signing,
            trust=self.trust(),
            now=self.now(custodian.index),
            closure=self._closure(cset, custodian.index, section),
            notices_held=held,
        )

    def _close_first(self, cset: custodians.SignedCustodianSet, index: int, section: Any) -> None:
        """Past the closing time by the notices it held, the closure is made before anything sent is
        taken (docs/sealed-bid-format.md §8.1): a notice arriving late reopens nothing."""
        if isinstance(section, str) and section:
            self._closure(cset, index, section)

    def notice(self, custodian: custodians.Custodian, notice: dict[str, Any]) -> dict[str, Any]:
        cset = self._set(custodian)
        payload = notice.get("payload") if isinstance(notice, dict) else None
        self._close_first(
            cset, custodian.index, payload.get("section") if isinstance(payload, dict) else None
        )
        state = self._state(cset, custodian.index)
        if not custodians.notice_valid(notice, cset):
            state["unverified"] = int(state.get("unverified", 0)) + 1
            self._save(cset, custodian.index, state)
            return {"ok": False, "reason": "unverified"}
        if notice not in state["notices"]:
            state["notices"].append(notice)
            self._save(cset, custodian.index, state)
        return {"ok": True}

    def latest_notice(self, custodian: custodians.Custodian, section: str) -> dict[str, Any] | None:
        cset = self._set(custodian)
        return custodians.latest_notice(self._state(cset, custodian.index)["notices"], cset, section)

    def ack(self, custodian: custodians.Custodian, request: dict[str, Any]) -> dict[str, Any]:
        cset = self._set(custodian)
        self._close_first(cset, custodian.index, request.get("section"))
        state = self._state(cset, custodian.index)
        for notice in request.get("notices") or []:
            if custodians.notice_valid(notice, cset) and notice not in state["notices"]:
                state["notices"].append(notice)
        section = str(request.get("section", ""))
        answer = custodians.ack_answer(
            request,
            cset,
            custodian.index,
            self.keys(cset, custodian.index)[0],
            state["notices"],
            self.now(custodian.index),
            closed=section in state["closures"],
        )
        acked = state["acks"].setdefault(section, [])
        if request["ciphertext_sm3"] not in acked:
            acked.append(request["ciphertext_sm3"])
        self._save(cset, custodian.index, state)
        return answer

    def closure(self, custodian: custodians.Custodian, section: str) -> dict[str, Any]:
        cset = self._set(custodian)
        closure = self._closure(cset, custodian.index, section)
        if closure is None:
            raise custodians.CustodianError("too_early", "the section is not closed yet")
        return closure

    def time(self, custodian: custodians.Custodian, nonce: str) -> dict[str, Any]:
        cset = self._set(custodian)
        return custodians.time_statement(
            self.keys(cset, custodian.index)[0], custodian.index, nonce, self.now(custodian.index)
        )

    def health(self, custodian: custodians.Custodian) -> dict[str, Any]:
        cset = self._set(custodian)
        return {
            "ok": True,
            "index": custodian.index,
            "fingerprint": cset.fingerprint,
            "time": self.now(custodian.index).isoformat(),
            "unverified_notices": int(self._state(cset, custodian.index).get("unverified", 0)),
        }


IN_PROCESS = InProcess()
