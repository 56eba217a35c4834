"""--quiet and --verbose on every command, progress for `build`, and the progress display:
one line rewritten in place on a terminal, one line per step elsewhere."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO

from factory.builds.host import host_platform
from factory.cli.output import Console
from factory.leaks.redact import Redactor

STANDINS = REPO / "tests" / "standins"
BUILT = host_platform()


@pytest.fixture(autouse=True)
def _config_file(isolated_user_dirs: Path) -> None:
    (isolated_user_dirs / "config.yaml").touch()


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_hides_informational_lines_before_or_after_the_command(cli, tmp_path, where):
    command = ["matrix", "ci", "github", "--matrix", str(REPO / "build-matrix.yml")]
    loud = cli(*command, "--output", tmp_path / "loud.yml")
    assert loud.code == 0 and "wrote " in loud.err
    quiet_file = tmp_path / "quiet.yml"
    args = ["-q", *command] if where == "before" else [*command, "--quiet"]
    quiet = cli(*args, "--output", quiet_file)
    assert quiet.code == 0, quiet.err
    assert quiet.err == "" and quiet_file.read_text() == (tmp_path / "loud.yml").read_text()


def test_quiet_hides_render_progress_but_keeps_the_json_result(cli, write, tmp_path: Path):
    profile = write("p.yaml", MINIMAL)
    loud = cli("render", profile, "-o", tmp_path / "a")
    assert "[1/2] rendered T for linux-64" in loud.err
    quiet = cli("render", profile, "-o", tmp_path / "b", "--quiet", "--json")
    assert quiet.code == 0 and quiet.err == ""
    assert json.loads(quiet.out)["ok"] is True


def test_quiet_never_hides_errors(cli, write, tmp_path: Path):
    profile = write("p.yaml", MINIMAL)
    result = cli("--quiet", "render", profile, "--platform", "osx-arm64", "-o", tmp_path)
    assert result.code == 1 and "osx-arm64 was asked for" in result.err


def test_quiet_and_verbose_exclude_each_other(cli):
    result = cli("-q", "config", "-v")
    assert result.code == 2 and "--quiet and --verbose exclude each other" in result.err


def test_matrix_actions_take_them_too(cli):
    result = cli("matrix", "plan", "--matrix", REPO / "build-matrix.yml", "-q")
    assert result.code == 0 and result.err == "" and "PROFILE" in result.out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_rewritten(monkeypatch: pytest.MonkeyPatch):
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    redactor = Redactor()
    redactor.add(["s3cr3t-value"])
    out = Console(redactor)
    out.progress("fetching conda-forge/linux-64")
    out.progress("fetching conda-forge/noarch with s3cr3t-value")
    assert "\n" not in screen.getvalue()
    assert screen.getvalue().endswith("\rfetching conda-forge/noarch with ***\x1b[K")
    out.emit("a warning", err=True)  # clears the progress line first
    assert screen.getvalue().endswith("\r\x1b[Ka warning\n")


def test_progress_elsewhere_is_one_line_per_step(monkeypatch: pytest.MonkeyPatch):
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    out = Console(Redactor())
    out.progress("one")
    out.progress("two")
    out.detail("hidden without --verbose")
    assert log.getvalue() == "one\ntwo\n"
    Console(Redactor(), verbose=True).detail("shown with --verbose")
    Console(Redactor(), quiet=True).progress("never")
    assert log.getvalue() == "one\ntwo\nshown with --verbose\n"


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if BUILT is None or BUILT.os.value != "linux":
        pytest.skip("the stand-in builds .sh installers: a Linux host is needed")
    monkeypatch.setenv("PATH", f"{STANDINS}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.chdir(tmp_path)


def test_build_shows_each_step_and_constructor_output_only_when_verbose(
    cli, write, standin, tmp_path: Path
):
    assert BUILT is not None
    profile = write("p.yaml", MINIMAL.replace("linux-64", BUILT.value))
    result = cli("build", profile, "-o", "dist")
    assert result.code == 0, result.err
    label = f"[1/2] T {BUILT.value}"
    assert f"{label}: rendering the project" in result.err
    assert f"{label}: constructor 3.16.3 started" in result.err
    assert f"{label}: constructor finished in " in result.err
    assert "[2/2] T win-64: skipped: " in result.err
    assert "  | constructor stand-in: done" not in result.err
    verbose = cli("build", profile, "-o", "dist2", "--verbose")
    assert verbose.code == 0, verbose.err
    assert "  | constructor stand-in: done" in verbose.err
    quiet = cli("build", profile, "-o", "dist3", "-q")
    assert quiet.code == 0 and quiet.err == ""
    assert quiet.out.startswith(f"ok       T {BUILT.value}: T-installer.sh")
