"""Explain a solve that fails: which specs conflict, which package has no candidate where,
and, given an unfiltered reference channel, exactly what the organization's channels lack.

The reference solve puts the reference channels last with channel priority off, and asks
rattler to prefer the organization's own records, so a package is reported only when the
organization's channels cannot provide what the request needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from factory.formats.lock_file import Locked
from factory.lock import rattler_calls
from factory.lock.lockfile import add_pip_as_python_dependency, channel_priority, platform_inputs
from factory.lock.repodata import Fetcher
from factory.lock.solve import (
    Progress,
    Sources,
    _explain,
    _quiet,
    _solve,
    needs_pip,
    record_count,
    to_locked,
)
from factory.lock.specs import check_specs, parse
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
    progress: Progress | None = None,
) -> list[Diagnosis]:
    """One Diagnosis per platform and per extra environment on it. A spec the solver
    cannot read is a ProfileInvalid before anything is fetched; `progress` hears one line
    per fetch and per solve."""
    from factory.profiles import channels as ch

    check_specs(loaded)
    profile = loaded.profile
    say = progress or _quiet
    org = Sources(fetcher, ch.build_channels(profile), say)
    ref = Sources(fetcher, list(references), say) if references else None
    # extra environments with channels of their own read them through their own Sources
    by_channels = {tuple(org.channels): org}
    out = []
    try:
        for platform in platforms:
            entry = platform_inputs(profile, platform, virtual_overrides)
            out.append(_diagnose(profile, platform.value, entry, org.sparse(platform), ref, org))
            for name, env in entry.envs.items():
                own = by_channels.setdefault(
                    tuple(env.channels), Sources(fetcher, env.channels, say)
                )
                inputs = entry.model_copy(update={"specs": env.specs, "envs": {}})
                label = f"{platform.value} envs/{name}"
                out.append(_diagnose(profile, label, inputs, own.sparse(platform), ref, org))
        return out
    finally:
        for sources in by_channels.values():
            sources.close()
        if ref is not None:
            ref.close()


def _diagnose(
    profile: Any,
    label: str,
    entry: Any,
    sparse: list[Any],
    ref: Sources | None,
    org: Sources,
) -> Diagnosis:
    """One environment of one platform (`label`: the platform, or `<platform> envs/<name>`)."""
    platform = Platform(label.split()[0])
    priority = channel_priority(profile)
    add_pip = add_pip_as_python_dependency(profile)
    org.progress(f"solving {label} ({record_count(sparse):,} records)")
    try:
        # as `lock` solves: pip added to python as conda adds it (solve._solve)
        records = rattler_calls.run(
            _solve(entry.specs, sparse, entry.virtual_packages, priority, add_pip=add_pip)
        )
    except Exception as exc:  # rattler's SolverError: explained below
        result = Diagnosis(label, ok=False, explanation=_explain(exc))
        specs = entry.specs
        if add_pip and _pip_is_the_trouble(entry, sparse, priority):
            specs = [*specs, "pip"]
            entry = entry.model_copy(update={"specs": specs})
        result.unmatched = _unmatched(specs, sparse)
        if ref is not None:
            _compare_with_reference(result, entry, sparse, ref.sparse(platform), add_pip)
        return result
    return Diagnosis(label, ok=True, packages=len(records))


def _pip_is_the_trouble(entry: Any, sparse: list[Any], priority: str) -> bool:
    """Whether the specs solve without conda's pip-for-python but need pip: then pip is
    one of the specs to explain."""
    try:
        records = rattler_calls.run(_solve(entry.specs, sparse, entry.virtual_packages, priority))
    except Exception:  # does not solve either way: pip is not the (only) trouble
        return False
    return needs_pip(records)


def _unmatched(specs: list[str], sparse: list[Any]) -> list[Unmatched]:
    """Top-level specs with no candidate at all in the channels for this platform."""
    import rattler

    out = []
    for text in specs:
        spec = parse(text)  # check_specs has read every spec already
        name = spec.name
        if name is None:
            continue  # a spec without a name (`*`) has candidates if anything does
        records = [r for s in sparse for r in s.load_records(rattler.PackageName(name.normalized))]
        if any(spec.matches(r) for r in records):
            continue
        versions = sorted({r.version for r in records})
        out.append(Unmatched(text, [str(v) for v in versions]))
    return out


def _compare_with_reference(
    result: Diagnosis, entry: Any, org_sparse: list[Any], ref_sparse: list[Any], add_pip: bool
) -> None:
    import rattler

    combined = org_sparse + ref_sparse
    try:
        first = rattler_calls.run(
            _solve(entry.specs, combined, entry.virtual_packages, "disabled", add_pip=add_pip)
        )
        # second pass: prefer the organization's newest record of every package involved
        preferred = []
        for record in first:
            own = [r for s in org_sparse for r in s.load_records(record.name)]
            if own:
                preferred.append(max(own, key=lambda r: (r.version, r.build_number)))
        records = rattler_calls.run(
            _solve(
                entry.specs,
                combined,
                entry.virtual_packages,
                "disabled",
                locked=preferred,
                add_pip=add_pip,
            )
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
