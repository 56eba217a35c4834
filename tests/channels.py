"""Real conda channels on disk, built at test run time and reachable as file:// URLs.

Each package becomes a tiny but genuine `.conda` archive (made with conda-package-handling:
`info/index.json`, `info/paths.json` and one payload file), and every subdir gets a
`repodata.json` whose records carry the size and hashes of those files, so conda, rattler
and constructor can read, solve and download from the channel as from a real one.

Builds are deterministic: fixed file modes and times inside the archives and the zip, zstd
with one worker, sorted JSON. Two builds of the same packages give identical bytes.

    url = make_channel(tmp_path / "main", standard_packages())
    mirror = filtered_copy(tmp_path / "main", tmp_path / "mirror", lambda r: r["name"] == "numpy")
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLATFORM_SUBDIRS = ("linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64")
ALL_SUBDIRS = (*PLATFORM_SUBDIRS, "noarch")
# 2024-07-03, in milliseconds as conda-build writes it
DEFAULT_TIMESTAMP = 1_720_000_000_000

Record = dict[str, Any]


@dataclass(frozen=True)
class Pkg:
    name: str
    version: str
    build: str = "0"
    build_number: int = 0
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    subdir: str = "noarch"
    license: str = "MIT"
    noarch: str | None = None  # None, "generic" or "python"
    timestamp: int = DEFAULT_TIMESTAMP

    def __post_init__(self) -> None:
        if self.subdir not in ALL_SUBDIRS:
            raise ValueError(f"{self.name}: unknown subdir {self.subdir!r}")
        if self.noarch not in (None, "generic", "python"):
            raise ValueError(f"{self.name}: noarch must be None, 'generic' or 'python'")
        if (self.noarch is not None) != (self.subdir == "noarch"):
            raise ValueError(f"{self.name}: noarch packages, and only they, go in 'noarch'")
        # tuples keep Pkg hashable; a list passed by mistake would also break determinism
        object.__setattr__(self, "depends", tuple(self.depends))
        object.__setattr__(self, "constrains", tuple(self.constrains))

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}-{self.build}.conda"

    def index_json(self) -> Record:
        """info/index.json; the repodata record is this plus size, sha256 and md5."""
        data: Record = {
            "name": self.name,
            "version": self.version,
            "build": self.build,
            "build_number": self.build_number,
            "depends": list(self.depends),
            "constrains": list(self.constrains),
            "subdir": self.subdir,
            "license": self.license,
            "timestamp": self.timestamp,
        }
        if self.noarch:
            data["noarch"] = self.noarch
        return data


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _digests(path: Path) -> tuple[int, str, str]:
    data = path.read_bytes()
    return len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()


def _normalize_zip(path: Path, when: tuple[int, int, int, int, int, int]) -> None:
    """conda-package-handling stamps zip members with the current time; pin it."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = 0o644 << 16
            target.writestr(info, data)


def build_archive(pkg: Pkg, out_dir: Path, staging: Path) -> Path:
    """Write `pkg` as a .conda file into out_dir, staging its files in a scratch folder."""
    from conda_package_handling import api

    payload_rel = f"share/{pkg.name}/README"
    payload = f"{pkg.name} {pkg.version} ({pkg.build}, {pkg.subdir}): test package\n".encode()
    paths = {
        "paths": [
            {
                "_path": payload_rel,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(payload).hexdigest(),
                "size_in_bytes": len(payload),
            }
        ],
        "paths_version": 1,
    }
    files = {
        "info/index.json": _dumps(pkg.index_json()).encode(),
        "info/paths.json": _dumps(paths).encode(),
        payload_rel: payload,
    }
    seconds = pkg.timestamp // 1000
    for rel, data in files.items():
        file = staging / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        os.chmod(file, 0o644)  # the umask would otherwise leak into the tar headers
        os.utime(file, (seconds, seconds))
    out = out_dir / pkg.filename
    # level 3: a third of the default level-19 time; one worker keeps zstd deterministic
    api.create(str(staging), list(files), str(out), compression_level=3, compression_threads=1)
    moment = dt.datetime.fromtimestamp(max(seconds, 315_532_800), dt.timezone.utc)
    _normalize_zip(out, moment.timetuple()[:6])
    return out


def _write_repodata(subdir_dir: Path, subdir: str, records: dict[str, Record]) -> None:
    repodata = {
        "info": {"subdir": subdir},
        "packages": {},
        "packages.conda": dict(sorted(records.items())),
        "removed": [],
        "repodata_version": 1,
    }
    (subdir_dir / "repodata.json").write_text(_dumps(repodata), encoding="utf-8")


def make_channel(root: Path, packages: Iterable[Pkg], subdirs: Iterable[str] = ALL_SUBDIRS) -> str:
    """Build a channel under root: archives and repodata.json per subdir; its file:// URL.

    Every subdir in `subdirs` gets a repodata.json, empty ones included, and so does
    noarch (conda and rattler fetch it for every platform).
    """
    root = Path(root).resolve()
    wanted = list(dict.fromkeys([*subdirs, "noarch"]))
    unknown = [s for s in wanted if s not in ALL_SUBDIRS]
    if unknown:
        raise ValueError(f"unknown subdirs: {unknown}")
    records: dict[str, dict[str, Record]] = {s: {} for s in wanted}
    with tempfile.TemporaryDirectory(prefix="channel-staging-") as scratch:
        for pkg in packages:
            if pkg.subdir not in records:
                raise ValueError(f"{pkg.filename} is for {pkg.subdir}, not in {wanted}")
            if pkg.filename in records[pkg.subdir]:
                raise ValueError(f"{pkg.subdir}/{pkg.filename} given twice")
            out_dir = root / pkg.subdir
            out_dir.mkdir(parents=True, exist_ok=True)
            # one scratch folder for all: files are listed explicitly, so leftovers are inert
            archive = build_archive(pkg, out_dir, Path(scratch))
            size, sha256, md5 = _digests(archive)
            records[pkg.subdir][pkg.filename] = {
                **pkg.index_json(),
                "size": size,
                "sha256": sha256,
                "md5": md5,
            }
    for subdir, subdir_records in records.items():
        (root / subdir).mkdir(parents=True, exist_ok=True)
        _write_repodata(root / subdir, subdir, subdir_records)
    return root.as_uri()


def filtered_copy(src_root: Path, dst_root: Path, drop: Callable[[Record], bool]) -> str:
    """A copy of the channel at src_root without the records `drop` selects; its URL.

    Like a corporate mirror that filters packages (licence, CVE, age policies): the
    dropped records leave repodata.json and their archives are not copied.
    """
    src_root, dst_root = Path(src_root).resolve(), Path(dst_root).resolve()
    for repodata_file in sorted(src_root.glob("*/repodata.json")):
        subdir_dir = dst_root / repodata_file.parent.name
        subdir_dir.mkdir(parents=True, exist_ok=True)
        repodata = json.loads(repodata_file.read_text(encoding="utf-8"))
        for key in ("packages", "packages.conda"):
            kept = {}
            for filename, record in repodata.get(key, {}).items():
                if drop(record):
                    continue
                kept[filename] = record
                shutil.copy2(repodata_file.parent / filename, subdir_dir / filename)
            repodata[key] = kept
        (subdir_dir / "repodata.json").write_text(_dumps(repodata), encoding="utf-8")
    return dst_root.as_uri()


# --- a small, realistic universe -------------------------------------------------------------

# The virtual package each platform's native code requires (conda-forge / defaults style).
VIRTUAL_DEPS = {
    "linux-64": "__glibc >=2.17",
    "linux-aarch64": "__glibc >=2.17",
    "osx-64": "__osx >=10.15",
    "osx-arm64": "__osx >=11.0",
    "win-64": "__win",
}
PYTHONS = {"3.11": "3.11.9", "3.12": "3.12.4"}


def virtual_packages_for(subdir: str, *, cuda: str | None = None) -> list[tuple[str, str]]:
    """(name, version) of the virtual packages a typical machine of `subdir` has."""
    if subdir.startswith("linux"):
        found = [("__unix", "0"), ("__linux", "6.1"), ("__glibc", "2.28")]
    elif subdir.startswith("osx"):
        found = [("__unix", "0"), ("__osx", "14.5")]
    else:
        found = [("__win", "0")]
    if cuda:
        found.append(("__cuda", cuda))
    return found


def _build_hash(*parts: str) -> str:
    return "h" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:7]


def _native_packages(subdir: str) -> list[Pkg]:
    """Compilers' runtimes and C libraries: the deep chains ending in a virtual package."""
    virtual = VIRTUAL_DEPS[subdir]

    def pkg(
        name: str, version: str, *depends: str, lic: str = "MIT", suffix: str = "", **kw: Any
    ) -> Pkg:
        build = f"{_build_hash(name, version, subdir)}_{kw.get('build_number', 0)}{suffix}"
        return Pkg(name, version, build, depends=depends, subdir=subdir, license=lic, **kw)

    linux, osx, win = subdir.startswith("linux"), subdir.startswith("osx"), subdir == "win-64"
    if linux:
        c_runtime = ("libgcc-ng >=11.2.0",)
        cxx_runtime = ("libgcc-ng >=11.2.0", "libstdcxx-ng >=11.2.0")
        gfortran = ("libgfortran-ng",)
        out = [
            pkg("libgomp", "14.2.0", virtual, lic="GPL-3.0-only WITH GCC-exception-3.1"),
            pkg("libgcc-ng", "14.2.0", virtual, "libgomp 14.2.0", lic="GPL-3.0-only"),
            pkg("libstdcxx-ng", "14.2.0", "libgcc-ng 14.2.0", lic="GPL-3.0-only"),
            pkg("libgfortran5", "14.2.0", "libgcc-ng >=14.2.0", lic="GPL-3.0-only"),
            pkg("libgfortran-ng", "14.2.0", "libgfortran5 14.2.0", lic="GPL-3.0-only"),
        ]
    elif osx:
        c_runtime = ()
        cxx_runtime = ("libcxx >=14.0.6",)
        gfortran = ("libgfortran 5.*",)
        out = [
            pkg("llvm-openmp", "18.1.8", virtual, lic="Apache-2.0 WITH LLVM-exception"),
            pkg("libcxx", "18.1.8", virtual, lic="Apache-2.0 WITH LLVM-exception"),
            pkg("libgfortran5", "13.2.0", "llvm-openmp >=8.0.0", virtual, lic="GPL-3.0-only"),
            pkg("libgfortran", "5.0.0", "libgfortran5 13.2.0", lic="GPL-3.0-only"),
        ]
    else:
        c_runtime = ("vc >=14.2,<15", "vc14_runtime >=14.29.30133")
        cxx_runtime = c_runtime
        gfortran = ()
        out = [
            pkg("ucrt", "10.0.22621.0", virtual, lic="LicenseRef-MicrosoftWindowsSDK10"),
            pkg("vc14_runtime", "14.40.33810", "ucrt >=10.0.20348.0", lic="LicenseRef-MSVC"),
            pkg("vc", "14.40", "vc14_runtime >=14.40.33810", lic="BSD-3-Clause"),
            pkg("intel-openmp", "2023.1.0", virtual, lic="LicenseRef-ProprietaryIntel"),
            pkg("mkl", "2023.1.0", "intel-openmp 2023.*", *c_runtime, lic="LicenseRef-Intel"),
        ]
    blas = ("mkl >=2023.1.0,<2024.0a0",) if win else ("libopenblas >=0.3.27,<1.0a0",)
    if not win:
        out += [
            pkg("libopenblas", "0.3.27", *gfortran, *c_runtime, lic="BSD-3-Clause"),
            pkg("ncurses", "6.4", *c_runtime, lic="X11 AND BSD-3-Clause"),
            pkg("readline", "8.2", "ncurses >=6.4,<7.0a0", *c_runtime, lic="GPL-3.0-only"),
        ]
    unix_deps = () if win else ("ncurses >=6.4,<7.0a0", "readline >=8.0,<9.0a0")
    out += [
        pkg("zlib", "1.3.1", *c_runtime, lic="Zlib"),
        pkg("xz", "5.4.6", *c_runtime, lic="LGPL-2.1-or-later"),
        pkg("bzip2", "1.0.8", *c_runtime, lic="bzip2-1.0.6"),
        pkg("libffi", "3.4.4", *c_runtime),
        pkg("yaml", "0.2.5", *c_runtime),
        pkg("zstd", "1.5.6", "xz >=5.4.6,<6.0a0", "zlib >=1.2.13,<2.0a0", *c_runtime),
        pkg("openssl", "3.0.15", "ca-certificates", *c_runtime, lic="Apache-2.0"),
        pkg("tk", "8.6.14", "zlib >=1.2.13,<2.0a0", *c_runtime, lic="TCL"),
        pkg("sqlite", "3.45.3", "zlib >=1.2.13,<2.0a0", *unix_deps, *c_runtime, lic="blessing"),
    ]
    if not osx:  # no CUDA on macOS
        out.append(pkg("cuda-only", "1.0.0", "__cuda >=12", *cxx_runtime))
    for minor, full in PYTHONS.items():
        tag = "cp" + minor.replace(".", "")
        out.append(
            Pkg(
                "python_abi",
                minor,
                f"5_{tag}",
                5,
                constrains=(f"python {minor}.* *_cpython",),
                subdir=subdir,
                license="BSD-3-Clause",
            )
        )
        out.append(
            pkg(
                "python",
                full,
                "bzip2 >=1.0.8,<2.0a0",
                "libffi >=3.4,<4.0a0",
                "openssl >=3.0.14,<4.0a0",
                "sqlite >=3.45.3,<4.0a0",
                "tk >=8.6.14,<8.7.0a0",
                "tzdata",
                "xz >=5.4.6,<6.0a0",
                "zlib >=1.2.13,<2.0a0",
                *unix_deps,
                *c_runtime,
                *(() if win else (virtual,)),
                lic="Python-2.0",
                build_number=1,
                suffix="_cpython",  # what python_abi's `python 3.X.* *_cpython` matches
                constrains=(f"python_abi {minor}.* *_{tag}",),
            )
        )
    out += _python_extensions(subdir, c_runtime, cxx_runtime, blas)
    return out


def _python_extensions(
    subdir: str, c_runtime: tuple[str, ...], cxx_runtime: tuple[str, ...], blas: tuple[str, ...]
) -> list[Pkg]:
    """Compiled Python packages: one build per Python version (a `pyXYZ` build string)."""
    out: list[Pkg] = []
    for minor in PYTHONS:
        out += _extensions_for(minor, subdir, c_runtime, cxx_runtime, blas)
    return out


def _extensions_for(
    minor: str,
    subdir: str,
    c_runtime: tuple[str, ...],
    cxx_runtime: tuple[str, ...],
    blas: tuple[str, ...],
) -> list[Pkg]:
    tag = minor.replace(".", "")
    major, number = minor.split(".")
    py = (f"python >={minor},<{major}.{int(number) + 1}.0a0", f"python_abi {minor}.* *_cp{tag}")

    def ext(name: str, version: str, *depends: str, lic: str = "BSD-3-Clause", **kw: Any) -> Pkg:
        build = f"py{tag}{_build_hash(name, version, subdir, minor)}_0"
        return Pkg(name, version, build, depends=(*depends, *py), subdir=subdir, license=lic, **kw)

    return [
        ext("numpy", "1.26.4", *blas, *c_runtime, constrains=("numpy-base <0a0",)),
        ext("numpy", "2.1.0", *blas, *c_runtime, constrains=("numpy-base <0a0",)),
        ext(
            "scipy",
            "1.14.1",
            "numpy >=1.23.5,<2.3",
            *blas,
            *cxx_runtime,
        ),
        ext(
            "pandas",
            "2.2.2",
            "numpy >=1.26",
            "python-dateutil >=2.8.2",
            "pytz >=2020.1",
            "python-tzdata >=2022.7",
            *cxx_runtime,
        ),
        ext(
            "scikit-learn",
            "1.5.1",
            "numpy >=1.19,<3",
            "scipy >=1.6",
            "joblib >=1.2.0",
            "threadpoolctl >=3.1.0",
            *cxx_runtime,
        ),
        ext(
            "conda",
            "24.11.0",
            "conda-package-handling >=2.2.0",
            "packaging >=23.0",
            "platformdirs >=3.10.0",
            "requests >=2.28.0,<3",
            "ruamel.yaml >=0.11.14,<0.19",
            "tqdm >=4",
            constrains=("conda-build >=24.3", "conda-content-trust >=0.1.1"),
        ),
        ext("ruamel.yaml", "0.18.6", "ruamel.yaml.clib >=0.2.6", lic="MIT"),
        ext("ruamel.yaml.clib", "0.2.8", *c_runtime, lic="MIT"),
        ext("zstandard", "0.23.0", "zstd >=1.5.6,<1.6.0a0", *c_runtime),
        ext("pyyaml", "6.0.1", "yaml >=0.2.5,<0.3.0a0", *c_runtime, lic="MIT"),
    ]


def _noarch_packages() -> list[Pkg]:
    def py(name: str, version: str, *depends: str, lic: str = "MIT", build: str = "") -> Pkg:
        build = build or f"pyh{_build_hash(name, version)[1:]}_0"
        return Pkg(
            name, version, build, depends=("python >=3.8", *depends), license=lic, noarch="python"
        )

    ipython_deps = ("prompt-toolkit >=3.0.41,<3.1.0", "pygments >=2.4.0", "traitlets >=5.13.0")
    return [
        Pkg("ca-certificates", "2024.7.2", "h06a4308_0", license="MPL-2.0", noarch="generic"),
        Pkg("tzdata", "2024a", "h04d1e81_0", license="LicenseRef-Public-Domain", noarch="generic"),
        py("certifi", "2024.8.30", lic="MPL-2.0"),
        py("charset-normalizer", "3.3.2"),
        py("idna", "3.7", lic="BSD-3-Clause"),
        py("urllib3", "2.2.3"),
        py(
            "requests",
            "2.32.3",
            "certifi >=2017.4.17",
            "charset-normalizer >=2,<4",
            "idna >=2.5,<4",
            "urllib3 >=1.21.1,<3",
            lic="Apache-2.0",
        ),
        py("packaging", "24.1", lic="Apache-2.0"),
        py("platformdirs", "4.2.2"),
        py("tqdm", "4.66.5", lic="MPL-2.0 AND MIT"),
        py("conda-package-streaming", "0.11.0", "requests", "zstandard >=0.15", lic="BSD-3-Clause"),
        py(
            "conda-package-handling",
            "2.3.0",
            "conda-package-streaming >=0.9.0",
            "zstandard >=0.15",
            lic="BSD-3-Clause",
        ),
        py("six", "1.16.0"),
        # what conda adds to every python (add_pip_as_python_dependency), as on defaults
        py("pip", "24.2", "setuptools", "wheel"),
        py("setuptools", "72.1.0"),
        py("wheel", "0.44.0", lic="MIT"),
        py("python-dateutil", "2.9.0", "six >=1.5", lic="Apache-2.0 AND BSD-3-Clause"),
        py("pytz", "2024.1"),
        py("python-tzdata", "2024.1", lic="Apache-2.0"),
        py("joblib", "1.4.2", lic="BSD-3-Clause"),
        py("threadpoolctl", "3.5.0", lic="BSD-3-Clause"),
        py(
            "conda-repo-cli",
            "1.0.114",
            "requests >=2.31.0",
            "pyyaml >=6",
            "python-dateutil",
            "tqdm",
            lic="BSD-3-Clause",
        ),
        py("traitlets", "5.14.3", lic="BSD-3-Clause"),
        py("pygments", "2.18.0", lic="BSD-2-Clause"),
        py("prompt-toolkit", "3.0.47", lic="BSD-3-Clause"),
        py("pexpect", "4.9.0", lic="ISC"),
        py("colorama", "0.4.6", lic="BSD-3-Clause"),
        # two noarch builds told apart by __unix / __win, as conda-forge does
        py("ipython", "8.27.0", "__unix", "pexpect >4.3", *ipython_deps, build="pyh707e725_0"),
        py("ipython", "8.27.0", "__win", "colorama", *ipython_deps, build="pyh7428d3b_0"),
    ]


def standard_packages() -> list[Pkg]:
    """A small, realistic universe for all five platforms (about 60 names, 250 records).

    Per platform: python 3.11.9 and 3.12.4 with their C libraries; numpy 1.26.4 and 2.1.0,
    pandas, scipy, scikit-learn, conda 24.11.0, ruamel.yaml, zstandard, pyyaml built per
    Python; native code depends on __glibc >=2.17 (linux), __osx >=10.15 / >=11.0 (osx-64 /
    osx-arm64) or __win, through runtime chains (libgcc-ng -> libgomp, vc -> vc14_runtime
    -> ucrt); `cuda-only` needs __cuda >=12 (not on macOS). noarch: requests and friends,
    conda-package-handling, conda-repo-cli, ipython (one __unix and one __win build), and
    pip with its setuptools and wheel (conda adds pip to every python).
    """
    out = _noarch_packages()
    for subdir in PLATFORM_SUBDIRS:
        out += _native_packages(subdir)
    return out
