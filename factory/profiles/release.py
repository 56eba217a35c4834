"""Stamp a profile's release (series_YYYYMM, letter suffix for a security rebuild) in place.

The file is edited with ruamel's round-trip mode so comments and layout survive.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from factory.errors import InputError, display_path
from factory.output.atomic import write_bytes_atomic
from factory.profiles.fields import MONTH_PATTERN


@dataclass
class Stamped:
    file: Path
    month: str
    rebuild: str
    series: str

    @property
    def name(self) -> str:
        return f"{self.series}_{self.month.replace('-', '')}{self.rebuild}"


def next_letter(current: str) -> str:
    if not current:
        return "a"
    if current == "z":
        raise InputError("release.rebuild is already z; start a new month instead")
    return chr(ord(current) + 1)


def stamp(file: Path, *, month: str | None, rebuild: bool, today: dt.date | None = None) -> Stamped:
    """Set release.month (default: this month, which clears the letter) or bump the letter."""
    from ruamel.yaml import YAML

    from factory.profiles.yamlfile import load_yaml_file

    load_yaml_file(file)  # same one-line errors as everywhere for unreadable files
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    data = yaml.load(file.read_text(encoding="utf-8"))
    release = data.get("release") if hasattr(data, "get") else None
    if not hasattr(release, "get") or not release.get("series"):
        raise InputError(
            f"{display_path(file)}: has no release.series to stamp; add "
            "`release: {series: NAME, month: YYYY-MM}` first"
        )
    if month is not None and not re.fullmatch(MONTH_PATTERN, month):
        raise InputError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-11")
    if rebuild:
        release["rebuild"] = next_letter(str(release.get("rebuild") or ""))
        if month is not None:
            release["month"] = month
    else:
        release["month"] = month or (today or dt.date.today()).strftime("%Y-%m")
        if "rebuild" in release:
            release["rebuild"] = ""
    text = io.StringIO()
    yaml.dump(data, text)
    # the profile keeps its permissions; only its release lines change
    write_bytes_atomic(file, text.getvalue().encode("utf-8"), mode=file.stat().st_mode & 0o777)
    return Stamped(
        file, str(release["month"]), str(release.get("rebuild") or ""), str(release["series"])
    )
