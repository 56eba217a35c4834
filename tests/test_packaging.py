"""The wheel carries the templates, and the installed command finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.mark.slow
def test_wheel_ships_templates_and_runs_from_them(tmp_path: Path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0 and "satisfies the requirement hatchling" in built.stderr:
        pytest.skip("hatchling, the build backend, cannot be downloaded here")
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("installer_factory-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "factory").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert any(name.endswith(".j2") for name in shipped)
    assert shipped <= names
    # import from the unpacked wheel alone: templates must come from inside it
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = (
        "from factory.render.project import TEMPLATES; import factory; "
        "print(TEMPLATES); print(factory.__file__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    templates, module = done.stdout.split()
    assert templates == str(unpacked / "factory" / "render" / "templates")
    assert module.startswith(str(unpacked))
