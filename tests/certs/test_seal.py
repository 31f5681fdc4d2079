"""The centre's electronic seal: a PDF sealed with a key file outside the database, verified against the
enabled CAs and by the offline verifier; tampering, revocation and a bad seal server are refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ggzy.certs import seal
from ggzy.certs.models import CertificateAuthority, RevocationList
from ggzy.certs.seal import SealError, document_sign, document_verify
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy_sm import x509
from ggzy_sm.document import sign_document
from ggzy_sm.keys import write_key_file
from ggzy_sm.verify import main as ggzy_verify
from tests.certs.test_certs import CA_KEY, CA_NAME, HOLDER_KEY, cert, root
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db
PASSPHRASE = "centre-seal-passphrase"
PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    + b"BT (opening record) Tj ET\n" * 500
)
SEALED = "certs.document.sealed"


@pytest.fixture
def centre(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """An enabled test CA, and the centre's seal (key file, signing certificate) configured in settings."""
    ca_root = root()
    ca = CertificateAuthority.objects.create(
        name="测试 CA", root=ca_root, intermediates=[], is_test=True, added_at=clock.now()
    )
    uscc = make_uscc()
    key_file, certificate_file = tmp_path / "seal.key", tmp_path / "seal.cer"
    write_key_file(HOLDER_KEY, key_file, PASSPHRASE, iterations=1000)
    certificate_file.write_bytes(cert(uscc, "signing", 50))
    settings.GGZY_SEAL_KEY_FILE = str(key_file)
    settings.GGZY_SEAL_CERTIFICATE_FILE = str(certificate_file)
    settings.GGZY_SEAL_PASSPHRASE = PASSPHRASE
    root_file = tmp_path / "root.der"
    root_file.write_bytes(ca_root)
    return {"ca": ca, "uscc": uscc, "root_file": root_file, "certificate_file": certificate_file}


def refusal(document: bytes, signature: dict[str, Any]) -> tuple[SealError, str]:
    with pytest.raises(DomainError) as caught:
        document_verify(document=document, signature=signature)
    assert isinstance(caught.value.code, SealError)
    return caught.value.code, caught.value.detail["reason"]


@pytest.mark.clause("8.1.3")
def test_a_sealed_pdf_verifies_online_and_offline_and_the_seal_is_recorded(
    centre: dict[str, Any], make_user: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clerk = make_user(Role.SYSTEM_ADMIN, username="clerk")
    signature = document_sign(actor=clerk, document=PDF, name="开标记录.pdf", media_type="application/pdf")
    assert signature["format"] == "ggzy-docsig-v1"

    verified = document_verify(document=PDF, signature=signature)
    assert verified.holder_id == centre["uscc"]
    assert verified.serial == 50
    assert verified.name == "开标记录.pdf"

    event = Event.objects.get(type=SEALED)
    assert event.event_class == "security"
    assert event.visibility == "audit"
    assert event.actor == clerk
    data = json.loads(event.document)["data"]
    assert data["sm3"] == verified.sm3
    assert data["size"] == len(PDF)
    assert data["seal_holder"] == centre["uscc"]

    pdf, sig = tmp_path / "开标记录.pdf", tmp_path / "开标记录.pdf.sig.json"
    pdf.write_bytes(PDF)
    sig.write_text(json.dumps(signature, ensure_ascii=False), encoding="utf-8")
    arguments = ["document", str(pdf), str(sig), "--root", str(centre["root_file"])]
    assert ggzy_verify(arguments) == 0
    assert centre["uscc"] in capsys.readouterr().out

    pdf.write_bytes(PDF.replace(b"opening", b"OPENING", 1))  # one word changed, same size
    assert ggzy_verify(arguments) == 1
    assert "FAILED (hash_mismatch)" in capsys.readouterr().out


def test_a_tampered_or_foreign_signature_is_refused(centre: dict[str, Any]) -> None:
    signature = document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
    assert refusal(PDF[:-1] + b"X", signature) == (SealError.DOCUMENT_CHANGED, "hash_mismatch")
    assert refusal(b"%PDF-1.7 another", signature) == (SealError.DOCUMENT_CHANGED, "hash_mismatch")
    renamed = {**signature, "document": {**signature["document"], "name": "b.pdf"}}
    assert refusal(PDF, renamed) == (SealError.SIGNATURE_REFUSED, "bad_signature")
    assert refusal(PDF, {"format": "something else"}) == (SealError.SIGNATURE_MALFORMED, "malformed")


def test_a_signers_clock_a_little_ahead_is_accepted_and_one_far_ahead_is_not(
    centre: dict[str, Any], settings: Any
) -> None:
    """`ggzy-bid sign-document` stamps its own computer's time: a platform clock a few seconds behind
    must not refuse the signature (GGZY_SIGNATURE_LEEWAY_SECONDS), one minutes ahead is refused."""
    certificate = centre["certificate_file"].read_bytes()
    ahead = sign_document(
        PDF, HOLDER_KEY, certificate, name="a.pdf", media_type="application/pdf",
        at=clock.now() + dt.timedelta(seconds=30),
    )  # fmt: skip
    assert document_verify(document=PDF, signature=ahead).serial == 50
    settings.GGZY_SIGNATURE_LEEWAY_SECONDS = 0
    assert refusal(PDF, ahead) == (SealError.SIGNATURE_REFUSED, "not_yet_valid")
    settings.GGZY_SIGNATURE_LEEWAY_SECONDS = 120
    far = sign_document(
        PDF, HOLDER_KEY, certificate, name="a.pdf", media_type="application/pdf",
        at=clock.now() + dt.timedelta(minutes=10),
    )  # fmt: skip
    assert refusal(PDF, far) == (SealError.SIGNATURE_REFUSED, "not_yet_valid")


def test_a_revoked_seal_certificate_or_a_disabled_ca_is_refused(centre: dict[str, Any]) -> None:
    signature = document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
    now = clock.now()
    crl = x509.issue_crl(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        revoked=[(50, now)],
        this_update=now,
        next_update=now + dt.timedelta(days=7),
    )
    RevocationList.objects.create(ca=centre["ca"], der=crl, imported_at=now)
    assert refusal(PDF, signature) == (SealError.SIGNATURE_REFUSED, "revoked")
    RevocationList.objects.all().delete()
    assert document_verify(document=PDF, signature=signature).serial == 50
    CertificateAuthority.objects.update(enabled=False)
    assert refusal(PDF, signature) == (SealError.SIGNATURE_REFUSED, "untrusted_root")


def test_an_unconfigured_or_locked_seal_signs_nothing(centre: dict[str, Any], settings: Any) -> None:
    settings.GGZY_SEAL_PASSPHRASE = "not-the-passphrase"
    with pytest.raises(DomainError) as caught:
        document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
    assert caught.value.code == SealError.KEY_UNAVAILABLE
    del settings.GGZY_SEAL_KEY_FILE
    with pytest.raises(DomainError) as caught:
        document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
    assert caught.value.code == SealError.NOT_CONFIGURED
    assert caught.value.detail == {"missing": "GGZY_SEAL_KEY_FILE"}
    settings.GGZY_SEAL_BACKEND = "tests.certs.nowhere.Backend"
    with pytest.raises(DomainError) as caught:
        document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
    assert caught.value.code == SealError.NOT_CONFIGURED
    assert not Event.objects.filter(type=SEALED).exists()


class SealServerStub:
    """What a centre's own seal server adapter looks like: it signs the canonical message remotely
    (here: with the holder key, as the server's device would) and answers a ggzy-docsig-v1 signature."""

    certificate_der = b""
    use_purpose_of_login = False

    def certificate(self) -> bytes:
        return self.certificate_der

    def seal(self, *, document: bytes, name: str, media_type: str, signer: str) -> dict[str, Any]:
        signature = sign_document(
            document, HOLDER_KEY, self.certificate_der, name=name, media_type=media_type, at=clock.now()
        )
        if self.use_purpose_of_login:  # a broken server: signs the wrong message
            signature["signature"] = HOLDER_KEY.sign("ggzy-login-v1", signature["document"]).hex()
        return signature


@pytest.fixture
def seal_server(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes, bool], None]:
    """configure(certificate, broken): the platform set to use SealServerStub with that certificate."""

    def configure(certificate: bytes, broken: bool) -> None:
        settings.GGZY_SEAL_BACKEND = f"{__name__}.SealServerStub"
        monkeypatch.setattr(SealServerStub, "certificate_der", certificate)
        monkeypatch.setattr(SealServerStub, "use_purpose_of_login", broken)

    return configure


@pytest.mark.parametrize(
    ("usage", "broken", "outcome"),
    [
        ("signing", False, None),
        ("signing", True, "bad_signature"),
        ("encryption", False, "key_usage"),  # a seal on an encryption certificate is no seal
    ],
)
def test_a_centre_plugs_in_its_own_seal_server_and_its_output_is_checked(
    centre: dict[str, Any],
    seal_server: Callable[[bytes, bool], None],
    usage: x509.Usage,
    broken: bool,
    outcome: str | None,
) -> None:
    seal_server(cert(centre["uscc"], usage, 60), broken)
    assert isinstance(seal.get_backend(), SealServerStub)
    if outcome is None:
        signature = document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
        assert base64.b64decode(signature["signer_certificate"]) == SealServerStub.certificate_der
        assert Event.objects.filter(type=SEALED).count() == 1
        return
    with pytest.raises(DomainError) as caught:
        document_sign(actor=None, document=PDF, name="a.pdf", media_type="application/pdf")
    assert caught.value.code == SealError.SEAL_FAILED
    assert caught.value.detail == {"reason": outcome}
    assert not Event.objects.filter(type=SEALED).exists()
