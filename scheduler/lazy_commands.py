"""The CLI's commands, each imported only when it is used.

`communique search` must not pay for Scrapy, Jinja, APScheduler or MinHash before it
reads a row: every command module imports what its command needs, and the group holds
this mapping of command name -> "module:attribute" instead of the commands themselves.
Looking a command up (running it, or its --help) imports its module; listing the names
imports nothing; `communique --help` imports them all, for their one-line help.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

import click


class LazyCommands(MutableMapping):
    """click.Group.commands that imports a command's module on first look-up."""

    def __init__(self, locations: dict[str, str]):
        self._locations = dict(locations)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module_name, attribute = self._locations[name].split(":")  # KeyError: no such command
            command = getattr(importlib.import_module(module_name), attribute)
            if command.name != name:
                raise RuntimeError(f"{self._locations[name]} is the command {command.name!r}, not {name!r}")
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._locations.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._locations[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._locations)

    def __len__(self) -> int:
        return len(self._locations)

    def __contains__(self, name: object) -> bool:
        return name in self._locations
