"""One fake install: what a constructor installer does with a rendered project, minus
the packages.

Followed from constructor's source (github.com/conda/constructor, 3.16). On the target
machine every installer it builds

- copies exactly the `extra_files` construct.yaml lists into the prefix: a plain path to
  the prefix root under its own name, a `{source: destination}` mapping to `destination`
  relative to the prefix, folders made as needed; sources are relative to construct.yaml,
  and a missing one fails the build (preconda.copy_extra_files, main.main_build);
- writes the `condarc` key to `<prefix>/.condarc`: a string as it is, a mapping as YAML
  (utils.get_condarc_content, preconda.write_condarc);
- runs `pre_install` from `<prefix>/pkgs/` the same way before the packages are linked
  (`Install.pre_install`): header.sh (`pkgs/pre_install.sh`, with INST_OPT and TMP set to
  `$PREFIX/install_tmp`), osx/run_user_script.sh (`user_pre_install`, PRE_OR_POST), and
  main.nsi.tmpl (`pkgs/pre_install.bat`); here the prefix already holds the extra files,
  which only the .exe and .pkg place that early;
- unpacks an .exe's `temp_extra_files` into its `$PLUGINSDIR` by file name, the folder
  scripts see as INSTALLER_PLUGINSDIR (main.nsi.tmpl `InitPluginsDir`, `File`);
- runs `post_install` from `<prefix>/pkgs/` with the prefix as working folder and the
  installer's variables set: header.sh for .sh (`post_install.sh`, through `sh` unless it
  has a `#!` line), osx/run_user_script.sh for .pkg (`user_post_install`, after the Jinja
  pass osxpkg.move_script gives it), nsis/main.nsi.tmpl for .exe (`post_install.bat`,
  through `cmd /V:ON /D /C`);
- writes the CEP-22 frozen markers of `freeze_base` and each of `extra_envs`'
  `freeze_env` (preconda.write_frozen), and makes each extra environment's folder;
- then removes the package cache (`pkgs`, scripts included) unless keep_pkgs is set.

Nothing else of the project reaches the prefix. Packages are not installed: the caller
says which `conda` they would have left there (a recording stand-in, or none); the files
installers keep for themselves (conda-meta, .nonadmin, the standalone conda) are not made
either. Where this departs from constructor, a comment says why.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jinja2
from conftest import write_tree
from constructor_reader import build_time_errors, parse
from ruamel.yaml import YAML
from scripts_support import (
    RECORDING_CONDA_SH,
    SCRIPT_IN_PREFIX,
    TIMEOUT,
    Wine,
    base_env,
    read_log,
    wine_path,
)

from factory.platforms import Platform

# Where conda's own package puts its entry point.
CONDA = {"linux": ("bin", "conda"), "osx": ("bin", "conda"), "win": ("Scripts", "conda.exe")}
# Where conda-repo-cli's package puts its own (its console script `conda-repo`). conda 26.3
# and later no longer run it as `conda repo` (conda pull request 15840): the recording
# stand-ins refuse that, as conda does, and log calls made through this name as conda-repo's.
CONDA_REPO = {
    "linux": ("bin", "conda-repo"),
    "osx": ("bin", "conda-repo"),
    "win": ("Scripts", "conda-repo.exe"),
}
# Where each installer puts pre_install (header.sh, osxpkg.py, main.nsi.tmpl)
PRE_SCRIPT_IN_PREFIX = {
    "SH": "pkgs/pre_install.sh",
    "PKG": "pkgs/user_pre_install",
    "EXE": "pkgs/pre_install.bat",
}
# construct.yaml's installer_type -> INSTALLER_TYPE
KINDS = {"sh": "SH", "pkg": "PKG", "exe": "EXE"}
# The first installer_type of each OS is what constructor builds when none is given.
DEFAULT_KIND = {"linux": "sh", "osx": "sh", "win": "exe"}


class Project(Protocol):
    """A rendered project: its files by path relative to construct.yaml."""

    @property
    def platform(self) -> Platform: ...

    @property
    def files(self) -> dict[str, bytes]: ...


@dataclass
class Install:
    """A prefix laid out as the installer leaves it just before post-install."""

    root: Path
    project_dir: Path
    construct: dict[str, Any]
    platform: Platform
    kind: str  # SH, PKG or EXE
    prefix: Path
    log: Path  # the recording conda's log
    laid_out: list[str]  # the prefix's files before post-install
    wine: Wine | None = None

    @property
    def prefix_text(self) -> str:
        """The prefix as the script sees it in PREFIX."""
        return wine_path(self.prefix) if self.kind == "EXE" else str(self.prefix)

    @property
    def script(self) -> Path:
        return self.prefix / SCRIPT_IN_PREFIX[self.kind]

    def calls(self, encoding: str = "utf-8") -> list[list[str]]:
        return read_log(self.log, encoding)

    def files(self) -> list[str]:
        """Every file in the prefix, as sorted POSIX paths relative to it."""
        return sorted(p.relative_to(self.prefix).as_posix() for p in _files(self.prefix))

    def created(self) -> list[str]:
        """Files the post-install step made: a mis-quoted `>` or `$(...)` leaves one here
        (the prefix is its working folder)."""
        return sorted(set(self.files()) - set(self.laid_out))

    def environment(self, unattended: bool = True) -> dict[str, str]:
        """The variables the installer gives post_install (besides the inherited ones)."""
        data, name = self.construct, self.construct["name"]
        common = {
            "INSTALLER_NAME": name,
            "INSTALLER_VER": data["version"],
            "INSTALLER_PLAT": self.platform.value,
            "INSTALLER_TYPE": self.kind,
            "INSTALLER_UNATTENDED": "1" if unattended else "0",
        }
        script_env = {k: str(v) for k, v in data.get("script_env_variables", {}).items()}
        inherited = base_env()  # what the installer itself was started with
        if self.kind == "SH":  # header.sh; it unsets CONDARC, MAMBARC and LD_* first
            backup = inherited.get("TMP", "")  # TMP is restored before post_install
            return {
                **inherited,
                **script_env,
                **common,
                "PREFIX": self.prefix_text,
                "INSTALLER_PATH": str(self.root / _installer_file(data, self.platform, "sh")),
                "FORCE": "0",
                "TMP_BACKUP": backup,
                "TMP": backup,
            }
        if self.kind == "PKG":  # run_user_script.sh; INSTALLER_PATH only if macOS says
            return {
                **inherited,
                **common,
                "PREFIX": self.prefix_text,
                "PRE_OR_POST": "post_install",
                **script_env,
            }
        # main.nsi.tmpl sets these. Not given here: PATH (cut down to the prefix's folders
        # and System32; wine builds it from its registry, WINEPATH first), TMP, TEMP and
        # TMPDIR (the prefix's tmp folder; wine takes TMPDIR for its own sockets and sets
        # the others from its registry); CONDARC and MAMBARC it unsets, as this does.
        prefix = self.prefix_text
        return {
            "INSTALLER_PLUGINSDIR": wine_path(self.root / "nsis-plugins"),
            "INSTALLER_PATH": wine_path(self.root / _installer_file(data, self.platform, "exe")),
            **script_env,
            "CONDA_SAFETY_CHECKS": "disabled",
            "CONDA_EXTRA_SAFETY_CHECKS": "no",
            "CONDA_ROOT_PREFIX": prefix,
            "CONDA_PKGS_DIRS": prefix + "\\pkgs",
            "CONDA_PROTECT_FROZEN_ENVS": "0",
            "CONDA_QUIET": "1",
            "PREFIX": prefix,
            **common,
            "CONDA_CHANNELS": ",".join(_final_channels(data)),
            "CONDA_REGISTER_ENVS": str(data.get("register_envs", True)).lower(),
        }

    def post_install(
        self, *, shell: str | None = None, unattended: bool = True, **env: str | None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run post_install as the installer does. `shell` runs a .sh or .pkg script with
        that shell instead of its `#!` line (the tests run each in bash and dash); `env`
        adds variables, None removes one."""
        return self._run(self.script, env, shell, unattended)

    def _run(
        self, script: Path, env: dict[str, str | None], shell: str | None, unattended: bool
    ) -> subprocess.CompletedProcess[bytes]:
        variables: dict[str, str | None] = {
            **self.environment(unattended),
            "RECORDER_LOG": wine_path(self.log) if self.kind == "EXE" else str(self.log),
            **env,
        }
        given = {k: v for k, v in variables.items() if v is not None}
        if self.kind == "EXE":
            assert self.wine is not None, "an .exe's scripts run in wine"
            removed = {k for k, v in variables.items() if v is None}
            assert not removed & self.wine.env.keys(), "wine's own variables stay set"
            # NSIS names the script by its full path, which cannot hold what NSIS refuses in
            # a prefix (^ % ! = , ( )); the tests' prefixes may, so the script is named
            # relative to the working folder, the prefix in both cases.
            relative = str(script.relative_to(self.prefix)).replace("/", "\\")
            return self.wine.cmd(["/V:ON", "/D", "/C", relative], given, self.prefix)
        if shell is None:
            direct = self.kind == "PKG" or script.read_bytes().startswith(b"#!")
            command = [str(script)] if direct else ["sh", str(script)]
        else:
            command = [shell, str(script)]
        return subprocess.run(
            command, env=given, cwd=self.prefix, capture_output=True, timeout=TIMEOUT, check=False
        )

    def pre_install(
        self, *, shell: str | None = None, unattended: bool = True, **env: str | None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run pre_install as the installer does (see post_install for the arguments)."""
        script = self.prefix / PRE_SCRIPT_IN_PREFIX[self.kind]
        extra: dict[str, str | None] = {}
        if self.kind == "SH":  # header.sh: TMP is the prefix's install_tmp until post
            tmp = self.prefix / "install_tmp"
            tmp.mkdir(exist_ok=True)
            extra = {"INST_OPT": "", "TMP": str(tmp)}
        elif self.kind == "PKG":
            extra = {"PRE_OR_POST": "pre_install"}
        return self._run(script, {**extra, **env}, shell, unattended)

    def finish(self) -> None:
        """What the installer does after post-install: it removes the package cache with
        the scripts in it unless keep_pkgs is set (header.sh, osx/clean_cache.sh,
        main.nsi.tmpl), and NSIS its tmp folder."""
        if not self.construct.get("keep_pkgs", False):
            shutil.rmtree(self.prefix / "pkgs", ignore_errors=True)
        if self.kind == "EXE":
            shutil.rmtree(self.prefix / "tmp", ignore_errors=True)


def lay_out(
    root: Path,
    project: Project,
    *,
    kind: str | None = None,
    prefix_name: str = "prefix",
    conda: bytes | None = RECORDING_CONDA_SH.encode(),
    conda_repo: bool | None = None,
    build_files: Mapping[str, bytes] | None = None,
    wine: Wine | None = None,
) -> Install:
    """Write the project under root/project (with `build_files`, what a build adds, such as
    a baked token), then lay out root/<prefix_name> as its installer of `kind` (default:
    constructor's) does before post-install. `conda` is the file conda's package would
    leave (None: none). The same file also stands where conda-repo-cli's package leaves its
    executable (the recording stand-ins tell the two apart by name) when `conda_repo` says
    so, or by default when construct.yaml asks for that package."""
    project_dir = write_tree(root / "project", {**project.files, **(build_files or {})})
    construct = parse((project_dir / "construct.yaml").read_text(encoding="utf-8"))
    platform = project.platform
    refused = build_time_errors(construct, platform.value, project_dir)
    assert refused == [], f"constructor would not build this project: {refused}"
    types = construct.get("installer_type", DEFAULT_KIND[platform.os.value])
    types = [types] if isinstance(types, str) else list(types)
    chosen = kind or types[0]
    assert chosen in types, f"construct.yaml builds {types}, not {chosen}"
    install = Install(
        root=root,
        project_dir=project_dir,
        construct=construct,
        platform=platform,
        kind=KINDS[chosen],
        prefix=root / prefix_name,
        log=root / "calls.log",
        laid_out=[],
        wine=wine,
    )
    prefix = install.prefix
    prefix.mkdir(parents=True)
    if install.kind == "EXE":
        prefix.joinpath("tmp").mkdir()  # NSIS makes $INSTDIR\tmp first
        root.joinpath("nsis-plugins").mkdir(exist_ok=True)
    if conda_repo is None:
        conda_repo = _asks_for(construct, project_dir, "conda-repo-cli")
    if conda is not None:
        places = [CONDA[platform.os.value]]
        if conda_repo:
            places.append(CONDA_REPO[platform.os.value])
        for place in places:
            target = prefix.joinpath(*place)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(conda)
            target.chmod(0o755)
    _frozen_markers(construct, prefix)
    for entry in construct.get("extra_files", []):
        for source, destination in entry.items() if isinstance(entry, dict) else [(entry, None)]:
            origin = project_dir / source
            if not origin.is_file():  # constructor fails the build
                raise FileNotFoundError(f"extra_files: {source} is not in the project")
            target = prefix / (destination if destination is not None else origin.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(origin, target)
    if "condarc" in construct:
        condarc = construct["condarc"]
        if not isinstance(condarc, str):  # a mapping is dumped as block YAML
            buffer = io.StringIO()
            yaml = YAML(typ="safe")
            yaml.default_flow_style = False
            yaml.dump(condarc, buffer)
            condarc = buffer.getvalue()
        (prefix / ".condarc").write_text(condarc, encoding="utf-8")
    if install.kind == "EXE":
        for entry in construct.get("temp_extra_files", []):
            for source in entry if isinstance(entry, dict) else [entry]:
                origin = project_dir / source
                shutil.copy(origin, root / "nsis-plugins" / origin.name)
    if "pre_install" in construct:
        pre = prefix / PRE_SCRIPT_IN_PREFIX[install.kind]
        pre.parent.mkdir(parents=True, exist_ok=True)
        data = (project_dir / construct["pre_install"]).read_bytes()
        if install.kind == "PKG":  # osxpkg.py renders it like the post_install
            data = pkg_jinja(data.decode("utf-8")).encode("utf-8")
        pre.write_bytes(data)
        pre.chmod(pre.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    if "post_install" in construct:
        script = install.script
        script.parent.mkdir(parents=True, exist_ok=True)
        data = (project_dir / construct["post_install"]).read_bytes()
        if install.kind == "PKG":
            data = pkg_jinja(data.decode("utf-8")).encode("utf-8")
        script.write_bytes(data)
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    install.laid_out = install.files()
    return install


def _frozen_markers(construct: dict[str, Any], prefix: Path) -> None:
    """The extra environments' folders (fcp.py `_main`; their packages are not installed
    here) and the CEP-22 frozen markers: `freeze_base`/`freeze_env`'s `conda` mapping as
    JSON in conda-meta/frozen (preconda.py `write_frozen`), in place before post_install
    (shar.py puts them in the postconda tarball; the .exe lays them down with each
    environment, main.nsi.tmpl)."""
    markers = {"conda-meta": construct.get("freeze_base")}
    for name, env in construct.get("extra_envs", {}).items():
        prefix.joinpath("envs", name, "conda-meta").mkdir(parents=True, exist_ok=True)
        markers[f"envs/{name}/conda-meta"] = env.get("freeze_env")
    for folder, value in markers.items():
        if value and "conda" in value:
            prefix.joinpath(folder).mkdir(parents=True, exist_ok=True)
            prefix.joinpath(folder, "frozen").write_text(json.dumps(value["conda"]))


def pkg_jinja(text: str) -> str:
    """What constructor does to a .pkg's user script at build time: a Jinja pass with
    StrictUndefined. It offers some variables (installer_name, ...); none are offered
    here, so a script that used one fails here rather than change meaning there."""
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(text).render()


def _asks_for(construct: dict[str, Any], project_dir: Path, name: str) -> bool:
    """Whether the installer would hold package `name`: a spec names it (optionally after
    `channel::`), or, built from a lock, a package URL of its `environment_file` does."""
    spec = re.compile(rf"(?:[^:\s]+::)?{re.escape(name)}(?![A-Za-z0-9_.-])")
    if any(spec.match(str(s).strip()) for s in construct.get("specs") or []):
        return True
    listed = construct.get("environment_file")
    if not listed or not (project_dir / listed).is_file():
        return False
    url = re.compile(rf"/{re.escape(name)}-[^-/]+-[^-/]+\.(?:conda|tar\.bz2)(?:#\S*)?$")
    text = (project_dir / listed).read_text(encoding="utf-8")
    return any(url.search(line.strip()) for line in text.splitlines())


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() or p.is_symlink()]


def _installer_file(data: dict[str, Any], platform: Platform, ext: str) -> str:
    """constructor's default installer name: <name>-<version>-<OS>-<arch>.<ext>."""
    if "installer_filename" in data:
        return str(data["installer_filename"])
    system = {"linux": "Linux", "osx": "MacOSX", "win": "Windows"}[platform.os.value]
    arch = platform.value.split("-", 1)[1]
    return f"{data['name']}-{data['version']}-{system}-{'x86_64' if arch == '64' else arch}.{ext}"


def _final_channels(data: dict[str, Any]) -> list[str]:
    """The channels an installer reports (utils.get_final_channels): channels_remap
    applied, http and https alike; file:// channels left without a remap are dropped."""
    out = []
    for channel in data.get("channels", []):
        url = channel if channel.endswith("/") else channel + "/"
        for entry in data.get("channels_remap", []):
            src, dest = entry["src"], entry["dest"]
            sources = {src.replace("http://", "https://"), src.replace("https://", "http://")}
            if any(url.startswith(s) for s in sources):
                for s in sources:
                    url = url.replace(s, dest)
        url = url if channel.endswith("/") else url[:-1]
        if not url.startswith("file://"):
            out.append(url)
    return out
