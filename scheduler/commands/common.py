"""What several commands share: the one-line user error, choosing sources, reading dates."""

from __future__ import annotations

from datetime import UTC, datetime

import click


class UserError(click.ClickException):
    """Raised when a command line asks for something impossible (an unknown source, a bad date); one line."""

    def format_message(self) -> str:
        return self.message


def select_sources(registry: dict, ids: tuple[str, ...]) -> list:
    """The sources named on the command line, or every enabled one."""
    if ids:
        unknown = [i for i in ids if i not in registry]
        if unknown:
            known = ", ".join(sorted(registry)[:8]) + (" …" if len(registry) > 8 else "")
            raise UserError(f"unknown source {unknown[0]!r} (known: {known}; see `communique sources`)")
        return [registry[i] for i in ids]
    chosen = [s for s in registry.values() if s.enabled]
    if not chosen:
        raise UserError("no enabled sources in the registry")
    return chosen


def utc_bound(value: str | None, name: str) -> str | None:
    """A --since/--until date as a UTC ISO 8601 bound (a bare date is midnight UTC)."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--{name}: expected a date like 2024-10-09 or 2024-10-09T18:00, got {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")
