"""Resolve `extends:` chains and merge profile layers, remembering where each value came from.

Merge rules (README "Layered profiles"):
- mappings deep-merge, the extending profile's keys win;
- lists and scalars replace the inherited value whole;
- a key set to null (`~`) removes the inherited value;
- `extends` and `abstract` belong to the file that says them and are never inherited.
Anything a layer may want to add to (package groups, CA certificates) is a mapping keyed
by name, so adding needs no special list rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.errors import InputError, Location, display_path
from factory.profiles.yamlfile import Document, Path_, load_yaml_file

PROFILE_SUFFIXES = (".yaml", ".yml")
MAX_CHAIN = 16
OWN_KEYS = ("extends", "abstract")


@dataclass
class Layered:
    """A merged profile: data, positions, and the chain of files it came from (base first)."""

    data: dict[str, Any]
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    files: dict[Path_, Path] = field(default_factory=dict)  # top-level key -> source file
    chain: list[Path] = field(default_factory=list)
    abstract: bool = False

    @property
    def leaf(self) -> Path:
        return self.chain[-1]

    def location(self, path: Path_, *, key: bool = False) -> Location:
        """Where `path` (or its nearest recorded ancestor) stands; the leaf file otherwise."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return Location(display_path(self.leaf), 1, 1)

    def source_file(self, path: Path_) -> Path:
        """The file a value came from; relative paths in it are relative to that file."""
        probe = tuple(path)
        while probe:
            if probe in self.files:
                return self.files[probe]
            probe = probe[:-1]
        return self.leaf


def find_profile(ref: str, *, relative_to: Path | None, search_paths: Iterable[Path]) -> Path:
    """A profile given as a path, or as a name looked up beside `relative_to` then on the
    search paths (`NAME.yaml`, `NAME.yml`)."""
    looks_like_path = "/" in ref or "\\" in ref or ref.endswith(PROFILE_SUFFIXES)
    base_dir = relative_to.parent if relative_to else Path.cwd()
    if looks_like_path:
        candidate = Path(ref).expanduser()
        candidate = candidate if candidate.is_absolute() else base_dir / candidate
        if relative_to and candidate.is_dir():
            raise InputError(_directory_named(ref, candidate))
        return candidate
    dirs = [base_dir, *search_paths] if relative_to else [*search_paths]
    for directory in dirs:
        for suffix in PROFILE_SUFFIXES:
            candidate = Path(directory).expanduser() / f"{ref}{suffix}"
            if candidate.is_file():
                return candidate
    if not relative_to and Path(ref).exists():
        return Path(ref)
    if relative_to and (base_dir / ref).is_dir():
        raise InputError(_directory_named(ref, base_dir / ref))
    where = ", ".join(display_path(d) for d in dirs) or "no search paths configured"
    raise InputError(f"profile {ref!r} not found (looked in: {where})")


def _directory_named(ref: str, directory: Path) -> str:
    """`extends: org/`: say which profile files the folder holds."""
    inside = sorted(p.name for p in directory.iterdir() if p.name.endswith(PROFILE_SUFFIXES))
    folder = ref.rstrip("/\\")
    example = f"{folder}/{inside[0]}" if inside else f"{folder}/<profile>.yaml"
    holds = f" (it holds {', '.join(inside)})" if inside else ""
    return f"{ref}: is a directory; name one profile file in it, e.g. {example}{holds}"


def load_layered(file: Path, *, search_paths: Iterable[Path] = ()) -> Layered:
    """Load `file` and every profile it extends, merged base-first."""
    search_paths = list(search_paths)
    docs: list[Document] = []
    seen: list[Path] = []
    current: Path | None = file
    origin: Location | None = None  # the `extends:` that led to `current`
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(display_path(p) for p in [*seen, resolved])
            raise InputError(f"{origin}: extends: cycle between profiles: {cycle}")
        if len(seen) >= MAX_CHAIN:
            raise InputError(f"{display_path(file)}: extends chain longer than {MAX_CHAIN}")
        seen.append(resolved)
        try:
            doc = load_yaml_file(current)
        except InputError as exc:
            if origin is None:
                raise
            raise InputError(f"{origin}: extends: {exc}") from None
        docs.append(doc)
        parent = doc.data.get("extends")
        origin = doc.values.get(("extends",), Location(display_path(current)))
        if parent is None:
            current = None
        elif not isinstance(parent, str) or not parent.strip():
            raise InputError(f"{origin}: extends: must name one profile (a file or a name)")
        else:
            try:
                current = find_profile(parent, relative_to=current, search_paths=search_paths)
            except InputError as exc:
                raise InputError(f"{origin}: extends: {exc}") from None
    docs.reverse()
    merged = Layered(data={})
    for doc in docs:
        _merge_into(merged, doc)
    leaf = docs[-1]
    merged.chain = [d.file for d in docs]
    merged.abstract = leaf.data.get("abstract") is True
    for key in OWN_KEYS:
        if key in leaf.data:  # kept so the model can type-check them and point at them
            merged.data[key] = leaf.data[key]
            merged.values[(key,)] = leaf.values.get((key,), Location(display_path(leaf.file)))
            merged.keys[(key,)] = leaf.keys.get((key,), merged.values[(key,)])
    return merged


def _drop_under(table: dict[Path_, Any], prefix: Path_) -> None:
    n = len(prefix)
    for path in [p for p in table if p[:n] == prefix]:
        del table[path]


def _copy_under(dst: dict[Path_, Any], src: dict[Path_, Any], prefix: Path_) -> None:
    n = len(prefix)
    for path, value in src.items():
        if path[:n] == prefix:
            dst[path] = value


def _merge_into(merged: Layered, doc: Document) -> None:
    for key in OWN_KEYS:
        merged.data.pop(key, None)
    _merge_mapping(merged, merged.data, doc.data, doc, ())


def _merge_mapping(
    merged: Layered, target: dict[str, Any], incoming: dict[str, Any], doc: Document, path: Path_
) -> None:
    for key, value in incoming.items():
        sub = (*path, key)
        if not path and key in OWN_KEYS:
            continue
        old = target.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged.keys[sub] = doc.keys.get(sub, merged.keys.get(sub))
            merged.values[sub] = doc.values.get(sub, merged.values.get(sub))
            _merge_mapping(merged, old, value, doc, sub)
            continue
        _drop_under(merged.values, sub)
        _drop_under(merged.keys, sub)
        _drop_under(merged.files, sub)
        if value is None:
            target.pop(key, None)
            if sub in doc.keys:  # remembered so "required" errors can point at it
                merged.keys[sub] = doc.keys[sub]
            continue
        target[key] = _deep_copy(value)
        _copy_under(merged.values, doc.values, sub)
        _copy_under(merged.keys, doc.keys, sub)
        merged.files[sub] = doc.file


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
