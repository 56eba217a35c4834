"""The fake install every script test relies on: it ships exactly what construct.yaml
lists, in both of constructor's `extra_files` forms, and runs post_install the way the
.sh installer does. Checked here on a hand-made project, apart from the product."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fake_install import lay_out

from factory.platforms import Platform

CONSTRUCT = """\
name: Hand
version: "2.5"
channels:
  - conda-forge
specs:
  - python
  - conda
condarc:
  channels:
    - internal
extra_files:
  - notes.txt
  - data/config.ini: etc/hand/config.ini
  - data/a.txt: a.txt
    data/b.txt: deep/er/b.txt
post_install: post_install.sh
"""
# Writes what it sees (cwd, the installer's variables) to a file outside the prefix.
SCRIPT = """\
#!/bin/sh
{ pwd; for v in PREFIX INSTALLER_NAME INSTALLER_VER INSTALLER_PLAT INSTALLER_TYPE \\
  INSTALLER_UNATTENDED FORCE; do eval "printf '%s=%s\\n' $v \\"\\${$v-unset}\\""; done
  printf 'CONDARC=%s\\n' "${CONDARC-unset}"; } >"$PREFIX/../seen.txt"
"""


@dataclass
class HandMade:
    platform: Platform = Platform.linux_64
    files: dict[str, bytes] = field(
        default_factory=lambda: {
            "construct.yaml": CONSTRUCT.encode(),
            "post_install.sh": SCRIPT.encode(),
            "notes.txt": b"notes\n",
            "data/config.ini": b"[x]\n",
            "data/a.txt": b"a",
            "data/b.txt": b"b",
            "data/unlisted.txt": b"in the project, not in extra_files",
            "README.md": b"not shipped either",
        }
    )


def test_exactly_the_listed_files_reach_the_prefix(tmp_path: Path) -> None:
    install = lay_out(tmp_path, HandMade())
    assert install.laid_out == [
        ".condarc",
        "a.txt",
        "bin/conda",
        "deep/er/b.txt",
        "etc/hand/config.ini",
        "notes.txt",  # a plain path: the prefix root, under its own name
        "pkgs/post_install.sh",
    ]
    assert (install.prefix / "etc/hand/config.ini").read_bytes() == b"[x]\n"
    # a mapping is written as YAML
    assert (install.prefix / ".condarc").read_text() == "channels:\n- internal\n"


def test_post_install_sees_what_the_sh_installer_gives_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONDARC", "/somewhere/else")  # the installer unsets it
    install = lay_out(tmp_path, HandMade())
    done = install.post_install(unattended=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "seen.txt").read_text().splitlines() == [
        str(install.prefix),
        f"PREFIX={install.prefix}",
        "INSTALLER_NAME=Hand",
        "INSTALLER_VER=2.5",
        "INSTALLER_PLAT=linux-64",
        "INSTALLER_TYPE=SH",
        "INSTALLER_UNATTENDED=0",
        "FORCE=0",
        "CONDARC=unset",
    ]
    install.finish()
    assert not (install.prefix / "pkgs").exists()


def test_the_recording_conda_refuses_conda_repo_as_conda_26_3_does(tmp_path: Path) -> None:
    """conda 26.3 and later no longer run `conda-*` executables as subcommands (conda pull
    request 15840): `conda repo` is argparse's invalid choice, exit 2. conda-repo-cli's own
    executable works, and its calls are logged as conda-repo's."""
    project = HandMade()
    construct = project.files["construct.yaml"].decode()
    with_cli = construct.replace("  - conda\n", "  - conda\n  - conda-repo-cli\n")
    project.files["construct.yaml"] = with_cli.encode()
    install = lay_out(tmp_path, project)
    assert "bin/conda-repo" in install.laid_out  # where conda-repo-cli's package puts it
    env = {"PATH": "/usr/bin:/bin", "RECORDER_LOG": str(install.log)}
    conda = install.prefix / "bin" / "conda"
    refused = subprocess.run(
        [str(conda), "repo", "config", "--set", "default_site", "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert refused.returncode == 2
    assert "invalid choice: 'repo'" in refused.stderr
    direct = subprocess.run(
        [str(install.prefix / "bin" / "conda-repo"), "config", "--set", "default_site", "x"],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert direct.returncode == 0
    assert install.calls() == [
        ["repo", "config", "--set", "default_site", "x"],
        ["conda-repo", "config", "--set", "default_site", "x"],
    ]


def test_a_listed_file_missing_from_the_project_fails_the_build(tmp_path: Path) -> None:
    project = HandMade()
    del project.files["notes.txt"]
    with pytest.raises(AssertionError, match=r"extra_files source notes\.txt missing"):
        lay_out(tmp_path, project)
