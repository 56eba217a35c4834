"""Explain a solve that fails: which specs conflict, which package has no candidate where,
and, given an unfiltered reference channel, exactly what the organization's channels lack.

The reference solve puts the reference channels last with channel priority off, and asks
rattler to prefer the organization's own records, so a package is reported only when the
organization's channels cannot provide what the request needs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from factory.formats.lock_file import Locked
from factory.lock.lockfile import add_pip_as_python_dependency, channel_priority, platform_inputs
from factory.lock.repodata import Fetcher
from factory.lock.solve import Sources, _explain, _solve, needs_pip, to_locked
from factory.platforms import Platform
from factory.profiles.load import LoadedProfile


@dataclass
class Unmatched:
    spec: str
    available: list[str]  # versions the channels do have

    def __str__(self) -> str:
        if not self.available:
            return f"{self.spec}: no package of that name in the build channels"
        shown = ", ".join(self.available[-8:])
        more = f" (and {len(self.available) - 8} older)" if len(self.available) > 8 else ""
        return f"{self.spec}: no candidate matches; the channels have {shown}{more}"


@dataclass
class Diagnosis:
    platform: str
    ok: bool
    packages: int = 0
    explanation: str = ""
    unmatched: list[Unmatched] = field(default_factory=list)
    missing: list[Locked] = field(default_factory=list)  # from the reference channels
    reference_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "ok": self.ok,
            "packages": self.packages,
            "explanation": self.explanation,
            "unmatched": [{"spec": u.spec, "available": u.available} for u in self.unmatched],
            "missing_from_channels": [
                {"name": r.name, "version": r.version, "build": r.build, "channel": r.channel}
                for r in self.missing
            ],
            "reference_error": self.reference_error,
        }


def diagnose(
    loaded: LoadedProfile,
    platforms: list[Platform],
    fetcher: Fetcher,
    references: list[str],
    virtual_overrides: dict[str, str] | None = None,
) -> list[Diagnosis]:
    from factory.profiles import channels as ch

    profile = loaded.profile
    org = Sources(fetcher, ch.build_channels(profile))
    ref = Sources(fetcher, list(references)) if references else None
    try:
        return [_diagnose(profile, p, org, ref, virtual_overrides) for p in platforms]
    finally:
        org.close()
        if ref is not None:
            ref.close()


def _diagnose(
    profile: Any,
    platform: Platform,
    org: Sources,
    ref: Sources | None,
    virtual_overrides: dict[str, str] | None,
) -> Diagnosis:
    entry = platform_inputs(profile, platform, virtual_overrides)
    sparse = org.sparse(platform)
    priority = channel_priority(profile)
    try:
        records = asyncio.run(_solve(entry.specs, sparse, entry.virtual_packages, priority))
        if add_pip_as_python_dependency(profile) and needs_pip(records):
            # what `lock` solves too: pip, as conda adds it to python (solve.needs_pip)
            entry = entry.model_copy(update={"specs": [*entry.specs, "pip"]})
            records = asyncio.run(_solve(entry.specs, sparse, entry.virtual_packages, priority))
    except Exception as exc:  # rattler's SolverError: explained below
        result = Diagnosis(platform.value, ok=False, explanation=_explain(exc))
        result.unmatched = _unmatched(entry.specs, sparse)
        if ref is not None:
            _compare_with_reference(result, entry, sparse, ref.sparse(platform))
        return result
    return Diagnosis(platform.value, ok=True, packages=len(records))


def _unmatched(specs: list[str], sparse: list[Any]) -> list[Unmatched]:
    """Top-level specs with no candidate at all in the channels for this platform."""
    import rattler

    out = []
    for text in specs:
        spec = rattler.MatchSpec(text)
        name = spec.name
        records = [r for s in sparse for r in s.load_records(rattler.PackageName(name.normalized))]
        if any(spec.matches(r) for r in records):
            continue
        versions = sorted({r.version for r in records})
        out.append(Unmatched(text, [str(v) for v in versions]))
    return out


def _compare_with_reference(
    result: Diagnosis, entry: Any, org_sparse: list[Any], ref_sparse: list[Any]
) -> None:
    import rattler

    combined = org_sparse + ref_sparse
    try:
        first = asyncio.run(_solve(entry.specs, combined, entry.virtual_packages, "disabled"))
        # second pass: prefer the organization's newest record of every package involved
        preferred = []
        for record in first:
            own = [r for s in org_sparse for r in s.load_records(record.name)]
            if own:
                preferred.append(max(own, key=lambda r: (r.version, r.build_number)))
        records = asyncio.run(
            _solve(entry.specs, combined, entry.virtual_packages, "disabled", locked=preferred)
        )
    except Exception as exc:
        result.reference_error = _explain(exc)
        return
    names = {r.name.normalized for r in records}
    have = {
        (r.name.normalized, str(r.version), str(r.build), str(r.subdir))
        for s in org_sparse
        for name in names
        for r in s.load_records(rattler.PackageName(name))
    }
    result.missing = sorted(
        to_locked(r)
        for r in records
        if (r.name.normalized, str(r.version), str(r.build), str(r.subdir)) not in have
    )
