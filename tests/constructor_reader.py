"""How constructor 3.16 reads a construct.yaml, restated from its source for tests.

Kept independent of factory/ on purpose: the tests check the product against this, so a
product mistake in quoting or rendering cannot hide behind the same mistake here.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

# conda-build's selector pattern as constructor uses it
SEL_PAT = re.compile(r"(.+?)\s*(#.*)?\[([^\[\]]+)\](?(2)[^\(\)]*)$")

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "construct.schema.json"


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


@cache
def schema() -> dict[str, Any]:
    import pytest

    if not SCHEMA_FILE.is_file():
        pytest.skip(f"constructor's schema is read from {SCHEMA_FILE} (shared/ beside the clone)")
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_errors(data: dict[str, Any]) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def _names(specs: list[str]) -> set[str]:
    return {re.split(r"[\s=<>!\[~]", s.split("::")[-1], maxsplit=1)[0].lower() for s in specs}


def build_time_errors(data: dict[str, Any], platform: str, project: Path | None) -> list[str]:
    """The cross-key rules constructor applies only during a build (constructor-notes §1)."""
    errors = []
    os_ = platform.split("-")[0]
    types = data.get("installer_type", [])
    types = [types] if isinstance(types, str) else list(types)
    allowed = {"linux": {"sh"}, "osx": {"sh", "pkg"}, "win": {"exe", "msi"}}[os_]
    if not set(types) <= allowed:
        errors.append(f"installer_type {types} not buildable for {platform}")
    if not data.get("channels") and not data.get("channels_remap"):
        errors.append("neither channels nor channels_remap")
    names = _names(data.get("specs", []))
    if data.get("batch_mode") and data.get("license_file") and "sh" in types:
        errors.append("batch_mode with license_file")
    if data.get("initialize_conda") and "conda" not in names:
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
    specs = data.get("specs", [])
    if len(_names(specs)) != len(specs):
        errors.append("a package name appears twice in specs")
    for key in ("post_install", "pre_install"):
        if key in data:
            suffix = ".bat" if os_ == "win" else ".sh"
            if not data[key].endswith(suffix):
                errors.append(f"{key} must be a {suffix} script on {platform}")
    if project is not None:
        for key in ("license_file", "post_install", "welcome_image", "header_image", "icon_image"):
            if key in data and not (project / data[key]).is_file():
                errors.append(f"{key} {data[key]} missing from the project")
        for entry in data.get("extra_files", []):
            for source in entry if isinstance(entry, dict) else [entry]:
                if not (project / source).is_file():
                    errors.append(f"extra_files source {source} missing from the project")
        licence = data.get("license_file")
        if licence and "sh" in types and not (project / licence).read_bytes().isascii():
            errors.append("sh licence must be ASCII")
    return errors
