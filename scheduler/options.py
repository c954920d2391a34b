"""Options every command shares, defined once; their defaults come from spiders/config.py."""

from __future__ import annotations

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
