"""The Windows deployment kit (templates/deploy/exe), its wrappers run for real in cmd.exe
under wine.

Kits are made the product's way: a profile with a `deploy` section is loaded and rendered,
and its deploy.json goes through factory.deploy.kit. The installer they run is
tests/recorder/installer_standin.c, a MinGW-built stand-in for constructor's NSIS .exe: it
records its command line, reads /D= and _?= the way NSIS does, and copies (or fails to
copy) a payload into the folder: the project as tests/fake_install.py installs it, whose
Scripts\\conda.exe is the recording conda. The stand-in also reads the deploy-time token
where the installer's post-install step reads it (failing, as that step does, without one)
and, when asked, registers itself under the uninstall key as constructor's template does.
What a kit should do is worked out here from
the profile and constructor's NSIS template (silent options, registry key, uninstaller),
never from the rendered files.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, needs_wine, write_tree
from fake_install import lay_out
from ruamel.yaml import YAML
from scripts_support import MINGW, SPAWN_RETRIES, TIMEOUT, Wine, read_log, wine_path, yaml_text

from factory.deploy.kit import EXIT_CODES, kit_context, render_kit
from factory.output.layout import FACTS_FILE
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import RenderedProject, render_project
from factory.version import __version__

STANDIN_SOURCE = REPO / "tests" / "recorder" / "installer_standin.c"
NAME = "Test-Kit"
UNINSTALL_NAME = "Test Install"
ORG = "Acme"
CERT_FILE = "root-ca.pem"
# constructor's NSIS template: where every .exe registers itself, by install type
UNINSTALL_KEY = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
HIVES = {"AllUsers": ("HKLM", "HKEY_LOCAL_MACHINE"), "JustMe": ("HKCU", "HKEY_CURRENT_USER")}
# What a good installation holds: conda, and (with ca_certs and an installed token, as
# below) the files the post-install step and constructor's extra_files put there.
CONDA = "Scripts\\conda.exe"
MARKER = "etc\\installer-factory\\installer.json"
CA_BUNDLE = "etc\\installer-factory\\ca-bundle.pem"
# the installed channel alias, which carries the token in .condarc as <alias>/t/<token>
ALIAS = "https://repo.example.test/conda"
TOKEN_MARK = ALIAS + "/t/"
STATE = "conda-meta\\state"  # conda env config vars set keeps them here
VARIABLES = ("PIP_CERT",)
UNINSTALLER = f"Uninstall-{NAME}.exe"
# wine's cmd failing to start a program it has parsed (see scripts_support._HICCUP)
HICCUP = b"Can't recognize '"
STEP = re.compile(r"\[[^\]\r\n]+\] (.*)")
# The deploy-time token the management system hands the silent install.
DEPLOY_TOKEN = "deploy-token-0123456789"


# --- kits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    version: str = "3.1"
    upgrade: str = "replace"
    install_type: str = "AllUsers"
    add_to_path: bool = False

    def silent_options(self) -> list[str]:
        """The installer options between /S and /D= (register_python is on by default)."""
        out = [f"/InstallationType={self.install_type}", "/RegisterPython=0"]
        if self.add_to_path:
            out.append("/AddToPath=1")
        return out


def write_profile(root: Path, prefix: str, opts: Options, cert: bytes) -> Path:
    install: dict[str, Any] = {"uninstall_name": UNINSTALL_NAME}
    if " " in prefix:
        install["check_path_spaces"] = False
    windows: dict[str, Any] = {"prefix": prefix, "install_type": opts.install_type}
    if opts.add_to_path:
        install["initialize_conda"] = True
        windows["add_to_path"] = True
    data = {
        "name": NAME,
        "version": opts.version,
        "company": "Acme Corp",
        "platforms": ["win-64"],
        "channels": ["conda-forge"],
        "condarc": {"channel_alias": ALIAS},
        "packages": {"specs": {"base": ["python", "conda"]}},
        "ca_certs": {"root": CERT_FILE},
        "tokens": {
            "repo": {
                "url": "https://repo.example.test/",
                "install": "deploy",
                "deploy": {"env": "ACME_TOKEN"},
                # AllUsers installs are all-users (install.scope); JustMe ones accept it too
                "shared": True,
            }
        },
        "install": install,
        "deploy": {"org": ORG, "upgrade": opts.upgrade, "windows": windows},
    }
    write_tree(root, {CERT_FILE: cert, "profile.yaml": yaml_text(data) + "\n"})
    return root / "profile.yaml"


@dataclass
class Kit:
    opts: Options
    prefix: str  # the install folder as the wrappers see it
    facts: dict[str, Any]
    construct: dict[str, Any]
    installer: dict[str, Any]
    files: dict[str, bytes]
    build: Path  # the build folder: the installer, and the kit in deploy\exe\
    project: RenderedProject
    payload: Path | None = None  # what the stand-in installer copies into the folder

    @property
    def install(self) -> Path:
        return self.build / "deploy" / "exe" / "install.cmd"

    @property
    def uninstall(self) -> Path:
        return self.build / "deploy" / "exe" / "uninstall.cmd"

    @property
    def installer_path(self) -> Path:
        return self.build / self.installer["file"]

    def write(self, facts: dict[str, Any] | None = None) -> None:
        """(Re)write the kit, from other facts when given."""
        if facts is not None:
            self.files = render_kit(kit_context(facts, self.installer))
        folder = self.build / "deploy" / "exe"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)


def make_kit(root: Path, installer: bytes, prefix: str, opts: Options, cert: bytes) -> Kit:
    project = render_project(load_profile(write_profile(root, prefix, opts, cert)), Platform.win_64)
    facts = json.loads(project.files[FACTS_FILE])
    info = {
        "installer_type": "exe",
        "file": f"{NAME}-{opts.version}-Windows-x86_64.exe",
        "size": len(installer),
        "sha256": hashlib.sha256(installer).hexdigest(),
    }
    build = root / "build"
    kit = Kit(
        opts=opts,
        prefix=prefix if opts.upgrade == "replace" else f"{prefix}-{opts.version}",
        facts=facts,
        construct=YAML(typ="safe").load(project.files["construct.yaml"]),
        installer=info,
        files=render_kit(kit_context(facts, info)),
        build=build,
        project=project,
    )
    kit.write()
    (build / info["file"]).write_bytes(installer)
    return kit


def compile_standin(out_dir: Path) -> Path:
    exe = out_dir / "installer.exe"
    # -mwindows: a GUI program like an NSIS installer, so `start` opens no console for it
    flags = ["-O2", "-s", "-mwindows", "-Wall", "-Wextra", "-Werror"]
    subprocess.run(
        [MINGW, *flags, "-o", str(exe), str(STANDIN_SOURCE)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return exe


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory, wine: Wine) -> Path:
    return compile_standin(tmp_path_factory.mktemp("standin"))


@pytest.fixture(scope="module")
def certutil(wine: Wine, standin: Path) -> Iterator[dict[str, str]]:
    """wine's certutil prints nothing: the session's System32\\certutil.exe becomes the
    stand-in while this module runs. Yields the environment that makes wine run it rather
    than its builtin."""
    target = Path(wine.env["WINEPREFIX"]) / "drive_c" / "windows" / "system32" / "certutil.exe"
    original = target.read_bytes()
    shutil.copy2(standin, target)
    try:
        yield {"WINEDLLOVERRIDES": wine.env["WINEDLLOVERRIDES"] + ";certutil.exe=n"}
    finally:
        target.write_bytes(original)


# --- a Windows machine under wine -----------------------------------------------------------


def steps(log: Path) -> list[str]:
    """The timestamped lines of the last run in a wrapper's log, without the timestamps."""
    lines = log.read_text(encoding="ascii").splitlines()
    found = [m.group(1) for line in lines if (m := STEP.fullmatch(line))]
    starts = [i for i, text in enumerate(found) if text.startswith("---- ")]
    assert starts, lines
    return found[starts[-1] :]


class Machine:
    """What stays on the machine between wrapper runs: ProgramData, the install folders and
    the recorders' logs, all under one folder."""

    def __init__(self, root: Path, wine: Wine, env: dict[str, str]):
        self.root = root
        self.wine = wine
        self.env = env
        self.programdata = root / "ProgramData"
        self.programdata.mkdir(parents=True)
        self.standin_log = root / "standin.log"
        self.conda_log = root / "conda.log"
        self.token_seen = root / "token-seen.txt"  # what the stand-in's post-install read

    def folder(self, *parts: str) -> Path:
        return self.root.joinpath("apps", *parts)

    def log(self, kit: Kit, what: str) -> Path:
        name = f"{NAME}-{kit.opts.version}-{what}.log"
        return self.programdata / ORG / "installer-logs" / name

    def steps(self, kit: Kit, what: str) -> list[str]:
        return steps(self.log(kit, what))

    def calls(self) -> list[list[str]]:
        return read_log(self.standin_log, "ascii")

    def run(
        self,
        kit: Kit,
        script: Path,
        *args: str,
        token: str | None = DEPLOY_TOKEN,
        **extra: str,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a wrapper as Intune does: `install.cmd` from its own folder, with `args` after
        it (each quoted) and the deploy-time token in the profile's variable unless None."""
        env = {
            **self.env,
            # the stand-in reads the token where post_install.bat does: the variable
            "STANDIN_TOKEN_ENV": "ACME_TOKEN",
            "STANDIN_TOKEN_SEEN": wine_path(self.token_seen),
            "STANDIN_SHA256": kit.installer["sha256"],  # what certutil says
            "STANDIN_LOG": wine_path(self.standin_log),
            "STANDIN_NAME": NAME,
            "STANDIN_VERSION": kit.opts.version,  # DisplayVersion, with STANDIN_UNINSTALL_NAME
            "STANDIN_PAYLOAD": wine_path(kit.payload) if kit.payload else "",
            "RECORDER_LOG": wine_path(self.conda_log),
            **({"ACME_TOKEN": token} if token is not None else {}),
            **extra,
        }
        # wine sets ProgramData from its registry, over the environment; cmd can change it
        programdata = wine_path(self.programdata)
        assert re.fullmatch(r"[\w:\\.-]+", programdata), programdata
        command = ["/c", f"set ProgramData={programdata}&& {script.name}"]
        if args:
            # wine hands cmd an argument holding quotes as \"...\", which cmd does not read:
            # a launcher passes the arguments, each quoted, as a management agent would
            launcher = self.root / "launch.cmd"
            quoted = " ".join(f'"{a}"' for a in args)
            launcher.write_text(
                f'@set "ProgramData={programdata}"\r\n'
                # no `call`: wine's loses the exit status; control passes to the script
                f'@"{wine_path(script)}" {quoted}\r\n'
            )
            assert " " not in wine_path(launcher), launcher
            command = ["/c", wine_path(launcher)]
        # A spawn hiccup can hit any step of a run, so the machine is put back as it was
        # before the run and the whole run repeated; nothing else is retried.
        before = self.root.with_name(self.root.name + ".before")
        shutil.rmtree(before, ignore_errors=True)
        shutil.copytree(self.root, before, symlinks=True)
        for _attempt in range(SPAWN_RETRIES + 1):
            result = self.wine.cmd(command, env, script.parent)
            if not self._hiccup(result):
                break
            shutil.rmtree(self.root)
            shutil.copytree(before, self.root, symlinks=True)
        return result

    def display_version(self, kit: Kit) -> str | None:
        """DisplayVersion of the kit's uninstall key, as the detection rule reads it."""
        hive = HIVES[kit.opts.install_type][0]
        key = f"{hive}\\{UNINSTALL_KEY}{UNINSTALL_NAME}"
        # one argument each: wine would quote a whole line in a way cmd does not read
        done = self.wine.cmd(["/c", "reg", "query", key, "/v", "DisplayVersion"], {}, self.root)
        found = re.search(rb"DisplayVersion\s+REG_SZ\s+(\S+)", done.stdout)
        return found.group(1).decode() if found else None

    def forget_registry(self, kit: Kit) -> None:
        hive = HIVES[kit.opts.install_type][0]
        key = f"{hive}\\{UNINSTALL_KEY}{UNINSTALL_NAME}"
        self.wine.cmd(["/c", "reg", "delete", key, "/f"], {}, self.root)

    def _hiccup(self, result: subprocess.CompletedProcess[bytes]) -> bool:
        logs = [p.read_bytes() for p in self.programdata.rglob("*.log")]
        return any(HICCUP in text for text in [result.stdout, result.stderr, *logs])


@pytest.fixture
def machine(tmp_path: Path, wine: Wine, certutil: dict[str, str]) -> Machine:
    return Machine(tmp_path / "machine", wine, certutil)


def write_env_state(prefix: Path, calls: list[list[str]]) -> None:
    """What conda leaves for the recorded `env config vars set -p PREFIX NAME=VALUE...`
    calls (the recorder only records them): PREFIX\\conda-meta\\state, {"env_vars": {...}},
    written with json.dumps(state, ensure_ascii=False) (PrefixData.set_environment_env_vars
    and _write_environment_state_file in conda/core/prefix_data.py)."""
    env_vars: dict[str, str] = {}
    for call in calls:
        if call[:5] == ["env", "config", "vars", "set", "-p"]:
            env_vars.update(arg.split("=", 1) for arg in call[6:])
    if env_vars:
        state = prefix / "conda-meta" / "state"
        state.parent.mkdir(exist_ok=True)
        state.write_text(json.dumps({"env_vars": env_vars}, ensure_ascii=False))


@pytest.fixture(scope="module")
def payloads(
    tmp_path_factory: pytest.TempPathFactory, wine: Wine, recorder: Path
) -> Callable[[RenderedProject], Path]:
    """The project installed by the fake install, once per distinct project: the stand-in
    installer copies it. The post-install step writes only inside its prefix, so the copy
    holds what an install in place would."""
    made: dict[str, Path] = {}

    def payload(project: RenderedProject, token: str | None = DEPLOY_TOKEN) -> Path:
        """Without a token: an attended install that went on without one (a warning)."""
        digest = hashlib.sha256(repr(token).encode())
        for name, data in sorted(project.files.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        key = digest.hexdigest()
        if key not in made:
            root = tmp_path_factory.mktemp("payload")
            install = lay_out(root, project, conda=recorder.read_bytes(), wine=wine)
            given = {} if token is None else {"ACME_TOKEN": token}
            done = install.post_install(unattended=token is not None, **given)
            assert done.returncode == 0, (done.stdout, done.stderr)
            write_env_state(install.prefix, install.calls())
            install.finish()
            made[key] = install.prefix
        return made[key]

    return payload


@pytest.fixture
def make(
    tmp_path: Path, standin: Path, cert: bytes, payloads: Callable[[RenderedProject], Path]
) -> Callable[..., Kit]:
    def _make(
        label: str,
        prefix: Path | str,
        opts: Options | None = None,
        token: str | None = DEPLOY_TOKEN,
    ) -> Kit:
        folder = wine_path(prefix) if isinstance(prefix, Path) else prefix
        kit = make_kit(tmp_path / label, standin.read_bytes(), folder, opts or Options(), cert)
        kit.payload = payloads(kit.project, token)
        return kit

    return _make


def output(result: subprocess.CompletedProcess[bytes], *logs: Path) -> str:
    """Everything a failed assertion should show."""
    parts = [result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")]
    parts += [p.read_text(errors="replace") for p in logs if p.exists()]
    return "\n".join(parts)


def install_call(kit: Kit) -> list[str]:
    """The stand-in's record of the installer run: the raw arguments NSIS parses, then argv.
    /S first, the options as the profile sets them, /D= last and unquoted."""
    raw = " ".join(["/S", *kit.opts.silent_options(), f"/D={kit.prefix}"])
    return ["install", raw, *raw.split(" ")]


def uninstall_call(kit: Kit) -> list[str]:
    raw = f"/S _?={kit.prefix}"
    return ["uninstall", raw, *raw.split(" ")]


def installed(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


GOOD_LAYOUT = sorted(
    [
        ".condarc",
        "Scripts",
        "Scripts/conda.exe",
        UNINSTALLER,
        "conda-meta",
        "conda-meta/state",
        "etc",
        "etc/installer-factory",
        "etc/installer-factory/ca-bundle.pem",
        "etc/installer-factory/installer.json",
    ]
)


def good_install_steps(
    kit: Kit, installer: str, replaced: list[str] | None = None, token: str | None = None
) -> list[str]:
    """A whole run's steps: `replaced`, what moving the previous release aside logs, and
    `token`, where the token came from (the profile's variable when None)."""
    moved, removed = (replaced or [], ["removed the previous release"] if replaced else [])
    return [
        f"---- install.cmd: {NAME} {kit.opts.version} (win-64), installer-factory {__version__}",
        f'installer: "{installer}"',
        f'install folder: "{kit.prefix}"',
        "LongPathsEnabled: not set",
        f"ok: SHA-256 {kit.installer['sha256']}",
        token or "token repo: from the variable ACME_TOKEN",
        *moved,
        f'running: "{installer}" {install_call(kit)[1]}',
        "the installer returned 0",
        f"ok: {CONDA} --version",
        f"ok: {MARKER} holds version {kit.opts.version}",
        *removed,
        f"exit 0: {EXIT_CODES[0]}",
    ]


def moved_aside(kit: Kit) -> list[str]:
    return [
        f'upgrade=replace: moving the release installed in the folder aside to "{kit.prefix}'
        '.previous"',
        "moved the previous release aside",
    ]


def marker_version(folder: Path) -> str:
    return json.loads((folder / "etc" / "installer-factory" / "installer.json").read_text())[
        "version"
    ]


# --- install, upgrade, uninstall --------------------------------------------------------------


@needs_wine
def test_install_upgrade_and_uninstall(machine: Machine, make: Callable[..., Kit]) -> None:
    folder = machine.folder("data-science")
    old = make("old", folder, Options(version="3.1"))
    new = make("new", folder, Options(version="3.2"))

    result = machine.run(old, old.install)
    assert result.returncode == 0, output(result, machine.log(old, "install"))
    assert machine.calls() == [install_call(old)]
    assert machine.steps(old, "install") == good_install_steps(old, wine_path(old.installer_path))
    assert installed(folder) == GOOD_LAYOUT
    assert marker_version(folder) == "3.1"
    assert read_log(machine.conda_log) == [["--version"]]

    # upgrade=replace: the release in the folder is moved aside (not uninstalled: its
    # uninstaller would remove the registry key the new release shares), the new one is
    # installed and verified, and only then is the old one removed
    result = machine.run(new, new.install)
    assert result.returncode == 0, output(result, machine.log(new, "install"))
    assert machine.calls() == [install_call(old), install_call(new)]
    assert machine.steps(new, "install") == good_install_steps(
        new, wine_path(new.installer_path), moved_aside(new)
    )
    assert installed(folder) == GOOD_LAYOUT
    assert marker_version(folder) == "3.2"
    assert not folder.with_name(folder.name + ".previous").exists()

    # idempotent: this release, whole, is left alone, and the installer does not run
    result = machine.run(new, new.install)
    assert result.returncode == 0, output(result, machine.log(new, "install"))
    assert len(machine.calls()) == 2
    assert machine.steps(new, "install")[4:] == [
        "this release is already in the folder: checking it",
        f"ok: {CONDA} --version",
        f"ok: {MARKER} holds version 3.2",
        "exit 0: 3.2 was already installed and verified; nothing changed",
    ]

    result = machine.run(new, new.uninstall)
    assert result.returncode == 0, output(result, machine.log(new, "uninstall"))
    assert not folder.exists()
    assert machine.calls()[2:] == [uninstall_call(new)]
    assert machine.steps(new, "uninstall")[-2:] == [
        "removed the folder",
        "exit 0: nothing is left in the install folder",
    ]

    # idempotent: nothing installed is success, and nothing runs
    result = machine.run(new, new.uninstall)
    assert result.returncode == 0, output(result, machine.log(new, "uninstall"))
    assert len(machine.calls()) == 3
    assert machine.steps(new, "uninstall")[-2:] == [
        "nothing to remove: the folder does not exist",
        "exit 0: nothing is left in the install folder",
    ]


@needs_wine
def test_side_by_side_releases_have_folders_of_their_own(
    machine: Machine, make: Callable[..., Kit]
) -> None:
    base = machine.folder("ds")
    old = make("old", base, Options(version="3.1", upgrade="side_by_side"))
    new = make("new", base, Options(version="3.2", upgrade="side_by_side"))
    # "side_by_side: each release in its own <prefix>-<version> folder"
    assert old.prefix == wine_path(base) + "-3.1"
    for kit in (old, new):
        result = machine.run(kit, kit.install)
        assert result.returncode == 0, output(result, machine.log(kit, "install"))
    assert machine.calls() == [install_call(old), install_call(new)]  # nothing uninstalled
    old_folder, new_folder = machine.folder("ds-3.1"), machine.folder("ds-3.2")
    assert installed(old_folder) == installed(new_folder) == GOOD_LAYOUT

    result = machine.run(old, old.uninstall)
    assert result.returncode == 0, output(result, machine.log(old, "uninstall"))
    assert not old_folder.exists()
    assert marker_version(new_folder) == "3.2"


@needs_wine
def test_spaces_and_cmd_specials_in_both_folders(
    machine: Machine, make: Callable[..., Kit], tmp_path: Path
) -> None:
    """A prefix with spaces and `&` (all a validated prefix can hold that cmd minds), a
    per-user install with /AddToPath, and the flat content folder Intune and SCCM use, with
    spaces, parentheses and `&` in its own path."""
    folder = machine.folder("Program Files", "Acme & Co", "Data Science")
    kit = make("kit", folder, Options(install_type="JustMe", add_to_path=True))
    content = tmp_path / "Intune content (1) & more"
    content.mkdir()
    for name in ("install.cmd", "uninstall.cmd"):
        shutil.copy2(kit.build / "deploy" / "exe" / name, content)
    shutil.copy2(kit.installer_path, content)

    result = machine.run(kit, content / "install.cmd")
    assert result.returncode == 0, output(result, machine.log(kit, "install"))
    installer = wine_path(content / kit.installer["file"])
    assert machine.calls() == [install_call(kit)]
    assert machine.calls()[0][1].endswith(" /D=" + wine_path(folder))
    assert machine.steps(kit, "install") == good_install_steps(kit, installer)
    assert installed(folder) == GOOD_LAYOUT

    result = machine.run(kit, content / "uninstall.cmd")
    assert result.returncode == 0, output(result, machine.log(kit, "uninstall"))
    assert machine.calls()[1:] == [uninstall_call(kit)]
    assert not folder.exists()
    assert folder.parent.exists()  # only the install folder itself is removed
    assert sorted(p.name for p in content.iterdir()) == sorted(
        ["install.cmd", "uninstall.cmd", kit.installer["file"]]
    )


# --- what goes wrong --------------------------------------------------------------------------


@needs_wine
def test_a_failed_post_install_leaves_no_marker_and_a_retry_finishes(
    tmp_path: Path, wine: Wine, recorder: Path, cert: bytes
) -> None:
    """Unattended and without its deploy-time token, post_install.bat fails; the marker
    is still aside (constructor places extra_files first), so nothing reads the folder as
    this release. Given the token, the same step finishes and moves the marker, last."""
    profile = write_profile(tmp_path / "profile", "C:\\acme-ds", Options(), cert)
    project = render_project(load_profile(profile), Platform.win_64)
    install = lay_out(tmp_path / "install", project, conda=recorder.read_bytes(), wine=wine)
    marker = install.prefix / MARKER.replace("\\", "/")
    staged = marker.with_name("installer.json.pending")
    assert staged.exists() and not marker.exists()
    failed = install.post_install()
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert b"none given to this unattended install" in failed.stderr
    assert staged.exists() and not marker.exists()
    retried = install.post_install(ACME_TOKEN=DEPLOY_TOKEN)
    assert retried.returncode == 0, (retried.stdout, retried.stderr)
    assert json.loads(marker.read_text())["version"] == Options().version
    assert not staged.exists()


@needs_wine
@pytest.mark.parametrize("status", ["1", "-1073741819"], ids=["exit-1", "crash"])
def test_a_failing_installer_exits_1(
    status: str, machine: Machine, make: Callable[..., Kit]
) -> None:
    folder = machine.folder("ds")
    kit = make("kit", folder)
    result = machine.run(kit, kit.install, STANDIN_MODE="fail", STANDIN_EXIT=status)
    assert result.returncode == 1, output(result, machine.log(kit, "install"))
    assert machine.calls() == [install_call(kit)]
    assert not folder.exists()
    taken = machine.steps(kit, "install")
    assert f"the installer returned {status}" in taken
    # the installation is checked anyway, and the log says what is missing
    assert f"missing: {CONDA}" in taken and "missing: .condarc" in taken
    assert taken[-1] == f"exit 1: {EXIT_CODES[1]}"


INCOMPLETE = {
    "no-conda": ({"STANDIN_MODE": "broken", "STANDIN_LEAVE_OUT": CONDA}, [f"missing: {CONDA}"]),
    "no-condarc": (
        {"STANDIN_MODE": "broken", "STANDIN_LEAVE_OUT": ".condarc"},
        ["missing: .condarc", f"missing: a token for {TOKEN_MARK} in .condarc"],
    ),
    "no-marker": ({"STANDIN_MODE": "broken", "STANDIN_LEAVE_OUT": MARKER}, [f"missing: {MARKER}"]),
    "no-ca-bundle": (
        {"STANDIN_MODE": "broken", "STANDIN_LEAVE_OUT": CA_BUNDLE},
        [f"missing: {CA_BUNDLE}"],
    ),
    "no-variables": (
        {"STANDIN_MODE": "broken", "STANDIN_LEAVE_OUT": STATE},
        [f"missing: variable {name} in the base environment" for name in VARIABLES],
    ),
    "wrong-version": (
        {"STANDIN_MODE": "noverify"},
        [f"error: {MARKER} does not hold version 3.1", "it holds version 0.0.0-other"],
    ),
    "conda-does-not-run": ({"RECORDER_EXIT": "3"}, [f"error: {CONDA} --version returned 3"]),
}


@needs_wine
@pytest.mark.parametrize("case", INCOMPLETE)
def test_an_incomplete_installation_exits_2(
    case: str, machine: Machine, make: Callable[..., Kit]
) -> None:
    env, problems = INCOMPLETE[case]
    kit = make("kit", machine.folder("ds"))
    result = machine.run(kit, kit.install, **env)
    assert result.returncode == 2, output(result, machine.log(kit, "install"))
    taken = machine.steps(kit, "install")
    assert "the installer returned 0" in taken
    # exactly these problems, named in the log: no others, no false alarms
    found = [s for s in taken if s.startswith(("missing:", "error:", "it holds"))]
    assert found == problems, taken
    assert taken[-1] == f"exit 2: {EXIT_CODES[2]}"


@needs_wine
def test_a_condarc_without_its_token_exits_2(machine: Machine, make: Callable[..., Kit]) -> None:
    """An installation whose .condarc lost its token (here: an attended install that went
    on without one) is not this release, whole: the kit says so and exits 2."""
    kit = make("kit", machine.folder("ds"), token=None)
    result = machine.run(kit, kit.install)
    assert result.returncode == 2, output(result, machine.log(kit, "install"))
    taken = machine.steps(kit, "install")
    found = [s for s in taken if s.startswith(("missing:", "error:", "it holds"))]
    assert found == [f"missing: a token for {TOKEN_MARK} in .condarc"], taken
    assert taken[-1] == f"exit 2: {EXIT_CODES[2]}"


@needs_wine
def test_a_missing_installer_exits_3(machine: Machine, make: Callable[..., Kit]) -> None:
    kit = make("kit", machine.folder("ds"))
    kit.installer_path.unlink()
    result = machine.run(kit, kit.install)
    assert result.returncode == 3, output(result, machine.log(kit, "install"))
    assert machine.calls() == []
    taken = machine.steps(kit, "install")
    assert taken[-2:] == ["error: the installer is missing", f"exit 3: {EXIT_CODES[3]}"]


@needs_wine
def test_the_checksum_is_checked_before_anything_changes(
    machine: Machine, make: Callable[..., Kit]
) -> None:
    folder = machine.folder("ds")
    old = make("old", folder, Options(version="3.1"))
    new = make("new", folder, Options(version="3.2"))
    assert machine.run(old, old.install).returncode == 0
    sha = new.installer["sha256"]

    wrong = "0" * 64
    result = machine.run(new, new.install, STANDIN_SHA256=wrong)
    assert result.returncode == 3, output(result, machine.log(new, "install"))
    assert machine.calls() == [install_call(old)]  # nothing ran: the old release stays
    assert marker_version(folder) == "3.1"
    assert machine.steps(new, "install")[-2:] == [
        f"error: the installer's SHA-256 is not {sha}",
        f"exit 3: {EXIT_CODES[3]}",
    ]
    assert wrong in machine.log(new, "install").read_text()  # what certutil said, for the reader
    assert not list(machine.log(new, "install").parent.glob("*sha256*"))  # scratch file gone

    # older certutil: upper case, a space between bytes
    spaced = " ".join(sha[i : i + 2] for i in range(0, len(sha), 2)).upper()
    result = machine.run(new, new.install, STANDIN_SHA256=spaced)
    assert result.returncode == 0, output(result, machine.log(new, "install"))
    assert f"ok: SHA-256 {sha}" in machine.steps(new, "install")
    assert marker_version(folder) == "3.2"


@needs_wine
@pytest.mark.parametrize(
    ("said", "problem"),
    [
        ("", "error: certutil gave no SHA-256 (it returned 0): the installer is not run"),
        ("not a hash at all", "error: the installer's SHA-256 is not {sha}"),
    ],
    ids=["certutil-prints-nothing", "garbled"],
)
def test_a_checksum_that_cannot_be_checked_is_exit_3(
    said: str, problem: str, machine: Machine, make: Callable[..., Kit]
) -> None:
    """No hash from certutil (wine's own prints nothing), or one that is not a hash: the
    installer is never run, and the release in the folder stays."""
    folder = machine.folder("ds")
    old = make("old", folder, Options(version="3.1"))
    new = make("new", folder, Options(version="3.2"))
    assert machine.run(old, old.install).returncode == 0
    result = machine.run(new, new.install, STANDIN_SHA256=said)
    assert result.returncode == 3, output(result, machine.log(new, "install"))
    assert machine.calls() == [install_call(old)]
    assert marker_version(folder) == "3.1"
    assert machine.steps(new, "install")[-2:] == [
        problem.format(sha=new.installer["sha256"]),
        f"exit 3: {EXIT_CODES[3]}",
    ]


@needs_wine
def test_a_kit_without_a_checksum_never_installs(
    machine: Machine, make: Callable[..., Kit]
) -> None:
    kit = make("kit", machine.folder("ds"))
    kit.installer = {**kit.installer, "sha256": ""}
    kit.write(kit.facts)
    result = machine.run(kit, kit.install)
    assert result.returncode == 3, output(result, machine.log(kit, "install"))
    assert machine.calls() == []
    assert machine.steps(kit, "install")[-2:] == [
        f"error: this kit has no SHA-256 for {kit.installer['file']}: the installer is not run",
        f"exit 3: {EXIT_CODES[3]}",
    ]


@needs_wine
def test_an_unwritable_log_exits_3(machine: Machine, make: Callable[..., Kit]) -> None:
    kit = make("kit", machine.folder("ds"))
    (machine.programdata / ORG).write_text("a file where the log folder goes\n")
    for script in (kit.install, kit.uninstall):
        result = machine.run(kit, script)
        assert result.returncode == 3, output(result)
        assert b"cannot write the log" in result.stderr
    assert machine.calls() == []


@needs_wine
def test_a_failing_uninstaller_exits_1(machine: Machine, make: Callable[..., Kit]) -> None:
    folder = machine.folder("ds")
    kit = make("kit", folder)
    assert machine.run(kit, kit.install).returncode == 0
    result = machine.run(kit, kit.uninstall, STANDIN_UNINSTALL_EXIT="4")
    assert result.returncode == 1, output(result, machine.log(kit, "uninstall"))
    assert machine.calls()[1:] == [uninstall_call(kit)]
    # the wrapper removes nothing after a failed uninstaller: its registry entry may remain
    assert (folder / UNINSTALLER).exists()
    taken = machine.steps(kit, "uninstall")
    assert taken[-2:] == [
        "the uninstaller returned 4",
        "exit 1: the uninstaller failed; the folder was left as it is",
    ]


@pytest.mark.slow
@needs_wine
def test_files_that_remain_exit_2(machine: Machine, make: Callable[..., Kit]) -> None:
    folder = machine.folder("ds")
    kit = make("kit", folder)
    assert machine.run(kit, kit.install).returncode == 0
    # a program still running from the installation keeps .condarc open: rd cannot remove it
    result = machine.run(kit, kit.uninstall, STANDIN_HOLD=".condarc", STANDIN_HOLD_MS="1500")
    assert result.returncode == 2, output(result, machine.log(kit, "uninstall"))
    assert ".condarc" in installed(folder)
    assert machine.steps(kit, "uninstall")[-2:] == [
        "the uninstaller returned 0",
        "exit 2: files remain in the install folder",
    ]

    # Without its uninstaller what is left is not known to be this installation: left alone.
    # (wine's rd stops at the first file it cannot remove; Windows' rd removes the rest.)
    (folder / UNINSTALLER).unlink(missing_ok=True)
    result = machine.run(kit, kit.uninstall)
    assert result.returncode == 2, output(result, machine.log(kit, "uninstall"))
    assert installed(folder) == [".condarc"]
    assert machine.steps(kit, "uninstall")[-2] == (
        f"error: the folder has no {UNINSTALLER}; it is left as it is"
    )
    # and the installer, which needs an empty folder, fails on it
    result = machine.run(kit, kit.install)
    assert result.returncode == 1, output(result, machine.log(kit, "install"))
    assert f"warning: the folder exists without {UNINSTALLER}; the installer needs it empty" in (
        machine.steps(kit, "install")
    )
    assert len(machine.calls()) == 3


@pytest.fixture
def drive_q(wine: Wine, tmp_path: Path) -> Iterator[Path]:
    """Drive Q: of the wine session, on a folder of this test."""
    root = tmp_path / "drive-q"
    root.mkdir()
    link = Path(wine.env["WINEPREFIX"]) / "dosdevices" / "q:"
    assert not link.exists() and not link.is_symlink()
    link.symlink_to(root)
    try:
        yield root
    finally:
        link.unlink()


@needs_wine
def test_a_drive_root_is_never_removed(
    machine: Machine, make: Callable[..., Kit], drive_q: Path, standin: Path
) -> None:
    # The wrappers rd /s /q the install folder. Even with an installation of this product
    # on the drive root, they refuse before running anything.
    kit = make("kit", machine.folder("ds"))
    facts = json.loads(json.dumps(kit.facts))
    facts["windows"]["prefix"] = "Q:\\"
    kit.write(facts)
    shutil.copy2(standin, drive_q / UNINSTALLER)
    (drive_q / "canary.txt").write_text("still here\n")
    for script in (kit.install, kit.uninstall):
        result = machine.run(kit, script)
        assert result.returncode == 3, output(result)
        assert b'the install folder "Q:\\" is a drive root' in result.stderr
    assert sorted(p.name for p in drive_q.iterdir()) == sorted([UNINSTALLER, "canary.txt"])
    assert machine.calls() == []


# --- the kit's files, without wine ------------------------------------------------------------

KIT_VARIANTS = {
    "all-users": Options(),
    "just-me": Options(install_type="JustMe", add_to_path=True),
    "side-by-side": Options(upgrade="side_by_side", version="2026.11"),
}
PREFIX = "C:\\Program Files\\Acme & Co\\Data Science"


def static_kit(tmp_path: Path, opts: Options, cert: bytes) -> Kit:
    return make_kit(tmp_path / "kit", b"MZ stand-in installer", PREFIX, opts, cert)


@pytest.mark.parametrize("variant", KIT_VARIANTS)
def test_detection_rules_match_what_the_installer_registers(
    variant: str, tmp_path: Path, cert: bytes
) -> None:
    opts = KIT_VARIANTS[variant]
    kit = static_kit(tmp_path, opts, cert)
    # constructor writes DisplayVersion = version under ...\Uninstall\<uninstall_name>, in
    # HKLM for AllUsers and HKCU for JustMe; side-by-side releases need a key each
    key_name = kit.construct["uninstall_name"]
    assert key_name == UNINSTALL_NAME + (" " + opts.version if variant == "side-by-side" else "")
    short, long = HIVES[opts.install_type]
    assert kit.facts["windows"]["hive"] == short
    version = kit.construct["version"]

    # intune.json: a Graph win32LobApp (tests/test_intune_graph.py checks it against Graph)
    intune = json.loads(kit.files["intune.json"])
    assert intune["rules"] == [
        {
            "@odata.type": "#microsoft.graph.win32LobAppRegistryRule",
            "ruleType": "detection",
            "check32BitOn64System": False,
            "keyPath": f"{long}\\{UNINSTALL_KEY}{key_name}",
            "valueName": "DisplayVersion",
            "operationType": "string",
            "operator": "equal",
            "comparisonValue": version,
        }
    ]
    assert intune["displayName"] == key_name
    assert intune["setupFilePath"] == "install.cmd"
    assert intune["installCommandLine"].startswith("install.cmd")
    assert intune["uninstallCommandLine"] == "uninstall.cmd"
    system = opts.install_type == "AllUsers"
    assert intune["installExperience"]["runAsAccount"] == ("system" if system else "user")
    assert intune["returnCodes"] == [
        {"returnCode": code, "type": "success" if code == 0 else "failed"}
        for code in sorted(EXIT_CODES)
    ]
    assert kit.installer["sha256"] in intune["notes"]

    sccm = json.loads(kit.files["sccm.json"])["deploymentType"]
    assert sccm["detectionMethod"] == {
        "settingType": "Registry",
        "hive": long,
        "key": f"{UNINSTALL_KEY}{key_name}",
        "valueName": "DisplayVersion",
        "dataType": "String",
        "associatedWith32BitApplicationOn64BitSystems": False,
        "operator": "Equals",
        "value": version,
    }
    assert sccm["installationProgram"] == intune["installCommandLine"]
    assert sccm["uninstallationProgram"] == "uninstall.cmd"
    assert sccm["installationBehavior"] == ("Install for system" if system else "Install for user")
    assert [(c["returnCode"], c["codeType"]) for c in sccm["returnCodes"]] == [
        (0, "Success"),
        (1, "Failure"),
        (2, "Failure"),
        (3, "Failure"),
    ]

    page = kit.files["DEPLOY.md"].decode()
    for text in (f"{long}\\{UNINSTALL_KEY}{key_name}", "`install.cmd`", "`uninstall.cmd`"):
        assert text in page
    assert f"{kit.opts.silent_options()[-1]} /D={kit.prefix}`" in page


@pytest.mark.parametrize("variant", KIT_VARIANTS)
def test_kit_files_are_deterministic_and_well_formed(
    variant: str, tmp_path: Path, cert: bytes
) -> None:
    kit = static_kit(tmp_path, KIT_VARIANTS[variant], cert)
    assert render_kit(kit_context(kit.facts, kit.installer)) == kit.files
    for name in ("install.cmd", "uninstall.cmd"):
        data = kit.files[name]
        data.decode("ascii")
        assert b"\n" not in data.replace(b"\r\n", b""), name  # CRLF only
        assert b"{{" not in data and b"{%" not in data, name


def command_lines(script: bytes) -> list[str]:
    """The lines cmd runs, without comments and labels."""
    lines = script.decode("ascii").split("\r\n")
    return [ln for ln in lines if ln.strip() and not ln.startswith(("rem ", ":", "@echo off"))]


def test_nsis_arguments_are_last_and_unquoted(tmp_path: Path, cert: bytes) -> None:
    kit = static_kit(tmp_path, Options(), cert)
    escaped = PREFIX.replace("&", "^&")  # outside quotes cmd needs the caret
    install = command_lines(kit.files["install.cmd"])
    runs = [ln for ln in install if ln.startswith('start "" /wait "%IF_INSTALLER%" ')]
    assert runs == [
        f'start "" /wait "%IF_INSTALLER%" /S /InstallationType=AllUsers '
        f"/RegisterPython=0 /D={escaped}"
    ]
    for name, expected in (
        ("install.cmd", []),  # the release replaced is moved aside, never uninstalled
        ("uninstall.cmd", [f'start "" /wait "%IF_UNINSTALLER%" /S _?={escaped}']),
    ):
        lines = command_lines(kit.files[name])
        uninstalls = [ln for ln in lines if ln.startswith('start "" /wait "%IF_UNINSTALLER%"')]
        assert uninstalls == expected, name


def unquoted_groups(line: str) -> list[str]:
    """The text inside each parenthesised group of a line, outside double quotes."""
    groups, depth, quoted, current = [], 0, False, ""
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
            continue
        if not quoted and ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(current)
                current = ""
            continue
        if depth:
            current += ch if not quoted else ""
    return groups


def test_no_value_is_expanded_unquoted_in_a_block(tmp_path: Path, cert: bytes) -> None:
    # A `)` in an expanded value would end a parenthesised block early; in the wrappers a
    # value inside parentheses is always inside quotes too. Echo text is not a block.
    kit = static_kit(tmp_path, Options(), cert)
    for name in ("install.cmd", "uninstall.cmd"):
        for line in command_lines(kit.files[name]):
            if re.match(r'(>>"%IF_LOG%" )?echo ', line):
                continue
            for group in unquoted_groups(line):
                assert "%" not in group, (name, line)


# --- deploy-time tokens -----------------------------------------------------------------------


def no_token_anywhere(machine: Machine, kit: Kit, result: subprocess.CompletedProcess[bytes]):
    """The token is in no output, log or recorded command line."""
    logs = [p.read_bytes() for p in machine.programdata.rglob("*") if p.is_file()]
    calls = machine.standin_log.read_bytes() if machine.standin_log.exists() else b""
    for text in (result.stdout, result.stderr, *logs, calls, bytes.fromhex(calls.decode() or "")):
        assert DEPLOY_TOKEN.encode() not in text


def with_token(kit: Kit, **changes: Any) -> None:
    """Rewrite the kit with the profile's token changed (env, win_file, remove_file)."""
    facts = json.loads(json.dumps(kit.facts))
    facts["tokens"][0].update(changes)
    kit.facts = facts
    kit.write(facts)


@needs_wine
def test_the_token_from_the_variable_reaches_the_installer_unseen(
    machine: Machine, make: Callable[..., Kit]
) -> None:
    kit = make("kit", machine.folder("ds"))
    result = machine.run(kit, kit.install)
    assert result.returncode == 0, output(result, machine.log(kit, "install"))
    assert machine.token_seen.read_text() == DEPLOY_TOKEN
    assert "token repo: from the variable ACME_TOKEN" in machine.steps(kit, "install")
    no_token_anywhere(machine, kit, result)


@needs_wine
@pytest.mark.parametrize("remove", [True, False], ids=["remove_file", "keep_file"])
@pytest.mark.parametrize("flag", ["/TokenFile", "/TokenFile:repo"])
def test_the_token_from_a_file_argument(
    flag: str, remove: bool, machine: Machine, make: Callable[..., Kit], tmp_path: Path
) -> None:
    kit = make("kit", machine.folder("ds"))
    with_token(kit, remove_file=remove)
    given = tmp_path / "dropped by a prior step" / "repo (1).token"
    given.parent.mkdir()
    given.write_bytes(DEPLOY_TOKEN.encode() + b"\r\n")
    result = machine.run(kit, kit.install, flag, wine_path(given), token=None)
    assert result.returncode == 0, output(result, machine.log(kit, "install"))
    assert machine.token_seen.read_text() == DEPLOY_TOKEN
    taken = machine.steps(kit, "install")
    assert f'token repo: read from "{wine_path(given)}" into the variable ACME_TOKEN' in taken
    assert given.exists() is not remove
    assert (f'removed the token file "{wine_path(given)}"' in taken) is remove
    no_token_anywhere(machine, kit, result)


@needs_wine
def test_a_token_read_only_from_its_file_gets_a_copy_there(
    machine: Machine, make: Callable[..., Kit], tmp_path: Path
) -> None:
    """A token the installer reads only from win_file: the file given is copied there for
    it, and the copy does not outlive the install."""
    kit = make("kit", machine.folder("ds"))
    target = tmp_path / "where the installer reads it.token"
    with_token(kit, env=None, win_file=wine_path(target))
    given = tmp_path / "given.token"
    given.write_bytes(DEPLOY_TOKEN.encode() + b"\r\n")
    result = machine.run(
        kit,
        kit.install,
        "/TokenFile",
        wine_path(given),
        token=None,
        STANDIN_TOKEN_ENV="",
        STANDIN_TOKEN_FILE=wine_path(target),
    )
    assert result.returncode == 0, output(result, machine.log(kit, "install"))
    assert machine.token_seen.read_text() == DEPLOY_TOKEN
    assert not target.exists()
    assert given.exists()  # remove_file is off
    no_token_anywhere(machine, kit, result)


@needs_wine
def test_no_token_is_exit_3_before_the_installer_runs(
    machine: Machine, make: Callable[..., Kit], tmp_path: Path
) -> None:
    folder = machine.folder("ds")
    old = make("old", folder, Options(version="3.1"))
    new = make("new", folder, Options(version="3.2"))
    assert machine.run(old, old.install).returncode == 0
    result = machine.run(new, new.install, token=None)
    assert result.returncode == 3, output(result, machine.log(new, "install"))
    assert machine.calls() == [install_call(old)]
    assert marker_version(folder) == "3.1"  # the old release was not touched
    assert machine.steps(new, "install")[-2:] == [
        "error: token repo: none given: set the variable ACME_TOKEN, or pass /TokenFile:repo "
        "<file>; the installer is not run",
        f"exit 3: {EXIT_CODES[3]}",
    ]
    assert b"ACME_TOKEN" in result.stdout

    missing = tmp_path / "not there.token"
    result = machine.run(new, new.install, "/TokenFile", wine_path(missing), token=None)
    assert result.returncode == 3, output(result, machine.log(new, "install"))
    assert machine.steps(new, "install")[-2] == (
        f'error: token repo: the file "{wine_path(missing)}" does not exist; '
        "the installer is not run"
    )
    # an unknown argument might be a token pasted by mistake: it is not shown
    result = machine.run(new, new.install, DEPLOY_TOKEN)
    assert result.returncode == 3, output(result, machine.log(new, "install"))
    assert machine.steps(new, "install")[-2] == (
        "error: an unknown argument (not shown); usage: install.cmd [/TokenFile:<name> <file>]"
    )
    assert machine.calls() == [install_call(old)]
    no_token_anywhere(machine, new, result)


# --- safe replacement -------------------------------------------------------------------------


@needs_wine
@pytest.mark.parametrize(
    ("env", "code"),
    [({"STANDIN_MODE": "fail"}, 1), ({"STANDIN_MODE": "noverify"}, 2)],
    ids=["installer-fails", "verification-fails"],
)
def test_a_failed_upgrade_leaves_the_old_release_working(
    env: dict[str, str], code: int, machine: Machine, make: Callable[..., Kit]
) -> None:
    folder = machine.folder("ds")
    old = make("old", folder, Options(version="3.1"))
    new = make("new", folder, Options(version="3.2"))
    registry = {"STANDIN_UNINSTALL_NAME": UNINSTALL_NAME}  # the stand-in registers itself
    try:
        assert machine.run(old, old.install, **registry).returncode == 0
        assert machine.display_version(old) == "3.1"
        before = installed(folder)
        result = machine.run(new, new.install, **env, **registry)
        # the detection rule sees the old release again (a new installer that got as far
        # as its registry step had overwritten the key)
        assert machine.display_version(new) == "3.1"
    finally:
        machine.forget_registry(old)
    assert result.returncode == code, output(result, machine.log(new, "install"))
    # the old release was moved aside, not uninstalled, and came back
    assert machine.calls() == [install_call(old), install_call(new)]
    assert installed(folder) == before
    assert marker_version(folder) == "3.1"
    assert not folder.with_name(folder.name + ".previous").exists()
    taken = machine.steps(new, "install")
    assert taken[6:8] == moved_aside(new)
    assert taken[-3:] == [
        "restoring the previous release",
        "restored the previous release in the folder",
        f"exit {code}: {EXIT_CODES[code]}",
    ]
    # and it is still verified: its own kit finds it whole and installs nothing
    result = machine.run(old, old.install)
    assert result.returncode == 0, output(result, machine.log(old, "install"))
    assert machine.steps(old, "install")[-1] == (
        "exit 0: 3.1 was already installed and verified; nothing changed"
    )
    assert len(machine.calls()) == 2


@needs_wine
def test_a_release_left_aside_by_an_interrupted_run_is_put_back(
    machine: Machine, make: Callable[..., Kit]
) -> None:
    folder = machine.folder("ds")
    old = make("old", folder, Options(version="3.1"))
    new = make("new", folder, Options(version="3.2"))
    assert machine.run(old, old.install).returncode == 0
    aside = folder.with_name(folder.name + ".previous")
    folder.rename(aside)  # cut short between the move and the install
    result = machine.run(new, new.install)
    assert result.returncode == 0, output(result, machine.log(new, "install"))
    taken = machine.steps(new, "install")
    assert f'put back the release an interrupted run had left in "{new.prefix}.previous"' in taken
    assert marker_version(folder) == "3.2" and not aside.exists()

    # something else in the way is left for a person, and nothing changes
    aside.mkdir()
    (aside / "notes.txt").write_text("not ours\n")
    result = machine.run(old, old.install)
    assert result.returncode == 3, output(result, machine.log(old, "install"))
    assert marker_version(folder) == "3.2" and (aside / "notes.txt").exists()


# --- uninstall options, long paths ------------------------------------------------------------


@needs_wine
def test_the_uninstaller_gets_the_profiles_removal_options(
    machine: Machine, make: Callable[..., Kit]
) -> None:
    folder = machine.folder("ds")
    kit = make("kit", folder)
    facts = json.loads(json.dumps(kit.facts))
    facts["uninstall"] = {
        "remove_caches": True,
        "remove_config_files": "user",
        "remove_user_data": True,
    }
    kit.write(facts)
    assert machine.run(kit, kit.install).returncode == 0
    result = machine.run(kit, kit.uninstall)
    assert result.returncode == 0, output(result, machine.log(kit, "uninstall"))
    # constructor's uninstaller options (uninstall_with_conda_exe), before _?=, which is last
    raw = f"/S /RemoveCaches=1 /RemoveConfigFiles=user /RemoveUserData=1 _?={kit.prefix}"
    assert machine.calls()[1:] == [["uninstall", raw, *raw.split(" ")]]
    assert not folder.exists()


def test_no_removal_options_by_default(tmp_path: Path, cert: bytes) -> None:
    kit = static_kit(tmp_path, Options(), cert)
    assert kit.facts["uninstall"]["remove_config_files"] == "none"
    script = kit.files["uninstall.cmd"].decode()
    assert "/Remove" not in "".join(command_lines(kit.files["uninstall.cmd"]))
    facts = json.loads(json.dumps(kit.facts))
    facts["uninstall"]["remove_config_files"] = "all"
    kit.write(facts)
    assert "/S /RemoveConfigFiles=all _?=" in kit.files["uninstall.cmd"].decode()
    assert script != kit.files["uninstall.cmd"].decode()


LONG_PATHS_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem"


@needs_wine
def test_the_install_log_reports_long_paths(machine: Machine, make: Callable[..., Kit]) -> None:
    kit = make("kit", machine.folder("ds"))
    # one argument each: wine would quote a line with spaces in a way cmd does not read
    add = ["reg", "add", LONG_PATHS_KEY, "/v", "LongPathsEnabled", "/t", "REG_DWORD", "/d", "1"]
    done = machine.wine.cmd(["/c", *add, "/f"], {}, machine.root)
    assert done.returncode == 0, done.stderr
    try:
        result = machine.run(kit, kit.install)
    finally:
        remove = ["reg", "delete", LONG_PATHS_KEY, "/v", "LongPathsEnabled", "/f"]
        machine.wine.cmd(["/c", *remove], {}, machine.root)
    assert result.returncode == 0, output(result, machine.log(kit, "install"))
    assert machine.steps(kit, "install")[3] == "LongPathsEnabled: 0x1"
