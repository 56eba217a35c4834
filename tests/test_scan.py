"""`scan`: known token values and token shapes in files, archives and installers.

Every token here is made at run time (secrets.token_urlsafe), so nothing secret-looking is
committed, and every test checks that what it planted never comes back in a finding.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import string
import tarfile
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import (
    BASE62,
    PROFILES,
    examples,
    github_checksum,
    github_token,
    make_certificate,
    mixed_secret,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from factory.cli.main import main
from factory.errors import InputError
from factory.leaks.scan import Finding, ScanResult, scan_paths
from factory.leaks.shapes import find_token_shapes

MiB = 1 << 20


def token() -> str:
    return secrets.token_urlsafe(24)


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def assert_no_leak(result: ScanResult, *values: str) -> None:
    shown = [str(f) for f in result.findings] + [json.dumps(result.as_dict())]
    shown += [repr(f) for f in result.findings] + result.skipped
    for value in values:
        assert not any(value in text for text in shown)


# --- plain files ----------------------------------------------------------------------


def test_known_value_in_a_plain_file(tmp_path: Path) -> None:
    tok = token()
    text = f"solving environment\nfetching https://repo.example.com/main with {tok} ok\n"
    log = tmp_path / "build.log"
    log.write_text(text)
    result = scan_paths([log], {"repo": tok.encode()})
    assert result.findings == [Finding(str(log), None, text.index(tok), "token repo")]
    assert str(result.findings[0]) == f"{log}:{text.index(tok)}: token repo (value redacted)"
    assert result.files_scanned == 1 and result.bytes_scanned == len(text)
    assert_no_leak(result, tok)


def _shapes() -> dict[str, tuple[str, str, str]]:
    """(kind, line, secret part) for every token shape, made fresh each run in the shape
    real ones have: what the pattern promises to find, never a lucky draw."""
    mixed = mixed_secret()  # passwords and URL tokens: letters mixed with digits
    anaconda_org = "".join(secrets.choice(string.ascii_lowercase) for _ in range(2))
    anaconda_org += "-" + str(uuid.uuid4())  # anaconda.org's tokens: xx-<uuid>
    aws = "AKIA" + "".join(
        secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16)
    )
    b64 = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    jwt = f"{b64({'alg': 'HS256'})}.{b64({'sub': token()})}.{token()}"
    ghp = github_token()
    return {
        "conda-url": ("conda URL token", f"channel: https://conda.example.com/t/{mixed}/m", mixed),
        "anaconda-org": (
            "conda URL token",
            f"channel: https://conda.anaconda.org/t/{anaconda_org}/acme",
            anaconda_org,
        ),
        "url-password": (
            "URL password",
            f"proxy: http://alice:{mixed}@proxy.example.com:8080",
            mixed,
        ),
        "jwt": ("JSON web token", f"id = {jwt}", jwt),
        "github": ("GitHub token", f"export GH={ghp}", ghp),
        "aws": ("AWS access key", f"key {aws} here", aws),
        "assigned": ("assigned secret", f"password = {mixed}", mixed),
    }


@pytest.mark.parametrize("case", sorted(_shapes()))
def test_token_shapes_are_found(tmp_path: Path, case: str) -> None:
    kind, line, secret = _shapes()[case]
    text = f"# report\n{line}\n"
    report = tmp_path / "report.txt"
    report.write_text(text)
    result = scan_paths([report])
    assert Finding(str(report), None, text.index(secret), kind) in result.findings
    assert_no_leak(result, secret)


# GitHub's gh?_ tokens: 30 random base62 characters and a checksum of them. npm's tokens
# share the format; the example in github.com/secretlint/secretlint/issues/200 pins it.
NPM_EXAMPLE = "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"


def test_github_checksum_matches_a_published_token() -> None:
    body, checksum = NPM_EXAMPLE[4:34], NPM_EXAMPLE[34:]
    assert github_checksum(body) == checksum


def test_every_github_checksum_starts_with_a_digit() -> None:
    """Why the shape may ask for a digit: the checksum's first character is CRC32 // 62**5,
    and a CRC32 is below 5 * 62**5, so it is one of 0-4."""
    assert 2**32 - 1 < 5 * 62**5
    assert github_checksum("A" * 30)[0] in "01234"


@settings(max_examples=examples(200))
@given(
    body=st.text(st.sampled_from(BASE62), min_size=30, max_size=30),
    kind=st.sampled_from("pousr"),
)
def test_every_real_github_token_is_found(body: str, kind: str) -> None:
    """Whatever the 30 random characters, digits or none, the token is found."""
    token_ = github_token(kind, body)
    found = [m for m in find_token_shapes(f"GH={token_}\n".encode()) if m.kind == "GitHub token"]
    assert [(m.start, m.length) for m in found] == [(3, 40)]


def test_a_github_token_without_a_digit_in_its_body_is_found() -> None:
    token_ = github_token("p", "".join(secrets.choice(string.ascii_letters) for _ in range(30)))
    assert "GitHub token" in {m.kind for m in find_token_shapes(token_.encode())}


def test_ordinary_text_is_not_a_finding(tmp_path: Path) -> None:
    digest = hashlib.sha256(secrets.token_bytes(64)).hexdigest()
    record = {
        "url": "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py311_0.conda",
        "channel": "https://repo.anaconda.com/pkgs/main",
        "sha256": digest,
        "md5": hashlib.md5(digest.encode()).hexdigest(),
    }
    (tmp_path / "repodata_record.json").write_text(json.dumps(record, indent=2))
    (tmp_path / "ca-bundle.pem").write_bytes(make_certificate() + make_certificate(rsa_bits=2048))
    (tmp_path / ".condarc").write_text(
        "channels:\n  - https://anacondaserver.corp/api/repo/main\n"
        "channel_alias: https://anacondaserver.corp/api/repo\nssl_verify: true\n"
    )
    result = scan_paths([tmp_path])
    assert result.findings == [] and result.files_scanned == 3


@pytest.mark.parametrize(
    "line",
    [
        # construct.yaml's extra_files line for a baked token named name2 (issue 11, item 7)
        b'  - "tokens/name2.token": "etc/installer-factory/tokens/name2.token"\n',
        b"  - tokens/name2.token: etc/installer-factory/tokens/name2.token\n",
        b"token: etc/installer-factory/tokens/a1.b/c.token\n",
    ],
)
def test_a_path_is_only_a_secret_as_a_whole(line: bytes) -> None:
    """The assigned secret is the whole run after `token:` or nothing: a path is never cut
    short at a `/` so that a digit after the cut counts for it."""
    assert list(find_token_shapes(line)) == []


def test_rendered_examples_have_no_findings(tmp_path: Path) -> None:
    """Guards against false positives that would fail every build."""
    profiles = sorted(p for p in PROFILES.glob("*.yaml") if p.name != "acme-base.yaml")
    out = tmp_path / "build"
    assert main(["render", *map(str, profiles), "--output", str(out)]) == 0
    result = scan_paths([out])
    assert result.files_scanned > 20
    assert result.findings == [], [str(f) for f in result.findings]


# --- archives and installers ------------------------------------------------------------


def test_token_in_a_zip_inside_a_tar_gz(tmp_path: Path) -> None:
    tok = token()
    condarc = f"channels:\n  - https://conda.example.com/t/{tok}/main\n".encode()
    inner = zip_bytes({"conf/.condarc": condarc})
    archive = tmp_path / "bundle.tar.gz"
    archive.write_bytes(
        tar_bytes({"bundle/readme.txt": b"hello\n", "bundle/inner.zip": inner}, "w:gz")
    )
    result = scan_paths([archive], {"repo": tok.encode()})
    member = "bundle.tar/bundle/inner.zip/conf/.condarc"
    assert result.findings == [
        Finding(str(archive), member, condarc.index(tok.encode()), "token repo")
    ]
    assert_no_leak(result, tok)


def test_stored_member_is_reported_once_at_its_innermost_place(tmp_path: Path) -> None:
    tok = token()
    data = f"token {tok}\n".encode()
    inner = zip_bytes({"a.txt": data}, zipfile.ZIP_STORED)
    archive = tmp_path / "bundle.tar"
    archive.write_bytes(tar_bytes({"inner.zip": inner}))
    result = scan_paths([archive], {"repo": tok.encode()})
    assert result.findings == [Finding(str(archive), "inner.zip/a.txt", 6, "token repo")]


def test_token_in_a_fake_constructor_sh_installer(tmp_path: Path) -> None:
    tok, other = token(), token()
    header = (
        b"#!/bin/sh\n# NAME: Fake\n# VER: 1\nset -eu\nPREFIX=$HOME/fake\n"
        b'echo "Unpacking payload ..."\nexit 0\n@@END_HEADER@@\n'
    )
    about = json.dumps({"channel": f"https://conda.example.com/t/{tok}/main"}).encode()
    plain = tar_bytes(
        {"conda.exe": secrets.token_bytes(3000), "notes.txt": f"x={other}\n".encode()}
    )
    packed = tar_bytes({"pkgs/x/info/about.json": about}, "w:bz2")
    trailer = f"\ntrailing {other}".encode()
    installer = tmp_path / "Fake-1-Linux-x86_64.sh"
    installer.write_bytes(header + plain + packed + trailer)
    result = scan_paths([installer], {"repo": tok.encode(), "other": other.encode()})

    first, second = len(header), len(header) + len(plain)
    trail_at = second + len(packed) + trailer.index(other.encode())
    sh = str(installer)
    assert len(result.findings) == 3 and set(result.findings) == {
        Finding(sh, None, trail_at, "token other"),  # raw bytes: offset in the .sh
        Finding(sh, f"payload@{first}.tar/notes.txt", 2, "token other"),
        Finding(
            sh,
            f"payload@{second}.tar/pkgs/x/info/about.json",
            about.index(tok.encode()),
            "token repo",
        ),
    }
    assert_no_leak(result, tok, other)


def test_corrupt_archive_raw_bytes_are_still_scanned(tmp_path: Path) -> None:
    tok = token()
    data = zip_bytes({"a.txt": f"secret {tok}\n".encode()}, zipfile.ZIP_STORED)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(data[:-30])  # central directory cut short
    result = scan_paths([broken], {"repo": tok.encode()})
    offset = data.index(tok.encode())
    assert result.findings == [Finding(str(broken), None, offset, "token repo")]
    assert any("unreadable zip" in reason for reason in result.skipped)


def test_token_in_a_member_name_is_redacted(tmp_path: Path) -> None:
    tok = token()
    archive = tmp_path / "names.tar.bz2"
    archive.write_bytes(tar_bytes({f"cache/{tok}.json": b"{}"}, "w:bz2"))
    result = scan_paths([archive], {"repo": tok.encode()})
    assert [(f.member, f.offset) for f in result.findings] == [("names.tar", 6)]
    assert_no_leak(result, tok)


def test_conda_package(tmp_path: Path) -> None:
    import zstandard  # a dependency (tests/test_scan_unreadable.py)

    tok = token()
    info = tar_bytes({"info/about.json": f'{{"x": "{tok}"}}'.encode()})
    packed = zstandard.ZstdCompressor().compress(info)
    meta = f'{{"conda_pkg_format_version": 2, "note": "{tok}"}}'.encode()
    package = tmp_path / "x-1.0-0.conda"
    package.write_bytes(
        zip_bytes({"metadata.json": meta, "info-x-1.0-0.tar.zst": packed}, zipfile.ZIP_STORED)
    )
    result = scan_paths([package], {"repo": tok.encode()})
    members = {f.member for f in result.findings}
    assert members == {"metadata.json", "info-x-1.0-0.tar.zst/info-x-1.0-0.tar/info/about.json"}
    assert result.unreadable == []
    assert_no_leak(result, tok)


# --- encodings --------------------------------------------------------------------------


def test_encoded_forms_of_a_known_value(tmp_path: Path) -> None:
    value = f"{token()}/{token()}+{token()}=".encode()  # needs percent-encoding
    forms = {
        "url": quote(value, safe="").encode(),
        "base64": base64.b64encode(value),
        "utf16": value.decode().encode("utf-16-le"),
    }
    for name, form in forms.items():
        (tmp_path / f"{name}.txt").write_bytes(b"prefix " + form + b" suffix")
    result = scan_paths([tmp_path], {"repo": value})
    found = {(Path(f.file).name, f.offset, f.kind) for f in result.findings}
    assert found == {(f"{name}.txt", 7, "token repo") for name in forms}
    assert_no_leak(result, value.decode(), *(form.decode("latin-1") for form in forms.values()))


# --- limits -----------------------------------------------------------------------------


def test_zip_bomb_is_capped_and_recorded(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("zeros.bin", bytes(50 * MiB))
    assert bomb.stat().st_size < MiB
    started = time.monotonic()
    result = scan_paths([bomb], max_bytes=4 * MiB)
    assert time.monotonic() - started < 5
    assert result.findings == []
    assert any("zeros.bin: over the extraction limit" in r for r in result.skipped)
    assert result.bytes_scanned < 5 * MiB

    result = scan_paths([bomb], max_member_bytes=2 * MiB)
    assert any("zeros.bin: over the extraction limit" in r for r in result.skipped)


def test_depth_limit_is_recorded(tmp_path: Path) -> None:
    data = b"deep"
    for level in range(4):
        data = zip_bytes({f"level{level}.zip" if level else "leaf.txt": data})
    nested = tmp_path / "nested.zip"
    nested.write_bytes(data)
    result = scan_paths([nested], max_depth=2)
    assert any("nested deeper than 2 levels" in reason for reason in result.skipped)


def test_paths_and_symlinks(tmp_path: Path) -> None:
    tok = token()
    outside = tmp_path / "outside.txt"
    outside.write_text(tok)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "inside.txt").write_text("clean\n")
    (tree / "link-in").symlink_to(tree / "inside.txt")
    (tree / "link-out").symlink_to(outside)
    result = scan_paths([tree], {"repo": tok.encode()})
    assert result.findings == [] and result.files_scanned == 1
    assert result.skipped == [f"{tree}/link-out: symlink out of the scanned tree, not followed"]
    with pytest.raises(InputError, match="no such file"):
        scan_paths([tmp_path / "missing.sh"])


# --- property: a planted value is always found and never shown ---------------------------

_printable = st.characters(exclude_categories=("Cs", "Cc"))


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.text(_printable, min_size=8, max_size=40),
    data=st.binary(max_size=2048),
    where=st.floats(0, 1),
)
def test_planted_values_are_always_found(
    tmp_path: Path, value: str, data: bytes, where: float
) -> None:
    at = int(len(data) * where)
    blob = tmp_path / "blob.bin"
    # the report's own words (its keys, the kind, the file's path) are not a leak
    own = json.dumps(ScanResult().as_dict()) + str(Finding(str(blob), None, at, "token planted"))
    assume(value not in own)
    blob.write_bytes(data[:at] + value.encode() + data[at:])
    result = scan_paths([blob], {"planted": value.encode()})
    assert any(f.kind == "token planted" and f.offset == at for f in result.findings)
    assert_no_leak(result, value)
