"""`freeze_base` and `extra_envs`: rendered for constructor on every platform, refused where
constructor would refuse them, and laid out as constructor's installers lay them out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from constructor_reader import build_time_errors, parse, schema_errors
from fake_install import lay_out

from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project

PROFILE = """
name: Protected
version: "1"
channels: [https://repo.example/main]
channels_remap:
  - {src: https://repo.example/main, dest: https://mirror.corp/main}
  - {src: https://repo.example/ml, dest: https://mirror.corp/ml}
packages:
  specs:
    base: [python, conda]
  exclude: [tk]
freeze_base: {message: "base is managed by IT; use the work environment"}
extra_envs:
  work:
    specs:
      science: [numpy, "pandas >=2"]
    os:
      win: {windows: [pywin32]}
    platform:
      linux-64: {gpu: [cuda-only]}
    channels: [https://repo.example/ml, https://repo.example/main]
    exclude: []
    menu_packages: []
    freeze: {}
  "1.0":
    specs: {tools: [python]}
"""


@pytest.fixture
def profile(write) -> Path:
    return write("p.yaml", PROFILE)


@pytest.mark.parametrize("platform", list(Platform))
def test_every_platform_renders_a_project_constructor_accepts(
    profile: Path, platform: Platform
) -> None:
    project = render_project(load_profile(profile), platform)
    text = project.files["construct.yaml"].decode()
    data = parse(text)  # also: no line reads as a selector
    assert schema_errors(data) == []
    assert build_time_errors(data, platform.value, None) == []
    assert data["freeze_base"] == {
        "conda": {"message": "base is managed by IT; use the work environment"}
    }
    envs = data["extra_envs"]
    assert sorted(envs) == ["1.0", "work"]  # "1.0" stays a name, not a number
    work = envs["work"]
    expected = ["numpy", "pandas >=2"]
    expected += ["pywin32"] if platform.os.value == "win" else []
    expected += ["cuda-only"] if platform is Platform.linux_64 else []
    assert work["specs"] == expected
    assert work["channels"] == ["https://repo.example/ml", "https://repo.example/main"]
    assert work["exclude"] == [] and work["menu_packages"] == []
    assert work["freeze_env"] == {"conda": {}}
    assert "channels_remap" not in work  # inherits the top-level one, as constructor does
    assert envs["1.0"] == {"specs": ["python"]}  # everything else inherited
    assert {"envs/work.condarc": "envs/work/.condarc"} in data["extra_files"]


def test_an_environment_with_channels_of_its_own_ships_its_condarc(profile: Path) -> None:
    """conda reads `$CONDA_PREFIX/.condarc` while the environment is active; constructor
    writes none, so the environment's (remapped) channels would be lost after install."""
    project = render_project(load_profile(profile), Platform.linux_64)
    from ruamel.yaml import YAML

    rc = YAML(typ="safe").load(project.files["envs/work.condarc"].decode())
    assert rc == {"channels": ["https://mirror.corp/ml", "https://mirror.corp/main"]}
    assert "envs/1.0.condarc" not in project.files  # base's channels: nothing to add


def test_the_installer_lays_down_frozen_markers_and_the_environment(
    profile: Path, tmp_path: Path
) -> None:
    project = render_project(load_profile(profile), Platform.linux_64)
    install = lay_out(tmp_path, project)
    marker = install.prefix / "conda-meta" / "frozen"
    assert json.loads(marker.read_text()) == {
        "message": "base is managed by IT; use the work environment"
    }
    assert json.loads((install.prefix / "envs/work/conda-meta/frozen").read_text()) == {}
    assert not (install.prefix / "envs/1.0/conda-meta/frozen").exists()
    rc = (install.prefix / "envs/work/.condarc").read_text()
    assert "https://mirror.corp/ml" in rc and "repo.example" not in rc


def test_without_freeze_there_is_no_marker(write, tmp_path: Path) -> None:
    text = PROFILE.replace(
        'freeze_base: {message: "base is managed by IT; use the work environment"}\n', ""
    )
    text = text.replace("    freeze: {}\n", "")
    install = lay_out(
        tmp_path, render_project(load_profile(write("p.yaml", text)), Platform.linux_64)
    )
    data = install.construct
    assert "freeze_base" not in data and "freeze_env" not in data["extra_envs"]["work"]
    assert not list(install.prefix.rglob("frozen"))


@pytest.mark.parametrize(
    ("change", "located", "words"),
    [
        (("    base: [python, conda]", "    base: [python]"), "extra_envs", "needs `conda`"),
        (("  work:", "  root:"), "extra_envs.root", "`base` and `root`"),
        (("  work:", "  Work/1:"), "extra_envs['Work/1']", "pattern"),
        (
            ("    exclude: []\n    menu", "    menu", "[numpy, ", "[numpy, tk, "),
            "extra_envs.work",
            "packages.exclude drops",
        ),
        (("    exclude: []", "    exclude: [numpy]"), "extra_envs.work.exclude[0]", "both"),
        (
            (
                "    channels: [https://repo.example/ml, https://repo.example/main]",
                "    channels: []",
            ),
            "extra_envs.work.channels",
            "at least 1",
        ),
        (
            ('  "1.0":\n    specs: {tools: [python]}', '  "1.0":\n    os: {win: {t: [python]}}'),
            "extra_envs['1.0'].specs",
            "no packages for linux-64",
        ),
        (
            ('[numpy, "pandas >=2"]', "[numpy, numpy >=1]"),
            "extra_envs.work.specs.science[1]",
            "already requested",
        ),
        (
            ('[numpy, "pandas >=2"]', '[numpy, "pandas =>2"]'),
            "extra_envs.work.specs.science[1]",
            "not a package spec",
        ),
    ],
)
def test_validate_refuses_at_the_key(cli, write, change, located: str, words: str) -> None:
    text = PROFILE
    for old, new in zip(change[::2], change[1::2], strict=True):
        assert old in text
        text = text.replace(old, new)
    file = write("p.yaml", text)
    result = cli("validate", file)
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if f" {located}" in line]
    assert lines, result.err
    line = lines[0]
    assert line.startswith(f"{file}:") and line.split(":")[1].isdigit()
    assert words in line


def test_ignore_duplicate_files_false_is_a_warning_with_extra_envs(cli, write) -> None:
    file = write("p.yaml", PROFILE + "install: {ignore_duplicate_files: false}\n")
    result = cli("validate", file)
    assert result.code == 0
    assert "install.ignore_duplicate_files: warning: has no effect with extra_envs" in result.err
    assert cli("validate", "--strict", file).code == 1


def test_an_environment_remap_missing_from_the_top_level_is_a_warning(cli, write) -> None:
    extra = "    channels_remap:\n      - {src: https://repo.example/ml, dest: https://other/ml}\n"
    file = write("p.yaml", PROFILE.replace("    freeze: {}\n", "    freeze: {}\n" + extra))
    result = cli("validate", file)
    assert result.code == 0, result.err
    assert "extra_envs.work.channels_remap[0]: warning: constructor records" in result.err


def test_the_reader_follows_constructors_frozen_and_extra_envs_rules() -> None:
    """main.py `validate_frozen_envs`, `main_build`; fcp.py `_main`."""
    base = {"name": "x", "version": "1", "channels": ["c"], "specs": ["python", "conda"]}
    frozen = {**base, "freeze_base": {"conda": {}}, "extra_files": [{"a": "conda-meta/frozen"}]}
    assert build_time_errors(frozen, "linux-64", None) == [
        "frozen marker of base from both freeze_* and extra_files"
    ]
    env = {"specs": ["numpy"], "freeze_env": {"conda": {}}}
    both = {**base, "extra_envs": {"w": env}, "extra_files": [{"a": "envs/w/conda-meta/frozen"}]}
    assert build_time_errors(both, "linux-64", None) == [
        "frozen marker of w from both freeze_* and extra_files"
    ]
    no_conda = {**base, "specs": ["python"], "extra_envs": {"w": {"specs": ["numpy"]}}}
    assert build_time_errors(no_conda, "linux-64", None) == ["extra_envs without conda in base"]
    root = {**base, "extra_envs": {"root": {"specs": ["numpy"]}}}
    assert build_time_errors(root, "linux-64", None) == ["extra_envs name root cannot be used"]
    absent = {**base, "extra_envs": {"w": {"specs": ["numpy"], "exclude": ["not-solved"]}}}
    assert build_time_errors(absent, "linux-64", None) == []  # need not be in the solve


def test_layers_add_replace_and_drop_environments_by_name(write) -> None:
    write("org.yaml", PROFILE + "abstract: true\n")
    child = write(
        "team.yaml",
        """
extends: org
abstract: false
name: Team
extra_envs:
  "1.0": ~
  work:
    specs: {science: [scipy]}
  gpu:
    specs: {ml: [python]}
""",
    )
    envs = load_profile(child).profile.extra_envs
    assert sorted(envs) == ["gpu", "work"]
    assert envs["work"].specs == {"science": ["scipy"]}
    assert envs["work"].os["win"] == {"windows": ["pywin32"]}  # inherited, merged
    assert envs["work"].freeze is not None


def test_an_environment_remap_to_plain_http_is_refused(cli, write) -> None:
    extra = (
        "    channels_remap:\n      - {src: https://repo.example/ml, dest: http://mirror.corp/ml}\n"
    )
    file = write("p.yaml", PROFILE.replace("    freeze: {}\n", "    freeze: {}\n" + extra))
    result = cli("validate", file)
    assert result.code == 1
    assert "extra_envs.work.channels_remap[0].dest: http:// would send tokens" in result.err
