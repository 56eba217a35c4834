"""Rendering throughput: 100 generated profiles x 5 platforms, in process.

Goal (issue "Speed"): rendering costs under 5 ms per project (one profile on one platform).
Profiles are generated into a temporary directory (names, package groups, channels, remaps,
extends, licences, images, CA certificates made at run time with cryptography, PSM auth),
loaded once with factory.profiles.load.load_profile, then rendered with
factory.render.project.render_project in memory and, separately timed, written with
factory.output.staged.write_projects. Each measurement is repeated and the median reported.
Exit status: 0 goal met, 1 goal missed, 2 a generated profile did not load.

    python benchmarks/bench_render.py [--profiles 100] [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOAL_MS = 5.0

# Package names drawn per profile; each profile lists each name once (a validation rule).
POOL = [
    "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn", "bokeh", "dask",
    "distributed", "xarray", "netcdf4", "h5py", "pytables", "pyarrow", "polars", "duckdb",
    "sqlalchemy", "psycopg2", "requests", "httpx", "aiohttp", "fastapi", "uvicorn", "flask",
    "jupyterlab", "notebook", "ipython", "ipywidgets", "nbconvert", "black", "ruff", "mypy",
    "pytest", "hypothesis", "coverage", "sphinx", "statsmodels", "sympy", "numba", "cython",
    "pillow", "opencv", "scikit-image", "networkx", "shapely", "geopandas", "pyproj", "rasterio",
    "lxml", "beautifulsoup4", "openpyxl", "xlrd", "pyyaml", "toml", "click", "rich", "tqdm",
    "joblib", "cloudpickle", "fsspec", "s3fs", "boto3", "pydantic", "attrs", "cryptography",
]  # fmt: skip
CONSTRAINTS = ["", " >=1.0", " >=2", " 1.*", "[version='>=0.5']", " >=3.1,<4"]
CHANNEL_SETS = [
    (["conda-forge"], []),
    (["defaults"], []),
    (
        ["https://conda.anaconda.org/conda-forge"],
        [("https://conda.anaconda.org/conda-forge", "https://mirror.{org}.internal/conda-forge")],
    ),
    (
        ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"],
        [
            ("https://repo.anaconda.com/pkgs/main", "https://psm.{org}.internal/api/repo/main"),
            ("https://repo.anaconda.com/pkgs/r", "https://psm.{org}.internal/api/repo/r"),
        ],
    ),
    # a remap whose source is not listed under channels: it is added to the build channels
    ([], [("https://conda.anaconda.org/bioconda", "https://mirror.{org}.internal/bioconda")]),
]
PLATFORMS = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]


def make_certificates(directory: Path) -> list[str]:
    """Self-signed CA certificates made now (nothing secret is committed); file names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    def cert(common_name: str, key: Any) -> bytes:
        now = dt.datetime.now(dt.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        built = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return built.public_bytes(serialization.Encoding.PEM)

    directory.mkdir(parents=True, exist_ok=True)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    keys.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    pems = [cert(f"Bench Root CA {n}", key) for n, key in enumerate(keys)]
    files = []
    for number, pem in enumerate(pems):
        (directory / f"root-{number}.pem").write_bytes(pem)
        files.append(f"root-{number}.pem")
    # one file holding two certificates, as corporate bundles often do
    (directory / "chain.pem").write_bytes(pems[0] + pems[3])
    files.append("chain.pem")
    return files


def make_profile(index: int, rng: random.Random, certs: list[str]) -> dict[str, Any]:
    org = f"org{index:03d}"
    data: dict[str, Any] = {"name": f"Bench-{index:03d}", "company": f"Bench Org {index}"}
    if index % 5 == 0:
        data["extends"] = "bench-base"
    if index % 2:
        month = f"2026-{index % 12 + 1:02d}"
        rebuild = "a" if index % 3 == 0 else ""
        data["release"] = {"series": "bench_series", "month": month, "rebuild": rebuild}
    else:
        data["version"] = f"1.{index}.0"

    channels, remaps = CHANNEL_SETS[index % len(CHANNEL_SETS)]
    if channels:
        data["channels"] = list(channels)
    if remaps:
        data["channels_remap"] = [{"src": s, "dest": d.format(org=org)} for s, d in remaps]

    names = rng.sample(POOL, rng.randint(4, 24))
    psm = index % 4 == 1
    base = [f"python 3.{rng.choice([10, 11, 12, 13])}.*", "conda >=24.11"]
    if psm:
        base.append("conda-repo-cli")  # the PSM post-install step runs `conda repo`
    groups = {"base": base}
    for number in range(rng.randint(1, 4)):
        take, names = names[: len(names) // 2 or 1], names[len(names) // 2 or 1 :]
        groups[f"group{number}"] = [n + rng.choice(CONSTRAINTS) for n in take]
    packages: dict[str, Any] = {"specs": groups}
    if index % 3 == 0:
        packages["os"] = {"win": {"shortcuts": ["menuinst >=2", "console_shortcut"]}}
        packages["virtual_specs"] = {"linux": ["__glibc >=2.17"], "osx": ["__osx >=11"]}
    if index % 7 == 0:
        packages["platform"] = {"linux-aarch64": {"arm": ["openblas"]}}
        packages["exclude"] = ["tk"]
    data["packages"] = packages

    if index % 3 == 2:
        chosen = rng.sample(certs, rng.randint(1, 2))
        data["ca_certs"] = {Path(c).stem: f"certs/{c}" for c in chosen}
        data["condarc"] = {"ssl_verify": "ca_bundle"}
    if psm:
        data["auth"] = {
            "psm": {
                "site": f"site{index}",
                "url": f"https://psm.{org}.internal/api",
                "oauth2": bool(index % 2),
                "settings": {"max_retries": "3", "timeout": str(10 + index)},
            }
        }
    condarc = data.setdefault("condarc", {})
    if index % 6 == 0:
        condarc["settings"] = {"auto_update_conda": False}
        condarc["proxy_servers"] = {"https": f"http://proxy.{org}.internal:3128"}
    if not condarc:
        del data["condarc"]

    install: dict[str, Any] = {
        "default_prefix": {"linux": f"/opt/{org}/env", "win": f"%USERPROFILE%\\{org}"},
        "uninstall_name": f"Bench {index}",
        "reverse_domain_identifier": f"internal.{org}.bench",
    }
    if index % 4 == 0:
        install["default_location_pkg"] = "Library"
        install["pkg_domains"] = {"enable_localSystem": True}
        install["build_outputs"] = ["hash", "info.json"]
        install["script_env_variables"] = {"ORG": org}
    if index % 8 == 3:
        install["initialize_conda"] = "condabin"
        groups["base"][1] = "conda >=25.5"
    data["install"] = install
    if index % 10 == 4:
        data["installer_types"] = {"osx": ["pkg", "sh"]}
    if index % 9 == 1:
        data["images"] = {"welcome": "art/welcome.png", "icon": "art/icon.ico"}
    return data


def generate(directory: Path, count: int, seed: int) -> list[Path]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    certs = make_certificates(directory / "certs")
    (directory / "art").mkdir()
    (directory / "art" / "welcome.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    (directory / "art" / "icon.ico").write_bytes(b"\x00\x00\x01\x00" + os.urandom(1024))
    (directory / "eula.txt").write_text("Bench licence.\n" * 200, encoding="ascii")
    base = {"abstract": True, "license_file": "eula.txt", "install": {"keep_pkgs": True}}
    with (directory / "bench-base.yaml").open("w", encoding="utf-8") as stream:
        yaml.dump(base, stream)
    rng = random.Random(seed)
    files = []
    for index in range(count):
        file = directory / f"bench-{index:03d}.yaml"
        with file.open("w", encoding="utf-8") as stream:
            yaml.dump(make_profile(index, rng, certs), stream)
        files.append(file)
    return files


def per_project(seconds: list[float], projects: int) -> dict[str, float]:
    ms = [s * 1000 / projects for s in seconds]
    return {
        "median": round(statistics.median(ms), 3),
        "min": round(min(ms), 3),
        "max": round(max(ms), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100, help="profiles (default 100)")
    parser.add_argument("--repeats", type=int, default=5, help="measured repeats (default 5)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--goal", type=float, default=GOAL_MS, help="ms per project (default 5)")
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.profiles < 1 or args.repeats < 1:
        parser.error("--profiles and --repeats must be >= 1")

    # run from the checkout without installing (python benchmarks/bench_render.py)
    sys.path.insert(0, str(REPO))
    from factory.errors import FactoryError, ProfileInvalid
    from factory.output.staged import write_projects
    from factory.profiles.load import load_profile
    from factory.render.project import render_project

    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp)
        profiles_dir = root / "profiles"
        for old in (profiles_dir, *root.glob("out-*")):
            if old.exists():
                shutil.rmtree(old)  # a previous --keep run into the same DIR
        profiles_dir.mkdir(parents=True)
        files = generate(profiles_dir, args.profiles, args.seed)

        start = time.perf_counter()
        try:
            loaded = [load_profile(f) for f in files]
        except ProfileInvalid as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 2
        except FactoryError as exc:
            print(f"bench_render: {exc}", file=sys.stderr)
            return 2
        load_s = time.perf_counter() - start
        jobs = [(item, p) for item in loaded for p in item.profile.platforms]
        warnings = sum(len(item.warnings) for item in loaded)

        # first pass: Jinja compiles the templates once per process; reported, not gated
        start = time.perf_counter()
        first = [render_project(item, p) for item, p in jobs]
        cold_s = time.perf_counter() - start
        files_per_run = sum(len(p.files) for p in first)
        bytes_per_run = sum(len(d) for p in first for d in p.files.values())
        del first

        render_s: list[float] = []
        write_s: list[float] = []
        for repeat in range(args.repeats):
            start = time.perf_counter()
            projects = [render_project(item, p) for item, p in jobs]
            middle = time.perf_counter()
            out = root / f"out-{repeat}"  # fresh each time: first-render cost, no swaps
            write_projects(projects, out)
            end = time.perf_counter()
            render_s.append(middle - start)
            write_s.append(end - middle)
            if not (args.keep and repeat == args.repeats - 1):  # --keep: leave the last one
                shutil.rmtree(out)

    count = len(jobs)
    render = per_project(render_s, count)
    both = per_project([r + w for r, w in zip(render_s, write_s, strict=True)], count)
    write = per_project(write_s, count)
    passed = render["median"] < args.goal
    if args.json:
        report = {
            "benchmark": "render",
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
            "profiles": len(loaded),
            "projects": count,
            "repeats": args.repeats,
            "seed": args.seed,
            "warnings": warnings,
            "files_per_run": files_per_run,
            "bytes_per_run": bytes_per_run,
            "load_ms_per_profile": round(load_s * 1000 / len(loaded), 3),
            "first_pass_ms_per_project": round(cold_s * 1000 / count, 3),
            "render_ms_per_project": render,
            "write_ms_per_project": write,
            "render_write_ms_per_project": both,
            "goal_render_ms_per_project_max": args.goal,
            "pass": passed,
        }
        print(json.dumps(report, indent=2))
    else:
        print(
            f"render: {len(loaded)} profiles x platforms = {count} projects "
            f"({files_per_run} files, {bytes_per_run / 1e6:.1f} MB), {args.repeats} repeats, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)"
        )
        print(f"  load (validate)   {load_s * 1000 / len(loaded):7.2f} ms per profile")
        cold = cold_s * 1000 / count
        print(f"  first pass        {cold:7.2f} ms per project (templates compile)")
        for label, figures in (("render", render), ("write", write), ("render+write", both)):
            print(
                f"  {label:<17} {figures['median']:7.2f} ms per project"
                f"  (min {figures['min']:.2f}, max {figures['max']:.2f})"
            )
        verdict = "PASS" if passed else "FAIL"
        print(f"  goal: render < {args.goal:.1f} ms per project  {verdict}")
        print(f"result: {verdict}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
