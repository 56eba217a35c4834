"""The command line: help, JSON output, config, new, stamp, schema, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MINIMAL, PROFILES, REPO


@pytest.fixture(autouse=True)
def _config_file(isolated_user_dirs: Path) -> None:
    """$INSTALLER_FACTORY_CONFIG must name a file that exists (a missing one is exit 2)."""
    (isolated_user_dirs / "config.yaml").touch()


def test_help_teaches_every_command(cli):
    result = cli("--help")
    assert result.code == 0
    for command in ("validate", "render", "schema", "new", "config", "stamp"):
        assert command in result.out
    assert "exit status: 0 ok, 1 invalid input" in result.out


def test_python_dash_m_works_and_usage_errors_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "factory", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0 and "installer-factory" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "factory", "render"], capture_output=True, text=True, cwd=REPO
    )
    assert bad.returncode == 2 and "PROFILE" in bad.stderr


def test_validate_json(cli):
    result = cli("validate", "--json", PROFILES / "acme-datasci-prod.yaml")
    assert result.code == 0
    data = json.loads(result.out)
    [profile] = data["profiles"]
    assert data["ok"] is True
    assert profile["name"] == "Acme-DataScience" and profile["version"] == "202611"
    assert profile["extends"] == [str(PROFILES / "acme-base.yaml")]


def test_render_json_and_platform_filter(cli, tmp_path: Path):
    result = cli(
        "render", "--json", PROFILES / "minimal.yaml", "--platform", "win-64", "-o", tmp_path
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [(p["profile"], p["platform"]) for p in data["projects"]] == [("Minimal", "win-64")]
    assert sorted(p.name for p in (tmp_path / "Minimal").iterdir()) == ["win-64"]


def test_render_refuses_a_platform_the_profile_does_not_target(cli, write, tmp_path: Path):
    profile = write("p.yaml", MINIMAL)
    result = cli("render", profile, "--platform", "osx-arm64", "-o", tmp_path / "out")
    assert result.code == 1
    assert "osx-arm64 was asked for, but this profile targets linux-64, win-64" in result.err
    assert not (tmp_path / "out").exists()


def test_warnings_fail_only_under_strict(cli, write):
    profile = write("p.yaml", MINIMAL.replace("- conda-forge", "- https://internal/conda"))
    relaxed = cli("validate", profile)
    assert relaxed.code == 0 and "warning: https://internal/conda has no channels_remap" in (
        relaxed.err
    )
    assert cli("validate", "--strict", profile).code == 1


def test_config_shows_location_and_settings(
    cli, isolated_user_dirs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    result = cli("config")
    assert result.code == 0
    assert f"config file: {isolated_user_dirs / 'config.yaml'} (exists)" in result.out
    assert "profile_paths: (none)  [default]" in result.out
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    (shelf / "team.yaml").write_text(MINIMAL)
    (isolated_user_dirs / "config.yaml").write_text(f"profile_paths: [{shelf}]\noutput_dir: out\n")
    data = json.loads(cli("config", "--json").out)
    assert data["profile_paths"] == [str(shelf)]
    assert data["output_dir"] == str(isolated_user_dirs / "out")
    # profiles are then found by name, and output goes to output_dir
    monkeypatch.chdir(tmp_path)
    assert cli("render", "team").code == 0
    assert (isolated_user_dirs / "out" / "T" / "linux-64" / "construct.yaml").is_file()


def test_bad_config_is_located(cli, isolated_user_dirs: Path):
    (isolated_user_dirs / "config.yaml").write_text("profile_path: [x]\n")
    result = cli("config")
    assert result.code == 1
    assert "config.yaml:1:1: profile_path: unknown key; did you mean `profile_paths`?" in (
        result.err
    )


def test_platformdirs_location_is_used_without_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from factory.profiles.user_config import config_path

    monkeypatch.delenv("INSTALLER_FACTORY_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "installer-factory" / "config.yaml"


def test_new_scaffolds_a_valid_profile(cli, tmp_path: Path):
    result = cli(
        "new",
        "--no-input",
        "--output-dir",
        tmp_path,
        "--set",
        "profile=eng-ml",
        "--set",
        "installer_name=Eng-ML",
        "--set",
        'company=Eng "R&D" %TEMP%',
    )
    assert result.code == 0, result.err
    made = tmp_path / "eng-ml.yaml"
    assert result.out.strip() == str(made)
    assert (tmp_path / "profile.schema.json").is_file()
    checked = cli("validate", "--json", made)
    assert checked.code == 0, checked.err
    assert json.loads(checked.out)["profiles"][0]["name"] == "Eng-ML"
    from factory.profiles.load import load_profile

    assert load_profile(made).profile.company == 'Eng "R&D" %TEMP%'
    again = cli("new", "--no-input", "--output-dir", tmp_path, "--set", "profile=eng-ml")
    assert again.code == 3 and "already exists" in again.err


def test_new_can_extend_a_base(cli, tmp_path: Path):
    import shutil

    for name in ("acme-base.yaml",):
        shutil.copy(PROFILES / name, tmp_path / name)
    shutil.copytree(PROFILES / "assets", tmp_path / "assets")
    result = cli(
        "new",
        "--no-input",
        "--output-dir",
        tmp_path,
        "--set",
        "profile=team",
        "--set",
        "extends=acme-base",
        "--set",
        "python=3.12",
    )
    assert result.code == 0, result.err
    checked = cli("validate", tmp_path / "team.yaml")
    assert checked.code == 0, checked.err


def test_new_rejects_unknown_keys(cli, tmp_path: Path):
    result = cli("new", "--no-input", "--output-dir", tmp_path, "--set", "colour=blue")
    assert result.code == 1 and "unknown; known keys: profile" in result.err


def test_stamp_month_and_rebuild_keep_comments(cli, tmp_path: Path):
    profile = tmp_path / "p.yaml"
    profile.write_text(
        (PROFILES / "acme-datasci-prod.yaml")
        .read_text()
        .replace("extends: acme-base", f"extends: {PROFILES / 'acme-base.yaml'}")
    )
    assert (
        cli("stamp", profile, "--month", "2026-12")
        .out.strip()
        .endswith("release data_science_202611 -> data_science_202612")
    )
    result = cli("stamp", "--json", profile, "--rebuild")
    assert json.loads(result.out)["release"] == "data_science_202612a"
    assert cli("stamp", profile, "--rebuild").code == 0
    text = profile.read_text()
    assert "# Acme data science, production use case" in text
    assert 'month: "2026-12"' in text and 'rebuild: "b"' in text
    validated = json.loads(cli("validate", "--json", profile).out)
    assert validated["profiles"][0]["version"] == "202612b"
    bad = cli("stamp", profile, "--month", "2026-13")
    assert bad.code == 2 and "expected YYYY-MM" in bad.err


def test_schema_command_matches_the_model(cli, tmp_path: Path):
    result = cli("schema")
    schema = json.loads(result.out)
    assert schema["additionalProperties"] is False
    assert "required" not in json.dumps(schema)  # a layer may leave anything to its base
    assert cli("schema", "-o", tmp_path / "s.json").code == 0
    assert json.loads((tmp_path / "s.json").read_text()) == schema


def test_schema_catches_typos_for_editors(cli):
    import jsonschema

    schema = json.loads(cli("schema").out)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors({"packages": {"specs": {"a": ["numpy"]}}}))
    assert list(validator.iter_errors({"pacakges": {}}))
    assert list(validator.iter_errors({"install": {"batchmode": True}}))


def test_new_prompts_for_each_value(tmp_path: Path):
    """Without --no-input, every template value is asked for; Enter keeps the default."""
    answers = "\n".join(["team-x", "Team-X", "", "", "", "2027-01", "", "", ""]) + "\n"
    done = subprocess.run(
        [sys.executable, "-m", "factory", "new", "--output-dir", str(tmp_path)],
        input=answers,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Installer name" in done.stdout + done.stderr
    from factory.profiles.load import load_profile

    profile = load_profile(tmp_path / "team-x.yaml").profile
    # the template's company default is empty now (no organization is assumed)
    assert (profile.name, profile.installer_version, profile.company) == ("Team-X", "202701", None)
