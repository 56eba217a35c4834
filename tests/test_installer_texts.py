"""Installer texts, generated-image keys, installer_filename and build_outputs: rendered on
every platform only where constructor uses them, and passing constructor's schema and its
build-time rules (tests/constructor_reader.py).

Where constructor uses each (constructor 3.16 source): conclusion_text is printed by
header.sh (.sh), is the .pkg's conclusion page (osxpkg.py) and the .exe's finish page
(winexe.py); briefcase.py (.msi) has no such page. welcome_image_text draws the .exe's
welcome image and the .pkg's background (imaging.py, osxpkg.py); header_image_text and
default_image_color only the .exe's (imaging.py).
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, write_tree
from constructor_reader import build_time_errors, parse, schema_errors
from fake_install import lay_out

from factory.builds.host import host_platform
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project

HEAD = """\
name: Txt
version: "2.1"
channels: [conda-forge]
packages:
  specs:
    base: [python, conda]
"""

ALL_KEYS = """\
images:
  welcome_text: Welcome to Txt
  header_text: Txt
  color: green
install:
  conclusion_text: Txt is installed
  installer_filename:
    linux: "{name}-{version}-{platform}.sh"
    osx: "{name}-{version}-{platform}.pkg"
    win: "Txt_{version}.exe"
  build_outputs:
    - hash
    - info.json
    - pkgs_list: {env: base}
    - lockfile
    - licenses: {include_text: true, text_errors: replace}
    - hash: {algorithm: [md5, sha512]}
"""


def _render(tmp_path: Path, text: str, platform: Platform) -> dict[str, Any]:
    profile = write_tree(tmp_path / "profile", {"p.yaml": HEAD + text}) / "p.yaml"
    project = render_project(load_profile(profile), platform)
    written = write_tree(tmp_path / "project" / platform.value, project.files)
    data = parse(project.files["construct.yaml"].decode())
    assert schema_errors(data) == []
    assert build_time_errors(data, platform.value, written) == []
    return data


@pytest.mark.parametrize("platform", list(Platform))
def test_every_key_renders_and_passes_constructor(tmp_path: Path, platform: Platform) -> None:
    data = _render(tmp_path, ALL_KEYS, platform)
    os_ = platform.os.value
    expected_name = {
        "linux": f"Txt-2.1-{platform.value}.sh",
        "osx": f"Txt-2.1-{platform.value}.pkg",
        "win": "Txt_2.1.exe",
    }[os_]
    assert data["installer_filename"] == expected_name
    assert data["conclusion_text"] == "Txt is installed"  # .sh, .pkg and .exe all show it
    assert data["build_outputs"] == [
        {"hash": {"algorithm": "sha256"}},  # without one constructor writes no hash
        "info.json",
        {"pkgs_list": {"env": "base"}},
        "lockfile",
        {"licenses": {"include_text": True, "text_errors": "replace"}},
        {"hash": {"algorithm": ["md5", "sha512"]}},
    ]
    images = {k: data.get(k) for k in ("welcome_image_text", "header_image_text")}
    images["default_image_color"] = data.get("default_image_color")
    assert (
        images
        == {
            "linux": {
                "welcome_image_text": None,
                "header_image_text": None,
                "default_image_color": None,
            },
            "osx": {
                "welcome_image_text": "Welcome to Txt",
                "header_image_text": None,
                "default_image_color": None,
            },
            "win": {
                "welcome_image_text": "Welcome to Txt",
                "header_image_text": "Txt",
                "default_image_color": "green",
            },
        }[os_]
    )


@pytest.mark.parametrize(
    ("types", "platform", "shown"),
    [
        ("{linux: [sh]}", Platform.linux_64, True),
        ("{osx: [sh]}", Platform.osx_arm64, True),
        ("{osx: [pkg]}", Platform.osx_64, True),
        ("{win: [exe]}", Platform.win_64, True),
        ("{win: [msi]}", Platform.win_64, False),
        ("{win: [exe, msi]}", Platform.win_64, True),
    ],
)
def test_conclusion_text_per_installer_type(
    tmp_path: Path, types: str, platform: Platform, shown: bool
) -> None:
    text = f"installer_types: {types}\ninstall:\n  conclusion_text: Done\n"
    if "msi" in types:
        text += "  reverse_domain_identifier: com.example.txt\ncompany: Example\n"
    data = _render(tmp_path, text, platform)
    assert ("conclusion_text" in data) is shown


def test_image_texts_yield_to_image_files(tmp_path: Path) -> None:
    (tmp_path / "profile").mkdir()
    for name in ("w.png", "h.png"):
        (tmp_path / "profile" / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    text = "images:\n  welcome: w.png\n  header: h.png\n  welcome_text: W\n  header_text: H\n"
    data = _render(tmp_path, text, Platform.win_64)
    assert "welcome_image_text" not in data and "header_image_text" not in data
    assert data["welcome_image"].startswith("images/welcome")


def test_installer_filename_reaches_the_installer_path(tmp_path: Path) -> None:
    """The fake install follows installer_filename for INSTALLER_PATH, as header.sh does."""
    text = "install:\n  installer_filename: {linux: 'Txt-{version}.sh'}\nca_certs: {}\n"
    text += "scripts:\n  post_install: {linux: post.sh}\n"
    files = {"p.yaml": HEAD + text, "post.sh": 'echo "$INSTALLER_PATH" >"$PREFIX/path.txt"\n'}
    profile = write_tree(tmp_path / "profile", files) / "p.yaml"
    project = render_project(load_profile(profile), Platform.linux_64)
    install = lay_out(tmp_path / "i", project, conda=None)
    assert install.post_install().returncode == 0
    assert (install.prefix / "path.txt").read_text().strip().endswith("/Txt-2.1.sh")


@pytest.mark.skipif(host_platform() is not Platform.linux_64, reason="builds linux-64 here")
def test_build_collects_build_outputs_beside_the_installers(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """constructor's build_outputs land in the build folder, listed as outputs in the
    report, never as installers; rehash keeps constructor's own hash files right."""
    text = textwrap.dedent("""\
        platforms: [linux-64]
        install:
          installer_filename: {linux: 'Txt-{platform}.sh'}
          build_outputs: [hash, info.json, {hash: {algorithm: md5}}]
        deploy: {org: Acme, unix: {prefix: /opt/txt}}
        """)
    monkeypatch.setenv("PATH", f"{REPO / 'tests' / 'standins'}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(HEAD + text)
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    folder = tmp_path / "out" / "Txt" / "linux-64"
    report = json.loads((folder / "build-report.json").read_text())
    assert [i["file"] for i in report["installers"]] == ["Txt-linux-64.sh"]
    assert report["outputs"] == ["Txt-linux-64.sh.md5", "Txt-linux-64.sh.sha256", "info.json"]
    # the deployment kit and the manifest name the installer as constructor did
    assert "Txt-linux-64.sh" in (folder / "deploy" / "sh" / "install.sh").read_text()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "Txt-linux-64.sh" in json.dumps(manifest)
    assert "info.json" not in json.dumps(manifest)
    installer = folder / "Txt-linux-64.sh"
    installer.write_bytes(installer.read_bytes() + b"signed")  # as signing would
    assert cli("rehash", str(folder)).code == 0
    data = installer.read_bytes()
    assert (folder / "Txt-linux-64.sh.md5").read_text() == (
        f"{hashlib.md5(data).hexdigest()}  Txt-linux-64.sh\n"
    )
    assert (folder / "Txt-linux-64.sh.sha256").read_text().split()[0] == (
        hashlib.sha256(data).hexdigest()
    )


def test_the_reader_refuses_one_name_for_two_installer_types() -> None:
    """constructor names every type of a build with the one installer_filename."""
    data = {"name": "T", "version": "1", "channels": ["c"], "installer_filename": "T.exe"}
    assert build_time_errors({**data, "installer_type": ["exe", "msi"]}, "win-64", None) == [
        "installer_filename T.exe given to 2 installer types"
    ]
    assert build_time_errors({**data, "installer_type": "msi"}, "win-64", None) == [
        "installer_filename T.exe for a .msi installer"
    ]
    assert build_time_errors({**data, "installer_type": "exe"}, "win-64", None) == []
