"""`--json` means one JSON document on stdout on every path: results, usage errors (exit 2)
and YAML that does not parse (structured problems with file, line and column)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from factory.cli.main import _parser
from factory.leaks.redact import Redactor

# (command words, the arguments that make it reach its input) for every command with --json
COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", "{profile}"],
    "render": ["render", "{profile}", "-o", "{tmp}/out"],
    "scan": ["scan", "{tmp}", "--profile", "{profile}"],
    "new": ["new", "--no-input", "--output-dir", "{tmp}/new"],
    "init": ["init", "{tmp}/repo", "--no-input"],
    "config": ["config"],
    "build": ["build", "{profile}", "-o", "{tmp}/dist"],
    "deploy-kit": ["deploy-kit", "{tmp}"],
    "stamp": ["stamp", "{profile}"],
    "show": ["show", "{profile}"],
    "lock": ["lock", "{profile}"],
    "doctor": ["doctor", "{profile}"],
    "sbom": ["sbom", "{profile}", "-o", "{tmp}/sbom"],
    "matrix plan": ["matrix", "plan", "--matrix", "{matrix}"],
    "matrix run": ["matrix", "run", "--matrix", "{matrix}"],
    "rehash": ["rehash", "{tmp}"],
    "page": ["page", "{tmp}"],
    "diff": ["diff", "{tmp}/old.lock.yaml", "{tmp}/new.lock.yaml"],
}

# the commands that read a profile, a matrix or the config file as YAML
READS_YAML = [
    "validate",
    "render",
    "scan",
    "config",
    "build",
    "stamp",
    "show",
    "lock",
    "doctor",
    "sbom",
    "matrix plan",
    "matrix run",
]

BROKEN = "name: T\nplatforms: [linux-64\n"  # the list never closes


@pytest.fixture(autouse=True)
def _config_file(isolated_user_dirs: Path) -> None:
    (isolated_user_dirs / "config.yaml").touch()


def _json_commands() -> set[str]:
    """Every command whose parser has --json, found in the parser itself."""
    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, [*words, name])
            elif "--json" in action.option_strings:
                found.add(" ".join(words))

    walk(_parser(Redactor()), [])
    return found


def _args(name: str, tmp_path: Path, profile: Path, matrix: Path) -> list[str]:
    values = {"profile": str(profile), "tmp": str(tmp_path), "matrix": str(matrix)}
    return [word.format(**values) for word in COMMANDS[name]]


# every command whose parser has --json: one missing from COMMANDS fails in _args
@pytest.mark.parametrize("name", sorted(_json_commands()))
def test_a_usage_error_is_a_json_error_object(cli, tmp_path: Path, name: str):
    args = _args(name, tmp_path, tmp_path / "p.yaml", tmp_path / "m.yml")
    result = cli(*args, "--json", "--no-such-option")
    assert result.code == 2
    data = json.loads(result.out)
    assert data["ok"] is False
    assert "--no-such-option" in data["error"]
    assert "usage:" in result.err  # the usual usage text stays on stderr


def test_a_bad_option_value_is_a_json_error_object_too(cli):
    result = cli("stamp", "p.yaml", "--month", "2026-13", "--json")
    assert result.code == 2
    assert "expected YYYY-MM" in json.loads(result.out)["error"]


@pytest.mark.parametrize("name", READS_YAML)
def test_yaml_that_does_not_parse_is_a_structured_problem(
    cli, tmp_path: Path, isolated_user_dirs: Path, monkeypatch: pytest.MonkeyPatch, name: str
):
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    profile, matrix = broken, tmp_path / "m.yml"
    if name == "config":
        (isolated_user_dirs / "config.yaml").write_text(BROKEN)
        broken = isolated_user_dirs / "config.yaml"
    elif name.startswith("matrix"):
        matrix.write_text('constructor: "3.16.3"\nbuilds: [\n')
        broken = matrix
    result = cli(*_args(name, tmp_path, profile, matrix), "--json")
    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert data["ok"] is False
    [problem] = data["problems"]
    assert Path(problem["file"]).name == broken.name
    assert problem["line"] == 3 and problem["column"] >= 1
    assert problem["message"].startswith("invalid YAML:")
    assert problem["severity"] == "error"


def test_a_located_error_keeps_a_colon_in_the_file_name(cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a:b.yaml").write_text(BROKEN)
    data = json.loads(cli("validate", "a:b.yaml", "--json").out)
    [problem] = data["problems"]
    assert (problem["file"], problem["line"]) == ("a:b.yaml", 3)


def test_an_error_without_a_location_has_no_problems(cli, tmp_path: Path):
    data = json.loads(cli("validate", tmp_path / "missing.yaml", "--json").out)
    assert data["ok"] is False and data["problems"] == []
    assert data["error"].endswith("missing.yaml: no such file")


def test_every_unreadable_profile_is_in_the_json(cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(BROKEN)
    (tmp_path / "c.yaml").write_text("name: C\nchannels: 5\n")
    result = cli("validate", "a.yaml", "b.yaml", "c.yaml", "--json")
    assert result.code == 1
    problems = json.loads(result.out)["problems"]
    located = [(p["file"], p["line"]) for p in problems]
    assert located[-2:] == [("a.yaml", 3), ("b.yaml", 3)]  # both unreadable files
    assert ("c.yaml", 2) in located  # and the problems of the file that was read
    assert result.err.count("installer-factory: error: ") == 2
