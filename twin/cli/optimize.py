"""``twin optimize``: the dispatch and set-point commands as a sub-app (imported only when used).

dispatch and setpoints show a live "working, N s" line on a terminal while they build, solve and
verify; sweep a progress bar of its cases."""

import typer

from twin.cli import _Finite
from twin.cli.progress import with_working
from twin.optimize import commands

app = typer.Typer(cls=_Finite, no_args_is_help=True, add_completion=False,
                  help="Power scheduling (dispatch) and cooling set-points.")
app.command("dispatch")(with_working(commands.dispatch_command, "optimize dispatch"))
app.command("setpoints")(with_working(commands.setpoints_command, "optimize setpoints"))
app.command("sweep")(commands.sweep_command)  # its own n-of-m progress bar
