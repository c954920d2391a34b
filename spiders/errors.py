"""communique's own errors: each is a problem a user can meet and act on.

The CLI prints exactly these as one line and exits non-zero; any other exception is a
bug in communique (one line saying so, the traceback in the log or with --debug).
Every subclass says when it is raised, so callers know what to catch.
"""

from __future__ import annotations


class CommuniqueError(Exception):
    """Base class: raised for a problem the user can fix or must know about; str() is one line."""


class ConfigError(CommuniqueError, ValueError):
    """Raised when a configuration file or setting (registry, lexicon, environment) is invalid."""


class SourcesError(ConfigError):
    """Raised when the source registry (data/sources.toml) is missing or invalid, or names an unknown source."""


class LexiconError(ConfigError):
    """Raised when the tag lexicon (data/lexicon.toml) is missing or invalid."""


class DemoContentError(ConfigError):
    """Raised when the demo site's content file is invalid."""


class StorageError(CommuniqueError, RuntimeError):
    """Raised when the database cannot be opened, read or written (missing, locked, read-only, full, foreign)."""


class MailError(CommuniqueError):
    """Raised when the mail server cannot be reached or refuses a message.

    `temporary` is True when trying again later may succeed (server down, 4xx answer),
    False when the server refused for good (5xx: unknown recipient, message rejected).
    """

    def __init__(self, message: str, *, temporary: bool):
        super().__init__(message)
        self.temporary = temporary


class EvalSetError(CommuniqueError, ValueError):
    """Raised when a tagger evaluation set (tests/data/coe_eval/) is missing, unreadable or malformed."""


class SchedulerLockedError(CommuniqueError):
    """Raised when `communique schedule` is started on a database another scheduler is already running on."""


class PageBlockedError(CommuniqueError):
    """Raised when a saved page given to `communique extract` is an anti-bot challenge, not content."""


class NoStatementError(CommuniqueError):
    """Raised when a saved page given to `communique extract` holds no statement the source's rules can read."""


class ListingPageError(NoStatementError):
    """Raised when a saved page given to `communique extract` is a listing of other articles, not a statement."""


class EmptyStatement(CommuniqueError, ValueError):
    """Raised when a statement has no title or no text left after normalisation (nothing readable)."""


class QueryError(CommuniqueError, ValueError):
    """Raised when a search query or filter cannot be run: malformed full-text syntax, an unknown tag,
    source or language (the message names the known ones)."""


class RunnerError(CommuniqueError):
    """Raised when a source's Scrapyd runner node cannot be reached, or refuses or fails a request
    (deploy, schedule, job status, cancel, item feed); the crawl is then recorded `failed` with it."""
