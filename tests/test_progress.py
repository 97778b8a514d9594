"""The optimize commands show a live "working, N s" line on a terminal (and nothing in a pipe);
the wrapped commands keep their options and help."""

import inspect
import io
import time

from rich.console import Console
from typer.testing import CliRunner

from twin.cli import app
from twin.cli.progress import with_working, working
from twin.optimize.commands import dispatch_command


def test_working_line_on_a_terminal_and_the_block_output_above_it():
    screen = Console(file=io.StringIO(), force_terminal=True, width=100)
    with working("optimize dispatch", console=screen):
        screen.print("a table")
        time.sleep(0.6)
    text = screen.file.getvalue()
    assert "optimize dispatch: working, 0 s" in text and "a table" in text


def test_nothing_drawn_off_a_terminal():
    pipe = Console(file=io.StringIO(), force_terminal=False)
    with working("optimize dispatch", console=pipe):
        pass
    assert pipe.file.getvalue() == ""


def test_wrapped_commands_keep_signature_and_help():
    wrapped = with_working(dispatch_command, "optimize dispatch")
    assert inspect.signature(wrapped) == inspect.signature(dispatch_command)
    result = CliRunner().invoke(app, ["optimize", "dispatch", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "--days" in result.output and "--mpc-window" in result.output


def test_optimize_sweep_reports_its_cases_to_a_progress_bar(monkeypatch):
    import twin.optimize.sweep as plan_sweep
    from twin.errors import InputError

    seen = []

    def fake(site, vary, *, progress=None, **options):
        progress(0, 2)
        progress(2, 2)
        seen.append(progress)
        raise InputError.one("<test>", "case", "stopped here", "nothing")

    monkeypatch.setattr(plan_sweep, "run_plan_sweep", fake)
    result = CliRunner().invoke(app, ["optimize", "sweep", "demo", "--vary", "bess_scale=0,1", "--days", "1"])
    assert result.exit_code == 2 and len(seen) == 1 and callable(seen[0])
