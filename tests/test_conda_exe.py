"""`conda_exe`: the profile key, the rules validate applies to it (constructor's own refusals,
restated in tests/constructor_reader.py `standalone_errors`), and how a `--conda-exe` file
is identified (builds/standalone.py): by running it as constructor does, from its
executable header, and from the conda-meta record of the package that installed it."""

from __future__ import annotations

import json
import struct
import textwrap
from pathlib import Path

import pytest
from conftest import MINIMAL
from constructor_reader import build_time_errors, parse, schema_errors, standalone_errors
from standalone_support import elf_header, make_standalone

from factory.builds.standalone import (
    StandaloneRefused,
    check,
    header_platform,
    identify,
    package_record,
    run_identify,
)
from factory.platforms import Platform
from factory.profiles.model import CondaExe

BASE = MINIMAL.lstrip("\n")  # ten lines, platforms linux-64 and win-64


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # files display relative, as an admin runs validate


def plus(extra: str) -> str:
    return BASE + textwrap.dedent(extra).lstrip("\n")


def problems(cli, write, text: str) -> tuple[int, list[dict]]:
    write("p.yaml", text)
    result = cli("validate", "p.yaml", "--json")
    return result.code, json.loads(result.out).get("problems", [])


def at(found: list[dict], path: str) -> list[dict]:
    return [p for p in found if p["path"] == path]


# --- validate ---------------------------------------------------------------------------------


def test_a_pinned_conda_standalone_validates(cli, write):
    code, found = problems(cli, write, plus("conda_exe: {kind: conda-standalone, version: 25.7.0}"))
    assert code == 0, found


@pytest.mark.parametrize("version", ["25.7", ">=25.7.0", "25.7.*", "latest"])
def test_only_an_exact_version_is_accepted(cli, write, version):
    text = plus(f'conda_exe: {{kind: conda-standalone, version: "{version}"}}')
    code, found = problems(cli, write, text)
    assert code == 1
    [problem] = at(found, "conda_exe.version")
    assert problem["line"] == 11


def test_micromamba_for_windows_is_refused_at_its_line(cli, write):
    text = plus(
        """
        conda_exe:
          kind: micromamba
          version: 2.3.0
        """
    )
    code, found = problems(cli, write, text)
    assert code == 1
    [problem] = at(found, "conda_exe.kind")
    assert (problem["line"], problem["column"]) == (12, 9)
    assert "refuses micromamba for Windows" in problem["message"]


def test_micromamba_for_linux_only_is_accepted(cli, write):
    text = plus("conda_exe: {kind: micromamba, version: 2.3.0}").replace(
        "platforms: [linux-64, win-64]", "platforms: [linux-64, linux-aarch64]"
    )
    code, found = problems(cli, write, text)
    assert code == 0, found


def test_uninstall_with_conda_exe_needs_conda_standalone_24_11(cli, write):
    text = plus(
        """
        install:
          uninstall_with_conda_exe: true
        conda_exe: {kind: conda-standalone, version: 24.9.2}
        """
    )
    code, found = problems(cli, write, text)
    assert code == 1
    [problem] = at(found, "install.uninstall_with_conda_exe")
    assert problem["line"] == 12
    assert "24.11.0 or newer" in problem["message"]
    ok = text.replace("24.9.2", "24.11.0")
    assert problems(cli, write, ok)[0] == 0


def test_a_frozen_base_refuses_conda_standalone_25_5(cli, write):
    text = plus(
        """
        freeze_base: {}
        conda_exe: {kind: conda-standalone, version: 25.5.1}
        """
    )
    code, found = problems(cli, write, text)
    assert code == 1
    [problem] = at(found, "conda_exe.version")
    assert "freeze_base" in problem["message"] and "25.7.0 or newer" in problem["message"]
    assert problems(cli, write, text.replace("25.5.1", "25.7.0"))[0] == 0
    assert problems(cli, write, text.replace("25.5.1", "25.3.1"))[0] == 0


def test_micromamba_with_menu_packages_warns(cli, write):
    text = plus(
        """
        conda_exe: {kind: micromamba, version: 2.3.0}
        """
    ).replace("platforms: [linux-64, win-64]", "platforms: [linux-64]")
    text = text.replace("      - conda\n", "      - conda\n  menu_packages: [spyder]\n", 1)
    code, found = problems(cli, write, text)
    assert code == 0
    [warning] = at(found, "packages.menu_packages")
    assert warning["severity"] == "warning" and "ignored" in warning["message"]


# --- what constructor refuses at build time (tests/constructor_reader.py) --------------------


def test_reader_refuses_what_constructor_refuses():
    assert standalone_errors({}, "win-64", "micromamba", "2.3.0")
    assert not standalone_errors({}, "linux-aarch64", "micromamba", "2.3.0")
    uninstall = {"uninstall_with_conda_exe": True}
    assert standalone_errors(uninstall, "win-64", "conda-standalone", "24.9.2")
    assert not standalone_errors(uninstall, "win-64", "conda-standalone", "24.11.0")
    frozen = {"freeze_base": {"conda": {}}}
    assert standalone_errors(frozen, "linux-64", "conda-standalone", "25.5.1")
    assert not standalone_errors(frozen, "linux-64", "conda-standalone", "25.7.0")
    extra = {"extra_envs": {"work": {"freeze_env": {"conda": {}}}}}
    assert standalone_errors(extra, "linux-64", "conda-standalone", "25.5.0")


@pytest.mark.parametrize("platform", [p.value for p in Platform])
def test_a_pinned_profile_renders_and_builds_on_every_platform(cli, write, tmp_path, platform):
    """conda_exe is a command-line matter for constructor: construct.yaml stays valid, and
    constructor's own checks on the standalone pass for the pin the profile validated."""
    write("p.yaml", BASE.replace("platforms: [linux-64, win-64]", f"platforms: [{platform}]"))
    text = (tmp_path / "p.yaml").read_text()
    (tmp_path / "p.yaml").write_text(
        text + "conda_exe: {kind: conda-standalone, version: 25.7.0}\n"
    )
    result = cli("render", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    [construct] = (tmp_path / "out").glob(f"*/{platform}/construct.yaml")
    data = parse(construct.read_text())
    assert schema_errors(data) == []
    pin = ("conda-standalone", "25.7.0")
    assert build_time_errors(data, platform, construct.parent, pin) == []


# --- identifying a standalone -----------------------------------------------------------------


@pytest.mark.parametrize("platform", ["linux-64", "linux-aarch64", "linux-ppc64le"])
def test_an_elf_header_names_its_platform(tmp_path, platform):
    file = tmp_path / "exe"
    file.write_bytes(elf_header(platform))
    assert header_platform(file) == platform


def test_mach_o_and_pe_headers_name_their_platform(tmp_path):
    macho = tmp_path / "macho"
    macho.write_bytes(b"\xcf\xfa\xed\xfe" + struct.pack("<I", 0x0100000C) + bytes(56))
    assert header_platform(macho) == "osx-arm64"
    pe = tmp_path / "pe"
    pe.write_bytes(
        b"MZ" + bytes(58) + struct.pack("<I", 64) + b"PE\0\0" + struct.pack("<H", 0x8664)
    )
    assert header_platform(pe) == "win-64"
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    assert header_platform(script) is None


def test_running_it_identifies_it_as_constructor_does(tmp_path):
    conda = make_standalone(tmp_path, "conda-standalone", "25.7.0", "linux-64", record=False)
    assert run_identify(conda) == ("conda-standalone", "25.7.0")
    mamba = make_standalone(tmp_path, "micromamba", "2.3.0", "linux-64", record=False)
    assert run_identify(mamba) == ("micromamba", "2.3.0")
    foreign = make_standalone(tmp_path, "conda-standalone", "25.7.0", "linux-aarch64", header=True)
    assert run_identify(foreign) is None  # does not run on this host


def test_a_foreign_binary_is_known_from_its_package_record(tmp_path):
    exe = make_standalone(tmp_path, "conda-standalone", "25.7.0", "linux-aarch64", header=True)
    assert package_record(exe) == ("conda-standalone", "25.7.0", "linux-aarch64")
    found = identify(exe)
    assert (found.kind, found.version, found.platform, found.runs_here) == (
        "conda-standalone",
        "25.7.0",
        "linux-aarch64",
        False,
    )
    check(
        found,
        Platform.linux_aarch64,
        CondaExe(kind="conda-standalone", version="25.7.0"),
        native=False,
    )


def test_a_foreign_binary_without_a_record_cannot_match_a_pin(tmp_path):
    exe = make_standalone(
        tmp_path, "conda-standalone", "25.7.0", "linux-aarch64", header=True, record=False
    )
    found = identify(exe)
    assert (found.kind, found.platform) == (None, "linux-aarch64")
    pin = CondaExe(kind="conda-standalone", version="25.7.0")
    with pytest.raises(StandaloneRefused, match="cannot tell which standalone it is"):
        check(found, Platform.linux_aarch64, pin, native=False)
    check(
        found, Platform.linux_aarch64, None, native=False
    )  # nothing pinned: its platform is enough


def test_sources_that_disagree_are_refused(tmp_path):
    lying = make_standalone(
        tmp_path, "conda-standalone", "25.7.0", "linux-64", runs_as=("conda-standalone", "24.11.0")
    )
    with pytest.raises(StandaloneRefused, match=r"says it is version 24\.11\.0"):
        identify(lying)
    exe = make_standalone(tmp_path, "micromamba", "2.3.0", "linux-aarch64", header=True)
    meta = next((exe.parents[1] / "conda-meta").glob("*.json"))
    meta.write_text(meta.read_text().replace("linux-aarch64", "linux-ppc64le"))
    with pytest.raises(StandaloneRefused, match="executable is for linux-aarch64"):
        identify(exe)


def test_a_post_release_package_matches_the_conda_version_it_reports(tmp_path):
    exe = make_standalone(
        tmp_path,
        "conda-standalone",
        "25.7.0.post1",
        "linux-64",
        runs_as=("conda-standalone", "25.7.0"),
    )
    found = identify(exe)
    assert found.version == "25.7.0.post1"
    check(
        found,
        Platform.linux_64,
        CondaExe(kind="conda-standalone", version="25.7.0.post1"),
        native=True,
    )


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(StandaloneRefused, match="no such file"):
        identify(Path(tmp_path / "nope"))
