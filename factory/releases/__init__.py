"""Releases as a whole: what one release holds (a lock file or a build output folder,
snapshot.py) and what changed between two of them (diff.py, printed by report.py)."""
