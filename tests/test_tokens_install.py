"""Installed repository tokens: the generated post-install scripts, run for real.

A token is baked (carried by the installer as the extra file construct.yaml names) or
given at deploy time (an environment variable or a file the desktop management system
provides). Either way it must end up in exactly one place: the file conda reads,
`$BINSTAR_CONFIG_DIR/data/<quote_plus(url)>.token`, owner-only, with no line break. The
scripts run in bash and dash, and in cmd.exe under wine, against a recording conda.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from scripts_support import (
    BAT_SCRIPT,
    SH_SCRIPT,
    Wine,
    read_log,
    render,
    run_sh,
    wine_path,
    yaml_text,
)

from factory.platforms import Platform

URL = "https://repo.example.test/"
# conda's own naming (conda/gateways/anaconda_client.py), worked out here independently
TOKEN_FILE = quote_plus(URL) + ".token"
BINSTAR = ("etc", "installer-factory", "binstar")
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"


def profile(root: Path, platform: Platform, install: str, **deploy: Any) -> Path:
    token: dict[str, Any] = {"url": URL, "install": install}
    if install == "bake":
        token["env"] = "BUILD_REPO_TOKEN"
    else:
        token["deploy"] = deploy
    data = {
        "name": "Tok",
        "version": "1",
        "platforms": [platform.value],
        "channels": ["conda-forge"],
        "packages": {"specs": {"base": ["python", "conda"]}},
        "tokens": {"repo": token},
    }
    root.mkdir(parents=True, exist_ok=True)
    path = root / "profile.yaml"
    path.write_text(yaml_text(data) + "\n")
    return path


class Case:
    """A rendered project, its script, and a fake prefix laid out as constructor leaves it."""

    def __init__(self, root: Path, platform: Platform, install: str, **deploy: Any):
        self.root = root
        self.platform = platform
        self.project = render(profile(root / "profile", platform, install, **deploy), platform)
        self.script_name = BAT_SCRIPT if platform.os.value == "win" else SH_SCRIPT
        self.script = root / self.script_name
        self.script.write_bytes(self.project.files[self.script_name])
        self.prefix = root / "prefix"
        self.prefix.mkdir()
        self.cwd = root / "cwd"
        self.cwd.mkdir()
        self.log = root / "calls.log"

    def stage_baked(self, value: str) -> Path:
        """Put the token where construct.yaml's extra_files say constructor puts it."""
        construct = YAML(typ="safe").load(self.project.files["construct.yaml"])
        entries = [e for e in construct["extra_files"] if "tokens/repo.token" in e]
        assert len(entries) == 1, construct["extra_files"]
        target = self.prefix / entries[0]["tokens/repo.token"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(value.encode())
        return target

    @property
    def token_file(self) -> Path:
        return self.prefix.joinpath(*BINSTAR, "data", TOKEN_FILE)

    def files_holding(self, value: str) -> list[str]:
        """Every file under the test's root, except the script itself, that holds the value."""
        needle = value.encode()
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p.is_file() and p != self.script and needle in p.read_bytes()
        )

    def binstar_call(self, sep: str, prefix: str) -> list[str]:
        return [
            "env",
            "config",
            "vars",
            "set",
            "-p",
            prefix,
            f"BINSTAR_CONFIG_DIR={prefix}{sep}" + sep.join(BINSTAR),
        ]


def unix_env(case: Case, unattended: bool = True, **extra: str) -> dict[str, str]:
    return {
        "PREFIX": str(case.prefix),
        "INSTALLER_NAME": "Tok",
        "INSTALLER_VER": "1",
        "INSTALLER_PLAT": case.platform.value,
        "INSTALLER_TYPE": "SH",
        "INSTALLER_UNATTENDED": "1" if unattended else "0",
        "RECORDER_LOG": str(case.log),
        **extra,
    }


RECORDING_CONDA = """#!/bin/sh
if [ "$#" -gt 0 ]; then printf '%s\\000' "$@"; fi | od -An -v -tx1 | tr -d ' \\n' >>"$RECORDER_LOG"
echo >>"$RECORDER_LOG"
"""


def unix_case(root: Path, install: str, **deploy: Any) -> Case:
    case = Case(root, Platform.linux_64, install, **deploy)
    conda = case.prefix / "bin" / "conda"
    conda.parent.mkdir()
    conda.write_text(RECORDING_CONDA)
    conda.chmod(0o755)
    return case


def assert_installed_unix(case: Case, value: str, result: Any) -> None:
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert case.token_file.read_bytes() == value.encode()
    assert stat.S_IMODE(case.token_file.stat().st_mode) == 0o600
    for directory in (case.token_file.parent, case.token_file.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert case.files_holding(value) == [str(case.token_file.relative_to(case.root))]
    assert value.encode() not in result.stdout + result.stderr
    assert read_log(case.log) == [case.binstar_call("/", str(case.prefix))]
    assert list(case.cwd.iterdir()) == []


# --- Linux and macOS ----------------------------------------------------------------------


def test_baked_token_reaches_only_the_file_conda_reads(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "bake")
    value = "tok-" + os.urandom(12).hex()
    staged = case.stage_baked(value)
    result = run_sh(shell, case.script, unix_env(case), case.cwd)
    assert_installed_unix(case, value, result)
    assert not staged.exists()


def test_render_never_holds_a_baked_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = "tok-" + os.urandom(12).hex()
    monkeypatch.setenv("BUILD_REPO_TOKEN", value)
    for platform in (Platform.linux_64, Platform.win_64):
        case = Case(tmp_path / platform.value, platform, "bake")
        assert "tokens/repo.token" not in case.project.files
        assert all(value.encode() not in data for data in case.project.files.values())


def test_deploy_token_from_the_environment(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "deploy", env="ACME_TOKEN")
    value = "dep_" + os.urandom(12).hex()
    result = run_sh(shell, case.script, unix_env(case, ACME_TOKEN=value), case.cwd)
    assert_installed_unix(case, value, result)


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
@pytest.mark.parametrize("remove", [True, False])
def test_deploy_token_from_a_file(shell: str, tmp_path: Path, ending: str, remove: bool) -> None:
    source = tmp_path / "mdm" / "token.txt"
    case = unix_case(tmp_path / "case", "deploy", unix_file=str(source), remove_file=remove)
    value = "file." + os.urandom(12).hex()
    source.parent.mkdir()
    source.write_bytes((value + ending).encode())
    result = run_sh(shell, case.script, unix_env(case), case.cwd)
    assert result.returncode == 0, result.stderr
    assert case.token_file.read_bytes() == value.encode()
    assert stat.S_IMODE(case.token_file.stat().st_mode) == 0o600
    assert source.exists() is not remove


def test_the_environment_wins_over_the_file(shell: str, tmp_path: Path) -> None:
    source = tmp_path / "token.txt"
    source.write_text("from-the-file-0000\n")
    case = unix_case(tmp_path / "case", "deploy", env="ACME_TOKEN", unix_file=str(source))
    value = "from-the-env-1111"
    result = run_sh(shell, case.script, unix_env(case, ACME_TOKEN=value), case.cwd)
    assert result.returncode == 0, result.stderr
    assert case.token_file.read_bytes() == value.encode()


def test_unattended_install_without_a_token_fails_clearly(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "deploy", env="ACME_TOKEN", unix_file="/nonexistent/token")
    result = run_sh(shell, case.script, unix_env(case), case.cwd)
    assert result.returncode == 1
    message = result.stderr.decode()
    assert "token repo: none given to this unattended install" in message
    assert "ACME_TOKEN" in message and "/nonexistent/token" in message
    assert not case.token_file.exists()
    assert read_log(case.log) == []


def test_attended_install_without_a_token_warns_and_goes_on(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "deploy", env="ACME_TOKEN")
    result = run_sh(shell, case.script, unix_env(case, unattended=False), case.cwd)
    assert result.returncode == 0, result.stderr
    assert b"warning: token repo not installed" in result.stdout
    assert not case.token_file.exists()
    assert read_log(case.log) == [case.binstar_call("/", str(case.prefix))]


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(_TEXT, st.text(st.sampled_from(URL_SAFE), min_size=1)))
def test_any_deploy_token_is_installed_exactly_or_refused(value: str) -> None:
    value = "Tk9q" + value  # distinctive, so "not in the output" means something
    bash = shutil.which("bash")
    assert bash is not None
    with tempfile.TemporaryDirectory() as tmp:
        case = unix_case(Path(tmp), "deploy", env="ACME_TOKEN")
        result = run_sh(bash, case.script, unix_env(case, ACME_TOKEN=value), case.cwd)
        if all(ch in URL_SAFE for ch in value):
            assert result.returncode == 0, result.stderr
            assert case.token_file.read_bytes() == value.encode()
        else:
            assert result.returncode == 1
            assert b"refused: a token holds only letters, digits and . _ ~ -" in result.stderr
            assert not case.token_file.exists()
        assert value.encode() not in result.stdout + result.stderr
        assert list(case.cwd.iterdir()) == []


# --- Windows, in cmd.exe under wine ---------------------------------------------------------

# Characters cmd.exe treats specially, mixed into tokens. `!` and `%` are left out: wine's
# cmd expands them again inside an already expanded value, which real cmd.exe never does.
CMD_SPECIALS = '&|<>()^" ;,='


def windows_case(root: Path, recorder: Path, install: str, **deploy: Any) -> Case:
    case = Case(root, Platform.win_64, install, **deploy)
    (case.prefix / "Scripts").mkdir()
    shutil.copy2(recorder, case.prefix / "Scripts" / "conda.exe")
    # icacls is wine's no-op stub, so a recording icacls.exe first on PATH shows the call
    tools = root / "tools"
    tools.mkdir()
    shutil.copy2(recorder, tools / "icacls.exe")
    return case


def run_bat(wine: Wine, case: Case, unattended: bool = True, **extra: str) -> Any:
    env = {
        "PREFIX": wine_path(case.prefix),
        "INSTALLER_NAME": "Tok",
        "INSTALLER_VER": "1",
        "INSTALLER_PLAT": "win-64",
        "INSTALLER_TYPE": "EXE",
        "INSTALLER_UNATTENDED": "1" if unattended else "0",
        "RECORDER_LOG": wine_path(case.log),
        "WINEPATH": wine_path(case.root / "tools"),
        **extra,
    }
    return wine.run_bat(case.script, env, case.cwd)


def icacls_call(case: Case) -> list[str]:
    target = wine_path(case.token_file)
    return [
        target,
        "/inheritance:r",
        "/grant:r",
        "*S-1-5-18:(F)",
        "*S-1-5-32-544:(F)",
        "*S-1-3-4:(F)",
    ]


def assert_installed_windows(case: Case, value: str, result: Any) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert case.token_file.read_bytes() == value.encode()
    assert case.files_holding(value) == [str(case.token_file.relative_to(case.root))]
    assert value.encode() not in result.stdout + result.stderr
    prefix = wine_path(case.prefix)
    assert read_log(case.log) == [icacls_call(case), case.binstar_call("\\", prefix)]
    assert list(case.cwd.iterdir()) == []


@pytest.mark.wine
def test_windows_baked_token_is_moved_into_place(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    case = windows_case(tmp_path, recorder, "bake")
    value = "tok-" + os.urandom(12).hex()
    staged = case.stage_baked(value)
    result = run_bat(wine, case)
    assert_installed_windows(case, value, result)
    assert not staged.exists()


@pytest.mark.wine
def test_windows_deploy_token_from_the_environment(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    case = windows_case(tmp_path, recorder, "deploy", env="ACME_TOKEN")
    value = 'tok&echo pwned>x"(a)^b|c<d;e,f=g h'
    result = run_bat(wine, case, ACME_TOKEN=value)
    assert_installed_windows(case, value, result)


@pytest.mark.wine
@pytest.mark.parametrize("remove", [True, False])
def test_windows_deploy_token_from_a_file(
    wine: Wine, recorder: Path, tmp_path: Path, remove: bool
) -> None:
    source = tmp_path / "mdm" / "token.txt"
    source.parent.mkdir()
    case = windows_case(
        tmp_path / "case", recorder, "deploy", win_file=wine_path(source), remove_file=remove
    )
    value = "file." + os.urandom(12).hex()
    # with its line break: wine's `set /p` drops the last character of a file without one
    source.write_bytes((value + "\r\n").encode())
    result = run_bat(wine, case)
    assert result.returncode == 0, result.stdout + result.stderr
    assert case.token_file.read_bytes() == value.encode()
    assert source.exists() is not remove


@pytest.mark.wine
def test_windows_unattended_install_without_a_token_fails(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    case = windows_case(tmp_path, recorder, "deploy", env="ACME_TOKEN")
    result = run_bat(wine, case)
    assert result.returncode == 1
    assert b"token repo: none given to this unattended install" in result.stderr
    assert not case.token_file.exists()
    assert read_log(case.log) == []

    attended = run_bat(wine, case, unattended=False)
    assert attended.returncode == 0, attended.stderr
    assert b"warning: token repo not installed" in attended.stdout
    assert not case.token_file.exists()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tokens-hypothesis")


@pytest.mark.wine
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(st.sampled_from(URL_SAFE + CMD_SPECIALS), min_size=1, max_size=60))
def test_windows_token_values_are_written_literally(
    value: str, wine: Wine, recorder: Path, scratch: Path
) -> None:
    # distinctive, so "not in the output" means something; and set /p drops leading blanks
    # of its prompt, which no token starts with
    value = "Tk9q" + value
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        case = windows_case(Path(tmp), recorder, "deploy", env="ACME_TOKEN")
        result = run_bat(wine, case, ACME_TOKEN=value)
        assert_installed_windows(case, value, result)


def test_a_trailing_line_break_makes_a_token_uninstallable() -> None:
    from factory.profile.tokens import installable

    assert installable("abcdefgh12") and not installable("abcdefgh12\n")
