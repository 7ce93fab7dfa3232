"""`kelisim --help` says in one line what every subcommand does (prepare and demo-data
were listed without a word)."""

from __future__ import annotations

import argparse

import pytest

from kelisim.cli import parser

pytestmark = pytest.mark.db_independent


def _subcommands(
    command: argparse.ArgumentParser, path: str = "kelisim"
) -> list[tuple[str, str | None, argparse.ArgumentParser]]:
    """Every subcommand under `command`, nested ones too: its full name, help and parser."""
    found = []
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((f"{path} {name}", helps.get(name), sub))
                found += _subcommands(sub, f"{path} {name}")
    return found


def test_every_subcommand_has_a_one_line_help() -> None:
    commands = _subcommands(parser())
    names = {name for name, _, _ in commands}
    assert {"kelisim prepare", "kelisim demo-data", "kelisim audit verify"} <= names
    for name, text, _ in commands:
        assert text and text.strip(), f"{name} has no help"
        assert "\n" not in text, f"{name}: the help is more than one line"


def test_every_argument_of_every_subcommand_is_explained() -> None:
    for name, _, sub in _subcommands(parser()):
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert action.help, f"{name} {action.dest} has no help"


def test_the_top_help_lists_each_subcommand_with_its_words() -> None:
    shown = parser().format_help()
    for name in ("prepare", "demo-data"):
        line = next(line for line in shown.splitlines() if line.strip().startswith(name))
        assert line.strip() != name, line
