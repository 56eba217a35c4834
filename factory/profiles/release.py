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


class StampRefused(InputError):
    """A month that is not one, or a stamp that would move the release backwards: refused
    as a usage error (exit 2), the file left as it was."""

    exit_code = 2


@dataclass
class Stamped:
    file: Path
    month: str
    rebuild: str
    series: str
    previous: str = ""  # the release name before the stamp, "" when it had no month

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
    """Set release.month (default: this month, which clears the letter) or, with rebuild,
    bump the letter of the month in the file; `month` then only confirms which month is
    rebuilt and must be that one. Never moves a release backwards."""
    from ruamel.yaml import YAML

    from factory.profiles.yamlfile import load_yaml_file

    load_yaml_file(file)  # same one-line errors as everywhere for unreadable files
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    data = yaml.load(file.read_text(encoding="utf-8"))
    release = data.get("release") if hasattr(data, "get") else None
    shown = display_path(file)
    if not hasattr(release, "get") or not release.get("series"):
        raise InputError(
            f"{shown}: has no release.series to stamp; add "
            "`release: {series: NAME, month: YYYY-MM}` first"
        )
    if month is not None and not re.fullmatch(MONTH_PATTERN, month):
        raise StampRefused(f"--month {month!r}: expected YYYY-MM, e.g. 2026-11")
    series = str(release["series"])
    old_month = str(release.get("month") or "")
    old_letter = str(release.get("rebuild") or "")
    known = re.fullmatch(MONTH_PATTERN, old_month) is not None
    previous = f"{series}_{old_month.replace('-', '')}{old_letter}" if known else ""
    if rebuild:
        if not known:
            raise InputError(
                f"{shown}: release.month is missing or not YYYY-MM, so there is no release "
                "to rebuild; stamp a month first (--month YYYY-MM without --rebuild)"
            )
        if month is not None and month != old_month:
            raise StampRefused(
                f"--month {month} --rebuild: {shown} is the {old_month} release ({previous}); "
                "--rebuild makes the next rebuild of the month in the file, and --month only "
                f"confirms which: give --month {old_month}, or drop --rebuild to start "
                f"{month}'s release"
            )
        release["rebuild"] = next_letter(old_letter)
    else:
        new_month = month or (today or dt.date.today()).strftime("%Y-%m")
        if known and (new_month, "") < (old_month, old_letter):
            given = f"--month {month}" if month else f"this month ({new_month}, the default)"
            why = (
                f"would drop rebuild letter {old_letter!r} and go back to {series}_"
                f"{new_month.replace('-', '')}"
                if new_month == old_month
                else f"is before {old_month}"
            )
            raise StampRefused(
                f"{shown}: the release is {previous}; {given} {why}: a stamp never moves a "
                "release backwards (use --rebuild for the next letter)"
            )
        release["month"] = new_month
        if "rebuild" in release:
            release["rebuild"] = ""
    text = io.StringIO()
    yaml.dump(data, text)
    # the profile keeps its permissions; only its release lines change
    write_bytes_atomic(file, text.getvalue().encode("utf-8"), mode=file.stat().st_mode & 0o777)
    return Stamped(file, str(release["month"]), str(release.get("rebuild") or ""), series, previous)
