"""Check PEM root certificates and merge them into one bundle (cryptography does the parsing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

EXPIRY_WARNING_DAYS = 90
MIN_RSA_BITS = 2048
_BEGIN = b"-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class Certificate:
    name: str  # the profile's name for the file it came from
    subject: str
    not_after: dt.datetime
    sha256: str
    pem: bytes


@dataclass
class CertCheck:
    certificates: list[Certificate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_certificate_file(name: str, data: bytes, now: dt.datetime | None = None) -> CertCheck:
    """Parse every certificate in a PEM file and say what is wrong with each."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    now = now or dt.datetime.now(dt.timezone.utc)
    result = CertCheck()
    if _BEGIN not in data:
        result.errors.append("no PEM certificate in this file (no BEGIN CERTIFICATE line)")
        return result
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        result.errors.append("cannot parse the PEM certificate (damaged base64 or DER data)")
        return result
    for number, cert in enumerate(certs, start=1):
        label = cert.subject.rfc4514_string() or f"certificate {number}"
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            is_ca = constraints.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            result.errors.append(f"{label}: not a CA certificate (basicConstraints CA is not set)")
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        if not_after <= now:
            result.errors.append(f"{label}: expired on {not_after:%Y-%m-%d}")
        elif not_after - now <= dt.timedelta(days=EXPIRY_WARNING_DAYS):
            result.warnings.append(
                f"{label}: expires on {not_after:%Y-%m-%d}, within {EXPIRY_WARNING_DAYS} days"
            )
        if not_before > now:
            result.errors.append(f"{label}: not valid before {not_before:%Y-%m-%d}")
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            result.warnings.append(f"{label}: RSA key of {key.key_size} bits is weak")
        elif isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < 256:
            result.warnings.append(
                f"{label}: elliptic-curve key of {key.curve.key_size} bits is weak"
            )
        algorithm = cert.signature_hash_algorithm
        if algorithm is not None and algorithm.name in ("md5", "sha1"):
            result.warnings.append(f"{label}: signed with {algorithm.name}")
        pem = cert.public_bytes(serialization.Encoding.PEM)
        result.certificates.append(
            Certificate(
                name=name,
                subject=label,
                not_after=not_after,
                sha256=cert.fingerprint(hashes.SHA256()).hex(),
                pem=pem,
            )
        )
    return result


def read_certificate_file(name: str, path: Path) -> CertCheck:
    try:
        data = path.read_bytes()
    except OSError as exc:
        result = CertCheck()
        result.errors.append(f"cannot read {path.name}: {exc.strerror or exc}")
        return result
    return check_certificate_file(name, data)


def duplicates(certificates: list[Certificate]) -> list[tuple[Certificate, str]]:
    """Each certificate already seen earlier in the list, with the name it came with first."""
    seen: dict[str, str] = {}
    out: list[tuple[Certificate, str]] = []
    for cert in certificates:
        if cert.sha256 in seen:
            out.append((cert, seen[cert.sha256]))
        seen.setdefault(cert.sha256, cert.name)
    return out


def bundle(certificates: list[Certificate]) -> tuple[bytes, list[str]]:
    """One PEM bundle in the given order, duplicates dropped (and reported)."""
    seen: dict[str, str] = {}
    parts: list[bytes] = []
    duplicates: list[str] = []
    for cert in certificates:
        if cert.sha256 in seen:
            duplicates.append(
                f"{cert.subject} in {cert.name} is the same certificate as in "
                f"{seen[cert.sha256]}; bundled once"
            )
            continue
        seen[cert.sha256] = cert.name
        header = (
            f"# {cert.name}: {cert.subject}\n# sha256 {cert.sha256}, valid until "
            f"{cert.not_after:%Y-%m-%d}\n"
        )
        parts.append(header.encode() + cert.pem)
    return b"".join(parts), duplicates
