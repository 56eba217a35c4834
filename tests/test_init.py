"""`init DIR` scaffolds an organization's profiles repository that works as it is: its
profiles validate, its matrix plans, the pipeline it holds is byte for byte what
`matrix ci` writes there and passes each engine's checks (schemas, actionlint,
shellcheck) installing the pinned installer-factory. What it refuses:
test_init_refusals.py; pre-commit's own run of the hooks: test_precommit_hooks.py."""

from __future__ import annotations

import glob
import io
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, read_tree
from ruamel.yaml import YAML
from test_pipelines import SHELLCHECK, _bash_scripts, actionlint, check_jsonschema

from factory.ci.engines import ENGINES, TARGET_FILES
from factory.profiles.schema import schema_text
from factory.scaffolds.org_repo import HOOKS_REPOSITORY, template_dir
from factory.version import __version__

ANSWERS = ("--set", "organization=acme", "--set", "release_month=2026-11")
BASE_FILES = [
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "build-matrix.yml",
    "profiles/acme-base.yaml",
    "profiles/acme-python.yaml",
    "profiles/profile.schema.json",
]


def _init(cli, folder: Path, *extra: str | Path, engine: str = "github"):
    return cli("init", folder, "--ci", engine, "--no-input", *ANSWERS, *extra)


def _in(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)  # matrix commands read ./build-matrix.yml, as in CI


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scaffolded_repository_validates_plans_and_holds_its_pipeline(
    engine, cli, tmp_path, monkeypatch
):
    repo = tmp_path / "acme-installers"
    made = _init(cli, repo, engine=engine)
    assert made.code == 0, made.err
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()) == sorted(
        [*BASE_FILES, TARGET_FILES[engine]]
    )
    _in(repo, monkeypatch)
    checked = cli(
        "validate", "--strict", "--json", "profiles/acme-base.yaml", "profiles/acme-python.yaml"
    )
    assert checked.code == 0, checked.err
    assert checked.err == ""  # not even a warning
    profiles = json.loads(checked.out)["profiles"]
    assert [p["abstract"] for p in profiles] == [True, False]
    planned = cli("matrix", "plan", "--json")
    assert planned.code == 0, planned.err
    jobs = json.loads(planned.out)["jobs"]
    assert {(j["platform"], j["installer_type"]) for j in jobs} == {
        ("linux-64", "sh"),
        ("osx-arm64", "pkg"),
        ("win-64", "exe"),
    }
    generated = cli("matrix", "ci", engine)
    assert generated.code == 0, generated.err
    assert generated.out == (repo / TARGET_FILES[engine]).read_text(encoding="utf-8")


def _env(config: Path) -> dict[str, str]:
    config.touch()  # empty: the defaults
    return {**os.environ, "INSTALLER_FACTORY_CONFIG": str(config)}


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scaffolded repository (GitHub), made through the installed command."""
    import sys

    repo = tmp_path_factory.mktemp("scaffold") / "org"
    command = Path(sys.executable).with_name("installer-factory")
    subprocess.run(
        [str(command), "init", str(repo), "--no-input", *ANSWERS],
        check=True,
        capture_output=True,
        env=_env(repo.parent / "config.yaml"),
    )
    return repo


@pytest.fixture(scope="module")
def scaffold_pipelines(scaffold: Path) -> dict[str, str]:
    """`matrix ci` for every engine, run in the scaffolded repository."""
    import sys

    command = Path(sys.executable).with_name("installer-factory")
    return {
        engine: subprocess.run(
            [str(command), "matrix", "ci", engine],
            check=True,
            capture_output=True,
            text=True,
            cwd=scaffold,
            env=_env(scaffold.parent / "config.yaml"),
        ).stdout
        for engine in ENGINES
    }


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_the_scaffolds_pipelines_pass_their_engines_schema(engine, scaffold_pipelines, tmp_path):
    file = tmp_path / f"{engine}.yml"
    file.write_text(scaffold_pipelines[engine], encoding="utf-8")
    result = check_jsonschema(engine, file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scaffolds_github_workflow_passes_actionlint(scaffold_pipelines, tmp_path):
    file = tmp_path / "installers.yml"
    file.write_text(scaffold_pipelines["github"], encoding="utf-8")
    result = actionlint(file)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_the_scaffolds_bash_steps_pass_shellcheck(engine, scaffold_pipelines, tmp_path):
    files = []
    for number, script in enumerate(_bash_scripts(engine, scaffold_pipelines[engine])):
        file = tmp_path / f"step{number}.sh"
        file.write_text(script, encoding="utf-8")
        files.append(str(file))
    assert files
    checked = subprocess.run(
        [SHELLCHECK, "-s", "bash", "-S", "style", *files], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("engine", ENGINES)
def test_the_scaffolds_jobs_install_the_pinned_installer_factory(engine, scaffold_pipelines):
    text = scaffold_pipelines[engine]
    assert f"installer-factory=={__version__}" in text
    # never the checkout itself: the organization's repository holds no installer-factory
    assert re.search(r"pip install\b[^\n]*\s\.\s*$", text, re.M) is None


def test_the_matrix_and_the_hooks_pin_the_version_that_ran_init(scaffold: Path):
    yaml = YAML(typ="safe")
    matrix = yaml.load((scaffold / "build-matrix.yml").read_text(encoding="utf-8"))
    assert matrix["factory"] == {"version": __version__}
    hooks = yaml.load((scaffold / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [repo] = hooks["repos"]
    assert repo["repo"] == HOOKS_REPOSITORY
    assert repo["rev"] == f"v{__version__}"
    published = yaml.load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in published]
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'\nSource = "{HOOKS_REPOSITORY}"\n' in pyproject
    assert f'\nversion = "{__version__}"\n' in pyproject


def test_the_schema_beside_the_profiles_is_the_schema_command_s(scaffold: Path):
    assert (scaffold / "profiles" / "profile.schema.json").read_text() == schema_text()
    for name in ("acme-base.yaml", "acme-python.yaml"):
        first = (scaffold / "profiles" / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=profile.schema.json"


def test_the_gitignore_keeps_outputs_out(scaffold: Path):
    lines = (scaffold / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/build/", "/dist/"} <= set(lines)
    matrix = YAML(typ="safe").load((scaffold / "build-matrix.yml").read_text(encoding="utf-8"))
    assert f"/{matrix['output']}/" in lines


def test_the_published_hooks_select_profiles_but_not_locks():
    hooks = {
        h["id"]: h for h in YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    }
    validate, matrix = hooks["installer-factory-validate"], hooks["installer-factory-matrix"]

    def selected(hook: dict, path: str) -> bool:  # pre-commit's reading: re.search
        return bool(re.search(hook["files"], path)) and not (
            "exclude" in hook and re.search(hook["exclude"], path)
        )

    assert selected(validate, "profiles/acme-python.yaml")
    assert selected(validate, "profiles/teams/eng.yml")
    assert not selected(validate, "profiles/acme-python.lock.yaml")
    assert not selected(validate, "profiles/profile.schema.json")
    assert not selected(validate, "build-matrix.yml")
    assert selected(matrix, "build-matrix.yml")
    assert selected(matrix, "profiles/acme-python.lock.yaml")
    assert not selected(matrix, "README.md")
    assert matrix["pass_filenames"] is False
    assert {h["language"] for h in hooks.values()} == {"python"}


def test_the_same_answers_give_the_same_bytes(cli, tmp_path):
    assert _init(cli, tmp_path / "a").code == 0
    assert _init(cli, tmp_path / "b").code == 0
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")


def test_the_template_holds_no_example_organization():
    for path in template_dir().rglob("*"):
        if path.is_file():
            assert "acme" not in path.read_text(encoding="utf-8").lower(), path


def test_answers_reach_the_profiles(cli, tmp_path):
    repo = tmp_path / "r"
    made = cli(
        "init",
        repo,
        "--no-input",
        *ANSWERS,
        "--set",
        "company=Acme Corp",
        "--set",
        "profile=eng-ml",
        "--set",
        "installer_name=Eng-ML",
        "--set",
        "mirror_channel=https://conda.acme.example/main",
    )
    assert made.code == 0, made.err
    shown = cli("validate", "--json", repo / "profiles" / "eng-ml.yaml")
    assert shown.code == 0, shown.err
    assert shown.err == ""
    [profile] = json.loads(shown.out)["profiles"]
    assert profile["name"] == "Eng-ML"
    base = (repo / "profiles" / "acme-base.yaml").read_text(encoding="utf-8")
    assert 'company: "Acme Corp"' in base
    assert 'dest: "https://conda.acme.example/main"' in base
    matrix = YAML(typ="safe").load((repo / "build-matrix.yml").read_text(encoding="utf-8"))
    assert matrix["builds"] == [{"profile": "profiles/eng-ml.yaml"}]


def test_the_readme_opening_workflow_runs_as_written(cli, tmp_path, monkeypatch):
    """The organization-repository commands after the README's two newcomer commands:
    each installer-factory command runs (lock aside: it solves against the channel)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text[: text.index("\n---\n")], re.S)
    assert len(blocks) == 3  # the two newcomer commands stay first
    commands = [shlex.split(line, comments=True) for line in blocks[2].splitlines()]
    monkeypatch.chdir(tmp_path)
    ran = []
    for words in commands:
        if words[:1] == ["cd"]:
            monkeypatch.chdir(tmp_path / words[1])
        elif words[:1] == ["$EDITOR"]:
            assert Path(words[1]).is_file()
        elif words[:1] == ["pre-commit"]:
            assert Path(".pre-commit-config.yaml").is_file()
        elif words[:1] == ["installer-factory"] and words[1] != "lock":
            args = [a for w in words[1:] for a in (sorted(glob.glob(w)) if "*" in w else [w])]
            if args[0] == "init":
                args += ["--no-input", "--set", "release_month=2026-11"]
            done = cli(*args)
            assert done.code == 0, (words, done.err)
            ran.append(args[0] if args[0] != "matrix" else f"matrix {args[1]}")
    assert ran == ["init", "validate", "matrix plan", "matrix ci"]
    assert "installer-factory==" in Path(".github/workflows/installers.yml").read_text()


def test_the_commented_examples_work_once_uncommented(cli, tmp_path, monkeypatch):
    """runners, signing, secrets in build-matrix.yml and tokens in the base: an admin who
    removes the `# ` gets a repository that still validates and plans."""
    repo = tmp_path / "r"
    assert _init(cli, repo).code == 0
    heads = {
        "build-matrix.yml": ("# runners:", "# signing:", "# secrets:"),
        "profiles/acme-base.yaml": ("# tokens:",),
    }
    for name, starts in heads.items():
        lines = (repo / name).read_text(encoding="utf-8").splitlines()
        opened = [line[2:] if line.startswith("#   ") or line in starts else line for line in lines]
        assert opened != lines
        (repo / name).write_text("\n".join(opened) + "\n", encoding="utf-8")
    _in(repo, monkeypatch)
    checked = cli("validate", "profiles/acme-base.yaml", "profiles/acme-python.yaml")
    assert checked.code == 0, checked.err
    planned = cli("matrix", "plan", "--json")
    assert planned.code == 0, planned.err
    signed = {j["platform"] for j in json.loads(planned.out)["jobs"] if j["signing"]}
    assert signed == {"osx-arm64", "win-64"}


def test_asked_answers_with_json_keep_the_questions_off_stdout(cli, tmp_path, monkeypatch):
    # organization, company, then every default taken, release month given
    answers = ["acme", "Acme Corp", "", "Acme-Py", "", "2026-11", "", "", "", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    made = cli("init", tmp_path / "r", "--ci", "gitlab", "--json")
    assert made.code == 0, made.err
    document = json.loads(made.out)  # the whole of stdout is the document
    assert document["ci"] == "gitlab"
    assert "Organization short name" in made.err
    profile = YAML(typ="safe").load((tmp_path / "r" / "profiles" / "acme-python.yaml").read_text())
    assert (profile["name"], profile["release"]["month"]) == ("Acme-Py", "2026-11")
    assert (tmp_path / "r" / ".gitlab-ci.yml").is_file()
