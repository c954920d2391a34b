"""communique's command line: the group, its error handling, and the commands it assembles.

The commands live in scheduler/commands/, one module per topic; their docstrings are
their help. Errors a user can cause or meet (a bad registry, an unwritable database, a
dead site) are printed as one line; the exit code says whether everything worked.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

import click

from scheduler.commands.common import UserError
from scheduler.lazy_commands import LazyCommands
from spiders import config
from spiders.errors import CommuniqueError


class Cli(click.Group):
    """Turns communique's own errors into one line; anything else is a bug, said as one.

    A CommuniqueError is a problem the user can act on (a bad registry, a locked database).
    Any other exception is a bug in communique: one line saying so and where its traceback
    was written (shown on screen with --debug), and a non-zero exit.
    """

    def invoke(self, ctx):
        if config.no_color():
            ctx.color = False  # click.echo then strips styling on a terminal too; commands inherit it
        try:
            return super().invoke(ctx)
        except CommuniqueError as exc:
            raise UserError(str(exc)) from None
        except sqlite3.Error as exc:
            raise UserError(f"database error: {exc}") from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            # Ctrl-C: one line and the shell's usual 130 (as `crawl` documents), not click's "Aborted!" and 1.
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None
        except BrokenPipeError:
            # The reader went away (`communique show 1 | head`): nothing more to say, and no bug.
            # Point stdout at /dev/null so the interpreter's last flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise UserError(_report_bug(exc)) from None


def _report_bug(exc: Exception) -> str:
    """Write the traceback of an unexpected error to a log file; the one line that names it."""
    detail = " ".join(str(exc).split())[:200]
    where = "run again with --debug to see the traceback"
    for folder in (config.state_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "communique-errors.log"
            with path.open("a", encoding="utf-8") as log:
                log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
                log.write(traceback.format_exc())
            where = f"traceback in {path}"
            break
        except OSError:
            continue
    return f"internal error (a bug in communique, please report it): {type(exc).__name__}: {detail} ({where})"


# Each command's module, imported when the command runs (scheduler/lazy_commands.py says why).
COMMANDS = {
    "crawl": "scheduler.commands.crawl:crawl",
    "search": "scheduler.commands.query:search",
    "show": "scheduler.commands.query:show",
    "sources": "scheduler.commands.sources:sources",
    "extract": "scheduler.commands.sources:extract",
    "demo": "scheduler.commands.demo:demo",
    "stats": "scheduler.commands.stats:stats",
    "export": "scheduler.commands.export:export",
    "serve": "scheduler.commands.serve:serve",
    "tag": "scheduler.tag_commands:tag_cmd",
    "retag": "scheduler.tag_commands:retag_cmd",
    "tag-eval": "scheduler.tag_commands:tag_eval_cmd",
    "subscribe": "scheduler.commands.alerts:subscribe",
    "unsubscribe": "scheduler.commands.alerts:unsubscribe",
    "subscriptions": "scheduler.commands.alerts:subscriptions",
    "alerts": "scheduler.commands.alerts:alerts",
    "schedule": "scheduler.commands.schedule:schedule_cmd",
    "recheck": "scheduler.commands.recheck:recheck_cmd",
    "relink": "scheduler.commands.relink:relink_cmd",
}


@click.group(cls=Cli, commands=LazyCommands(COMMANDS))
@click.version_option(package_name="communique")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error instead of one line.")
@click.pass_context
def cli(ctx, debug):
    """Watch what foreign ministries and news sites say about the Council of Europe."""
    ctx.obj = {"debug": debug}


def main():
    _tolerate_narrow_encodings()
    cli(args=[_utf8_argument(arg) for arg in sys.argv[1:]], prog_name="communique")


def _tolerate_narrow_encodings() -> None:
    """On a terminal or pipe that is not UTF-8 (a latin-1 locale, PYTHONIOENCODING=ascii), print what
    the encoding cannot show as "?" instead of failing on the first Cyrillic title."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def _utf8_argument(arg: str) -> str:
    """A command-line argument as the UTF-8 the user typed, even when Python decoded it with a narrower
    locale (LC_ALL=C without UTF-8 mode turns «Рада» into surrogates that match nothing)."""
    raw = os.fsencode(arg)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return arg  # not UTF-8: keep the locale's reading


def __getattr__(name: str):
    """`from scheduler.cli import LOCAL_SITE_SETTINGS` (tests, bench) without importing the demo at start-up."""
    if name == "LOCAL_SITE_SETTINGS":
        from scheduler.commands.demo import LOCAL_SITE_SETTINGS

        return LOCAL_SITE_SETTINGS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
