"""The one configuration resolver: where communique's files are and what the environment says.

Read by the CLI and by spiders/settings.py alike, so a setting is resolved once, the same
way, whichever entry point runs. Nothing else in communique reads os.environ.

Two kinds of files, one rule each:

- **Configuration** (sources.toml, lexicon.toml, the demo's content and templates) ships with
  the package: `data/` in a checkout, installed as the package `communique_data`, so a plain
  `pip install .` works from any folder. `COMMUNIQUE_SOURCES` / `COMMUNIQUE_LEXICON` (or
  `--sources` / `--lexicon`) point at your own copies.
- **State** (the database, crawl logs) goes under `$COMMUNIQUE_HOME`, else `data/` in the
  current folder; `COMMUNIQUE_DB` (or `--db`) names the database file directly.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

from spiders.errors import ConfigError


def _packaged_data_dir() -> Path:
    """The folder holding sources.toml, lexicon.toml and demo/ (a checkout's data/, or the installed copy)."""
    spec = importlib.util.find_spec("communique_data")
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if (Path(location) / "sources.toml").is_file():
                return Path(location)
    return Path(__file__).resolve().parent.parent / "data"


# The folder holding the spiders, pipelines and scheduler packages (a crawl subprocess imports from it).
CODE_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = _packaged_data_dir()
DEMO_DIR = DATA_DIR / "demo"


def env(name: str, default: str | None = None) -> str | None:
    """One environment variable (empty counts as unset)."""
    value = os.environ.get(name, "")
    return value if value.strip() else default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"${name}: {raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"${name}: {value} is below {minimum}")
    return value


def env_flag(name: str, default: bool) -> bool:
    raw = env(name)
    if raw is None:
        return default
    if raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"${name}: {raw!r} is not 0 or 1")


def no_color() -> bool:
    """NO_COLOR set and not empty (https://no-color.org): print no ANSI styling, even on a terminal."""
    return env("NO_COLOR") is not None


def state_dir() -> Path:
    """Where the database and logs live by default: $COMMUNIQUE_HOME, else ./data."""
    return Path(env("COMMUNIQUE_HOME") or Path.cwd() / "data")


def db_path() -> Path:
    return Path(env("COMMUNIQUE_DB") or state_dir() / "communique.db")


def demo_db_path() -> Path:
    return state_dir() / "demo.db"


def sources_path() -> Path:
    return Path(env("COMMUNIQUE_SOURCES") or DATA_DIR / "sources.toml")


def lexicon_path() -> Path:
    return Path(env("COMMUNIQUE_LEXICON") or DATA_DIR / "lexicon.toml")


def max_pages() -> int:
    """Listing pages a first crawl follows at most (backfill depth)."""
    return env_int("COMMUNIQUE_MAX_PAGES", 5, minimum=1)


def contact() -> str:
    """The contact URL sent in the User-Agent, so a site's admin can reach us."""
    return env("COMMUNIQUE_CONTACT", "https://github.com/communique-project/communique")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level() -> str:
    level = env("COMMUNIQUE_LOG_LEVEL", "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"$COMMUNIQUE_LOG_LEVEL: {env('COMMUNIQUE_LOG_LEVEL')!r} is not one of {', '.join(LOG_LEVELS)}")
    return level


def allowed_networks() -> list[str]:
    """CIDRs exempt from the private-address guard (the demo and tests set 127.0.0.0/8)."""
    import ipaddress

    cidrs = [part.strip() for part in (env("COMMUNIQUE_ALLOWED_NETWORKS") or "").split(",") if part.strip()]
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(f"$COMMUNIQUE_ALLOWED_NETWORKS: {cidr!r} is not a network (e.g. 127.0.0.0/8)") from None
    return cidrs


def check_crawl_settings() -> None:
    """Read every setting a crawl subprocess reads (spiders/settings.py), so that a malformed one is
    one line before any crawl starts, not a failed run per source counting towards a health email."""
    for accessor in (max_pages, contact, degraded_share, allowed_networks, max_download_mb, max_statement_chars,
                     recheck_after, log_level):
        accessor()


# --- mail (alert emails and health emails) ------------------------------------------------
def smtp_settings() -> dict:
    """SMTP settings from the environment. The password is read here and nowhere else, never
    stored in a file and never logged (SmtpSettings' repr hides it)."""
    ssl = env_flag("COMMUNIQUE_SMTP_SSL", False)
    return {
        "host": env("COMMUNIQUE_SMTP_HOST", "localhost"),
        "port": env_int("COMMUNIQUE_SMTP_PORT", 465 if ssl else 25, minimum=1),
        "user": env("COMMUNIQUE_SMTP_USER"),
        "password": env("COMMUNIQUE_SMTP_PASSWORD"),
        "starttls": env_flag("COMMUNIQUE_SMTP_STARTTLS", False),
        "ssl": ssl,
        "sender": env("COMMUNIQUE_MAIL_FROM", "communique@localhost"),
        "timeout": env_int("COMMUNIQUE_SMTP_TIMEOUT", 30, minimum=1),
    }


def admin_email() -> str | None:
    """Where health emails go (a source failing N times in a row, and its recovery); none: not sent."""
    return env("COMMUNIQUE_ADMIN_EMAIL")


def health_failures() -> int:
    """Failing crawls in a row after which a source's health email goes out (default 3)."""
    return env_int("COMMUNIQUE_HEALTH_FAILURES", 3, minimum=1)


def crawl_jobs() -> int:
    """Crawls the scheduler runs at once at most (`--jobs` overrides it)."""
    return env_int("COMMUNIQUE_JOBS", 2, minimum=1)


def max_download_mb() -> int:
    """The largest answer a crawl downloads, in MB, after decompression too (default 10)."""
    return env_int("COMMUNIQUE_MAX_DOWNLOAD_MB", 10, minimum=1)


def max_statement_chars() -> int:
    """The longest statement text kept, in characters; longer texts are cut and the cut recorded."""
    return env_int("COMMUNIQUE_MAX_STATEMENT_CHARS", 200_000, minimum=1000)


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"${name}: {raw!r} is not a number") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"${name}: {value} is not between {minimum} and {maximum}")
    return value


def degraded_share() -> float:
    """The share of a run's article pages blocked or unparsable that makes it `degraded`."""
    return env_float("COMMUNIQUE_DEGRADED_SHARE", 0.2, minimum=0.0, maximum=1.0)


def db_busy_timeout() -> int:
    """Seconds a write waits for another process's write lock before giving up."""
    return env_int("COMMUNIQUE_DB_BUSY_TIMEOUT", 30, minimum=1)


def scrapyd_auth() -> tuple[str, str] | None:
    """(user, password) for Scrapyd runner nodes protected by HTTP basic auth (Scrapyd's
    `username`/`password`), from COMMUNIQUE_SCRAPYD_USER / COMMUNIQUE_SCRAPYD_PASSWORD; None without."""
    user = env("COMMUNIQUE_SCRAPYD_USER")
    return (user, env("COMMUNIQUE_SCRAPYD_PASSWORD", "")) if user else None


# --- re-checking recent statements for edits (#9) ------------------------------------------
RECHECK_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DEFAULT_RECHECK_AFTER = "1h,6h,1d,3d,7d"


def parse_recheck_after(raw: str, name: str = "COMMUNIQUE_RECHECK_AFTER") -> tuple[int, ...]:
    """"1h,6h,1d,3d,7d" -> seconds after first seen, rising; ConfigError names what is wrong."""
    steps = []
    for part in raw.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", part)
        if not match or int(match[1]) == 0:
            raise ConfigError(f"${name}: {part.strip()!r} is not a delay such as 30m, 6h, 1d or 2w")
        steps.append(int(match[1]) * RECHECK_UNITS[match[2]])
    if steps != sorted(set(steps)):
        raise ConfigError(f"${name}: {raw!r} must rise (e.g. {DEFAULT_RECHECK_AFTER})")
    return tuple(steps)


def recheck_after() -> tuple[int, ...]:
    """When a statement's page is fetched again for edits, in seconds after it was first seen
    ($COMMUNIQUE_RECHECK_AFTER, default 1h,6h,1d,3d,7d: edits come early, then rarely)."""
    return parse_recheck_after(env("COMMUNIQUE_RECHECK_AFTER", DEFAULT_RECHECK_AFTER))
