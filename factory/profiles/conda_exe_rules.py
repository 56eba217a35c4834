"""`conda_exe`: what constructor refuses, or quietly changes, for the standalone it bundles.

Restated from constructor 3.16.3 (constructor/main.py, read at f57a3e7b): `main_build`
identifies the `--conda-exe` (utils.py `identify_conda_exe`) and then exits when
- the target is Windows and the standalone is micromamba ("micromamba is not supported on
  Windows installers");
- `uninstall_with_conda_exe` is set and the standalone is not conda-standalone 24.11.0 or
  newer (checked for every platform it is rendered for: win-64 here, render/plan.py);
- an environment is frozen (`freeze_base`, an extra env's `freeze_env`) and the standalone
  is conda-standalone >=25.5.0,<25.7.0 (`validate_frozen_envs`).
It warns, and installs no menu shortcuts as asked, when the standalone on Linux/macOS is
not conda-standalone 23.11.0 or newer (micromamba never is): `menu_packages` is then not
honoured.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from factory.platforms import OS, Platform
from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources
from factory.profiles.standalones import in_range

UNINSTALL_MINIMUM = "24.11.0"
FROZEN_BAD = ("25.5.0", "25.7.0")  # [from, below)
SHORTCUTS_MINIMUM = "23.11.0"


def frozen_paths(profile: Profile) -> list[tuple[str | int, ...]]:
    """The key paths of every frozen environment the profile renders."""
    paths: list[tuple[str | int, ...]] = []
    if getattr(profile, "freeze_base", None) is not None:
        paths.append(("freeze_base",))
    extra: dict[str, Any] = getattr(profile, "extra_envs", None) or {}
    for name, env in extra.items():
        if getattr(env, "freeze", None) is not None:
            paths.append(("extra_envs", name, "freeze"))
    return paths


def conda_exe_rules(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    pin = profile.conda_exe
    if pin is None:
        return
    windows = Platform.win_64 in profile.platforms
    standalone = pin.kind == "conda-standalone"
    if windows and not standalone:
        yield Finding(
            ("conda_exe", "kind"),
            "constructor refuses micromamba for Windows installers (win-64 is among the "
            "platforms): use conda-standalone, or drop win-64 from this profile",
        )
    uninstall = profile.install.uninstall_with_conda_exe
    if windows and uninstall and standalone and not in_range(pin.version, UNINSTALL_MINIMUM):
        yield Finding(
            ("install", "uninstall_with_conda_exe"),
            f"needs conda-standalone {UNINSTALL_MINIMUM} or newer; conda_exe pins {pin.version}",
        )
    if standalone and in_range(pin.version, *FROZEN_BAD):
        for path in frozen_paths(profile):
            where = ".".join(map(str, path))
            yield Finding(
                ("conda_exe", "version"),
                f"conda-standalone {pin.version} with a frozen environment ({where}): "
                "constructor refuses 25.5.x for frozen environments; pin 25.7.0 or newer",
            )
    unix = any(p.os is not OS.win for p in profile.platforms)
    shortcuts = profile.packages.menu_packages
    old = not standalone or not in_range(pin.version, SHORTCUTS_MINIMUM)
    if unix and old and shortcuts:
        yield Finding(
            ("packages", "menu_packages"),
            f"{pin.kind} {pin.version} cannot limit shortcuts on Linux/macOS (constructor "
            f"needs conda-standalone {SHORTCUTS_MINIMUM} or newer there): the list is ignored",
            severity="warning",
        )
