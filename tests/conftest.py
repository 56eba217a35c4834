"""Shared fixtures: every test runs with its own user config and output under tmp_path."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factory.cli.main import main

REPO = Path(__file__).resolve().parent.parent
PROFILES = REPO / "profiles"
SHARED = REPO.parent / "shared" / "reference"
EXAMPLES = ["minimal", "acme-datasci-prod", "acme-datasci-dev", "conda-forge-mirror"]


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the real user config or caches."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("INSTALLER_FACTORY_CONFIG", str(home / "config.yaml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    return home


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `installer-factory ARGS...` in-process."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def make_certificate(
    *,
    ca: bool = True,
    days_valid: int = 3650,
    not_before_days: int = -1,
    common_name: str = "Test Root CA",
    rsa_bits: int | None = None,
) -> bytes:
    """A self-signed certificate made at run time; nothing secret is committed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        if rsa_bits
        else ec.generate_private_key(ec.SECP256R1())
    )
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=not_before_days))
        .not_valid_after(now + dt.timedelta(days=days_valid))
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


MINIMAL = """
name: T
version: "1"
platforms: [linux-64, win-64]
channels:
  - conda-forge
packages:
  specs:
    base:
      - python
      - conda
"""


@pytest.fixture(scope="session")
def wine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One warm wine prefix for the session; the first start takes several seconds."""
    from scripts_support import Wine, wine_missing

    reason = wine_missing()
    if reason:
        pytest.skip(reason)
    session = Wine(tmp_path_factory.mktemp("wine"))
    try:
        session.start()
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="session")
def recorder(tmp_path_factory: pytest.TempPathFactory, wine: Any) -> Path:
    """The MinGW-compiled recording conda.exe (also usable as any other recorded program)."""
    from scripts_support import compile_recorder

    return compile_recorder(tmp_path_factory.mktemp("recorder"))


# sh is dash on Debian: generated scripts and wrappers promise POSIX sh, so both run them
SHELLS = ["bash", "sh"]


@pytest.fixture(scope="session", params=SHELLS)
def shell(request: pytest.FixtureRequest) -> str:
    import shutil

    path = shutil.which(request.param)
    if path is None:
        pytest.skip(f"{request.param} is not installed")
    return path
