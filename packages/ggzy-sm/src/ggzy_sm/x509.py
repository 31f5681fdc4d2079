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
from collections.abc import Mapping, Sequence
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


#: The certificate extensions `validate` understands (asn1crypto's names; 2.5.29.14, the subject key
#: identifier, is its "key_identifier"). A certificate of the chain with any other extension marked
#: critical is refused (RFC 5280 §4.2). Certificate policies are recognised as RFC 5280 §6.1 does with
#: its default inputs (any policy acceptable, no explicit policy required): the extension restricts
#: nothing then, but policy mappings, policy constraints and inhibit-anyPolicy, which would, are not
#: recognised; nor are name constraints, nor extended key usage (no purpose of ours maps to one).
KNOWN_EXTENSIONS = frozenset(
    {
        "basic_constraints",
        "key_usage",
        "key_identifier",
        "authority_key_identifier",
        "subject_alt_name",
        "crl_distribution_points",
        "certificate_policies",
    }
)
#: CRL extensions and CRL entry extensions understood; any other marked critical makes the CRL invalid
#: (RFC 5280 §5.2, §5.3): an issuing distribution point (a CRL of limited scope), a delta-CRL indicator
#: or a certificate issuer (an indirect CRL) would change what the list means.
KNOWN_CRL_EXTENSIONS = frozenset({"crl_number", "authority_key_identifier"})
KNOWN_CRL_ENTRY_EXTENSIONS = frozenset({"crl_reason", "invalidity_date"})
MAX_CHAIN = 8


class CertificateError(CryptoError):
    """A certificate is refused; `reason` is a machine code (untrusted_root, broken_chain, expired,
    not_yet_valid, key_usage, revoked, signature, malformed; and after RFC 5280: critical_extension — a
    certificate of the chain has a critical extension not understood here; issuer_not_ca — a
    certificate that issues another is not a CA (basicConstraints cA); issuer_key_usage — its key usage
    lacks keyCertSign; path_length — more CAs below an issuer than its pathLenConstraint allows;
    crl_invalid — a CRL given for an issuer of the chain cannot be read, is not signed by it with
    SM2-with-SM3 or has a critical extension not understood: the status cannot be determined;
    crl_stale — the newest CRL given for an issuer was due to be replaced before the validation time)."""

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
    path_length: int | None = None,
    extensions: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """A certificate (DER). `subject` may carry serial_number: the holder's credit code or ID number.

    A CA certificate may limit the CAs below it (`path_length`: its pathLenConstraint). `extensions`
    (asn1crypto's dicts: extn_id, critical, extn_value) are added; one named like a default (key_usage,
    basic_constraints) replaces it — to build, say, a certificate another CA would issue."""
    if path_length is not None and usage != "ca":
        raise ValueError("only a CA certificate carries a path length constraint")
    constraints: dict[str, Any] = {"ca": usage == "ca"}
    if path_length is not None:
        constraints["path_len_constraint"] = path_length
    replaced = {extension["extn_id"] for extension in extensions}
    defaults = [
        {"extn_id": "key_usage", "critical": True, "extn_value": USAGES[usage]},
        {"extn_id": "basic_constraints", "critical": True, "extn_value": constraints},
    ]
    all_extensions = [e for e in defaults if e["extn_id"] not in replaced] + [dict(e) for e in extensions]
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
            "extensions": all_extensions,
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
    key_usage_present: bool = True  # False: no keyUsage extension (then RFC 5280 restricts nothing)
    path_length: int | None = None  # basicConstraints pathLenConstraint
    critical_extensions: frozenset[str] = frozenset()  # asn1crypto's names, or dotted OIDs

    @property
    def self_issued(self) -> bool:
        return self.subject == self.issuer

    @classmethod
    def load(cls, der: bytes) -> Certificate:
        try:
            cert = x509.Certificate.load(der, strict=True)
            tbs = cert["tbs_certificate"]
            spki = tbs["subject_public_key_info"]
            if spki["algorithm"]["parameters"].chosen.native not in ("sm2p256v1", SM2_CURVE):
                raise CertificateError("malformed", "not an SM2 certificate")  # noqa: TRY301
            names = [extension["extn_id"].dotted for extension in tbs["extensions"]]
            if len(names) != len(set(names)):
                raise CertificateError("malformed", "an extension appears twice")  # noqa: TRY301
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
                key_usage_present=cert.key_usage_value is not None,
                path_length=basic.get("path_len_constraint"),
                critical_extensions=frozenset(cert.critical_extensions),
            )
        except CertificateError:
            raise
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise CertificateError("malformed", f"not a certificate ({type(exc).__name__})") from exc

    def signed_by(self, issuer: Certificate) -> bool:
        """The issuer's key made this certificate's signature, SM2-with-SM3 as both its signature
        algorithm fields say (RFC 5280 §4.1.1.2: the two must agree)."""
        cert = x509.Certificate.load(self.der)
        if not _sm2_with_sm3(cert["signature_algorithm"], cert["tbs_certificate"]["signature"]):
            return False
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


def _sm2_with_sm3(*algorithms: algos.SignedDigestAlgorithm) -> bool:
    """Every AlgorithmIdentifier names SM2-with-SM3 (the certificate's or CRL's outer one and the one
    inside what it signs)."""
    return all(algorithm["algorithm"].dotted == SM2_WITH_SM3 for algorithm in algorithms)


def crl_issuer(crl_der: bytes) -> dict[str, str] | None:
    """The issuer named in a CRL (None if it cannot be read: the signature check then refuses it)."""
    try:
        issuer = crl.CertificateList.load(crl_der)["tbs_cert_list"]["issuer"].native
    except (ValueError, TypeError, KeyError):
        return None
    return {k: str(v) for k, v in issuer.items()}


@dataclass(frozen=True)
class _Crl:
    parsed: crl.CertificateList
    issuer: dict[str, str]
    next_update: dt.datetime | None
    revoked: frozenset[int]


def _read_crl(crl_der: bytes) -> _Crl:
    """A CRL read through — its issuer, next update, revoked serials — or CertificateError("crl_invalid")
    if it cannot be, or carries a critical extension (of the list or of an entry) not understood."""
    try:
        parsed = crl.CertificateList.load(crl_der, strict=True)
        tbs = parsed["tbs_cert_list"]
        unknown = set(parsed.critical_extensions) - KNOWN_CRL_EXTENSIONS
        revoked = set()
        for entry in tbs["revoked_certificates"]:
            unknown |= set(entry.critical_extensions) - KNOWN_CRL_ENTRY_EXTENSIONS
            revoked.add(int(entry["user_certificate"].native))
        read = _Crl(
            parsed=parsed,
            issuer={k: str(v) for k, v in tbs["issuer"].native.items()},
            next_update=tbs["next_update"].native,
            revoked=frozenset(revoked),
        )
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise CertificateError("crl_invalid", "a revocation list cannot be read") from exc
    if unknown:
        raise CertificateError(
            "crl_invalid", f"a revocation list has critical extensions not understood: {sorted(unknown)}"
        )
    return read


def _crl_fault(read: _Crl, issuer: Certificate) -> str | None:
    """Why `issuer` did not issue this CRL (None if it did): it is named as the CRL's issuer, may sign
    CRLs (cRLSign, if it has a key usage: RFC 5280 §6.3.3 (f)) and signed it with SM2-with-SM3."""
    if read.issuer != issuer.subject:
        return "the revocation list names another issuer"
    if not _sm2_with_sm3(read.parsed["signature_algorithm"], read.parsed["tbs_cert_list"]["signature"]):
        return "the revocation list is not signed with SM2-with-SM3"
    if issuer.key_usage_present and "crl_sign" not in issuer.usages:
        return "the revocation list's CA may not sign revocation lists (no cRLSign)"
    try:
        _verify_bytes(
            issuer.public_key,
            read.parsed["tbs_cert_list"].dump(),
            signature_from_der(bytes(read.parsed["signature"].native)),
        )
    except (ValueError, TypeError, IntegrityError):
        return "the revocation list is not signed by its CA"
    return None


def revoked_serials(crl_der: bytes, issuer: Certificate) -> set[int]:
    """The serials a CRL revokes — after checking the CRL is `issuer`'s (named so, signed by its key
    with SM2-with-SM3); CertificateError("signature") otherwise."""
    try:
        read = _read_crl(crl_der)
    except CertificateError as exc:
        raise CertificateError("signature", str(exc)) from exc
    fault = _crl_fault(read, issuer)
    if fault is not None:
        raise CertificateError("signature", fault)
    return set(read.revoked)


def _check_revocation(
    chain: list[Certificate], crls: list[bytes], at: dt.datetime, known: list[Certificate]
) -> None:
    """Each link is checked against the CRLs naming its issuer. An issuer no CRL names is not checked
    (none was given); else each CRL naming it must be its own (crl_invalid) — or another certificate's
    of the same name among `known` (an earlier key of the CA: not this link's) — the child must be on
    none (revoked), and the newest must not be past its next update at `at` (crl_stale)."""
    lists = [_read_crl(crl_der) for crl_der in crls]
    for child, parent in itertools.pairwise(chain):
        own = []
        for read in (r for r in lists if r.issuer == parent.subject):
            fault = _crl_fault(read, parent)
            if fault is None:
                own.append(read)
            elif not any(
                other.subject == parent.subject
                and other.der != parent.der
                and _crl_fault(read, other) is None
                for other in known
            ):
                raise CertificateError("crl_invalid", fault)
        if not own:
            continue
        if any(child.serial in read.revoked for read in own):
            raise CertificateError("revoked", f"certificate {child.serial} is revoked")
        if any(read.next_update is None for read in own):
            raise CertificateError("crl_invalid", "a revocation list has no next update")
        newest = max(read.next_update for read in own if read.next_update is not None)
        if newest < at:
            raise CertificateError(
                "crl_stale",
                f"the revocation list of certificate {child.serial}'s CA was due on {newest:%Y-%m-%d %H:%M}",
            )


def _check_path(chain: list[Certificate]) -> None:
    """RFC 5280 §6.1.4 for the chain `validate` built (holder first, root last): no certificate has a
    critical extension not understood (§4.2); each certificate that issues another is a CA (basic
    constraints cA: (k)) whose key usage, if it has one, allows keyCertSign ((n)), with no more
    non-self-issued intermediate CAs below it than its pathLenConstraint allows ((l), (m))."""
    for link in chain:
        unknown = link.critical_extensions - KNOWN_EXTENSIONS
        if unknown:
            raise CertificateError(
                "critical_extension",
                f"certificate {link.serial} has critical extensions not understood: {sorted(unknown)}",
            )
    for depth, issuer in enumerate(chain[1:], start=1):
        if not issuer.is_ca:
            raise CertificateError("issuer_not_ca", f"certificate {issuer.serial} is not a CA certificate")
        if issuer.key_usage_present and "key_cert_sign" not in issuer.usages:
            raise CertificateError(
                "issuer_key_usage", f"certificate {issuer.serial} may not sign certificates (no keyCertSign)"
            )
        below = sum(1 for c in chain[1:depth] if not c.self_issued)
        if issuer.path_length is not None and below > issuer.path_length:
            raise CertificateError(
                "path_length",
                f"certificate {issuer.serial} allows {issuer.path_length} CA certificates below it, "
                f"the chain has {below}",
            )


def _issuer_of(current: Certificate, candidates: list[Certificate]) -> Certificate | None:
    """The candidate named as `current`'s issuer whose key signed it, a CA certificate first."""
    named = [c for c in candidates if c.subject == current.issuer]
    ordered = [c for c in named if c.is_ca] + [c for c in named if not c.is_ca]
    return next((c for c in ordered if current.signed_by(c)), None)


def validate(
    der: bytes,
    *,
    intermediates: list[bytes],
    roots: list[bytes],
    at: dt.datetime,
    usage: Usage,
    crls: list[bytes] = (),  # type: ignore[assignment]
) -> Certificate:
    """The certificate if it chains to a configured root along a path RFC 5280 accepts, is valid at
    `at`, allows `usage` and is not revoked by any CRL of its chain (the CRLs given for an issuer must
    be its own and current at `at`); CertificateError naming the first failure otherwise."""
    cert = Certificate.load(der)
    pool = [Certificate.load(d) for d in intermediates]
    trusted = [Certificate.load(d) for d in roots]
    if not USAGES[usage] & cert.usages or (usage == "ca") != cert.is_ca:
        raise CertificateError("key_usage", f"this certificate is not for {usage}")
    chain, current = [cert], cert
    for _depth in range(MAX_CHAIN):
        root = next((r for r in trusted if r.subject == current.issuer and current.signed_by(r)), None)
        if root is not None:
            chain.append(root)
            break
        parent = _issuer_of(current, pool)
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
    _check_path(chain)
    for link in chain:
        if at < link.not_before:
            raise CertificateError("not_yet_valid", f"certificate {link.serial} is not valid yet")
        if at > link.not_after:
            raise CertificateError(
                "expired", f"certificate {link.serial} expired on {link.not_after:%Y-%m-%d}"
            )
    _check_revocation(chain, list(crls), at, pool + trusted)
    return cert
