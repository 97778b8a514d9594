"""``twin optimize``: the dispatch and set-point commands as a sub-app (imported only when used)."""

import typer

from twin.cli import _Finite
from twin.optimize import commands

app = typer.Typer(cls=_Finite, no_args_is_help=True, add_completion=False,
                  help="Power scheduling (dispatch) and cooling set-points.")
app.command("dispatch")(commands.dispatch_command)
app.command("setpoints")(commands.setpoints_command)
app.command("sweep")(commands.sweep_command)
