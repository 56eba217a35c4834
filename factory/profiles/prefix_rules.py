"""The Windows default install folders (`install.default_prefix.win`, `win_all_users`,
`win_domain_user`) against what the installer refuses at install time.

constructor's Windows installer refuses a folder holding any of ^ % ! = , ( ), with a
space while check_path_spaces is true, or non-ASCII when Python is in it (its NSIS
template; see ../shared/reference/constructor-notes.md). `&` ends a command in cmd.exe,
which runs the post-install .bat in that folder. `%NAME%` is expanded on the installing
machine, so it is checked for what it expands to where Windows fixes that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from factory.platforms import OS, Platform
from factory.profiles.finding import Finding
from factory.profiles.model import WIN_PREFIX_REFUSED, Profile
from factory.profiles.sources import ProfileSources

_VARIABLE = re.compile(r"%([A-Za-z_][A-Za-z0-9_()]*)%")
# variables whose value Windows fixes, and which hold a space (and maybe parentheses)
_SPACED = {
    "programfiles": r"C:\Program Files",
    "programw6432": r"C:\Program Files",
    "commonprogramfiles": r"C:\Program Files\Common Files",
    "commonprogramw6432": r"C:\Program Files\Common Files",
    "programfiles(x86)": r"C:\Program Files (x86)",
    "commonprogramfiles(x86)": r"C:\Program Files (x86)\Common Files",
}
_KEYS = ("win", "win_all_users", "win_domain_user")


def _expanded(value: str) -> tuple[str, list[str]]:
    """The text with the known variables expanded (others left out), and those expanded."""
    known: list[str] = []

    def expand(match: re.Match[str]) -> str:
        fixed = _SPACED.get(match.group(1).lower())
        if fixed is None:
            return ""  # e.g. %USERPROFILE%: unknown here, the installer checks it
        known.append(f"%{match.group(1)}% = {fixed}")
        return fixed

    return _VARIABLE.sub(expand, value), known


def _problem(value: str, check_spaces: bool) -> str | None:
    text, known = _expanded(value)
    via = f" (from {', '.join(known)})" if known else ""
    refused = sorted({c for c in text if c in WIN_PREFIX_REFUSED})
    if refused:
        return (
            f"contains {' '.join(refused)}{via}, which the Windows installer refuses in its "
            "folder; choose a folder without them"
        )
    if "&" in text:
        return (
            "contains &, which cmd.exe takes for the end of a command: the post-install "
            ".bat would break in this folder; choose a folder without it"
        )
    if not text.isascii():
        return "must be ASCII: the Windows installer refuses other folders when Python is in it"
    if check_spaces and " " in text:
        return (
            f"contains a space{via}, which the Windows installer refuses while "
            "install.check_path_spaces is true for win; choose a folder without spaces, "
            "or set install.check_path_spaces: {win: false}"
        )
    return None


def windows_default_prefix(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    if Platform.win_64 not in profile.platforms:
        return
    install = profile.install
    check_spaces = install.checks_path_spaces(OS.win)
    for key in _KEYS:
        value = getattr(install.default_prefix, key)
        if value is not None and (problem := _problem(value, check_spaces)):
            yield Finding(("install", "default_prefix", key), problem)
