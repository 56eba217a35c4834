"""Which files an admin's keys name (scripts, extra_files, temp_extra_files), each by the
key path that names it: sources.py reads them once, the rules check what was read, render
ships it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from factory.platforms import OS
from factory.profiles.admin_keys import ExtraFile, ExtraFileValue, extra_file

if TYPE_CHECKING:
    from factory.profiles.model import Profile

KeyPath = tuple[str | int, ...]
SCRIPT_KEYS = ("pre_install", "post_install", "pre_uninstall")


def script_key(step: str, os: OS) -> KeyPath:
    return ("scripts", step, os.value)


def extra_file_key(section: str, name: str, value: ExtraFileValue) -> KeyPath:
    """The key holding the file's path: the entry itself, or its `source`."""
    return (section, name, "source") if isinstance(value, ExtraFile) else (section, name)


def admin_file_keys(profile: Profile) -> list[tuple[KeyPath, str]]:
    out: list[tuple[KeyPath, str]] = []
    scripts = profile.scripts
    for step in SCRIPT_KEYS:
        for os in OS:
            value = getattr(scripts, step).for_os(os)
            if value:
                out.append((script_key(step, os), value))
    for section in ("extra_files", "temp_extra_files"):
        for name, value in sorted(getattr(profile, section).items()):
            out.append((extra_file_key(section, name, value), extra_file(value).source))
    return out


def files_for(profile: Profile, section: str, os: OS) -> list[tuple[str, ExtraFileValue]]:
    """(destination or name, entry) of one section that ship to `os`, sorted."""
    entries = getattr(profile, section).items()
    out = []
    for key, value in sorted(entries):
        systems = extra_file(value).os
        if systems is None or os in systems:
            out.append((key, value))
    return out
