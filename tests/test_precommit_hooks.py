"""pre-commit runs our published hooks (.pre-commit-hooks.yaml) on a repository `init`
scaffolded, for real: pre-commit builds its own environment for installer-factory from a
git copy of this working tree (uncommitted changes included) and runs both hooks from
the scaffold's own .pre-commit-config.yaml, pointed at that copy instead of the public
repository. Then a broken profile and a broken matrix stop a commit, and a lock file is
left to the matrix hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from factory.scaffolds.org_repo import HOOKS_REPOSITORY
from factory.version import __version__

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
# what the copy of this checkout leaves out: git's own data, environments, outputs, caches
SKIPPED_EVERYWHERE = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}
SKIPPED_AT_TOP = {"build", "dist", ".hypothesis", ".import_linter_cache"}


def _git_env(base: dict[str, str]) -> dict[str, str]:
    who = {"name": "installer-factory tests", "email": "tests@installer-factory.invalid"}
    return {
        **base,
        "GIT_AUTHOR_NAME": who["name"],
        "GIT_AUTHOR_EMAIL": who["email"],
        "GIT_COMMITTER_NAME": who["name"],
        "GIT_COMMITTER_EMAIL": who["email"],
        "GIT_CONFIG_GLOBAL": os.devnull,  # no signing or hooks from the machine's config
    }


def _git(folder: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def _commit_all(folder: Path, env: dict[str, str]) -> str:
    _git(folder, env, "init", "-q", "-b", "main")
    _git(folder, env, "add", "-A")
    _git(folder, env, "commit", "-q", "--no-verify", "-m", "snapshot")
    return _git(folder, env, "rev-parse", "HEAD")


def _copy_checkout(target: Path) -> None:
    def skipped(folder: str, names: list[str]) -> set[str]:
        top = Path(folder).resolve() == REPO
        return {
            n
            for n in names
            if n in SKIPPED_EVERYWHERE or (top and n in SKIPPED_AT_TOP) or n.endswith(".egg-info")
        }

    shutil.copytree(REPO, target, ignore=skipped, symlinks=True)


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A scaffolded repository, committed, whose hooks come from a commit of this tree."""
    root = tmp_path_factory.mktemp("precommit")
    # pip inside pre-commit's environment uses the machine's own pip configuration and
    # cache: the test's isolated XDG folders would hide them
    base = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    config = root / "config.yaml"
    config.touch()  # empty: installer-factory's defaults
    env = _git_env(
        {
            **base,
            "PRE_COMMIT_HOME": str(root / "pre-commit-home"),
            "INSTALLER_FACTORY_CONFIG": str(config),
        }
    )
    source = root / "installer-factory"
    _copy_checkout(source)
    rev = _commit_all(source, env)

    repo = root / "org"
    command = Path(sys.executable).with_name("installer-factory")
    subprocess.run(
        [str(command), "init", str(repo), "--no-input", "--set", "organization=acme"],
        check=True,
        capture_output=True,
        env=env,
    )
    hooks = repo / ".pre-commit-config.yaml"
    text = hooks.read_text(encoding="utf-8")
    published = (f"  - repo: {HOOKS_REPOSITORY}\n", f'    rev: "v{__version__}"\n')
    assert all(line in text for line in published), text
    text = text.replace(published[0], f"  - repo: {source.as_uri()}\n")
    hooks.write_text(text.replace(published[1], f"    rev: {rev}\n"), encoding="utf-8")
    _commit_all(repo, env)
    return repo, env


def _run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--color", "never", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_the_hooks_check_a_scaffold_and_stop_bad_commits(hooked):
    """One test, so one pre-commit environment is built (xdist would split tests)."""
    repo, env = hooked
    done = _run(repo, env, "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "installer-factory validate" in done.stdout
    assert "installer-factory matrix plan" in done.stdout
    assert "Skipped" not in done.stdout  # both ran: the base and the installer were checked
    base = _run(repo, env, "--hook-stage", "pre-commit", "--files", "profiles/acme-base.yaml")
    assert base.returncode == 0, base.stdout  # an abstract base validates on its own

    _a_broken_profile_stops_the_commit_at_its_line(repo, env)
    _a_broken_matrix_stops_the_commit_and_locks_are_not_validated(repo, env)


def _a_broken_profile_stops_the_commit_at_its_line(repo: Path, env: dict[str, str]) -> None:
    profile = repo / "profiles" / "acme-python.yaml"
    kept = profile.read_text(encoding="utf-8")
    try:
        profile.write_text(kept + "channel_remap: []\n", encoding="utf-8")
        done = _run(repo, env, "--files", "profiles/acme-python.yaml")
    finally:
        profile.write_text(kept, encoding="utf-8")
    assert done.returncode == 1, done.stdout + done.stderr
    # both hooks fail: validate on the file, matrix plan on the profile it builds
    assert done.stdout.count("Failed") == 2, done.stdout
    assert "profiles/acme-python.yaml:15:1: channel_remap:" in done.stdout


def _a_broken_matrix_stops_the_commit_and_locks_are_not_validated(
    repo: Path, env: dict[str, str]
) -> None:
    matrix = repo / "build-matrix.yml"
    lock = repo / "profiles" / "other.lock.yaml"
    kept = matrix.read_text(encoding="utf-8")
    try:
        lock.write_text("not: [a profile\n", encoding="utf-8")
        matrix.write_text(kept.replace("output: dist", "output: /dist"), encoding="utf-8")
        done = _run(repo, env, "--files", "build-matrix.yml", "profiles/other.lock.yaml")
    finally:
        matrix.write_text(kept, encoding="utf-8")
        lock.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("installer-factory validate") and line.endswith("Skipped") for line in lines
    ), done.stdout
    assert any(
        line.startswith("installer-factory matrix plan") and line.endswith("Failed")
        for line in lines
    ), done.stdout
    assert "build-matrix.yml:" in done.stdout and "output" in done.stdout
