"""Install options given per OS: `install.check_path_spaces` as one bool (every OS) or as
{linux, osx, win}, resolved per platform for construct.yaml, and the Windows default
prefixes checked against what the installer refuses (rows in test_bad_profiles.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINIMAL
from constructor_reader import build_time_errors, parse

from factory.platforms import OS, Platform
from factory.profiles.load import load_profile
from factory.profiles.model import Install
from factory.render.project import render_project

# one profile for C:\Program Files on Windows and /opt elsewhere: no longer two profiles
PER_OS = MINIMAL.lstrip("\n") + (
    "install:\n"
    "  check_path_spaces: {win: false}\n"
    "  default_prefix:\n"
    "    win: '%ProgramFiles%\\Acme DS'\n"
    "    linux: /opt/acme/ds\n"
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (True, {OS.linux: True, OS.osx: True, OS.win: True}),
        (False, {OS.linux: False, OS.osx: False, OS.win: False}),
        ({"win": False}, {OS.linux: True, OS.osx: True, OS.win: False}),
        ({"linux": False, "osx": False}, {OS.linux: False, OS.osx: False, OS.win: True}),
    ],
)
def test_check_path_spaces_resolves_per_os(given: object, expected: dict[OS, bool]) -> None:
    install = Install.model_validate({"check_path_spaces": given})
    assert {os_: install.checks_path_spaces(os_) for os_ in OS} == expected


def test_per_os_form_renders_each_platform_its_own_bool(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PER_OS, encoding="utf-8")
    loaded = load_profile(tmp_path / "p.yaml")
    assert loaded.warnings == []
    for platform, wanted in ((Platform.linux_64, True), (Platform.win_64, False)):
        project = render_project(loaded, platform)
        data = parse(project.files["construct.yaml"].decode("utf-8"))
        assert data["check_path_spaces"] is wanted
        assert build_time_errors(data, platform.value, None) == []
    win = parse(render_project(loaded, Platform.win_64).files["construct.yaml"].decode())
    assert win["default_prefix"] == "%ProgramFiles%\\Acme DS"


def test_plain_bool_still_renders_as_before(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        MINIMAL.lstrip("\n") + "install: {check_path_spaces: true}\n", encoding="utf-8"
    )
    loaded = load_profile(tmp_path / "p.yaml")
    for platform in (Platform.linux_64, Platform.win_64):
        data = parse(render_project(loaded, platform).files["construct.yaml"].decode())
        assert data["check_path_spaces"] is True


def test_a_space_in_the_windows_prefix_is_refused_only_where_spaces_are_checked(
    cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("ok.yaml", PER_OS)
    write("bad.yaml", PER_OS.replace("{win: false}", "{linux: true}"))
    assert cli("validate", "ok.yaml").code == 0
    result = cli("validate", "bad.yaml")
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        "bad.yaml:14:10: install.default_prefix.win: contains a space (from %ProgramFiles% = "
        "C:\\Program Files), which the Windows installer refuses while "
        "install.check_path_spaces is true for win; choose a folder without spaces, or set "
        "install.check_path_spaces: {win: false}"
    )
