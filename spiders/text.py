"""Whitespace squashing for what spiders read (a leaf module: extract.py and dates.py both use it)."""

from __future__ import annotations


def squash(text: str | None) -> str:
    """`text` on one line: every run of whitespace one space, none at the ends ("" for None)."""
    return " ".join((text or "").split())
