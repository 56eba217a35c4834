"""User defaults: profile search paths and output directory, from a file in the
platformdirs user config directory (or $INSTALLER_FACTORY_CONFIG).

The default file may be absent (defaults apply); a file named by the variable must exist:
falling back to defaults would hide a typo in the variable, so that is a usage error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, ValidationError

from factory.errors import InputError, ProfileInvalid
from factory.formats.base import StrictModel
from factory.profiles.layering import Layered

CONFIG_ENV = "INSTALLER_FACTORY_CONFIG"
APP_NAME = "installer-factory"
DEFAULT_OUTPUT = Path("build")


class ConfigFile(StrictModel):
    profile_paths: list[str] = Field(
        default_factory=list, description="Folders searched for profiles given by name."
    )
    output_dir: str | None = Field(None, description="Where `render` writes by default.")


@dataclass
class Settings:
    file: Path
    exists: bool
    profile_paths: list[Path] = field(default_factory=list)
    output_dir: Path = DEFAULT_OUTPUT
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where it came from

    def as_dict(self) -> dict[str, object]:
        return {
            "config_file": str(self.file),
            "config_file_exists": self.exists,
            "profile_paths": [str(p) for p in self.profile_paths],
            "output_dir": str(self.output_dir),
            "sources": dict(self.sources),
        }


class ConfigMissing(InputError):
    """$INSTALLER_FACTORY_CONFIG names a file that is not there: a usage error (exit 2)."""

    exit_code = 2


def config_path() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.yaml"


def load_settings() -> Settings:
    file = config_path()
    settings = Settings(
        file=file,
        exists=file.is_file(),
        sources={"profile_paths": "default", "output_dir": "default"},
    )
    if not settings.exists:
        if os.environ.get(CONFIG_ENV):
            state = "is not a file" if file.exists() else "does not exist"
            raise ConfigMissing(
                f"${CONFIG_ENV} names {file}, which {state}; create it (an empty file "
                "means defaults) or unset the variable"
            )
        return settings
    from factory.profiles.diagnostics import problems_from_validation
    from factory.profiles.layering import load_layered

    layered: Layered = load_layered(file)
    try:
        parsed = ConfigFile.model_validate(layered.data)
    except ValidationError as exc:
        raise ProfileInvalid(problems_from_validation(exc, layered, ConfigFile)) from None
    base = file.parent
    if parsed.profile_paths:
        settings.profile_paths = [_under(base, p) for p in parsed.profile_paths]
        settings.sources["profile_paths"] = str(file)
    if parsed.output_dir:
        settings.output_dir = _under(base, parsed.output_dir)
        settings.sources["output_dir"] = str(file)
    return settings


def _under(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path
