""".github/workflows/real-build.yml, this repository's own CI for the real thing (constructor
from conda, the minimal example built, installed by its kit and verified on Linux, macOS
and Windows). It cannot run here: it is checked with actionlint (and shellcheck), GitHub's
workflow schema, and against the files it relies on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML
from test_pipelines import actionlint, check_jsonschema

from factory.ci.matrix import load_matrix
from factory.platforms import Platform
from factory.profiles.load import load_profile

WORKFLOW = REPO / ".github" / "workflows" / "real-build.yml"
KIT_TEMPLATES = REPO / "factory" / "deploy" / "templates"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["real-build"]["steps"]


def test_it_passes_actionlint_with_shellcheck():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_matches_the_github_workflow_schema():
    result = check_jsonschema("github", WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_on_linux_macos_and_windows(workflow):
    cells = workflow["jobs"]["real-build"]["strategy"]["matrix"]["include"]
    platforms = {Platform(c["platform"]).os.value for c in cells}
    assert platforms == {"linux", "osx", "win"}


def test_every_action_is_pinned_to_a_version(workflow):
    uses = [s["uses"] for s in _steps(workflow) if "uses" in s]
    assert "conda-incubator/setup-miniconda@v3.2.0" in uses
    for action in uses:
        _, _, ref = action.partition("@")
        assert ref.startswith("v") and ref[1:2].isdigit(), action
    setup = next(s for s in _steps(workflow) if s.get("uses", "").startswith("conda-incubator"))
    assert setup["with"]["miniforge-version"][0].isdigit()  # a release, not "latest"


def test_the_constructor_version_comes_from_build_matrix(workflow, tmp_path):
    """The workflow's own step, run here against the real build-matrix.yml."""
    step = next(s for s in _steps(workflow) if s.get("id") == "pins")
    output = tmp_path / "github-output"
    result = subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=REPO,
        env={**os.environ, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    constructor = load_matrix(REPO / "build-matrix.yml").model.constructor
    assert output.read_text() == f"constructor={constructor}\n"
    install = next(s for s in _steps(workflow) if "CONSTRUCTOR_VERSION" in s.get("env", {}))
    assert install["env"]["CONSTRUCTOR_VERSION"] == "${{ steps.pins.outputs.constructor }}"
    assert '"constructor=$CONSTRUCTOR_VERSION"' in install["run"]


def test_it_installs_this_checkout_and_builds_the_minimal_example(workflow):
    runs = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert "python -m pip install --disable-pip-version-check .\n" in runs
    assert 'installer-factory build "$PROFILE" --platform "$PLATFORM"' in runs
    profile = REPO / workflow["env"]["PROFILE"]
    loaded = load_profile(profile)
    assert loaded.layered.chain[0].resolve() == REPO / "profiles" / "minimal.yaml"
    assert loaded.profile.name == workflow["env"]["NAME"]


def test_the_kit_it_runs_is_the_one_the_profile_gets(workflow):
    """The profile has a deploy section (so builds write the kit), its prefixes are where
    the workflow looks, and each OS builds the installer type whose kit it runs."""
    profile = load_profile(REPO / workflow["env"]["PROFILE"]).profile
    assert profile.deploy is not None and profile.deploy.unix and profile.deploy.windows
    assert profile.deploy.unix.prefix == workflow["env"]["UNIX_PREFIX"]
    assert profile.deploy.windows.prefix == workflow["env"]["WINDOWS_PREFIX"]
    types = profile.installer_types
    assert types.for_os(Platform.linux_64.os) == ["sh"]
    assert types.for_os(Platform.osx_arm64.os) == ["sh"]
    assert types.for_os(Platform.win_64.os) == ["exe"]
    runs = "\n".join(s.get("run", "") for s in _steps(workflow))
    for kit, files in {
        "sh": ("install.sh", "uninstall.sh"),
        "exe": ("install.cmd", "uninstall.cmd"),
    }.items():
        for name in files:
            assert (KIT_TEMPLATES / kit / f"{name}.j2").is_file()
            assert name in runs
    # the verification: a second run of the kit finds the release whole and changes nothing
    assert runs.count("was already installed") == 2
    for kit in ("sh/install.sh.j2", "exe/install.cmd.j2"):
        assert "was already installed" in (KIT_TEMPLATES / kit).read_text(encoding="utf-8")


def test_actionlint_would_catch_a_broken_step(tmp_path: Path):
    file = tmp_path / "real-build.yml"
    text = WORKFLOW.read_text(encoding="utf-8")
    broken = text.replace('prefix="$UNIX_PREFIX"', "prefix=$UNIX_PREFIX/*", 1)
    assert broken != text
    file.write_text(broken)
    assert actionlint(file).returncode != 0
