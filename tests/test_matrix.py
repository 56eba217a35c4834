"""`matrix plan` on the bundled build-matrix.yml, plan_jobs, and `rehash`."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO

from factory.ci.jobs import plan_jobs
from factory.ci.matrix import DEFAULT_RUNNERS, load_matrix
from factory.platforms import Platform

BUNDLED = REPO / "build-matrix.yml"
ALL_PLATFORMS = {p.value for p in Platform}


@pytest.fixture
def plan(cli) -> list[dict]:
    result = cli("matrix", "plan", "--matrix", BUNDLED, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["jobs"]


def test_plan_json_shape(plan):
    assert plan, "the bundled matrix plans no job"
    for job in plan:
        assert {"profile", "platform", "installer_type", "runner", "signing"} <= set(job)
        assert isinstance(job["signing"], bool)


def test_bundled_matrix_covers_the_example_profiles(plan):
    profiles = {j["profile"] for j in plan}
    assert profiles == {f"profiles/{name}.yaml" for name in EXAMPLES}
    assert "profiles/acme-base.yaml" not in profiles  # abstract
    on_all_five = [
        p for p in profiles if {j["platform"] for j in plan if j["profile"] == p} == ALL_PLATFORMS
    ]
    assert "profiles/minimal.yaml" in on_all_five


def test_plan_types_runners_and_signing(plan):
    by_key = {(j["profile"], j["platform"], j["installer_type"]): j for j in plan}
    mirror = "profiles/conda-forge-mirror.yaml"
    # the mirror profile builds both .pkg and .sh on macOS; only the .pkg is signed
    assert by_key[(mirror, "osx-arm64", "pkg")]["signing"] is True
    assert by_key[(mirror, "osx-arm64", "sh")]["signing"] is False
    assert by_key[("profiles/minimal.yaml", "win-64", "exe")]["signing"] is True
    assert by_key[("profiles/minimal.yaml", "linux-64", "sh")]["signing"] is False
    for job in plan:  # a folded job runs where the job it is folded into runs
        assert job["runner"] == DEFAULT_RUNNERS[Platform(job.get("built_on", job["platform"]))]
    analytics = "profiles/acme-analytics.yaml"
    assert by_key[(analytics, "linux-aarch64", "sh")]["built_on"] == "linux-64"
    dev = {j["platform"] for j in plan if j["profile"] == "profiles/acme-datasci-dev.yaml"}
    assert dev == {"linux-64", "osx-arm64", "win-64"}


def test_plan_is_sorted_and_has_no_duplicates(plan):
    order = [p.value for p in Platform]
    keys = [(j["profile"], order.index(j["platform"]), j["installer_type"]) for j in plan]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_plan_jobs_matches_cli(plan):
    jobs = plan_jobs(load_matrix(BUNDLED))
    assert [j.as_dict() for j in jobs] == plan
    assert all(j.file.is_file() for j in jobs)
    assert {j.name for j in jobs} == {
        "Minimal",
        "Acme-DataScience",
        "Acme-DataScience-Dev",
        "ForgeMirror",
        "Acme-Analytics",
    }


def test_plan_table(cli):
    result = cli("matrix", "plan", "--matrix", BUNDLED)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["PROFILE", "PLATFORM", "TYPE", "RUNNER", "SIGNED", "BUILT", "BY"]
    assert len(lines) == 1 + len(plan_jobs(load_matrix(BUNDLED)))
    assert "build job(s)" in result.err


def test_default_matrix_is_build_matrix_yml_in_the_working_directory(cli, monkeypatch):
    monkeypatch.chdir(REPO)
    result = cli("matrix", "plan", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["matrix"] == "build-matrix.yml"


def test_runner_override(tmp_path: Path):
    text = BUNDLED.read_text().replace(
        "# runners:\n#   linux-aarch64: arm64-builders", "runners:\n  linux-aarch64: arm64-builders"
    )
    assert text != BUNDLED.read_text()
    (tmp_path / "build-matrix.yml").write_text(text)
    (tmp_path / "profiles").symlink_to(REPO / "profiles")
    jobs = plan_jobs(load_matrix(tmp_path / "build-matrix.yml"))
    native = [j for j in jobs if j.as_dict().get("built_on", j.platform.value) == j.platform.value]
    assert {j.runner for j in native if j.platform is Platform.linux_aarch64} == {"arm64-builders"}
    assert {j.runner for j in jobs if j.platform is Platform.linux_64} == {"ubuntu-latest"}


# --- rehash ---------------------------------------------------------------------------------


def _build_output(folder: Path) -> Path:
    """A build output folder as `installer-factory build` leaves it."""
    folder.mkdir(parents=True)
    installer = folder / "Demo-1.0-Linux-x86_64.sh"
    installer.write_bytes(b"#!/bin/sh\necho unsigned\n")
    digest = hashlib.sha256(installer.read_bytes()).hexdigest()
    (folder / f"{installer.name}.sha256").write_text(f"{digest}  {installer.name}\n")
    report = {
        "profile": "Demo",
        "platform": "linux-64",
        "installers": [
            {
                "file": installer.name,
                "type": "sh",
                "sha256": digest,
                "size": installer.stat().st_size,
            }
        ],
    }
    (folder / "build-report.json").write_text(json.dumps(report, indent=2) + "\n")
    return installer


def test_rehash_updates_checksum_file_and_report(tmp_path: Path, cli):
    folder = tmp_path / "dist" / "Demo" / "linux-64"
    installer = _build_output(folder)
    built = hashlib.sha256(installer.read_bytes()).hexdigest()
    installer.write_bytes(b"#!/bin/sh\necho signed, and longer than before\n")  # as signing does
    check = subprocess.run(
        ["sha256sum", "-c", f"{installer.name}.sha256"], cwd=folder, capture_output=True
    )
    assert check.returncode != 0  # stale before rehash

    result = cli("rehash", folder, "--json")
    assert result.code == 0, result.err
    digest = hashlib.sha256(installer.read_bytes()).hexdigest()
    sum_file = folder / f"{installer.name}.sha256"
    assert sum_file.read_text() == f"{digest}  {installer.name}\n"
    report = json.loads((folder / "build-report.json").read_text())
    assert report["installers"][0] == {
        "file": installer.name,
        "type": "sh",
        "sha256": digest,
        "size": installer.stat().st_size,
        "built_sha256": built,  # what constructor made: the release page's signing state
    }
    assert report["profile"] == "Demo"  # other fields kept
    assert json.loads(result.out)["installers"][0]["changed"] is True
    check = subprocess.run(["sha256sum", "-c", sum_file.name], cwd=folder, capture_output=True)
    assert check.returncode == 0, check.stdout
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp files left

    again = cli("rehash", folder, "--json")
    assert json.loads(again.out)["installers"][0]["changed"] is False


def test_rehash_refuses_a_missing_installer_and_writes_nothing(tmp_path: Path, cli):
    folder = tmp_path / "out"
    installer = _build_output(folder)
    report_before = (folder / "build-report.json").read_text()
    installer.unlink()
    result = cli("rehash", folder)
    assert result.code == 1
    assert "Demo-1.0-Linux-x86_64.sh is missing" in result.err
    assert (folder / "build-report.json").read_text() == report_before


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"installers": {}}', "has no `installers` list"),
        ('{"installers": [{"file": "../x.sh"}]}', "must be a file name in this folder"),
    ],
)
def test_rehash_bad_reports(tmp_path: Path, cli, report, message):
    if report is not None:
        (tmp_path / "build-report.json").write_text(report)
    result = cli("rehash", tmp_path)
    assert result.code == 1
    assert message in result.err


def test_readme_shows_the_real_plan(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `matrix plan` example is this command's output on the bundled file."""
    monkeypatch.chdir(REPO)
    result = cli("matrix", "plan")
    assert result.code == 0, result.err
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ installer-factory matrix plan\n", 1)[1].split("```", 1)[0]
    assert shown == result.out + result.err


def test_plan_says_which_installer_factory_ci_installs(cli):
    """The bundled matrix pins this checkout (`factory: {checkout: .}`)."""
    result = cli("matrix", "plan", "--matrix", BUNDLED, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["factory"] == {
        "kind": "checkout",
        "value": ".",
        "requirement": ".",
        "default": False,
    }
