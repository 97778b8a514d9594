"""A live "working" line on the terminal for commands whose time goes into one long call.

``with working("optimize dispatch"):`` shows a spinner with the elapsed time on stderr while the
block runs; what the block prints goes above it, and the line disappears at the end.  Nothing is
drawn when stderr is not a terminal (pipes, logs, tests), so outputs stay clean.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager


class _Elapsed:
    """A spinner whose text carries the elapsed time (re-rendered by rich at each refresh)."""

    def __init__(self, label: str):
        from rich.spinner import Spinner

        self.label, self.start = label, time.monotonic()
        self.spinner = Spinner("dots", text=label)

    def __rich__(self):
        self.spinner.update(text=f"{self.label}: working, {time.monotonic() - self.start:,.0f} s")
        return self.spinner


@contextmanager
def working(label: str, console=None):
    """Show ``label: working, N s`` on ``console`` (default: stderr) while the block runs."""
    from rich.console import Console
    from rich.live import Live

    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with Live(_Elapsed(label), console=console, transient=True, refresh_per_second=4, redirect_stdout=True,
              redirect_stderr=False):
        yield


def with_working(function, label: str):
    """``function`` (a command) run inside :func:`working`; same signature and help for typer."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        with working(label):
            return function(*args, **kwargs)
    return run
