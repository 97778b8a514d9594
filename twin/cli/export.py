"""``twin export RUN --format csv|parquet|xlsx``: a result's tables for spreadsheets and dataframes."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console()


def export_command(
    run: Path = typer.Argument(..., help="a result written by twin simulate --out (netCDF)"),
    format: str = typer.Option("xlsx", "--format", help="csv | parquet | xlsx (one sheet per table)"),
    out: Optional[Path] = typer.Option(None, help="output path stem (default: RUN without its suffix)"),
) -> None:
    """Export a result's summary, monthly table, time series and provenance as CSV, Parquet or Excel."""
    from twin.export import FORMATS, export
    from twin.errors import InputError
    from twin.report import load_run

    if format not in FORMATS:
        raise InputError.one("<command line>", "--format", repr(format), "one of " + ", ".join(FORMATS))
    ds = load_run(run)
    for path in export(ds, out if out is not None else run.with_suffix(""), format):
        console.print(f"written {path}", markup=False, highlight=False, soft_wrap=True)
