"""The README and the CLI agree: every command is documented, every documented command line parses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from scheduler.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
TABLE_COMMANDS = set(re.findall(r"^\| `communique ([a-z-]+)", README, re.MULTILINE))


def _readme_command_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```(?:bash|sh|console)?\n(.*?)```", README, re.DOTALL):
        for line in block.splitlines():
            line = line.split(" #")[0].strip()
            if re.search(r"(^|[ /])communique ", line) and "pip install" not in line:
                lines.append(line)
    for span in re.findall(r"`(communique [^`]+)`", README):  # inline examples in the prose
        if not re.search(r"[\[|…]|\b[A-Z]{2,}\b", span):  # skip synopses with placeholders
            lines.append(span)
    return lines


def test_every_command_is_in_the_readme_table():
    assert set(cli.commands) - TABLE_COMMANDS == set()


def test_every_command_in_the_readme_table_exists():
    assert TABLE_COMMANDS - set(cli.commands) == set()


def test_every_command_has_help_with_an_example():
    for name, command in cli.commands.items():
        assert command.help and len(command.help.split("\n")[0]) > 10, name
        assert "Example:" in command.help, name


@pytest.mark.parametrize("line", _readme_command_lines())
def test_readme_command_lines_parse(line):
    words = shlex.split(line)
    words = words[next(i for i, w in enumerate(words) if w.endswith("communique")) + 1:]
    words = [w for w in words if not w.startswith("|")]
    name, args = words[0], words[1:]
    assert name in cli.commands, line
    command = cli.commands[name]
    if not args:  # a command named in the prose, not a command line
        return
    with command.make_context(name, list(args), parent=click.Context(cli)):  # raises on an unknown option
        pass


def test_the_readme_example_source_is_valid(tmp_path):
    from spiders.sources import load_sources

    block = next(b for b in re.findall(r"```toml\n(.*?)```", README, re.DOTALL) if 'id = "example-mfa-en"' in b)
    path = tmp_path / "sources.toml"
    path.write_text(block, encoding="utf-8")
    source = load_sources(path)["example-mfa-en"]
    assert list(source.feed_urls) == ["https://mfa.example/en/rss.xml"]
    assert source.identity
