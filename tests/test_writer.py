"""Output is replaced only whole, only when ours, and a failed write keeps the old output."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROFILES, read_tree

from factory.errors import OutputError
from factory.output.staged import write_projects
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project


def test_foreign_directory_is_never_replaced(tmp_path: Path, cli):
    target = tmp_path / "Minimal" / "linux-64"
    target.mkdir(parents=True)
    (target / "notes.txt").write_text("mine")
    result = cli("render", PROFILES / "minimal.yaml", "-o", tmp_path, "--platform", "linux-64")
    assert result.code == 3
    assert "not rendered by installer-factory" in result.err
    assert (target / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_failed_write_leaves_earlier_output_untouched(tmp_path: Path, monkeypatch):
    loaded = load_profile(PROFILES / "minimal.yaml")
    projects = [render_project(loaded, p) for p in (Platform.linux_64, Platform.win_64)]
    write_projects(projects, tmp_path)
    before = read_tree(tmp_path)
    projects[1].files["construct.yaml"] = b"changed"

    real = Path.write_bytes
    calls = {"n": 0}

    def failing(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OutputError, match="No space left"):
        write_projects(projects, tmp_path)
    monkeypatch.undo()
    assert read_tree(tmp_path) == before
    leftovers = [p for p in tmp_path.rglob(".*new-*")]
    assert leftovers == []


def test_rerender_replaces_stale_files(tmp_path: Path):
    loaded = load_profile(PROFILES / "minimal.yaml")
    project = render_project(loaded, Platform.linux_64)
    [target] = write_projects([project], tmp_path)
    (target / "stale.txt").write_text("old")
    write_projects([project], tmp_path)
    assert not (target / "stale.txt").exists()
    assert (target / "construct.yaml").read_bytes() == project.files["construct.yaml"]


def test_scripts_are_executable(tmp_path: Path):
    loaded = load_profile(PROFILES / "acme-datasci-prod.yaml")
    [target] = write_projects([render_project(loaded, Platform.linux_64)], tmp_path)
    assert (target / "post_install.sh").stat().st_mode & 0o111
