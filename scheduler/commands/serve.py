"""`communique serve`: the archive in Datasette, with titles, full-text search, facets and canned queries.

Datasette is an optional extra (`pip install 'communique[web]'`): the database is the
interface, and Datasette is the best browser for a SQLite file; communique only adds
what Datasette cannot guess (which FTS table belongs to which table, useful facets, the
questions people ask).
"""

from __future__ import annotations

from pathlib import Path

import click

from pipelines.db import open_db
from scheduler.commands.common import UserError
from scheduler.options import db_option

STATEMENT_COLUMNS = ("s.id, coalesce(s.published_at, s.first_seen_at) AS published, s.source, s.language, "
                     "s.kind, s.title, s.url")


def metadata(db_name: str) -> dict:
    """Datasette metadata for a communique database named `db_name` (its file name without .db)."""
    tables = {
        "statements": {
            "title": "Statements",
            "description": "Everything a source said once, newest first; search the title and text.",
            "fts_table": "statements_fts",
            "fts_pk": "id",
            "facets": ["source", "language", "kind"],
            "sort_desc": "published_at",
            "label_column": "title",
        },
        "statement_tags": {
            "title": "Tags",
            "description": "Tags of each statement, with a relevance score (0–1) and the words that prove it.",
            "facets": ["tag"],
            "sort_desc": "sort_at",
        },
        "coe_statements": {
            "title": "Council of Europe statements",
            "description": "Statements tagged coe, newest first, with score and evidence.",
            "facets": ["source", "language"],
        },
        "latest_by_source": {
            "title": "Latest statement of each source",
            "description": "Each source's newest statement and how many statements it has.",
        },
        "sightings": {"title": "Sightings", "description": "Every address each statement was seen at.",
                      "facets": ["source"]},
        "sources": {"title": "Sources", "description": "The source registry.", "facets": ["publisher", "country"],
                    "label_column": "name"},
        "crawl_runs": {"title": "Crawl runs", "description": "One row per crawl of a source, with its outcome.",
                       "facets": ["status", "source"], "sort_desc": "started_at"},
    }
    queries = {
        "latest_coe": {
            "title": "Latest Council of Europe statements",
            "sql": "SELECT id, published, source, language, title, url, score FROM coe_statements LIMIT 100",
        },
        "source_timeline": {
            "title": "One source's timeline",
            "description": "Statements first published by a source, newest first (source: an id from sources).",
            "sql": f"SELECT {STATEMENT_COLUMNS} FROM statements s WHERE s.source = :source "
                   "ORDER BY coalesce(s.published_at, s.first_seen_at) DESC, s.id DESC LIMIT 200",
        },
        "about_body": {
            "title": "Statements about one body",
            "description": "Statements about a Council of Europe body or instrument (tag: pace, echr_court, cpt …), "
                           "passing mentions left out.",
            "sql": f"SELECT {STATEMENT_COLUMNS}, tg.score FROM statement_tags tg "
                   "JOIN statements s ON s.id = tg.statement_id WHERE tg.tag = lower(:tag) AND tg.score >= 0.5 "
                   "ORDER BY tg.sort_at DESC, tg.statement_id DESC LIMIT 200",
        },
    }
    return {
        "title": "communique",
        "description": "What foreign ministries, the Council of Europe and news sites said, "
                       "tagged where it concerns the Council of Europe.",
        "databases": {db_name: {"tables": tables, "queries": queries}},
    }


def datasette_app(db_path: str | Path):
    """A Datasette instance over the database (read-only), with communique's metadata."""
    try:
        from datasette.app import Datasette
    except ImportError:
        raise UserError("communique serve needs Datasette: pip install 'communique[web]'") from None
    path = Path(db_path)
    open_db(path, create=False).close()  # the one "no database at …" check; applies pending migrations
    return Datasette(immutables=[str(path)], metadata=metadata(path.stem), settings={"default_page_size": 50})


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@db_option
def serve(host, port, db_path):
    """Browse and search the database in Datasette (needs the `web` extra).

    Full-text search on statements, facets on source, tag and language, and canned
    queries: latest Council of Europe statements, one source's timeline, statements
    about one body.

    Example:

    \b
        communique serve --db data/demo.db --port 8001
    """
    app = datasette_app(db_path)
    import uvicorn

    sock = _listen(host, port)  # bound before saying so: a port in use is one line, --port 0 gets a real port
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"serving {db_path} at http://{shown_host}:{bound_port}/ (Ctrl-C stops)")
    uvicorn.Server(uvicorn.Config(app.app(), log_level="warning")).run(sockets=[sock])


def _listen(host: str, port: int):
    """A listening socket on host:port, or a one-line UserError saying why not."""
    import socket

    sock = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:  # socket.gaierror too: an unknown host name
        if sock is not None:
            sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock
