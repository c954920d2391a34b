"""Subscriptions: who wants to be told about what, validated before it is stored.

A subscription is data in the database (the `subscriptions` table); this module checks a
new one and reads them back. Matching a stored statement against them is the outbox's job
(pipelines/outbox.py), inside the transaction that stores the statement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from spiders.errors import ConfigError

DIGESTS = ("immediate", "daily", "weekly")


class SubscriptionError(ConfigError):
    """Raised when a subscription asks for something invalid (a bad address, zone, digest or date)."""


@dataclass
class Subscription:
    recipient: str
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    query: str | None = None
    language: str | None = None
    min_score: float | None = None
    digest: str = "immediate"
    updates: bool = False
    tz: str = "UTC"
    since: str | None = None
    id: int | None = None
    created_at: str | None = None
    active: bool = True

    def describe(self) -> str:
        """One line naming what the subscription matches (the mail footer quotes it)."""
        parts = [f"tag {'/'.join(self.tags)}" if self.tags else "any tag"]
        if self.sources:
            parts.append(f"source {'/'.join(self.sources)}")
        if self.query:
            parts.append(f"query {self.query!r}")
        if self.language:
            parts.append(f"language {self.language}")
        if self.min_score is not None:
            parts.append(f"score ≥ {self.min_score:g}")
        parts.append(self.digest)
        return ", ".join(parts)

    def row(self) -> dict:
        return {
            "recipient": self.recipient, "tags": json.dumps(self.tags), "sources": json.dumps(self.sources),
            "query": self.query, "language": self.language, "min_score": self.min_score, "digest": self.digest,
            "updates": int(self.updates), "tz": self.tz, "since": self.since, "created_at": self.created_at,
            "active": int(self.active),
        }

    @classmethod
    def from_row(cls, row: dict) -> Subscription:
        return cls(
            id=row["id"], recipient=row["recipient"], tags=json.loads(row["tags"] or "[]"),
            sources=json.loads(row["sources"] or "[]"), query=row["query"], language=row["language"],
            min_score=row["min_score"], digest=row["digest"], updates=bool(row["updates"]), tz=row["tz"],
            since=row["since"], created_at=row["created_at"], active=bool(row["active"]),
        )


def normalize_address(address: str) -> str:
    """The address in its normal form, or SubscriptionError naming what is wrong with it."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise SubscriptionError(f"{address!r} is not a valid email address: {exc}") from None


def check(sub: Subscription) -> Subscription:
    """A validated, normalised copy: address, digest, zone, score, date."""
    sub.recipient = normalize_address(sub.recipient)
    if sub.digest not in DIGESTS:
        raise SubscriptionError(f"digest {sub.digest!r}: expected one of {', '.join(DIGESTS)}")
    try:
        ZoneInfo(sub.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SubscriptionError(f"time zone {sub.tz!r} is unknown (e.g. Europe/Kyiv, UTC)") from None
    if sub.min_score is not None and not 0 <= sub.min_score <= 1:
        raise SubscriptionError(f"minimum score {sub.min_score} is not between 0 and 1")
    if sub.since:
        try:
            since = datetime.fromisoformat(sub.since)
        except ValueError:
            raise SubscriptionError(f"since {sub.since!r}: expected a date like 2025-08-01") from None
        sub.since = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")
    sub.tags = sorted({t.strip().lower() for t in sub.tags if t.strip()})
    sub.sources = sorted({s.strip() for s in sub.sources if s.strip()})
    sub.language = sub.language.strip().lower() if sub.language else None
    return sub
