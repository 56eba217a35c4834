"""Whether an installer carries a signature, read from its bytes (factory/pages/signatures.py),
and the release page's signing state from that, the build report and the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from signed_files import portable_executable, xar

from factory.formats.build_report import InstallerFile
from factory.pages.contents import signing_state
from factory.pages.signatures import signed


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("exe", portable_executable((0x2000, 0x1F8)), True),
        ("exe", portable_executable((0x2000, 0x1F8), pe32_plus=False), True),
        ("exe", portable_executable((0, 0)), False),
        ("exe", b"MZ stand-in installer", None),
        ("pkg", xar(b"<xar><toc><signature style='RSA'/></toc></xar>"), True),
        ("pkg", xar(b"<xar><toc><file id='1'/></toc></xar>"), False),
        (
            "msi",
            bytes.fromhex("d0cf11e0a1b11ae1") + "\x05DigitalSignature".encode("utf-16-le"),
            True,
        ),
        ("msi", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600), False),
        ("sh", b"#!/bin/sh\n", None),
    ],
)
def test_a_signature_is_read_from_the_installer(
    tmp_path: Path, kind: str, data: bytes, expected: bool | None
) -> None:
    (tmp_path / f"x.{kind}").write_bytes(data)
    assert signed(tmp_path / f"x.{kind}", kind) is expected


def test_signing_state_from_the_file_then_the_report() -> None:
    def state(kind: str, found: bool | None, built: str | None = None, **keys: str) -> str:
        item = InstallerFile(
            installer_type=kind, file=f"x.{kind}", size=1, sha256="a" * 64, built_sha256=built
        )
        return signing_state(item, keys, found)[0]

    assert state("exe", True) == "signed"
    assert state("exe", False, windows_signing_tool="signtool") == "unsigned"
    assert state("exe", None, windows_signing_tool="signtool") == "signed-at-build"
    assert state("pkg", None, signing_identity_name="Developer ID Installer: Acme") == (
        "signed-at-build"
    )
    assert state("exe", None, built="b" * 64) == "changed-after-build"
    assert state("msi", None) == "unsigned"
    assert state("sh", None) == "not-signable"
