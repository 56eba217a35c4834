"""The effective profile: what the `extends:` chain merges to (layering.py), as YAML for
people to read (`installer-factory show`), optionally with where each value came from.

Only what the files set, merged: defaults the model fills in are not shown (`schema`
documents them). Keys follow the model's field order (nested models too), keys the model
does not name (package groups, environment names) the order the files give. Each value
with `origins` ends in a comment `# <file>:<line>` naming the line that sets it; relative
paths (licence, certificates) stay as written, relative to that file.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from factory.errors import Location, display_path
from factory.profiles.layering import Layered
from factory.profiles.model import Profile
from factory.profiles.yamlfile import Path_
from factory.quoting import yamltext

_OMITTED = ("extends",)  # the chain is resolved: the header names its files


def effective_data(layered: Layered) -> dict[str, Any]:
    """The merged data, keys in the model's order."""
    data = {k: v for k, v in layered.data.items() if k not in _OMITTED}
    return _ordered(data, Profile)


def origins(layered: Layered) -> dict[str, Location]:
    """Every value's location by dotted path (`packages.specs.core[0]`), in output order."""
    out: dict[str, Location] = {}

    def walk(value: Any, path: Path_) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list) and value:
            for index, item in enumerate(value):
                walk(item, (*path, index))
        else:
            out[_dotted(path)] = layered.location(path)

    walk(effective_data(layered), ())
    return out


def effective_yaml(layered: Layered, *, with_origins: bool = False) -> str:
    """The effective profile as block YAML; with_origins: `# file:line` after each value."""
    chain = " <- ".join(display_path(p) for p in layered.chain)
    lines = [f"# effective profile: {chain}"]
    where = (lambda path: f"  # {_origin(layered.location(path))}") if with_origins else None
    _emit(effective_data(layered), (), 0, lines, where)
    return "\n".join(lines) + "\n"


def _origin(location: Location) -> str:
    return f"{location.file}:{location.line}"


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _emit(value: Any, path: Path_, indent: int, lines: list[str], where: Any) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            _entry(f"{pad}{yamltext.key(key)}:", item, (*path, key), indent, lines, where)
        return
    for index, item in enumerate(value):
        sub = (*path, index)
        if isinstance(item, dict) and item:
            start = len(lines)
            _emit(item, sub, indent + 2, lines, where)
            lines[start] = f"{pad}- {lines[start][indent + 2 :]}"
        else:
            _entry(f"{pad}-", item, sub, indent, lines, where)


def _entry(head: str, value: Any, path: Path_, indent: int, lines: list[str], where: Any) -> None:
    comment = where(path) if where else ""
    if isinstance(value, dict | list) and value:
        lines.append(head)
        _emit(value, path, indent + 2, lines, where)
    elif isinstance(value, dict):
        lines.append(f"{head} {{}}{comment}")
    elif isinstance(value, list):
        lines.append(f"{head} []{comment}")
    else:
        lines.append(f"{head} {yamltext.scalar(value)}{comment}")


# --- key order from the model ---------------------------------------------------------


def _ordered(value: Any, annotation: Any) -> Any:
    model = _model_in(annotation)
    if isinstance(value, dict):
        if model is not None:
            fields = model.model_fields
            keys = [k for k in fields if k in value] + [k for k in value if k not in fields]
            return {
                k: _ordered(value[k], fields[k].annotation if k in fields else None) for k in keys
            }
        inner = _args_of(annotation, dict)
        return {k: _ordered(v, inner[1] if len(inner) == 2 else None) for k, v in value.items()}
    if isinstance(value, list):
        inner = _args_of(annotation, list)
        return [_ordered(v, inner[0] if inner else None) for v in value]
    return value


def _members(annotation: Any) -> list[Any]:
    """The types a field may hold: a union's members, an Annotated's type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _args_of(annotation: Any, container: type) -> tuple[Any, ...]:
    for member in _members(annotation):
        if typing.get_origin(member) is container:
            return typing.get_args(member)
    return ()
