"""The statement stages, in order, in one place: normalize → dedup → tag → store.

Each stage is a plain function of one statement (no Scrapy in any of them): it returns the
statement to pass on, returns None when the statement needs no further work (dedup: its
address is already stored), or raises EmptyStatement (normalize: nothing readable left).
The one Scrapy item pipeline (pipelines/item_pipeline.py) runs this list in one hop;
`sources --check` uses the same list with the check report in the store stage's place,
and nothing stored, so nothing is known.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pipelines.dedup import dedup
from pipelines.normalize import normalize
from pipelines.tagging import Lexicon, tag_statement
from spiders.items import Statement

Stage = Callable[[Statement], Statement | None]


def statement_stages(*, stored_fingerprint: Callable[[str], str | None], lexicon: Lexicon,
                     sink: Stage, identity_rule=None) -> list[tuple[str, Stage]]:
    """(name, stage) in the order every statement goes through them; `sink` stores or reports."""
    return [
        ("normalize", normalize),
        ("dedup", partial(dedup, stored_fingerprint=stored_fingerprint, identity_rule=identity_rule)),
        ("tag", partial(tag_statement, lexicon=lexicon)),
        ("store", sink),
    ]


def run_stages(stages: list[tuple[str, Stage]], item: Statement) -> tuple[Statement | None, str]:
    """(the statement after every stage, "") or (None, name of the stage that stopped it)."""
    for name, stage in stages:
        item = stage(item)
        if item is None:
            return None, name
    return item, ""
