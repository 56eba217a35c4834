"""The release page's diff section: what changed since a previous release (`--previous`).

The comparison itself is the release diff of `installer-factory diff`
(factory.releases.diff `compare`); this module only turns its result into the page's rows
(formats/release_page.py `PagePrevious`), so the page and `diff` never disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from factory.errors import FactoryError, InputError, display_path
from factory.formats.release_page import PageDiffGroup, PageDiffRow, PagePrevious
from factory.output.layout import report_files

if TYPE_CHECKING:
    from factory.releases.diff import Listed, ReleaseDiff, TargetDiff


def check_previous(folder: Path) -> None:
    """A previous release is an output folder of `build` or `matrix run`."""
    if not folder.is_dir() or not report_files(folder):
        raise InputError(
            f"--previous {display_path(folder)}: not an output folder of `build` or "
            "`matrix run` (no <name>/<platform>/build-report.json under it)"
        )


def previous_section(old: Path, new: Path) -> PagePrevious:
    """The diff of release `old` against `new` (both output folders) as page rows."""
    from factory.releases.diff import compare

    check_previous(old)
    try:
        diff = compare(old, new)
    except FactoryError as exc:  # say, every build of this release failed: nothing to compare
        return PagePrevious(label=str(old), note=f"no comparison: {exc}")
    return page_rows(diff, str(old))


def page_rows(diff: ReleaseDiff, label: str) -> PagePrevious:
    """The release diff as the page's groups of rows: per target its installers, then the
    packages of base and of each environment; then channels, remaps, certificates, tokens
    and authentication methods. Certificates expiring soon are left to the page's own
    table of expiry dates: "soon" depends on the day the page is written, and the page
    depends only on the two folders."""
    groups = [_target(t) for t in diff.targets]
    for scope, listed in sorted(diff.channels.items()):
        groups.append(_listed(f"Channels of {scope}", listed))
    for title, listed in (
        ("Channel remaps", diff.remaps),
        ("Tokens (names only)", diff.tokens),
        ("Authentication methods", diff.auth),
    ):
        if listed is not None:
            groups.append(_listed(title, listed))
    if diff.certificates is not None:
        rows = [
            PageDiffRow(change="added", subject=f"{c.name}: {c.subject}", new=c.not_after)
            for c in diff.certificates.added
        ]
        rows += [
            PageDiffRow(change="removed", subject=f"{c.name}: {c.subject}", old=c.not_after)
            for c in diff.certificates.removed
        ]
        groups.append(PageDiffGroup(title="CA certificates", rows=rows))
    changed = any(group.rows for group in groups)  # not diff.changed: it counts `expiring`
    return PagePrevious(label=label, groups=groups, note="" if changed else "No change.")


def _target(target: TargetDiff) -> PageDiffGroup:
    title = target.label
    if target.status != "both":
        title += f" ({target.status} in this release)"
    elif target.old_version != target.new_version:
        title += f" ({target.old_version} \u2192 {target.new_version})"
    rows = []
    for item in target.installers:
        if item.old_sha256 == item.new_sha256:
            continue  # the same bytes: nothing to review
        size = item.size_change
        rows.append(
            PageDiffRow(
                change=_installer_change(item.old_sha256, item.new_sha256),
                subject=f"installer .{item.installer_type}"
                + (f" ({size:+,} bytes)" if size else ""),
                old=_installer(item.old_file, item.old_size),
                new=_installer(item.new_file, item.new_size),
            )
        )
    for scope, changes in (("", target.packages or []), *sorted(target.envs.items())):
        where = f"envs/{scope}: " if scope else ""
        rows += [
            PageDiffRow(change=c.kind, subject=where + c.name, old=c.old or "", new=c.new or "")
            for c in changes
        ]
    return PageDiffGroup(title=title, rows=rows)


def _installer_change(old: str | None, new: str | None) -> str:
    if old is None:
        return "added"
    return "removed" if new is None else "changed"


def _installer(file: str | None, size: int | None) -> str:
    return "" if file is None else f"{file}, {size:,} bytes" if size is not None else file


def _listed(title: str, listed: Listed) -> PageDiffGroup:
    rows = [PageDiffRow(change="added", subject=entry) for entry in listed.added]
    rows += [PageDiffRow(change="removed", subject=entry) for entry in listed.removed]
    return PageDiffGroup(title=title, rows=rows)
