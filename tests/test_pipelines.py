"""Generated CI pipelines: valid for their engine (the real schemas, the real actionlint with
shellcheck), shell steps that parse and pass shellcheck, byte-identical output, values
quoted so nothing from a profile can run, and the install test script run for real
against a stand-in installer."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML

from factory.ci.engines import ENGINES
from factory.ci.jobs import plan_jobs
from factory.ci.matrix import load_matrix
from factory.ci.pipelines import render_pipeline

BUNDLED = REPO / "build-matrix.yml"
BIN = Path(sys.executable).parent
SCHEMAS = {
    "github": "vendor.github-workflows",
    "gitlab": "vendor.gitlab-ci",
    "azure": "vendor.azure-pipelines",
}
SHELLCHECK = shutil.which("shellcheck") or "/usr/bin/shellcheck"


@pytest.fixture(scope="module")
def pipelines() -> dict[str, str]:
    matrix = load_matrix(BUNDLED)
    return {engine: render_pipeline(matrix, engine) for engine in ENGINES}


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed in the venv: pip install -e '.[test]'"
    return str(path)


def check_jsonschema(engine: str, file: Path) -> subprocess.CompletedProcess[str]:
    # The Azure schema's patterns use escapes the default (ECMAScript, unicode) regex
    # engine of check-jsonschema rejects; Python's regex engine reads them.
    variant = ["--regex-variant", "python"] if engine == "azure" else []
    return subprocess.run(
        [_tool("check-jsonschema"), *variant, "--builtin-schema", SCHEMAS[engine], str(file)],
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_pipeline_matches_the_engine_schema(engine, pipelines, tmp_path):
    file = tmp_path / f"{engine}.yml"
    file.write_text(pipelines[engine])
    result = check_jsonschema(engine, file)
    assert result.returncode == 0, result.stdout + result.stderr


# A change that each engine's schema must refuse: proves the check above can fail.
BREAKAGE = {
    "github": ("    runs-on: ", "    runs_on: "),
    "gitlab": ("  stage: build\n", "  stage: build\n  when: sometimes\n"),
    "azure": ("    dependsOn: ", "    dependson_typo: "),
}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_schema_check_catches_a_broken_pipeline(engine, pipelines, tmp_path):
    old, new = BREAKAGE[engine]
    assert old in pipelines[engine]
    file = tmp_path / f"{engine}.yml"
    file.write_text(pipelines[engine].replace(old, new, 1))
    assert check_jsonschema(engine, file).returncode != 0


def actionlint(file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("actionlint"), "-no-color", "-shellcheck", SHELLCHECK, str(file)],
        capture_output=True,
        text=True,
    )


def test_github_workflow_passes_actionlint_with_shellcheck(pipelines, tmp_path):
    file = tmp_path / "installers.yml"
    file.write_text(pipelines["github"])
    result = actionlint(file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_runs_shellcheck_on_run_steps(pipelines, tmp_path):
    step = "      - name: build\n"
    bad = "      - name: unquoted\n        run: echo $RUNNER_TEMP/*\n" + step
    file = tmp_path / "installers.yml"
    file.write_text(pipelines["github"].replace(step, bad, 1))
    result = actionlint(file)
    assert result.returncode != 0
    assert "SC2086" in result.stdout


def _bash_scripts(engine: str, text: str) -> list[str]:
    """Every bash script in a pipeline (PowerShell ones are left out: no pwsh here)."""
    data = YAML(typ="safe").load(text)
    scripts: list[str] = []
    if engine == "github":
        for job in data["jobs"].values():
            default = job.get("defaults", {}).get("run", {}).get("shell", "bash")
            for step in job["steps"]:
                if "run" in step and step.get("shell", default) == "bash":
                    scripts.append(step["run"])
    elif engine == "gitlab":
        for name, job in data.items():
            if isinstance(job, dict) and "script" in job and not name.endswith("win_64"):
                scripts += job["script"]
    else:
        for job in data["jobs"]:
            scripts += [step["bash"] for step in job["steps"] if "bash" in step]
    return scripts


@pytest.mark.parametrize("engine", ENGINES)
def test_bash_steps_parse_and_pass_shellcheck(engine, pipelines, tmp_path):
    scripts = _bash_scripts(engine, pipelines[engine])
    assert len(scripts) >= 10
    files = []
    for number, script in enumerate(scripts):
        file = tmp_path / f"step{number}.sh"
        file.write_text(script)
        files.append(str(file))
        parsed = subprocess.run(["bash", "-n", str(file)], capture_output=True, text=True)
        assert parsed.returncode == 0, f"{script}\n{parsed.stderr}"
    # one shellcheck run for all steps; its report names the step file of each finding
    checked = subprocess.run(
        [SHELLCHECK, "-s", "bash", "-S", "style", *files], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout


def test_shellcheck_would_catch_a_bad_step(tmp_path):
    file = tmp_path / "bad.sh"
    file.write_text("dir=x\nrm -rf $dir/*\n")
    assert subprocess.run([SHELLCHECK, "-s", "bash", str(file)], capture_output=True).returncode


@pytest.mark.parametrize("engine", ENGINES)
def test_one_build_and_one_test_job_per_profile_and_platform(engine, pipelines):
    data = YAML(typ="safe").load(pipelines[engine])
    if engine == "github":
        ids = list(data["jobs"])
    elif engine == "gitlab":
        ids = [k for k in data if k.startswith(("build_", "test_"))]
    else:
        ids = [job["job"] for job in data["jobs"]]
    builds = sorted(i.removeprefix("build_") for i in ids if i.startswith("build_"))
    tests = sorted(i.removeprefix("test_") for i in ids if i.startswith("test_"))
    jobs = [j.as_dict() for j in plan_jobs(load_matrix(BUNDLED))]
    units = {(j["name"], j["platform"]) for j in jobs}
    # a folded platform has no build job of its own, but is still tested on its own machine
    folded = {
        (j["name"], j["platform"])
        for j in jobs
        if j.get("built_on", j["platform"]) != j["platform"]
    }
    assert folded == {("Acme-Analytics", "linux-aarch64")}
    assert len(tests) == len(units) == 23
    assert sorted(set(tests) - set(builds)) == ["acme_analytics_linux_aarch64"]
    assert set(builds) <= set(tests)
    assert "minimal_linux_aarch64" in builds


def test_test_jobs_run_on_another_image_than_their_build(pipelines):
    jobs = YAML(typ="safe").load(pipelines["github"])["jobs"]
    pairs = {
        jobs[f"build_{k.removeprefix('test_')}"]["runs-on"]: job["runs-on"]
        for k, job in jobs.items()
        if k.startswith("test_") and f"build_{k.removeprefix('test_')}" in jobs  # not folded
    }
    assert pairs == {
        "ubuntu-latest": "ubuntu-22.04",
        "ubuntu-24.04-arm": "ubuntu-22.04-arm",
        "macos-15-intel": "macos-26-intel",
        "macos-14": "macos-15",
        "windows-latest": "windows-2022",
    }
    for key, job in jobs.items():
        if key == "test_acme_analytics_linux_aarch64":  # folded into the linux-64 build
            assert job["needs"] == "build_acme_analytics_linux_64"
            assert job["runs-on"] == "ubuntu-22.04-arm"  # installed on its own architecture
        elif key.startswith("test_"):
            assert job["needs"] == "build_" + key.removeprefix("test_")


def test_signing_steps_are_skipped_without_secrets(pipelines):
    jobs = YAML(typ="safe").load(pipelines["github"])["jobs"]
    win = jobs["build_minimal_win_64"]
    assert win["env"]["WINDOWS_SIGNING_PFX_BASE64"] == "${{ secrets.WINDOWS_SIGNING_PFX_BASE64 }}"
    sign = next(s for s in win["steps"] if s.get("name") == "sign (signtool)")
    assert sign["if"] == "${{ env.WINDOWS_SIGNING_PFX_BASE64 != '' }}"
    assert "signtool.FullName sign /fd sha256" in sign["run"]
    assert "verify /pa" in sign["run"]
    names = [s.get("name") for s in win["steps"]]
    assert names.index("sign (signtool)") < names.index("checksums after signing")
    mac = jobs["build_minimal_osx_arm64"]
    steps = {s.get("name"): s for s in mac["steps"]}
    script = steps["sign and notarize (productsign, notarytool)"]["run"]
    for needed in (
        "productsign",
        "notarytool submit",
        "--wait",
        "stapler staple",
        "pkgutil --check-signature",
        "spctl -a -vv -t install",
    ):
        assert needed in script
    rehash = steps["checksums after signing"]["run"]
    assert "installer-factory rehash 'dist/Minimal/osx-arm64'" in rehash
    linux = jobs["build_minimal_linux_64"]
    assert "env" not in linux and not any("sign" in str(s.get("name")) for s in linux["steps"])


def test_the_windows_build_packs_the_intune_kit_after_signing(pipelines):
    """install.intunewin wraps the signed installer and the kit's wrappers, when the runner
    has IntuneWinAppUtil.exe; every engine has the step, after the checksums."""
    jobs = YAML(typ="safe").load(pipelines["github"])["jobs"]
    names = [s.get("name") for s in jobs["build_minimal_win_64"]["steps"]]
    step = "Intune package (IntuneWinAppUtil.exe, when the runner has it)"
    assert names.index("checksums after signing") < names.index(step)
    assert not any(step == s.get("name") for s in jobs["build_minimal_linux_64"]["steps"])
    for engine in ENGINES:
        text = pipelines[engine]
        assert "-s 'install.cmd' -o $kit -q" in text, engine
        assert text.index("installer-factory rehash") < text.index("IntuneWinAppUtil.exe"), engine


@pytest.mark.parametrize("engine", ENGINES)
def test_output_is_deterministic(engine, pipelines):
    assert render_pipeline(load_matrix(BUNDLED), engine) == pipelines[engine]


def test_cli_writes_the_same_bytes_as_it_prints(cli, monkeypatch, tmp_path):
    printed = cli("matrix", "ci", "gitlab", "--matrix", BUNDLED)
    assert printed.code == 0, printed.err
    out = tmp_path / "ci" / ".gitlab-ci.yml"
    first = cli("matrix", "ci", "gitlab", "--matrix", BUNDLED, "--output", out)
    data = out.read_bytes()
    second = cli("matrix", "ci", "gitlab", "--matrix", BUNDLED, "--output", out)
    assert first.code == second.code == 0
    assert data == out.read_bytes() == printed.out.encode()
    assert sorted(p.name for p in out.parent.iterdir()) == [".gitlab-ci.yml"]


# --- values from profiles -------------------------------------------------------------------

HOSTILE = "https://mirror.example/$(touch${IFS}pwned)/${{github.token}}/it's`id`"


@pytest.fixture
def hostile_matrix(tmp_path: Path) -> Path:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "odd.yaml").write_text(
        textwrap.dedent(
            f"""
            name: Odd
            version: "1"
            platforms: [linux-64, win-64]
            channels: [conda-forge]
            condarc:
              channels:
                - "{HOSTILE}"
            packages: {{specs: {{base: [python, conda]}}}}
            tokens:
              repo: {{env: ODD_REPO_TOKEN, url: "https://mirror.example/"}}
            """
        ).lstrip()
    )
    matrix = tmp_path / "build-matrix.yml"
    matrix.write_text('constructor: "3.16.3"\nbuilds:\n  - profile: profiles/odd.yaml\n')
    return matrix


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_profile_text_never_reaches_a_pipeline_raw(engine, hostile_matrix, tmp_path):
    text = render_pipeline(load_matrix(hostile_matrix), engine)
    assert "pwned" not in text and "it's" not in text
    encoded = base64.b64encode(HOSTILE.encode()).decode()
    assert encoded in text
    if engine == "github":
        # only the workflow's own expressions
        found = set(re.findall(r"\$\{\{ ([a-zA-Z!]+)", text))
        assert found <= {"github", "secrets", "env", "hashFiles", "!cancelled"}
        assert "ODD_REPO_TOKEN: ${{ secrets.ODD_REPO_TOKEN }}" in text
    if engine == "azure":
        assert "ODD_REPO_TOKEN: $(ODD_REPO_TOKEN)" in text
    file = tmp_path / "pipeline.yml"
    file.write_text(text)
    assert check_jsonschema(engine, file).returncode == 0


def _unit_test_script(matrix: Path, job: str) -> str:
    jobs = YAML(typ="safe").load(render_pipeline(load_matrix(matrix), "github"))["jobs"]
    return jobs[job]["steps"][-1]["run"]


FAKE_INSTALLER = r"""#!/bin/bash
# stands in for a constructor .sh installer: bash X.sh -b -p PREFIX
set -eu
[ "$1" = -b ] && [ "$2" = -p ] || exit 2
prefix="$3"
mkdir -p "$prefix/bin" "$prefix/etc/installer-factory"
__CONDARC__
cat > "$prefix/bin/conda" <<'CONDA'
#!/bin/bash
[ "$*" = "config --show channels" ] || exit 3
printf 'channels:\n  - %s\n' "__CHANNEL__"
CONDA
chmod +x "$prefix/bin/conda"
"""


def _fake_build(folder: Path, *, condarc: bool) -> None:
    folder.mkdir(parents=True)
    script = FAKE_INSTALLER.replace(
        "__CONDARC__", 'touch "$prefix/.condarc"' if condarc else ":"
    ).replace("__CHANNEL__", HOSTILE.replace("`", "\\`").replace("$", "\\$"))
    installer = folder / "Odd-1-Linux-x86_64.sh"
    installer.write_text(script)
    subprocess.run(
        f"sha256sum {installer.name} > {installer.name}.sha256",
        shell=True,
        cwd=folder,
        check=True,
    )


@pytest.mark.parametrize("condarc", [True, False])
def test_generated_install_test_runs_for_real(hostile_matrix, tmp_path, condarc):
    """The test job's script, run against a stand-in installer: it passes when the
    installation has what it should, and fails when .condarc is missing."""
    script = _unit_test_script(hostile_matrix, "test_odd_linux_64")
    _fake_build(tmp_path / "dist" / "Odd" / "linux-64", condarc=condarc)
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert not (tmp_path / "pwned").exists()
    if condarc:
        assert result.returncode == 0, result.stderr
        assert HOSTILE in result.stdout  # conda's listing, checked against the channel
    else:
        assert result.returncode != 0
        assert "no .condarc in" in result.stderr


def test_install_test_fails_when_the_checksum_is_stale(hostile_matrix, tmp_path):
    script = _unit_test_script(hostile_matrix, "test_odd_linux_64")
    folder = tmp_path / "dist" / "Odd" / "linux-64"
    _fake_build(folder, condarc=True)
    with (folder / "Odd-1-Linux-x86_64.sh").open("a") as handle:
        handle.write("# changed after the checksum was taken\n")
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_install_test_hands_over_a_deploy_token_and_checks_it(tmp_path, monkeypatch):
    """Without the secret (a fork's pull request) the test job still installs: a placeholder
    token goes where the profile's deploy section says, and the installed token is looked
    for where conda reads it (.condarc)."""
    handed = tmp_path / "mdm" / "token"
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "dep.yaml").write_text(
        textwrap.dedent(
            f"""
            name: Odd
            version: "1"
            platforms: [linux-64]
            channels: [conda-forge]
            condarc:
              channels:
                - "{HOSTILE}"
              channel_alias: "https://mirror.example/conda"
            packages: {{specs: {{base: [python, conda]}}}}
            tokens:
              repo:
                url: "https://mirror.example/conda/"
                install: deploy
                deploy: {{env: ODD_DEPLOY_TOKEN, unix_file: "{handed}"}}
            """
        ).lstrip()
    )
    matrix = tmp_path / "build-matrix.yml"
    matrix.write_text('constructor: "3.16.3"\nbuilds:\n  - profile: profiles/dep.yaml\n')
    script = _unit_test_script(matrix, "test_odd_linux_64")
    folder = tmp_path / "dist" / "Odd" / "linux-64"
    _fake_build(folder, condarc=True)
    installer = folder / "Odd-1-Linux-x86_64.sh"
    # the stand-in installs what it is given, as the post-install step would
    installer.write_text(
        installer.read_text()
        + "printf \"channel_alias: 'https://mirror.example/conda/t/%s'\\n\" "
        + '"${ODD_DEPLOY_TOKEN:-}" >> "$prefix/.condarc"\n'
        + f'printf %s "${{ODD_DEPLOY_TOKEN:-}}" > {tmp_path}/seen\n'
    )
    subprocess.run(
        f"sha256sum {installer.name} > {installer.name}.sha256", shell=True, cwd=folder, check=True
    )
    env = {k: v for k, v in os.environ.items() if k != "ODD_DEPLOY_TOKEN"}
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "seen").read_text() == "installer-factory-ci-placeholder"
    assert handed.read_text() == "installer-factory-ci-placeholder"

    # an installer that installs no token fails the check
    text = installer.read_text().replace('>> "$prefix/.condarc"', '>> "$prefix/elsewhere"')
    installer.write_text(text)
    subprocess.run(
        f"sha256sum {installer.name} > {installer.name}.sha256", shell=True, cwd=folder, check=True
    )
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert result.returncode != 0
    assert "no token for https://mirror.example/conda/t/ in" in result.stderr
