"""Locks solved once per platform with py-rattler, what a failed solve means, SBOMs."""
