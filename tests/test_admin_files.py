"""The admin's own files (`extra_files`, `temp_extra_files`): shipped under their
destination on the OS they are for, on all five platforms, merged and dropped by
destination across `extends:` layers, and placed by the fake install exactly where
constructor's installers put them (preconda.copy_extra_files; main.nsi.tmpl for $PLUGINSDIR).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import github_token, write_tree
from constructor_reader import build_time_errors, parse, schema_errors
from fake_install import lay_out

from factory.errors import ProfileInvalid
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project

BASE = """\
name: Files
version: "1.0"
channels: [conda-forge]
packages:
  specs:
    base: [python, conda]
extra_files:
  etc/pip.conf: pip.conf
  "share/jupyter/kernels/corp python/kernel.json": {source: kernel.json}
  Scripts/corp-setup.cmd: {source: setup.cmd, os: [win]}
  bin/corp-setup: {source: setup.sh, os: [linux, osx]}
  drop/me.txt: pip.conf
temp_extra_files:
  banner.txt: kernel.json
"""
CHILD = """\
extends: base.yaml
extra_files:
  drop/me.txt: null
  etc/pip.conf: {source: pip-child.conf}
"""
FILES = {
    "base.yaml": BASE,
    "child.yaml": CHILD,
    "pip.conf": "[global]\nindex-url = https://pypi.corp/simple\n",
    "pip-child.conf": "[global]\nindex-url = https://pypi.child/simple\n",
    "kernel.json": '{"display_name": "corp"}\n',
    "setup.cmd": "@echo off\r\n",
    "setup.sh": "#!/bin/sh\n",
}


@pytest.mark.parametrize("platform", list(Platform))
def test_extra_files_ship_to_their_destinations(tmp_path: Path, platform: Platform) -> None:
    profile = write_tree(tmp_path / "profile", FILES) / "child.yaml"
    project = render_project(load_profile(profile), platform)
    data = parse(project.files["construct.yaml"].decode())
    assert schema_errors(data) == []
    windows = platform.os.value == "win"
    expected = {
        "etc/pip.conf": FILES["pip-child.conf"],  # the child's replaces the base's
        "share/jupyter/kernels/corp python/kernel.json": FILES["kernel.json"],
        ("Scripts/corp-setup.cmd" if windows else "bin/corp-setup"): (
            FILES["setup.cmd"] if windows else FILES["setup.sh"]
        ),
    }
    install = lay_out(tmp_path / "i", project, conda=None)  # checks build_time_errors too
    shipped = {
        f: (install.prefix / f).read_bytes().decode() for f in install.files() if f != ".condarc"
    }
    assert shipped == expected  # drop/me.txt was dropped by the child
    assert data.get("temp_extra_files") == (["temp/banner.txt"] if windows else None)
    if windows:
        plugins = tmp_path / "i" / "nsis-plugins"
        assert (plugins / "banner.txt").read_text() == FILES["kernel.json"]


def test_temp_extra_files_only_for_an_exe(tmp_path: Path) -> None:
    text = BASE + "platforms: [win-64]\ninstaller_types: {win: [msi]}\n"
    text += "install: {reverse_domain_identifier: com.example.files}\ncompany: Example\n"
    profile = write_tree(tmp_path / "profile", {**FILES, "base.yaml": text}) / "base.yaml"
    loaded = load_profile(profile)
    assert any("only a Windows .exe" in p.message for p in loaded.warnings)
    project = render_project(loaded, Platform.win_64)
    data = parse(project.files["construct.yaml"].decode())
    written = write_tree(tmp_path / "project", project.files)
    assert build_time_errors(data, "win-64", written) == []
    assert "temp_extra_files" not in data


def test_a_token_in_an_admin_file_is_refused_without_repeating_it(tmp_path: Path) -> None:
    token = github_token()
    files = {**FILES, "pip.conf": f"[global]\nindex-url = https://u:{token}@pypi.corp/\n"}
    profile = write_tree(tmp_path / "profile", files) / "base.yaml"
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(profile)
    found = [p for p in caught.value.problems if "holds what looks like" in p.message]
    # base.yaml ships pip.conf twice: at etc/pip.conf and drop/me.txt
    assert sorted(p.path for p in found) == [
        "extra_files['drop/me.txt']",
        "extra_files['etc/pip.conf']",
    ]
    assert token not in " ".join(str(p) for p in caught.value.problems)
