"""Finding the real constructor, asking its version, and the command line that runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from factory.errors import FactoryError
from factory.platforms import Platform

CONSTRUCTOR_ENV = "INSTALLER_FACTORY_CONSTRUCTOR"
INSTALL_HINT = (
    "install it with `conda install -c conda-forge constructor` (or `mamba`/`micromamba "
    f"install ...`) and put it on PATH, or set {CONSTRUCTOR_ENV} to its path"
)


class ConstructorMissing(FactoryError):
    exit_code = 6


def find_constructor(explicit: str | None = None) -> Path:
    choice = explicit or os.environ.get(CONSTRUCTOR_ENV)
    if choice:
        found = shutil.which(choice)
        if found is None:
            raise ConstructorMissing(f"constructor not found at {choice}; {INSTALL_HINT}")
        return Path(found)
    found = shutil.which("constructor")
    if found is None:
        raise ConstructorMissing(f"constructor is not on PATH; {INSTALL_HINT}")
    return Path(found)


def constructor_version(exe: Path) -> str:
    try:
        done = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=120, check=False
        )
    except OSError as exc:
        message = f"cannot run {exe}: {exc.strerror or exc}; {INSTALL_HINT}"
        raise ConstructorMissing(message) from None
    match = re.search(r"(\d+\.\d+(?:\.\d+)*\S*)", done.stdout + done.stderr)
    if done.returncode != 0 or match is None:
        raise ConstructorMissing(f"{exe} --version failed; is it constructor? {INSTALL_HINT}")
    return match.group(1)


def constructor_command(
    exe: Path,
    project: Path,
    out: Path,
    target: Platform,
    installer_type: str | None,
    conda_exe: Path | None = None,
) -> list[str]:
    command = [str(exe), str(project), "--output-dir", str(out), "--platform", target.value]
    if installer_type:
        command += ["--installer-type", installer_type]
    if conda_exe is not None:  # the standalone the installer bundles (builds/cross.py)
        command += ["--conda-exe", str(conda_exe.resolve())]
    return command
