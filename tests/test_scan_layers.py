"""How `scan` walks an installer's layers without losing anything (issue 12, item 19, the
parts that are behaviour rather than speed; the speed goal is benchmarks/bench_scan.py):
a `.sh` payload ending in a `.conda` is still carved as a tar, a big member stored verbatim
is searched once (in the member, not again in what holds it), and what lies between and
across members is still searched."""

from __future__ import annotations

import secrets
from pathlib import Path

import zstandard
from archive_support import conda_bytes, tar_bytes

from factory.leaks.scan import Finding, scan_paths

MiB = 1 << 20
HEADER = b"#!/bin/sh\n# NAME: Fake\nexit 0\n@@END_HEADER@@\n"


def test_a_payload_ending_in_a_conda_package_is_carved_as_a_tar(tmp_path: Path) -> None:
    """The .conda's end record sits near the end of the installer, but not at its end:
    the installer is not a self-extracting zip, and every payload member is searched."""
    tok = secrets.token_urlsafe(24)
    payload = tar_bytes(
        {
            "pkgs/urls.txt": f"x {tok}\n".encode(),
            "pkgs/x-1.0-0.conda": conda_bytes(
                zstandard.ZstdCompressor().compress(tar_bytes({"info/a.txt": b"hi"}))
            ),
        }
    )
    installer = tmp_path / "Fake-1-Linux-x86_64.sh"
    installer.write_bytes(HEADER + payload)
    result = scan_paths([installer], {"repo": tok.encode()})
    at = len(HEADER)
    assert result.findings == [
        Finding(str(installer), f"payload@{at}.tar/pkgs/urls.txt", 2, "token repo")
    ]
    assert result.unreadable == []


def test_a_big_verbatim_member_is_searched_once(tmp_path: Path) -> None:
    tok = secrets.token_urlsafe(24)
    big = bytearray(secrets.token_bytes(2 * MiB))
    big[MiB : MiB + len(tok)] = tok.encode()
    archive = tmp_path / "bundle.tar"
    archive.write_bytes(tar_bytes({"big.bin": bytes(big), "small.txt": b"hello\n"}))
    result = scan_paths([archive], {"repo": tok.encode()})
    assert result.findings == [Finding(str(archive), "big.bin", MiB, "token repo")]
    size = archive.stat().st_size
    assert size + 2 * MiB < result.bytes_scanned * 2 < 2 * size + 2 * MiB  # not 2 * 2 MiB


def test_what_lies_between_and_across_members_is_still_searched(tmp_path: Path) -> None:
    """Guards the skipping above: a value in a tar header between two big members, and
    one that starts in a big member's last bytes and ends in the next member's name (a
    member of whole blocks has no padding after it), are found in the tar's own bytes."""
    tok, name_tok = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    big = secrets.token_bytes(MiB - 10) + tok[:10].encode()
    archive = tmp_path / "bundle.tar"
    data = tar_bytes({"a.bin": big, tok[10:]: b"x", f"cache/{name_tok}.bin": big})
    archive.write_bytes(data)
    result = scan_paths([archive], {"repo": tok.encode(), "name": name_tok.encode()})
    found = {(f.member, f.offset, f.kind) for f in result.findings}
    assert found == {
        (None, data.index(tok.encode()), "token repo"),
        (None, data.index(name_tok.encode()), "token name"),
    }
