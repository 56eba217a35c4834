"""Cross-builds: a linux-aarch64 `.sh` planned (folded into the linux-64 job) and built
from this linux-64 host with the recording stand-in constructor (tests/standins/constructor)
and a fake standalone conda (tests/standalone_support.py); the refusals around it; and the
pipelines of a matrix with a folded job, checked like tests/test_pipelines.py checks the
bundled one (each engine's schema, actionlint with shellcheck, shellcheck on bash steps)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from ruamel.yaml import YAML
from standalone_support import make_standalone
from test_pipelines import SHELLCHECK, _bash_scripts, actionlint, check_jsonschema

from factory.builds.host import host_platform
from factory.ci.engines import ENGINES
from factory.ci.jobs import build_units, plan_jobs
from factory.ci.matrix import load_matrix
from factory.ci.pipelines import render_pipeline
from factory.platforms import Platform

STANDINS = REPO / "tests" / "standins"
on_linux_64 = pytest.mark.skipif(
    host_platform() is not Platform.linux_64, reason="cross-builds are tested from linux-64"
)

PIN = "conda_exe: {kind: conda-standalone, version: 25.7.0}\n"


def profile(platforms: str = "[linux-64, linux-aarch64]", pin: str = PIN) -> str:
    return (
        textwrap.dedent(
            f"""
            name: Cross
            version: "1"
            platforms: {platforms}
            channels: [conda-forge]
            packages:
              specs:
                base: [python, conda]
            """
        ).lstrip()
        + pin
    )


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    records = tmp_path / "records"
    monkeypatch.setenv("PATH", f"{STANDINS}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(records))
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    monkeypatch.chdir(tmp_path)
    return records


def calls(records: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(records.glob("call-*.json"))]


def payload(installer: Path) -> dict[str, bytes]:
    """The members of a stand-in .sh installer's payload."""
    data = installer.read_bytes().split(b"@@END_HEADER@@\n", 1)[1]
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


# --- building -------------------------------------------------------------------------------


@on_linux_64
def test_a_linux_aarch64_sh_is_cross_built_here(standin: Path, cli, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(profile())
    arm = make_standalone(tmp_path / "sa", platform="linux-aarch64")
    here = make_standalone(tmp_path / "sa", platform="linux-64")
    result = cli(
        "build", "p.yaml", "--output", "out", "--conda-exe", arm, "--conda-exe", f"linux-64={here}"
    )
    assert result.code == 0, result.err
    done = {c["argv"][c["argv"].index("--platform") + 1]: c for c in calls(standin)}
    assert sorted(done) == ["linux-64", "linux-aarch64"]
    cross = done["linux-aarch64"]
    assert cross["argv"][cross["argv"].index("--conda-exe") + 1] == str(arm.resolve())
    assert cross["standalone"]["identified"] == ["conda-standalone", "25.7.0"]
    # its environment is made by a conda that runs here (constructor fcp.py _solve_precs)
    assert cross["conda_exe"] == str(here.resolve())
    assert done["linux-64"]["conda_exe"] is None
    [installer] = (tmp_path / "out" / "Cross" / "linux-aarch64").glob("*.sh")
    assert payload(installer)["_conda"] == arm.read_bytes()
    report = json.loads((installer.parent / "build-report.json").read_text())
    assert (report["platform"], report["status"]) == ("linux-aarch64", "ok")
    assert "with --conda-exe" in result.err


@on_linux_64
def test_json_lists_the_cross_built_job(standin: Path, cli, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(profile("[linux-aarch64]"))
    arm = make_standalone(tmp_path / "sa", platform="linux-aarch64")
    result = cli(
        "build", "p.yaml", "--output", "out", "--conda-exe", f"linux-aarch64={arm}", "--json"
    )
    assert result.code == 0, result.err
    [job] = json.loads(result.out)["jobs"]
    assert (job["platform"], job["status"]) == ("linux-aarch64", "ok")


@on_linux_64
def test_without_a_standalone_the_cross_target_is_skipped_saying_how_to_get_one(
    standin: Path, cli, tmp_path: Path
) -> None:
    (tmp_path / "p.yaml").write_text(profile())
    result = cli("build", "p.yaml", "--output", "out", "--platform", "linux-aarch64")
    assert result.code == 0, result.err
    line = result.out.strip()
    assert line.startswith("skipped  Cross linux-aarch64:")
    assert "pass --conda-exe linux-aarch64=PATH" in line
    assert (
        "conda create -p DIR --platform linux-aarch64 -c conda-forge --override-channels "
        "conda-standalone=25.7.0" in line
    )
    assert calls(standin) == []


@on_linux_64
def test_a_pinned_native_build_needs_the_pinned_standalone(standin, cli, tmp_path) -> None:
    (tmp_path / "p.yaml").write_text(profile())
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 1
    assert "pins conda_exe conda-standalone 25.7.0" in result.err
    assert "pass --conda-exe linux-64=PATH" in result.err
    assert calls(standin) == [] and not (tmp_path / "out").exists()


@on_linux_64
@pytest.mark.parametrize(
    ("made", "message"),
    [
        (("conda-standalone", "25.5.1", "linux-aarch64"), "pins conda_exe conda-standalone 25.7.0"),
        (("micromamba", "25.7.0", "linux-aarch64"), "pins conda_exe conda-standalone 25.7.0"),
        (("conda-standalone", "25.7.0", "linux-64"), "it is for linux-64, not linux-aarch64"),
    ],
)
def test_a_wrong_standalone_is_refused_before_anything_is_built(
    standin, cli, tmp_path, made, message
) -> None:
    (tmp_path / "p.yaml").write_text(profile())
    wrong = make_standalone(tmp_path / "sa", *made)
    here = make_standalone(tmp_path / "sa2", platform="linux-64")
    result = cli(
        "build",
        "p.yaml",
        "--output",
        "out",
        "--conda-exe",
        f"linux-64={here}",
        "--conda-exe",
        f"linux-aarch64={wrong}",
    )
    assert result.code == 1, result.err
    assert message in result.err
    assert calls(standin) == [] and not (tmp_path / "out").exists()


@on_linux_64
def test_an_unknown_platform_prefix_is_a_usage_error(standin, cli, tmp_path) -> None:
    (tmp_path / "p.yaml").write_text(profile())
    result = cli("build", "p.yaml", "--conda-exe", "linux-s390x=/bin/true")
    assert result.code == 2
    assert "linux-s390x is not a platform profiles target" in result.err


@on_linux_64
def test_windows_is_not_cross_built(standin, cli, tmp_path) -> None:
    (tmp_path / "p.yaml").write_text(profile("[win-64]"))
    exe = make_standalone(tmp_path / "sa", platform="win-64")
    result = cli("build", "p.yaml", "--output", "out", "--conda-exe", f"win-64={exe}")
    assert result.code == 0
    assert "cross-builds: Linux .sh from a Linux host only" in result.out
    assert calls(standin) == []


def test_the_standin_refuses_a_non_native_platform_without_conda_exe(standin, tmp_path) -> None:
    import subprocess

    project = tmp_path / "project"
    project.mkdir()
    (project / "construct.yaml").write_text("name: X\nversion: 1\n")
    other = "linux-aarch64" if host_platform() is not Platform.linux_aarch64 else "linux-64"
    command = [str(STANDINS / "constructor"), str(project), "--output-dir", "o", "--platform"]
    done = subprocess.run([*command, other], capture_output=True, text=True)
    assert done.returncode == 2
    assert "setting --conda-exe is required for building a non-native installer" in done.stderr
    mamba = make_standalone(tmp_path / "sa", "micromamba", "2.3.0", "win-64")
    done = subprocess.run(
        [*command, "win-64", "--conda-exe", str(mamba)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "micromamba is not supported on Windows installers" in done.stderr


@on_linux_64
@pytest.mark.parametrize(("bundled", "ok"), [("25.7.0", True), ("25.5.1", False)])
def test_a_pinned_native_build_uses_constructors_own_standalone_when_it_is_the_pin(
    standin, cli, tmp_path, bundled, ok
) -> None:
    """constructor's environment holds conda-standalone (standalone_conda/conda.exe and its
    conda-meta record): a native build uses it when it is the pinned version."""
    import shutil

    prefix = tmp_path / "constructor-env"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy(STANDINS / "constructor", prefix / "bin" / "constructor")
    exe = make_standalone(tmp_path, version=bundled, platform="linux-64")
    shutil.copytree(exe.parents[1], prefix, dirs_exist_ok=True)
    (tmp_path / "p.yaml").write_text(profile("[linux-64]"))
    result = cli(
        "build", "p.yaml", "--output", "out", "--constructor", prefix / "bin" / "constructor"
    )
    if not ok:
        assert result.code == 1
        assert "constructor's own standalone" in result.err and "pins conda_exe" in result.err
        assert calls(standin) == []
        return
    assert result.code == 0, result.err
    [call] = calls(standin)
    own = prefix / "standalone_conda" / "conda.exe"
    assert call["argv"][call["argv"].index("--conda-exe") + 1] == str(own.resolve())


@on_linux_64
def test_matrix_run_cross_builds_with_the_standalones_given(folded_matrix, standin, cli, tmp_path):
    arm = make_standalone(tmp_path / "sa", platform="linux-aarch64")
    here = make_standalone(tmp_path / "sa", platform="linux-64")
    result = cli(
        "matrix",
        "run",
        "--matrix",
        folded_matrix,
        "--output",
        "out",
        "--json",
        "--conda-exe",
        arm,
        "--conda-exe",
        here,
    )
    assert result.code == 0, result.err
    status = {(j["name"], j["platform"]): j["status"] for j in json.loads(result.out)["jobs"]}
    assert status == {
        ("Cross", "linux-64"): "ok",
        ("Cross", "linux-aarch64"): "ok",
        ("Cross", "osx-arm64"): "skipped",
        ("Cross", "win-64"): "skipped",
        ("Plain", "linux-64"): "ok",
        ("Plain", "linux-aarch64"): "ok",  # unpinned: any standalone for the platform
    }


# --- the matrix and its pipelines -----------------------------------------------------------


@pytest.fixture
def folded_matrix(tmp_path: Path) -> Path:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "cross.yaml").write_text(
        profile("[linux-64, linux-aarch64, osx-arm64, win-64]")
    )
    (tmp_path / "profiles" / "plain.yaml").write_text(
        profile("[linux-64, linux-aarch64]", pin="").replace("name: Cross", "name: Plain")
    )
    matrix = tmp_path / "build-matrix.yml"
    matrix.write_text(
        'constructor: "3.16.3"\nbuilds:\n'
        "  - profile: profiles/cross.yaml\n  - profile: profiles/plain.yaml\n"
    )
    return matrix


def test_plan_folds_the_pinned_profiles_linux_jobs_into_linux_64(folded_matrix, cli) -> None:
    jobs = plan_jobs(load_matrix(folded_matrix))
    where = {(j.name, j.platform.value): (j.built_on.value, j.runner) for j in jobs}
    assert where[("Cross", "linux-aarch64")] == ("linux-64", "ubuntu-latest")
    assert where[("Plain", "linux-aarch64")] == ("linux-aarch64", "ubuntu-24.04-arm")
    assert where[("Cross", "osx-arm64")] == ("osx-arm64", "macos-14")
    units = {
        (u.build.name, u.platform.value): u.targets for u in build_units(load_matrix(folded_matrix))
    }
    assert units[("Cross", "linux-64")] == [Platform.linux_64, Platform.linux_aarch64]
    assert ("Cross", "linux-aarch64") not in units

    result = cli("matrix", "plan", "--matrix", folded_matrix, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["folded"] == [
        {
            "profile": "profiles/cross.yaml",
            "platform": "linux-aarch64",
            "into": "linux-64",
            "conda_exe": "conda-standalone 25.7.0",
        }
    ]
    text = cli("matrix", "plan", "--matrix", folded_matrix)
    assert text.out.splitlines()[0].split()[-2:] == ["BUILT", "BY"]
    row = next(r for r in text.out.splitlines() if "cross.yaml" in r and "linux-aarch64" in r)
    assert row.split()[-2:] == ["linux-64", "job"]
    assert (
        "folded: profiles/cross.yaml linux-aarch64 into its linux-64 build job "
        "(cross-built with conda-standalone 25.7.0)" in text.err
    )
    assert "6 installer(s) from 5 build job(s)" in text.err


def _job_ids(engine: str, text: str) -> list[str]:
    data = YAML(typ="safe").load(text)
    if engine == "github":
        return list(data["jobs"])
    if engine == "gitlab":
        return [k for k in data if k.startswith(("build_", "test_"))]
    return [job["job"] for job in data["jobs"]]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_folded_job_builds_both_and_each_is_tested_on_its_own(folded_matrix, engine) -> None:
    text = render_pipeline(load_matrix(folded_matrix), engine)
    ids = _job_ids(engine, text)
    assert "build_cross_linux_aarch64" not in ids
    assert {"build_cross_linux_64", "test_cross_linux_64", "test_cross_linux_aarch64"} <= set(ids)
    assert "build_plain_linux_aarch64" in ids  # not pinned: its own runner
    command = (
        "installer-factory build 'profiles/cross.yaml' --platform 'linux-64' --platform "
        "'linux-aarch64' --conda-exe "
        "'linux-64=.installer-factory/standalone/linux-64/standalone_conda/conda.exe' "
        "--conda-exe "
        "'linux-aarch64=.installer-factory/standalone/linux-aarch64/standalone_conda/conda.exe'"
    )
    assert command in text
    fetch = (
        "create -y -p '.installer-factory/standalone/linux-aarch64' --platform 'linux-aarch64' "
        "-c 'conda-forge' --override-channels 'conda-standalone=25.7.0'"
    )
    assert fetch in text
    # the Windows job of the pinned profile fetches and passes its own pinned standalone
    assert (
        "--conda-exe 'win-64=.installer-factory/standalone/win-64/standalone_conda/conda.exe'"
        in text
    )


def test_the_folded_test_job_needs_the_linux_64_build_and_runs_on_arm(folded_matrix) -> None:
    jobs = YAML(typ="safe").load(render_pipeline(load_matrix(folded_matrix), "github"))["jobs"]
    test = jobs["test_cross_linux_aarch64"]
    assert test["needs"] == "build_cross_linux_64"
    assert test["runs-on"] == "ubuntu-22.04-arm"
    download = test["steps"][0]["with"]
    upload = jobs["build_cross_linux_64"]["steps"][-1]["with"]
    assert download["name"] == upload["name"] and download["path"] + "/" == upload["path"]
    assert "dir='dist/Cross/linux-aarch64'" in test["steps"][-1]["run"]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_pipelines_with_a_folded_job_match_their_schema(folded_matrix, engine, tmp_path) -> None:
    file = tmp_path / f"{engine}.yml"
    file.write_text(render_pipeline(load_matrix(folded_matrix), engine))
    result = check_jsonschema(engine, file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_folded_github_workflow_passes_actionlint(folded_matrix, tmp_path) -> None:
    file = tmp_path / "installers.yml"
    file.write_text(render_pipeline(load_matrix(folded_matrix), "github"))
    result = actionlint(file)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_folded_bash_steps_pass_shellcheck(folded_matrix, engine, tmp_path) -> None:
    import subprocess

    scripts = _bash_scripts(engine, render_pipeline(load_matrix(folded_matrix), engine))
    files = []
    for number, script in enumerate(scripts):
        file = tmp_path / f"step{number}.sh"
        file.write_text(script)
        files.append(str(file))
    assert any("--conda-exe" in s for s in scripts)
    checked = subprocess.run(
        [SHELLCHECK, "-s", "bash", "-S", "style", *files], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout
