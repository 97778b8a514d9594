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

from twin.cli.lazy import LazyGroup, lazy
from twin.errors import InputError, Problem


class _Finite(TyperGroup):
    """A group whose commands refuse NaN and infinite numbers in any option or argument."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None and command.callback is not None and not hasattr(command.callback, "__finite__"):
            command.callback = _finite_numbers(command.callback, command)
        return command


class _Commands(_Finite, LazyGroup):
    """The one error path: any InputError -> one line per problem, exit 2; any unexpected
    exception -> one line pointing to a log file with the traceback, exit 1. Commands are
    imported only when they run (``LazyGroup``)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as err:
            fail(err)
        except Exception as err:  # noqa: BLE001 - the one place that turns a bug into one line and a log
            if _is_click(err):  # usage errors, --help, exits: click reports them itself
                raise
            crash(err)


def _is_click(error: BaseException) -> bool:
    """An exception of click's (or typer's vendored click's) own control flow."""
    return isinstance(error, (typer.Exit, typer.Abort)) or any(
        cls.__name__ in ("ClickException", "Exit", "Abort") and "click" in cls.__module__
        for cls in type(error).__mro__)


def _finite_numbers(callback, command):
    """``callback`` refusing NaN and infinite numbers in any option or argument of ``command``."""
    import functools
    import math

    names = {p.name: (p.opts[0] if p.opts else p.name) for p in command.params}

    @functools.wraps(callback)
    def checked(**kwargs):
        problems = [Problem("<command line>", names.get(k, k), repr(v), "a finite number")
                    for k, v in kwargs.items() if isinstance(v, float) and not math.isfinite(v)]
        if problems:
            raise InputError(problems)
        return callback(**kwargs)

    checked.__finite__ = True
    return checked


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Digital twin of GW-scale AI training sites: cooling plant, electrical network, dispatch.")
console = Console()
err_console = Console(stderr=True)


def fail(error: InputError) -> None:
    """Print every problem on its own line and exit with status 2."""
    for problem in error.problems:
        err_console.print(f"error: {problem}", markup=False, highlight=False, emoji=False, soft_wrap=True)
    raise typer.Exit(2)


def crash(error: BaseException) -> None:
    """Write the traceback of an unexpected error to a log file; print one line pointing to it; exit 1."""
    from twin.cli.errors import write_crash_log

    log = write_crash_log(error)
    first = (str(error).strip().splitlines() or [""])[0][:200]
    where = f"traceback in {log}" if log else "the traceback could not be written"
    err_console.print(f"error: unexpected {type(error).__name__}: {first} (a bug in twin; {where})",
                      markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


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
def catalog_command(kind: Optional[str] = typer.Argument(None, help="rack, cdu, chiller, ... (all if omitted)"),
                    name: Optional[str] = typer.Argument(None, help="one entry: its datasheet"),
                    site: Optional[str] = typer.Option(None, "--site", help="also the site's own catalogue "
                                                                           "folders (its `catalogues`)")) -> None:
    """List the equipment catalogue, or one kind of it, or one entry's datasheet (sources and estimates)."""
    from twin.catalog import KINDS, did_you_mean, load_catalog

    catalog = load_catalog()
    if site is not None:
        from twin.site import load_site

        catalog = catalog.with_folders(load_site(site).catalogues, file=site)
    if kind is not None and kind not in KINDS:
        names = {n: k for k in KINDS for n in catalog.of_kind(k)}
        hint = f" (or: twin catalog {names[kind]} {kind})" if kind in names else did_you_mean(kind, KINDS)
        fail(InputError.one("<command line>", "KIND", repr(kind), "one of " + ", ".join(KINDS) + hint))
    if name is not None:
        from twin.cli.equipment import datasheet

        header, sheet = datasheet(kind, name, catalog)
        for line in header:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        console.print(sheet)
        return
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
                 graph: Optional[Path] = typer.Option(None, "--graph", help="draw the component graph the engine assembles from to this PNG"),
                 equipment: bool = typer.Option(False, "--equipment",
                                                help="the equipment schedule: counts, ratings, spares, basis")) -> None:
    """Summarise a site: IT peak, racks, cooling and electrical capacity (or its equipment schedule)."""
    from twin.site import load_site, plant_capacity

    site = load_site(site_name)
    if equipment:
        from twin.cli.equipment import schedule_table

        console.print(schedule_table(site))
        return
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
                  f"gas turbines {_mw(el.P_turbines)}; BESS {_mw(el.P_bess)} / {el.E_bess / 3.6e9:,.0f} MWh")
    for fleet in el.turbines:  # 'solar_*' are Solar Turbines' models: say what they are
        console.print(f"gas-turbine fleet: {fleet.count} x {fleet.model} ({fleet.entry.description}), "
                      f"{_mw(fleet.count * fleet.entry.P_rated)}", markup=False, highlight=False, soft_wrap=True)
    if graph is not None:
        from twin.plots import draw_topology

        draw_topology(site, graph)
        console.print(f"topology drawn to {graph}")


WORKLOADS = ("constant", "training", "training-smoothed", "inference")


def make_workload(name: str, site, *, fraction: float = 0.8):
    """A workload profile by name, sized for ``site`` (GPU count sets the restart rate)."""
    from twin import workload
    from twin.catalog import did_you_mean

    gpus = sum(g.count * g.model.accelerator_count for g in site.rack_groups)
    if name == "constant":
        return workload.ConstantProfile(fraction)
    if name == "training":
        return workload.TrainingProfile(n_gpus=max(gpus, 1))
    if name == "training-smoothed":  # GB200/GB300 power smoothing: floor and ramp limits
        return workload.TrainingProfile(n_gpus=max(gpus, 1), power_floor_fraction=0.6, ramp_rate_limit=0.1)
    if name == "inference":
        return workload.InferenceProfile()
    raise InputError.one("<command line>", "--workload", repr(name),
                         "one of " + ", ".join(WORKLOADS) + did_you_mean(name, WORKLOADS))


def summarise_run(ds) -> Table:
    """The headline numbers of a simulation as a table."""
    import numpy as np

    from twin.clock import label, result_zone

    hours = ds.sizes["time"] * ds.attrs["step_s"] / 3600
    table = Table(title=f"{ds.attrs['site']}: {hours:g} h from {label(ds.time.values, result_zone(ds))} "
                        f"({ds.attrs['mode']})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    from twin.metrics import display_rows

    rows = [
        *display_rows(ds),
        ("mean IT power", f"{float(ds.P_it_total.mean()) / 1e6:,.2f} MW"),
        ("peak cooling power", f"{float(ds.P_cooling.max()) / 1e6:,.2f} MW"),
        ("max die temperature", f"{float(ds.T_die_max.max()):.1f} degC"),
        ("max TCS supply", f"{float(ds.T_tcs_supply.max()):.1f} degC"),
        ("max facility supply", f"{float(ds.T_fws_supply.max()):.1f} degC"),
        ("throttled racks (max)", f"{float(ds.n_throttled.sum('group').max()):,.0f}"),
        ("energy-balance residual", f"{ds.twin.energy_residual():.2e} of IT energy"),
    ]
    over = ds.T_fws_supply > ds.liquid_class_limit
    if bool(over.any()):
        loop = str(ds.loop.values[int(np.argmax(over.any("time").values))])
        rows.append(("ASHRAE class", f"exceeded on loop {loop} for {int(over.sum())} steps"))
    else:
        held = "held on every loop" + (" while the plant had power" if ds.attrs.get("cooling_unpowered_from") else "")
        rows.append(("ASHRAE class", held))
    rows.append(("correlations out of range", _out_of_range(ds)))
    for key, what in (("racks", "racks without power (stopped)"), ("cooling", "cooling plant without power (stopped)")):
        if ds.attrs.get(f"{key}_unpowered_from"):
            rows.insert(0, (what, f"from {ds.attrs[key + '_unpowered_from']}, "
                                  f"{ds.attrs[key + '_unpowered_steps'] * ds.attrs['step_s'] / 60:,.1f} min in all"))
    hottest = float(np.nanmax(ds.T_tcs_supply.values)) if ds.T_tcs_supply.notnull().any() else float("nan")
    if max(hottest, float(ds.T_fws_supply.max())) > 95.0:
        rows.append(("WARNING", "coolant above 95 degC: the water would boil; racks would have tripped "
                                "(not modelled) - read temperatures past this point as a runaway"))
    if "P_poi" in ds:
        a = ds.attrs
        rows += [
            ("grid import peak", f"{a['electrical_P_poi_peak'] / 1e6:,.1f} MW"),
            ("grid ramp, max over 1 s", f"{a['electrical_P_poi_ramp_max_1s'] / 1e6:,.2f} MW/s"),
            ("grid ramp, max over 60 s", f"{a['electrical_P_poi_ramp_max_60s'] / 1e6:,.1f} MW/min"),
            ("site demand ramp, max over 1 s", f"{a['electrical_P_demand_ramp_max_1s'] / 1e6:,.2f} MW/s"),
            ("grid oscillation 0.1-20 Hz (rms)", _mw_or_na(a["electrical_P_poi_oscillation_rms"])),
            ("site demand oscillation 0.1-20 Hz", _mw_or_na(a["electrical_P_demand_oscillation_rms"])),
            ("BESS state of charge", f"{a['electrical_soc_min']:.2f} - {a['electrical_soc_max']:.2f}"
             if a["electrical_soc_max"] > 0 else "no battery"),
            ("turbine fuel / NOx", f"{a['electrical_fuel'] / 1.055e9:,.0f} MMBtu / {a['electrical_NOx']:,.1f} kg"),
            ("unserved energy", f"{a['electrical_E_unserved'] / 3.6e9:,.3f} MWh"),
            ("UPS ride-through", f"{a['electrical_ups_ride_through_time']:,.0f} s"),
            ("power-balance residual", f"{ds.twin.power_residual():.2e} of peak load"),
        ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def print_summary(ds) -> None:
    """What did not hold (one "NOT HELD" line each), then the headline table."""
    from twin.cli.held import did_not_hold

    for line in did_not_hold(ds):
        console.print(f"NOT HELD: {line}", style="bold red", markup=False, highlight=False, soft_wrap=True)
    console.print(summarise_run(ds))


def ride_through_table(ds) -> Optional[Table]:
    """Ride-through metrics from the first event the result records (None without events)."""
    from twin.metrics import ride_through_rows
    from twin.results import read_events

    events = read_events(ds)
    if not events:
        return None
    table = Table(title=f"ride-through: {ds.attrs.get('scenario', '')}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in ride_through_rows(ds):  # the report's rows
        table.add_row(name, value)
    return table


def _out_of_range(ds) -> str:
    """The summary's validity row: "none" when every correlation held, else how many left their range
    (the lines themselves are printed above the table by :func:`twin.cli.held.did_not_hold`)."""
    text = str(ds.attrs.get("out_of_range", "not assessed"))
    if text.startswith("none") or text == "not assessed":
        return text.split(":")[0]
    return f"{len(text.split('; '))} (listed above)"


def _mw_or_na(watts: float) -> str:
    return "n/a (step too coarse)" if watts != watts else f"{watts / 1e6:,.2f} MW"


@app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    site_name: str = typer.Argument(..., metavar="SITE"),
    start: str = typer.Option("2025-07-21 00:00", help="local time at the site (daylight saving included), "
                                                      "or with an offset: 2025-07-21T05:00Z"),
    hours: float = typer.Option(2.0, help="simulated hours"),
    weather: Optional[str] = typer.Option(None, help="EPW path, austin, memphis, design:<loc>:<cond>, heatwave:<loc>"),
    workload: str = typer.Option("constant", help="constant | training | training-smoothed | inference"),
    resolution: str = typer.Option("group", help="group (one rack per group) or rack (every rack)"),
    plant_step: float = typer.Option(10.0, help="plant step (s)"),
    mode: str = typer.Option("dynamic", help="dynamic or quasi_steady"),
    scenario: Optional[str] = typer.Option(None, help="e.g. chiller_trip:at=15:00,units=1 (see twin scenarios)"),
    poi_ramp_limit: Optional[float] = typer.Option(None, help="BESS smoothing: grid ramp limit (MW/s)"),
    electrical_resolution: str = typer.Option("plant", help="plant, or it: grid/BESS/turbines at every IT step"),
    it_step: float = typer.Option(1.0, help="IT power step (s)"),
    out: Optional[Path] = typer.Option(None, help="write the result Dataset to this netCDF file"),
    solver: Optional[str] = typer.Option(None, help="plant ODEs: method=LSODA,rtol=1e-6,atol=1e-6,step=10 "
                                                    "(the defaults; step: communication step in s, as "
                                                    "--plant-step). At 10 s peak temperatures are within "
                                                    "0.1 K of a Radau rtol 1e-8 reference, heat removed "
                                                    "and cooling electricity within 0.05 % "
                                                    "(README, tests/test_engine.py)"),
    overlay: Optional[Path] = typer.Option(None, help="calibrated parameters (TOML from twin telemetry calibrate)"),
) -> None:
    """Simulate a site's racks and cooling plant and print the headline numbers."""
    from rich.progress import Progress

    from twin.cli import options
    from twin.results import write_netcdf
    from twin.simulation import simulate
    from twin.simulation.plant import parse_solver
    from twin.site import load_site

    plant_solver, step = parse_solver(solver or "")
    plant_step = step or plant_step
    # every option parsed and bounded before any work starts
    options.number(hours, "--hours", 0.0, float("inf"), "h")
    options.number(plant_step, "--plant-step", 0.0, 3600.0, "s")
    options.number(it_step, "--it-step", 0.0, plant_step, "s (at most the plant step)")
    if poi_ramp_limit is not None:
        options.number(poi_ramp_limit, "--poi-ramp-limit", 0.0, 1e4, "MW/s")
    first = options.start(start)
    if options.output_file(out, "--out") is not None:
        from twin.outputs import claim

        ctx.with_resource(claim(out))  # held until the command ends
    site = load_site(site_name)
    if overlay is not None:  # read and checked before any work; simulate reads it again
        from twin.telemetry.calibrate import read_overlay

        read_overlay(overlay, site)
    profile = make_workload(workload, site)
    chosen = None
    if scenario is not None:  # parsed here to refuse a bad scenario before any work; simulate parses it again
        from twin.clock import parse_start, seconds_after_midnight, site_zone
        from twin.scenarios import parse

        zone = site_zone(site)
        chosen = parse(scenario, site, start_of_day=seconds_after_midnight(parse_start(first, zone).tz_convert(zone)),
                       duration=hours * 3600)
    units = site.n_racks if resolution == "rack" else len(site.rack_groups)
    options.check_run_size(units, hours, plant_step, it_step, mode=mode, it_series=electrical_resolution == "it")
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(f"simulating {site.name}", total=None)
        from twin.electrical import ElectricalControl

        control = ElectricalControl(poi_ramp_limit=poi_ramp_limit * 1e6 if poi_ramp_limit else None)
        ds = simulate(site, start=start, duration=hours * 3600, weather=weather, workload=profile,
                      resolution=resolution, plant_step=plant_step, mode=mode, scenario=scenario,
                      electrical=control, electrical_resolution=electrical_resolution, it_step=it_step,
                      solver=plant_solver, overlay=overlay,
                      progress=lambda done, total: bar.update(task, completed=done, total=total))
    print_summary(ds)
    if chosen is not None:
        table = ride_through_table(ds)
        if table is not None:
            console.print(table)
    if out is not None:
        write_netcdf(ds, out)
        console.print(f"written {out}")


@app.command("scenarios")
def scenarios_command() -> None:
    """List the named failure and weather scenarios and their parameters."""
    from twin.scenarios import describe

    table = Table(title="Scenarios (use NAME or NAME:key=value,... with --scenario)")
    table.add_column("name")
    table.add_column("what it does")
    for name, text in describe().items():
        table.add_row(name, text)
    console.print(table)


@app.command("run")
def run_command() -> None:
    """The main job: the demo site training through its 0.4 % evaporation design day: headline numbers."""
    from twin.simulation import simulate
    from twin.site import load_site

    site = load_site("demo")
    ds = simulate(site, weather="design:austin:evaporation_0.4", duration=24 * 3600, plant_step=30.0,
                  workload=make_workload("training", site))
    print_summary(ds)


def _version(value: bool) -> None:
    if value:
        from twin import __version__

        console.print(f"twin {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                          help="print the version and exit")) -> None:
    """Digital twin of GW-scale AI training sites: cooling plant, electrical network, dispatch."""


lazy("report", "twin.commands:report_command", "Draw a simulation result: figures and one HTML page.")
lazy("sweep", "twin.commands:sweep_command", "Simulate every combination of varied values on a Dask cluster.")
lazy("calibrate", "twin.commands:calibrate_command", "Fit the two-node accelerator model to a measured trace.")
lazy("export", "twin.cli.export:export_command", "Export a result's tables as CSV, Parquet or Excel.")
lazy("optimize", "twin.cli.optimize:app", "Power scheduling (dispatch) and cooling set-points.")
lazy("telemetry", "twin.cli.telemetry:telemetry_app",
     "Telemetry: check historian data against a tag map, calibrate, forecast; synthetic test data.")
lazy("replay", "twin.cli.telemetry:replay_command",
     "Drive the twin with measured inputs and compare its outputs with the measured ones.")
lazy("watch", "twin.cli.telemetry:watch_command", "Follow a live source: replay, track residuals, alert on faults.")


def main() -> None:
    """Entry point of the ``twin`` command."""
    app()
