"""How constructor 3.16 reads a construct.yaml, restated from its source for tests.

Kept independent of factory/ on purpose: the tests check the product against this, so a
product mistake in quoting or rendering cannot hide behind the same mistake here.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

# conda-build's selector pattern as constructor uses it
SEL_PAT = re.compile(r"(.+?)\s*(#.*)?\[([^\[\]]+)\](?(2)[^\(\)]*)$")

# constructor's schema is package data of constructor (conda package `constructor`; the
# unrelated PyPI project of that name has none). CI keeps a copy beside the clone, in
# ../shared/reference; it is never copied into this repository.
SCHEMA_IN_PACKAGE = ("data", "construct.schema.json")
SCHEMA_BESIDE_CLONE = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "construct.schema.json"
)


def select_lines(text: str) -> tuple[str, list[str]]:
    """Apply the selector filter; return the text and any lines taken for selectors."""
    kept, selectors = [], []
    for line in text.splitlines():
        line = line.rstrip()
        if line.lstrip().startswith("#"):
            continue
        if SEL_PAT.match(line):
            selectors.append(line)
            continue
        kept.append(line)
    return "\n".join(kept) + "\n", selectors


def parse(text: str) -> dict[str, Any]:
    filtered, selectors = select_lines(text)
    assert not selectors, f"lines constructor would read as selectors: {selectors}"
    data = YAML(typ="rt").load(io.StringIO(filtered))
    data["version"] = str(data["version"])
    plain = json.loads(json.dumps(data, default=str))
    return {k: v for k, v in plain.items() if v is not None}


def schema_file() -> Path | None:
    """constructor's construct.schema.json: an installed constructor's, else the copy
    beside the clone, else None."""
    spec = importlib.util.find_spec("constructor")  # found without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder).joinpath(*SCHEMA_IN_PACKAGE)
        if candidate.is_file():
            return candidate
    return SCHEMA_BESIDE_CLONE if SCHEMA_BESIDE_CLONE.is_file() else None


@cache
def schema() -> dict[str, Any] | None:
    """The schema, or None when there is none (a failure in CI, where there always is)."""
    found = schema_file()
    if found is None:
        if os.environ.get("CI") == "true":
            import pytest

            pytest.fail(
                "constructor's schema was not found: install constructor or put "
                f"construct.schema.json in {SCHEMA_BESIDE_CLONE.parent}"
            )
        return None
    return json.loads(found.read_text(encoding="utf-8"))


# Set when a check could not run for want of the schema; conftest.py then reports the test,
# if everything else in it passed, as skipped.
_unchecked: list[str] = []


def take_unchecked() -> str:
    """Why the current test's schema check was skipped ("" if it was not); resets."""
    reason = _unchecked[0] if _unchecked else ""
    _unchecked.clear()
    return reason


def schema_errors(data: dict[str, Any]) -> list[str]:
    """constructor's schema errors for `data`. Without the schema: none, and the test that
    asked ends as skipped once its other checks have passed."""
    import jsonschema

    found = schema()
    if found is None:
        _unchecked.append(
            "constructor's construct.schema.json not found (no installed constructor, none "
            f"in {SCHEMA_BESIDE_CLONE.parent}): the schema check was skipped, the rest passed"
        )
        return []
    validator = jsonschema.Draft202012Validator(found)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def _names(specs: list[str]) -> set[str]:
    return {re.split(r"[\s=<>!\[~]", s.split("::")[-1], maxsplit=1)[0].lower() for s in specs}


# A line of conda's explicit environment file (conda/misc.py `_get_url_pattern`): a package
# URL, then optionally `#<md5>` or `#[sha256:]<sha256>` (conda >=24.9).
EXPLICIT_LINE = re.compile(
    r"(?:(?P<url_p>.+)(?:[/\\]))?"
    r"(?P<fn>[^/\\#]+(?:\.conda|\.tar\.bz2))"
    r"(?:#("
    r"(?P<md5>[0-9a-f]{32})"
    r"|((sha256:)?(?P<sha256>[0-9a-f]{64}))"
    r"))?$"
)


def explicit_entries(text: str) -> list[re.Match[str]] | None:
    """The package lines of an `@EXPLICIT` file as conda parses them; None when the file
    is not one (conda would solve its lines as specs). A line conda cannot parse raises."""
    lines = [line.strip() for line in text.splitlines()]
    specs = [line for line in lines if line and not line.startswith("#")]
    if "@EXPLICIT" not in specs:
        return None
    out = []
    for spec in specs:
        if spec == "@EXPLICIT":
            continue
        match = EXPLICIT_LINE.match(spec)
        if match is None or not match.group("url_p"):
            raise ValueError(f"Could not parse explicit URL: {spec}")
        out.append(match)
    return out


def package_name(file_name: str) -> str:
    """`name-version-build.conda` -> name."""
    stem = file_name.removesuffix(".conda").removesuffix(".tar.bz2")
    return stem.rsplit("-", 2)[0]


def _environment_records(
    data: dict[str, Any], project: Path | None, errors: list[str]
) -> list[str] | None:
    """With `environment_file`, the names of the packages constructor takes from it (None
    when they cannot be known here), and the rules of constructor's fcp.py `_solve_precs`:
    `specs` are ignored and `channels` are not used (constructor warns), so a project that
    sets them says something constructor does not do."""
    if data.get("specs"):
        errors.append("specs with environment_file: constructor ignores them")
    if data.get("channels"):
        errors.append("channels with environment_file: not used to create the environment")
    file = data["environment_file"]
    if file.endswith((".yml", ".yaml")):
        errors.append(f"environment_file {file}: conda env create solves an environment.yml")
        return None
    if project is None:
        return None
    if not (project / file).is_file():
        errors.append(f"environment_file {file} missing from the project")
        return None
    try:
        entries = explicit_entries((project / file).read_text(encoding="utf-8"))
    except ValueError as exc:
        errors.append(f"environment_file {file}: {exc}")
        return None
    if entries is None:
        errors.append(f"environment_file {file} is not @EXPLICIT: conda would solve it")
        return None
    return [package_name(m.group("fn")) for m in entries]


def _frozen_env(destination: str) -> str | None:
    """main.py `validate_frozen_envs` `get_frozen_env`: the environment whose frozen
    marker an extra_files destination is."""
    parts = Path(destination).parts
    if parts == ("conda-meta", "frozen"):
        return "base"
    if len(parts) == 4 and parts[0] == "envs" and parts[-2:] == ("conda-meta", "frozen"):
        return parts[1]
    return None


def _extra_env_errors(
    data: dict[str, Any], project: Path | None, base_names: set[str] | None, errors: list[str]
) -> None:
    """constructor's rules for `extra_envs` and `freeze_base`/`freeze_env`: main.py
    `main_build` refuses the names base and root; fcp.py `_main` refuses extra_envs
    without conda in base; an environment's `environment_file` follows fcp.py
    `_solve_precs` as base's does (below), its `exclude` names need not be solved
    (`exclude_packages(..., error_on_absence=False)`); main.py `validate_frozen_envs`
    refuses a frozen marker both from freeze_base/freeze_env and from extra_files."""
    envs = data.get("extra_envs", {})
    if envs and base_names is not None and "conda" not in base_names:
        errors.append("extra_envs without conda in base")
    frozen = {"base"} if (data.get("freeze_base") or {}).get("conda") is not None else set()
    for name, env in envs.items():
        if name in ("base", "root"):
            errors.append(f"extra_envs name {name} cannot be used")
        if (env.get("freeze_env") or {}).get("conda") is not None:
            frozen.add(name)
        for item in env.get("exclude", []):
            if set(item) & set(" =<>*"):
                errors.append(f"extra_envs {name}: bad exclude {item}")
        if env.get("environment_file"):
            _environment_records(env, project, errors)
        elif not env.get("specs"):
            errors.append(f"extra_envs {name}: no specs and no environment_file")
    destinations = [
        dest
        for entry in data.get("extra_files", [])
        for dest in (entry.values() if isinstance(entry, dict) else [entry])
    ]
    for env_name in sorted(frozen & {_frozen_env(d) for d in destinations}):
        errors.append(f"frozen marker of {env_name} from both freeze_* and extra_files")


def build_time_errors(
    data: dict[str, Any],
    platform: str,
    project: Path | None,
    standalone: tuple[str, str] | None = None,
) -> list[str]:
    """The cross-key rules constructor applies only during a build, outside its schema
    (main.py, fcp.py, shar.py, construct.py); with `standalone` ((kind, version) of the
    --conda-exe), also those on the standalone (`standalone_errors`)."""
    errors = []
    os_ = platform.split("-")[0]
    types = data.get("installer_type", [])
    types = [types] if isinstance(types, str) else list(types)
    allowed = {"linux": {"sh"}, "osx": {"sh", "pkg"}, "win": {"exe", "msi"}}[os_]
    if not set(types) <= allowed:
        errors.append(f"installer_type {types} not buildable for {platform}")
    from_file = data.get("environment") or data.get("environment_file")
    if not data.get("channels") and not data.get("channels_remap") and not from_file:
        errors.append("neither channels nor channels_remap")
    specs = data.get("specs", [])
    records = None
    if data.get("environment_file"):
        records = _environment_records(data, project, errors)
        # the rules below look at the packages constructor installs: the file's records
        specs = records if records is not None else []
    names = _names(specs)
    if data.get("batch_mode") and data.get("license_file") and "sh" in types:
        errors.append("batch_mode with license_file")
    known = not data.get("environment_file") or records is not None
    if known and data.get("initialize_conda") and "conda" not in names:
        errors.append("initialize_conda without conda")
    if data.get("check_path_spaces") is False and os_ != "win" and "conda" in names:
        errors.append("check_path_spaces false with conda on unix")
    if data.get("windows_signing_tool") in ("signtool", "signtool.exe") and not data.get(
        "signing_certificate"
    ):
        errors.append("signtool without signing_certificate")
    for name in data.get("exclude", []):
        if set(name) & set(" =<>*"):
            errors.append(f"bad exclude {name}")
        elif records is not None and name not in names:  # fcp.py exclude_packages
            errors.append(f"exclude {name}: not among the environment's packages")
    if len(_names(specs)) != len(specs):
        errors.append("a package name appears twice in specs")
    _extra_env_errors(data, project, names if known else None, errors)
    # briefcase.py (MSI) also wants pre_uninstall an existing .bat; winexe.py copies it
    for key in ("post_install", "pre_install", "pre_uninstall"):
        if key in data and (key != "pre_uninstall" or os_ == "win"):
            suffix = ".bat" if os_ == "win" else ".sh"
            if not data[key].endswith(suffix):
                errors.append(f"{key} must be a {suffix} script on {platform}")
    name = data.get("installer_filename")
    # main.py get_output_filename: one name for every type, so each overwrites the last;
    # header.sh refuses to run from a file whose name does not end in .sh
    if name and len(types) > 1:
        errors.append(f"installer_filename {name} given to {len(types)} installer types")
    elif name and types and not name.endswith("." + types[0]):
        errors.append(f"installer_filename {name} for a .{types[0]} installer")
    if project is not None:
        for key in (
            "license_file",
            "post_install",
            "pre_install",
            "pre_uninstall",
            "welcome_image",
            "header_image",
            "icon_image",
        ):
            if key in data and not (project / data[key]).is_file():
                errors.append(f"{key} {data[key]} missing from the project")
        for section in ("extra_files", "temp_extra_files"):  # preconda.copy_extra_files
            for entry in data.get(section, []):
                for source in entry if isinstance(entry, dict) else [entry]:
                    if not (project / source).is_file():
                        errors.append(f"{section} source {source} missing from the project")
        licence = data.get("license_file")
        if licence and "sh" in types and not (project / licence).read_bytes().isascii():
            errors.append("sh licence must be ASCII")
    if standalone is not None:
        errors += standalone_errors(data, platform, *standalone)
    return errors


def _version_at_least(version: str, minimum: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", text)[:3])

    return parts(version) >= parts(minimum)


def standalone_errors(data: dict[str, Any], platform: str, kind: str, version: str) -> list[str]:
    """main.py `main_build` after `identify_conda_exe`: micromamba is refused for win-*;
    `uninstall_with_conda_exe` needs conda-standalone >=24.11.0; `validate_frozen_envs`
    refuses conda-standalone >=25.5.0,<25.7.0 when freeze_base or a freeze_env is set."""
    errors = []
    conda = kind == "conda-standalone"
    if platform.startswith("win-") and kind == "micromamba":
        errors.append("micromamba is not supported on Windows installers")
    if data.get("uninstall_with_conda_exe") and not (
        conda and _version_at_least(version, "24.11.0")
    ):
        errors.append("uninstalling with conda.exe requires conda-standalone 24.11.0 or newer")
    frozen = (data.get("freeze_base") or {}).get("conda") is not None or any(
        (env.get("freeze_env") or {}).get("conda") is not None
        for env in (data.get("extra_envs") or {}).values()
    )
    bad = _version_at_least(version, "25.5.0") and not _version_at_least(version, "25.7.0")
    if frozen and conda and bad:
        errors.append("conda-standalone 25.5.x has known issues with frozen environments")
    return errors
