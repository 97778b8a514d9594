"""The ``twin`` command.

Every problem with user input is printed as one line naming the file, the field,
what was found and what was expected, and the command exits with status 2 —
never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from twin.errors import InputError


class _Commands(TyperGroup):
    """Runs a command and turns any InputError it raises into one line per problem and exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as err:
            fail(err)


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Digital twin of GW-scale AI training sites: cooling plant, electrical network, dispatch.")
console = Console()
err_console = Console(stderr=True)


def fail(error: InputError) -> None:
    """Print every problem on its own line and exit with status 2."""
    for problem in error.problems:
        err_console.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _mw(watts: float) -> str:
    return f"{watts / 1e6:,.1f} MW"


@app.command("sites")
def sites_command() -> None:
    """List the built-in sites with location, IT peak and racks by type."""
    from twin.site import builtin_sites, load_site

    table = Table(title="Built-in sites")
    for column in ("site", "location", "IT peak", "racks by type"):
        table.add_column(column)
    for name in builtin_sites():
        site = load_site(name)
        racks = ", ".join(f"{n:,} {m}" for m, n in site.racks_by_model().items())
        table.add_row(name, site.location.name, _mw(site.P_it_peak), racks)
    console.print(table)


@app.command("catalog")
def catalog_command(kind: Optional[str] = typer.Argument(None, help="rack, cdu, chiller, ... (all if omitted)")) -> None:
    """List the equipment catalogue, or one kind of it."""
    from twin.catalog import KINDS, did_you_mean, load_catalog

    catalog = load_catalog()
    if kind is not None and kind not in KINDS:
        fail(InputError.one("<command line>", "KIND", repr(kind),
                            "one of " + ", ".join(KINDS) + did_you_mean(kind, KINDS)))
    table = Table(title="Equipment catalogue")
    for column in ("kind", "name", "description", "estimate"):
        table.add_column(column)
    for k in [kind] if kind else list(KINDS):
        for name, entry in catalog.of_kind(k).items():
            flag = "yes" if entry.estimate else (f"{len(entry.estimated)} fields" if entry.estimated else "no")
            table.add_row(k, name, entry.description, flag)
    console.print(table)


@app.command("validate")
def validate_command(sites: list[str] = typer.Argument(..., help="built-in site names or site TOML paths")) -> None:
    """Check site files: schema, catalogue references, units and physical plausibility."""
    from twin.site import load_site

    problems = []
    for name in sites:
        try:
            site = load_site(name)
            console.print(f"ok: {name} ({site.n_racks:,} racks, IT peak {_mw(site.P_it_peak)})")
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        fail(InputError(problems))


@app.command("show")
def show_command(site_name: str = typer.Argument(..., metavar="SITE"),
                 graph: Optional[Path] = typer.Option(None, "--graph", help="draw the topology to this PNG")) -> None:
    """Summarise a site: IT peak, racks, cooling and electrical capacity."""
    from twin.site import load_site, plant_capacity

    site = load_site(site_name)
    el = site.electrical
    console.print(f"[bold]{site.name}[/bold]: {site.description}")
    console.print(f"location: {site.location.name}; weather: {site.location.weather}")
    table = Table(title="IT")
    for column in ("group", "rack", "count", "halls", "peak per rack", "group peak", "CDU"):
        table.add_column(column)
    for g in site.rack_groups:
        table.add_row(g.name, g.rack, f"{g.count:,}", str(g.halls), f"{g.model.P_peak / 1e3:,.0f} kW", _mw(g.P_peak),
                      f"{g.cdu_count:,} x {g.cdu_model.name}" if g.cdu_model else "rear door")
    console.print(table)
    console.print(f"IT peak {_mw(site.P_it_peak)}; design PUE {site.pue_design:g} -> facility peak "
                  f"{_mw(site.P_it_peak * site.pue_design)}")
    for plant in site.plants:
        console.print(f"plant {plant.name} ({plant.arrangement}): {_mw(plant_capacity(plant))} with spares out")
    for loop in site.facility_loops:
        console.print(f"facility loop {loop.name}: supply {loop.T_supply_set:g} degC ({loop.liquid_class}), "
                      f"plant {loop.plant}")
    console.print(f"utility import {_mw(el.utility.P_import_max)}{' (islanded)' if el.islanded else ''}; "
                  f"turbines {_mw(el.P_turbines)}; BESS {_mw(el.P_bess)} / {el.E_bess / 3.6e9:,.0f} MWh")
    if graph is not None:
        from twin.plots import draw_topology

        draw_topology(site, graph)
        console.print(f"topology drawn to {graph}")


def main() -> None:
    """Entry point of the ``twin`` command."""
    app()
