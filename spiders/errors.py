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


class QueryError(CommuniqueError, ValueError):
    """Raised when a search query or filter cannot be run: malformed full-text syntax, an unknown tag,
    source or language (the message names the known ones)."""
