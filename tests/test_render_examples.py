"""Every example profile x every platform renders a project constructor 3.16 accepts."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, PROFILES, read_tree
from constructor_reader import build_time_errors, explicit_entries, parse, schema_errors

from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project

PLATFORMS = [p.value for p in Platform]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from factory.cli.main import main

    out = tmp_path_factory.mktemp("render")
    args = ["render", *(str(PROFILES / f"{name}.yaml") for name in EXAMPLES), "-o", str(out)]
    assert main(args) == 0
    return out


def _project(rendered: Path, example: str, platform: str) -> Path:
    name = load_profile(PROFILES / f"{example}.yaml").profile.name
    return rendered / name / platform


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_construct_yaml_is_accepted_by_constructor(rendered: Path, example: str, platform: str):
    project = _project(rendered, example, platform)
    text = (project / "construct.yaml").read_text(encoding="utf-8")
    data = parse(text)  # also asserts that no line reads as a selector
    assert schema_errors(data) == []
    assert build_time_errors(data, platform, project) == []
    for marker in ("{{", "{%", "{#"):
        assert marker not in text
    for line in text.splitlines():
        assert not line.rstrip().endswith("]"), line


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_stamp_lists_every_file_with_its_hash(rendered: Path, example: str, platform: str):
    import json

    project = _project(rendered, example, platform)
    stamp = json.loads((project / ".installer-factory.json").read_text())
    on_disk = {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in project.rglob("*")
        if p.is_file() and p.name != ".installer-factory.json"
    }
    assert stamp["files"] == on_disk
    assert stamp["platform"] == platform


def test_corporate_example_ships_remapped_condarc_and_ca(rendered: Path):
    for platform in PLATFORMS:
        project = _project(rendered, "acme-datasci-prod", platform)
        data = parse((project / "construct.yaml").read_text())
        from ruamel.yaml import YAML

        condarc = YAML(typ="safe").load(data["condarc"])
        assert condarc["channels"] == ["defaults"]
        # the alias carries the deploy-time token: the post-install step appends it
        # (factory/profiles/token_carriers.py), so the shipped file leaves it out
        assert "channel_alias" not in condarc
        script = "post_install.bat" if platform == "win-64" else "post_install.sh"
        assert "https://anacondaserver.corp/api/repo" in (project / script).read_text()
        assert condarc["channel_priority"] == "strict"
        assert condarc["report_errors"] is False
        assert "repo.anaconda.com" not in data["condarc"]  # never the build-time source
        assert data["channels_remap"] == [
            {
                "src": "https://repo.anaconda.com/pkgs/main",
                "dest": "https://anacondaserver.corp/api/repo/main",
            }
        ]
        assert data["extra_files"] == [
            {"ca-bundle.pem": "etc/installer-factory/ca-bundle.pem"},
            # the profile has a `deploy` section: the wrappers check this version marker,
            # which the post-install's last step moves to installer.json (never shipped
            # there: a failed post-install must leave no marker)
            {"installer.json": "etc/installer-factory/installer.json.pending"},
        ]
        assert (project / "ca-bundle.pem").read_bytes().count(b"BEGIN CERTIFICATE") == 1
        script = "post_install.bat" if platform == "win-64" else "post_install.sh"
        assert data["post_install"] == script
        shortcuts = {"console_shortcut", "powershell_shortcut"}
        assert (
            shortcuts <= set(data["specs"])
            if platform == "win-64"
            else not (shortcuts & set(data["specs"]))
        )
        # the spec with brackets survives constructor's selector filter
        assert "numpy[version='>=1.26']" in data["specs"]


def test_forge_mirror_condarc_uses_the_mirror(rendered: Path):
    project = _project(rendered, "conda-forge-mirror", "osx-arm64")
    data = parse((project / "construct.yaml").read_text())
    from ruamel.yaml import YAML

    condarc = YAML(typ="safe").load(data["condarc"])
    assert condarc["channels"] == ["https://artifacts.example.internal/api/conda/conda-forge"]
    assert condarc["proxy_servers"] == {"https": "http://proxy.example.internal:3128"}
    assert condarc["auto_update_conda"] is False
    assert data["installer_type"] == ["pkg", "sh"]
    assert data["initialize_conda"] == "condabin"


@pytest.mark.parametrize("example", EXAMPLES)
def test_rendering_is_deterministic(example: str, tmp_path: Path, cli):
    first, second = tmp_path / "a", tmp_path / "b"
    assert cli("render", PROFILES / f"{example}.yaml", "-o", first).code == 0
    assert cli("render", PROFILES / f"{example}.yaml", "-o", second).code == 0
    assert cli("render", PROFILES / f"{example}.yaml", "-o", first).code == 0  # re-render
    files_a, files_b = read_tree(first), read_tree(second)
    assert files_a == files_b
    assert any(data is not None for data in files_a.values())


def test_rendering_is_the_same_in_every_process(tmp_path: Path):
    """Set and dict order must not reach the output: the real CLI, in fresh processes with
    three different string hash seeds, renders the examples to byte-identical trees."""
    profiles = [str(PROFILES / f"{name}.yaml") for name in EXAMPLES]
    trees = []
    for hash_seed in ("0", "1", "2914"):
        out = tmp_path / f"hash-{hash_seed}"
        done = subprocess.run(
            [sys.executable, "-m", "factory", "render", *profiles, "-o", str(out)],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        trees.append(read_tree(out))
    assert len([v for v in trees[0].values() if v is not None]) > 20
    assert trees[0] == trees[1] == trees[2]


def test_in_memory_render_matches_itself():
    loaded = load_profile(PROFILES / "acme-datasci-dev.yaml")
    for platform in Platform:
        assert render_project(loaded, platform).files == render_project(loaded, platform).files


def test_committed_schema_is_current():
    from factory.profiles.schema import schema_text

    committed = (PROFILES / "profile.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "run: installer-factory schema -o profiles/profile.schema.json"
    )


@pytest.mark.parametrize("example", [*EXAMPLES, "acme-base"])
def test_examples_validate_and_point_editors_at_the_schema(example: str, cli):
    path = PROFILES / f"{example}.yaml"
    assert path.read_text().startswith("# yaml-language-server: $schema=profile.schema.json")
    result = cli("validate", path)
    assert result.code == 0, result.err


def _example_lock(loaded):
    """A lock for an example, as `lock` would write it, with made-up records on the
    profile's own build channels (the examples' channels are not reachable here): the
    profile's spec names plus python and what conda adds to it."""
    import re

    from factory.lock.lockfile import LockData, Locked, channel_priority, platform_inputs
    from factory.profiles.channels import build_channels, channel_urls

    profile = loaded.profile
    channels = build_channels(profile)
    entries = {}
    for platform in profile.platforms:
        entry = platform_inputs(profile, platform)
        channel = channel_urls(channels[0], platform.value)[0]
        names = {re.split(r"[\s=<>!\[~]", s, maxsplit=1)[0] for s in entry.specs}
        names |= {"python", "pip", "setuptools", "wheel"}
        packages = [
            Locked(
                name,
                "1.0",
                "0",
                channel,
                "noarch" if name in ("pip", "setuptools", "wheel") else platform.value,
                f"{name}-1.0-0.conda",
                hashlib.sha256(name.encode()).hexdigest(),
                hashlib.md5(name.encode()).hexdigest(),
                1,
            )
            for name in sorted(names)
        ]
        entries[platform.value] = entry.model_copy(update={"packages": packages})
    return LockData(
        channels=channels, channel_priority=channel_priority(profile), platforms=entries
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_locked_render_uses_an_explicit_environment_file(example: str, tmp_path: Path):
    """Issue 11, items 1 and 3: with a lock, constructor gets an @EXPLICIT file of full
    URLs with their sha256 (no specs, no channels to solve), the remap stays for the
    installed metadata, and the profile's specs are recorded as user-requested."""
    from factory.lock.sbom import cyclonedx

    loaded = load_profile(PROFILES / f"{example}.yaml")
    lock = _example_lock(loaded)
    for platform in loaded.profile.platforms:
        rendered = render_project(loaded, platform, lock)
        project = tmp_path / platform.value
        for name, data in rendered.files.items():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_bytes(data)
        data = parse((project / "construct.yaml").read_text(encoding="utf-8"))
        assert schema_errors(data) == []
        assert build_time_errors(data, platform.value, project) == []
        assert data["environment_file"] == "environment.txt"
        assert "specs" not in data and "channels" not in data
        specs = loaded.profile.packages.specs_for(platform)
        assert data["user_requested_specs"] == list(specs)
        if loaded.profile.channels_remap:
            assert data["channels_remap"] == [
                {"src": r.src, "dest": r.dest} for r in loaded.profile.channels_remap
            ]
        entries = explicit_entries((project / "environment.txt").read_text())
        assert entries is not None
        records = lock.platforms[platform.value].packages
        assert sorted(m.group(0) for m in entries) == sorted(
            f"{r.url}#sha256:{r.sha256}" for r in records
        )
        bom = cyclonedx(loaded.profile.name, "1", platform.value, records)
        assert sorted(c["externalReferences"][0]["url"] for c in bom["components"]) == sorted(
            m.group(0).split("#")[0] for m in entries
        )
        assert render_project(loaded, platform, lock).files == rendered.files  # deterministic


# `conda repo ...` as a command: conda 26.3 and later refuse it (conda pull request 15840)
_CONDA_REPO_CALL = re.compile(
    r'(?:\bconda(?:\.exe)?"?|%IF_CONDA%"|\$conda"?|\$\{conda\}"?)\s+repo\b'
)


@pytest.mark.parametrize("example", EXAMPLES)
def test_no_script_runs_conda_repo(rendered: Path, example: str) -> None:
    """The PSM step runs conda-repo-cli's own executable from the prefix instead."""
    psm = load_profile(PROFILES / f"{example}.yaml").profile.auth.psm is not None
    for platform in PLATFORMS:
        project = _project(rendered, example, platform)
        for script in project.glob("post_install.*"):
            text = script.read_text(encoding="utf-8")
            assert not _CONDA_REPO_CALL.search(text), script
            executable = "Scripts\\conda-repo.exe" if script.suffix == ".bat" else "bin/conda-repo"
            assert (f'{executable}"' in text) == psm, script
