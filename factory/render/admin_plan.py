"""What the admin's own keys add to one platform's project: their files, the constructor
keys that name them, the per-installer-type texts and build outputs, and the admin's
post-install step that our post-install runs.

Every file ships under a name of ours (scripts/, files/, temp/ in the project; a fixed
name under our private folder in the prefix), so no name an admin chose reaches a script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factory.platforms import MARKER_RELPATH, OS, Platform
from factory.profiles.admin_files import extra_file_key, files_for, script_key
from factory.profiles.admin_keys import expand_filename, output_entry
from factory.profiles.load import LoadedProfile
from factory.profiles.model import Profile

# The admin's post-install script in the installation, beside our marker; it is removed
# once it has succeeded.
ADMIN_DIR = (*MARKER_RELPATH[:2], "admin")
DEFAULT_HASH = "sha256"  # constructor writes no hash file without an algorithm


@dataclass(frozen=True)
class AdminStep:
    """The admin's post-install script as our post-install runs it."""

    path: str  # relative to the prefix, with the OS's separator
    interpreter: tuple[str, ...]  # .sh: its #! line (interpreter and one argument), or sh


@dataclass(frozen=True)
class AdminPlan:
    assets: dict[str, bytes]  # project files
    extra_files: tuple[tuple[str, str], ...]  # (project path, destination in the prefix)
    temp_extra_files: tuple[str, ...]  # project paths (NSIS unpacks them by file name)
    pre_install: str | None  # project paths of constructor's own script keys
    pre_uninstall: str | None
    post_install: AdminStep | None


def admin_plan(loaded: LoadedProfile, platform: Platform) -> AdminPlan:
    profile, os_ = loaded.profile, platform.os
    files = loaded.sources.admin_files
    suffix = platform.facts.script_suffix
    assets: dict[str, bytes] = {}
    extra: list[tuple[str, str]] = []

    def script(step: str) -> bytes | None:
        named = files.get(script_key(step, os_))
        return None if named is None else named.data

    keys: dict[str, str | None] = {}
    for key in ("pre_install", "pre_uninstall"):
        data = script(key)
        keys[key] = f"scripts/{key}{suffix}" if data is not None else None
        if data is not None:
            assets[f"scripts/{key}{suffix}"] = data
    post: AdminStep | None = None
    data = script("post_install")
    if data is not None:
        name = f"admin_post_install{suffix}"
        assets[f"scripts/{name}"] = data
        extra.append((f"scripts/{name}", "/".join((*ADMIN_DIR, name))))
        post = AdminStep(platform.facts.sep.join((*ADMIN_DIR, name)), _interpreter(data, os_))
    for dest, value in files_for(profile, "extra_files", os_):
        named = files.get(extra_file_key("extra_files", dest, value))
        if named is not None and named.data is not None:
            assets[f"files/{dest}"] = named.data
            extra.append((f"files/{dest}", dest))
    temp: list[str] = []
    if os_ is OS.win and "exe" in profile.installer_types.win:
        for name, value in files_for(profile, "temp_extra_files", os_):
            named = files.get(extra_file_key("temp_extra_files", name, value))
            if named is not None and named.data is not None:
                assets[f"temp/{name}"] = named.data
                temp.append(f"temp/{name}")
    return AdminPlan(
        assets=assets,
        extra_files=tuple(extra),
        temp_extra_files=tuple(temp),
        pre_install=keys["pre_install"],
        pre_uninstall=keys["pre_uninstall"] if os_ is OS.win else None,
        post_install=post,
    )


def _interpreter(data: bytes, os_: OS) -> tuple[str, ...]:
    """As the kernel reads a #! line: the interpreter and at most one argument."""
    if os_ is OS.win:
        return ()
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    if not first.startswith(b"#!"):
        return ("sh",)
    words = first[2:].decode("utf-8", "replace").strip().split(None, 1)
    return tuple(words) if words else ("sh",)


def admin_options(
    profile: Profile, platform: Platform, admin: AdminPlan, post_install: bool
) -> dict[str, Any]:
    """constructor keys for this platform, each only where constructor uses it."""
    os_ = platform.os
    types = profile.installer_types.for_os(os_)
    gui = {"pkg", "exe", "msi"} & set(types)  # the installers with script checkboxes
    exe = "exe" in types
    out: dict[str, Any] = {}
    if admin.pre_install:
        out["pre_install"] = admin.pre_install
        if gui and profile.scripts.pre_install_desc:
            out["pre_install_desc"] = profile.scripts.pre_install_desc
    if post_install and gui and profile.scripts.post_install_desc:
        out["post_install_desc"] = profile.scripts.post_install_desc
    if admin.pre_uninstall:
        out["pre_uninstall"] = admin.pre_uninstall
    if admin.temp_extra_files:
        out["temp_extra_files"] = list(admin.temp_extra_files)
    names = profile.install.installer_filename
    pattern = names.for_os(os_) if names is not None else None
    if pattern:
        version = profile.installer_version
        out["installer_filename"] = expand_filename(pattern, profile.name, version, platform.value)
    images = profile.images
    # imaging.py draws these where no image file is given: .exe both, .pkg's welcome
    if images.welcome_text and not images.welcome and (exe or "pkg" in types):
        out["welcome_image_text"] = images.welcome_text
    if images.header_text and not images.header and exe:
        out["header_image_text"] = images.header_text
    if images.color and exe:
        out["default_image_color"] = images.color
    # header.sh prints it at the end, osxpkg.py makes the conclusion page of it, winexe.py
    # the finish page; briefcase.py (MSI) has no such page
    text = profile.install.conclusion_text
    if text is not None and ({"sh", "pkg", "exe"} & set(types)):
        out["conclusion_text"] = text
    outputs = [_output(entry) for entry in profile.install.build_outputs]
    if outputs:
        out["build_outputs"] = outputs
    return out


def _output(entry: Any) -> str | dict[str, Any]:
    name, options = output_entry(entry)
    if name == "hash" and not options.get("algorithm"):
        return {"hash": {"algorithm": DEFAULT_HASH}}
    return {name: options} if options else name
