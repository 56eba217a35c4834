"""Reads condarc files as conda does: which files, in which order, each key's `#!final` flag,
and the merge of every source into the value conda uses.

Written from conda's source (conda/conda, 2026-08):
- the files: `SEARCH_PATH` in conda/base/constants.py, expanded by
  `Configuration._expand_search_path` (conda/common/configuration.py): variables from the
  environment (`custom_expandvars`; `$CONDA_ROOT` is the installation, set by
  conda/__init__.py; `$CONDA_PREFIX` the target prefix, `Context.__init__`), `~` expanded,
  a file only when named `.condarc`/`condarc` or ending `.yml`/`.yaml`, a folder as its
  `.yml`/`.yaml` files in name order, a path that does not exist skipped, each path once
  where it first appears (`_load_search_path`, `unique`);
- the flags: `YamlRawParameter` reads a file with ruamel's round-trip loader; a key's flag
  is the comment after its value (`_get_yaml_key_comment`: `ca.items[key][2]`), a mapping
  entry's and a list item's likewise (`_get_yaml_map_comments`, `_get_yaml_list_comments`),
  turned into `final`, `top` or `bottom` by `ParameterFlag.from_string` (stripped of
  blanks, then of `!` and `#`: `#!final`, nothing else);
- `CONDA_<KEY>` variables come after every file (`EnvRawParameter`: a list split on `,`,
  a scalar final when it holds `!important`);
- the merge: `LoadedParameter._first_important_matches` drops every source after the first
  that marks the key final; then a scalar takes the first final value, else the last
  (`PrimitiveLoadedParameter.merge`), a list puts later sources first, `#!top` items
  before and `#!bottom` items after, without repeats (`SequenceLoadedParameter.merge`),
  and a mapping merges key by key, an entry marked final in an earlier source winning
  (`MapLoadedParameter.merge`).

conda knows each parameter's type; this reader takes it from the values it finds (a list,
a mapping, else a scalar) and neither checks nor converts them. The machine-wide folders
(`/etc/conda`, `/var/lib/conda`) are read only when a test passes them, so the developer's
own machine never leaks in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

MACHINE_PATH = (
    "/etc/conda/.condarc",
    "/etc/conda/condarc",
    "/etc/conda/condarc.d/",
    "/var/lib/conda/.condarc",
    "/var/lib/conda/condarc",
    "/var/lib/conda/condarc.d/",
)
SEARCH_PATH = (
    "$CONDA_ROOT/.condarc",
    "$CONDA_ROOT/condarc",
    "$CONDA_ROOT/condarc.d/",
    "$XDG_CONFIG_HOME/conda/.condarc",
    "$XDG_CONFIG_HOME/conda/condarc",
    "$XDG_CONFIG_HOME/conda/condarc.d/",
    "~/.config/conda/.condarc",
    "~/.config/conda/condarc",
    "~/.config/conda/condarc.d/",
    "~/.conda/.condarc",
    "~/.conda/condarc",
    "~/.conda/condarc.d/",
    "~/.condarc",
    "$CONDA_PREFIX/.condarc",
    "$CONDA_PREFIX/condarc",
    "$CONDA_PREFIX/condarc.d/",
    "$CONDARC",
)
CONDARC_NAMES = (".condarc", "condarc")
YAML_SUFFIXES = (".yml", ".yaml")
# conda's list parameters among the keys profiles set: a CONDA_<KEY> variable for one of these
# is split on `,` even where no file gives the key (conda knows the type; this reader guesses)
LIST_KEYS = frozenset(
    {
        "channels",
        "default_channels",
        "allowlist_channels",
        "denylist_channels",
        "pkgs_dirs",
        "envs_dirs",
        "create_default_packages",
        "pinned_packages",
        "disallowed_packages",
    }
)
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}|%(\w+)%")


@dataclass(frozen=True)
class Node:
    """One value from one source, with the flag its comment gives it."""

    source: str
    value: Any  # a scalar, a tuple of Node, or a dict of Node
    flag: str | None  # "final", "top", "bottom" or None

    def plain(self) -> Any:
        if isinstance(self.value, tuple):
            return [n.plain() for n in self.value]
        if isinstance(self.value, dict):
            return {k: n.plain() for k, n in self.value.items()}
        return self.value


def flag(comment: str | None) -> str | None:
    """ParameterFlag.from_string."""
    if comment is None:
        return None
    text = comment.strip().strip("!#")
    return text if text in ("final", "top", "bottom") else None


def _comment(container: CommentedMap | CommentedSeq, key: Any) -> str | None:
    try:
        token = container.ca.items[key][2]
        return token.value if token is not None else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _item_comment(seq: CommentedSeq, index: int) -> str | None:
    """_get_yaml_list_comment_item: the comment before the item if any, else after it."""
    try:
        item = seq.ca.items[index]
        if item[0]:
            return item[0].value
        return item[1][0].value
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _node(source: str, value: Any, comment: str | None) -> Node:
    if isinstance(value, CommentedSeq):
        items = tuple(_node(source, v, _item_comment(value, i)) for i, v in enumerate(value))
        return Node(source, items, flag(comment))
    if isinstance(value, CommentedMap):
        children = {k: _node(source, v, _comment(value, k)) for k, v in value.items()}
        return Node(source, children, flag(comment))
    return Node(source, value, flag(comment))


def read_file(path: Path) -> dict[str, Node]:
    """One condarc file, as YamlRawParameter.make_raw_parameters_from_file reads it."""
    data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    if not data:
        return {}
    assert isinstance(data, CommentedMap), f"{path}: a condarc is a mapping"
    return {str(k): _node(str(path), v, _comment(data, k)) for k, v in data.items()}


def _expand(template: str, variables: Mapping[str, str]) -> str | None:
    """custom_expandvars, then expanduser; None where a variable is unset (conda keeps the
    text as it is, which names no file)."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = next(g for g in match.groups() if g)
        if name not in variables:
            missing = True
            return match.group()
        return variables[name]

    text = _VARIABLE.sub(value, template)
    if missing:
        return None
    if text.startswith("~"):
        text = variables["HOME"] + text[1:]
    return text


def search_path(
    root: Path,
    environ: Mapping[str, str],
    *,
    target_prefix: Path | None = None,
    machine: Sequence[str] = (),
) -> list[Path]:
    """The files conda reads, in order. `root` is the installation ($CONDA_ROOT, unless
    environ says otherwise); `target_prefix` the environment conda works on (default: the
    installation itself, as for an unactivated `conda`)."""
    variables = {"CONDA_ROOT": str(root), **environ}
    variables["CONDA_PREFIX"] = str(target_prefix or variables.get("CONDA_PREFIX") or root)
    out: list[Path] = []
    for template in (*machine, *SEARCH_PATH):
        text = _expand(template, variables)
        if text is None:
            continue
        path = Path(text)
        if path.is_file() and (path.name in CONDARC_NAMES or path.suffix in YAML_SUFFIXES):
            found = [path]
        elif path.is_dir():
            found = sorted(
                (p for p in path.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES),
                key=lambda p: p.name,
            )
        else:
            found = []
        out += [p for p in found if p not in out]
    return out


def _env_node(key: str, text: str, as_list: bool) -> Node:
    final = "final" if "!important" in text else None  # EnvRawParameter.keyflag
    if as_list:
        parts = tuple(Node("envvars", p.strip(), None) for p in text.split(",") if p.strip())
        return Node("envvars", parts, final)
    return Node("envvars", text.split("!important")[0].strip(), final)


def _first_important(matches: list[Node]) -> list[Node]:
    for index, match in enumerate(matches):
        if match.flag == "final":
            return matches[: index + 1]
    return matches


def _unique(nodes: Sequence[Node]) -> list[Node]:
    seen: list[Any] = []
    out = []
    for node in nodes:
        if node.plain() not in seen:
            seen.append(node.plain())
            out.append(node)
    return out


def merge(matches: list[Node]) -> Node:
    """One key's value from its matches in search-path order."""
    matches = _first_important(matches)
    if isinstance(matches[0].value, tuple):
        top = [n for m in matches for n in m.value if n.flag == "top"]
        bottom = [n for m in reversed(matches) for n in m.value if n.flag == "bottom"]
        every = [n for m in reversed(matches) for n in m.value]
        top_deduped = _unique([*top, *every])
        bottom_deduped = _unique([*reversed(bottom), *reversed(top_deduped)])
        return Node("<<merged>>", tuple(reversed(bottom_deduped)), matches[0].flag)
    if isinstance(matches[0].value, dict):
        final = {
            k: v
            for m in reversed(matches)
            for k, v in m.value.items()
            if v.flag == "final"  # the entry's own comment: MapLoadedParameter's value_flags
        }
        grouped: dict[str, list[Node]] = {}
        for m in matches:
            for k, v in m.value.items():
                grouped.setdefault(k, []).append(v)
        merged = {k: merge(v) for k, v in grouped.items()}
        return Node("<<merged>>", {**merged, **final}, matches[0].flag)
    important = next((m for m in matches if m.flag == "final"), None)
    return important if important is not None else matches[-1]


@dataclass(frozen=True)
class Config:
    """Every source conda reads, in its order."""

    files: list[Path]
    sources: list[dict[str, Node]]

    def value(self, key: str) -> Any:
        """The value conda uses for `key` (None when no source sets it)."""
        matches = [source[key] for source in self.sources if key in source]
        return merge(matches).plain() if matches else None

    def where(self, key: str) -> str | None:
        """The file a scalar's value comes from."""
        matches = [source[key] for source in self.sources if key in source]
        return merge(matches).source if matches else None

    def values(self, keys: Sequence[str]) -> dict[str, Any]:
        return {k: self.value(k) for k in keys if self.value(k) is not None}


def read_config(
    root: Path,
    environ: Mapping[str, str],
    *,
    target_prefix: Path | None = None,
    machine: Sequence[str] = (),
) -> Config:
    """What conda run from the installation at `root` reads, with `environ` (HOME,
    XDG_CONFIG_HOME, CONDARC, CONDA_<KEY> variables)."""
    files = search_path(root, environ, target_prefix=target_prefix, machine=machine)
    sources = [read_file(path) for path in files]
    lists = LIST_KEYS | {k for s in sources for k, n in s.items() if isinstance(n.value, tuple)}
    variables: dict[str, Node] = {}
    for name, text in environ.items():
        if name.startswith("CONDA_") and name not in ("CONDA_ROOT", "CONDA_PREFIX"):
            key = name[len("CONDA_") :].lower()
            variables[key] = _env_node(key, text, key in lists)
    return Config(files, [*sources, variables])
