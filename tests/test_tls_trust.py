"""The shipped CA bundle really establishes trust: a TLS server on 127.0.0.1 with a
certificate from a CA made at run time is trusted by a Python client configured the way
the rendered post-install step configures the installation, and not trusted without it."""

from __future__ import annotations

import http.server
import ipaddress
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import certificate_builder, make_certificate, write_tree
from fake_install import lay_out
from scripts_support import render

from factory.platforms import Platform


def _ca_and_server(tmp_path: Path) -> tuple[bytes, Path, Path]:
    """A root CA and a server certificate for 127.0.0.1 that it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca_key = ec.generate_private_key(ec.SECP256R1())
    root = "Intercepting Proxy Root"
    ca = (
        certificate_builder(root, ca_key.public_key(), days_valid=30)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        certificate_builder("127.0.0.1", key.public_key(), issuer=root, days_valid=7)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca.public_bytes(serialization.Encoding.PEM), cert_file, key_file


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"repodata"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    ca_pem, cert_file, key_file = _ca_and_server(tmp_path)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/", ca_pem
    finally:
        httpd.shutdown()
        httpd.server_close()


def _get(url: str, cafile: str | None) -> bytes:
    context = ssl.create_default_context(cafile=cafile)
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return response.read()


def _configured_bundle(tmp_path: Path, ca_pem: bytes, env: tuple[str, ...]) -> dict[str, str]:
    """Render a profile shipping `ca_pem` (beside an unrelated root), install it with a
    recording conda, and return what the installation was configured with."""
    profile = "p.yaml"
    write_tree(
        tmp_path,
        {
            "certs/proxy.pem": ca_pem,
            "certs/other.pem": make_certificate(common_name="Unrelated Root"),
            profile: "name: T\nversion: '1'\nplatforms: [linux-64]\nchannels: [conda-forge]\n"
            "packages: {specs: {base: [python, conda]}}\n"
            "ca_certs: {a-other: certs/other.pem, b-proxy: certs/proxy.pem}\n"
            f"trust: {{env: {list(env)}}}\n",
        },
    )
    install = lay_out(tmp_path / "install", render(tmp_path / profile, Platform.linux_64))
    done = install.post_install()
    assert done.returncode == 0, done.stderr
    configured: dict[str, str] = {}
    for call in install.calls():
        if call[:2] == ["config", "--file"]:
            configured["conda ssl_verify"] = call[-1]
        if call[:4] == ["env", "config", "vars", "set"]:
            configured.update(arg.split("=", 1) for arg in call[6:])
    return configured


def test_configured_clients_trust_the_proxy_and_nothing_else_does(tls_server, tmp_path: Path):
    url, ca_pem = tls_server
    configured = _configured_bundle(tmp_path, ca_pem, ("PIP_CERT", "REQUESTS_CA_BUNDLE"))
    assert set(configured) == {"conda ssl_verify", "PIP_CERT", "REQUESTS_CA_BUNDLE"}
    for name, bundle in configured.items():
        assert Path(bundle).is_file(), name
        assert _get(url, bundle) == b"repodata", name  # trusted through the shipped bundle
    with pytest.raises(urllib.error.URLError) as refused:  # the machine's own roots only
        _get(url, None)
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)


def test_a_bundle_without_the_proxy_root_is_refused(tls_server, tmp_path: Path):
    url, _ = tls_server
    someone_else = make_certificate(common_name="Some Other Root")
    configured = _configured_bundle(tmp_path, someone_else, ("PIP_CERT",))
    with pytest.raises(urllib.error.URLError) as refused:
        _get(url, configured["PIP_CERT"])
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
