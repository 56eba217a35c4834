"""`installer-factory new`: a profile from the cookiecutter template in new-profile/ beside this."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from factory.errors import InputError, OutputError, display_path


def template_dir() -> Path:
    return Path(__file__).parent / "new-profile"


def template_keys() -> dict[str, str]:
    data = json.loads((template_dir() / "cookiecutter.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def parse_sets(pairs: list[str]) -> dict[str, str]:
    allowed = template_keys()
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"--set {pair!r}: expected KEY=VALUE")
        if key not in allowed:
            raise InputError(f"--set {key}: unknown; known keys: {', '.join(allowed)}")
        out[key] = value
    return out


def scaffold(output_dir: Path, values: dict[str, str], *, no_input: bool) -> Path:
    """Render the template into a scratch folder, then move the profile into place."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.main import cookiecutter

    with tempfile.TemporaryDirectory(prefix="installer-factory-new-") as scratch:
        scratch_dir = Path(scratch)
        config = {  # keep cookiecutter's replay files out of the user's home
            "replay_dir": str(scratch_dir / "replay"),
            "cookiecutters_dir": str(scratch_dir / "cookiecutters"),
            "default_context": {},
            "abbreviations": {},
        }
        try:
            made = Path(
                cookiecutter(
                    str(template_dir()),
                    no_input=no_input,
                    extra_context=values,
                    output_dir=str(scratch_dir / "out"),
                    default_config=config,
                )
            )
        except CookiecutterException as exc:
            raise InputError(f"new: {exc}") from None
        produced = sorted(made.glob("*.yaml"))
        if len(produced) != 1:
            raise OutputError("new: the template produced no profile")
        target = output_dir / produced[0].name
        if target.exists():
            raise OutputError(f"{display_path(target)}: already exists; not overwritten")
        output_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced[0], target)
    schema = output_dir / "profile.schema.json"
    if not schema.exists():  # the new profile's `$schema=` line points at it
        from factory.profiles.schema import schema_text

        schema.write_text(schema_text(), encoding="utf-8")
    return target
