"""The system's document-signing certificate and PAdES signatures made with it (pyHanko).

Production supplies the key and certificate (chain) as PEM through settings
(`KELISIM_DOCUMENT_SIGNING_KEY`, `KELISIM_DOCUMENT_SIGNING_CERTIFICATE`). Otherwise
`kelisim up` creates a self-signed one at first start, beside the token keys: key and
certificate in one file, written at once, so two starting processes never pair a key with
another process's certificate.
"""

from __future__ import annotations

import io
import os
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kelisim.settings import Settings

FILE_NAME = "document_signing.pem"
SUBJECT = "Kelisim document signing"


def _pem_file(settings: Settings) -> Any:
    return settings.keys_dir / FILE_NAME


def generate_certificate(common_name: str = SUBJECT) -> bytes:
    """A new P-256 key and a self-signed signing certificate for ten years, as one PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kelisim"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    start = datetime.now(UTC) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + certificate.public_bytes(serialization.Encoding.PEM)


def ensure_certificate(settings: Settings) -> None:
    """Create the self-signed signing certificate at first start, unless settings supply one."""
    if settings.document_signing_key:
        return
    path = _pem_file(settings)
    if path.exists():
        return
    if settings.env == "production":
        raise RuntimeError(
            "production needs KELISIM_DOCUMENT_SIGNING_KEY and KELISIM_DOCUMENT_SIGNING_CERTIFICATE"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-")
    with os.fdopen(handle, "wb") as out:
        out.write(generate_certificate())
    os.chmod(temporary, 0o600)
    if not path.exists():
        os.replace(temporary, path)
    else:
        os.unlink(temporary)


def _key_and_chain(settings: Settings) -> tuple[bytes, bytes]:
    if settings.document_signing_key:
        return (
            settings.document_signing_key.encode(),
            (settings.document_signing_certificate or "").encode(),
        )
    both = _pem_file(settings).read_bytes()
    return both, both


def certificates(settings: Settings) -> list[x509.Certificate]:
    """The signing certificate first, then the rest of its chain."""
    _, chain = _key_and_chain(settings)
    found = x509.load_pem_x509_certificates(chain)
    if not found:
        raise RuntimeError("no document-signing certificate in the settings")
    return found


def signer(settings: Settings) -> Any:
    """A pyHanko signer with the system's key and certificate chain."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_pem, _ = _key_and_chain(settings)
    key = serialization.load_pem_private_key(key_pem, password=None)
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    chain = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in certificates(settings)
    ]
    return signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
    )


def sign_pdf(pdf: bytes, pdf_signer: Any, *, reason: str, location: str = "Kazakhstan") -> bytes:
    """`pdf` with a PAdES baseline (B-B) signature appended as an incremental update.

    The unsigned file stays, byte for byte, the first revision of the signed one.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="KelisimSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    out = signers.PdfSigner(meta, signer=pdf_signer).sign_pdf(writer)
    return bytes(out.getvalue())
