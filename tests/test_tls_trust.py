"""The shipped CA bundle really establishes trust: a TLS server on 127.0.0.1 with a
certificate from a CA made at run time is trusted by a Python client configured the way
the rendered post-install step configures the installation, and not trusted without it."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_certificate
from scripts_support import SH_SCRIPT, Spec, installer_env, make_install, render, run_sh

from factory.platforms import Platform


def _ca_and_server(tmp_path: Path) -> tuple[bytes, Path, Path]:
    """A root CA and a server certificate for 127.0.0.1 that it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Intercepting Proxy Root")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
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
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
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
    """Render a profile shipping `ca_pem` (beside an unrelated root), run its post-install
    step with a recording conda, and return what the installation was configured with."""
    other = make_certificate(common_name="Unrelated Root")
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "proxy.pem").write_bytes(ca_pem)
    (tmp_path / "certs" / "other.pem").write_bytes(other)
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "name: T\nversion: '1'\nplatforms: [linux-64]\nchannels: [conda-forge]\n"
        "packages: {specs: {base: [python, conda]}}\n"
        "ca_certs: {a-other: certs/other.pem, b-proxy: certs/proxy.pem}\n"
        f"trust: {{env: {list(env)}}}\n",
        encoding="utf-8",
    )
    project = render(profile, Platform.linux_64)
    install = make_install(tmp_path / "install", project)
    script = tmp_path / SH_SCRIPT
    script.write_bytes(project.files[SH_SCRIPT])
    variables = installer_env(Spec(name="T"), str(install.prefix), Platform.linux_64)
    done = run_sh("bash", script, {**variables, "RECORDER_LOG": str(install.log)}, install.cwd)
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
