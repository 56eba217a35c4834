"""Which platform this machine builds natively: constructor makes an OS's installers on
that OS (its standalone conda and the OS's own packaging tools run there)."""

from __future__ import annotations

import platform as host
import sys

from factory.platforms import Platform


def host_platform() -> Platform | None:
    """The conda platform this machine builds natively, if it is one we target."""
    machine = host.machine().lower()
    x86 = machine in ("x86_64", "amd64")
    arm = machine in ("aarch64", "arm64")
    if sys.platform.startswith("linux"):
        return Platform.linux_64 if x86 else Platform.linux_aarch64 if arm else None
    if sys.platform == "darwin":
        return Platform.osx_arm64 if arm else Platform.osx_64 if x86 else None
    if sys.platform == "win32":
        return Platform.win_64 if x86 else None
    return None


def native_skip_reason(target: Platform) -> str | None:
    """Why this host does not build `target`, or None when it does."""
    here = host_platform()
    if here is target:
        return None
    shown = here.value if here else f"{sys.platform}/{host.machine()}"
    return (
        f"{target.value} installers are built natively on {target.os.display_name} "
        f"({target.value}); this host is {shown}"
    )


def cross_skip_reason(target: Platform) -> str | None:
    """Why this host cannot build `target` even with a standalone for it, or None when it
    can. constructor cross-builds with `--platform` and `--conda-exe` (main.py); the factory
    does so for Linux targets from a Linux host only: their one installer type, .sh, needs
    nothing of the target OS. A .pkg needs macOS, and an .exe off Windows needs nsis in
    constructor's environment (constructor-notes); those are built on their own OS."""
    here = host_platform()
    if here is target:
        return None
    if here is not None and here.os.value == "linux" and target.os.value == "linux":
        return None
    return f"{native_skip_reason(target)} (cross-builds: Linux .sh from a Linux host only)"
