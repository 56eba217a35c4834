"""Read one YAML file into plain data plus the position of every key and value in it.

ruamel's round-trip loader keeps line and column for each node; we walk its tree once,
copying into plain dicts and lists and recording `path -> Location`, so later stages can
point at the exact spot of a bad value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.errors import InputError, Location, display_path

# A profile is a few hundred nodes; anything past this is an alias bomb or a mistake.
MAX_NODES = 100_000
MAX_DEPTH = 64
MAX_BYTES = 4 * 1024 * 1024

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """One YAML file: its data, and where each value (and each mapping key) stands."""

    file: Path
    data: dict[str, Any]
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)


def load_yaml_file(file: Path) -> Document:
    """Load a YAML mapping from `file`; any failure is one InputError line."""
    shown = display_path(file)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory, not a YAML file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"{shown}: file is larger than {MAX_BYTES // 1024 // 1024} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    return load_yaml_text(text, file)


def load_yaml_text(text: str, file: Path) -> Document:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.scanner import ScannerError

    shown = display_path(file)
    yaml = YAML(typ="rt")
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        what = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        if "'\\t'" in what:  # ruamel's words for a tab name the symptom, not the fix
            raise InputError(
                f"{where}: invalid YAML: a tab character here; indent with spaces "
                "(YAML does not allow tabs for indentation)"
            ) from None
        context = exc.context_mark
        if isinstance(exc, ScannerError) and exc.context and context and context is not mark:
            what += f" ({exc.context} at {context.line + 1}:{context.column + 1})"
        raise InputError(f"{where}: invalid YAML: {what}") from None
    except YAMLError as exc:
        raise InputError(f"{shown}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise InputError(f"{shown}: YAML nesting is too deep") from None
    if root is None:
        root = {}
    if not isinstance(root, dict):
        raise InputError(f"{shown}:1:1: a profile must be a mapping of keys to values")
    doc = Document(file=file, data={})
    walker = _Walker(doc, shown)
    doc.data = walker.copy(root, (), 0)
    return doc


class _Walker:
    def __init__(self, doc: Document, shown: str):
        self.doc = doc
        self.shown = shown
        self.nodes = 0
        self.active: set[int] = set()

    def _loc(self, line: int, col: int) -> Location:
        return Location(self.shown, line + 1, col + 1)

    def copy(self, node: Any, path: Path_, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError(
                f"{self.shown}: more than {MAX_NODES} values once YAML aliases are expanded"
                " (an alias bomb?); profiles do not need that many"
            )
        if depth > MAX_DEPTH:
            raise InputError(f"{self.shown}: YAML nesting is deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict | list):
            if id(node) in self.active:
                raise InputError(f"{self.shown}: a YAML alias refers to itself")
            self.active.add(id(node))
            try:
                return self._copy_container(node, path, depth)
            finally:
                self.active.discard(id(node))
        return _plain_scalar(node)

    def _copy_container(self, node: Any, path: Path_, depth: int) -> Any:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if not isinstance(key, str):
                    key = str(key)  # YAML allows `1: x`; profile keys are names
                sub = (*path, key)
                if lc is not None:
                    try:
                        kl, kc = lc.key(key)
                        self.doc.keys[sub] = self._loc(kl, kc)
                        vl, vc = lc.value(key)
                        self.doc.values[sub] = self._loc(vl, vc)
                    except (KeyError, TypeError):
                        pass
                out[key] = self.copy(value, sub, depth + 1)
            return out
        items = []
        for index, value in enumerate(node):
            sub = (*path, index)
            if lc is not None:
                try:
                    il, ic = lc.item(index)
                    self.doc.values[sub] = self._loc(il, ic)
                except (KeyError, TypeError):
                    pass
            items.append(self.copy(value, sub, depth + 1))
        return items


def _plain_scalar(node: Any) -> Any:
    """ruamel's scalar subclasses (ScalarFloat, TaggedScalar...) become plain Python values."""
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    value = getattr(node, "value", None)
    if isinstance(value, str):  # a tagged scalar such as `!env X`: keep the text
        return value
    return str(node)
