"""The CI engines `matrix ci` writes pipelines for, and where each looks for its file.
Plain data, so the command line can offer them without importing the generator."""

from __future__ import annotations

from typing import Literal

Engine = Literal["github", "gitlab", "azure"]
ENGINES: tuple[Engine, ...] = ("github", "gitlab", "azure")
DEFAULT_MATRIX = "build-matrix.yml"  # looked for in the working directory
TARGET_FILES: dict[Engine, str] = {
    "github": ".github/workflows/installers.yml",
    "gitlab": ".gitlab-ci.yml",
    "azure": "azure-pipelines.yml",
}
