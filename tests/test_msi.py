"""MSI on Windows (issue 13, item 3): a profile asking for `msi` validates with constructor's
caveats, renders what constructor's MSI needs, builds with the stand-in constructor, and
gets a kit whose install.cmd and uninstall.cmd run for real in cmd.exe under wine.

The msiexec they run is tests/recorder/msiexec_standin.c (MinGW-built, put in wine's
System32 as msiexec.exe): it records its command line, lays the payload into
TARGETDIR\\base and registers the product the way Windows Installer does (the packed
ProductCode under the packed UpgradeCode, the Uninstall entry with DisplayVersion).
What a kit should do is worked out here from constructor's and Briefcase's sources, never
from the rendered files: the UpgradeCode below is computed independently.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, write_tree
from constructor_reader import parse, schema_errors
from scripts_support import MINGW, TIMEOUT, Wine, read_log, wine_path, yaml_text

from factory.deploy.kit import kit_context, render_kit
from factory.errors import ProfileInvalid
from factory.output.layout import FACTS_FILE
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.profiles.msi_rules import msi_installers, pack_guid
from factory.render.project import render_project

STANDIN_SOURCE = REPO / "tests" / "recorder" / "msiexec_standin.c"
NAME = "Acme-DS"
ORG = "Acme"
VERSION = "26.11.1"
TOKEN_VAR = "ACME_TOKEN"
ALIAS = "https://repo.example.test/conda"
OLD_CODE = "{0B5A6C6E-1111-4222-8333-944455556666}"
NEW_CODE = "{7D1F2E3C-AAAA-4BBB-8CCC-DDDDEEEEFFFF}"


def profile_data(rdi: str | None, **extra: Any) -> dict[str, Any]:
    # deploy_kit (install_rules.py) still asks every win-64 deploy for the .exe's key name
    install: dict[str, Any] = {"uninstall_name": "Acme DS"}
    if rdi:
        install["reverse_domain_identifier"] = rdi
    data: dict[str, Any] = {
        "name": NAME,
        "version": VERSION,
        "company": "Acme Corp",
        "platforms": ["win-64"],
        "installer_types": {"win": ["msi"]},
        "channels": ["conda-forge"],
        "condarc": {"channel_alias": ALIAS},
        "packages": {"specs": {"base": ["python", "conda"]}},
        "tokens": {
            "repo": {
                "url": "https://repo.example.test/",
                "install": "deploy",
                "shared": True,
                "deploy": {"env": TOKEN_VAR},
            }
        },
        "install": install,
        "deploy": {
            "org": ORG,
            "windows": {"prefix": "C:\\acme-ds", "install_type": "AllUsers"},
        },
    }
    data.update(extra)
    return data


def render(root: Path, data: dict[str, Any]) -> Any:
    write_tree(root, {"profile.yaml": yaml_text(data) + "\n"})
    return render_project(load_profile(root / "profile.yaml"), Platform.win_64)


def briefcase_upgrade_code(bundle_identifier: str) -> str:
    """Briefcase (platforms/windows/__init__.py): uuid5 of the DNS namespace and the bundle
    identifier's parts reversed."""
    domain = ".".join(reversed(bundle_identifier.split(".")))
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)).upper() + "}"


# --- profile, render, build -----------------------------------------------------------------


def test_an_msi_profile_renders_what_constructor_needs(tmp_path: Path) -> None:
    project = render(tmp_path, profile_data("com.acme.datascience"))
    construct = parse(project.files["construct.yaml"].decode())
    assert construct["installer_type"] == "msi"
    # constructor splits it at the last dot into Briefcase's bundle and app name
    assert construct["reverse_domain_identifier"] == "com.acme.datascience"
    assert construct["post_install"] == "post_install.bat"  # MSI checks for .bat
    assert schema_errors(construct) == []
    facts = json.loads(project.files[FACTS_FILE])
    msi = facts["msi"]
    assert msi["upgrade_code"] == briefcase_upgrade_code("com.acme.datascience")
    assert msi["product_version"] == "26.11.1"
    assert msi["properties"][0] == "ALLUSERS=1"
    assert msi["prefix"] == "C:\\acme-ds" and msi["base"] == "base"


def test_packed_guids_follow_windows_installer() -> None:
    # first three groups reversed, then each byte's two digits swapped
    guid = "{12345678-ABCD-EF01-2345-6789ABCDEF01}"
    assert pack_guid(guid) == "87654321DCBA10FE32547698BADCFE10"


def test_without_an_identifier_the_upgrade_code_follows_constructors_default(
    tmp_path: Path,
) -> None:
    # constructor: io.continuum + the name made a package name; the version's letters
    # ("a", a rebuild) go into the project name and so into the app name
    data = profile_data(None, version="26.11.1a")
    project = render(tmp_path, data)
    msi = json.loads(project.files[FACTS_FILE])["msi"]
    assert msi["bundle_identifier"] == "io.continuum.acme-ds-a"
    assert msi["upgrade_code"] == briefcase_upgrade_code("io.continuum.acme-ds-a")
    assert msi["product_version"] == "26.11.1"


def findings(tmp_path: Path, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What msi_installers says, through load_profile, which runs it with every rule (an
    error makes the profile invalid: then its problems say it, warnings included)."""
    write_tree(tmp_path, {"profile.yaml": yaml_text(data) + "\n"})
    try:
        loaded = load_profile(tmp_path / "profile.yaml")
    except ProfileInvalid as exc:
        return [(p.path, p.severity, p.message) for p in exc.problems]
    return [
        (".".join(map(str, f.path)), f.severity, f.message)
        for f in msi_installers(loaded.profile, loaded.sources)
    ]


def test_validate_says_what_the_msi_does_differently(tmp_path: Path) -> None:
    data = profile_data(None)
    data.pop("version")
    data["release"] = {"series": "data_science", "month": "2026-11", "rebuild": "a"}
    data["install"] = {
        "default_prefix": {"win": "%USERPROFILE%\\acme"},
        "uninstall_name": "X",
        "uninstall_with_conda_exe": True,  # the .exe's rule for deploy.uninstall
    }
    data["deploy"]["uninstall"] = {"remove_config_files": "user"}
    found = findings(tmp_path, data)
    by_path = {(path, severity): message for path, severity, message in found}
    assert "experimental" in by_path[("installer_types.win", "warning")]
    assert "TARGETDIR" in by_path[("install.default_prefix.win", "warning")]
    assert "ignores" in by_path[("install.uninstall_name", "warning")]
    assert "reverse_domain_identifier" in by_path[("install", "warning")]
    # 202611a: ProductVersion 202611.0.0 is over 255, and the letter is not part of it
    release = [m for p, s, m in found if p == "release"]
    assert any("255" in m for m in release) and any("'a'" in m for m in release)
    assert (
        "OPTION_REMOVE_CONFIG_FILES" in by_path[("deploy.uninstall.remove_config_files", "error")]
    )


def test_an_exe_only_profile_hears_nothing_about_msi(tmp_path: Path) -> None:
    data = profile_data("com.acme.x", installer_types={"win": ["exe"]})
    assert findings(tmp_path, data) == []


def test_build_makes_the_msi_and_its_kit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    """`build --installer-type msi` with the stand-in constructor, as on a Windows host."""
    import factory.builds.cross as cross
    import factory.builds.host as host

    for module in (host, cross):  # this host plays a Windows one
        monkeypatch.setattr(module, "host_platform", lambda: Platform.win_64)
    monkeypatch.setenv("STANDIN_HOST_SUBDIR", "win-64")
    monkeypatch.setenv("PATH", f"{REPO / 'tests' / 'standins'}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    data = profile_data("com.acme.datascience", installer_types={"win": ["exe", "msi"]})
    write_tree(tmp_path, {"profile.yaml": yaml_text(data) + "\n"})
    result = cli(
        "build", tmp_path / "profile.yaml", "--output", tmp_path / "out", "--installer-type", "msi"
    )
    assert result.code == 0, result.err
    (record,) = (json.loads(p.read_text()) for p in (tmp_path / "records").glob("call-*.json"))
    assert record["argv"][-4:] == ["--platform", "win-64", "--installer-type", "msi"]
    build = tmp_path / "out" / NAME / "win-64"
    msi_file = build / f"{NAME}-{VERSION}-Windows-x86_64.msi"
    assert msi_file.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    kit = build / "deploy" / "msi"
    assert sorted(p.name for p in kit.iterdir()) == sorted(
        ["install.cmd", "uninstall.cmd", "intune.json", "sccm.json", "DEPLOY.md"]
    )
    intune = json.loads((kit / "intune.json").read_text())
    assert intune["msi"]["upgradeCode"] == briefcase_upgrade_code("com.acme.datascience")
    assert intune["installer"]["sha256"] == hashlib.sha256(msi_file.read_bytes()).hexdigest()
    assert "RelatedProducts" in intune["detectionRule"]["scriptContent"]
    assert not (build / "deploy" / "exe").exists()  # only the msi was built


# --- the kit under wine ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def msiexec(wine: Wine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The stand-in becomes System32\\msiexec.exe while this module runs."""
    exe = tmp_path_factory.mktemp("msiexec") / "msiexec.exe"
    subprocess.run(
        [
            MINGW,
            "-O2",
            "-s",
            "-mwindows",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
            str(exe),
            str(STANDIN_SOURCE),
        ],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    target = Path(wine.env["WINEPREFIX"]) / "drive_c" / "windows" / "system32" / "msiexec.exe"
    original = target.read_bytes()
    shutil.copy2(exe, target)
    try:
        yield {"WINEDLLOVERRIDES": wine.env["WINEDLLOVERRIDES"] + ";msiexec.exe=n"}
    finally:
        target.write_bytes(original)


class MsiMachine:
    def __init__(self, root: Path, wine: Wine, env: dict[str, str], recorder: Path):
        self.root, self.wine, self.env = root, wine, env
        self.programdata = root / "ProgramData"
        self.programdata.mkdir(parents=True)
        self.log = root / "msiexec.log"
        self.prefix = root / "apps" / "acme-ds"
        self.recorder = recorder
        # every test its own product: the wine registry lives as long as the session
        self.rdi = "com.acme.t" + hashlib.sha256(str(root).encode()).hexdigest()[:12]

    def kit(self, **extra: Any) -> tuple[Path, dict[str, Any]]:
        data = profile_data(self.rdi, **extra)
        data["deploy"]["windows"]["prefix"] = wine_path(self.prefix)
        project = render(self.root / "profile", data)
        facts = json.loads(project.files[FACTS_FILE])
        msi_bytes = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 stand-in msi"
        info = {
            "installer_type": "msi",
            "file": f"{NAME}-{facts['version']}-Windows-x86_64.msi",
            "size": len(msi_bytes),
            "sha256": hashlib.sha256(msi_bytes).hexdigest(),
        }
        folder = self.root / "kit"
        folder.mkdir(exist_ok=True)
        for name, content in render_kit(kit_context(facts, info)).items():
            (folder / name).write_bytes(content)
        (folder / info["file"]).write_bytes(msi_bytes)
        return folder, facts

    def payload(self, facts: dict[str, Any], leave_out: str = "") -> Path:
        """What the MSI lays down in TARGETDIR\\base once its post-install has run."""
        root = self.root / "payload"
        shutil.rmtree(root, ignore_errors=True)
        files: dict[str, str | bytes] = {
            facts["conda"].replace("\\", "/"): self.recorder.read_bytes(),
            facts["marker"].replace("\\", "/"): json.dumps({"version": facts["version"]}, indent=1),
            ".condarc": "".join(f"channel_alias: {t}secret\n" for t in facts["condarc_tokens"]),
        }
        for path in facts["expected"]:
            files.setdefault(path.replace("\\", "/"), "x")
        files.pop(leave_out, None)
        return write_tree(root, files)

    def run(
        self, script: Path, facts: dict[str, Any], **extra: str
    ) -> subprocess.CompletedProcess[bytes]:
        env = {
            **self.env,
            "STANDIN_LOG": wine_path(self.log),
            "STANDIN_UPGRADE_PACKED": facts["msi"]["upgrade_code_packed"],
            "STANDIN_VERSION": facts["msi"]["product_version"],
            "STANDIN_PRODUCT_CODE": NEW_CODE,
            "RECORDER_LOG": wine_path(self.root / "conda.log"),
            **extra,
        }
        programdata = wine_path(self.programdata)
        args = ["/c", f"set ProgramData={programdata}&& {script.name}"]
        return self.wine.cmd(args, env, script.parent)

    def calls(self) -> list[list[str]]:
        return [c[2:] for c in read_log(self.log, "ascii")]

    def wrapper_log(self, facts: dict[str, Any], what: str) -> str:
        path = self.programdata / ORG / "installer-logs" / f"{NAME}-{facts['version']}-{what}.log"
        return path.read_text(encoding="ascii")


@pytest.fixture
def machine(tmp_path: Path, wine: Wine, msiexec: dict[str, str], recorder: Path) -> MsiMachine:
    return MsiMachine(tmp_path / "m", wine, msiexec, recorder)


def test_install_detect_and_uninstall_by_product_code(machine: MsiMachine) -> None:
    kit, facts = machine.kit()
    payload = machine.payload(facts)
    result = machine.run(
        kit / "install.cmd",
        facts,
        STANDIN_PAYLOAD=wine_path(payload),
        **{TOKEN_VAR: "tok-0123456789"},
    )
    assert result.returncode == 0, machine.wrapper_log(facts, "install")
    (install,) = machine.calls()
    logs = f"{wine_path(machine.programdata)}\\{ORG}\\installer-logs"
    msi_log = f"{logs}\\{NAME}-{VERSION}-msiexec-install.log"
    assert install == [
        "/i",
        wine_path(kit / f"{NAME}-{VERSION}-Windows-x86_64.msi"),
        "/qn",
        "/norestart",
        "ALLUSERS=1",
        "OPTION_REGISTER_PYTHON=0",
        f"TARGETDIR={wine_path(machine.prefix)}",
        "/l*v",
        msi_log,
    ]
    log = machine.wrapper_log(facts, "install")
    assert f"Windows Installer has {NEW_CODE} version {VERSION}" in log
    assert "tok-0123456789" not in log and "tok-0123456789" not in result.stdout.decode()
    assert (machine.prefix / "base" / "Scripts" / "conda.exe").is_file()

    result = machine.run(kit / "uninstall.cmd", facts)
    assert result.returncode == 0, machine.wrapper_log(facts, "uninstall")
    assert machine.calls()[-1][:4] == ["/x", NEW_CODE, "/qn", "/norestart"]
    assert machine.calls()[-1][4:7] == facts["msi"]["uninstall_properties"]
    assert not machine.prefix.exists()
    # nothing left: a second uninstall has nothing to do
    assert machine.run(kit / "uninstall.cmd", facts).returncode == 0
    assert len(machine.calls()) == 2


def test_without_a_token_msiexec_never_runs(machine: MsiMachine) -> None:
    kit, facts = machine.kit()
    result = machine.run(
        kit / "install.cmd", facts, STANDIN_PAYLOAD=wine_path(machine.payload(facts))
    )
    assert result.returncode == 3
    assert machine.calls() == []
    assert f"token repo: none given: set the variable {TOKEN_VAR}" in machine.wrapper_log(
        facts, "install"
    )


@pytest.mark.parametrize(("status", "ours"), [("3010", 0), ("1641", 0), ("1618", 3), ("1603", 1)])
def test_msiexec_statuses_map_to_ours(machine: MsiMachine, status: str, ours: int) -> None:
    kit, facts = machine.kit()
    result = machine.run(
        kit / "install.cmd",
        facts,
        STANDIN_PAYLOAD=wine_path(machine.payload(facts)),
        STANDIN_EXIT=status,
        **{TOKEN_VAR: "t"},
    )
    assert result.returncode == ours, machine.wrapper_log(facts, "install")


def test_an_older_release_is_removed_by_its_product_code(machine: MsiMachine) -> None:
    old_kit, old_facts = machine.kit(version="26.10.0")
    payload = wine_path(machine.payload(old_facts))
    first = machine.run(
        old_kit / "install.cmd",
        old_facts,
        STANDIN_PAYLOAD=payload,
        STANDIN_PRODUCT_CODE=OLD_CODE,
        **{TOKEN_VAR: "t"},
    )
    assert first.returncode == 0, machine.wrapper_log(old_facts, "install")
    kit, facts = machine.kit()
    result = machine.run(
        kit / "install.cmd",
        facts,
        STANDIN_PAYLOAD=wine_path(machine.payload(facts)),
        **{TOKEN_VAR: "t"},
    )
    assert result.returncode == 0, machine.wrapper_log(facts, "install")
    calls = machine.calls()
    assert [c[:2] for c in calls[1:]] == [["/x", OLD_CODE], ["/i", calls[2][1]]]
    assert "installed: " + OLD_CODE + " version 26.10.0" in machine.wrapper_log(facts, "install")


def test_an_incomplete_installation_exits_2(machine: MsiMachine) -> None:
    kit, facts = machine.kit()
    payload = machine.payload(facts, leave_out=facts["marker"].replace("\\", "/"))
    result = machine.run(
        kit / "install.cmd", facts, STANDIN_PAYLOAD=wine_path(payload), **{TOKEN_VAR: "t"}
    )
    assert result.returncode == 2, machine.wrapper_log(facts, "install")


# --- CI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["github", "gitlab", "azure"])
def test_pipelines_build_and_install_test_the_msi(tmp_path: Path, engine: str) -> None:
    from test_pipelines import check_jsonschema

    from factory.ci.matrix import load_matrix
    from factory.ci.pipelines import render_pipeline

    data = profile_data("com.acme.datascience")
    write_tree(
        tmp_path,
        {
            "p.yaml": yaml_text(data) + "\n",
            "build-matrix.yml": (
                'constructor: "3.16.3"\noutput: dist\nbuilds:\n  - profile: p.yaml\n'
            ),
        },
    )
    text = render_pipeline(load_matrix(tmp_path / "build-matrix.yml"), engine)
    file = tmp_path / "pipeline.yml"
    file.write_text(text)
    checked = check_jsonschema(engine, file)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # msiexec /i into TARGETDIR, checks in TARGETDIR\base, /x by the .msi's own ProductCode
    assert "'msiexec.exe' -ArgumentList '/i'" in text
    assert "Join-Path $prefix 'base'" in text
    assert "Property = 'ProductCode'" in text and "'/x', $code" in text
    assert "no .exe installer" not in text  # the profile builds no .exe


def test_a_per_user_install_registers_and_is_found_in_hkcu(machine: MsiMachine) -> None:
    # JustMe: MSIINSTALLPERUSER=1, as constructor's own tests run a per-user MSI
    kit, facts = machine.kit(
        deploy={
            "org": ORG,
            "windows": {"prefix": wine_path(machine.prefix), "install_type": "JustMe"},
        }
    )
    assert facts["msi"]["upgrade_key"].startswith("HKCU\\Software\\Microsoft\\Installer\\")
    result = machine.run(
        kit / "install.cmd",
        facts,
        STANDIN_PAYLOAD=wine_path(machine.payload(facts)),
        **{TOKEN_VAR: "t"},
    )
    assert result.returncode == 0, machine.wrapper_log(facts, "install")
    assert "MSIINSTALLPERUSER=1" in machine.calls()[0]
    assert "ALLUSERS=1" not in machine.calls()[0]
    assert machine.run(kit / "uninstall.cmd", facts).returncode == 0
    assert machine.calls()[-1][:2] == ["/x", NEW_CODE]


def test_a_token_file_is_enough(machine: MsiMachine, tmp_path: Path) -> None:
    token_file = tmp_path / "token.txt"
    data_tokens = {
        "repo": {
            "url": "https://repo.example.test/",
            "install": "deploy",
            "shared": True,
            "deploy": {"env": TOKEN_VAR, "win_file": wine_path(token_file), "remove_file": True},
        }
    }
    kit, facts = machine.kit(tokens=data_tokens)
    payload = wine_path(machine.payload(facts))
    missing = machine.run(kit / "install.cmd", facts, STANDIN_PAYLOAD=payload)
    assert missing.returncode == 3
    assert wine_path(token_file) in machine.wrapper_log(facts, "install")
    token_file.write_text("tok-from-file\n")
    result = machine.run(kit / "install.cmd", facts, STANDIN_PAYLOAD=payload)
    assert result.returncode == 0, machine.wrapper_log(facts, "install")
    assert "tok-from-file" not in machine.wrapper_log(facts, "install")


def test_a_failing_uninstall_exits_1_and_leaves_the_folder(machine: MsiMachine) -> None:
    kit, facts = machine.kit()
    payload = wine_path(machine.payload(facts))
    assert (
        machine.run(
            kit / "install.cmd", facts, STANDIN_PAYLOAD=payload, **{TOKEN_VAR: "t"}
        ).returncode
        == 0
    )
    result = machine.run(kit / "uninstall.cmd", facts, STANDIN_REMOVE_EXIT="1603")
    assert result.returncode == 1
    assert machine.prefix.exists()
    assert (machine.prefix / "base" / "Scripts" / "conda.exe").is_file()
    busy = machine.run(kit / "uninstall.cmd", facts, STANDIN_REMOVE_EXIT="1618")
    assert busy.returncode == 3
    assert "another installation is in progress" in machine.wrapper_log(facts, "uninstall")
    assert machine.run(kit / "uninstall.cmd", facts).returncode == 0
    assert not machine.prefix.exists()


def test_kit_files_are_ascii_crlf_and_deterministic(tmp_path: Path) -> None:
    project = render(tmp_path, profile_data("com.acme.datascience"))
    facts = json.loads(project.files[FACTS_FILE])
    info = {"installer_type": "msi", "file": "x.msi", "size": 1, "sha256": "0" * 64}
    first = render_kit(kit_context(facts, info))
    assert first == render_kit(kit_context(facts, info))
    for name in ("install.cmd", "uninstall.cmd"):
        text = first[name].decode("ascii")
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    for name in ("intune.json", "sccm.json"):
        json.loads(first[name])


def test_side_by_side_keeps_other_releases(machine: MsiMachine) -> None:
    def deploy() -> dict[str, Any]:
        windows = {"prefix": wine_path(machine.prefix), "install_type": "AllUsers"}
        return {"org": ORG, "upgrade": "side_by_side", "windows": windows}

    old_kit, old_facts = machine.kit(version="26.10.0", deploy=deploy())
    assert old_facts["msi"]["prefix"].endswith("-26.10.0")
    payload = wine_path(machine.payload(old_facts))
    first = machine.run(
        old_kit / "install.cmd",
        old_facts,
        STANDIN_PAYLOAD=payload,
        STANDIN_PRODUCT_CODE=OLD_CODE,
        **{TOKEN_VAR: "t"},
    )
    assert first.returncode == 0, machine.wrapper_log(old_facts, "install")
    kit, facts = machine.kit(deploy=deploy())
    payload = wine_path(machine.payload(facts))
    result = machine.run(kit / "install.cmd", facts, STANDIN_PAYLOAD=payload, **{TOKEN_VAR: "t"})
    assert result.returncode == 0, machine.wrapper_log(facts, "install")
    assert [c[0] for c in machine.calls()] == ["/i", "/i"]  # 26.10.0 stays
    assert Path(str(machine.prefix) + "-26.10.0", "base").is_dir()
