"""The bundled acme-analytics example installs as it says: a frozen base, the `work`
environment beside it, Acme's own post-install step (pip in `work` pointed at Acme's PyPI
mirror), settings users cannot override, and anaconda-auth's API key handed over by the
deployment tool. Run through tests/fake_install.py: .sh in bash and dash, .bat under wine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import PROFILES, needs_wine
from fake_install import Install, lay_out
from scripts_support import Wine

from factory.platforms import MARKER_RELPATH, Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project

PROFILE = PROFILES / "acme-analytics.yaml"
KEY_VARIABLE = "ACME_ANACONDA_API_KEY"
API_KEY_FILE = "etc/installer-factory/anaconda-auth/api_key"
ENFORCED = "condarc.d/00-installer-factory.yml"
MARKER = "/".join(MARKER_RELPATH)


def _install(root: Path, platform: Platform, **kwargs: object) -> Install:
    project = render_project(load_profile(PROFILE), platform)
    return lay_out(root, project, **kwargs)  # type: ignore[arg-type]


def _api_key() -> str:
    return "ak-" + os.urandom(16).hex()


def _check_installed(install: Install, key: str, pip_file: str, output: bytes) -> None:
    files = install.files()
    assert MARKER in files
    frozen = json.loads((install.prefix / "conda-meta" / "frozen").read_text())
    assert "managed by Acme IT" in frozen["message"]
    pip = (install.prefix / "envs" / "work" / pip_file).read_text().replace("\r", "")
    assert "index-url = https://pypi.acme.example/simple" in pip
    assert (install.prefix / API_KEY_FILE).read_text().strip() == key
    enforced = (install.prefix / ENFORCED).read_text()
    assert "channels:  #!final" in enforced
    assert "ssl_verify:" in enforced
    assert key.encode() not in output


def test_the_example_installs_on_linux(tmp_path: Path, shell: str) -> None:
    install = _install(tmp_path, Platform.linux_64, prefix_name="acme analytics")
    key = _api_key()
    result = install.post_install(shell=shell, **{KEY_VARIABLE: key})
    assert result.returncode == 0, result.stderr.decode()
    _check_installed(install, key, "pip.conf", result.stdout + result.stderr)


def test_the_example_without_its_api_key_is_not_installed(tmp_path: Path, shell: str) -> None:
    install = _install(tmp_path, Platform.linux_64)
    result = install.post_install(shell=shell, **{KEY_VARIABLE: None})
    assert result.returncode != 0
    assert MARKER not in install.files()
    assert not (install.prefix / "envs" / "work" / "pip.conf").exists()  # admin step not run


@needs_wine
def test_the_example_installs_on_windows(tmp_path: Path, recorder: Path, wine: Wine) -> None:
    install = _install(tmp_path, Platform.win_64, conda=recorder.read_bytes(), wine=wine)
    key = _api_key()
    result = install.post_install(**{KEY_VARIABLE: key})
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    _check_installed(install, key, "pip.ini", result.stdout + result.stderr)


@pytest.mark.parametrize("platform", list(Platform))
def test_the_example_builds_the_work_environment_everywhere(platform: Platform) -> None:
    project = render_project(load_profile(PROFILE), platform)
    assert project.plan.post_install is not None
    text = project.files["construct.yaml"].decode()
    assert "extra_envs:\n  work:\n" in text and "freeze_base:\n" in text
