"""Linux and macOS deployment kits (templates/deploy/sh, templates/deploy/pkg), run for real.

A profile with a `deploy` section is loaded and rendered with the product's own entry
points; its `deploy.json` facts (log folder, and where a test needs it the prefix, pointed
under tmp) and a stand-in installer go into a build folder laid out like `build`'s, and
`write_kit` writes `deploy/<type>/` there. The wrappers then run in bash and dash against
the stand-ins:

- the .sh installer honours `-b -p PREFIX` and copies a payload into PREFIX; per
  STANDIN_MODE it fails, or reports success over a broken install;
- for .pkg, `installer`, `pkgutil` and `id` come first on PATH: `installer` records its
  argv, unpacks the .pkg (a tar of the payload) into the prefix and writes receipts that
  `pkgutil` lists, shows and forgets; `id -u` says root (STANDIN_UID), as Installer needs.

The payload is the project installed by tests/fake_install.py (what construct.yaml ships,
and what the post-install step adds), with a `conda` that prints its version and keeps
`env config vars set` where conda does (conda-meta/state).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import needs_ansible, needs_shellcheck, write_tree
from fake_install import lay_out
from scripts_support import TIMEOUT, base_env, read_log, shellcheck, yaml_text

from factory.deploy.kit import kit_context, render_kit, write_kit
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import RenderedProject, render_project

NAME = "DeployTest"
OLD, NEW = "1", "2"
IDENTIFIER = "com.example.test"
# What a good installation holds (README: marker, CA bundle, .condarc with each installed
# token on the URL it belongs to, and the variables set in the base environment).
MARKER = "etc/installer-factory/installer.json"
STAGED_MARKER = "etc/installer-factory/installer.json.pending"  # until the post-install ends
BUNDLE = "etc/installer-factory/ca-bundle.pem"
# the installed channel alias: the token rides on it in .condarc as <alias>/t/<token>
ALIAS = "https://repo.example.test/api/repo"
TOKEN_MARK = ALIAS + "/t/"
EXPECTED = [".condarc", MARKER, BUNDLE]
STATE = "conda-meta/state"  # conda env config vars set keeps them here
VARIABLES = ["PIP_CERT"]
TOKEN = "token"  # stands for the token in .condarc where a test loses a setting
# the deploy-time token the wrappers hand to the installer: it must never be shown or logged
DEPLOY_TOKEN = "deploy-" + os.urandom(12).hex()
CONDA_VERSION = "conda 24.11.3"
RECEIPT_PARTS = ("prepare_installation", "run_installation", "user_post_install")
# receipts of other packages: uninstall must leave them alone
OTHER_RECEIPTS = ("com.apple.pkg.Core", "com.example.test.other", "com.example.testing.pkg.x")
# A prefix with spaces, quotes, shell and Jinja syntax and non-ASCII text. Validation
# refuses spaces in a .sh prefix (constructor does), so it is set in the facts by hand;
# a .pkg prefix may have them (pkg_name allows spaces).
HOSTILE = 'it\'s a "q" `touch bq` $(touch pwned) ${HOME} *?~#;&|<> \\ {{ x }} {% y %} é ü 日本 🎉'
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} ")
EXIT_LINE = re.compile(r"exit (\d): ")
NOBODY = 65534

# --- the profile, rendered by the product ------------------------------------------------


def profile_data(prefix: str, version: str, upgrade: str) -> dict[str, object]:
    return {
        "name": NAME,
        "version": version,
        "platforms": ["linux-64", "osx-arm64"],
        "installer_types": {"osx": ["pkg", "sh"]},
        "channels": ["conda-forge"],
        "condarc": {"channel_alias": ALIAS},
        "packages": {"specs": {"base": ["python", "conda"]}},
        "ca_certs": {"root": "root.pem"},
        "tokens": {
            "repo": {
                "url": "https://repo.example.test/api/repo/",
                "install": "deploy",
                "deploy": {"env": "REPO_TOKEN"},
                # the Linux kit installs as root: an all-users install (install.scope)
                "shared": True,
            }
        },
        "install": {
            "default_location_pkg": "Library",
            "pkg_domains": {"enable_localSystem": True},
            "reverse_domain_identifier": IDENTIFIER,
        },
        "deploy": {"org": "Acme", "upgrade": upgrade, "unix": {"prefix": prefix}},
    }


def render(
    root: Path, cert: bytes, prefix: str, version: str, upgrade: str, platform: Platform
) -> RenderedProject:
    folder = root / f"profile-{version}-{upgrade}"
    text = yaml_text(profile_data(prefix, version, upgrade)) + "\n"
    write_tree(folder, {"root.pem": cert, "profile.yaml": text})
    return render_project(load_profile(folder / "profile.yaml"), platform)


# --- stand-ins ---------------------------------------------------------------------------

# The .sh installer: its argv is recorded like the conda recorder's (hex, "00" after each).
STANDIN_SH = r"""#!/bin/sh
# Stand-in for a constructor .sh installer (tests only): bash X.sh -b -p PREFIX copies the
# payload into PREFIX. STANDIN_MODE: ok, fail, or a broken install reported as success.
set -u
payload=${STANDIN_PAYLOAD:-@PAYLOAD@}
if [ "$#" -gt 0 ]; then printf '%s\000' "$@"; fi | od -An -v -tx1 | tr -d ' \n' >>@RECORD@
echo >>@RECORD@
batch=0
init=0
prefix=''
while getopts bcfp:u opt; do
  case $opt in
    b) batch=1 ;;
    c) init=1 ;;
    p) prefix=$OPTARG ;;
    *) ;;
  esac
done
[ "$batch" = 1 ] || { echo "stand-in: run me with -b" >&2; exit 9; }
[ -n "$prefix" ] || { echo "stand-in: run me with -p PREFIX" >&2; exit 9; }
echo "PREFIX=$prefix"
echo "Unpacking payload ..."
if [ "${STANDIN_MODE:-ok}" = fail ]; then
  echo "stand-in: simulated failure" >&2
  exit 1
fi
if [ -e "$prefix" ]; then
  echo "ERROR: File or directory already exists: '$prefix'" >&2
  exit 1
fi
mkdir -p -- "$prefix" && cp -R -- "$payload/." "$prefix/" || exit 1
# the post-install step (templates/scripts): the deploy-time token from REPO_TOKEN, else
# the profile's unix_file; an unattended install without one fails. What it got is kept
# in the test's state (never printed), for the tests to compare.
token_file=@TOKEN_FILE@
if [ -n "${REPO_TOKEN:-}" ]; then
  printf 'env %s\n' "$REPO_TOKEN" >>@TOKENS@
elif [ -n "$token_file" ] && [ -s "$token_file" ]; then
  printf 'file %s\n' "$(cat -- "$token_file")" >>@TOKENS@
else
  echo "token repo: none given to this unattended install" >&2
  exit 1
fi
# constructor: register_envs (default true) records the prefix in the installing account's
# ~/.conda/environments.txt (conda's register_env); -c runs `conda init` for its shells,
# whose block in ~/.bashrc names this prefix (conda/core/initialize.py)
mkdir -p -- "$HOME/.conda" && printf '%s\n' "$prefix" >>"$HOME/.conda/environments.txt"
if [ "$init" = 1 ]; then
  {
    echo
    echo '# >>> conda initialize >>>'
    echo "# !! Contents within this block are managed by 'conda init' !!"
    echo "__conda_setup=\"\$('$prefix/bin/conda' 'shell.bash' 'hook' 2> /dev/null)\""
    echo 'if [ $? -eq 0 ]; then'
    echo '    eval "$__conda_setup"'
    echo 'else'
    echo "    if [ -f \"$prefix/etc/profile.d/conda.sh\" ]; then"
    echo "        . \"$prefix/etc/profile.d/conda.sh\""
    echo '    else'
    echo "        export PATH=\"$prefix/bin:\$PATH\""
    echo '    fi'
    echo 'fi'
    echo 'unset __conda_setup'
    echo '# <<< conda initialize <<<'
  } >>"$HOME/.bashrc"
fi
case ${STANDIN_MODE:-ok} in
  no-conda) rm -f -- "$prefix/bin/conda" ;;
  conda-broken) printf '#!/bin/sh\necho "conda: broken" >&2\nexit 1\n' >"$prefix/bin/conda" ;;
  no-condarc) rm -f -- "$prefix/.condarc" ;;
  no-marker) rm -f -- "$prefix/@MARKER@" ;;
  no-bundle) rm -f -- "$prefix/@BUNDLE@" ;;
  no-token) sed -i 's#/t/[A-Za-z0-9-]*##' "$prefix/.condarc" ;;
  no-variables) rm -f -- "$prefix/@STATE@" ;;
esac
printf 'installation finished.'
"""

INSTALLER_PY = r'''#!@PYTHON@
"""Stand-in for macOS `installer` (tests only): records its argv, unpacks the .pkg (a tar
of payload/ plus receipts.json) into the prefix and writes the receipts."""
import json, os, sys, tarfile
from pathlib import Path

state = Path(@STATE@)
config = json.loads((state / "config.json").read_text())
args = sys.argv[1:]
with open(state / "installer.calls", "a", encoding="utf-8") as calls:
    calls.write(json.dumps(args) + "\n")
mode = os.environ.get("STANDIN_MODE", "ok")
if len(args) != 4 or args[0] != "-pkg" or args[2] != "-target":
    print("usage: installer -pkg <path> -target <device>", file=sys.stderr)
    sys.exit(2)
print("installer: Package name is @NAME@")
print("installer: Installing at base path /")
if mode == "fail":
    print("installer: The install failed. (The Installer encountered an error.)")
    sys.exit(1)
prefix = Path(config["prefix"])
if os.path.lexists(prefix):
    print("installer: Error - the installation folder already exists")
    sys.exit(1)
with tarfile.open(args[1]) as tar:
    meta = json.loads(tar.extractfile("receipts.json").read())
    for member in tar.getmembers():
        if member.name.startswith("payload/"):
            member.name = member.name[len("payload/"):]
            tar.extract(member, prefix)
# the post-install step: the token from REPO_TOKEN, else the profile's unix_file, else
# the unattended install fails; what it got is kept in the test's state, never printed.
# macOS's installer does not hand the caller's environment to package scripts (README,
# "Deploy-time tokens"): only the file reaches the step.
token_file = config.get("token_file")
if token_file and os.path.isfile(token_file) and os.path.getsize(token_file):
    got = "file " + Path(token_file).read_text().splitlines()[0]
else:
    print("installer: The install failed. (token repo: none given to this unattended install)")
    sys.exit(1)
with open(state / "tokens.received", "a", encoding="utf-8") as received:
    received.write(got + "\n")
# constructor's PKG: register_envs records the prefix in the installing account's (root's)
# ~/.conda/environments.txt; the run_conda_init choice (on by default with
# initialize_conda) runs `conda init`, whose block in ~/.bashrc and ~/.zshrc names the prefix
home = Path(os.environ["HOME"])
(home / ".conda").mkdir(parents=True, exist_ok=True)
with open(home / ".conda" / "environments.txt", "a", encoding="utf-8") as envs:
    envs.write(f"{prefix}\n")
if os.environ.get("STANDIN_CONDA_INIT") == "1":
    for rc in (".bashrc", ".zshrc"):
        with open(home / rc, "a", encoding="utf-8") as out:
            out.write("\n# >>> conda initialize >>>\n"
                      "# !! Contents within this block are managed by 'conda init' !!\n"
                      f"__conda_setup=\"$('{prefix}/bin/conda' 'shell.zsh' 'hook' 2> /dev/null)\"\n"
                      f'. "{prefix}/etc/profile.d/conda.sh"\n'
                      "unset __conda_setup\n# <<< conda initialize <<<\n")
if mode == "no-conda":
    (prefix / "bin" / "conda").unlink()
if mode != "no-receipt":
    db = state / "receipts.json"
    receipts = json.loads(db.read_text()) if db.exists() else {}
    receipts.update({rid: meta["version"] for rid in meta["ids"]})
    db.write_text(json.dumps(receipts))
print("installer: The install was successful.")
'''

PKGUTIL_PY = r'''#!@PYTHON@
"""Stand-in for macOS `pkgutil` (tests only): --pkgs, --pkg-info ID, --forget ID."""
import json, sys
from pathlib import Path

state = Path(@STATE@)
args = sys.argv[1:]
with open(state / "pkgutil.calls", "a", encoding="utf-8") as calls:
    calls.write(json.dumps(args) + "\n")
db = state / "receipts.json"
receipts = json.loads(db.read_text()) if db.exists() else {}
if args == ["--pkgs"]:
    for rid in sorted(receipts):
        print(rid)
elif len(args) == 2 and args[0] in ("--pkg-info", "--forget"):
    rid = args[1]
    if rid not in receipts:
        print(f"No receipt for '{rid}' found at '/'.", file=sys.stderr)
        sys.exit(1)
    if args[0] == "--forget":
        del receipts[rid]
        db.write_text(json.dumps(receipts))
        print(f"Forgot package '{rid}' on '/'.")
    else:
        print(f"package-id: {rid}\nversion: {receipts[rid]}\nvolume: /\nlocation: \n"
              "install-time: 1790000000")
else:
    print("usage: pkgutil [--pkgs | --pkg-info ID | --forget ID]", file=sys.stderr)
    sys.exit(2)
'''


# Stand-in for the installed conda (tests only). `--version` prints one (in sh: the
# wrappers run it as users who cannot reach this test's Python); `env config vars set -p
# PREFIX NAME=VALUE...` keeps the variables where conda does, PREFIX/conda-meta/state as
# {"env_vars": {...}}, read, updated and written with json.dumps(state, ensure_ascii=False)
# (PrefixData.set_environment_env_vars and _write_environment_state_file in
# conda/core/prefix_data.py). Anything else succeeds.
CONDA_SH = r"""#!/bin/sh
if [ "$#" -eq 1 ] && [ "$1" = --version ]; then echo @VERSION@; exit 0; fi
[ "$#" -ge 6 ] && [ "$1 $2 $3 $4 $5" = "env config vars set -p" ] || exit 0
prefix=$6
shift 6
exec @PYTHON@ -c '
import json, sys
from pathlib import Path
state = Path(sys.argv[1]) / "conda-meta" / "state"
data = json.loads(state.read_text()) if state.exists() else {}
data.setdefault("env_vars", {}).update(arg.split("=", 1) for arg in sys.argv[2:])
state.parent.mkdir(parents=True, exist_ok=True)
state.write_text(json.dumps(data, ensure_ascii=False))
' "$prefix" "$@"
"""


def conda_standin() -> bytes:
    text = CONDA_SH.replace("@PYTHON@", shlex.quote(sys.executable))
    return text.replace("@VERSION@", shlex.quote(CONDA_VERSION)).encode()


def make_payload(
    root: Path, project: RenderedProject, kind: str = "sh", *, token: bool = True
) -> Path:
    """The project installed under root/payload as its installer of `kind` would, deploy
    token given: the stand-ins copy this folder. The post-install step writes only inside
    its prefix, so the copy holds what an install in place would. Without `token`, what
    an unattended install without its deploy-time token leaves: a failed post-install."""
    install = lay_out(root, project, kind=kind, prefix_name="payload", conda=conda_standin())
    given = {"REPO_TOKEN": "deploy-" + os.urandom(8).hex()} if token else {}
    done = install.post_install(**given)
    assert (done.returncode == 0) == token, done.stderr.decode(errors="replace")
    install.finish()
    return install.prefix


def pkg_archive(payload: Path, version: str) -> bytes:
    """The stand-in .pkg: a tar of the payload and the receipts its sub-packages leave."""
    meta = {"version": version, "ids": [f"{IDENTIFIER}.pkg.{part}" for part in RECEIPT_PARTS]}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(payload, arcname="payload")
        data = json.dumps(meta).encode()
        info = tarfile.TarInfo("receipts.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


ID_SH = r"""#!/bin/sh
# Stand-in for id (tests only): `id -u` says STANDIN_UID, 0 unless set, since Installer
# runs .pkg installs as root; anything else is the real id's.
if [ "$#" -eq 1 ] && [ "$1" = -u ]; then echo "${STANDIN_UID:-0}"; exit 0; fi
exec @ID@ "$@"
"""


def install_pkg_tools(state: Path, prefix: str, token_file: str | None = None) -> Path:
    """`installer`, `pkgutil` and `id` stand-ins in state/bin, for the front of PATH."""
    bin_dir = state / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    config = {"prefix": prefix, "token_file": token_file}
    (state / "config.json").write_text(json.dumps(config))
    real_id = shutil.which("id")
    assert real_id is not None
    tools = (
        ("installer", INSTALLER_PY),
        ("pkgutil", PKGUTIL_PY),
        ("id", ID_SH.replace("@ID@", shlex.quote(real_id))),
    )
    for name, text in tools:
        script = bin_dir / name
        script.write_text(
            text.replace("@PYTHON@", sys.executable)
            .replace("@STATE@", repr(str(state)))
            .replace("@NAME@", NAME),
            encoding="utf-8",
        )
        script.chmod(0o755)
    return bin_dir


# --- kits --------------------------------------------------------------------------------


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Kit:
    """A build folder with one installer and its kit, plus where the wrappers write."""

    kind: str
    version: str
    build: Path
    installer: Path
    facts: dict[str, Any]
    logs: Path
    state: Path  # stand-in records (and, for .pkg, the receipts)

    @property
    def deploy(self) -> Path:
        return self.build / "deploy" / self.kind

    @property
    def prefix(self) -> Path:
        return Path(self.facts["pkg" if self.kind == "pkg" else "unix"]["prefix"])

    def env(self, **extra: str) -> dict[str, str]:
        # the deploy-time token, as the profile's variable (a test drops it with "")
        env = {**base_env(), "HOME": str(self.state / "home"), "REPO_TOKEN": DEPLOY_TOKEN}
        env.update(extra)
        env = {key: value for key, value in env.items() if value != "" or key != "REPO_TOKEN"}
        if self.kind == "pkg":
            env["PATH"] = f"{self.state / 'bin'}:{env['PATH']}"
        return env

    def run(
        self,
        shell: str,
        script: str,
        *args: str,
        user: int | None = None,
        cwd: Path | None = None,
        **env: str,
    ) -> Result:
        """Run deploy/<kind>/<script> (or, with cwd, `script` as given, relative to cwd)."""
        path = script if cwd is not None else str(self.deploy / script)
        command = [shell, path, *args]
        if user is not None:  # as another user: everything must be readable by it
            command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
            command += [shell, path, *args]
        done = subprocess.run(
            command,
            env=self.env(**env),
            cwd=cwd or self.state / "cwd",
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        return Result(done.returncode, done.stdout.decode(), done.stderr.decode())

    def log(self, action: str = "install") -> str:
        file = self.logs / f"{NAME}-{self.version}-{action}.log"
        return file.read_text(encoding="utf-8")

    def sh_calls(self) -> list[list[str]]:
        return read_log(self.state / "sh.calls")

    def calls(self, tool: str) -> list[list[str]]:
        file = self.state / f"{tool}.calls"
        if not file.exists():
            return []
        return [json.loads(line) for line in file.read_text().splitlines()]

    def receipts(self) -> dict[str, str]:
        db = self.state / "receipts.json"
        return json.loads(db.read_text()) if db.exists() else {}

    def stray_files(self) -> list[str]:
        """A mis-quoted `$(...)` or backtick would leave a file in the working folder."""
        return sorted(p.name for p in (self.state / "cwd").iterdir())


def make_kit(
    root: Path,
    project: RenderedProject,
    kind: str,
    *,
    prefix: str | None = None,
    logs: Path | None = None,
    token_file: str | None = None,
    remove_token_file: bool = False,
    token_env: str | None = "REPO_TOKEN",
    uninstall: Mapping[str, object] | None = None,
) -> Kit:
    """Lay out `<build>/<installer>`, `project/deploy.json`, `build-report.json`, then let
    the product's write_kit write `deploy/<kind>/`."""
    facts = json.loads(project.files["deploy.json"])
    version = facts["version"]
    section = "pkg" if kind == "pkg" else "unix"
    state = root / "state"  # shared by the kits of one test: one machine
    logs = logs or root / "logs"
    for folder in (state / "home", state / "cwd"):
        folder.mkdir(parents=True, exist_ok=True)
    facts[section]["log_dir"] = str(logs)  # never /var/log or /Library/Logs in a test
    if prefix is not None:
        facts[section]["prefix"] = prefix
    # the profile's token file (an absolute path), pointed under tmp where a test needs one;
    # a .pkg always needs one (its scripts do not see the caller's environment)
    if kind == "pkg" and token_file is None:
        token_file = str(state / "etc" / "repo.token")
    facts["tokens"][0].update(env=token_env, unix_file=token_file, remove_file=remove_token_file)
    if uninstall is not None:
        facts["uninstall"].update(uninstall)
    build = root / f"build-{version}-{kind}-{facts['upgrade']}"
    payload = make_payload(build / "stage", project, kind)
    if kind == "pkg":
        installer = build / f"{NAME}-{version}-MacOSX-arm64.pkg"
        installer.write_bytes(pkg_archive(payload, version))
        install_pkg_tools(state, facts["pkg"]["prefix"], token_file)
    else:
        installer = build / f"{NAME}-{version}-Linux-x86_64.sh"
        text = STANDIN_SH.replace("@PAYLOAD@", shlex.quote(str(payload)))
        text = text.replace("@RECORD@", shlex.quote(str(state / "sh.calls")))
        text = text.replace("@MARKER@", MARKER).replace("@BUNDLE@", BUNDLE)
        text = text.replace("@STATE@", STATE)
        text = text.replace("@TOKENS@", shlex.quote(str(state / "tokens.received")))
        text = text.replace("@TOKEN_FILE@", shlex.quote(token_file or ""))
        installer.write_text(text, encoding="utf-8")
        installer.chmod(0o755)
    (build / "project").mkdir()
    (build / "project" / "deploy.json").write_text(json.dumps(facts, indent=2))
    report = {"installers": [describe(installer, kind)]}
    (build / "build-report.json").write_text(json.dumps(report))
    write_kit(build)
    return Kit(kind, version, build, installer, facts, logs, state)


def describe(file: Path, kind: str) -> dict[str, Any]:
    data = file.read_bytes()
    return {
        "installer_type": kind,
        "file": file.name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def exit_line(result: Result) -> str:
    return result.out.rstrip("\n").splitlines()[-1]


def assert_logged(kit: Kit, result: Result, code: int, action: str = "install") -> str:
    """The wrapper's status, its last line, and a log of timestamped lines ending alike."""
    assert result.code == code, (result.out, result.err)
    last = exit_line(result)
    said = EXIT_LINE.search(last)
    assert said is not None and said.group(1) == str(code), last
    log = kit.log(action)
    lines = log.splitlines()
    assert lines, "empty log"
    assert all(STAMP.match(line) for line in lines), log
    assert lines[-1] == last
    return log


def assert_installed(kit: Kit, version: str = NEW) -> None:
    marker = json.loads((kit.prefix / MARKER).read_text())
    assert marker == {"name": NAME, "platform": kit.facts["platform"], "version": version}
    for path in EXPECTED:
        assert (kit.prefix / path).exists(), path
    assert set(json.loads((kit.prefix / STATE).read_text())["env_vars"]) == set(VARIABLES)
    assert TOKEN_MARK in (kit.prefix / ".condarc").read_text()
    assert not (kit.prefix / STAGED_MARKER).exists()


@pytest.fixture
def linux_new(tmp_path: Path, cert: bytes) -> RenderedProject:
    return render(tmp_path, cert, str(tmp_path / "opt" / "ds"), NEW, "replace", Platform.linux_64)


@pytest.fixture
def sh_kit(tmp_path: Path, linux_new: RenderedProject) -> Kit:
    return make_kit(tmp_path, linux_new, "sh")


# --- what write_kit writes ---------------------------------------------------------------


def test_facts_name_what_a_good_install_holds(tmp_path: Path, linux_new: RenderedProject) -> None:
    """README's list of what a good installation holds; the facts and an installation of
    the project must agree with it."""
    facts = json.loads(linux_new.files["deploy.json"])
    assert facts["expected"] == EXPECTED
    assert facts["marker"] == MARKER
    assert facts["marker_staged"] == STAGED_MARKER
    assert facts["variables"] == VARIABLES
    assert facts["condarc_tokens"] == [TOKEN_MARK]
    assert facts["variables_file"] == STATE
    assert facts["conda"] == "bin/conda"
    payload = make_payload(tmp_path, linux_new)
    for path in EXPECTED:
        assert (payload / path).exists(), path
    assert list(json.loads((payload / STATE).read_text())["env_vars"]) == VARIABLES


def test_kits_have_their_files(tmp_path: Path, cert: bytes) -> None:
    project = render(tmp_path, cert, str(tmp_path / "opt"), NEW, "replace", Platform.osx_arm64)
    for kind, names in (
        ("sh", {"install.sh", "uninstall.sh", "ansible-install.yml", "DEPLOY.md"}),
        ("pkg", {"install.sh", "uninstall.sh", "jamf.json", "DEPLOY.md"}),
    ):
        kit = make_kit(tmp_path, project, kind)
        assert {p.name for p in kit.deploy.iterdir()} == names
        for name in names:
            executable = os.access(kit.deploy / name, os.X_OK)
            assert executable == name.endswith(".sh"), name
            # nothing of Jinja's is left, and every file is UTF-8 text
            text = (kit.deploy / name).read_text(encoding="utf-8")
            assert "{%" not in text and "{#" not in text, name


def kit_variants(tmp_path: Path, cert: bytes) -> list[tuple[Kit, bool]]:
    """(kit, hostile): plain, side_by_side, and both kinds with the hostile prefix."""
    kits = []
    for upgrade in ("replace", "side_by_side"):
        project = render(
            tmp_path, cert, str(tmp_path / "opt" / "ds"), NEW, upgrade, Platform.osx_arm64
        )
        for kind in ("sh", "pkg"):
            root = tmp_path / f"{upgrade}-{kind}"
            kits.append((make_kit(root, project, kind), False))
            hostile = make_kit(root / "hostile", project, kind, prefix=f"/opt/{HOSTILE}")
            kits.append((hostile, True))
    return kits


@pytest.mark.slow
@needs_shellcheck
def test_scripts_pass_syntax_checks_and_shellcheck(tmp_path: Path, cert: bytes) -> None:
    for kit, hostile in kit_variants(tmp_path, cert):
        for name in ("install.sh", "uninstall.sh"):
            script = kit.deploy / name
            for checker in (["bash", "-n"], ["sh", "-n"]):
                done = subprocess.run([*checker, str(script)], capture_output=True, text=True)
                assert done.returncode == 0, (script, checker, done.stderr)
            # SC2016/SC1003 are shellcheck guessing that a literal `$(` or `\` in a quoted
            # value was a mistake; in the hostile prefix literal is the point
            excluded = ("SC2016", "SC1003") if hostile else ()
            linted = shellcheck(script, *excluded)
            assert linted.returncode == 0, (script, linted.stdout)


def test_values_reach_the_scripts_quoted(tmp_path: Path, cert: bytes) -> None:
    """The prefix appears in sh only as one quoted word: sh reads back exactly the value."""
    for kit, hostile in kit_variants(tmp_path, cert):
        if not hostile:
            continue
        script = (kit.deploy / "install.sh").read_text(encoding="utf-8")
        line = next(x for x in script.splitlines() if x.startswith("prefix="))
        assert shlex.split(line.removeprefix("prefix=")) == [str(kit.prefix)]
        assert HOSTILE not in script  # never raw


def test_deploy_md_gives_exact_command_lines(tmp_path: Path, cert: bytes) -> None:
    """The command lines in DEPLOY.md parse (as sh would) into exactly the right argv."""
    for kit, _hostile in kit_variants(tmp_path, cert):
        text = (kit.deploy / "DEPLOY.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
        argvs = [shlex.split(line, comments=True) for b in blocks for line in b.splitlines()]
        marker = str(kit.prefix / MARKER)
        assert ["grep", "-F", f'"version": "{NEW}"', marker] in argvs
        if kit.kind == "pkg":
            assert ["installer", "-pkg", kit.installer.name, "-target", "/"] in argvs
            receipt = f"{IDENTIFIER}.pkg.prepare_installation"
            assert ["pkgutil", "--pkg-info", receipt] in argvs
        else:
            assert ["bash", kit.installer.name, "-b", "-p", str(kit.prefix)] in argvs
            assert "ansible.builtin.include_tasks: deploy/sh/ansible-install.yml" in text
        for code in "0123":
            assert f"\n| {code} | " in text
        assert str(kit.logs) in text


# --- .sh: install ------------------------------------------------------------------------


def test_install_verifies_and_logs(shell: str, sh_kit: Kit) -> None:
    result = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, result, 0)
    assert_installed(sh_kit)
    assert sh_kit.sh_calls() == [["-b", "-p", str(sh_kit.prefix)]]
    assert f"conda runs: {CONDA_VERSION}" in log
    assert f"sha256 of {sh_kit.deploy}/../../{sh_kit.installer.name} matches" in log
    assert "  | Unpacking payload ..." in log  # the installer's own output, timestamped
    assert "  | installation finished." in log  # a last line without a newline too
    assert log.rstrip("\n").splitlines() == result.out.rstrip("\n").splitlines()
    assert sh_kit.stray_files() == []


def test_install_again_changes_nothing(shell: str, sh_kit: Kit) -> None:
    assert sh_kit.run(shell, "install.sh").code == 0
    (sh_kit.prefix / "keep-me").write_text("a reinstall would remove this")
    again = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, again, 0)
    assert "was already installed; nothing changed" in exit_line(again)
    assert len(sh_kit.sh_calls()) == 1  # the installer did not run again
    assert (sh_kit.prefix / "keep-me").exists()
    assert log.count("installing DeployTest 2") == 2  # both runs in one log


def test_install_again_without_the_installer(shell: str, sh_kit: Kit) -> None:
    """Nothing to do needs no installer: a re-run after the file was cleaned up is fine."""
    assert sh_kit.run(shell, "install.sh").code == 0
    sh_kit.installer.unlink()
    assert sh_kit.run(shell, "install.sh").code == 0


def test_installer_failure_is_1(shell: str, sh_kit: Kit) -> None:
    result = sh_kit.run(shell, "install.sh", STANDIN_MODE="fail")
    log = assert_logged(sh_kit, result, 1)
    assert "the installer exited with status 1" in exit_line(result)
    assert "  | stand-in: simulated failure" in log
    assert not sh_kit.prefix.exists()


@pytest.mark.parametrize(
    ("mode", "named"),
    [
        ("no-conda", "conda missing"),
        ("conda-broken", "conda --version failed: conda: broken"),
        ("no-condarc", "missing .condarc"),
        ("no-marker", "marker missing"),
        ("no-bundle", f"missing {BUNDLE}"),
        ("no-token", f"no token for {TOKEN_MARK} in"),
        ("no-variables", "variable PIP_CERT not set in the base environment"),
    ],
)
def test_success_with_a_broken_install_is_2(shell: str, sh_kit: Kit, mode: str, named: str) -> None:
    result = sh_kit.run(shell, "install.sh", STANDIN_MODE=mode)
    log = assert_logged(sh_kit, result, 2)
    assert named in exit_line(result)
    assert f"check failed: {named}" in log


def test_success_with_the_wrong_version_is_2(
    shell: str, tmp_path: Path, cert: bytes, sh_kit: Kit
) -> None:
    old = render(tmp_path, cert, str(sh_kit.prefix), OLD, "replace", Platform.linux_64)
    wrong = make_payload(tmp_path / "old", old)
    result = sh_kit.run(shell, "install.sh", STANDIN_PAYLOAD=str(wrong))
    assert_logged(sh_kit, result, 2)
    assert f"marker says version {OLD}, expected {NEW}" in exit_line(result)


def test_checksum_mismatch_is_3_and_touches_nothing(shell: str, sh_kit: Kit) -> None:
    sh_kit.prefix.mkdir(parents=True)
    (sh_kit.prefix / "data").write_text("not ours")
    with sh_kit.installer.open("a") as handle:
        handle.write("# tampered\n")
    result = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, result, 3)
    assert "checksum mismatch" in exit_line(result)
    assert describe(sh_kit.installer, "sh")["sha256"] in log  # what was found is named
    assert sh_kit.sh_calls() == []
    assert (sh_kit.prefix / "data").read_text() == "not ours"


def test_missing_installer_is_3(shell: str, sh_kit: Kit) -> None:
    sh_kit.installer.unlink()
    result = sh_kit.run(shell, "install.sh")
    assert_logged(sh_kit, result, 3)
    assert "installer not found" in exit_line(result)


def test_installer_given_on_the_command_line(shell: str, tmp_path: Path, sh_kit: Kit) -> None:
    elsewhere = tmp_path / "elsewhere dir" / sh_kit.installer.name
    elsewhere.parent.mkdir()
    sh_kit.installer.rename(elsewhere)
    result = sh_kit.run(shell, "install.sh", str(elsewhere))
    assert_logged(sh_kit, result, 0)
    assert f"running: bash {elsewhere} -b -p {sh_kit.prefix}" in result.out


def test_run_from_the_build_folder_as_documented(shell: str, sh_kit: Kit) -> None:
    """`sh deploy/sh/install.sh` in the build folder, even with a CDPATH that finds it
    (cd then prints the folder, which must not end up in the installer's path)."""
    result = sh_kit.run(shell, "deploy/sh/install.sh", cwd=sh_kit.build, CDPATH=str(sh_kit.build))
    assert_logged(sh_kit, result, 0)
    assert sh_kit.run(shell, "deploy/sh/uninstall.sh", cwd=sh_kit.build).code == 0


def test_log_not_writable_is_3(shell: str, tmp_path: Path, linux_new: RenderedProject) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    kit = make_kit(tmp_path, linux_new, "sh", logs=blocker / "logs")
    result = kit.run(shell, "install.sh")
    assert result.code == 3, result.out
    assert "cannot write the log" in result.err
    assert "exit 3: the wrapper could not start" in exit_line(result)
    assert kit.sh_calls() == []


def test_upgrade_replaces_the_older_release(shell: str, tmp_path: Path, cert: bytes) -> None:
    prefix = str(tmp_path / "opt" / "ds")
    projects = {
        v: render(tmp_path, cert, prefix, v, "replace", Platform.linux_64) for v in (OLD, NEW)
    }
    old, new = (make_kit(tmp_path, projects[v], "sh") for v in (OLD, NEW))
    assert old.run(shell, "install.sh").code == 0
    assert_installed(old, OLD)
    result = new.run(shell, "install.sh")
    log = assert_logged(new, result, 0)
    assert_installed(new, NEW)
    assert f"holds {NAME} {OLD}: replacing it with {NEW}" in log
    assert f"moving {NAME} {OLD} aside to {prefix}.previous-" in log
    assert "removing the previous release, kept aside in" in log
    assert list(Path(prefix).parent.glob("*.previous-*")) == []
    assert new.sh_calls() == [["-b", "-p", prefix]] * 2


def test_broken_install_of_this_release_is_redone(shell: str, sh_kit: Kit) -> None:
    assert sh_kit.run(shell, "install.sh").code == 0
    (sh_kit.prefix / ".condarc").unlink()
    result = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, result, 0)
    assert "check failed: missing .condarc" in log
    assert "is incomplete" in log
    assert len(sh_kit.sh_calls()) == 2
    assert_installed(sh_kit)


def test_a_failed_post_install_leaves_no_marker_and_a_retry_finishes(
    tmp_path: Path, linux_new: RenderedProject
) -> None:
    """Unattended and without its deploy-time token, the post-install fails; the marker is
    still aside, so no wrapper takes the prefix for this release. Given the token, the
    same step finishes and puts the marker in place, last."""
    install = lay_out(tmp_path, linux_new, conda=conda_standin())
    assert install.laid_out.count(STAGED_MARKER) == 1 and MARKER not in install.laid_out
    failed = install.post_install()
    assert failed.returncode == 1
    assert b"token repo: none given to this unattended install" in failed.stderr
    assert not (install.prefix / MARKER).exists()
    assert (install.prefix / STAGED_MARKER).exists()
    retried = install.post_install(REPO_TOKEN="deploy-" + os.urandom(8).hex())
    assert retried.returncode == 0, retried.stderr
    marker = json.loads((install.prefix / MARKER).read_text())
    assert marker == {"name": NAME, "platform": "linux-64", "version": NEW}
    assert not (install.prefix / STAGED_MARKER).exists()


def test_a_half_install_is_replaced_not_called_installed(
    shell: str, tmp_path: Path, linux_new: RenderedProject, sh_kit: Kit
) -> None:
    """What a failed unattended install left (no token, no marker) is ours: the wrapper
    removes it, installs again and verifies."""
    shutil.copytree(make_payload(tmp_path / "half", linux_new, token=False), sh_kit.prefix)
    result = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, result, 0)
    assert "was already installed" not in log
    unfinished = f"holds {NAME} {NEW} (unfinished: its post-install step failed)"
    assert f"{unfinished}: replacing it with {NEW}" in log
    assert sh_kit.sh_calls() == [["-b", "-p", str(sh_kit.prefix)]]
    assert_installed(sh_kit)
    assert list(sh_kit.prefix.parent.glob("*.replaced-*")) == []  # removed, not kept


def lose(prefix: Path, what: str) -> None:
    """Take one configured piece out of an installation: a file, or the token in .condarc."""
    if what == TOKEN:
        condarc = prefix / ".condarc"
        text = condarc.read_text()
        assert TOKEN_MARK in text
        condarc.write_text(re.sub(r"/t/[A-Za-z0-9-]+", "", text))
    else:
        (prefix / what).unlink()


@pytest.mark.parametrize("lost", [TOKEN, STATE, BUNDLE])
def test_a_lost_setting_of_this_release_is_repaired(shell: str, sh_kit: Kit, lost: str) -> None:
    """Everything the profile configures is checked before "already installed"."""
    assert sh_kit.run(shell, "install.sh").code == 0
    lose(sh_kit.prefix, lost)
    result = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, result, 0)
    assert "is incomplete" in log and "was already installed" not in log
    assert len(sh_kit.sh_calls()) == 2
    assert_installed(sh_kit)


def test_uninstall_removes_a_half_install(
    shell: str, tmp_path: Path, linux_new: RenderedProject, sh_kit: Kit
) -> None:
    shutil.copytree(make_payload(tmp_path / "half", linux_new, token=False), sh_kit.prefix)
    assert_logged(sh_kit, sh_kit.run(shell, "uninstall.sh"), 0, "uninstall")
    assert not sh_kit.prefix.exists()


def test_a_folder_that_is_not_ours_is_moved_aside(shell: str, sh_kit: Kit) -> None:
    sh_kit.prefix.mkdir(parents=True)
    (sh_kit.prefix / "precious").write_text("someone's data")
    result = sh_kit.run(shell, "install.sh")
    log = assert_logged(sh_kit, result, 0)
    assert_installed(sh_kit)
    asides = list(sh_kit.prefix.parent.glob(f"{sh_kit.prefix.name}.replaced-*"))
    assert len(asides) == 1
    assert (asides[0] / "precious").read_text() == "someone's data"
    assert f"moving it aside to {asides[0]}" in log


def test_an_empty_folder_is_simply_used(shell: str, sh_kit: Kit) -> None:
    sh_kit.prefix.mkdir(parents=True)
    assert_logged(sh_kit, sh_kit.run(shell, "install.sh"), 0)
    assert list(sh_kit.prefix.parent.glob("*.replaced-*")) == []


def test_hostile_prefix(shell: str, tmp_path: Path, linux_new: RenderedProject) -> None:
    """Spaces, quotes, `$(...)`, backticks, Jinja and non-ASCII text in the prefix."""
    prefix = str(tmp_path / "opt" / HOSTILE)
    kit = make_kit(tmp_path, linux_new, "sh", prefix=prefix)
    result = kit.run(shell, "install.sh")
    assert_logged(kit, result, 0)
    assert kit.sh_calls() == [["-b", "-p", prefix]]
    assert_installed(kit)
    assert kit.run(shell, "install.sh").code == 0
    assert len(kit.sh_calls()) == 1
    removed = kit.run(shell, "uninstall.sh")
    assert_logged(kit, removed, 0, "uninstall")
    assert not Path(prefix).exists()
    assert kit.stray_files() == []


def test_side_by_side_installs_into_its_own_folder(shell: str, tmp_path: Path, cert: bytes) -> None:
    base = str(tmp_path / "opt" / "ds")
    kits = {}
    for version in (OLD, NEW):
        project = render(tmp_path, cert, base, version, "side_by_side", Platform.linux_64)
        kits[version] = make_kit(tmp_path, project, "sh")
        assert kits[version].prefix == Path(f"{base}-{version}")
        assert_logged(kits[version], kits[version].run(shell, "install.sh"), 0)
    assert_installed(kits[OLD], OLD)  # the older release is still there
    assert_installed(kits[NEW], NEW)
    assert kits[OLD].run(shell, "uninstall.sh").code == 0
    assert not kits[OLD].prefix.exists()
    assert_installed(kits[NEW], NEW)


def test_sha256_with_shasum_when_sha256sum_is_missing(
    shell: str, tmp_path: Path, sh_kit: Kit
) -> None:
    """macOS has shasum, and only recent releases have sha256sum."""
    if shutil.which("shasum") is None:
        pytest.skip("shasum is not installed")
    tools = tmp_path / "tools"
    tools.mkdir()
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        for tool in Path(folder).iterdir() if Path(folder).is_dir() else ():
            target = tools / tool.name
            if tool.name != "sha256sum" and not target.exists():
                target.symlink_to(tool)
    result = sh_kit.run(shell, "install.sh", PATH=str(tools))
    assert_logged(sh_kit, result, 0)
    bad = sh_kit.installer.read_bytes() + b"\n"
    sh_kit.installer.write_bytes(bad)
    shutil.rmtree(sh_kit.prefix)
    assert sh_kit.run(shell, "install.sh", PATH=str(tools)).code == 3


# --- .sh: uninstall ----------------------------------------------------------------------


def test_uninstall_removes_and_is_idempotent(shell: str, sh_kit: Kit) -> None:
    assert sh_kit.run(shell, "install.sh").code == 0
    result = sh_kit.run(shell, "uninstall.sh")
    log = assert_logged(sh_kit, result, 0, "uninstall")
    assert f"removing {NAME} {NEW} from {sh_kit.prefix}" in log
    assert not sh_kit.prefix.exists()
    again = sh_kit.run(shell, "uninstall.sh")
    assert_logged(sh_kit, again, 0, "uninstall")
    assert "is not installed" in exit_line(again)


def test_uninstall_removes_another_release_of_ours(
    shell: str, tmp_path: Path, cert: bytes, sh_kit: Kit
) -> None:
    old = render(tmp_path, cert, str(sh_kit.prefix), OLD, "replace", Platform.linux_64)
    shutil.copytree(make_payload(tmp_path / "old", old), sh_kit.prefix)
    assert_logged(sh_kit, sh_kit.run(shell, "uninstall.sh"), 0, "uninstall")
    assert not sh_kit.prefix.exists()


@pytest.mark.parametrize(
    "marker", [None, {"name": "Other", "platform": "linux-64", "version": NEW}]
)
def test_uninstall_leaves_what_is_not_ours(
    shell: str, sh_kit: Kit, marker: dict[str, str] | None
) -> None:
    sh_kit.prefix.mkdir(parents=True)
    (sh_kit.prefix / "precious").write_text("someone's data")
    if marker is not None:
        (sh_kit.prefix / MARKER).parent.mkdir(parents=True)
        (sh_kit.prefix / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True))
    result = sh_kit.run(shell, "uninstall.sh")
    assert_logged(sh_kit, result, 2, "uninstall")
    assert "not removed" in exit_line(result)
    assert (sh_kit.prefix / "precious").exists()


# --- not root ----------------------------------------------------------------------------


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="deploy-kit-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def needs_setpriv() -> None:
    if os.geteuid() != 0:
        pytest.skip("switching to another user needs root")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")


def test_not_root_logs_to_the_user_state_folder(shell: str, shared_tmp: Path, cert: bytes) -> None:
    needs_setpriv()
    opt = shared_tmp / "opt"
    logs = shared_tmp / "logs"  # root's, and not writable by the user
    logs.mkdir()
    project = render(shared_tmp, cert, str(opt / "ds"), NEW, "replace", Platform.linux_64)
    kit = make_kit(shared_tmp, project, "sh", logs=logs)
    for folder in (opt, kit.state, kit.state / "home", kit.state / "cwd"):
        folder.mkdir(exist_ok=True)
        os.chown(folder, NOBODY, NOBODY)
    # the stand-in copies its payload as the user; a real installer carries it inside
    payload = kit.build / "stage" / "payload"
    for path in (payload, *payload.rglob("*")):
        os.chown(path, NOBODY, NOBODY)
    state_home = kit.state / "home" / "state"
    result = kit.run(shell, "install.sh", user=NOBODY, XDG_STATE_HOME=str(state_home))
    assert result.code == 0, (result.out, result.err)
    user_log = state_home / "Acme" / "installer-logs" / f"{NAME}-{NEW}-install.log"
    assert f"not writable (not running as root): logging to {user_log} instead" in result.out
    assert user_log.read_text().splitlines()[-1] == exit_line(result)
    assert list(logs.iterdir()) == []
    assert_installed(kit)


# --- .pkg --------------------------------------------------------------------------------


@pytest.fixture
def osx_new(tmp_path: Path, cert: bytes) -> RenderedProject:
    return render(tmp_path, cert, str(tmp_path / "opt"), NEW, "replace", Platform.osx_arm64)


@pytest.fixture
def pkg_kit(tmp_path: Path, osx_new: RenderedProject) -> Kit:
    # the facts say /Library/deploytest: pointed under tmp, with a space like a pkg_name may
    return make_kit(tmp_path, osx_new, "pkg", prefix=str(tmp_path / "Library" / "deploy test"))


def seed_other_receipts(kit: Kit) -> None:
    db = kit.state / "receipts.json"
    db.write_text(json.dumps({rid: "9" for rid in OTHER_RECEIPTS}))


def our_receipts(version: str) -> dict[str, str]:
    return {f"{IDENTIFIER}.pkg.{part}": version for part in RECEIPT_PARTS}


def test_pkg_facts(osx_new: RenderedProject) -> None:
    """The receipt ids the tests use are the ones deploy_kit derives from the profile."""
    facts = json.loads(osx_new.files["deploy.json"])
    assert facts["pkg"]["receipt"] == f"{IDENTIFIER}.pkg.prepare_installation"
    assert facts["pkg"]["receipts_prefix"] == f"{IDENTIFIER}.pkg."
    assert facts["pkg"]["prefix"] == "/Library/deploytest"
    assert facts["pkg"]["log_dir"] == "/Library/Logs/Acme/installer-logs"


def test_pkg_install_verifies_and_logs(shell: str, pkg_kit: Kit) -> None:
    seed_other_receipts(pkg_kit)
    result = pkg_kit.run(shell, "install.sh")
    log = assert_logged(pkg_kit, result, 0)
    assert_installed(pkg_kit)
    pkg = f"{pkg_kit.deploy}/../../{pkg_kit.installer.name}"
    assert pkg_kit.calls("installer") == [["-pkg", pkg, "-target", "/"]]
    receipt = f"{IDENTIFIER}.pkg.prepare_installation"
    assert ["--pkg-info", receipt] in pkg_kit.calls("pkgutil")
    assert f"receipt {receipt}: version: {NEW}" in log
    assert "  | installer: The install was successful." in log
    assert pkg_kit.receipts() == {**our_receipts(NEW), **{r: "9" for r in OTHER_RECEIPTS}}
    assert pkg_kit.stray_files() == []


def test_pkg_install_again_changes_nothing(shell: str, pkg_kit: Kit) -> None:
    assert pkg_kit.run(shell, "install.sh").code == 0
    again = pkg_kit.run(shell, "install.sh")
    assert_logged(pkg_kit, again, 0)
    assert "already installed; nothing changed" in exit_line(again)
    assert len(pkg_kit.calls("installer")) == 1


def test_pkg_path_from_jamf_parameter_4(shell: str, tmp_path: Path, pkg_kit: Kit) -> None:
    cached = tmp_path / "Waiting Room" / pkg_kit.installer.name
    cached.parent.mkdir()
    pkg_kit.installer.rename(cached)
    result = pkg_kit.run(shell, "install.sh", "/", "mac-01", "admin", str(cached))
    assert_logged(pkg_kit, result, 0)
    assert pkg_kit.calls("installer") == [["-pkg", str(cached), "-target", "/"]]


@pytest.mark.parametrize(
    ("mode", "code", "named"),
    [
        ("fail", 1, "installer exited with status 1"),
        ("no-conda", 2, "conda missing"),
        ("no-receipt", 2, f"no receipt {IDENTIFIER}.pkg.prepare_installation"),
    ],
)
def test_pkg_failures(shell: str, pkg_kit: Kit, mode: str, code: int, named: str) -> None:
    result = pkg_kit.run(shell, "install.sh", STANDIN_MODE=mode)
    assert_logged(pkg_kit, result, code)
    assert named in exit_line(result)


def test_pkg_checksum_mismatch_is_3(shell: str, pkg_kit: Kit) -> None:
    with pkg_kit.installer.open("ab") as handle:
        handle.write(b"tampered")
    result = pkg_kit.run(shell, "install.sh")
    assert_logged(pkg_kit, result, 3)
    assert "checksum mismatch" in exit_line(result)
    assert pkg_kit.calls("installer") == []


def test_pkg_upgrade_replaces_the_older_release(
    shell: str, tmp_path: Path, cert: bytes, pkg_kit: Kit
) -> None:
    old_project = render(tmp_path, cert, str(tmp_path / "opt"), OLD, "replace", Platform.osx_arm64)
    old = make_kit(tmp_path, old_project, "pkg", prefix=str(pkg_kit.prefix))
    assert old.run(shell, "install.sh").code == 0
    assert pkg_kit.receipts() == our_receipts(OLD)
    result = pkg_kit.run(shell, "install.sh")
    log = assert_logged(pkg_kit, result, 0)
    assert f"moving {NAME} {OLD} aside to {pkg_kit.prefix}.previous-" in log
    assert "removing the previous release, kept aside in" in log
    # Installer updates the receipts in place: none is forgotten on the way
    assert "forgot receipt" not in log
    assert_installed(pkg_kit, NEW)
    assert pkg_kit.receipts() == our_receipts(NEW)


def test_pkg_uninstall_removes_and_forgets(shell: str, pkg_kit: Kit) -> None:
    seed_other_receipts(pkg_kit)
    assert pkg_kit.run(shell, "install.sh").code == 0
    result = pkg_kit.run(shell, "uninstall.sh")
    log = assert_logged(pkg_kit, result, 0, "uninstall")
    assert not pkg_kit.prefix.exists()
    assert pkg_kit.receipts() == {r: "9" for r in OTHER_RECEIPTS}
    forgotten = [c[1] for c in pkg_kit.calls("pkgutil") if c[0] == "--forget"]
    assert sorted(forgotten) == sorted(our_receipts(NEW))
    assert all(f"forgot receipt {rid}" in log for rid in forgotten)
    again = pkg_kit.run(shell, "uninstall.sh")
    assert_logged(pkg_kit, again, 0, "uninstall")
    assert pkg_kit.receipts() == {r: "9" for r in OTHER_RECEIPTS}


def test_pkg_uninstall_forgets_receipts_left_without_a_folder(shell: str, pkg_kit: Kit) -> None:
    (pkg_kit.state / "receipts.json").write_text(json.dumps(our_receipts(OLD)))
    result = pkg_kit.run(shell, "uninstall.sh")
    assert_logged(pkg_kit, result, 0, "uninstall")
    assert pkg_kit.receipts() == {}


def test_pkg_uninstall_leaves_what_is_not_ours(shell: str, pkg_kit: Kit) -> None:
    pkg_kit.prefix.mkdir(parents=True)
    (pkg_kit.prefix / "precious").write_text("someone's data")
    (pkg_kit.state / "receipts.json").write_text(json.dumps(our_receipts(OLD)))
    result = pkg_kit.run(shell, "uninstall.sh")
    assert_logged(pkg_kit, result, 2, "uninstall")
    assert (pkg_kit.prefix / "precious").exists()


@pytest.mark.parametrize("script", ["install.sh", "uninstall.sh"])
def test_pkg_scripts_need_root(shell: str, script: str, tmp_path: Path, cert: bytes) -> None:
    project = render(tmp_path, cert, "/opt/ds", NEW, "replace", Platform.osx_arm64)
    kit = make_kit(tmp_path, project, "pkg", prefix=str(tmp_path / "Library" / "ds"))
    result = kit.run(shell, script, STANDIN_UID="501")
    assert result.code == 3, (result.out, result.err)
    assert "must run as root" in result.err
    assert kit.calls("installer") == []
    assert not kit.logs.exists()


# --- jamf.json ---------------------------------------------------------------------------


def test_jamf_json(tmp_path: Path, pkg_kit: Kit) -> None:
    text = (pkg_kit.deploy / "jamf.json").read_text(encoding="utf-8")
    data = json.loads(text)
    installer = describe(pkg_kit.installer, "pkg")
    assert data["package"]["file"] == installer["file"]
    assert data["package"]["sha256"] == installer["sha256"]
    assert data["package"]["size"] == installer["size"]
    assert data["policy"]["script"] == "install.sh"
    assert data["uninstall"]["script"] == "uninstall.sh"
    detection = data["detection"]
    assert detection["receipt"] == f"{IDENTIFIER}.pkg.prepare_installation"
    assert detection["receipt_version"] == NEW
    assert detection["marker"] == str(pkg_kit.prefix / MARKER)
    assert detection["marker_version"] == NEW
    assert set(data["exit_codes"]) == {"0", "1", "2", "3"}
    # deterministic: the same context renders the same bytes
    context = kit_context(pkg_kit.facts, installer)
    assert render_kit(context)["jamf.json"] == render_kit(context)["jamf.json"]
    assert render_kit(context)["jamf.json"] == text.encode()


def test_jamf_extension_attribute_reports_the_version(shell: str, pkg_kit: Kit) -> None:
    data = json.loads((pkg_kit.deploy / "jamf.json").read_text(encoding="utf-8"))
    ea = pkg_kit.state / "ea.sh"
    ea.write_text(data["extension_attribute"]["script"], encoding="utf-8")

    def ea_result() -> str:
        done = subprocess.run(
            [shell, str(ea)], env=pkg_kit.env(), capture_output=True, text=True, timeout=TIMEOUT
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert ea_result() == "<result>not installed</result>"
    assert pkg_kit.run(shell, "install.sh").code == 0
    assert ea_result() == f"<result>{NEW}</result>"


@needs_shellcheck
def test_jamf_extension_attribute_passes_shellcheck(tmp_path: Path, pkg_kit: Kit) -> None:
    data = json.loads((pkg_kit.deploy / "jamf.json").read_text(encoding="utf-8"))
    ea = tmp_path / "ea.sh"
    ea.write_text(data["extension_attribute"]["script"], encoding="utf-8")
    linted = shellcheck(ea)
    assert linted.returncode == 0, linted.stdout


# --- Ansible -----------------------------------------------------------------------------

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
RECAP = re.compile(r"^localhost\s*:.*\bchanged=(\d+)\s.*\bfailed=(\d+)", re.M)


def playbook(kit: Kit, tokens: Mapping[str, str] | None = None) -> Path:
    """A play on localhost that includes the kit's task file, as DEPLOY.md shows; the
    tokens go in the include's vars (in real use: Ansible Vault)."""
    play = [
        {
            "name": "Install with the kit",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "Install and verify",
                    "ansible.builtin.include_tasks": str(kit.deploy / "ansible-install.yml"),
                    "vars": {
                        "installer_factory_src_dir": str(kit.build),
                        "installer_factory_stage_dir": str(kit.state / "stage"),
                        **({"installer_factory_tokens": tokens} if tokens is not None else {}),
                    },
                }
            ],
        }
    ]
    (kit.state / "stage").mkdir(exist_ok=True)
    path = kit.state / "playbook.yml"
    path.write_text(json.dumps(play, indent=2), encoding="utf-8")  # JSON is YAML
    return path


def ansible(
    kit: Kit,
    *args: str,
    env: Mapping[str, str] | None = None,
    tokens: Mapping[str, str] | None = None,
) -> Result:
    home = kit.state / "home"
    tokens = {"repo": DEPLOY_TOKEN} if tokens is None else tokens
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", *args, str(playbook(kit, tokens))],
        env={
            **base_env(),
            "HOME": str(home),
            "ANSIBLE_LOCAL_TEMP": str(home / "ansible-local"),
            "ANSIBLE_REMOTE_TEMP": str(home / "ansible-remote"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            **(env or {}),
        },
        cwd=kit.state / "cwd",
        capture_output=True,
        timeout=300,
        check=False,
    )
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.mark.slow
@needs_ansible
def test_ansible_task_file_passes_syntax_check(tmp_path: Path, cert: bytes) -> None:
    for kit, _hostile in kit_variants(tmp_path, cert):
        if kit.kind != "sh":
            continue
        result = ansible(kit, "--syntax-check")
        assert result.code == 0, (result.out, result.err)
        tasks = (kit.deploy / "ansible-install.yml").read_text(encoding="utf-8")
        modules = set(re.findall(r"^\s+(ansible\.\w+\.\w+):", tasks, re.M))
        assert modules >= {
            "ansible.builtin.slurp",
            "ansible.builtin.stat",
            "ansible.builtin.assert",
            "ansible.builtin.copy",
            "ansible.builtin.command",
            "ansible.builtin.file",
        }
        assert ("creates:" in tasks) == (kit.facts["upgrade"] == "side_by_side")


@needs_ansible
@pytest.mark.slow
def test_ansible_installs_replaces_and_is_idempotent(tmp_path: Path, cert: bytes) -> None:
    """Three runs on localhost: a tampered installer stops the play before anything is
    touched; the real one replaces the older release; a re-run changes nothing."""
    prefix = str(tmp_path / "opt" / HOSTILE.replace("$", ""))
    old_project = render(tmp_path, cert, "/opt/ds", OLD, "replace", Platform.linux_64)
    project = render(tmp_path, cert, "/opt/ds", NEW, "replace", Platform.linux_64)
    kit = make_kit(tmp_path, project, "sh", prefix=prefix)
    shutil.copytree(make_payload(tmp_path / "old", old_project), prefix)
    good = kit.installer.read_bytes()

    kit.installer.write_bytes(good + b"# tampered\n")
    tampered = ansible(kit)
    assert tampered.code != 0, tampered.out
    assert "checksum mismatch" in tampered.out
    assert_installed(kit, OLD)  # the older release is untouched
    assert kit.sh_calls() == []

    kit.installer.write_bytes(good)
    first = ansible(kit)
    assert first.code == 0, (first.out, first.err)
    assert_installed(kit, NEW)
    assert kit.sh_calls() == [["-b", "-p", prefix]]
    assert f"{NAME} {NEW} verified ({CONDA_VERSION})" in first.out
    assert list((kit.state / "stage").iterdir()) == []  # the copy is cleaned up

    second = ansible(kit)
    assert second.code == 0, (second.out, second.err)
    recap = RECAP.search(second.out)
    assert recap is not None, second.out
    assert recap.group(1) == "0" and recap.group(2) == "0", recap.group(0)
    assert len(kit.sh_calls()) == 1
    assert kit.stray_files() == []


@needs_ansible
@pytest.mark.slow
@pytest.mark.parametrize("state", ["half", "lost-token"])
def test_ansible_repairs_a_half_install(tmp_path: Path, cert: bytes, state: str) -> None:
    """A failed unattended install (no token, marker never put in place) is ours and is
    replaced; so is this release with a token file gone: neither counts as installed."""
    project = render(tmp_path, cert, "/opt/ds", NEW, "replace", Platform.linux_64)
    prefix = str(tmp_path / "opt" / "ds")
    kit = make_kit(tmp_path, project, "sh", prefix=prefix)
    payload = make_payload(tmp_path / "before", project, token=state != "half")
    shutil.copytree(payload, prefix)
    if state == "lost-token":
        lose(Path(prefix), TOKEN)
    result = ansible(kit)
    assert result.code == 0, (result.out, result.err)
    assert kit.sh_calls() == [["-b", "-p", prefix]]
    assert_installed(kit)
    assert list(Path(prefix).parent.glob("*.replaced-*")) == []  # removed as ours


@needs_ansible
def test_ansible_refuses_a_prefix_with_a_dollar(tmp_path: Path, cert: bytes) -> None:
    """Ansible's modules expand $NAME in every path: such a prefix must stop the play."""
    prefix = str(tmp_path / "opt" / "ds-${HOME}")
    project = render(tmp_path, cert, "/opt/ds", NEW, "replace", Platform.linux_64)
    kit = make_kit(tmp_path, project, "sh", prefix=prefix)
    result = ansible(kit)
    assert result.code != 0
    assert "the prefix holds '$'" in result.out
    assert kit.sh_calls() == []
    assert not (tmp_path / "opt").exists()
    assert "use `install.sh` instead" in (kit.deploy / "DEPLOY.md").read_text(encoding="utf-8")
