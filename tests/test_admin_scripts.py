"""The admin's own scripts (`scripts:`), run for real through tests/fake_install.py.

post_install: shipped into the prefix under a name of ours and run by our post-install
after every step of ours (CA bundle, tokens, ...) and before the marker moves into place,
with the same failure rule: a non-zero exit fails the install and leaves no marker.
pre_install and pre_uninstall: constructor's own keys, run by the installer itself.
Each .sh runs in bash and dash, each .bat in wine's cmd.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import needs_wine, write_tree
from constructor_reader import build_time_errors, parse, schema_errors
from fake_install import Install, lay_out
from scripts_support import Wine, read_log

from factory.platforms import MARKER_RELPATH, MARKER_STAGED_RELPATH, Platform
from factory.profiles.load import load_profile
from factory.render.project import TEMPLATES, RenderedProject, render_project

MARKER = "/".join(MARKER_RELPATH)
STAGED = "/".join(MARKER_STAGED_RELPATH)
ADMIN_IN_PREFIX = "etc/installer-factory/admin"

PROFILE = """\
name: Adm
version: "1.0.0"
platforms: [linux-64, osx-arm64, win-64]
installer_types: {{osx: [pkg, sh]}}
channels: [conda-forge]
packages:
  specs:
    base: [python, conda]
{extra}
"""

DEPLOY = """\
ca_certs:
  corp: corp.pem
install:
  uninstall_name: Adm
  pkg_domains: {enable_anywhere: false, enable_currentUserHome: false, enable_localSystem: true}
  default_location_pkg: Applications
deploy:
  org: Acme
  windows: {prefix: 'C:\\ProgramData\\adm'}
  unix: {prefix: /opt/adm}
"""

# What the admin's post-install records: the marker's state, whether our own step (the
# CA bundle's ssl_verify, set through the recording conda) already ran, and its variables.
POST_SH = """\
#!/bin/sh
set -eu
out="$PREFIX/admin-saw.txt"
if [ -f "$PREFIX/{marker}" ]; then echo marker=final >"$out"; else echo marker=absent >"$out"; fi
if [ -f "$PREFIX/{staged}" ]; then echo staged=yes >>"$out"; fi
cp "$RECORDER_LOG" "$PREFIX/log-at-admin"
: '{{{{ a .pkg renders our post-install with Jinja, never the admin script }}}}'
printf 'prefix=%s\\n' "$PREFIX" >>"$out"
printf 'name=%s\\n' "$INSTALLER_NAME" >>"$out"
exit {status}
"""
POST_BAT = """\
@echo off
set "OUT=%PREFIX%\\admin-saw.txt"
if exist "%PREFIX%\\{marker}" (echo marker=final>"%OUT%") else (echo marker=absent>"%OUT%")
if exist "%PREFIX%\\{staged}" echo staged=yes>>"%OUT%"
copy /y "%RECORDER_LOG%" "%PREFIX%\\log-at-admin" >nul
set "V=delayed"
echo expansion=!V!>>"%OUT%"
echo name=%INSTALLER_NAME%>>"%OUT%"
{ending}
"""


def _project(
    root: Path, cert: bytes, platform: Platform, extra: str, files: dict[str, str | bytes]
) -> RenderedProject:
    (root / "profile").mkdir(parents=True, exist_ok=True)
    write_tree(root / "profile", {"corp.pem": cert, **files})
    profile = root / "profile" / "p.yaml"
    profile.write_text(PROFILE.format(extra=extra), encoding="utf-8")
    project = render_project(load_profile(profile), platform)
    data = parse(project.files["construct.yaml"].decode())
    assert schema_errors(data) == []
    return project


def _scripts(post: dict[str, str]) -> str:
    lines = "\n".join(f"    {os}: {name!r}" for os, name in post.items())
    return f"scripts:\n  post_install:\n{lines}\n"


def _ours_before(install: Install) -> None:
    """Every conda call of our own steps (the CA bundle's) was made when the admin's ran."""
    calls = install.calls()
    assert any("ssl_verify" in call for call in calls)
    assert read_log(install.prefix / "log-at-admin") == calls


def _saw(install: Install) -> dict[str, str]:
    text = (install.prefix / "admin-saw.txt").read_text(encoding="utf-8", errors="replace")
    return dict(line.split("=", 1) for line in text.replace("\r", "").splitlines() if "=" in line)


UNIX_CASES = [(Platform.linux_64, "sh"), (Platform.osx_arm64, "pkg"), (Platform.osx_arm64, "sh")]


@pytest.mark.parametrize(("platform", "kind"), UNIX_CASES)
def test_admin_post_install_runs_after_ours_before_marker(
    tmp_path: Path, cert: bytes, shell: str, platform: Platform, kind: str
) -> None:
    script = POST_SH.format(marker=MARKER, staged=STAGED, status=0)
    # a hostile source name: it never reaches a script, ours is shipped under a name of ours
    name = "post $(touch pwned) 'q'.sh"
    project = _project(
        tmp_path, cert, platform, DEPLOY + _scripts({"linux": name, "osx": name}), {name: script}
    )
    install = lay_out(tmp_path / "i", project, kind=kind, prefix_name="pre fix $HOME 'q'")
    result = install.post_install(shell=shell)
    assert result.returncode == 0, result.stderr.decode()
    saw = _saw(install)
    assert saw["marker"] == "absent" and saw["staged"] == "yes"
    _ours_before(install)
    assert saw["prefix"] == str(install.prefix)
    assert saw["name"] == "Adm"
    files = install.files()
    assert MARKER in files and STAGED not in files
    assert not [f for f in files if f.startswith(ADMIN_IN_PREFIX)]  # removed once it ran
    assert install.created() == sorted(["admin-saw.txt", "log-at-admin", MARKER])
    assert not (install.prefix / "pwned").exists()


@pytest.mark.parametrize(("platform", "kind"), UNIX_CASES)
def test_admin_post_install_failure_fails_the_install(
    tmp_path: Path, cert: bytes, shell: str, platform: Platform, kind: str
) -> None:
    script = POST_SH.format(marker=MARKER, staged=STAGED, status=3)
    extra = DEPLOY + _scripts({"linux": "post.sh", "osx": "post.sh"})
    project = _project(tmp_path, cert, platform, extra, {"post.sh": script})
    install = lay_out(tmp_path / "i", project, kind=kind)
    result = install.post_install(shell=shell)
    assert result.returncode != 0
    assert b"post-install script failed (exit status 3)" in result.stderr
    assert MARKER not in install.files()


def test_admin_post_install_alone_still_gets_our_wrapper(
    tmp_path: Path, cert: bytes, shell: str
) -> None:
    """No step of ours: the wrapper still runs the script and checks its exit status. A
    `#!/bin/bash` script runs in bash whatever shell runs ours."""
    script = '#!/bin/bash\n[[ -n $PREFIX ]] && echo ran=bash >"$PREFIX/admin-saw.txt"\nexit 4\n'
    project = _project(
        tmp_path, cert, Platform.linux_64, _scripts({"linux": "p.sh"}), {"p.sh": script}
    )
    assert project.plan.post_install == "post_install.sh"
    install = lay_out(tmp_path / "i", project)
    result = install.post_install(shell=shell)
    assert result.returncode != 0 and b"(exit status 4)" in result.stderr
    assert _saw(install) == {"ran": "bash"}


def test_admin_pre_install_runs_with_installer_variables(
    tmp_path: Path, cert: bytes, shell: str
) -> None:
    pre = (
        '#!/bin/sh\nprintf "%s|%s|%s\\n" "$PREFIX" "$INSTALLER_TYPE" "${INST_OPT-unset}"'
        ' >"$PREFIX/pre.txt"\n'
    )
    extra = "scripts:\n  pre_install: {linux: pre.sh, osx: pre.sh}\n"
    for platform, kind in UNIX_CASES:
        root = tmp_path / f"{platform.value}-{kind}"
        project = _project(root, cert, platform, extra, {"pre.sh": pre})
        data = parse(project.files["construct.yaml"].decode())
        assert data["pre_install"] == "scripts/pre_install.sh"
        assert build_time_errors(data, platform.value, None) == []
        install = lay_out(root / "i", project, kind=kind, prefix_name="a b")
        result = install.pre_install(shell=shell)
        assert result.returncode == 0, result.stderr.decode()
        text = (install.prefix / "pre.txt").read_text()
        inst_opt = "" if kind == "sh" else "unset"  # header.sh exports INST_OPT, .pkg does not
        assert text == f"{install.prefix}|{kind.upper()}|{inst_opt}\n"


def test_pre_uninstall_and_descriptions_where_constructor_uses_them(
    tmp_path: Path, cert: bytes
) -> None:
    extra = textwrap.dedent("""\
        scripts:
          pre_install: {linux: pre.sh, osx: pre.sh, win: pre.bat}
          post_install: {win: post.bat}
          pre_uninstall: {win: un.bat}
          pre_install_desc: Remove the old settings
          post_install_desc: Configure the organization's settings
        """)
    files = {"pre.sh": "echo\n", "pre.bat": "@echo off\r\n", "post.bat": "@echo off\r\n"}
    files["un.bat"] = "@echo off\r\n"
    seen: dict[str, dict[str, Any]] = {}
    for platform in (Platform.linux_64, Platform.osx_arm64, Platform.win_64):
        project = _project(tmp_path / platform.value, cert, platform, extra, files)
        data = parse(project.files["construct.yaml"].decode())
        written = write_tree(tmp_path / platform.value / "project", project.files)
        assert build_time_errors(data, platform.value, written) == []
        seen[platform.value] = data
    assert "pre_install_desc" not in seen["linux-64"]  # no effect on .sh
    assert "post_install_desc" not in seen["linux-64"]  # and linux has no post_install
    assert seen["osx-arm64"]["pre_install_desc"] == "Remove the old settings"
    assert "post_install_desc" not in seen["osx-arm64"]  # no post-install step there
    win = seen["win-64"]
    assert win["pre_uninstall"] == "scripts/pre_uninstall.bat"
    assert win["post_install_desc"] == "Configure the organization's settings"
    assert "pre_uninstall" not in seen["osx-arm64"]


# --- Windows ------------------------------------------------------------------------------


def _win_install(
    root: Path, cert: bytes, recorder: Path, wine: Wine, script: str, prefix: str = "prefix"
) -> Install:
    extra = DEPLOY + _scripts({"win": "post.bat"})
    project = _project(
        root, cert, Platform.win_64, extra, {"post.bat": script.replace("\n", "\r\n")}
    )
    return lay_out(root / "i", project, prefix_name=prefix, conda=recorder.read_bytes(), wine=wine)


@needs_wine
@pytest.mark.parametrize("ending", ["exit /b 0", "exit 0"])
def test_admin_post_install_bat_runs_after_ours_before_marker(
    tmp_path: Path, cert: bytes, recorder: Path, wine: Wine, ending: str
) -> None:
    """`exit 0` without /b ends the admin's own cmd.exe only: our steps still follow."""
    script = POST_BAT.format(
        marker=MARKER.replace("/", "\\"), staged=STAGED.replace("/", "\\"), ending=ending
    )
    install = _win_install(tmp_path, cert, recorder, wine, script, prefix="pre fix & co")
    result = install.post_install()
    assert result.returncode == 0, result.stdout.decode(errors="replace")
    saw = _saw(install)
    assert saw["marker"] == "absent" and saw["staged"] == "yes"
    _ours_before(install)
    assert saw["expansion"] == "delayed"  # /V:ON, as the installer runs a post-install
    assert saw["name"] == "Adm"
    files = install.files()
    assert MARKER in files and STAGED not in files
    assert not [f for f in files if f.startswith(ADMIN_IN_PREFIX)]


@needs_wine
@pytest.mark.parametrize("ending", ["exit /b 3", "exit 3", "nonexistent-command-xyz"])
def test_admin_post_install_bat_failure_fails_the_install(
    tmp_path: Path, cert: bytes, recorder: Path, wine: Wine, ending: str
) -> None:
    script = POST_BAT.format(
        marker=MARKER.replace("/", "\\"), staged=STAGED.replace("/", "\\"), ending=ending
    )
    install = _win_install(tmp_path, cert, recorder, wine, script)
    result = install.post_install()
    assert result.returncode != 0
    output = (result.stdout + result.stderr).decode(errors="replace")
    assert "post-install script failed" in output
    assert MARKER not in install.files()


@needs_wine
def test_admin_pre_install_bat_sees_plugins_dir(tmp_path: Path, cert: bytes, wine: Wine) -> None:
    """temp_extra_files are in $PLUGINSDIR (INSTALLER_PLUGINSDIR) when pre_install runs."""
    extra = "scripts:\n  pre_install: {win: pre.bat}\ntemp_extra_files:\n  page.txt: page.txt\n"
    pre = '@echo off\r\ncopy /y "%INSTALLER_PLUGINSDIR%\\page.txt" "%PREFIX%\\seen.txt" >nul\r\n'
    project = _project(
        tmp_path, cert, Platform.win_64, extra, {"pre.bat": pre, "page.txt": "hello\n"}
    )
    install = lay_out(tmp_path / "i", project, conda=None, wine=wine)
    result = install.pre_install()
    assert result.returncode == 0, result.stdout.decode(errors="replace")
    assert (install.prefix / "seen.txt").read_text() == "hello\n"


@pytest.mark.parametrize("line", ["#!/usr/bin/env bash", "#!/bin/bash -e", "#! /bin/bash"])
def test_admin_post_install_runs_with_its_own_interpreter(
    tmp_path: Path, cert: bytes, shell: str, line: str
) -> None:
    """As the kernel reads a #! line: the interpreter and at most one argument."""
    script = f'{line}\necho "ran=${{BASH_VERSION:+bash}}" >"$PREFIX/admin-saw.txt"\n'
    project = _project(
        tmp_path, cert, Platform.linux_64, _scripts({"linux": "p.sh"}), {"p.sh": script}
    )
    install = lay_out(tmp_path / "i", project)
    result = install.post_install(shell=shell)
    assert result.returncode == 0, result.stderr.decode()
    assert _saw(install) == {"ran": "bash"}


ALL_SCRIPTS = textwrap.dedent("""\
    platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]
    scripts:
      pre_install: {linux: pre.sh, osx: pre.sh, win: pre.bat}
      post_install: {linux: post.sh, osx: post.sh, win: post.bat}
      pre_uninstall: {win: un.bat}
      pre_install_desc: Remove the old settings
      post_install_desc: Configure
    """)


@pytest.mark.parametrize("platform", list(Platform))
def test_every_script_key_renders_on_every_platform(
    tmp_path: Path, cert: bytes, platform: Platform
) -> None:
    files = {"pre.sh": "echo\n", "post.sh": "echo\n", "pre.bat": "@echo off\r\n"}
    files |= {"post.bat": "@echo off\r\n", "un.bat": "@echo off\r\n"}
    text = PROFILE.format(extra=ALL_SCRIPTS).replace(
        "platforms: [linux-64, osx-arm64, win-64]\n", ""
    )
    write_tree(tmp_path / "profile", {"p.yaml": text, **files})
    project = render_project(load_profile(tmp_path / "profile" / "p.yaml"), platform)
    data = parse(project.files["construct.yaml"].decode())
    assert schema_errors(data) == []
    written = write_tree(tmp_path / "project", project.files)
    assert build_time_errors(data, platform.value, written) == []
    suffix = ".bat" if platform.os.value == "win" else ".sh"
    assert data["pre_install"] == f"scripts/pre_install{suffix}"
    assert {
        "scripts/admin_post_install" + suffix: f"{ADMIN_IN_PREFIX}/admin_post_install{suffix}"
    } in data["extra_files"]
    assert ("pre_uninstall" in data) is (platform.os.value == "win")


@pytest.mark.parametrize("suffix", [".sh", ".bat"])
def test_the_admin_step_is_the_last_before_the_marker(suffix: str) -> None:
    """Whatever steps of ours the post-install templates grow, the admin's comes after
    them all and right before the marker moves into place."""
    text = (TEMPLATES / f"post_install{suffix}.j2").read_text()
    admin = f'{{% if admin_post_install %}}\n{{% include "admin_post_install{suffix}.j2" %}}\n'
    admin += "{% endif %}\n"
    assert text.count(admin) == 1
    after = text[text.index(admin) + len(admin) :]
    assert after.startswith("{% if marker_staged %}\n")
    before = text[: text.index(admin)]
    assert "marker_final" not in before
