"""SM2 X.509 certificates and CRLs (GM/T 0015 profile): issue, parse, validate — Django-free, for the
platform, the key custodians and the offline verifier alike.

`cryptography` cannot load SM2 keys, so certificates are built and read with `asn1crypto` (pure
Python, well kept) and signed / verified with our SM2 (gmssl-fast): the signature algorithm is
SM2-with-SM3 (1.2.156.10197.1.501) over the DER of the to-be-signed structure, signer ID
`1234567812345678`; public keys are id-ecPublicKey on sm2p256v1 (1.2.156.10197.1.301).

Dual certificates: each holder has a *signing* certificate (digitalSignature, nonRepudiation) and an
*encryption* certificate (keyEncipherment, dataEncipherment); in the Chinese system the encryption key
pair is generated and escrowed by the CA's key management centre (KMC). Sealed bids are wrapped to the
encryption certificate only; `validate(..., usage="encryption")` refuses a signing certificate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Any, Literal

from asn1crypto import algos, core, crl, keys, x509

from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey, _verify_bytes, signature_from_der, signature_to_der

SM2_CURVE = "1.2.156.10197.1.301"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
keys.NamedCurve.register("sm2p256v1", SM2_CURVE, 32)
algos.SignedDigestAlgorithmId._map[SM2_WITH_SM3] = "sm3_sm2"  # noqa: SLF001  (asn1crypto has no register())
algos.SignedDigestAlgorithmId._reverse_map = None  # noqa: SLF001  (rebuilt on next use)

Usage = Literal["signing", "encryption", "ca"]
USAGES: dict[str, set[str]] = {
    "signing": {"digital_signature", "non_repudiation"},
    "encryption": {"key_encipherment", "data_encipherment"},
    "ca": {"key_cert_sign", "crl_sign"},
}


class CertificateError(CryptoError):
    """A certificate is refused; `reason` is a machine code (untrusted_root, broken_chain, expired,
    not_yet_valid, key_usage, revoked, signature, malformed)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def _name(fields: dict[str, str]) -> x509.Name:
    return x509.Name.build({k: v for k, v in fields.items() if v})


def _spki(public_key: Sm2PublicKey) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters(name="named", value="sm2p256v1"),
            },
            "public_key": public_key.point,
        }
    )


def _sign(issuer_key: Sm2PrivateKey, tbs: core.Sequence) -> bytes:
    """The CA's signature over a to-be-signed certificate or CRL (raw TBS DER, as X.509 requires —
    only these two structures are ever signed this way)."""
    if not isinstance(tbs, x509.TbsCertificate | crl.TbsCertList):
        raise TypeError("only a TBSCertificate or TBSCertList is signed raw")
    return signature_to_der(bytes(issuer_key._handle.sign(tbs.dump())))  # noqa: SLF001


def issue(
    *,
    issuer_key: Sm2PrivateKey,
    issuer: dict[str, str],
    subject: dict[str, str],
    public_key: Sm2PublicKey,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    usage: Usage,
) -> bytes:
    """A certificate (DER). `subject` may carry serial_number: the holder's credit code or ID number."""
    extensions: list[dict[str, Any]] = [
        {"extn_id": "key_usage", "critical": True, "extn_value": USAGES[usage]},
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": usage == "ca"}},
    ]
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": {"algorithm": SM2_WITH_SM3},
            "issuer": _name(issuer),
            "subject": _name(subject),
            "validity": {
                "not_before": x509.Time(name="utc_time", value=not_before),
                "not_after": x509.Time(name="utc_time", value=not_after),
            },
            "subject_public_key_info": _spki(public_key),
            "extensions": extensions,
        }
    )
    cert = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": SM2_WITH_SM3},
            "signature_value": _sign(issuer_key, tbs),
        }
    )
    return bytes(cert.dump())


def issue_crl(
    *,
    issuer_key: Sm2PrivateKey,
    issuer: dict[str, str],
    revoked: list[tuple[int, dt.datetime]],
    this_update: dt.datetime,
    next_update: dt.datetime,
) -> bytes:
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": {"algorithm": SM2_WITH_SM3},
            "issuer": _name(issuer),
            "this_update": x509.Time(name="utc_time", value=this_update),
            "next_update": x509.Time(name="utc_time", value=next_update),
            "revoked_certificates": [
                {"user_certificate": serial, "revocation_date": x509.Time(name="utc_time", value=when)}
                for serial, when in revoked
            ]
            or None,
        }
    )
    signed = crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": {"algorithm": SM2_WITH_SM3},
            "signature": _sign(issuer_key, tbs),
        }
    )
    return bytes(signed.dump())


@dataclass(frozen=True)
class Certificate:
    der: bytes
    subject: dict[str, str]
    issuer: dict[str, str]
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    usages: frozenset[str]
    is_ca: bool
    public_key: Sm2PublicKey
    holder_id: str  # the subject's serialNumber: a credit code or an ID number

    @classmethod
    def load(cls, der: bytes) -> Certificate:
        try:
            cert = x509.Certificate.load(der, strict=True)
            tbs = cert["tbs_certificate"]
            spki = tbs["subject_public_key_info"]
            if spki["algorithm"]["parameters"].chosen.native not in ("sm2p256v1", SM2_CURVE):
                raise CertificateError("malformed", "not an SM2 certificate")  # noqa: TRY301
            key_usage = cert.key_usage_value.native if cert.key_usage_value else set()
            basic = cert.basic_constraints_value.native if cert.basic_constraints_value else {"ca": False}
            subject = {k: str(v) for k, v in cert.subject.native.items()}
            return cls(
                der=der,
                subject=subject,
                issuer={k: str(v) for k, v in cert.issuer.native.items()},
                serial=int(tbs["serial_number"].native),
                not_before=cert.not_valid_before,
                not_after=cert.not_valid_after,
                usages=frozenset(key_usage),
                is_ca=bool(basic.get("ca")),
                public_key=Sm2PublicKey(bytes(spki["public_key"].native)),
                holder_id=subject.get("serial_number", ""),
            )
        except CertificateError:
            raise
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise CertificateError("malformed", f"not a certificate ({type(exc).__name__})") from exc

    def signed_by(self, issuer: Certificate) -> bool:
        cert = x509.Certificate.load(self.der)
        try:
            _verify_bytes(
                issuer.public_key,
                cert["tbs_certificate"].dump(),
                signature_from_der(bytes(cert["signature_value"].native)),
            )
        except IntegrityError:
            return False
        return True


_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


def der_blocks(data: bytes) -> list[bytes]:
    """The DER structures in a file as CAs and holders hand them over: DER as it is, or every block
    of a PEM file (a PEM file may hold a whole chain, with text around it). Strict: a block that is
    cut off or not base64 is CertificateError("malformed"), not a silently shorter list."""
    if b"-----BEGIN " not in data:
        return [data]
    blocks = _PEM_BLOCK.findall(data)
    if not blocks or data.count(b"-----BEGIN ") != len(blocks):
        raise CertificateError("malformed", "a PEM block is cut off")
    try:
        return [base64.b64decode(re.sub(rb"\s+", b"", body), validate=True) for _kind, body in blocks]
    except (binascii.Error, ValueError) as exc:
        raise CertificateError("malformed", "a PEM block is not base64") from exc


def pem_blocks(ders: list[bytes], kind: str = "CERTIFICATE") -> bytes:
    """DER structures as one PEM file (a certificate followed by its chain, say)."""
    out = []
    for der in ders:
        body = base64.b64encode(der).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        out.append(f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n")
    return "".join(out).encode()


def crl_issuer(crl_der: bytes) -> dict[str, str] | None:
    """The issuer named in a CRL (None if it cannot be read: the signature check then refuses it)."""
    try:
        issuer = crl.CertificateList.load(crl_der)["tbs_cert_list"]["issuer"].native
    except (ValueError, TypeError, KeyError):
        return None
    return {k: str(v) for k, v in issuer.items()}


def revoked_serials(crl_der: bytes, issuer: Certificate) -> set[int]:
    """The serials a CRL revokes — after checking the CRL is signed by `issuer`."""
    try:
        parsed = crl.CertificateList.load(crl_der, strict=True)
        _verify_bytes(
            issuer.public_key,
            parsed["tbs_cert_list"].dump(),
            signature_from_der(bytes(parsed["signature"].native)),
        )
    except (ValueError, TypeError, IntegrityError) as exc:
        raise CertificateError("signature", "the revocation list is not signed by its CA") from exc
    return {
        int(entry["user_certificate"].native) for entry in parsed["tbs_cert_list"]["revoked_certificates"]
    }


def _check_revocation(chain: list[Certificate], crls: list[bytes]) -> None:
    """Each link is checked against the CRLs its issuer signed."""
    issuers = {crl_der: crl_issuer(crl_der) for crl_der in crls}
    for child, parent in itertools.pairwise(chain):
        for crl_der in crls:
            if issuers[crl_der] not in (None, parent.subject):
                continue  # a CRL of another CA: not even a signature to check
            try:
                revoked = revoked_serials(crl_der, parent)
            except CertificateError:
                continue  # a CRL of another CA
            if child.serial in revoked:
                raise CertificateError("revoked", f"certificate {child.serial} is revoked")


def validate(
    der: bytes,
    *,
    intermediates: list[bytes],
    roots: list[bytes],
    at: dt.datetime,
    usage: Usage,
    crls: list[bytes] = (),  # type: ignore[assignment]
) -> Certificate:
    """The certificate if it chains to a configured root, is valid at `at`, allows `usage` and is not
    revoked by any CRL of its chain; CertificateError naming the first failure otherwise."""
    cert = Certificate.load(der)
    pool = [Certificate.load(d) for d in intermediates]
    trusted = [Certificate.load(d) for d in roots]
    if not USAGES[usage] & cert.usages or (usage != "ca" and cert.is_ca):
        raise CertificateError("key_usage", f"this certificate is not for {usage}")
    chain, current = [cert], cert
    for _depth in range(8):
        root = next((r for r in trusted if r.subject == current.issuer and current.signed_by(r)), None)
        if root is not None:
            chain.append(root)
            break
        parent = next(
            (p for p in pool if p.subject == current.issuer and p.is_ca and current.signed_by(p)), None
        )
        if parent is None:
            known_issuer = any(c.subject == current.issuer for c in pool + trusted)
            raise CertificateError(
                "signature" if known_issuer else "untrusted_root",
                "the signature does not verify"
                if known_issuer
                else "the certificate does not chain to a configured CA",
            )
        chain.append(parent)
        current = parent
    else:
        raise CertificateError("broken_chain", "the chain is too long")
    for link in chain:
        if at < link.not_before:
            raise CertificateError("not_yet_valid", f"certificate {link.serial} is not valid yet")
        if at > link.not_after:
            raise CertificateError(
                "expired", f"certificate {link.serial} expired on {link.not_after:%Y-%m-%d}"
            )
    _check_revocation(chain, crls)
    return cert
