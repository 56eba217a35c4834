"""Windows path length: lock measures the packages, validate and render check the prefixes.

constructor's NSIS installer refuses a prefix when its length, one separator and the
longest path it writes (a file as conda first extracts it, `pkgs/<dist>/<path>`) exceed
259 characters, unless it may turn LongPathsEnabled on (an administrator on Windows 10+).
The expected figures are worked out here from the test packages' own file lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from channels import Pkg, make_channel
from ruamel.yaml import YAML

from factory.lock.path_length import package_paths

# no python: conda adds pip to a python, and these test channels have none
PACKAGES = [
    Pkg("scientific-app", "3.12.1", subdir="win-64"),
    Pkg("conda", "24.11.3", subdir="win-64"),
]
# each test package installs share/<name>/README (tests/channels.py)
LONGEST = max(
    len("pkgs/") + len(f"{p.name}-{p.version}-{p.build}") + 1 + len(f"share/{p.name}/README")
    for p in PACKAGES
)
ROOM = 259 - LONGEST - 1  # the longest prefix the installer accepts


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_channel(tmp_path_factory.mktemp("win"), PACKAGES, subdirs=["win-64"])


def profile(channel: str, prefix: str, install_type: str = "JustMe") -> str:
    return f"""
name: Long
version: "1"
platforms: [win-64]
channels: ["{channel}"]
condarc: {{channels: [internal]}}  # installed machines use another channel
packages: {{specs: {{base: [scientific-app, conda]}}}}
install: {{uninstall_name: Long}}
deploy:
  org: Acme
  windows: {{prefix: '{prefix}', install_type: {install_type}}}
"""


def prefix_of(length: int) -> str:
    start = "C:\\apps\\"
    return start + "x" * (length - len(start))


def test_package_paths_read_the_archive(channel: str) -> None:
    archive = Path(channel.removeprefix("file://")) / "win-64" / PACKAGES[0].filename
    assert package_paths(archive) == ["share/scientific-app/README"]


def test_lock_records_the_longest_path_of_the_windows_installer(channel, cli, write, tmp_path):
    write("p.yaml", profile(channel, prefix_of(20)))
    assert cli("lock", tmp_path / "p.yaml", "--cache-dir", tmp_path / "cache").code == 0
    lock = YAML(typ="safe").load((tmp_path / "p.lock.yaml").read_text())
    assert lock["platforms"]["win-64"]["longest_path"] == LONGEST


@pytest.mark.parametrize("install_type", ["JustMe", "AllUsers"])
def test_a_prefix_the_installer_would_refuse(channel, cli, write, tmp_path, install_type):
    fits = write("p.yaml", profile(channel, prefix_of(ROOM), install_type))
    assert cli("lock", fits, "--cache-dir", tmp_path / "cache").code == 0
    assert cli("validate", fits, "--strict").code == 0
    assert cli("render", fits, "-o", tmp_path / "ok").code == 0

    lock = (tmp_path / "p.lock.yaml").read_text()
    write("p.yaml", profile(channel, prefix_of(ROOM + 1), install_type))
    (tmp_path / "p.lock.yaml").write_text(lock)  # the same packages, still fresh
    validated = cli("validate", tmp_path / "p.yaml")
    rendered = cli("render", tmp_path / "p.yaml", "-o", tmp_path / "out")
    where = "p.yaml:10:21: deploy.windows.prefix: "
    said = (
        f"{ROOM + 1} characters, but the longest path the win-64 installer writes below it "
        f"is {LONGEST}, so the prefix may have at most {ROOM}"
    )
    if install_type == "JustMe":  # refused: nothing may turn long paths on
        assert validated.code == 1 and where + said in validated.err
        assert "choose a shorter folder" in validated.err
        assert rendered.code == 1 and where + said in rendered.err
        assert not (tmp_path / "out").exists()
    else:  # an administrator's install turns LongPathsEnabled on instead
        assert validated.code == 0 and where + "warning: " + said in validated.err
        assert "sets LongPathsEnabled for the whole machine" in validated.err
        assert cli("validate", tmp_path / "p.yaml", "--strict").code == 1
        assert rendered.code == 0


def test_a_lock_without_the_measurement_says_so(channel, cli, write, tmp_path):
    written = write("p.yaml", profile(channel, prefix_of(30)))
    assert cli("lock", written, "--cache-dir", tmp_path / "cache").code == 0
    lock = tmp_path / "p.lock.yaml"
    lines = lock.read_text().splitlines(keepends=True)
    lock.write_text("".join(line for line in lines if "longest_path" not in line))
    result = cli("validate", written)
    assert result.code == 0
    assert "are not checked against MAX_PATH; run `lock --packages-dir DIR`" in result.err
