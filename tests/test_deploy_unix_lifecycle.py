"""Linux and macOS kits, issue 13: deploy-time token hand-over, clean uninstall, safe upgrade.

The kits and stand-ins are test_deploy_unix's (its docstring says what each follows). On
top of them, the stand-ins do what the installed post-install step and constructor do
outside the prefix: the post-install takes the deploy-time token from REPO_TOKEN, else
from the profile's unix_file, and fails an unattended install without one (what it got
goes to the test's state, tokens.received, never to output); register_envs appends the
prefix to the installing account's ~/.conda/environments.txt; `conda init` (.sh with -c,
.pkg with STANDIN_CONDA_INIT=1, its run_conda_init choice) appends its block naming the
prefix to ~/.bashrc (and ~/.zshrc). HOME is the test's, standing for root's.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import needs_ansible, needs_shellcheck
from scripts_support import TIMEOUT, shellcheck
from test_deploy_unix import (
    CONDA_VERSION,
    DEPLOY_TOKEN,
    HOSTILE,
    NEW,
    OLD,
    Kit,
    Result,
    ansible,
    assert_installed,
    assert_logged,
    exit_line,
    make_kit,
    render,
)

from factory.platforms import Platform

OTHER_PREFIX = "/opt/other-conda"  # another installation: its lines must stay
OTHER_BLOCK = (
    "# >>> conda initialize >>>\n"
    f"__conda_setup=\"$('{OTHER_PREFIX}/bin/conda' 'shell.bash' 'hook' 2> /dev/null)\"\n"
    "# <<< conda initialize <<<\n"
)
OWN_LINES = "alias ll='ls -l'\nexport EDITOR=vi\n"


def assert_secret_kept(kit: Kit, *results: Result, token: str = DEPLOY_TOKEN) -> None:
    """The token is in no output and no log the wrapper wrote."""
    for result in results:
        assert token not in result.out and token not in result.err
    for log in kit.logs.rglob("*"):
        if log.is_file():
            assert token not in log.read_text(encoding="utf-8", errors="replace"), log


def received(kit: Kit) -> list[str]:
    file = kit.state / "tokens.received"
    return file.read_text(encoding="utf-8").splitlines() if file.exists() else []


def home(kit: Kit) -> Path:
    return kit.state / "home"


def seed_home(kit: Kit) -> None:
    """What another installation and the user put in the account's files before us."""
    (home(kit) / ".conda").mkdir(parents=True, exist_ok=True)
    (home(kit) / ".conda" / "environments.txt").write_text(
        f"{OTHER_PREFIX}\n{OTHER_PREFIX}/envs/py\n", encoding="utf-8"
    )
    for rc in (".bashrc", ".zshrc"):
        (home(kit) / rc).write_text(OWN_LINES + OTHER_BLOCK, encoding="utf-8")


def assert_home_clean(kit: Kit) -> None:
    """Nothing names our prefix; what was there before is all there."""
    mark = str(kit.prefix)
    for rc in (".bashrc", ".zshrc"):
        text = (home(kit) / rc).read_text(encoding="utf-8")
        assert mark not in text, (rc, text)
        assert OWN_LINES in text and OTHER_BLOCK in text, (rc, text)
        assert text.count("# >>> conda initialize >>>") == 1, text
    envs = (home(kit) / ".conda" / "environments.txt").read_text(encoding="utf-8")
    assert envs == f"{OTHER_PREFIX}\n{OTHER_PREFIX}/envs/py\n"


def sh_kit_at(tmp_path: Path, cert: bytes, version: str = NEW, **options: object) -> Kit:
    prefix = str(tmp_path / "opt" / "ds")
    project = render(tmp_path, cert, prefix, version, "replace", Platform.linux_64)
    return make_kit(tmp_path, project, "sh", **options)  # type: ignore[arg-type]


def pkg_kit_at(tmp_path: Path, cert: bytes, version: str = NEW, **options: object) -> Kit:
    project = render(tmp_path, cert, str(tmp_path / "opt"), version, "replace", Platform.osx_arm64)
    prefix = str(tmp_path / "Library" / "deploy test")
    return make_kit(tmp_path, project, "pkg", prefix=prefix, **options)  # type: ignore[arg-type]


# --- 1. token hand-over: Linux install.sh -------------------------------------------------


def test_sh_token_from_the_profiles_variable(shell: str, tmp_path: Path, cert: bytes) -> None:
    kit = sh_kit_at(tmp_path, cert)
    result = kit.run(shell, "install.sh")
    log = assert_logged(kit, result, 0)
    assert received(kit) == [f"env {DEPLOY_TOKEN}"]
    assert "token repo: from the variable REPO_TOKEN, inherited by the installer" in log
    assert_secret_kept(kit, result)
    # the token is on no command line the installer was given
    assert all(DEPLOY_TOKEN not in arg for call in kit.sh_calls() for arg in call)


@pytest.mark.parametrize("remove", [False, True])
@pytest.mark.parametrize("named", [False, True])
def test_sh_token_from_a_file_argument(
    shell: str, tmp_path: Path, cert: bytes, remove: bool, named: bool
) -> None:
    kit = sh_kit_at(tmp_path, cert, remove_token_file=remove)
    given = tmp_path / "handed-over.token"
    given.write_text(DEPLOY_TOKEN + "\n", encoding="utf-8")
    argument = f"repo={given}" if named else str(given)
    result = kit.run(shell, "install.sh", "--token-file", argument, REPO_TOKEN="")
    log = assert_logged(kit, result, 0)
    assert received(kit) == [f"env {DEPLOY_TOKEN}"]
    assert f"token repo: from the file given ({given})" in log
    assert given.exists() != remove  # remove_file: deleted once the installer used it
    assert_secret_kept(kit, result)
    assert_installed(kit)


def test_sh_token_file_already_in_place(shell: str, tmp_path: Path, cert: bytes) -> None:
    """No variable, no argument: the profile's unix_file, placed by other means, is read by
    the installer itself."""
    placed = tmp_path / "etc" / "repo.token"
    placed.parent.mkdir()
    placed.write_text(DEPLOY_TOKEN + "\n", encoding="utf-8")
    kit = sh_kit_at(tmp_path, cert, token_file=str(placed))
    result = kit.run(shell, "install.sh", REPO_TOKEN="")
    log = assert_logged(kit, result, 0)
    assert received(kit) == [f"file {DEPLOY_TOKEN}"]
    assert f"the installer reads {placed}" in log
    assert_secret_kept(kit, result)


def test_sh_without_a_token_stops_before_the_installer(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    kit = sh_kit_at(tmp_path, cert, token_file=str(tmp_path / "nowhere.token"))
    result = kit.run(shell, "install.sh", REPO_TOKEN="")
    assert_logged(kit, result, 3)
    last = exit_line(result)
    assert "no deploy-time token repo was given" in last and "REPO_TOKEN" in last
    assert kit.sh_calls() == []
    assert not kit.prefix.exists()
    # given the token it installs; once installed and whole, a re-run needs none
    assert kit.run(shell, "install.sh").code == 0
    again = kit.run(shell, "install.sh", REPO_TOKEN="")
    assert again.code == 0, again.out
    assert len(kit.sh_calls()) == 1


def test_sh_unreadable_token_file_is_3(shell: str, tmp_path: Path, cert: bytes) -> None:
    kit = sh_kit_at(tmp_path, cert)
    missing = tmp_path / "missing.token"
    result = kit.run(shell, "install.sh", "--token-file", str(missing), REPO_TOKEN="")
    assert_logged(kit, result, 3)
    assert f"cannot read the token file {missing}" in exit_line(result)
    assert kit.sh_calls() == []


# --- 1. token hand-over: Jamf ---------------------------------------------------------------


def jamf(kit: Kit, shell: str, *params: str, **env: str) -> Result:
    """As Jamf runs a policy script: mount point, computer name, user name, then $4..."""
    return kit.run(shell, "install.sh", "/", "test-mac", "admin", *params, **env)


def test_jamf_token_from_parameter_5(shell: str, tmp_path: Path, cert: bytes) -> None:
    written = tmp_path / "etc" / "repo.token"
    kit = pkg_kit_at(tmp_path, cert, token_file=str(written))
    result = jamf(kit, shell, "", DEPLOY_TOKEN, REPO_TOKEN="")
    log = assert_logged(kit, result, 0)
    assert received(kit) == [f"file {DEPLOY_TOKEN}"]
    assert "token repo: from Jamf parameter 5" in log
    assert f"written to {written} (mode 0600)" in log
    assert not written.exists()  # removed when the script ended
    assert_secret_kept(kit, result)
    assert all(DEPLOY_TOKEN not in arg for call in kit.calls("installer") for arg in call)
    policy = json.loads((kit.deploy / "jamf.json").read_text(encoding="utf-8"))["policy"]
    assert "repo" in policy["parameter_5"] and "REPO_TOKEN" in policy["parameter_5"]


def test_jamf_token_file_is_root_only_while_the_installer_runs(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    """The stand-in installer reads the file (no variable reaches package scripts): it
    was there, mode 0600, while the installer ran."""
    written = tmp_path / "etc" / "repo.token"
    kit = pkg_kit_at(tmp_path, cert, token_file=str(written))
    installer = kit.state / "bin" / "installer"
    text = installer.read_text(encoding="utf-8")
    spy = (
        "import stat as _stat\n"
        f"_mode = _stat.S_IMODE(os.stat({str(written)!r}).st_mode)\n"
        f"open({str(kit.state / 'token.mode')!r}, 'w').write(oct(_mode))\n"
    )
    installer.write_text(text.replace("prefix = Path(", spy + "prefix = Path(", 1))
    result = jamf(kit, shell, "", DEPLOY_TOKEN, REPO_TOKEN="")
    assert result.code == 0, result.out
    assert (kit.state / "token.mode").read_text() == oct(0o600)
    assert received(kit) == [f"file {DEPLOY_TOKEN}"]
    assert not written.exists()
    assert_secret_kept(kit, result)


def test_jamf_without_a_token_stops_before_the_installer(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    kit = pkg_kit_at(tmp_path, cert)
    result = jamf(kit, shell, "", REPO_TOKEN="")
    assert_logged(kit, result, 3)
    assert "no deploy-time token repo was given" in exit_line(result)
    assert "Jamf policy parameter" in exit_line(result)
    assert kit.calls("installer") == []


# --- 1. token hand-over: Ansible -------------------------------------------------------------


@needs_ansible
@pytest.mark.slow
@pytest.mark.parametrize("file", [False, True])
def test_ansible_token_variable_is_never_shown(tmp_path: Path, cert: bytes, file: bool) -> None:
    """installer_factory_tokens: into the installer's environment (through a 0600 file
    read and deleted before it starts), or, for a token without a variable, into the
    profile's unix_file (0600, removed afterwards); -vvv shows neither."""
    written = tmp_path / "etc" / "repo.token"
    options = {"token_file": str(written), "token_env": None} if file else {}
    kit = sh_kit_at(tmp_path, cert, **options)
    result = ansible(kit, "-vvv")
    assert result.code == 0, (result.out, result.err)
    assert received(kit) == [f"{'file' if file else 'env'} {DEPLOY_TOKEN}"]
    assert not written.exists()
    assert list((kit.state / "stage").iterdir()) == []  # no token file left behind
    assert_secret_kept(kit, result)
    assert_installed(kit)


@needs_ansible
def test_ansible_without_a_token_stops_before_the_installer(tmp_path: Path, cert: bytes) -> None:
    kit = sh_kit_at(tmp_path, cert)
    result = ansible(kit, tokens={})
    assert result.code != 0
    assert "no deploy-time token given for repo" in result.out
    assert "installer_factory_tokens" in result.out
    assert kit.sh_calls() == []
    assert not kit.prefix.exists()


# --- 4. clean uninstall ----------------------------------------------------------------------


def test_sh_uninstall_undoes_conda_init_and_registration(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    """The installer as DEPLOY.md runs it, plus -c (conda init), then the kit's uninstall:
    nothing in the account names the prefix; other lines stay."""
    kit = sh_kit_at(tmp_path, cert)
    seed_home(kit)
    done = subprocess.run(
        ["bash", str(kit.installer), "-b", "-c", "-p", str(kit.prefix)],
        env=kit.env(),
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    bashrc = (home(kit) / ".bashrc").read_text(encoding="utf-8")
    assert f"'{kit.prefix}/bin/conda' 'shell.bash' 'hook'" in bashrc
    envs = (home(kit) / ".conda" / "environments.txt").read_text(encoding="utf-8")
    assert f"{kit.prefix}\n" in envs
    result = kit.run(shell, "uninstall.sh")
    log = assert_logged(kit, result, 0, "uninstall")
    assert not kit.prefix.exists()
    assert_home_clean(kit)
    assert f"undid conda init for {kit.prefix} in {home(kit)}/.bashrc" in log
    again = kit.run(shell, "uninstall.sh")
    assert again.code == 0
    assert_home_clean(kit)


def test_pkg_uninstall_undoes_conda_init_and_registration(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    kit = pkg_kit_at(tmp_path, cert)
    seed_home(kit)
    assert kit.run(shell, "install.sh", STANDIN_CONDA_INIT="1").code == 0
    assert str(kit.prefix) in (home(kit) / ".zshrc").read_text(encoding="utf-8")
    result = kit.run(shell, "uninstall.sh")
    assert_logged(kit, result, 0, "uninstall")
    assert not kit.prefix.exists() and kit.receipts() == {}
    assert_home_clean(kit)


def test_uninstall_keeps_a_block_for_a_prefix_that_only_starts_alike(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    kit = sh_kit_at(tmp_path, cert)
    assert kit.run(shell, "install.sh").code == 0
    longer = f"{kit.prefix}-old"
    block = OTHER_BLOCK.replace(OTHER_PREFIX, longer)
    (home(kit) / ".bashrc").write_text(block, encoding="utf-8")
    envs = home(kit) / ".conda" / "environments.txt"
    envs.write_text(f"{longer}\n{kit.prefix}\n{kit.prefix}/envs/extra\n", encoding="utf-8")
    assert kit.run(shell, "uninstall.sh").code == 0
    assert (home(kit) / ".bashrc").read_text(encoding="utf-8") == block
    assert envs.read_text(encoding="utf-8") == f"{longer}\n"


def seed_config(kit: Kit) -> list[Path]:
    files = [home(kit) / ".condarc", home(kit) / ".config" / "conda" / "condarc"]
    for file in files:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("channels: [x]\n", encoding="utf-8")
    return files


def test_uninstall_removes_user_config_and_data_when_the_profile_says(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    """By default (none, false) the account's configuration and ~/.conda stay; with
    remove_config_files: user and remove_user_data they go."""
    kept = sh_kit_at(tmp_path / "default", cert)
    assert kept.run(shell, "install.sh").code == 0
    files = seed_config(kept)
    assert kept.run(shell, "uninstall.sh").code == 0
    assert all(file.exists() for file in files)
    assert (home(kept) / ".conda").is_dir()
    envs = (home(kept) / ".conda" / "environments.txt").read_text(encoding="utf-8")
    assert str(kept.prefix) not in envs  # its own registration goes all the same

    options = {"remove_config_files": "user", "remove_user_data": True}
    kit = sh_kit_at(tmp_path, cert, uninstall=options)
    assert kit.run(shell, "install.sh").code == 0
    files = seed_config(kit)
    result = kit.run(shell, "uninstall.sh")
    log = assert_logged(kit, result, 0, "uninstall")
    assert not any(file.exists() for file in files)
    assert not (home(kit) / ".conda").exists()
    assert f"removed {home(kit)}/.condarc" in log


STANDALONE = r"""#!/bin/sh
# Stand-in for conda-standalone's `constructor uninstall` (tests only), as kept in the
# prefix as _conda: records its argv, then removes the prefix as the real one does.
printf '%s\n' "$*" >>@CALLS@
[ "$1 $2" = "constructor uninstall" ] || exit 2
[ "$3" = --help ] && exit 0
[ "$3" = --prefix ] && rm -rf -- "$4"
"""


def test_uninstall_runs_constructors_uninstaller_when_the_prefix_carries_one(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    kit = sh_kit_at(tmp_path, cert, uninstall={"remove_caches": True})
    assert kit.run(shell, "install.sh").code == 0
    standalone = kit.prefix / "_conda"
    calls = kit.state / "standalone.calls"
    standalone.write_text(STANDALONE.replace("@CALLS@", str(calls)), encoding="utf-8")
    standalone.chmod(0o755)
    result = kit.run(shell, "uninstall.sh")
    log = assert_logged(kit, result, 0, "uninstall")
    assert calls.read_text().splitlines()[-1] == (
        f"constructor uninstall --prefix {kit.prefix} --remove-caches"
    )
    assert "running constructor's uninstaller" in log
    assert not kit.prefix.exists()


# --- 5. safe upgrades ------------------------------------------------------------------------


def assert_old_release_works(kit: Kit) -> None:
    assert_installed(kit, OLD)
    conda = kit.prefix / "bin" / "conda"
    done = subprocess.run([str(conda), "--version"], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == CONDA_VERSION
    assert list(kit.prefix.parent.glob("*.previous-*")) == []


@pytest.mark.parametrize(("mode", "code"), [("fail", 1), ("no-marker", 2), ("no-conda", 2)])
def test_sh_failed_upgrade_keeps_the_old_release(
    shell: str, tmp_path: Path, cert: bytes, mode: str, code: int
) -> None:
    old = sh_kit_at(tmp_path, cert, OLD)
    assert old.run(shell, "install.sh").code == 0
    new = sh_kit_at(tmp_path, cert, NEW)
    result = new.run(shell, "install.sh", STANDIN_MODE=mode)
    log = assert_logged(new, result, code)
    assert "rolled back" in log
    assert_old_release_works(old)
    # and the old release still counts as installed
    assert old.run(shell, "install.sh").code == 0
    assert len(old.sh_calls()) == 2


@pytest.mark.parametrize(("mode", "code"), [("fail", 1), ("no-conda", 2)])
def test_pkg_failed_upgrade_keeps_the_old_release(
    shell: str, tmp_path: Path, cert: bytes, mode: str, code: int
) -> None:
    old = pkg_kit_at(tmp_path, cert, OLD)
    assert old.run(shell, "install.sh").code == 0
    new = pkg_kit_at(tmp_path, cert, NEW)
    result = new.run(shell, "install.sh", STANDIN_MODE=mode)
    assert_logged(new, result, code)
    assert_old_release_works(old)


@needs_ansible
@pytest.mark.slow
def test_ansible_failed_upgrade_keeps_the_old_release(tmp_path: Path, cert: bytes) -> None:
    old = sh_kit_at(tmp_path, cert, OLD)
    assert old.run("sh", "install.sh").code == 0
    new = sh_kit_at(tmp_path, cert, NEW)
    result = ansible(new, env={"STANDIN_MODE": "fail"})
    assert result.code != 0
    assert "the prefix holds what it held before" in result.out
    assert_old_release_works(old)
    assert_secret_kept(new, result)
    ok = ansible(new)
    assert ok.code == 0, ok.out
    assert_installed(new, NEW)
    assert list(new.prefix.parent.glob("*.previous-*")) == []


def test_token_file_argument_mode_is_not_widened(shell: str, tmp_path: Path, cert: bytes) -> None:
    """A given file is read, never copied somewhere readable by others."""
    kit = sh_kit_at(tmp_path, cert)
    given = tmp_path / "t.token"
    given.write_text(DEPLOY_TOKEN, encoding="utf-8")  # no newline at the end
    given.chmod(0o600)
    result = kit.run(shell, "install.sh", "--token-file", str(given), REPO_TOKEN="")
    assert result.code == 0, result.out
    assert received(kit) == [f"env {DEPLOY_TOKEN}"]
    assert stat.S_IMODE(os.stat(given).st_mode) == 0o600


# --- what DEPLOY.md, jamf.json and the scripts say --------------------------------------------


def test_deploy_md_documents_the_hand_over_uninstall_and_upgrade(
    tmp_path: Path, cert: bytes
) -> None:
    sh = sh_kit_at(tmp_path / "sh", cert).deploy / "DEPLOY.md"
    text = sh.read_text(encoding="utf-8")
    assert "sudo sh deploy/sh/install.sh --token-file repo=/root/repo.token" in text
    assert "installer_factory_tokens:\n          repo:" in text
    assert "no_log: true" in text
    assert "# >>> conda initialize >>>" in text and "environments.txt" in text
    assert "<prefix>.previous-<UTC time>" in text
    pkg = pkg_kit_at(tmp_path / "pkg", cert).deploy / "DEPLOY.md"
    text = pkg.read_text(encoding="utf-8")
    assert "| Parameter 5 | `repo` | `REPO_TOKEN` and `" in text
    assert "read -r REPO_TOKEN </var/root/repo.token; export REPO_TOKEN" in text
    for file in (sh, pkg):
        for block in re.findall(r"```sh\n(.*?)```", file.read_text(encoding="utf-8"), re.S):
            assert "$(" not in block or "token" not in block, block  # no token in argv


@needs_shellcheck
@pytest.mark.parametrize("remove_config_files", ["user", "system", "all"])
def test_every_option_passes_shellcheck_and_parses(
    tmp_path: Path, cert: bytes, remove_config_files: str
) -> None:
    """The branches the default facts do not render: a token file, remove_file, a token
    without a variable, every uninstall option."""
    options = {
        "token_file": "/etc/acme/repo.token",
        "remove_token_file": True,
        "token_env": None if remove_config_files == "system" else "REPO_TOKEN",
        "uninstall": {
            "remove_caches": True,
            "remove_config_files": remove_config_files,
            "remove_user_data": True,
        },
    }
    for kit in (
        sh_kit_at(tmp_path / "sh", cert, **options),
        pkg_kit_at(tmp_path / "pkg", cert, **options),
    ):
        for name in ("install.sh", "uninstall.sh"):
            script = kit.deploy / name
            for checker in (["bash", "-n"], ["dash", "-n"]):
                done = subprocess.run([*checker, str(script)], capture_output=True, text=True)
                assert done.returncode == 0, (script, done.stderr)
            linted = shellcheck(script)
            assert linted.returncode == 0, (script, linted.stdout)
        install = (kit.deploy / "install.sh").read_text(encoding="utf-8")
        uninstall = (kit.deploy / "uninstall.sh").read_text(encoding="utf-8")
        assert "/etc/acme/repo.token" in install and "give_token" in install
        assert "remove_extras" in uninstall and "--remove-user-data" in uninstall
        assert ("/etc/conda/.condarc" in uninstall) == (remove_config_files != "user")


def test_sh_token_without_a_variable_goes_to_its_file(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    """--token-file for a token the installer reads only from unix_file: written there
    (0600) for the installer, removed when install.sh ends."""
    placed = tmp_path / "etc" / "acme" / "repo.token"
    kit = sh_kit_at(tmp_path, cert, token_file=str(placed), token_env=None)
    given = tmp_path / "given.token"
    given.write_text(DEPLOY_TOKEN + "\n", encoding="utf-8")
    result = kit.run(shell, "install.sh", "--token-file", str(given), REPO_TOKEN="")
    log = assert_logged(kit, result, 0)
    assert received(kit) == [f"file {DEPLOY_TOKEN}"]
    assert f"written to {placed} (mode 0600)" in log
    assert not placed.exists() and given.exists()
    assert_secret_kept(kit, result)


def test_hostile_prefix_upgrade_rollback_and_clean_uninstall(
    shell: str, tmp_path: Path, cert: bytes
) -> None:
    """Quotes, `$(...)`, backslashes and Jinja in the prefix: the rename-aside, the
    rollback, and the awk that edits the account's files take it literally."""
    prefix = str(tmp_path / "opt" / HOSTILE)
    old = sh_kit_at(tmp_path, cert, OLD, prefix=prefix)
    seed_home(old)
    assert old.run(shell, "install.sh").code == 0
    new = sh_kit_at(tmp_path, cert, NEW, prefix=prefix)
    failed = new.run(shell, "install.sh", STANDIN_MODE="fail")
    assert failed.code == 1, failed.out
    assert_old_release_works(old)
    with (home(old) / ".bashrc").open("a", encoding="utf-8") as rc:
        rc.write(OTHER_BLOCK.replace(OTHER_PREFIX, prefix))
    assert new.run(shell, "install.sh").code == 0
    assert_installed(new, NEW)
    removed = new.run(shell, "uninstall.sh")
    assert_logged(new, removed, 0, "uninstall")
    assert not Path(prefix).exists()
    text = (home(new) / ".bashrc").read_text(encoding="utf-8")
    assert text == OWN_LINES + OTHER_BLOCK
    assert new.stray_files() == []


DF_SH = r"""#!/bin/sh
# Stand-in for POSIX `df -Pk DIR` (tests only): the header and one line whose fourth
# field is the free space in KiB, STANDIN_FREE_KB.
echo 'Filesystem 1024-blocks Used Available Capacity Mounted on'
echo "/dev/standin 100000000 1 ${STANDIN_FREE_KB:-0} 1% /"
"""


@pytest.mark.parametrize("kind", ["sh", "pkg"])
def test_too_little_space_stops_before_anything_changes(
    shell: str, tmp_path: Path, cert: bytes, kind: str
) -> None:
    """The old release waits aside while the new one goes in: both must fit."""
    make = sh_kit_at if kind == "sh" else pkg_kit_at
    old = make(tmp_path, cert, OLD)
    assert old.run(shell, "install.sh").code == 0
    new = make(tmp_path, cert, NEW)
    bin_dir = tmp_path / "df-bin"
    bin_dir.mkdir()
    (bin_dir / "df").write_text(DF_SH, encoding="utf-8")
    (bin_dir / "df").chmod(0o755)
    path = f"{bin_dir}:{new.env()['PATH']}"
    calls = len(old.sh_calls() if kind == "sh" else old.calls("installer"))
    result = new.run(shell, "install.sh", PATH=path, STANDIN_FREE_KB="0")
    assert_logged(new, result, 3)
    assert "not enough free space" in exit_line(result)
    assert len(new.sh_calls() if kind == "sh" else new.calls("installer")) == calls
    assert_old_release_works(old)
    roomy = new.run(shell, "install.sh", PATH=path, STANDIN_FREE_KB="99999999")
    assert roomy.code == 0, roomy.out
    assert_installed(new, NEW)
