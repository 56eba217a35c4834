"""Fake standalone condas for tests, laid out as `conda create --platform P -p DIR
conda-standalone=V` (or `micromamba=V`) leaves them: the executable where the package
puts it (`standalone_conda/conda.exe`, `bin/micromamba`) and the package's conda-meta
record (name, version, subdir, files).

The executable is a small sh script answering as the real ones do: conda-standalone's
`--version` prints `conda <conda version>` (it is conda, frozen with PyInstaller),
micromamba's prints the bare version and its `--help` names mamba (what constructor's
utils.py `identify_conda_exe` reads). With `header=`, it is instead a file that starts
like a real executable of that platform (ELF, Mach-O or PE) and does not run here, as a
standalone for another architecture does not.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

EXE = {"conda-standalone": "standalone_conda/conda.exe", "micromamba": "bin/micromamba"}

ELF_MACHINE = {"linux-64": 62, "linux-aarch64": 183, "linux-ppc64le": 21}


def elf_header(platform: str) -> bytes:
    """The first 64 bytes of a little-endian 64-bit ELF executable for `platform`."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHI", 2, ELF_MACHINE[platform], 1) + bytes(64 - 24)


def script(kind: str, version: str) -> str:
    if kind == "conda-standalone":
        return (
            f'#!/bin/sh\ncase "$1" in --version) echo "conda {version}" ;; *) echo conda ;; esac\n'
        )
    return (
        "#!/bin/sh\n"
        f'case "$1" in --version) echo "{version}" ;;\n'
        '  --help) echo "micromamba: a small mamba" ;; esac\n'
    )


def make_standalone(
    root: Path,
    kind: str = "conda-standalone",
    version: str = "25.7.0",
    platform: str = "linux-aarch64",
    *,
    record: bool = True,
    header: bool = False,
    runs_as: tuple[str, str] | None = None,
) -> Path:
    """A prefix under root/<platform> holding a fake standalone; returns its executable.
    runs_as=(kind, version): what the executable says when run, if not the record's."""
    prefix = root / f"{kind}-{version}-{platform}"
    exe = prefix / EXE[kind]
    exe.parent.mkdir(parents=True, exist_ok=True)
    if header:
        exe.write_bytes(elf_header(platform) + b"\0" * 64)
    else:
        exe.write_text(script(*(runs_as or (kind, version))))
    exe.chmod(0o755)
    if record:
        meta = prefix / "conda-meta"
        meta.mkdir(exist_ok=True)
        data = {
            "name": kind,
            "version": version,
            "build": "h0_0",
            "subdir": platform,
            "files": [EXE[kind]],
        }
        (meta / f"{kind}-{version}-h0_0.json").write_text(json.dumps(data))
    return exe
