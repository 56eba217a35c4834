"""The post-install step that puts `condarc.enforce`'s final settings in place.

The installer carries the file at a staged path; the step adds the CA bundle's
`ssl_verify` when that is enforced (its value is the installed path), sets who may read
it (every user in an all-users install, the owner in a per-user one) and moves it into
`condarc.d/`, after the packages are installed (factory/profiles/enforce.py says why).
"""

from __future__ import annotations

from dataclasses import dataclass

from factory.platforms import Platform
from factory.profiles.enforce import (
    ENFORCED_DIR_RELPATH,
    ENFORCED_FILE,
    ENFORCED_RELPATH,
    ENFORCED_STAGED_RELPATH,
    enforced_file,
    enforces_ca_bundle,
)
from factory.profiles.model import Profile


@dataclass(frozen=True)
class EnforceStep:
    project_file: str  # the file in the project, as construct.yaml's extra_files names it
    data: bytes
    staged: str  # relative to the prefix, with the OS's separators
    folder: str
    final: str
    ca_bundle: bool  # append `ssl_verify: <installed CA bundle>` final

    @property
    def staged_posix(self) -> str:
        return "/".join(ENFORCED_STAGED_RELPATH)


def enforce_step(profile: Profile, platform: Platform) -> EnforceStep | None:
    text = enforced_file(profile)
    if text is None:
        return None
    sep = platform.facts.sep
    return EnforceStep(
        project_file=ENFORCED_FILE,
        data=text.encode("utf-8"),
        staged=sep.join(ENFORCED_STAGED_RELPATH),
        folder=sep.join(ENFORCED_DIR_RELPATH),
        final=sep.join(ENFORCED_RELPATH),
        ca_bundle=enforces_ca_bundle(profile),
    )
