"""Where every output lives: folder and file names, in one place.

    OUTPUT/
      manifest.json, DEPLOY.md              every installer under OUTPUT (after a build)
      index.html, release-page.json         the release page and its data (factory/pages)
      <installer name>/<platform>/          render: the constructor project itself
                                            build: installers, <installer>.sha256,
                                            build.log, build-report.json, sbom.cdx.json,
                                            project/ (what was built), deploy/<type>/
      <installer name>/<platform>-failed/   build: a failed job's log and report

A project holds construct.yaml, its scripts and these files of ours.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from factory.platforms import Platform

# in every folder we write, so that we only ever replace folders we made
STAMP_FILE = ".installer-factory.json"

# --- inside a rendered project ------------------------------------------------------------
CA_BUNDLE_FILE = "ca-bundle.pem"
# Baked tokens are listed in construct.yaml but never written by render: `build` puts
# them into a private copy of the project just before constructor runs.
TOKENS_DIR = "tokens"
# with a `deploy` section: name, version and platform, installed for the wrappers to check
MARKER_FILE = "installer.json"
FACTS_FILE = "deploy.json"  # facts for the deployment kit; not shipped in the installer
# with a lock: the platform's locked records as conda's explicit list (`@EXPLICIT`, URL and
# hash per line), construct.yaml's `environment_file`. `.txt`: constructor runs
# `conda create --file` on it (a `.yml` would go through `conda env create`)
ENVIRONMENT_FILE = "environment.txt"

# --- inside a build folder ------------------------------------------------------------------
REPORT_FILE = "build-report.json"
LOG_FILE = "build.log"
SBOM_FILE = "sbom.cdx.json"
PROJECT_DIR = "project"  # the project that was built, token-free
KITS_DIR = "deploy"  # deploy/<installer type>/
FAILED_SUFFIX = "-failed"

# --- at the top of an output folder -----------------------------------------------------------
MANIFEST_FILE = "manifest.json"
INDEX_FILE = "DEPLOY.md"
PAGE_FILE = "index.html"  # the release page (factory/pages)
PAGE_DATA_FILE = "release-page.json"  # what the page shows, as data


def platform_relpath(name: str, platform: Platform) -> PurePosixPath:
    """`<installer name>/<platform>`: a project's or a build's place under OUTPUT."""
    return PurePosixPath(name) / platform.value


def platform_dir(root: Path, name: str, platform: Platform) -> Path:
    return root / platform_relpath(name, platform)


def failed_dir(build_dir: Path) -> Path:
    return build_dir.with_name(build_dir.name + FAILED_SUFFIX)


def report_files(root: Path) -> list[Path]:
    """Every build report directly under OUTPUT/<name>/<platform>/, sorted."""
    return sorted(root.glob(f"*/*/{REPORT_FILE}"))


def output_root(build_dir: Path) -> Path:
    """OUTPUT, from one of its build folders."""
    return build_dir.parent.parent


def kit_dir(build_dir: Path, installer_type: str) -> Path:
    return build_dir / KITS_DIR / installer_type


def facts_file(build_dir: Path) -> Path:
    return build_dir / PROJECT_DIR / FACTS_FILE
