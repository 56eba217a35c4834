"""Cross-key rules of the admin's own keys: scripts, extra files, installer file names,
build outputs and the generated-image keys, each following what constructor 3.16 does with
the key (the source file is named at each rule).
"""

from __future__ import annotations

from collections.abc import Iterator

from factory.leaks.shapes import find_token_shapes
from factory.platforms import MARKER_RELPATH, OS
from factory.profiles.admin_files import SCRIPT_KEYS, script_key
from factory.profiles.admin_keys import ExtraFile, output_entry
from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources

# Where constructor, conda and the factory put their own files in the prefix; an admin's
# extra file there would replace or be replaced by theirs (casefolded).
PRIVATE_DIR = MARKER_RELPATH[0] + "/" + MARKER_RELPATH[1]  # etc/installer-factory
_RESERVED_FILES = (".condarc", ".nonadmin", "_conda", "_conda.exe", "pre_uninstall.bat")
_RESERVED_DIRS = ("condarc.d", "conda-meta", "pkgs", PRIVATE_DIR)


def _systems(profile: Profile) -> set[OS]:
    return {p.os for p in profile.platforms}


def _types(profile: Profile) -> set[str]:
    return {t for os in _systems(profile) for t in profile.installer_types.for_os(os)}


def admin_files_readable(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """Each file is readable and carries no token: it ships in the installer as it is."""
    for named in sources.admin_files.values():
        if named.problem:
            yield Finding(named.key, named.problem)
            continue
        found = next(find_token_shapes(named.data or b"", loose=False), None)
        if found is not None:  # the value is never repeated
            yield Finding(
                named.key,
                f"holds what looks like a {found.kind} (byte {found.start}): every installer "
                "would carry it; give tokens through `tokens:` with `install: deploy`",
            )


def admin_scripts(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    systems = _systems(profile)
    for step in SCRIPT_KEYS:
        for os in OS:
            key = script_key(step, os)
            named = sources.admin_files.get(key)
            if named is None:
                continue
            if os not in systems:
                yield Finding(key, f"no {os.display_name} platform is built: not used", "warning")
            data = named.data or b""
            if os is not OS.win and b"\r\n" in data:
                yield Finding(key, "has Windows (CRLF) line endings: sh would fail on them")
            # osxpkg.py `move_script` renders a .pkg's pre_install with Jinja at build time;
            # the admin's post_install is shipped as an extra file, which it does not render
            pkg = "pkg" in profile.installer_types.osx and OS.osx in systems
            if step == "pre_install" and os is OS.osx and pkg:
                marks = [m for m in ("{{", "{%", "{#") if m.encode() in data]
                if marks:
                    yield Finding(
                        key,
                        f"holds {' '.join(marks)}, which constructor's .pkg build reads as "
                        "Jinja: write it another way (e.g. '{''{')",
                    )
    scripts = profile.scripts
    has_pre = any(scripts.pre_install.for_os(os) for os in systems)
    if scripts.pre_install_desc is not None and not has_pre:
        yield Finding(
            ("scripts", "pre_install_desc"), "no pre_install script for a built OS", "warning"
        )
    if not _types(profile) & {"pkg", "exe", "msi"}:
        for desc in ("pre_install_desc", "post_install_desc"):
            if getattr(scripts, desc) is not None:
                yield Finding(
                    ("scripts", desc), "only .pkg, .exe and .msi installers show it", "warning"
                )
    if scripts.post_install_desc is not None and profile.deploy is not None:
        yield Finding(
            ("scripts", "post_install_desc"),
            "a user who unticks it skips the factory's own post-install steps too, and the "
            "installation is then never marked complete for the deployment wrappers",
            "warning",
        )


def _reserved(dest: str) -> str:
    folded = dest.casefold()
    if folded in _RESERVED_FILES:
        return f"{dest} is written by the installer itself"
    if folded.startswith("uninstall-") and folded.endswith(".exe") and "/" not in folded:
        return f"{dest} is the Windows uninstaller's name"
    parts = folded.split("/")
    if folded in ("envs", "etc"):  # folders of conda's environments and of ours
        return f"{dest} is a folder of the installation"
    for folder in _RESERVED_DIRS:
        if folded == folder or folded.startswith(folder + "/"):
            return f"{folder}/ belongs to conda, constructor or this factory"
    if len(parts) >= 3 and parts[0] == "envs" and parts[2] in ("conda-meta", ".condarc"):
        return f"an environment's {parts[2]} belongs to conda or this factory"
    if len(parts) >= 3 and parts[0] == "envs" and parts[2] == "condarc.d":
        return "an environment's condarc.d/ belongs to conda"
    return ""


def admin_extra_files(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    systems = _systems(profile)
    folds = bool(systems & {OS.win, OS.osx})  # case-insensitive file systems
    seen: dict[str, str] = {}
    dests = sorted(profile.extra_files)
    for dest in dests:
        value = profile.extra_files[dest]
        key = ("extra_files", dest)
        problem = _reserved(dest)
        if problem:
            yield Finding(key, f"{problem}: choose another destination")
        name = dest.casefold() if folds else dest
        if name in seen:
            yield Finding(key, f"same file as extra_files.{seen[name]} on Windows and macOS")
        seen.setdefault(name, dest)
        for other in dests:
            if (other.casefold() if folds else other).startswith(name + "/"):
                yield Finding(key, f"is a file, but extra_files.{other} needs it as a folder")
        if isinstance(value, ExtraFile):
            yield from _os_listed(key, value.os, systems)
    exe = OS.win in systems and "exe" in profile.installer_types.win
    for name in sorted(profile.temp_extra_files):
        key = ("temp_extra_files", name)
        if not exe:
            yield Finding(key, "only a Windows .exe unpacks temp_extra_files", "warning")
        others = [
            n for n in profile.temp_extra_files if n != name and n.casefold() == name.casefold()
        ]
        if others and name > min(others):
            yield Finding(key, f"same file as temp_extra_files.{min(others)} on Windows")


def _os_listed(
    key: tuple[str | int, ...], listed: list[OS] | None, systems: set[OS]
) -> Iterator[Finding]:
    for index, os in enumerate(listed or []):
        if os not in systems:
            yield Finding((*key, "os", index), f"no {os.display_name} platform is built", "warning")


def installer_filenames(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """constructor names every installer of a build with the one installer_filename
    (main.py `get_output_filename`), so an OS building two types cannot have one."""
    names = profile.install.installer_filename
    if names is None:
        return
    for os in OS:
        pattern = names.for_os(os)
        if pattern is None:
            continue
        key = ("install", "installer_filename", os.value)
        if os not in _systems(profile):
            yield Finding(key, f"no {os.display_name} platform is built: not used", "warning")
            continue
        types = profile.installer_types.for_os(os)
        if len(types) > 1:
            yield Finding(
                key,
                f"{os.display_name} builds {' and '.join(types)}, which would get this one "
                "name: build one type, or leave the name to constructor",
            )
        elif not pattern.endswith("." + types[0]):
            yield Finding(
                key, f"{os.display_name} builds a .{types[0]}: end the name in .{types[0]}"
            )
        several = [p for p in profile.platforms if p.os is os]
        if len(several) > 1 and "{platform}" not in pattern:
            yield Finding(
                key,
                f"{' and '.join(p.value for p in several)} would get the same file name: "
                "add {platform}",
                "warning",
            )


def build_outputs(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """constructor's build_outputs.py: pkgs_list and lockfile take base or an extra_envs
    name (anything else stops the build after the installer is made)."""
    envs = {"base", *profile.extra_envs}
    seen: dict[str, int] = {}
    for index, output in enumerate(profile.install.build_outputs):
        name, options = output_entry(output)
        key: tuple[str | int, ...] = ("install", "build_outputs", index)
        env = options.get("env")
        if isinstance(env, str) and env not in envs:
            yield Finding(
                (*key, name, "env"),
                f"{env} is not base or a name of extra_envs ({', '.join(sorted(envs))})",
            )
        if env is None and name in ("pkgs_list", "lockfile"):
            env = "base"  # constructor's default
        ident = f"{name}:{env or ''}"
        if ident in seen:
            yield Finding(key, f"same output as build_outputs[{seen[ident]}]", "warning")
        seen.setdefault(ident, index)


def image_texts(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """imaging.py draws an image from the text only where no image file is given;
    default_image_color is the .exe's only (winexe.py)."""
    images = profile.images
    for text, image in (("welcome_text", "welcome"), ("header_text", "header")):
        if getattr(images, text) is not None and getattr(images, image) is not None:
            yield Finding(
                ("images", text), f"images.{image} is given, so this is not used", "warning"
            )
    exe = OS.win in _systems(profile) and "exe" in profile.installer_types.win
    for key in ("header_text", "color"):
        if getattr(images, key) is not None and not exe:
            yield Finding(("images", key), "only a Windows .exe uses it", "warning")


def conclusion_text(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """header.sh prints conclusion_text in a `cat <<'EOF'` block: a line EOF ends it."""
    text = profile.install.conclusion_text
    if text == "EOF" and "sh" in _types(profile):
        yield Finding(("install", "conclusion_text"), "EOF ends the text early in a .sh installer")


ADMIN_RULES = (
    admin_files_readable,
    admin_scripts,
    admin_extra_files,
    installer_filenames,
    build_outputs,
    image_texts,
    conclusion_text,
)
