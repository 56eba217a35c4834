"""Build installers: run the real constructor on one rendered project.

The rendered project never holds a token. Just before constructor runs, the project is
copied into a private (0700) temporary directory where the tokens the profile bakes are
written as the extra files construct.yaml names, and every token this machine holds is
put where conda's own HTTP layer looks for it ($BINSTAR_CONFIG_DIR/data), so the solve
authenticates without a token in any URL. constructor's output streams through redaction
into the build log; installers, logs and the report are scanned before success is
reported. Results are swapped into place only when complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from factory.builds.constructor import constructor_command
from factory.deploy.kit import write_kit
from factory.deploy.manifest import write_manifest
from factory.errors import InputError, OutputError, display_path
from factory.formats.build_report import (
    BuildReport,
    InstallerFile,
    InstallerType,
    ScanSummary,
    Status,
    TokenFinding,
    UnreadableMember,
)
from factory.formats.jsontext import json_text
from factory.leaks.redact import redact, redact_data, secret_environment
from factory.leaks.scan import scan_paths
from factory.lock.sbom import env_records, installed_channels, sbom_text
from factory.output.layout import (
    LOG_FILE,
    PROJECT_DIR,
    REPORT_FILE,
    SBOM_FILE,
    STAMP_FILE,
    TOKENS_DIR,
    failed_dir,
    platform_dir,
)
from factory.output.staged import DIR_MODE, check_ours, swap
from factory.profiles.auth_methods import secret_acceptable, secret_tokens
from factory.profiles.load import LoadedProfile
from factory.profiles.tokens import installable, staged_name, token_file_name
from factory.render.project import RenderedProject
from factory.version import __version__

# our own files in a build folder: constructor's build_outputs never replace them
OURS = frozenset({LOG_FILE, PROJECT_DIR, REPORT_FILE, SBOM_FILE, STAMP_FILE, "deploy"})
INSTALLER_SUFFIXES: dict[str, InstallerType] = {
    ".sh": "sh",
    ".pkg": "pkg",
    ".exe": "exe",
    ".msi": "msi",
}


@dataclass
class BuildResult:
    """One (profile, platform) job: what happened and where its files are. Its report is
    written beside the outputs (`report`); `build --json` lists `as_dict` for each job."""

    profile: str
    name: str
    version: str
    platform: str
    status: Status
    reason: str = ""
    exit_status: int | None = None
    duration_seconds: float = 0.0
    constructor_version: str = ""
    installers: list[InstallerFile] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # build_outputs' files, by name
    directory: str = ""
    scan: ScanSummary | None = None  # None until the scan has run

    def report(self, input_hash: str) -> BuildReport:
        return BuildReport(
            generator_version=__version__,
            input_sha256=input_hash,
            log=LOG_FILE,
            profile=self.profile,
            name=self.name,
            version=self.version,
            platform=self.platform,
            status=self.status,
            reason=self.reason,
            exit_status=self.exit_status,
            duration_seconds=self.duration_seconds,
            constructor_version=self.constructor_version,
            installers=self.installers,
            outputs=self.outputs,
            scan=self.scan,
        )

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["installers"] = [i.model_dump(mode="json") for i in self.installers]
        data["scan"] = self.scan.model_dump(mode="json") if self.scan is not None else {}
        return data


@dataclass(frozen=True)
class BuildInput:
    """What one job builds from, prepared once by `run_builds`: the rendered project (its
    plan holds the locked records) and the tokens this machine holds, by name."""

    loaded: LoadedProfile
    project: RenderedProject
    tokens: Mapping[str, str]  # every token available here
    baked: Mapping[str, str]  # those the installer carries (baked_tokens)


# --- tokens -------------------------------------------------------------------------------


def baked_tokens(loaded: LoadedProfile, values: Mapping[str, str]) -> dict[str, str]:
    """Tokens built into the installer, by name; every one must be here and usable."""
    out = {}
    secrets = secret_tokens(loaded.profile.auth)
    for name, token in sorted(loaded.profile.tokens.items()):
        if token.install != "bake":
            continue
        where = f"${token.env}" if token.env else token.file
        value = values.get(name)
        if value is None:
            raise InputError(
                f"token {name}: nothing usable in {where} on this build machine; the "
                "installer bakes it in, so the build needs it"
            )
        secret = secrets.get(name)
        if secret is not None:  # an auth method's secret, not a /t/ token (auth_methods.py)
            if not secret_acceptable(secret[0], value):
                raise InputError(
                    f"token {name} (from {where}): the post-install step would refuse it "
                    f"as auth.{'.'.join(map(str, secret[1][1:]))} (README: Choosing an "
                    "authentication method)"
                )
        elif not installable(value):
            raise InputError(
                f"token {name} (from {where}): only letters, digits and - can be installed "
                "(conda reads a token in a channel URL as /t/[A-Za-z0-9-]*)"
            )
        out[name] = value
    return out


def _write_private(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)


# --- one build ----------------------------------------------------------------------------


def build_one(
    job: BuildInput,
    out_root: Path,
    *,
    constructor: Path,
    version: str,
    installer_type: str | None = None,
    on_line: Callable[[str], None] | None = None,
    conda_exe: Path | None = None,
    host_conda: Path | None = None,
) -> BuildResult:
    """Build one platform's installers; never raises for a failed constructor run.
    conda_exe: constructor's --conda-exe; host_conda: CONDA_EXE of a cross-build
    (builds/cross.py)."""
    loaded, project = job.loaded, job.project
    profile, target = loaded.profile, project.platform
    result = BuildResult(
        profile=display_path(loaded.file),
        name=profile.name,
        version=profile.installer_version,
        platform=target.value,
        status="skipped",
        constructor_version=version,
    )
    values, baked = job.tokens, job.baked
    secrets = sorted({*values.values(), *secret_environment().values()}, key=len, reverse=True)
    final = platform_dir(out_root, profile.name, target)
    failed = failed_dir(final)
    for existing in (final, failed):
        check_ours(existing)
    final.parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="installer-factory-build-") as work_name:
        work = Path(work_name)  # 0700: tokens live here for the length of the build
        project_dir = work / "project"
        for rel, data in project.files.items():
            file = project_dir / rel
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
        for name, value in baked.items():
            # one line: the post-install reads it as a line (set /p, tr), as from a deploy file
            _write_private(project_dir / TOKENS_DIR / staged_name(name), value + "\n")
        binstar = work / "binstar"
        auth_secrets = secret_tokens(profile.auth)  # not repository tokens: never sent as /t/
        for name, value in values.items():
            if name in auth_secrets:
                continue
            url = profile.tokens[name].url
            _write_private(binstar / "data" / token_file_name(url), value)
        out_tmp = work / "out"
        out_tmp.mkdir()
        staged = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=final.parent))
        staged.chmod(DIR_MODE)
        for rel, data in project.files.items():  # what was built, token-free, for audits
            file = staged / PROJECT_DIR / rel
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
        locked = project.plan.locked
        if locked is not None:
            sbom = sbom_text(
                profile.name,
                result.version,
                target.value,
                locked.packages,
                installed_channels(profile),
                env_records(profile, locked.envs),
            )
            (staged / SBOM_FILE).write_text(sbom, encoding="utf-8")
        try:
            command = constructor_command(
                constructor, project_dir, out_tmp, target, installer_type, conda_exe
            )
            env = {**os.environ, "BINSTAR_CONFIG_DIR": str(binstar)}
            # A locked project's environment_file is installed by `$CONDA_EXE create --file`
            # when CONDA_EXE is set (any activated conda, of any version), else, for the
            # host's own platform, by constructor's own conda-standalone (constructor's
            # fcp.py `_solve_precs`). Native builds: always constructor's conda, which
            # reads the explicit file's sha256 lines (conda >=24.9); cross-builds: the
            # host's standalone that builds/cross.py chose.
            env.pop("CONDA_EXE", None)
            if host_conda is not None:
                env["CONDA_EXE"] = str(host_conda.resolve())
            started = time.monotonic()
            code = _run_streaming(command, env, staged / LOG_FILE, secrets, on_line, work)
            result.duration_seconds = round(time.monotonic() - started, 3)
            result.exit_status = code
            made = [f for f in sorted(out_tmp.iterdir()) if f.is_file()]
            for file in made:  # build_outputs first: our checksum file replaces theirs
                if file.suffix.lower() not in INSTALLER_SUFFIXES and file.name not in OURS:
                    shutil.move(str(file), staged / file.name)
                    result.outputs.append(file.name)
            for file in made:
                kind = INSTALLER_SUFFIXES.get(file.suffix.lower())
                if kind is not None:
                    shutil.move(str(file), staged / file.name)
                    result.installers.append(_describe(staged / file.name, kind))
            if code != 0:
                result.status, result.reason = "failed", f"constructor exited with {code}"
            elif not result.installers:
                result.status, result.reason = "failed", "constructor made no installer"
            else:
                result.status = "ok"
            _write_report(staged, result, project.input_hash, secrets)
            _scan(staged, result, values, baked)
            _write_report(staged, result, project.input_hash, secrets)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    if result.status == "ok":
        write_kit(staged)
        swap(staged, final)
        shutil.rmtree(failed, ignore_errors=True)
        result.directory = str(final)
        write_manifest(out_root)
    else:
        for installer in result.installers:  # nothing unscanned or half-made is kept
            (staged / installer.file).unlink(missing_ok=True)
            (staged / f"{installer.file}.sha256").unlink(missing_ok=True)
        for name in result.outputs:
            (staged / name).unlink(missing_ok=True)
        swap(staged, failed)
        result.directory = str(failed)
    return result


def _run_streaming(
    command: list[str],
    env: dict[str, str],
    log: Path,
    secrets: list[str],
    on_line: Callable[[str], None] | None,
    cwd: Path,
) -> int:
    """Run constructor, every output line redacted before it reaches the log or screen."""
    with open(log, "w", encoding="utf-8") as handle:
        handle.write(redact("$ " + " ".join(command), secrets) + "\n")
        try:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as exc:
            handle.write(f"cannot start constructor: {exc.strerror or exc}\n")
            return 127
        assert process.stdout is not None
        try:
            for raw in process.stdout:
                line = redact(raw.rstrip("\n"), secrets)
                handle.write(line + "\n")
                handle.flush()
                if on_line is not None:
                    on_line(line)
            return process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise


def _describe(file: Path, kind: InstallerType) -> InstallerFile:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    (file.parent / f"{file.name}.sha256").write_text(f"{sha}  {file.name}\n", encoding="ascii")
    return InstallerFile(
        installer_type=kind,
        file=file.name,
        size=file.stat().st_size,
        sha256=sha,
    )


def _scan(
    staged: Path, result: BuildResult, values: Mapping[str, str], baked: Mapping[str, str]
) -> None:
    """No token in any log or report; in an installer, only the tokens it bakes in."""
    names = {v: f"${n}" for n, v in secret_environment().items()}
    names |= {v: f"tokens.{n}" for n, v in values.items()}  # the profile's name wins
    known = {name: value.encode() for value, name in names.items()}
    installers = {i.file for i in result.installers}
    others = [p for p in sorted(staged.iterdir()) if p.name not in installers]
    outputs = scan_paths(others, known)
    baked_values = set(baked.values())
    unbaked = {k: v for k, v in known.items() if v.decode() not in baked_values}
    # installers hold third-party files with token-like test data: known values only
    packed = [staged / name for name in sorted(installers)]
    packages = scan_paths(packed, unbaked, shapes=False)
    found = outputs.findings + packages.findings
    # a member the scan could not read whole may hide a token: the build is not clean
    unread = [
        UnreadableMember(where=str(u.where), reason=u.reason)
        for u in outputs.unreadable + packages.unreadable
    ]
    findings = [
        TokenFinding(file=Path(f.file).name, member=f.member, offset=f.offset, kind=f.kind)
        for f in found
    ]
    result.scan = ScanSummary(ok=not found and not unread, findings=findings, unreadable=unread)
    if result.status == "ok" and found:
        result.status = "failed"
        result.reason = f"scan found {len(found)} token(s) in the build's outputs"
    elif result.status == "ok" and unread:
        result.status = "failed"
        result.reason = f"scan could not read {len(unread)} member(s) of the build's outputs"


def _write_report(staged: Path, result: BuildResult, input_hash: str, secrets: list[str]) -> None:
    # redacted before encoding, like --json output: whatever path a value took into it
    data = redact_data(result.report(input_hash).data(), secrets)
    (staged / REPORT_FILE).write_text(json_text(data), encoding="utf-8")
    # the build folder's stamp is one line, unlike a project's
    stamp = {"generator": "installer-factory", "kind": "build", "version": __version__}
    (staged / STAMP_FILE).write_text(json.dumps(stamp, sort_keys=True) + "\n", encoding="utf-8")


def ensure_writable(out_root: Path) -> None:
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        message = f"cannot write {display_path(out_root)}: {exc.strerror or exc}"
        raise OutputError(message) from None
