"""Progress for people: sources done, pages fetched and new statements while crawls run.

On a terminal a live `rich` progress bar sits under the per-source result lines; elsewhere
(cron, systemd, a pipe, the tests) nothing is redrawn: each finished crawl adds one plain,
timestamped `progress` line on stderr, so stdout keeps one result line per source for
scripts, and a log keeps the running totals.

Result lines carry text from crawl runs (a site's error message), so they are printed
terminal-safe (scheduler/output.py) and never read as rich markup.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

import click

from scheduler.crawl import CrawlResult
from scheduler.output import echo, terminal_safe


@dataclass
class Totals:
    total: int
    done: int = 0
    pages: int = 0
    new: int = 0
    not_ok: int = 0

    def add(self, result: CrawlResult) -> None:
        self.done += 1
        self.pages += result.pages
        self.new += result.new
        self.not_ok += not result.ok

    def line(self) -> str:
        """'3/5 sources done, 41 pages, 7 new statements (1 not ok)'."""
        text = (f"{self.done}/{self.total} source{'s' * (self.total != 1)} done, {self.pages} page{'s' * (self.pages != 1)}, "
                f"{self.new} new statement{'s' * (self.new != 1)}")
        return text + (f" ({self.not_ok} not ok)" if self.not_ok else "")


def on_terminal() -> bool:
    """Whether a person watches: stdout and stderr both a terminal (not a pipe, a file or a test runner)."""
    return all(getattr(stream, "isatty", lambda: False)() for stream in (sys.stdout, sys.stderr))


class CrawlProgress:
    """`with CrawlProgress(total) as p: ... p.finished(result, line)` — called from crawl threads.

    `live=None` decides by the terminal; `total` may be set later (`set_total`), once the
    sources that are due are known.
    """

    def __init__(self, total: int = 0, *, live: bool | None = None, what: str = "crawling"):
        self.totals = Totals(total)
        self.live = on_terminal() if live is None else live
        self.what = what
        self._lock = threading.Lock()
        self._progress = None
        self._task = None

    def __enter__(self) -> Self:
        if self.live:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("sources · {task.fields[pages]} pages · {task.fields[new]} new statements"),
                TimeElapsedColumn(), transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.what, total=self.totals.total or None, pages=0, new=0)
        return self

    def set_total(self, total: int) -> None:
        with self._lock:
            self.totals.total = total
            if self._progress is not None:
                self._progress.update(self._task, total=total or None)

    def finished(self, result: CrawlResult, line: str) -> None:
        """One crawl is over: print its result line, then the running totals."""
        with self._lock:
            self.totals.add(result)
            if self._progress is not None:
                from rich.text import Text

                self._progress.console.print(Text(terminal_safe(line)), highlight=False, soft_wrap=True)
                self._progress.update(self._task, completed=self.totals.done, pages=self.totals.pages,
                                      new=self.totals.new)
                return
            echo(line)
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
            click.echo(f"{stamp} progress: {self.totals.line()}", err=True)
            sys.stderr.flush()

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
