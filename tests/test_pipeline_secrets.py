"""Files and variables CI secrets provide (build-matrix.yml `secrets:`): the build job
writes each file owner-only before the build and removes it in a step that runs even when
the build fails; the steps are schema-, actionlint- and shellcheck-clean, and the bash
ones are run here for real."""

from __future__ import annotations

import os
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from test_pipelines import SHELLCHECK, _bash_scripts, actionlint, check_jsonschema

from factory.ci.engines import ENGINES
from factory.ci.matrix import load_matrix
from factory.ci.pipelines import render_pipeline

SECRET = "s3cr3t-t0ken-value-0123456789"


@pytest.fixture
def secret_matrix(tmp_path: Path) -> Path:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "odd.yaml").write_text(
        textwrap.dedent(
            """
            name: Odd
            version: "1"
            platforms: [linux-64, win-64]
            channels: [conda-forge]
            packages: {specs: {base: [python, conda]}}
            tokens:
              repo: {file: ../secrets/repo.token, url: "https://repo.example/"}
              other: {env: ODD_OTHER, url: "https://other.example/"}
            """
        ).lstrip()
    )
    matrix = tmp_path / "build-matrix.yml"
    matrix.write_text(
        'constructor: "3.16.3"\nfactory: {version: "0.9.1"}\n'
        "secrets:\n  files:\n    secrets/repo.token: ODD_REPO_TOKEN\n"
        "  env:\n    ODD_OTHER: PROD_OTHER_TOKEN\n"
        "builds:\n  - profile: profiles/odd.yaml\n"
    )
    return matrix


def _github_steps(matrix: Path, job: str) -> list[dict]:
    return YAML(typ="safe").load(render_pipeline(load_matrix(matrix), "github"))["jobs"][job][
        "steps"
    ]


def test_github_writes_before_and_removes_after_the_build_always(secret_matrix):
    for job in ("build_odd_linux_64", "build_odd_win_64"):
        steps = _github_steps(secret_matrix, job)
        names = [s.get("name") for s in steps]
        write = names.index("write secret files (owner-only)")
        build = names.index("build")
        remove = names.index("remove secret files")
        assert write < build < remove
        # the secret reaches the one step that writes it; the token variable the build only
        assert steps[write]["env"] == {"ODD_REPO_TOKEN": "${{ secrets.ODD_REPO_TOKEN }}"}
        assert steps[build]["env"]["ODD_OTHER"] == "${{ secrets.PROD_OTHER_TOKEN }}"
        assert steps[remove]["if"] == "${{ always() }}"
        assert "secrets/repo.token" in steps[remove]["run"]
    win = _github_steps(secret_matrix, "build_odd_win_64")
    script = next(s["run"] for s in win if s.get("name") == "write secret files (owner-only)")
    # the file is owner-only before the secret is in it
    assert script.index("icacls.exe $path /inheritance:r /grant:r") < script.index("WriteAllText")


def test_gitlab_and_azure_remove_the_files_also_after_a_failure(secret_matrix):
    gitlab = YAML(typ="safe").load(render_pipeline(load_matrix(secret_matrix), "gitlab"))
    for job in ("build_odd_linux_64", "build_odd_win_64"):
        assert "secrets/repo.token" in gitlab[job]["after_script"][0]  # runs on failure too
        assert gitlab[job]["variables"]["ODD_OTHER"] == "$PROD_OTHER_TOKEN"
    azure = YAML(typ="safe").load(render_pipeline(load_matrix(secret_matrix), "azure"))
    for job in azure["jobs"]:
        if not job["job"].startswith("build_"):
            continue
        names = [s.get("displayName") for s in job["steps"]]
        write = job["steps"][names.index("write secret files (owner-only)")]
        build = job["steps"][names.index("build")]
        remove = job["steps"][names.index("remove secret files")]
        assert write["env"] == {"ODD_REPO_TOKEN": "$(ODD_REPO_TOKEN)"}
        assert build["env"] == {"ODD_OTHER": "$(PROD_OTHER_TOKEN)"}
        assert remove["condition"] == "always()"
        assert names.index("build") < names.index("remove secret files")


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_secret_steps_match_the_engine_schema(engine, secret_matrix, tmp_path):
    file = tmp_path / f"{engine}.yml"
    file.write_text(render_pipeline(load_matrix(secret_matrix), engine))
    result = check_jsonschema(engine, file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_steps_pass_actionlint(secret_matrix, tmp_path):
    file = tmp_path / "installers.yml"
    file.write_text(render_pipeline(load_matrix(secret_matrix), "github"))
    result = actionlint(file)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_secret_bash_steps_pass_shellcheck(engine, secret_matrix, tmp_path):
    text = render_pipeline(load_matrix(secret_matrix), engine)
    scripts = _bash_scripts(engine, text)
    if engine == "gitlab":
        scripts.append(YAML(typ="safe").load(text)["build_odd_linux_64"]["after_script"][0])
    assert any("umask 077" in s for s in scripts)
    files = []
    for number, script in enumerate(scripts):
        file = tmp_path / f"step{number}.sh"
        file.write_text(script)
        files.append(str(file))
    checked = subprocess.run(
        [SHELLCHECK, "-s", "bash", "-S", "style", *files], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout


def _step(matrix: Path, name: str) -> str:
    steps = _github_steps(matrix, "build_odd_linux_64")
    return next(s["run"] for s in steps if s.get("name") == name)


def _run(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "ODD_REPO_TOKEN"}
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env={**base, **env}, capture_output=True, text=True
    )


def test_the_token_file_is_written_owner_only_and_removed(secret_matrix, tmp_path):
    checkout = secret_matrix.parent
    token = checkout / "secrets" / "repo.token"
    written = _run(_step(secret_matrix, "write secret files (owner-only)"), checkout,
                   ODD_REPO_TOKEN=SECRET)  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert token.read_text() == SECRET  # exactly the secret: no newline added
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert stat.S_IMODE(token.parent.stat().st_mode) == 0o700
    assert SECRET not in written.stdout + written.stderr  # never echoed
    # written again over a file left with wider permissions: owner-only again
    token.chmod(0o644)
    again = _run(_step(secret_matrix, "write secret files (owner-only)"), checkout,
                 ODD_REPO_TOKEN=SECRET)  # fmt: skip
    assert again.returncode == 0 and stat.S_IMODE(token.stat().st_mode) == 0o600
    removed = _run(_step(secret_matrix, "remove secret files"), checkout)
    assert removed.returncode == 0 and not token.exists()
    # removing twice (a build that never wrote it) is fine
    assert _run(_step(secret_matrix, "remove secret files"), checkout).returncode == 0


@pytest.mark.parametrize("value", [None, "", "$(ODD_REPO_TOKEN)"])
def test_a_missing_secret_fails_the_job_before_the_build(secret_matrix, value):
    """Forks get no secrets; Azure passes an undefined one as the text $(NAME)."""
    checkout = secret_matrix.parent
    env = {} if value is None else {"ODD_REPO_TOKEN": value}
    result = _run(_step(secret_matrix, "write secret files (owner-only)"), checkout, **env)
    assert result.returncode != 0
    assert "CI secret ODD_REPO_TOKEN is not set; it provides secrets/repo.token" in result.stderr
    assert not (checkout / "secrets" / "repo.token").exists()
