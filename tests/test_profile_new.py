"""`new` takes the organization's own values (asked, or --set), has no example company's
values built in, and refuses bad values before it writes anything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from factory.profiles.scaffold import template_dir


def _written(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_template_holds_no_example_organization() -> None:
    for path in template_dir().rglob("*"):
        if path.is_file():
            assert "acme" not in path.read_text(encoding="utf-8").lower(), path


def test_only_the_profile_name_is_needed_and_the_rest_follows_from_it(cli, tmp_path: Path):
    result = cli(
        "new",
        "--no-input",
        "--output-dir",
        tmp_path,
        "--set",
        "profile=eng-ml",
        "--set",
        "mirror_channel=https://conda.eng.example/main",
    )
    assert result.code == 0, result.err
    text = (tmp_path / "eng-ml.yaml").read_text(encoding="utf-8")
    assert "acme" not in text.lower() and "company" not in text
    checked = cli("validate", "--json", tmp_path / "eng-ml.yaml")
    assert checked.code == 0, checked.err
    assert checked.err == ""  # no warnings: the mirror remaps the build channel
    profile = json.loads(checked.out)["profiles"][0]
    assert profile["name"] == "eng-ml"
    assert profile["version"].startswith("20")  # this month's release


def test_without_a_profile_name_nothing_is_written(cli, tmp_path: Path):
    result = cli("new", "--no-input", "--output-dir", tmp_path / "out")
    assert result.code == 1
    assert result.err.splitlines() == [
        "installer-factory: error: new: profile: has no value; give --set profile=...; "
        "nothing written"
    ]
    assert _written(tmp_path / "out") == []


def test_an_invalid_installer_name_is_refused_before_writing(cli, tmp_path: Path):
    result = cli(
        "new",
        "--no-input",
        "--output-dir",
        tmp_path,
        "--set",
        "profile=eng",
        "--set",
        "installer_name=My Installer",
        "--set",
        "mirror_channel=http://conda.eng.example/main",
        "--set",
        "release_month=2026-13",
    )
    assert result.code == 1
    assert result.err.splitlines() == [
        "installer-factory: error: new: installer_name: must be letters, digits, `.`, `_` "
        "or `-`, starting and ending with a letter, digit or `_` (constructor's rule for "
        "installer names); release_month: must be a month as YYYY-MM; mirror_channel: must "
        "be an https:// URL with no spaces; nothing written"
    ]
    assert _written(tmp_path) == []


def test_new_asks_and_checks_the_answers(tmp_path: Path):
    answers = ["team-x", "", "Team X Ltd", "", "", "2027-01", "", "https://m.x.example/c", ""]

    def run(lines: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "factory", "new", "--output-dir", str(tmp_path)],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )

    bad = run(["team-y", "Team Y", *answers[2:]])
    assert bad.returncode == 1
    assert "new: installer_name: must be letters" in bad.stderr
    assert _written(tmp_path) == []

    done = run(answers)
    assert done.returncode == 0, done.stderr
    assert "Installer name" in done.stdout + done.stderr
    from factory.profiles.load import load_profile

    profile = load_profile(tmp_path / "team-x.yaml").profile
    assert (profile.name, profile.installer_version, profile.company) == (
        "team-x",
        "202701",
        "Team X Ltd",
    )
    assert profile.release is not None and profile.release.series == "team_x"
    assert [r.dest for r in profile.channels_remap] == ["https://m.x.example/c"]


def test_input_that_ends_early_is_refused_without_a_traceback(
    cli, tmp_path: Path, monkeypatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("eng-ml\n"))  # one answer of nine
    result = cli("new", "--output-dir", tmp_path)
    assert result.code == 1
    assert result.err.strip().endswith(
        "installer-factory: error: new: input ended before every question was answered; "
        "give the values with --no-input --set KEY=VALUE; nothing written"
    )
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []
