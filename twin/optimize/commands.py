"""Command functions for ``twin optimize dispatch`` and ``twin optimize setpoints``.

Plain functions with typer-annotated parameters, registered by :mod:`twin.cli`
(``optimize_app.command("dispatch")(dispatch_command)``).  Bad input raises
:class:`twin.errors.InputError` and a plan that cannot exist raises
:class:`twin.optimize.InfeasiblePlan` (an ``InputError``) naming what cannot
be met, when and by how much; the ``twin`` command prints each problem on one
``error:`` line and exits with status 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from twin.errors import InputError

console = Console()
COMMAND_LINE = "<command line>"
MW, MWH = 1e6, 3.6e9


def _print(text: str, style: str | None = None) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True, style=style)


def parse_time(text: str, option: str) -> float:
    """A time option (``"1h"``, ``"15min"``, ``"900 s"``) in seconds, or an InputError naming the option."""
    from twin.units import to_si

    value = to_si(text, "time", file=COMMAND_LINE, field=option)
    if not value > 0:
        raise InputError.one(COMMAND_LINE, option, repr(text), "a positive time such as '1h' or '15min'")
    return value


def _usd(value: float) -> str:
    return f"{round(value):,d}"


def savings_rich_table(result, title: str) -> Table:
    """Cost by category for the baseline and the plan, and the savings (USD)."""
    from twin.optimize.dispatch import CATEGORY_LABELS as LABELS

    table = Table(title=title)
    for column, justify in (("category", "left"), ("baseline (USD)", "right"), ("plan (USD)", "right"),
                            ("savings (USD)", "right")):
        table.add_column(column, justify=justify)
    for category, row in result.savings.iterrows():
        if category == "total":
            continue
        table.add_row(LABELS.get(category, category), _usd(row.baseline_USD), _usd(row.plan_USD), _usd(row.savings_USD))
    total = result.savings.loc["total"]
    share = total.savings_USD / total.baseline_USD if total.baseline_USD else float("nan")
    table.add_row("total", _usd(total.baseline_USD), _usd(total.plan_USD),
                  f"{_usd(total.savings_USD)} ({share:.1%})", style="bold")
    return table


def figures_rich_table(result) -> Table:
    """Key figures of a site plan."""
    f, x = result.figures, result.inputs
    table = Table(title="key figures")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [("peak grid import, plan / baseline",
             f"{f['peak_import_W'] / MW:,.1f} / {f['baseline_peak_import_W'] / MW:,.1f} MW "
             f"(limit {x.grid.P_import_max / MW:,.0f} MW)"),
            ("grid energy", f"{f['grid_energy_J'] / MWH:,.0f} MWh")]
    if x.bess is not None:
        rows += [("battery cycles (discharged / usable energy)", f"{f['battery_cycles']:,.2f}"),
                 ("battery state of charge", f"{f['soc_min']:.0%} - {f['soc_max']:.0%}")]
    if x.turbines:
        starts = ", ".join(f"{k} {v:,.0f}" for k, v in f["turbine_starts"].items())
        rows.append(("turbine starts", starts))
        hours = []
        for k, v in f["turbine_unit_hours"].items():
            cap = f.get("turbine_unit_hours_cap", {}).get(k, math.inf)
            capped = f" (cap {cap:,.0f} h prorated, NOT enforced)" if math.isfinite(cap) else ""
            hours.append(f"{k} {v:,.0f} h{capped}")
        rows.append(("turbine unit-hours", ", ".join(hours)))
        rows.append(("turbine energy", f"{f['turbine_energy_J'] / MWH:,.0f} MWh"))
        cap = f["NOx_cap_kg"]
        rows.append(("NOx", f"{f['NOx_kg']:,.0f} kg" + (f" of a {cap:,.0f} kg cap (prorated)" if math.isfinite(cap)
                                                         else " (no cap)")))
    if x.flexible is not None:
        rows.append(("flexible energy shifted within the day",
                     f"{f['flexible_shifted_J'] / MWH:,.0f} MWh of {f['flexible_energy_J'] / MWH:,.0f} MWh"))
    rows.append(("cooling energy", f"{f['cooling_energy_J'] / MWH:,.0f} MWh"))
    if "losses_energy_J" in f:
        rows.append(("electrical losses, frozen / at the planned schedule",
                     f"{f['losses_energy_J'] / MWH:,.0f} / {f['losses_recomputed_energy_J'] / MWH:,.0f} MWh"))
    if "MILP" in f["problem"]:
        rows.append(("problem", f"{f['problem']}, gap {f['mip_gap']:.1e} "
                                f"(baseline {float(result.baseline.attrs['mip_gap']):.1e})"))
    else:
        rows.append(("problem", f["problem"]))
    for name, value in rows:
        table.add_row(name, value)
    return table


def times_rich_table(result) -> Table:
    t = result.timings
    table = Table(title="times (s)")
    for column in ("inputs (site, weather, cooling curves)", "plan (HiGHS)", "baseline (HiGHS)", "total"):
        table.add_column(column, justify="right")
    table.add_row(f"{t['inputs_s']:.2f} (curves {t.get('inputs_cooling_curves_s', 0.0):.2f})",
                  f"{t['plan_s']:.2f} ({t['plan_highs_s']:.2f})",
                  f"{t['baseline_s']:.2f} ({t['baseline_highs_s']:.2f})",
                  f"{t['total_s']:.2f}")
    return table


def load_extension(spec: str):
    """The function named by ``path.py:function`` (the ``--extend`` option), or a one-line InputError."""
    import importlib.util

    path, _, name = spec.rpartition(":")
    if not path or not name.isidentifier():
        raise InputError.one(COMMAND_LINE, "--extend", repr(spec), "path.py:function, e.g. clauses.py:take_or_pay")
    if not Path(path).is_file():
        raise InputError.one(COMMAND_LINE, "--extend", repr(path), "an existing Python file")
    module_spec = importlib.util.spec_from_file_location(f"twin_extension_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:
        raise InputError.one(path, "", f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
                             "a Python file that imports cleanly") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise InputError.one(path, name, "no such function", "a function taking the Pyomo model")
    return function


def _with_prices(site, fuel_price: str | None, emissions_price: str | None):
    """The site with its tariff's fuel and CO2 prices replaced by the command line's (units required)."""
    from dataclasses import replace

    from twin.units import to_si

    changes = {}
    if fuel_price is not None:
        value = to_si(fuel_price, "price_energy", file=COMMAND_LINE, field="--fuel-price")
        if not 0.0 < value <= 100 / 1.055e9 or isinstance(fuel_price, (int, float)):
            raise InputError.one(COMMAND_LINE, "--fuel-price", repr(fuel_price), "a gas price in 0-100 USD/MMBtu "
                                 "with its unit, e.g. '4.2 USD/MMBtu'")
        changes["fuel_price"] = value
    if emissions_price is not None:
        value = to_si(emissions_price, "price_mass", file=COMMAND_LINE, field="--emissions-price")
        if not 0.0 <= value <= 10.0:
            raise InputError.one(COMMAND_LINE, "--emissions-price", repr(emissions_price),
                                 "a CO2 price in 0-10,000 USD/t with its unit, e.g. '50 USD/t'")
        changes["emissions_price"] = value
    return replace(site, tariff=replace(site.tariff, **changes)) if changes else site


#: Contract options of ``twin optimize dispatch``: option -> (site tariff fields, example).
CONTRACT_OPTIONS = {
    "--ppa": (("ppa_volume", "ppa_price"), "'200 MW at 45 USD/MWh'"),
    "--vppa": (("vppa_volume", "vppa_strike"), "'300 MW at 35 USD/MWh'"),
    "--co2-cap": (("CO2_cap",), "'400000 t' (per year)"),
    "--dr-reduction": (("dr_reduction",), "'50 MW'"),
    "--dr-credit": (("dr_credit",), "'20000 USD'"),
    "--dr-penalty": (("dr_penalty",), "'2000 USD/MWh'"),
}


def with_contract(site, given: dict[str, str | None]):
    """The site with its ``[tariff]`` contract terms replaced by the command line's.

    ``given`` maps options of :data:`CONTRACT_OPTIONS` to their text (None: keep
    the site's).  Values are checked as the site file's fields are (units,
    sign, range); a problem is one line naming the option.
    """
    from dataclasses import replace

    from twin.catalog import parse_fields
    from twin.site import Tariff

    changes = {}
    for option, value in given.items():
        if value is None:
            continue
        names, example = CONTRACT_OPTIONS[option]
        parts = [p.strip() for p in value.split(" at ")] if len(names) == 2 else [value.strip()]
        if len(parts) != len(names) or not all(parts):
            raise InputError.one(COMMAND_LINE, option, repr(value), f"e.g. {example}")
        from dataclasses import fields

        others = tuple(f.name for f in fields(Tariff) if f.name not in names)
        args, problems = parse_fields(Tariff, dict(zip(names, parts)), file=COMMAND_LINE, skip=others)
        if problems:
            raise InputError.one(COMMAND_LINE, option, problems[0].found, f"{problems[0].expected}, e.g. {example}")
        changes.update(args)
    return replace(site, tariff=replace(site.tariff, **changes)) if changes else site


def dispatch_command(
    site: str = typer.Argument(..., help="built-in site name or site TOML path"),
    days: float = typer.Option(7.0, help="planning horizon (days)"),
    step: str = typer.Option("1h", help="dispatch step, e.g. 1h or 15min (must divide a day)"),
    start: str = typer.Option("2025-01-01 00:00", help="first step, local time (America/Chicago)"),
    prices: Optional[Path] = typer.Option(None, help="price CSV (default: a SYNTHETIC market year)"),
    events: Optional[Path] = typer.Option(None, help="event CSV: 4CP intervals, demand-response events"),
    it_load: float = typer.Option(0.8, help="IT load, fraction of the IT peak (constant)"),
    flexible_share: float = typer.Option(0.10, help="share of IT energy movable within each day"),
    out: Optional[Path] = typer.Option(None, help="write the plan (with the baseline's costs) to this netCDF file"),
    plots: Optional[Path] = typer.Option(None, help="folder for PNG figures of the plan"),
    mpc_window: Optional[str] = typer.Option(None, help="also re-plan on a rolling window, e.g. 48h (re-plans hourly)"),
    verify: bool = typer.Option(False, help="run the plan back through the co-simulation and compare"),
    time_limit: float = typer.Option(120.0, help="HiGHS time limit per solve (s)"),
    forecast: str = typer.Option("perfect", help="prices the rolling horizon sees: perfect, seasonal_naive, or a "
                                                 "forecast price CSV"),
    cp_forecast: str = typer.Option("known", help="4CP intervals the rolling horizon sees: known or predicted"),
    extend: Optional[str] = typer.Option(None, help="path.py:function receiving the Pyomo model before the solve "
                                                    "(adds a contract clause; runs the Pyomo path)"),
    solver: str = typer.Option("highs", help="solver Pyomo drives (highs by default; others run the Pyomo path)"),
    fuel_price: Optional[str] = typer.Option(None, help="gas price, e.g. '4.2 USD/MMBtu' (default: site tariff, "
                                                        "else 3.5 USD/MMBtu)"),
    emissions_price: Optional[str] = typer.Option(None, help="CO2 price, e.g. '50 USD/t' (default: site tariff)"),
    ppa: Optional[str] = typer.Option(None, help="fixed-price PPA, e.g. '200 MW at 45 USD/MWh' (default: site tariff)"),
    vppa: Optional[str] = typer.Option(None, help="virtual PPA on a flat generation, e.g. '300 MW at 35 USD/MWh'"),
    co2_cap: Optional[str] = typer.Option(None, help="CO2 cap per year, prorated to the horizon, e.g. '400000 t'"),
    dr_reduction: Optional[str] = typer.Option(None, help="demand-response programme: reduction per event "
                                                          "(events from --events), e.g. '50 MW'"),
    dr_credit: Optional[str] = typer.Option(None, help="demand-response programme: credit per event, e.g. '20000 USD'"),
    dr_penalty: Optional[str] = typer.Option(None, help="demand-response programme: penalty above the event limit, "
                                                        "e.g. '2000 USD/MWh' (default: firm)"),
    bess_scale: float = typer.Option(1.0, help="the site's Megapacks scaled in number (0: none, 2: twice as many)"),
    weather: Optional[str] = typer.Option(None, help="weather of the cooling curves: a location, an EPW path, "
                                                     "design:LOC:COND or heatwave:LOC[:YEARS] (default: the site's)"),
) -> None:
    """Plan a site's power: grid, turbines, Megapacks, flexible training load; savings against a baseline."""
    from twin.optimize.from_site import plan_site, price_notice, write_plan
    from twin.site import load_site
    from twin.workload import ConstantProfile

    step_s = parse_time(step, "--step")
    if step_s > 86400 or abs(86400 / step_s - round(86400 / step_s)) > 1e-9:
        raise InputError.one(COMMAND_LINE, "--step", repr(step), "a step that divides a day, e.g. 15min or 1h")
    window_s = parse_time(mpc_window, "--mpc-window") if mpc_window is not None else None
    if window_s is not None and (window_s < step_s or abs(window_s / step_s - round(window_s / step_s)) > 1e-9):
        raise InputError.one(COMMAND_LINE, "--mpc-window", repr(mpc_window), f"a whole number of steps ({step})")
    if not 0.0 < it_load <= 1.0:
        raise InputError.one(COMMAND_LINE, "--it-load", repr(it_load), "a fraction of the IT peak in (0, 1]")
    if not time_limit > 0:
        raise InputError.one(COMMAND_LINE, "--time-limit", repr(time_limit), "a positive number of seconds")
    from twin.cli import options

    options.start(start)
    options.number(days, "--days", 0.0, 366.0, "days")
    options.output_file(out, "--out")
    options.output_folder(plots, "--plots")
    extension = load_extension(extend) if extend is not None else None
    from twin.optimize.dispatch import check_solver

    try:
        check_solver(solver)
    except InputError:
        raise InputError.one(COMMAND_LINE, "--solver", f"'{solver}' (not installed or not found by Pyomo)",
                             "highs or a solver Pyomo can run here (cbc, glpk, gurobi ...)") from None
    loaded = load_site(site)
    loaded = _with_prices(loaded, fuel_price, emissions_price)
    loaded = with_contract(loaded, {"--ppa": ppa, "--vppa": vppa, "--co2-cap": co2_cap, "--dr-reduction": dr_reduction,
                                    "--dr-credit": dr_credit, "--dr-penalty": dr_penalty})
    if not 0.0 <= bess_scale <= 10.0:
        raise InputError.one(COMMAND_LINE, "--bess-scale", repr(bess_scale), "a multiple between 0 and 10")
    if verify and bess_scale != 1.0:
        raise InputError.one(COMMAND_LINE, "--bess-scale", repr(bess_scale),
                             "1 with --verify (the co-simulation runs the site's own Megapacks)")
    result = plan_site(loaded, start=start, days=days, step=step_s, prices=prices, events=events,
                       workload=ConstantProfile(it_load), flexible_share=flexible_share, time_limit=time_limit,
                       extend=extension, solver=solver, bess_scale=bess_scale, weather=weather)
    x = result.inputs
    _print(f"{loaded.name}: {days:g} days from {x.time[0]:%Y-%m-%d %H:%M %Z} at {step_s / 60:g}-min steps "
           f"({len(x.time):,} steps), IT load {it_load:.0%} of {x.P_it_peak / MW:,.1f} MW peak")
    _print(price_notice(x), style="bold yellow" if x.synthetic_prices else None)
    _print(f"tariff: {x.tariff.name}")
    _print(f"solved: {result.plan.attrs['path']}")
    for note in x.notes:
        _print(f"  - {note}")
    console.print(savings_rich_table(result, f"{loaded.name}: cost by category, baseline (no battery, flexible "
                                             f"load flat) against the plan"))
    console.print(figures_rich_table(result))
    console.print(times_rich_table(result))

    if window_s is not None:
        from twin.optimize.mpc import rolling_horizon

        replan = max(step_s, 3600.0) if abs(max(step_s, 3600.0) / step_s - round(max(step_s, 3600.0) / step_s)) < 1e-9 \
            else step_s
        replan = min(replan, window_s)
        seen = None if forecast == "perfect" else forecast
        if forecast not in ("perfect", "seasonal_naive"):
            from twin.optimize.prices import CENTRAL, read_prices
            from twin.optimize.from_site import _on_grid

            if not Path(forecast).is_file():
                raise InputError.one(COMMAND_LINE, "--forecast", repr(forecast),
                                     "perfect, seasonal_naive or an existing forecast price CSV")
            table = _on_grid(read_prices(forecast, tz=CENTRAL), x.time, step_s, forecast)
            missing = x.time.difference(table.index)
            if len(missing):
                raise InputError.one(forecast, "time", f"no forecast for {len(missing)} steps, first {missing[0]}",
                                     f"forecasts covering {x.time[0]} to {x.time[-1]}")
            seen = table.loc[x.time, "energy_price"].to_numpy(float)
        if cp_forecast not in ("known", "predicted"):
            raise InputError.one(COMMAND_LINE, "--cp-forecast", repr(cp_forecast), "known or predicted")
        run = rolling_horizon(x, window_s=window_s, step_s=replan, time_limit=time_limit, forecast=seen,
                              coincident_peak=cp_forecast)
        mpc_cost = float(run["objective"])
        perfect = float(result.plan["objective"])
        per = (run["build_time_s"] + run["handover_time_s"] + run["solve_time_s"]).to_numpy()
        _print(f"rolling horizon: {window_s / 3600:g} h window re-planned every {replan / 3600:g} h: "
               f"{per.size:,} re-solves, median {np.median(per) * 1e3:,.0f} ms; cost {_usd(mpc_cost)} USD against "
               f"{_usd(perfect)} USD with perfect foresight over the horizon ({(mpc_cost - perfect) / perfect:+.2%}); "
               f"savings against the baseline {_usd(float(result.baseline['objective']) - mpc_cost)} USD")
        _print(f"rolling horizon saw: {run.attrs['forecast']}, 4CP intervals {cp_forecast}; value of perfect "
               f"information (rolling-horizon cost minus the perfect-foresight plan): {_usd(mpc_cost - perfect)} USD")
    if verify:
        from twin.optimize.closed_loop import format_report, verify_plan

        report, _ = verify_plan(loaded, result)
        table = Table(title="the plan through the co-simulation")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        for name, value in format_report(report):
            table.add_row(name, value)
        console.print(table)
        for note in report["notes"]:
            _print(f"  - {note}")
    if plots is not None:
        from twin.optimize.plots import plot_plan

        for path in plot_plan(result, plots):
            _print(f"written {path}")
    if out is not None:
        _print(f"written {write_plan(result, out)}")


def sweep_command(
    site: str = typer.Argument(..., help="built-in site name or site TOML path"),
    vary: list[str] = typer.Option([], "--vary", help="PARAM=V1,V2,... (repeatable); PARAM one of price_year, "
                                                      "fuel_price [USD/MMBtu], bess_scale, flexible_share"),
    days: float = typer.Option(7.0, help="planning horizon of each case (days)"),
    step: str = typer.Option("1h", help="dispatch step, e.g. 1h or 15min"),
    start: str = typer.Option("2025-07-14 00:00", help="first step, local time (America/Chicago); price_year "
                                                      "moves it to that year"),
    prices: Optional[str] = typer.Option(None, help="price CSV, '{year}' replaced by the case's price year "
                                                    "(default: SYNTHETIC market years)"),
    it_load: float = typer.Option(0.8, help="IT load, fraction of the IT peak (constant)"),
    time_limit: float = typer.Option(120.0, help="HiGHS time limit per solve (s)"),
    out: Optional[Path] = typer.Option(None, help="write the gathered cases to this netCDF file"),
    plots: Optional[Path] = typer.Option(None, help="folder for the sensitivity figure"),
    scheduler: Optional[str] = typer.Option(None, help="address of a running Dask scheduler "
                                                       "(default: a local cluster of 2 workers)"),
) -> None:
    """Plan every combination of price years, fuel prices, BESS sizes and flexible shares on Dask; sensitivity table."""
    from twin.cli import options
    from twin.optimize.sweep import parse_vary, plot_sweep, run_plan_sweep, sensitivity_table
    from twin.site import load_site
    from twin.workload import ConstantProfile

    values = parse_vary(vary)
    step_s = parse_time(step, "--step")
    if step_s > 86400 or abs(86400 / step_s - round(86400 / step_s)) > 1e-9:
        raise InputError.one(COMMAND_LINE, "--step", repr(step), "a step that divides a day, e.g. 15min or 1h")
    if not 0.0 < it_load <= 1.0:
        raise InputError.one(COMMAND_LINE, "--it-load", repr(it_load), "a fraction of the IT peak in (0, 1]")
    options.start(start)
    options.number(days, "--days", 0.0, 366.0, "days")
    options.output_file(out, "--out")
    options.output_folder(plots, "--plots")
    if prices is not None and "{year}" not in prices and not Path(prices).is_file():
        raise InputError.one(COMMAND_LINE, "--prices", repr(prices), "an existing price CSV (or a path with {year})")
    loaded = load_site(site)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"plan sweep of {loaded.name}", total=None)
        ds = run_plan_sweep(loaded, values, scheduler=scheduler, start=start, days=days, step=step_s, prices=prices,
                            workload=ConstantProfile(it_load), time_limit=time_limit,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
    cases = Table(title=f"{loaded.name}: {days:g}-day plans, {ds.sizes['case']} cases")
    for column in [*ds.attrs["varied"], "status", "plan (USD)", "baseline (USD)", "savings (USD)", "peak import (MW)"]:
        cases.add_column(column, justify="right")
    for i in range(ds.sizes["case"]):
        row = [f"{ds[name].values[i]:g}" for name in ds.attrs["varied"]]
        ok = ds["status"].values[i] == "ok"
        cases.add_row(*row, str(ds["status"].values[i]), *(
            [_usd(ds["cost"].values[i]), _usd(ds["cost_baseline"].values[i]), _usd(ds["savings"].values[i]),
             f"{ds['P_grid_import_peak'].values[i] / MW:,.1f}"] if ok else ["", "", "", ""]))
    console.print(cases)
    table = Table(title="sensitivity: mean over the other parameters' values")
    for column in ("parameter", "value", "plan cost (USD)", "savings (USD)", "swing of plan cost (USD)"):
        table.add_column(column, justify="right")
    for row in sensitivity_table(ds).itertuples():
        table.add_row(row.parameter, f"{row.value:g}", _usd(row.cost_USD), _usd(row.savings_USD), _usd(row.swing_USD))
    console.print(table)
    for label, status, message in zip(ds.case.values, ds.status.values, ds.message.values):
        if message:
            _print(f"{label}: {status}: {message}")
    if plots is not None:
        for path in plot_sweep(ds, plots):
            _print(f"written {path}")
    if out is not None:
        from twin.results import write_netcdf

        _print(f"written {write_netcdf(ds, out)}")
    if not (ds["status"] == "ok").any():
        raise InputError.one(COMMAND_LINE, "--vary", "no case that plans", "at least one case that plans")


def setpoints_command(
    site: str = typer.Argument(..., help="built-in site name or site TOML path"),
    hours: float = typer.Option(24.0, help="planning horizon (h)"),
    start: str = typer.Option("2025-07-21 00:00", help="first period, local standard time"),
    step: str = typer.Option("1h", help="period length, e.g. 1h"),
    price: str = typer.Option("50 USD/MWh", help="electricity price"),
    it_load: float = typer.Option(0.8, help="IT load, fraction of the IT peak (constant)"),
    max_change: float = typer.Option(2.0, help="largest set-point change per period (K)"),
    die_margin: float = typer.Option(2.0, help="dies kept this far below throttle (K)"),
    verify: bool = typer.Option(False, help="run the set-points through the co-simulation and compare"),
    out: Optional[Path] = typer.Option(None, help="write the set-point plan to this netCDF file"),
) -> None:
    """Plan facility supply set-points (and chiller staging) per loop; savings against the design set-points."""
    from twin.optimize.closed_loop import PLANT_STEPS, max_plant_step
    from twin.optimize.setpoints import setpoints
    from twin.optimize.setpoints import verify as verify_setpoints
    from twin.results import write_netcdf
    from twin.site import load_site
    from twin.units import to_si
    from twin.workload import ConstantProfile

    step_s = parse_time(step, "--step")
    price_J = to_si(price, "price_energy", file=COMMAND_LINE, field="--price")
    if not hours > 0 or hours * 3600 < step_s:
        raise InputError.one(COMMAND_LINE, "--hours", repr(hours), f"at least one period of {step}")
    if not 0.0 < it_load <= 1.0:
        raise InputError.one(COMMAND_LINE, "--it-load", repr(it_load), "a fraction of the IT peak in (0, 1]")
    from twin.cli import options

    options.start(start)
    options.number(hours, "--hours", 0.0, 8784.0, "h")
    options.output_file(out, "--out")
    loaded = load_site(site)
    workload = ConstantProfile(it_load)
    plan = setpoints(loaded, start=start, hours=hours, step=step_s, workload=workload, price=price_J,
                     max_change=max_change, die_margin=die_margin)
    n = plan.sizes["time"]
    _print(f"{loaded.name}: facility supply set-points for {hours:g} h from {start} "
           f"({n} periods of {step_s / 60:g} min), "
           f"IT load {it_load:.0%}, price {price_J * MWH:,.2f} USD/MWh")
    table = Table(title="set-points by loop")
    for column, justify in (("loop", "left"), ("design (degC)", "right"), ("planned (degC)", "right"),
                            ("cooling, design (MWh)", "right"), ("cooling, planned (MWh)", "right"),
                            ("chillers running", "right")):
        table.add_column(column, justify=justify)
    dt = float(plan.attrs["step_s"])
    for loop in loaded.facility_loops:
        T = plan["T_fws_supply_set"].sel(loop=loop.name).values
        table.add_row(loop.name, f"{loop.T_supply_set:g}", f"{T.min():g} - {T.max():g} (mean {T.mean():.1f})",
                      f"{float(plan['P_cooling_baseline'].sel(loop=loop.name).sum()) * dt / MWH:,.1f}",
                      f"{float(plan['P_cooling'].sel(loop=loop.name).sum()) * dt / MWH:,.1f}",
                      f"{plan['n_chillers_on'].sel(loop=loop.name).values.min():g} - "
                      f"{plan['n_chillers_on'].sel(loop=loop.name).values.max():g}")
    console.print(table)
    base = float(plan["cost_cooling_energy_baseline"].sum())
    energy = float(plan["cost_cooling_energy"].sum())
    starts = float(plan["cost_chiller_starts"].sum())
    costs = Table(title="cooling cost (USD)")
    for column in ("design set-points", "planned: energy", "planned: chiller starts", "savings"):
        costs.add_column(column, justify="right")
    saving = base - energy - starts
    costs.add_row(_usd(base), _usd(energy), _usd(starts),
                  f"{_usd(saving)} ({saving / base:.1%})" if base else _usd(saving))
    console.print(costs)
    a = plan.attrs
    _print(f"solver: {a['solver_status']}, gap {a['mip_gap']:.1e}, HiGHS {a['highs_time_s']:.2f} s")
    if verify:
        limit = max_plant_step(loaded)
        plant_step = next((c for c in PLANT_STEPS if c <= min(limit, 60.0) and abs(dt / c - round(dt / c)) < 1e-9), 1.0)
        report = verify_setpoints(loaded, plan, workload=workload, plant_step=plant_step)
        check = Table(title="the set-points through the co-simulation")
        check.add_column("quantity")
        check.add_column("value", justify="right")
        check.add_row("cooling energy planned / simulated",
                      f"{report['planned_cooling_MWh']:,.1f} / {report['simulated_cooling_MWh']:,.1f} MWh "
                      f"({report['gap_fraction']:+.2%})")
        check.add_row("plant steps with dies above throttle", f"{report['die_over_throttle_steps']}")
        check.add_row("plant steps with supply above the class", f"{report['facility_over_class_steps']}")
        check.add_row("energy-balance residual", f"{report['energy_residual']:.1e}")
        console.print(check)
    if out is not None:
        _print(f"written {write_netcdf(plan, out)}")
