"""build-matrix.yml `factory:`: every generated job of every engine installs exactly the
pinned installer-factory, and nothing ties the pipeline to where our own source lives."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML
from test_pipelines import check_jsonschema

from factory.ci.engines import ENGINES
from factory.ci.jobs import build_units
from factory.ci.matrix import load_matrix
from factory.ci.pipelines import render_pipeline
from factory.errors import ProfileInvalid
from factory.version import __version__

INSTALL = re.compile(r"pip install --disable-pip-version-check (.*)$", re.MULTILINE)
WHEEL = "wheels/installer_factory-0.1.0-py3-none-any.whl"
SHA = "0123456789abcdef0123456789abcdef01234567"

# (factory: as written, what pip is given, as quoted in the bash steps)
PINS = {
    "version": ('{version: "0.9.1"}', "'installer-factory==0.9.1'"),
    "wheel": (f"{{wheel: {WHEEL}}}", f"'./{WHEEL}'"),
    "vcs-sha": (
        f'{{vcs: "git+https://github.com/acme/installer-factory@{SHA}"}}',
        f"'installer-factory @ git+https://github.com/acme/installer-factory@{SHA}'",
    ),
    "vcs-tag": (
        '{vcs: "git+https://gitlab.example/tools/installer-factory.git@v0.9.1"}',
        "'installer-factory @ git+https://gitlab.example/tools/installer-factory.git@v0.9.1'",
    ),
    "checkout-subfolder": ("{checkout: tools/installer-factory}", "'./tools/installer-factory'"),
    "default": (None, f"'installer-factory=={__version__}'"),
}


def _org_repo(root: Path, factory: str | None) -> Path:
    """An organization's repository: one profile (all five platforms), its matrix, and
    whatever its pin needs (a committed wheel, a vendored source folder)."""
    (root / "profiles").mkdir(parents=True)
    shutil.copy(REPO / "profiles" / "minimal.yaml", root / "profiles" / "minimal.yaml")
    (root / "wheels").mkdir()
    (root / WHEEL).write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: never opened
    vendored = root / "tools" / "installer-factory"
    vendored.mkdir(parents=True)
    (vendored / "pyproject.toml").write_text('[project]\nname = "installer-factory"\n')
    head = 'constructor: "3.16.3"\n' + (f"factory: {factory}\n" if factory else "")
    (root / "build-matrix.yml").write_text(head + "builds:\n  - profile: profiles/minimal.yaml\n")
    return root / "build-matrix.yml"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pin", PINS)
def test_every_build_job_installs_exactly_the_pin(engine, pin, tmp_path):
    written, quoted = PINS[pin]
    matrix = load_matrix(_org_repo(tmp_path / "org", written))
    text = render_pipeline(matrix, engine)
    installs = INSTALL.findall(text)
    builds = len(build_units(matrix))
    assert builds == 5
    # one install per build job; the test jobs install no installer-factory
    assert len(installs) == builds
    windows = text.count('throw "pip install failed')
    assert windows == 1  # the win-64 job's PowerShell step, quoted for PowerShell alike
    assert set(installs) == {quoted}, installs
    assert str(REPO) not in text and "pyproject" not in text


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_a_pinned_pipeline_matches_the_engine_schema(engine, tmp_path):
    matrix = load_matrix(_org_repo(tmp_path / "org", PINS["vcs-tag"][0]))
    file = tmp_path / f"{engine}.yml"
    file.write_text(render_pipeline(matrix, engine))
    result = check_jsonschema(engine, file)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_the_bundled_matrix_installs_this_checkout(engine):
    """This repository pins its own checkout (`factory: {checkout: .}`), the one case
    where a job runs `pip install .`."""
    matrix = load_matrix(REPO / "build-matrix.yml")
    assert matrix.model.factory is not None and matrix.model.factory.checkout == "."
    installs = INSTALL.findall(render_pipeline(matrix, engine))
    assert installs and set(installs) == {"'.'"}


def test_the_pin_is_said_in_the_header_and_the_plan(tmp_path, cli):
    matrix_file = _org_repo(tmp_path / "org", PINS["version"][0])
    text = render_pipeline(load_matrix(matrix_file), "github")
    assert "# Installs installer-factory==0.9.1 (build-matrix.yml `factory:`)." in text
    jobs = YAML(typ="safe").load(text)["jobs"]
    steps = jobs["build_minimal_linux_64"]["steps"]
    step = next(s for s in steps if "pip install" in s.get("run", ""))
    assert step["run"].rstrip().endswith("'installer-factory==0.9.1'")
    result = cli("matrix", "plan", "--matrix", matrix_file, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["factory"] == {
        "kind": "version",
        "value": "0.9.1",
        "requirement": "installer-factory==0.9.1",
        "default": False,
    }
    table = cli("matrix", "plan", "--matrix", matrix_file)
    assert "CI installs installer-factory==0.9.1 from the package index" in table.err


def test_without_factory_the_running_version_is_pinned(tmp_path, cli):
    matrix_file = _org_repo(tmp_path / "org", None)
    result = cli("matrix", "plan", "--matrix", matrix_file)
    assert result.code == 0, result.err
    assert (
        f"CI installs installer-factory=={__version__} from the package index "
        "(no `factory:`: the version running now)"
    ) in result.err


@pytest.mark.parametrize(
    "factory",
    [
        '{vcs: "git+https://github.com/acme/if@v1.0;touch${IFS}pwned"}',
        '{vcs: "git+https://github.com/acme/$(id)@v1.0"}',
        '{vcs: "git+https://github.com/acme/if@v1.0\'"}',
        '{vcs: "git+https://github.com/acme/if@${{github.token}}"}',
        '{wheel: "wheels/installer_factory-0.1.0-py3-none-any.whl;id"}',
        '{checkout: "tools/$(id)"}',
        '{version: "0.1.0 && id"}',
    ],
)
def test_a_pin_that_could_run_something_is_refused(factory, tmp_path):
    """Every pin reaches bash, PowerShell and three engines' YAML: only plain characters
    pass the model, before any quoting."""
    matrix_file = _org_repo(tmp_path / "org", factory)
    with pytest.raises(ProfileInvalid) as refused:
        load_matrix(matrix_file)
    assert [p.path.split(".")[0] for p in refused.value.errors] == ["factory"]
