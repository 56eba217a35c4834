"""The package's shape: the README's map matches the tree, the public API resolves, module
names never shadow the standard library, and long modules say why they are long."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
from conftest import REPO

PACKAGE = REPO / "factory"
MAX_LINES = 400
# folders of package data, not code
DATA_DIRS = {"templates", "new-profile", "org-repo", "__pycache__"}


def _package_entries() -> set[str]:
    """Every module and subpackage, as README paths: `factory/cli/`, `factory/cli/main.py`."""
    out = {"factory/"}
    for path in PACKAGE.rglob("*"):
        rel = path.relative_to(REPO)
        if DATA_DIRS & set(rel.parts):
            continue
        if path.is_dir():
            out.add(rel.as_posix() + "/")
        elif path.suffix == ".py" and (path.name != "__init__.py" or path.parent == PACKAGE):
            out.add(rel.as_posix())  # a subpackage's __init__ is its folder's line
    return out


def _readme_map() -> set[str]:
    """The paths in the README's development map: one entry a line, two spaces a level."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Development") :]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "README's Development section has the package map in a code block"
    entries: set[str] = set()
    stack: list[str] = []
    for line in block.group(1).splitlines():
        match = re.match(r"^( *)(\S+/|\S+\.py)(?:\s|$)", line)
        if not match:
            continue  # a continuation of the description above
        depth = len(match.group(1)) // 2
        stack[depth:] = [match.group(2)]
        path = "".join(stack)
        if path.startswith("factory/"):
            entries.add(path)
    return entries


def test_readme_map_lists_every_module_and_only_modules_that_exist():
    listed, actual = _readme_map(), _package_entries()
    assert sorted(actual - listed) == [], "modules missing from README's development map"
    assert sorted(listed - actual) == [], "README's development map names modules that are gone"


def test_no_module_shadows_the_standard_library():
    clashes = [
        path.relative_to(REPO).as_posix()
        for path in PACKAGE.rglob("*")
        if not DATA_DIRS & set(path.relative_to(PACKAGE).parts)
        and (path.is_dir() or path.suffix == ".py")
        and path.stem in sys.stdlib_module_names
    ]
    assert clashes == []


def test_long_modules_say_why_at_their_top():
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "long because" in doc, f"{path.relative_to(REPO)}: {lines} lines, no reason given"


def test_public_api_resolves_and_import_stays_light():
    code = (
        "import sys, factory\n"
        "light = sorted(m for m in sys.modules if m.startswith('factory'))\n"
        "missing = [n for n in factory.__all__ if getattr(factory, n, None) is None]\n"
        "print(light, missing)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    light, missing = done.stdout.strip().split("] [")
    assert light == "['factory', 'factory.version'"
    assert missing == "]"


def test_public_api_names_what_the_command_line_uses():
    import factory

    for name in ("load_profile", "render_project", "write_projects", "run_builds", "lock_profile"):
        assert name in factory.__all__
        assert callable(getattr(factory, name))
    with pytest.raises(AttributeError):
        _ = factory.no_such_name  # type: ignore[attr-defined]


def test_nothing_imports_the_command_line():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "cli" or rel.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("factory.cli"), f"{rel} imports {node.module}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("factory.cli"), f"{rel} imports the cli"


def test_readme_key_table_names_files_that_exist():
    """The "Where each key lives" table points at real modules, templates and tests."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Where each key lives") : text.index("### Layered profiles")]
    named = set(re.findall(r"`([\w/.-]+\.(?:py|j2))`", section))
    assert named, "the table names files"
    places = [PACKAGE, PACKAGE / "render" / "templates", REPO / "tests"]
    missing = sorted(n for n in named if not any((base / n).is_file() for base in places))
    assert missing == []


def _table_keys() -> set[str]:
    """The profile keys the "Where each key lives" table names in its first column."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Where each key lives") : text.index("### Layered profiles")]
    keys: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and cells[1].strip().startswith("`"):
            for key in re.findall(r"`([\w.\[\]<>]+)`", cells[1]):
                keys.add(re.sub(r"\[\]$", "", key))
    return keys


def test_readme_key_table_has_a_row_for_every_profile_key():
    """Every top-level profile key, every authentication method and every key issue-level
    features added inside a section has its own row, so a reader finds where it lives."""
    from factory.profiles.model import Auth, Condarc, Profile

    keys = _table_keys()
    wanted = set(Profile.model_fields)
    wanted |= {f"auth.{name}" for name in Auth.model_fields}
    wanted |= {"condarc.enforce", "install.installer_filename", "install.build_outputs"}
    wanted |= {"install.scope", "install.conclusion_text", "images.welcome_text"}
    assert "enforce" in Condarc.model_fields
    covered = {
        key
        for key in wanted
        if key in keys or any(k.startswith(key + ".") or k.startswith(key + "[") for k in keys)
    }
    assert sorted(wanted - covered) == []
