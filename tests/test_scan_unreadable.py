"""What `scan` cannot read is reported and fails the scan (issue 12, item 9): `.conda`
packages are opened (zstandard is a dependency), and a member that could not be read
whole is listed, with its reason, in text and JSON (`ok: false`), and exits 1 unless
`--allow-unreadable`."""

from __future__ import annotations

import io
import json
import secrets
import sys
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

import pytest
import zstandard
from archive_support import conda_bytes, tar_bytes
from conftest import REPO, mixed_secret

from factory.leaks import streams
from factory.leaks.scan import scan_paths


def _package(token: str) -> bytes:
    inner = tar_bytes({"etc/x.conf": f"token {token}\n".encode()})
    return conda_bytes(zstandard.ZstdCompressor().compress(inner))


@pytest.mark.skipif(tomllib is None, reason="tomllib is Python 3.11+")
def test_zstandard_is_a_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(
        dep.split(">")[0].split("=")[0].strip() == "zstandard" for dep in project["dependencies"]
    )


def test_a_conda_package_is_opened(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    package = tmp_path / "x-1.0-0.conda"
    package.write_bytes(_package(token))
    result = scan_paths([package], {"repo": token.encode()})
    assert [f.member for f in result.findings] == ["pkg-x-1.0-0.tar.zst/pkg-x-1.0-0.tar/etc/x.conf"]
    assert result.unreadable == [] and result.ok is False


def _damaged(tmp_path: Path) -> Path:
    packed = zstandard.ZstdCompressor().compress(tar_bytes({"a.txt": secrets.token_bytes(50_000)}))
    package = tmp_path / "x-1.0-0.conda"
    package.write_bytes(conda_bytes(packed[: len(packed) // 2]))  # cut off mid-stream
    return package


def test_a_damaged_member_is_unreadable(tmp_path: Path) -> None:
    result = scan_paths([_damaged(tmp_path)])
    assert result.findings == [] and result.ok is False
    assert [(u.where.split("!")[-1], u.reason) for u in result.unreadable] == [
        ("pkg-x-1.0-0.tar.zst", "damaged zstd stream: partly scanned")
    ]
    assert result.as_dict()["unreadable"] == [u.as_dict() for u in result.unreadable]


def test_an_unreadable_member_fails_the_command(cli, tmp_path: Path) -> None:
    package = _damaged(tmp_path)
    result = cli("scan", package)
    assert result.code == 1
    assert f"{package}!pkg-x-1.0-0.tar.zst: unreadable: damaged zstd stream" in result.out
    assert "0 finding(s), 1 unreadable" in result.err

    data = json.loads(cli("scan", "--json", package).out)
    assert data["ok"] is False and data["findings"] == []
    assert data["unreadable"] == [
        {"where": f"{package}!pkg-x-1.0-0.tar.zst", "reason": "damaged zstd stream: partly scanned"}
    ]

    allowed = cli("scan", "--allow-unreadable", package)
    assert allowed.code == 0 and "unreadable: damaged zstd stream" in allowed.out
    assert "1 unreadable (allowed)" in allowed.err
    data = json.loads(cli("scan", "--json", "--allow-unreadable", package).out)
    assert data["ok"] is True and len(data["unreadable"]) == 1


def test_allow_unreadable_does_not_hide_a_finding(cli, tmp_path: Path) -> None:
    package = _damaged(tmp_path)
    log = tmp_path / "build.log"
    log.write_text(f"password = {mixed_secret()}\n")
    assert cli("scan", "--allow-unreadable", package, log).code == 1


def test_without_zstandard_a_conda_package_is_unreadable(cli, tmp_path: Path, monkeypatch) -> None:
    """A broken install (no zstandard) is not a clean scan: the old '0 findings, ok'."""
    monkeypatch.setattr(streams, "zstandard", None)
    package = tmp_path / "x-1.0-0.conda"
    package.write_bytes(_package(secrets.token_urlsafe(24)))
    result = cli("scan", "--json", package)
    data = json.loads(result.out)
    assert result.code == 1 and data["ok"] is False
    assert [u["where"] for u in data["unreadable"]] == [f"{package}!pkg-x-1.0-0.tar.zst"]
    assert "zstandard is not installed" in data["unreadable"][0]["reason"]


def test_an_encrypted_zip_member_is_unreadable(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("secret.txt", b"x" * 100)
    data = bytearray(buffer.getvalue())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set bit 0 in both
        at = data.find(signature)
        data[at + flag_at] |= 1
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(data))
    result = scan_paths([path])
    assert [u.reason for u in result.unreadable] == ["encrypted zip member"]
    assert not result.ok


def test_help_teaches_unreadable(cli) -> None:
    text = cli("scan", "--help").out
    assert "could not be read whole" in text and "--allow-unreadable" in text
    assert "Exit 1: a finding, or something\nunreadable (unless --allow-unreadable)" in text
