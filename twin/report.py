"""Report of a simulation: PNG figures and one self-contained HTML page.

``load_run(path)`` reads a saved result (netCDF) and checks it is one;
``make_report(ds, out_dir)`` draws

- ``temperatures.png``: die maximum per rack group against its throttle limit,
  TCS supply per group and facility supply/return per loop against the loop's
  ASHRAE class limit, and the outdoor dry and wet bulb;
- ``power.png``: the power stack (IT, cooling, electrical losses) with PUE on a
  second axis, and the cooling power by kind;
- ``water_heat.png``: cumulative water use and heat rejected;
- ``grid.png`` (when the Dataset has ``P_poi``): power at the grid connection
  and its ramp rate;
- ``storage.png`` (when a loop has cold-water storage): hours of storage left;

every time plot in local time with the zone named and the recorded events
(scenario failures) marked.  ``report.html`` embeds them (base64) under: what
ran (provenance: site and file hash, weather, scenario and events, workload,
start and zone, options, version, command line), the headline numbers
(:mod:`twin.metrics`), the ride-through table when an event ran, a design-day
sizing table (peak heat per loop against the plant's capacity with spares
out, temperature margins) and the monthly energy, water and emissions table.
Every file is written atomically.
"""

from __future__ import annotations

import base64
import html
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from twin.errors import InputError, Problem  # noqa: E402
from twin.clock import label, local_naive, result_zone, zone_label  # noqa: E402
from twin.metrics import display_rows, duration_text as _duration, ride_through_rows  # noqa: E402
from twin.results import atomic_path, read_events  # noqa: E402

#: Variables a simulation result must hold for a report.
REQUIRED = ("P_it", "P_it_total", "P_facility", "P_cooling", "T_die_max", "T_tcs_supply", "T_fws_supply",
            "T_fws_return", "T_die_limit", "liquid_class_limit", "n_throttled", "P_tcs_pumps", "P_fws_pumps",
            "P_condenser_pumps", "P_air_fans", "P_plant_fans", "P_compressors", "m_flow_water_use",
            "Q_flow_into_plant", "Q_flow_rejected", "E_thermal_stored", "T_dry_bulb", "T_wet_bulb")
#: The rate a ramp is quoted in (s): MW per minute.
RAMP_INTERVAL = 60.0

_STYLE = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10,
          "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.grid": True, "grid.alpha": 0.3,
          "axes.formatter.useoffset": False}
_WIDTH = 12.0
#: Most points drawn per series; longer runs are drawn as bin means with their range shaded.
MAX_POINTS = 600


def check_run(ds: xr.Dataset, where: str) -> None:
    """Raise InputError naming ``where`` unless ``ds`` is a twin simulation result."""
    problems = [Problem(where, f"attribute {a!r}", "nothing", "a twin simulation result (twin simulate --out)")
                for a in ("step_s", "site") if a not in ds.attrs]
    missing = [v for v in REQUIRED if v not in ds.variables]
    if missing:
        problems.append(Problem(where, "variables", f"no {', '.join(missing)}",
                                "a twin simulation result (twin simulate --out)"))
    if not problems and ds.sizes.get("time", 0) < 1:
        problems.append(Problem(where, "time", "no time steps", "at least one time step"))
    if problems:
        raise InputError(problems)


def load_run(path: str | Path) -> xr.Dataset:
    """Read a saved simulation result (netCDF, h5netcdf engine) into memory and check it."""
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            ds = ds.load()
    except FileNotFoundError:
        raise InputError.one(str(path), "", "no such file", "a netCDF file written by twin simulate --out") from None
    except (OSError, ValueError) as error:
        raise InputError.one(str(path), "", f"an unreadable file ({error})",
                             "a netCDF file written by twin simulate --out") from None
    check_run(ds, str(path))
    return ds


def _total(ds: xr.Dataset, name: str) -> xr.DataArray:
    """A variable summed over every dim but time."""
    da = ds[name]
    return da.sum([d for d in da.dims if d != "time"])


def _water_m3(ds: xr.Dataset) -> np.ndarray:
    """Cumulative water use (m3) at the end of each step (1000 kg/m3)."""
    return np.cumsum(_total(ds, "m_flow_water_use").values) * ds.attrs["step_s"] / 1e3


def ramp_rate(ds: xr.Dataset) -> np.ndarray | None:
    """Ramp rate of ``P_poi`` (W/s) over :data:`RAMP_INTERVAL` (or one step if longer); None without P_poi
    or with too short a run."""
    if "P_poi" not in ds or ds.sizes["time"] <= _ramp_steps(ds):
        return None
    n = _ramp_steps(ds)
    P = _total(ds, "P_poi").values
    return (P[n:] - P[:-n]) / (n * float(ds.attrs["step_s"]))


def _ramp_steps(ds: xr.Dataset) -> int:
    return max(int(round(RAMP_INTERVAL / float(ds.attrs["step_s"]))), 1)


def _argmax_label(da: xr.DataArray, dim: str) -> str:
    peak = da.max("time")
    return str(da[dim].values[int(np.nanargmax(peak.values))])


def summary_rows(ds: xr.Dataset) -> list[tuple[str, str]]:
    """The headline numbers of a result as (quantity, value with units) rows."""
    step = float(ds.attrs["step_s"])
    hours = ds.sizes["time"] * step / 3600
    die = ds["T_die_max"]
    rows = [
        ("period", f"{hours:g} h from {label(ds.time.values, result_zone(ds))} ({result_zone(ds)})"),
        *display_rows(ds),
        ("mean IT power", f"{float(ds.P_it_total.mean()) / 1e6:,.2f} MW"),
        ("max die temperature", f"{float(die.max()):.1f} degC ({_argmax_label(die, 'group')})"
         if bool(die.notnull().any()) else "no liquid-cooled racks"),
        ("max TCS supply", f"{float(ds.T_tcs_supply.max()):.1f} degC"
         if bool(ds.T_tcs_supply.notnull().any()) else "no CDUs"),
        ("max facility supply", f"{float(ds.T_fws_supply.max()):.1f} degC"),
        ("throttled racks (max)", f"{float(_total(ds, 'n_throttled').max()):,.0f}"),
        ("heat rejected", f"{ds.twin.energy('Q_flow_rejected') / 3.6e9:,.2f} MWh"),
        ("energy-balance residual", f"{ds.twin.energy_residual():.2e} of IT energy"),
    ]
    over = (ds.T_fws_supply > ds.liquid_class_limit).sum("time")
    bad = [f"{loop} ({int(n)} steps)" for loop, n in zip(ds.loop.values, over.values) if n > 0]
    rows.append(("ASHRAE class", "exceeded on " + ", ".join(bad) if bad else "held on every loop"))
    rows.append(("correlations out of range", str(ds.attrs.get("out_of_range", "not assessed"))))
    ramp = ramp_rate(ds)
    if ramp is not None:
        rows.append(("peak power at the grid connection", f"{float(_total(ds, 'P_poi').max()) / 1e6:,.2f} MW"))
        rows.append((f"max ramp rate at the grid connection (over {_duration(_ramp_steps(ds) * step)})",
                     f"{np.abs(ramp).max() * 60 / 1e6:,.2f} MW/min"))
    for name in sorted(v for v in ds.data_vars if str(v).startswith("cost")):
        da = ds[name]
        if "category" in da.dims:
            for category, value in zip(da["category"].values, da.sum([d for d in da.dims if d != "category"]).values):
                rows.append((f"cost: {category}", f"{float(value):,.0f} USD"))
        else:
            rows.append((name.replace("cost_", "cost: ").replace("_", " "), f"{float(da.sum()):,.0f} USD"))
    return rows


def _bin_steps(ds: xr.Dataset) -> int:
    """Steps per plotted point: the shortest round interval giving at most MAX_POINTS points."""
    step, n = float(ds.attrs["step_s"]), ds.sizes["time"]
    if n <= MAX_POINTS:
        return 1
    for seconds in (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 7 * 86400):
        k = max(int(round(seconds / step)), 1)
        if -(-n // k) <= MAX_POINTS:
            return k
    return -(-n // MAX_POINTS)


def _binned(values, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, minimum and maximum of ``values`` over consecutive bins of ``k`` steps (last bin may be short)."""
    values = np.asarray(values, dtype=float)
    n = -(-values.size // k)
    padded = np.full(n * k, np.nan)
    padded[:values.size] = values
    bins = padded.reshape(n, k)
    with warnings.catch_warnings():  # all-NaN bins (air-cooled groups) are NaN, silently
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(bins, 1), np.nanmin(bins, 1), np.nanmax(bins, 1)


class _Axis:
    """Time-series drawing on one panel, in bins of ``k`` steps: the bin mean as a line, min-max shaded."""

    def __init__(self, ax, ds: xr.Dataset, k: int):
        self.ax, self.k = ax, k
        step = float(ds.attrs["step_s"])
        t = local_naive(ds.time.values, result_zone(ds))
        self.t = t[::k] + np.timedelta64(int(round(k * step * 500)), "ms") if k > 1 else t

    def line(self, values, *, band: bool = True, **style) -> None:
        mean, low, high = _binned(values, self.k)
        self.ax.plot(self.t, mean, **style)
        if band and self.k > 1 and np.nanmax(high - low, initial=0.0) > 0:
            self.ax.fill_between(self.t, low, high, color=style.get("color"), alpha=0.2, lw=0)

    def means(self, values) -> np.ndarray:
        return _binned(values, self.k)[0]


def _limits(ax, limits: dict[float, list[str]], what: str) -> None:
    """One dashed line per distinct limit value, naming the groups or loops it applies to."""
    for value, names in sorted(limits.items()):
        ax.axhline(value, color="black", ls="--", lw=1.2, label=f"{what} {value:g} degC ({', '.join(names)})")


def _time_axis(ax, ds: xr.Dataset) -> None:
    locator = mdates.AutoDateLocator(maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    t = local_naive(ds.time.values[[0, -1]], result_zone(ds))
    ax.set_xlim(t[0], t[-1])


def _legend(ax) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _figure(ds: xr.Dataset, n_panels: int, height: float = 3.2):
    fig, axes = plt.subplots(n_panels, 1, figsize=(_WIDTH, height * n_panels), sharex=True, layout="constrained",
                             squeeze=False)
    k = _bin_steps(ds)
    return fig, [_Axis(ax, ds, k) for ax in axes[:, 0]]


def _mark_events(fig, ds: xr.Dataset) -> None:
    """Every event the result records: a red line at its start and its span shaded, on every panel."""
    events = read_events(ds)
    if not events:
        return
    t0 = ds.time.values[0]
    end_of_run = ds.time.values[-1] + np.timedelta64(int(float(ds.attrs["step_s"]) * 1e3), "ms")
    zone = result_zone(ds)
    panels = [ax for ax in fig.axes if ax.get_label() != "twin"]
    for i, event in enumerate(events):
        start = t0 + np.timedelta64(int(event["start_s"] * 1e3), "ms")
        end = end_of_run if event["end_s"] is None else t0 + np.timedelta64(int(event["end_s"] * 1e3), "ms")
        start_l, end_l = local_naive(np.array([start, min(end, end_of_run)]), zone)
        for ax in panels:
            ax.axvspan(start_l, end_l, color="tab:red", alpha=0.08, lw=0)
            ax.axvline(start_l, color="tab:red", lw=1.4, ls="-.")
        if panels:
            panels[0].annotate(event["label"], xy=(start_l, 1.0), xycoords=("data", "axes fraction"),
                               xytext=(3, -12 - 12 * i), textcoords="offset points", color="tab:red", fontsize=9)


def _save(fig, ds: xr.Dataset, k: int, path: Path, title: str) -> Path:
    _mark_events(fig, ds)
    fig.suptitle(f"{ds.attrs['site']}: {title}", fontsize=13)
    xlabel = zone_label(ds.time.values, result_zone(ds))
    if k > 1:
        xlabel += f"    (lines: {_duration(k * float(ds.attrs['step_s']))} means; shaded: range within each)"
    fig.supxlabel(xlabel, fontsize=11)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return path


def plot_temperatures(ds: xr.Dataset, path: Path) -> Path:
    """Die, coolant and outdoor temperatures with the throttle and ASHRAE class limits."""
    fig, (die, water, outdoor) = _figure(ds, 3)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    throttle: dict[float, list[str]] = {}
    n = ds.sizes["group"]
    for i, group in enumerate(ds.group.values):
        c = colours[i % len(colours)]
        lw = 1.3 + 2.0 * (n - 1 - i) / max(n - 1, 1)  # earlier groups drawn wider: equal series stay visible
        series = ds.T_die_max.sel(group=group)
        if bool(series.notnull().any()):
            die.line(series, color=c, lw=lw, label=str(group))
            throttle.setdefault(float(ds.T_die_limit.sel(group=group)), []).append(str(group))
        tcs = ds.T_tcs_supply.sel(group=group)
        if bool(tcs.notnull().any()):
            water.line(tcs, color=c, lw=lw, label=f"TCS supply {group}")
    _limits(die.ax, throttle, "throttle limit")
    die.ax.set_ylabel("die max (degC)")
    die.ax.set_title("hottest accelerator die per rack group")
    ashrae: dict[float, list[str]] = {}
    for j, loop in enumerate(ds.loop.values):
        c = colours[(len(ds.group) + j) % len(colours)]
        water.line(ds.T_fws_supply.sel(loop=loop), color=c, lw=2.0, label=f"facility supply {loop}")
        water.line(ds.T_fws_return.sel(loop=loop), color=c, lw=2.0, ls=":", label=f"facility return {loop}")
        ashrae.setdefault(float(ds.liquid_class_limit.sel(loop=loop)), []).append(str(loop))
    _limits(water.ax, {v: n for v, n in ashrae.items() if np.isfinite(v)}, "ASHRAE class limit")
    water.ax.set_ylabel("water (degC)")
    water.ax.set_title("coolant: TCS supply per rack group, facility supply and return per loop")
    outdoor.line(ds.T_dry_bulb, color="tab:red", lw=1.5, label="dry bulb")
    outdoor.line(ds.T_wet_bulb, color="tab:blue", lw=1.5, label="wet bulb")
    outdoor.ax.set_ylabel("outdoor (degC)")
    outdoor.ax.set_title("outdoor air")
    for panel in (die, water, outdoor):
        _legend(panel.ax)
    _time_axis(outdoor.ax, ds)
    return _save(fig, ds, die.k, path, "temperatures")


def plot_power(ds: xr.Dataset, path: Path) -> Path:
    """Power stack (IT and cooling) with PUE on a second axis, and cooling power by kind."""
    fig, (stack, cooling) = _figure(ds, 2, height=3.8)
    parts = {
        "pumps (TCS, facility, condenser)": _total(ds, "P_tcs_pumps") + _total(ds, "P_fws_pumps")
        + _total(ds, "P_condenser_pumps"),
        "fans (air side, towers, dry coolers)": _total(ds, "P_air_fans") + _total(ds, "P_plant_fans"),
        "compressors": _total(ds, "P_compressors"),
    }
    colours = ["#4c78a8", "#72b7b2", "#f58518", "#e45756", "#b279a2"]
    losses = {"electrical losses (transformers, UPS, distribution)": _total(ds, "P_losses")} if "P_losses" in ds else {}
    stack.ax.stackplot(stack.t, stack.means(ds.P_it_total / 1e6),
                       *[stack.means(p / 1e6) for p in (parts | losses).values()],
                       colors=colours, labels=["IT", *parts, *losses])
    stack.ax.set_ylabel("power (MW)")
    # the stack fills the lower ~60 % of the panel and the PUE line the upper third, so they do not cross
    stack.ax.set_ylim(0, float(ds.P_facility.max()) / 1e6 * 1.65)
    stack.ax.set_title("total facility power: IT, cooling and electrical losses" if losses else
                       "facility power: IT and cooling (this result has no electrical losses)")
    pue = stack.ax.twinx()
    pue.set_label("twin")
    ratio = stack.means(ds.P_facility) / stack.means(ds.P_it_total)
    pue.plot(stack.t, ratio, color="black", lw=1.8, label="PUE (right axis)")
    high, low = np.nanmax(ratio), np.nanmin(ratio)
    span = max(high - low, 0.01)
    pue.set_ylim(high - 3.2 * span, high + 0.25 * span)
    pue.set_yticks([v for v in MaxNLocator(4).tick_values(low, high) if low - 0.1 * span <= v <= high + 0.25 * span])
    pue.set_ylabel("PUE (-)", loc="top")
    pue.grid(False)
    handles, labels = stack.ax.get_legend_handles_labels()
    more, more_labels = pue.get_legend_handles_labels()
    stack.ax.legend(handles[::-1] + more, labels[::-1] + more_labels, loc="upper left",
                    bbox_to_anchor=(1.08, 1.0), frameon=False)
    scale, unit = (1e6, "MW") if float(ds.P_cooling.max()) >= 1e6 else (1e3, "kW")
    cooling.ax.stackplot(cooling.t, *[cooling.means(p / scale) for p in parts.values()], colors=colours[1:],
                         labels=list(parts))
    cooling.ax.set_ylabel(f"cooling power ({unit})")
    cooling.ax.set_title("cooling power by kind")
    handles, labels = cooling.ax.get_legend_handles_labels()
    cooling.ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.08, 1.0), frameon=False)
    _time_axis(cooling.ax, ds)
    return _save(fig, ds, stack.k, path, "power")


def plot_water_heat(ds: xr.Dataset, path: Path) -> Path:
    """Cumulative water use, and heat rejected to the atmosphere against heat taken in."""
    fig, (water, heat) = _figure(ds, 2)
    used = _water_m3(ds)
    water.ax.plot(local_naive(ds.time.values, result_zone(ds)), used, color="tab:blue", lw=2.0)
    water.ax.set_ylim(0, max(used[-1] * 1.08, 1.0))
    if used[-1] == 0:
        water.ax.text(0.5, 0.5, "no make-up water used", transform=water.ax.transAxes, ha="center", fontsize=12)
    water.ax.set_ylabel("water used (m3)")
    water.ax.set_title("cumulative make-up water (evaporation, drift, blow-down)")
    heat.line(ds.Q_flow_rejected / 1e6, color="tab:red", lw=1.5, label="heat rejected by the plant")
    heat.line(ds.Q_flow_into_plant / 1e6, color="dimgray", lw=1.3, ls="--", band=False,
              label="heat into the cooling water")
    heat.ax.set_ylim(0, max(float(ds.Q_flow_rejected.max()), float(ds.Q_flow_into_plant.max())) / 1e6 * 1.12)
    heat.ax.set_ylabel("heat flow (MW)")
    heat.ax.set_title("heat rejected and heat taken in")
    _legend(heat.ax)
    _time_axis(heat.ax, ds)
    return _save(fig, ds, water.k, path, "water use and heat rejected")


def plot_grid(ds: xr.Dataset, path: Path) -> Path:
    """Power at the grid connection (``P_poi``) and its ramp rate."""
    fig, (power, ramp) = _figure(ds, 2)
    power.line(_total(ds, "P_poi") / 1e6, color="tab:purple", lw=1.5)
    power.ax.set_ylabel("power (MW)")
    power.ax.set_title("power at the grid connection (point of interconnection)")
    rate = ramp_rate(ds) * 60 / 1e6
    n = _ramp_steps(ds)
    ramp.line(np.r_[np.full(n, np.nan), rate], color="tab:purple", lw=1.3)
    ramp.ax.axhline(0.0, color="black", lw=0.8)
    ramp.ax.set_ylabel("ramp (MW/min)")
    ramp.ax.set_title(f"ramp rate over {_duration(n * float(ds.attrs['step_s']))}")
    _time_axis(ramp.ax, ds)
    return _save(fig, ds, power.k, path, "grid connection")


def has_storage(ds: xr.Dataset) -> bool:
    return "storage_hours_left" in ds and bool(np.isfinite(ds.storage_hours_left.values).any())


def plot_storage(ds: xr.Dataset, path: Path) -> Path:
    """Hours of cold-water storage left per loop (at design flow)."""
    fig, (panel,) = _figure(ds, 1, height=3.4)
    for loop in ds.loop.values:
        series = ds.storage_hours_left.sel(loop=loop)
        if bool(np.isfinite(series.values).any()):
            panel.line(series, lw=1.8, label=f"loop {loop}")
    panel.ax.set_ylim(bottom=0)
    panel.ax.set_ylabel("storage left (h)")
    panel.ax.set_title("cold-water storage: hours it could carry the loop at design flow")
    _legend(panel.ax)
    _time_axis(panel.ax, ds)
    return _save(fig, ds, panel.k, path, "thermal storage")


def provenance_rows(ds: xr.Dataset) -> list[tuple[str, str]]:
    """What produced the result, from the file's attributes ("not recorded" for older files)."""
    a = ds.attrs
    events = read_events(ds)
    described = "; ".join(
        f"{e['label']} from {label(ds.time.values[:1] + np.timedelta64(int(e['start_s'] * 1e3), 'ms'), result_zone(ds))}"
        + ("" if e["end_s"] is None else f" for {_duration(e['end_s'] - e['start_s'])}") for e in events)
    rows = [
        ("site", f"{a.get('site', '')} ({a.get('site_file', 'file not recorded')})"),
        ("site file SHA-256", str(a.get("site_sha256", "not recorded"))),
        *([("own catalogue folders", str(a["site_catalogues"]))] if a.get("site_catalogues") else []),
        ("weather", f"{a.get('weather_spec', 'not recorded')} ({a.get('weather_source') or a.get('weather', '')})"),
        ("scenario", str(a.get("scenario") or "none")),
        ("events", described or "none"),
        ("workload", str(a.get("workload", "not recorded"))),
        ("start", f"{a.get('start', 'not recorded')} ({a.get('time_zone', 'zone not recorded')})"),
        ("options", str(a.get("options", "not recorded"))),
        ("twin version", str(a.get("twin_version", "not recorded"))),
        ("command line", str(a.get("command_line", "not recorded"))),
    ]
    return rows


def sizing_rows(ds: xr.Dataset) -> list[tuple[str, str]]:
    """Design-day sizing: peak loads per plant against capacity, temperature margins, time to limits."""
    rows = []
    capacity = {}
    try:  # the site file the result names, for the installed capacity (absent for moved files)
        from twin.site import load_site, plant_capacity

        site = load_site(ds.attrs["site_file"]) if "site_file" in ds.attrs else None
        if site is not None:
            for loop in site.facility_loops:
                capacity[loop.name] = (loop.plant, plant_capacity(site.plant(loop.plant)))
    except InputError:
        pass
    for loop in ds.loop.values:
        peak = float(ds.Q_flow_removed.sel(loop=loop).max()) if "Q_flow_removed" in ds else float("nan")
        text = f"{peak / 1e6:,.1f} MW peak heat removed"
        if str(loop) in capacity:
            plant, cap = capacity[str(loop)]
            text += f"; plant {plant} {cap / 1e6:,.1f} MW with spares out: margin {(cap - peak) / cap:+.0%}"
        rows.append((f"loop {loop}", text))
        limit = float(ds.liquid_class_limit.sel(loop=loop))
        hottest = float(ds.T_fws_supply.sel(loop=loop).max())
        if np.isfinite(limit):
            over = int((ds.T_fws_supply.sel(loop=loop) > limit).sum())
            rows.append((f"loop {loop} facility supply", f"peak {hottest:.1f} degC, class limit {limit:g} degC: "
                         f"margin {limit - hottest:+.1f} K" + (f" (over for {_duration(over * float(ds.attrs['step_s']))})"
                                                              if over else "")))
    for group in ds.group.values:
        die = ds.T_die_max.sel(group=group)
        if bool(die.notnull().any()):
            limit = float(ds.T_die_limit.sel(group=group))
            rows.append((f"racks {group}", f"hottest die {float(die.max()):.1f} degC, throttle at {limit:g} degC: "
                                           f"margin {limit - float(die.max()):+.1f} K"))
    rows.append(("peak total facility demand", f"{float(_total(ds, 'P_facility').max()) / 1e6:,.1f} MW"))
    return rows


def _rows_html(rows) -> str:
    e = html.escape
    return "<table>\n" + "\n".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows) + "\n</table>"


def _frame_html(frame) -> str:
    from twin.export import format_table

    return format_table(frame).to_html(classes="monthly", border=0)


def _html(ds: xr.Dataset, rows, images: list[Path]) -> str:
    from twin.metrics import monthly

    e = html.escape
    figures = "\n".join(
        f'<figure><img alt="{e(p.stem)}" src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
        f"</figure>" for p in images)
    scenario = ds.attrs.get("scenario") or ""
    title = e(f"{ds.attrs['site']}: {ds.attrs.get('title', 'twin result')} ({ds.attrs.get('mode', '')})"
              + (f", scenario {scenario}" if scenario else ""))
    ride = ride_through_rows(ds)
    ride_html = f"<h2>Ride-through</h2>\n{_rows_html(ride)}" if ride else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1250px; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3em 1em; text-align: left; }}
td {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.monthly th {{ text-align: right; }}
img {{ max-width: 100%; }}
</style></head>
<body>
<h1>{title}</h1>
<h2>What ran</h2>
{_rows_html(provenance_rows(ds))}
<h2>Headline numbers</h2>
<table class="summary">
{chr(10).join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)}
</table>
{ride_html}
<h2>Design-day sizing: peak loads, margins</h2>
{_rows_html(sizing_rows(ds))}
<h2>Energy, water and emissions by month (local calendar)</h2>
{_frame_html(monthly(ds).T)}
<h2>Time series (local time; events marked in red)</h2>
{figures}
</body></html>
"""


def make_report(ds: xr.Dataset, out_dir: str | Path) -> list[Path]:
    """Write the figures and ``report.html`` into ``out_dir`` (created if needed); returns their paths."""
    check_run(ds, "<Dataset>")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError.one(str(out), "output folder", "a file", "a folder (or a path to create one)")
    out.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(_STYLE):
        images = [plot_temperatures(ds, out / "temperatures.png"), plot_power(ds, out / "power.png"),
                  plot_water_heat(ds, out / "water_heat.png")]
        if ramp_rate(ds) is not None:
            images.append(plot_grid(ds, out / "grid.png"))
        if has_storage(ds):
            images.append(plot_storage(ds, out / "storage.png"))
    page = out / "report.html"
    with atomic_path(page) as tmp:
        Path(tmp).write_text(_html(ds, summary_rows(ds), images), encoding="utf-8")
    return [*images, page]
