"""Options every command shares, defined once; their defaults come from spiders/config.py."""

from __future__ import annotations

import math

import click

from spiders import config

db_option = click.option(
    "--db",
    "db_path",
    default=lambda: str(config.db_path()),
    show_default="data/communique.db, or $COMMUNIQUE_DB",
    type=click.Path(dir_okay=False),
    help="The SQLite database file.",
)
sources_option = click.option(
    "--sources",
    "sources_path",
    default=lambda: str(config.sources_path()),
    show_default="the shipped data/sources.toml, or $COMMUNIQUE_SOURCES",
    type=click.Path(dir_okay=False),
    help="The source registry.",
)
lexicon_option = click.option(
    "--lexicon",
    "lexicon_path",
    type=click.Path(dir_okay=False),
    default=lambda: config.env("COMMUNIQUE_LEXICON"),
    help="Lexicon file (default: the shipped data/lexicon.toml, or $COMMUNIQUE_LEXICON).",
)

# The largest integer SQLite stores: an id or offset beyond it is a usage error, not a crash.
SQLITE_MAX_INT = 2**63 - 1
statement_id_type = click.IntRange(0, SQLITE_MAX_INT)
# An offset leaves room for the count that follows it (offset + the count cap stays an SQLite integer).
offset_type = click.IntRange(0, SQLITE_MAX_INT // 2)


class ScoreRange(click.FloatRange):
    """A relevance from 0 to 1; unlike FloatRange it refuses "nan", which every range check lets through."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number from 0 to 1.", param, ctx)
        return number


score_type = ScoreRange(0, 1)

# A crawl's time limit: beyond a week it is a typo, and beyond ~292 years it overflowed the wait on the subprocess.
MAX_TIMEOUT_S = 7 * 24 * 3600
