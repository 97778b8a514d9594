"""Figures of a dispatch plan: power stacks with the price, the battery, costs against the baseline.

:func:`plot_plan` writes PNGs (matplotlib, Agg backend), each atomically:

- ``dispatch.png``: top, where the power comes from (grid import, turbines by
  type, battery discharge; battery charging below zero) against the site
  demand, with the energy price on a second axis; bottom, what the load is
  (inflexible IT, flexible training load, cooling, electrical losses);
- ``battery.png``: state of charge and battery power (only with a battery);
- ``costs.png``: cost by category, baseline against plan, with the savings.

Horizons longer than two weeks are drawn as daily means (the title says so):
an hourly year is 8,760 points, more than a figure can show.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from twin.optimize.dispatch import CATEGORY_LABELS  # noqa: E402
from twin.results import atomic_path  # noqa: E402

MW = 1e6
MWH_J = 3.6e9
USD_PER_MWH = 3.6e9
COLOURS = {
    "grid": "#4c72b0", "battery": "#55a868", "charge": "#8fd19e", "price": "#c44e52", "demand": "#222222",
    "it": "#8172b3", "flexible": "#ccb974", "cooling": "#64b5cd", "losses": "#b0b0b0",
}
TURBINE_COLOURS = ("#dd8452", "#e6a96b", "#937860", "#da8bc3", "#a0522d")
#: Horizons longer than this are drawn as daily means.
DAILY_ABOVE_DAYS = 14.0


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def _series(plan, daily: bool) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """The plotted series (SI units) on the plan's steps, or as daily means."""
    time = pd.DatetimeIndex(plan.indexes["time"])
    s = {
        "grid": plan["P_grid_import"].values - plan["P_grid_export"].values,
        "discharge": plan["P_battery_discharge"].values,
        "charge": plan["P_battery_charge"].values,
        "demand": plan["P_demand"].values,
        "cooling": plan["P_cooling"].values,
        "flexible": plan["P_flexible"].values,
        "price": plan["energy_price"].values * USD_PER_MWH,
    }
    if "P_losses" in plan:
        s["losses"] = plan["P_losses"].values
        s["it"] = plan["P_load"].values - s["losses"]
    else:
        s["losses"] = np.zeros(len(time))
        s["it"] = plan["P_load"].values
    turbines = {}
    if "P_turbine" in plan:
        for name in plan["turbine_type"].values:
            turbines[str(name)] = plan["P_turbine"].sel(turbine_type=name).values
    if daily:
        frame = pd.DataFrame({**s, **{f"turbine:{k}": v for k, v in turbines.items()}}, index=time)
        local = frame.index.tz_localize(None) if frame.index.tz is not None else frame.index
        frame = frame.groupby(local.normalize()).mean()
        time = pd.DatetimeIndex(frame.index)
        s = {k: frame[k].to_numpy() for k in s}
        turbines = {k: frame[f"turbine:{k}"].to_numpy() for k in turbines}
    s["turbines"] = turbines
    return time, s


def _steps(time: pd.DatetimeIndex, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step-function coordinates: each value held over its step (last step as long as the one before)."""
    t = time.tz_localize(None) if time.tz is not None else time
    if len(t) > 1:
        edges = t.append(pd.DatetimeIndex([t[-1] + (t[-1] - t[-2])]))
    else:
        edges = t.append(pd.DatetimeIndex([t[-1] + pd.Timedelta(hours=1)]))
    x = np.repeat(edges.to_numpy(), 2)[1:-1]
    return x, np.repeat(np.asarray(values, float), 2)


def _format_time(ax, time: pd.DatetimeIndex) -> None:
    span = (time[-1] - time[0]).total_seconds() / 86400.0
    if span <= 3:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 6)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))
    elif span <= 21:
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=1 if span <= 8 else 2))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a\n%d %b"))
    else:
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b"))


def _price_axis(ax, time, price: np.ndarray, label: str) -> None:
    """Energy price on a second axis; spikes far above the usual prices run off the top, marked and counted."""
    twin = ax.twinx()
    x, y = _steps(time, price)
    usual = float(np.percentile(price, 90))
    lo = float(min(price.min(), 0.0))
    high = max(3.0 * usual, usual + 30.0)
    twin.plot(x, y, color=COLOURS["price"], lw=1.0, label=label)
    twin.set_ylabel(f"{label} (USD/MWh)", color=COLOURS["price"])
    twin.tick_params(axis="y", colors=COLOURS["price"])
    if price.max() > high:
        twin.set_ylim(lo - 0.05 * (high - lo), high)
        spikes = np.flatnonzero(price > high)
        t = time.tz_localize(None) if time.tz is not None else time
        step = (t[1] - t[0]) if len(t) > 1 else pd.Timedelta(hours=1)
        twin.plot((t[spikes] + step / 2).to_numpy(), np.full(spikes.size, high), "v", color=COLOURS["price"],
                  ms=6, clip_on=False)
        twin.annotate(f"\u25bc {spikes.size} price spike{'s' if spikes.size > 1 else ''} off the axis, "
                      f"up to {price.max():,.0f} USD/MWh", xy=(0.99, 0.97), xycoords="axes fraction", ha="right",
                      va="top", fontsize=8, color=COLOURS["price"], bbox=dict(fc="white", ec="none", alpha=0.85))
    else:
        pad = 0.1 * (price.max() - lo if price.max() > lo else 1.0)
        twin.set_ylim(lo - pad, price.max() + 3 * pad)


def plot_plan(plan, out_dir, *, baseline=None, title: str | None = None) -> list[Path]:
    """Draw a plan (a Dataset from :func:`twin.optimize.dispatch`, or a ``SitePlan``) into ``out_dir``.

    ``baseline``: the baseline plan for the cost chart (taken from a
    ``SitePlan``).  Returns the PNG paths written.
    """
    if hasattr(plan, "plan") and hasattr(plan, "baseline"):
        baseline = plan.baseline if baseline is None else baseline
        plan = plan.plan
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = title or plan.attrs.get("site", "") or "plan"
    time = pd.DatetimeIndex(plan.indexes["time"])
    days = (time[-1] - time[0]).total_seconds() / 86400.0 + float(plan.attrs.get("step_s", 3600.0)) / 86400.0
    daily = days > DAILY_ABOVE_DAYS
    t, s = _series(plan, daily)
    resolution = "daily means" if daily else f"{float(plan.attrs.get('step_s', 3600.0)) / 60:g}-min steps"
    paths = [_dispatch_figure(t, s, name, resolution, out)]
    if "soc" in plan:
        paths.append(_battery_figure(plan, daily, name, resolution, out))
    paths.append(_costs_figure(plan, baseline, name, out))
    return paths


def _dispatch_figure(t, s, name: str, resolution: str, out: Path) -> Path:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    fig.suptitle(f"{name}: dispatch plan ({resolution})", fontsize=11)
    # supply stack
    layers = [("grid import", s["grid"], COLOURS["grid"])]
    for k, (tname, values) in enumerate(s["turbines"].items()):
        layers.append((f"turbines {tname}", values, TURBINE_COLOURS[k % len(TURBINE_COLOURS)]))
    layers.append(("battery discharge", s["discharge"], COLOURS["battery"]))
    base = np.zeros(len(t))
    for label, values, colour in layers:
        if np.max(np.abs(values), initial=0.0) < 1e-3 * max(np.max(s["demand"]), 1.0):
            continue
        x, lower = _steps(t, base / MW)
        _, upper = _steps(t, (base + values) / MW)
        top.fill_between(x, lower, upper, color=colour, lw=0, label=label)
        base = base + values
    if np.max(s["charge"], initial=0.0) >= 1e-3 * max(np.max(s["demand"]), 1.0):
        x, y = _steps(t, -s["charge"] / MW)
        top.fill_between(x, 0, y, color=COLOURS["charge"], lw=0, label="battery charging")
    x, y = _steps(t, s["demand"] / MW)
    top.plot(x, y, color=COLOURS["demand"], lw=1.0, label="site demand")
    top.axhline(0, color="#555555", lw=0.6)
    top.set_ylabel("supply (MW)\nbattery charging below zero")
    highest = max(float(np.max(base)), float(np.max(s["demand"]))) / MW
    top.set_ylim(min(top.get_ylim()[0], -0.02 * highest), highest * 1.12)
    top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, ncol=6, frameon=False,
               title="where the power comes from", title_fontsize=9, alignment="left")
    _price_axis(top, t, s["price"], "energy price")
    # load stack
    base = np.zeros(len(t))
    for label, values, colour in (("IT, inflexible", s["it"], COLOURS["it"]),
                                  ("flexible training", s["flexible"], COLOURS["flexible"]),
                                  ("cooling", s["cooling"], COLOURS["cooling"]),
                                  ("electrical losses", s["losses"], COLOURS["losses"])):
        if np.max(values, initial=0.0) <= 0:
            continue
        x, lower = _steps(t, base / MW)
        _, upper = _steps(t, (base + values) / MW)
        bottom.fill_between(x, lower, upper, color=colour, lw=0, label=label)
        base = base + values
    low = float(np.min(s["it"])) / MW
    bottom.set_ylim(max(0.0, 0.8 * low), float(np.max(base)) / MW * 1.04)
    bottom.set_ylabel("load (MW)" + ("\naxis starts above zero" if low > 0 else ""))
    bottom.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, ncol=4, frameon=False,
                  title="what the load is", title_fontsize=9, alignment="left")
    _format_time(bottom, t)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, out / "dispatch.png")


def _battery_figure(plan, daily: bool, name: str, resolution: str, out: Path) -> Path:
    """State of charge and battery power; over long horizons the daily range of SoC and the energy per day."""
    time = pd.DatetimeIndex(plan.indexes["time"])
    soc = 100 * plan["soc"].values
    charge, discharge = plan["P_battery_charge"].values, plan["P_battery_discharge"].values
    fig, (ax, power) = plt.subplots(2, 1, figsize=(11, 5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    if daily:
        dt = float(plan.attrs.get("step_s", (time[1] - time[0]).total_seconds()))
        frame = pd.DataFrame({"soc": soc, "charged": charge * dt / MWH_J, "discharged": discharge * dt / MWH_J},
                             index=time.tz_localize(None) if time.tz is not None else time)
        days = frame.groupby(frame.index.normalize())
        t = pd.DatetimeIndex(days.size().index)
        x, lo = _steps(t, days["soc"].min().to_numpy())
        _, hi = _steps(t, days["soc"].max().to_numpy())
        ax.fill_between(x, lo, hi, color=COLOURS["charge"], lw=0, label="range within the day")
        x, y = _steps(t, days["soc"].mean().to_numpy())
        ax.plot(x, y, color="#1f4d2b", lw=0.9, label="daily mean")
        ax.legend(loc="lower left", fontsize=8, ncol=2)
        x, y = _steps(t, days["discharged"].sum().to_numpy())
        power.fill_between(x, 0, y, color=COLOURS["battery"], lw=0, label="discharged")
        x, y = _steps(t, -days["charged"].sum().to_numpy())
        power.fill_between(x, 0, y, color=COLOURS["charge"], lw=0, label="charged (below zero)")
        power.set_ylabel("energy (MWh/day)")
        ax.set_title(f"{name}: battery state of charge (daily range) and energy per day")
    else:
        t = time
        x, y = _steps(t, soc)
        ax.plot(x, y, color=COLOURS["battery"], lw=1.2)
        net = (discharge - charge) / MW
        x, y = _steps(t, net)
        power.fill_between(x, 0, np.where(y > 0, y, 0), color=COLOURS["battery"], lw=0, label="discharging")
        power.fill_between(x, 0, np.where(y < 0, y, 0), color=COLOURS["charge"], lw=0, label="charging")
        power.set_ylabel("power (MW)")
        ax.set_title(f"{name}: battery state of charge and power ({resolution})")
    ax.set_ylabel("state of charge (%)")
    ax.set_ylim(0, 100)
    power.axhline(0, color="#555555", lw=0.6)
    power.legend(loc="upper left", fontsize=8, ncol=2)
    _format_time(power, t)
    for a in (ax, power):
        a.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, out / "battery.png")


LABELS = CATEGORY_LABELS


def usd(value: float) -> str:
    """Money, short: $950, $12.9k, $5.12M, $30.0M."""
    a = abs(value)
    sign = "-" if value < 0 else ""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if a >= scale:
            x = a / scale
            return f"{sign}${x:,.2f}{suffix}" if x < 10 else f"{sign}${x:,.1f}{suffix}" if x < 100 \
                else f"{sign}${x:,.0f}{suffix}"
    return f"{sign}${a:,.0f}"


def _costs_figure(plan, baseline, name: str, out: Path) -> Path:
    p = plan["cost"].to_series()
    b = baseline["cost"].to_series() if baseline is not None else None
    categories = list(dict.fromkeys(list(b.index) + list(p.index))) if b is not None else list(p.index)
    p = p.reindex(categories).fillna(0.0)
    b = b.reindex(categories).fillna(0.0) if b is not None else None
    keep = [c for c in categories if abs(p[c]) > 0.5 or (b is not None and abs(b[c]) > 0.5)]
    p, b = p[keep], (b[keep] if b is not None else None)
    largest = max(float(np.max(np.abs(p.values), initial=0.0)),
                  float(np.max(np.abs(b.values), initial=0.0)) if b is not None else 0.0, 1.0)
    scale, unit = (1e6, "million USD") if largest >= 2e6 else (1e3, "thousand USD")
    fig, ax = plt.subplots(figsize=(max(6.5, 1.6 * len(keep) + 3), 4.8))
    x = np.arange(len(keep))
    width = 0.38
    names = [LABELS.get(c, c) for c in keep]
    if b is not None:
        bars_b = ax.bar(x - width / 2, b.values / scale, width, color="#b0b0b0", label="baseline")
        bars_p = ax.bar(x + width / 2, p.values / scale, width, color=COLOURS["grid"], label="plan")
        ax.bar_label(bars_b, labels=[usd(v) for v in b.values], fontsize=8, padding=2)
        ax.bar_label(bars_p, labels=[usd(v) for v in p.values], fontsize=8, padding=2)
        names = [f"{n}\nsaves {usd(b[c] - p[c])}" if b[c] >= p[c] else f"{n}\ncosts {usd(p[c] - b[c])} more"
                 for n, c in zip(names, keep)]
        total_b, total_p = float(baseline["objective"]), float(plan["objective"])
        saving = total_b - total_p
        title = f"{name}: cost by category, baseline (no battery, flexible load flat) against the plan\n" \
                f"total {usd(total_b)} -> {usd(total_p)}, savings {usd(saving)}" \
                + (f" ({saving / total_b:.1%})" if total_b else "")
    else:
        bars_p = ax.bar(x, p.values / scale, 0.6, color=COLOURS["grid"], label="plan")
        ax.bar_label(bars_p, labels=[usd(v) for v in p.values], fontsize=8, padding=2)
        title = f"{name}: cost by category, total {usd(float(plan['objective']))}"
    ax.set_xticks(x, names, fontsize=9)
    ax.set_ylabel(unit)
    ax.axhline(0, color="#555555", lw=0.6)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.08 * (hi - lo))
    fig.tight_layout()
    return _save(fig, out / "costs.png")
