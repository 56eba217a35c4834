"""What the command line refuses, and how it says so: installer names that would overwrite
each other, a config file that is not there, a release that would move backwards,
`validate --strict` that fails, summaries that say why."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import MINIMAL, PROFILES

from factory.builds.job import BuildResult
from factory.builds.run import report_builds

RELEASED = textwrap.dedent(
    """\
    # keep this comment
    name: R
    platforms: [linux-64]
    channels: [conda-forge]
    packages: {specs: {base: [python, conda]}}
    release:
      series: data_science
      month: "2026-11"
      rebuild: "a"
    """
)


@pytest.fixture(autouse=True)
def _config_file(isolated_user_dirs: Path) -> None:
    (isolated_user_dirs / "config.yaml").touch()


# --- two profiles, one installer name -------------------------------------------------


def test_render_refuses_two_profiles_with_one_installer_name(cli, write, tmp_path: Path):
    first = write("first.yaml", MINIMAL)
    second = write("second.yaml", MINIMAL.replace("name: T", "name: t"))  # case aside
    result = cli("render", first, second, "-o", tmp_path / "out")
    assert result.code == 1
    [line] = [x for x in result.err.splitlines() if "installer name" in x]
    assert line.startswith(f"{second}:1:7: name: installer name t is also the name of {first}")
    assert "overwrite each other" in line
    assert not (tmp_path / "out").exists()


def test_render_json_names_both_files(cli, write, tmp_path: Path):
    first = write("first.yaml", MINIMAL)
    second = write("second.yaml", MINIMAL)
    result = cli("render", "--json", first, second, "-o", tmp_path / "out")
    [problem] = json.loads(result.out)["problems"]
    assert problem["file"] == str(second) and str(first) in problem["message"]
    assert result.code == 1 and not (tmp_path / "out").exists()


def test_render_refuses_one_file_given_twice(cli, write, tmp_path: Path):
    profile = write("p.yaml", MINIMAL)
    result = cli("render", profile, profile, "-o", tmp_path / "out")
    assert result.code == 1 and f"name: {profile} is given twice" in result.err
    assert not (tmp_path / "out").exists()


# --- $INSTALLER_FACTORY_CONFIG ----------------------------------------------------------


@pytest.mark.parametrize("command", [["config"], ["validate", str(PROFILES / "minimal.yaml")]])
def test_a_config_variable_naming_a_missing_file_is_a_usage_error(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
):
    missing = tmp_path / "nope" / "config.yaml"
    monkeypatch.setenv("INSTALLER_FACTORY_CONFIG", str(missing))
    result = cli(*command)
    assert result.code == 2 and result.out == ""
    assert f"$INSTALLER_FACTORY_CONFIG names {missing}, which does not exist" in result.err
    data = json.loads(cli(*command, "--json").out)
    assert data["ok"] is False and "which does not exist" in data["error"]


def test_a_config_variable_naming_a_folder_is_a_usage_error(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("INSTALLER_FACTORY_CONFIG", str(tmp_path))
    result = cli("config")
    assert result.code == 2 and "which is not a file" in result.err


# --- stamp --------------------------------------------------------------------------------


@pytest.fixture
def released(write) -> Path:
    return write("r.yaml", RELEASED)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-10"], "--month 2026-10 is before 2026-11"),
        (["--month", "2026-11"], "--month 2026-11 would drop rebuild letter 'a'"),
        (["--month", "2026-12", "--rebuild"], "give --month 2026-11, or drop --rebuild"),
    ],
    ids=["earlier-month", "same-month-after-a-rebuild", "rebuild-of-another-month"],
)
def test_stamp_never_moves_a_release_backwards(cli, released: Path, args, message):
    before = released.read_text()
    result = cli("stamp", released, *args)
    assert result.code == 2, result.err
    assert message in result.err and "data_science_202611a" in result.err
    assert released.read_text() == before


def test_stamp_default_month_before_the_files_is_refused(cli, write):
    profile = write("r.yaml", RELEASED.replace("2026-11", "2099-01"))
    before = profile.read_text()
    result = cli("stamp", profile)
    assert result.code == 2 and "the default) is before 2099-01" in result.err
    assert profile.read_text() == before


def test_stamp_rebuild_with_the_files_month_confirms_it(cli, released: Path):
    result = cli("stamp", released, "--month", "2026-11", "--rebuild", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["previous"], data["release"]) == ("data_science_202611a", "data_science_202611b")
    assert "# keep this comment" in released.read_text()


def test_stamp_rebuild_without_a_month_is_refused_without_a_traceback(cli, write):
    profile = write("r.yaml", RELEASED.replace('  month: "2026-11"\n', ""))
    result = cli("stamp", profile, "--rebuild")
    assert result.code == 1
    assert "release.month is missing or not YYYY-MM" in result.err
    assert "Traceback" not in result.err


def test_stamp_help_says_what_month_with_rebuild_means(cli):
    text = " ".join(cli("stamp", "--help").out.split())
    assert "With --rebuild, --month only confirms which month is rebuilt" in text


# --- summaries ------------------------------------------------------------------------


def test_strict_validate_that_fails_does_not_say_ok(cli, write):
    profile = write("p.yaml", MINIMAL.replace("- conda-forge", "- https://internal/conda"))
    clean = write("clean.yaml", MINIMAL.replace("name: T", "name: U"))
    result = cli("validate", "--strict", profile, clean)
    assert result.code == 1
    assert f"ok: {profile}" not in result.out
    assert f"failed: {profile} (1 warning(s), errors under --strict)" in result.out
    assert f"ok: {clean}" in result.out
    data = json.loads(cli("validate", "--strict", "--json", profile, clean).out)
    assert [p["ok"] for p in data["profiles"]] == [False, True]


def _result(status: str, reason: str = "") -> BuildResult:
    return BuildResult(
        profile="p.yaml", name="T", version="1", platform="linux-64", status=status, reason=reason
    )


def test_a_build_summary_never_shows_a_bare_dash():
    lines = report_builds(
        [_result("skipped", "osx-64 is built on macOS"), _result("failed"), _result("skipped")]
    ).lines
    assert lines == [
        "skipped  T linux-64: osx-64 is built on macOS",
        "failed   T linux-64: no reason recorded; see build.log",
        "skipped  T linux-64: not built on this host",
    ]


def test_build_says_why_a_platform_was_skipped(cli, write, tmp_path: Path):
    profile = write("p.yaml", MINIMAL)
    result = cli("build", profile, "--platform", "win-64", "-o", tmp_path / "dist")
    assert result.code == 0, result.err
    [line] = result.out.splitlines()
    assert line.startswith("skipped  T win-64: ") and not line.endswith(": -")
    assert "win-64" in line.split(": ", 1)[1]


# --- matrix plan: every problem in one pass ---------------------------------------------


def test_matrix_plan_reports_profile_problems_with_the_matrixs_own(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(
        'name: B\nversion: "1"\nchannels: 5\npackages: {specs: {base: [python]}}\n'
    )
    (tmp_path / "build-matrix.yml").write_text(
        'constructor: "3.1"\nbuilds:\n  - profile: bad.yaml\n'
    )
    result = cli("matrix", "plan")
    assert result.code == 1
    assert "build-matrix.yml:1:14: constructor: must be 3.16 or later" in result.err
    assert "bad.yaml:3:11: channels: must be a list" in result.err
    assert "build-matrix.yml:3:14: builds[0].profile: this profile is invalid" in result.err


def test_matrix_plan_says_abstract_for_an_invalid_base(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(
        "abstract: true\nchannels: 5\npackages: {specs: {base: [python]}}\n"
    )
    (tmp_path / "build-matrix.yml").write_text(
        'constructor: "3.16.3"\nbuilds:\n  - profile: base.yaml\n'
    )
    result = cli("matrix", "plan")
    assert result.code == 1
    assert "base.yaml:2:11: channels: must be a list" in result.err
    assert (
        "build-matrix.yml:3:14: builds[0].profile: is an abstract base (abstract: true), "
        "never built; list the profiles that extend it (also invalid: 1 error(s)"
    ) in result.err
