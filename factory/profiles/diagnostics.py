"""Turn pydantic validation errors into located Problems (`file:line:col: key.path: msg`)."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from factory.errors import Problem
from factory.profiles.layering import Layered
from factory.profiles.yamlfile import Path_

_FRIENDLY = {
    "missing": "required key is missing",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list (one `- item` per line)",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "string_type": "must be a string (put it in quotes)",
    "int_type": "must be a whole number",
}

_TAG = re.compile(r"^(literal\[|function-|bool$|str$|int$|list\[|dict\[|constrained-)")

_PATTERN_HINTS = {
    "month": "must be a month as YYYY-MM, e.g. 2026-11",
    "rebuild": "must be one lowercase letter (a, b, ...) or empty",
    "series": "must be lowercase letters, digits and _, e.g. data_science",
    "site": "must be letters, digits, _ and -",
    "name": "must be letters, digits, `.`, `_` or `-`, starting and ending with a letter, "
    "digit or `_` (constructor's rule for installer names)",
    "version": "must be letters, digits, `.`, `_` or `-`, starting and ending with a letter, "
    "digit or `_` (constructor's rule; no `+` or spaces)",
    "env": "has characters that are not allowed in the name of an environment variable "
    "(letters, digits and _, not starting with a digit), e.g. ACME_REPO_TOKEN; the token "
    "itself goes in that variable",
}


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_$-]+", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def problems_from_validation(
    error: ValidationError, layered: Layered, model: type[BaseModel]
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        path, key_error = data_path(item["loc"], layered.data)
        kind = item["type"]
        if kind == "extra_forbidden":
            message = "unknown key" + _suggest(model, path)
            location = layered.location(path, key=True)
        elif key_error:
            custom = kind == "value_error"  # our own key checks say what is wrong
            message = _clean(item["msg"]) if custom else f"invalid key name: {_message(item, path)}"
            location = layered.location(path, key=True)
        elif kind == "missing" and path in layered.keys:
            message = "has no value; it is required"
            location = layered.keys[path]
        elif kind == "missing":
            message = _FRIENDLY[kind]
            location = layered.location(path[:-1], key=True)
        else:
            message = _message(item, path)
            location = layered.location(path)
        problems.append(Problem(location, format_path(path), message))
    return _one_per_union(problems)


def _one_per_union(problems: list[Problem]) -> list[Problem]:
    """A value no member of a union (`bool | {linux: ..}`) accepts fails once per member, at
    the same key: one line, naming each form it could take."""
    merged: dict[tuple[Any, str], list[str]] = {}
    for problem in problems:
        said = merged.setdefault((problem.location, problem.path), [])
        if problem.message not in said:
            said.append(problem.message)
    out = []
    for (location, path), said in merged.items():
        said.sort(key=lambda m: m != _FRIENDLY["bool_type"])  # the simple form first
        out.append(Problem(location, path, "; or ".join(said)))
    return out


def data_path(loc: tuple[Any, ...], data: Any) -> tuple[Path_, bool]:
    """Keep the parts of a pydantic `loc` that name real keys or indexes in the data.

    pydantic adds union member tags (`bool`, `literal['a','b']`, `function-after[...]`)
    and a `[key]` marker for bad mapping keys; those are dropped.
    """
    path: list[str | int] = []
    node = data
    key_error = False
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if part == "[key]":
            key_error = True
            continue
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            path.append(part)
            node = node[part]
        elif last and isinstance(part, str | int) and isinstance(node, dict | type(None)):
            if isinstance(part, str) and not _looks_like_tag(part):
                path.append(part)
        else:
            continue
    return tuple(path), key_error


def _looks_like_tag(part: str) -> bool:
    return bool(_TAG.match(part))


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _message(item: dict[str, Any], path: Path_) -> str:
    kind = item["type"]
    if kind == "literal_error" and path[:1] == ("installer_types",) and len(path) == 3:
        return _installer_type(item, str(path[1]))
    if kind == "string_pattern_mismatch" and path and path[-1] in _PATTERN_HINTS:
        return _PATTERN_HINTS[str(path[-1])]
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    if kind == "string_pattern_mismatch":
        pattern = item.get("ctx", {}).get("pattern", "")
        return f"has characters that are not allowed here (pattern {pattern})"
    return _clean(item["msg"])


def _installer_type(item: dict[str, Any], os_name: str) -> str:
    """`osx: [exe]`: say what this OS can build, not pydantic's 'Input should be ...'."""
    allowed = re.findall(r"'([^']*)'", item.get("ctx", {}).get("expected", ""))
    value = item.get("input")
    what = f"`{value}` installers" if isinstance(value, str) else "this"
    return f"{what} cannot be built for {os_name}; {os_name} builds {' or '.join(allowed)}"


def _suggest(model: type[BaseModel], path: Path_) -> str:
    allowed = _allowed_keys(model, path[:-1])
    if not allowed:
        return ""
    close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"{hint} (allowed here: {', '.join(sorted(allowed))})"


def _allowed_keys(model: type[BaseModel], path: Path_) -> list[str]:
    annotation: Any = model
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    cls = _model_of(annotation)
    return list(cls.model_fields) if cls else []


def _step(annotation: Any, part: str | int) -> Any:
    cls = _model_of(annotation)
    if cls is not None:
        field = cls.model_fields.get(str(part))
        return field.annotation if field else None
    for arg in _args(annotation):
        origin = typing.get_origin(arg)
        if origin is dict:
            return typing.get_args(arg)[1]
        if origin is list:
            return typing.get_args(arg)[0]
    return None


def _args(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _args(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _args(arg)]
    return [annotation]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for arg in _args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
