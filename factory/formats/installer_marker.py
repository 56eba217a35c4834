"""installer.json: which release an installation holds.

Rendered into every project with a `deploy` section and installed under MARKER_RELPATH
(factory.platforms), where the deployment wrappers and detection rules read the version.
The wrappers parse it line by line, so it stays flat: one key per line.
"""

from __future__ import annotations

from factory.formats.base import JsonFile
from factory.platforms import Platform


class InstallerMarker(JsonFile):
    name: str
    version: str
    platform: Platform
