"""manifest.json and the deployment kit around a build: schema, contents, regeneration.

Builds run the recording constructor stand-in (tests/standins/constructor)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO

from factory.builds.host import host_platform
from factory.deploy.manifest import schema_text

BUILT = host_platform()
STANDINS = REPO / "tests" / "standins"

PROFILE = """
name: Kit
version: "7"
platforms: [{platform}, win-64]
channels: [conda-forge]
packages:
  specs:
    base: [python, conda]
install:
  uninstall_name: Kit Seven
deploy:
  org: Acme
  upgrade: replace
  windows: {{prefix: 'C:\\ProgramData\\kit'}}
  unix: {{prefix: /opt/acme/kit}}
"""


@pytest.fixture(autouse=True)
def _config_file(isolated_user_dirs: Path) -> None:
    """$INSTALLER_FACTORY_CONFIG must name a file that exists (a missing one is exit 2)."""
    (isolated_user_dirs / "config.yaml").touch()


def test_the_published_manifest_schema_is_current() -> None:
    committed = (REPO / "manifest.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "regenerate: installer-factory schema --manifest -o ..."


@pytest.fixture
def built(cli, write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    if BUILT is None or BUILT.os.value != "linux":
        pytest.skip("the stand-in builds .sh installers: a Linux host is needed")
    monkeypatch.setenv("PATH", f"{STANDINS}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.chdir(tmp_path)
    write("kit.yaml", PROFILE.format(platform=BUILT.value))
    result = cli("build", "kit.yaml", "--output", "out")
    assert result.code == 0, result.err
    return tmp_path / "out"


def test_a_build_leaves_a_manifest_that_matches_its_schema(built: Path) -> None:
    assert BUILT is not None
    manifest = json.loads((built / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads(schema_text()))
    (entry,) = manifest["installers"]
    installer = built / entry["file"]
    assert entry["sha256"] == hashlib.sha256(installer.read_bytes()).hexdigest()
    assert entry["size"] == installer.stat().st_size
    assert (entry["name"], entry["version"], entry["platform"]) == ("Kit", "7", BUILT.value)
    folder = f"Kit/{BUILT.value}"
    assert entry["install"] == {
        "command": "bash Kit-installer.sh -b -p /opt/acme/kit",
        "wrapper": f"{folder}/deploy/sh/install.sh",
    }
    assert entry["uninstall"]["wrapper"] == f"{folder}/deploy/sh/uninstall.sh"
    assert entry["detection"] == {
        "type": "file",
        "path": "/opt/acme/kit/etc/installer-factory/installer.json",
        "version": "7",
    }
    for key in ("report", "deploy_page"):
        assert (built / entry[key]).is_file(), key
    for name in ("install.sh", "uninstall.sh", "ansible-install.yml", "DEPLOY.md"):
        assert (built / folder / "deploy" / "sh" / name).is_file(), name
    page = (built / "DEPLOY.md").read_text()
    assert f"| `{entry['file']}` | {BUILT.value} | 7 | `{entry['sha256'][:16]}…` |" in page
    assert f"`{folder}/deploy/sh/install.sh` ([how]({folder}/deploy/sh/DEPLOY.md))" in page


def test_the_installation_carries_the_version_marker(built: Path) -> None:
    assert BUILT is not None
    construct = (built / "Kit" / BUILT.value / "project" / "construct.yaml").read_text()
    # placed aside: the post-install's last step moves it to installer.json
    assert 'installer.json: "etc/installer-factory/installer.json.pending"' in construct
    marker = json.loads((built / "Kit" / BUILT.value / "project" / "installer.json").read_text())
    assert marker == {"name": "Kit", "platform": BUILT.value, "version": "7"}


def test_deploy_kit_after_rehash_follows_the_new_checksum(built: Path, cli) -> None:
    assert BUILT is not None
    folder = built / "Kit" / BUILT.value
    with (folder / "Kit-installer.sh").open("ab") as handle:
        handle.write(b"# signed\n")  # what signing does to the bytes
    assert cli("rehash", folder).code == 0
    result = cli("deploy-kit", folder, "--json")
    assert result.code == 0, result.err
    (entry,) = json.loads((built / "manifest.json").read_text())["installers"]
    new = hashlib.sha256((folder / "Kit-installer.sh").read_bytes()).hexdigest()
    assert entry["sha256"] == new
    assert new in (folder / "deploy" / "sh" / "install.sh").read_text()


def test_deploy_kit_prints_one_manifest_line(built: Path, cli, write) -> None:
    assert BUILT is not None
    write("other.yaml", PROFILE.format(platform=BUILT.value).replace("name: Kit", "name: Other"))
    assert cli("build", "other.yaml", "--output", "out").code == 0
    folders = [built / "Kit" / BUILT.value, built / "Other" / BUILT.value]
    result = cli("deploy-kit", *folders)
    assert result.code == 0, result.err
    assert result.err.splitlines() == ["manifest: out/manifest.json"]
    names = [e["name"] for e in json.loads((built / "manifest.json").read_text())["installers"]]
    assert sorted(names) == ["Kit", "Other"]


def test_deploy_kit_refuses_what_is_not_a_kit_build(cli, tmp_path: Path) -> None:
    result = cli("deploy-kit", tmp_path)
    assert result.code == 1
    assert "not a build folder (no build-report.json)" in result.err
