"""`init` refuses before it writes: existing files (all named, unless --force), bad answers
(all at once), a missing organization, unknown keys and engines, a file where a folder
goes; nothing is left behind."""

from __future__ import annotations

import io
import json

from conftest import read_tree, write_tree
from test_init import ANSWERS, BASE_FILES, _init

from factory.ci.engines import TARGET_FILES
from factory.version import __version__


def test_existing_files_are_refused_all_named_and_nothing_written(cli, tmp_path):
    repo = write_tree(tmp_path / "r", {"README.md": "ours\n", "build-matrix.yml": "x: 1\n"})
    before = read_tree(repo)
    refused = _init(cli, repo)
    assert refused.code == 3
    assert refused.err.splitlines() == [
        "installer-factory: error: init: 2 file(s) exist in "
        f"{repo}: README.md, build-matrix.yml; nothing written (--force replaces them)"
    ]
    assert read_tree(repo) == before


def test_force_replaces_only_the_scaffolds_files(cli, tmp_path):
    repo = write_tree(tmp_path / "r", {"README.md": "ours\n", "notes.txt": "kept\n"})
    made = _init(cli, repo, "--force", "--json")
    assert made.code == 0, made.err
    document = json.loads(made.out)
    assert document["ok"] is True
    assert document["replaced"] == ["README.md"]
    assert document["files"] == sorted([*BASE_FILES, TARGET_FILES["github"]])
    assert document["profile"] == "profiles/acme-python.yaml"
    assert document["factory_version"] == __version__
    assert (repo / "notes.txt").read_text() == "kept\n"
    assert (repo / "README.md").read_text() != "ours\n"


def test_bad_answers_are_refused_together_before_anything_is_written(cli, tmp_path):
    repo = tmp_path / "r"
    refused = cli(
        "init",
        repo,
        "--no-input",
        "--set",
        "organization=acme",
        "--set",
        "installer_name=My Installer",
        "--set",
        "build_channel=http://repo.example/main",
        "--set",
        "constructor=3.15",
        "--set",
        "release_month=2026-13",
    )
    assert refused.code == 1
    assert refused.err.splitlines() == [
        "installer-factory: error: init: installer_name: must be letters, digits, `.`, `_` "
        "or `-`, starting and ending with a letter, digit or `_` (constructor's rule for "
        "installer names); release_month: must be a month as YYYY-MM; build_channel: must "
        "be an https:// URL with no spaces; constructor: must be 3.16 or later "
        "(installer-factory relies on constructor 3.16); nothing written"
    ]
    assert not repo.exists()


def test_without_an_organization_nothing_is_written(cli, tmp_path):
    refused = cli("init", tmp_path / "r", "--no-input", "--json")
    assert refused.code == 1
    document = json.loads(refused.out)
    assert document["ok"] is False
    assert "organization: has no value; give --set organization=..." in document["error"]
    assert not (tmp_path / "r").exists()


def test_the_profile_may_not_take_the_bases_name(cli, tmp_path):
    refused = _init(cli, tmp_path / "r", "--set", "profile=acme-base")
    assert refused.code == 1
    assert "profile: acme-base is the organization base's file name" in refused.err
    assert not (tmp_path / "r").exists()


def test_an_unknown_key_and_an_unknown_engine_are_refused(cli, tmp_path):
    unknown = _init(cli, tmp_path / "r", "--set", "colour=blue")
    assert unknown.code == 1
    assert "--set colour: unknown; known keys: organization, company" in unknown.err
    engine = cli("init", tmp_path / "r", "--ci", "jenkins", "--no-input", *ANSWERS, "--json")
    assert engine.code == 2
    assert json.loads(engine.out)["ok"] is False
    assert not (tmp_path / "r").exists()


def test_a_file_where_a_folder_goes_leaves_nothing_behind(cli, tmp_path):
    repo = write_tree(tmp_path / "r", {"profiles": "a file, not a folder\n"})
    before = read_tree(repo)
    refused = _init(cli, repo)
    assert refused.code == 3
    assert "nothing written" in refused.err
    assert read_tree(repo) == before  # no .github/, no temporary files


def test_dir_that_is_a_file_is_refused(cli, tmp_path):
    (tmp_path / "r").write_text("x")
    refused = _init(cli, tmp_path / "r")
    assert refused.code == 3
    assert "exists and is not a folder" in refused.err


def test_input_that_ends_before_the_questions_do_is_refused(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("acme\n"))  # one answer of ten
    refused = cli("init", tmp_path / "r")
    assert refused.code == 1
    assert refused.err.splitlines()[-1] == (
        "installer-factory: error: init: input ended before every question was answered; "
        "give the values with --no-input --set KEY=VALUE; nothing written"
    )
    assert not (tmp_path / "r").exists()
