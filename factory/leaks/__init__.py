"""Tokens must never leak: what a token looks like, redaction, and scanning outputs."""
