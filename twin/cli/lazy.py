"""Commands imported only when they run, so ``twin --help`` starts in a fraction of a second.

``lazy("optimize", "twin.cli.optimize:app", "Power scheduling ...")`` registers a
command (a function with typer-annotated parameters) or a ``typer.Typer`` sub-app by
its import path.  ``twin --help`` lists it from the help text given here; ``twin
optimize ...`` imports the module and builds the real command.
"""

from __future__ import annotations

from importlib import import_module

import click
from typer.core import TyperGroup

#: name -> (import path "module:attribute", one-line help)
LAZY: dict[str, tuple[str, str]] = {}


def lazy(name: str, target: str, help: str) -> None:
    """Register command ``name`` as ``target`` ("module:attribute"), imported on first use."""
    LAZY[name] = (target, help)


def _load(name: str) -> click.Command:
    import typer

    target, help_text = LAZY[name]
    module, _, attribute = target.partition(":")
    obj = getattr(import_module(module), attribute)
    if isinstance(obj, typer.Typer):
        command = typer.main.get_group(obj)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A TyperGroup that lists lazy commands by their help and imports one only to run it."""

    _listing = False

    def list_commands(self, ctx):
        return list(super().list_commands(ctx)) + [n for n in LAZY if n not in self.commands]

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None or name not in LAZY:
            return command
        if self._listing:  # a stand-in carrying the help line; nothing imported
            return click.Command(name, help=LAZY[name][1], short_help=LAZY[name][1])
        command = _load(name)
        self.add_command(command, name)
        return command

    def format_help(self, ctx, formatter):
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False
