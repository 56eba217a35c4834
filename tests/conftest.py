"""Shared fixtures, marks and test material: every test runs with its own user config and
output under tmp_path, and makes its certificates and tokens at run time."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import string
import sys
import textwrap
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from factory.cli.main import main

REPO = Path(__file__).resolve().parent.parent
PROFILES = REPO / "profiles"
SHARED = REPO.parent / "shared" / "reference"
EXAMPLES = [
    "minimal",
    "acme-datasci-prod",
    "acme-datasci-dev",
    "conda-forge-mirror",
    "acme-analytics",
]

# --- hypothesis ---------------------------------------------------------------------------

# "quick" for a developer's run, "thorough" in CI (CI=true); HYPOTHESIS_PROFILE picks one.
# Property tests state their example budget through examples(), so both profiles reach them.
settings.register_profile("quick", max_examples=20, deadline=None)
settings.register_profile("thorough", max_examples=100, deadline=None, print_blob=True)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or (
    "thorough" if os.environ.get("CI") == "true" else "quick"
)
settings.load_profile(HYPOTHESIS_PROFILE)


def examples(thorough: int) -> int:
    """A property test's example count: `thorough` under the thorough profile, the same
    share of it as the loaded profile's max_examples is of 100 otherwise (at least 5)."""
    return max(5, thorough * settings.default.max_examples // 100)


# --- tools the tests run for real ------------------------------------------------------------


def _needs(tool: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} is not installed")


needs_shellcheck = _needs("shellcheck")
needs_dash = _needs("dash")
# ansible-core comes with the test extra, into this environment
needs_ansible = pytest.mark.skipif(
    not Path(sys.executable).with_name("ansible-playbook").exists(),
    reason="ansible-core is not installed in this environment",
)
# The `wine` mark (pytest -m wine selects these): skipped below where wine or MinGW is missing.
needs_wine = pytest.mark.wine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from scripts_support import wine_missing

    reason = wine_missing()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("wine") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A test that passed every check but constructor's schema, which was not found, is
    reported as skipped with the reason (tests/constructor_reader.py)."""
    import constructor_reader

    report = yield
    unchecked = constructor_reader.take_unchecked()
    if call.when == "call" and report.passed and unchecked:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {unchecked}")
    return report


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the real user config or caches."""
    home = tmp_path_factory.mktemp("home")
    (home / "config.yaml").touch()  # empty: the defaults (a missing one is an error)
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


def write_tree(root: Path, files: Mapping[str, str | bytes | None]) -> Path:
    """Write `{relative path: text, bytes or None}` under root, making folders as needed:
    text as UTF-8 exactly as given, None as an empty folder. Returns root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir(exist_ok=True)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def read_tree(root: Path) -> dict[str, bytes | None]:
    """Every path below root (POSIX, relative) with its bytes, None for a folder."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        write_tree(tmp_path, {name: textwrap.dedent(text).lstrip("\n")})
        return tmp_path / name

    return _write


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A folder for property tests, which make one temporary folder per example in it
    (hypothesis runs many examples in one call, so tmp_path would be shared)."""
    return tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])


def certificate_builder(
    common_name: str,
    public_key: Any,
    *,
    issuer: str | None = None,
    days_valid: int = 3650,
    not_before_days: int = -1,
) -> Any:
    """An x509.CertificateBuilder for `common_name`, issued by `issuer` (itself if None)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(name(issuer or common_name))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=not_before_days))
        .not_valid_after(now + dt.timedelta(days=days_valid))
    )


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

    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        if rsa_bits
        else ec.generate_private_key(ec.SECP256R1())
    )
    builder = certificate_builder(
        common_name, key.public_key(), days_valid=days_valid, not_before_days=not_before_days
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def cert() -> bytes:
    """One root CA certificate for the session."""
    return make_certificate()


# --- tokens, made at run time in the shapes real ones have -------------------------------

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def github_checksum(body: str) -> str:
    """GitHub's token checksum: the CRC32 of the 30 random characters, in base62 (digits,
    upper, lower), zero-padded to 6 (github.blog, "Behind GitHub's new authentication
    token formats", 2021). Restated here, apart from the product."""
    value, out = zlib.crc32(body.encode("ascii")), ""
    for _ in range(6):
        value, digit = divmod(value, 62)
        out = BASE62[digit] + out
    return out


def github_token(kind: str = "p", body: str | None = None) -> str:
    """A real-shaped gh?_ token: 30 random base62 characters (or `body`) and its checksum."""
    body = body if body is not None else "".join(secrets.choice(BASE62) for _ in range(30))
    return f"gh{kind}_{body}{github_checksum(body)}"


def mixed_secret(length: int = 32) -> str:
    """A random URL-safe secret holding upper and lower case letters and digits: the mix
    the password and URL-token shapes look for (factory/leaks/shapes.py), by construction
    rather than by the luck of a random draw."""
    alphabet = string.ascii_letters + string.digits + "_-"
    chars = [secrets.choice(alphabet) for _ in range(length - 3)]
    for required in (string.ascii_uppercase, string.ascii_lowercase, string.digits):
        chars.insert(secrets.randbelow(len(chars) + 1), secrets.choice(required))
    return "".join(chars)


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


# Generated scripts and wrappers promise POSIX sh: bash and dash (Debian's sh) run them all.
SHELLS = ["bash", "dash"]


@pytest.fixture(scope="session", params=SHELLS)
def shell(request: pytest.FixtureRequest) -> str:
    path = shutil.which(request.param)
    if path is None:
        pytest.skip(f"{request.param} is not installed")
    return path
