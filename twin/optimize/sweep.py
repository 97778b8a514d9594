"""Scenario studies of a site's power plan on Dask: ``twin optimize sweep``.

Every combination of the varied values is one case: :func:`twin.optimize.plan_site`
(the plan and its baseline) with the case's settings, run on a Dask cluster
through :func:`twin.sweep.map_cases`, the engine of ``twin sweep`` (a local
cluster of 2 single-threaded worker processes by default, or ``scheduler``).

Parameters (``PARAMETERS``), each with its unit:

- ``price_year``: the year the horizon falls in (the plan's start moved to that
  year, same month, day and time).  Prices: the SYNTHETIC market year of that
  year, or ``prices`` with ``{year}`` in its path (``ercot_{year}.csv``), read per case;
- ``fuel_price``: gas price in USD/MMBtu (HHV), or any text with its unit
  (``"4.2 USD/MMBtu"``);
- ``bess_scale``: the site's Megapacks scaled in number (0: none, 2: twice as many);
- ``flexible_share``: share of the IT energy movable within each day (0-1).

The gathered Dataset has one ``case`` dimension (labels name the case,
``price_year=2024|fuel_price=3.5``), one coordinate per varied parameter, and
per case the plan's ``cost`` (objective, USD), the baseline's ``cost_baseline``,
``savings``, ``E_grid`` (grid energy, J), ``P_grid_import_peak`` (W),
``E_turbine`` (J), ``battery_cycles``, ``mip_gap``, ``status`` ("ok", "failed"
for bad input or an infeasible case, "error" otherwise) and ``message``.

:func:`sensitivity_table` gives, per parameter and value, the plan cost and the
savings averaged over the other parameters' values, and the swing (largest
minus smallest mean) of each parameter; :func:`plot_sweep` draws the same.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin.catalog import did_you_mean
from twin.errors import InputError

#: Parameters an optimisation sweep can vary: (unit, long name).
PARAMETERS = {
    "price_year": ("1", "year of the prices (the horizon moved to it)"),
    "fuel_price": ("USD/MMBtu", "gas price (HHV)"),
    "bess_scale": ("1", "the site's Megapacks scaled in number"),
    "flexible_share": ("1", "share of IT energy movable within each day"),
}
#: Scalar results per case: (units, long name).
RESULTS = {
    "cost": ("USD", "total cost of the plan over the horizon"),
    "cost_baseline": ("USD", "total cost of the baseline (no battery, flexible load at its pace)"),
    "savings": ("USD", "baseline cost minus plan cost"),
    "E_grid": ("J", "grid energy imported"),
    "P_grid_import_peak": ("W", "highest grid import"),
    "E_turbine": ("J", "turbine energy"),
    "battery_cycles": ("1", "battery energy discharged over its usable energy"),
    "mip_gap": ("1", "relative MIP gap of the plan"),
}
MMBTU = 1.05505585262e9  # J


def _value(name: str, text):
    """One value of parameter ``name`` converted and checked, or a one-line InputError."""
    where = f"--vary {name}"
    try:
        if name == "price_year":
            value = int(str(text))
            if not 1990 <= value <= 2100:
                raise ValueError
            return value
        if name == "fuel_price":
            try:
                value = float(text)
            except (TypeError, ValueError):
                from twin.units import to_si

                value = to_si(str(text), "price_energy", file="sweep", field=where) * MMBTU
            if not 0.0 < value <= 100.0:
                raise ValueError
            return value
        value = float(text)
        hi = 10.0 if name == "bess_scale" else 1.0
        if not 0.0 <= value <= hi:
            raise ValueError
        return value
    except (TypeError, ValueError, InputError):
        expected = {"price_year": "a year (1990-2100)", "fuel_price": "a gas price in 0-100 USD/MMBtu",
                    "bess_scale": "a multiple between 0 and 10", "flexible_share": "a fraction between 0 and 1"}[name]
        raise InputError.one("sweep", where, repr(text), expected) from None


def check_vary(vary: dict) -> dict[str, list]:
    """``vary`` with known names, distinct non-empty values, converted to their units."""
    out = {}
    for name, values in vary.items():
        if name not in PARAMETERS:
            raise InputError.one("sweep", "--vary", repr(name), "one of " + ", ".join(PARAMETERS)
                                 + did_you_mean(name, PARAMETERS))
        converted = [_value(name, v) for v in values]
        if not converted or len(set(converted)) < len(converted):
            raise InputError.one("sweep", f"--vary {name}", repr(list(values)), "distinct values, at least one")
        out[name] = converted
    if not out:
        raise InputError.one("sweep", "--vary", "nothing", "PARAM=V1,V2,... with PARAM one of "
                             + ", ".join(PARAMETERS))
    return out


def parse_vary(items: list[str]) -> dict[str, list]:
    """``["PARAM=V1,V2", ...]`` from the command line, checked (:func:`check_vary`)."""
    vary: dict[str, list[str]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        values = [v.strip() for v in text.split(",")]
        if not sep or not name.strip() or not all(values) or name.strip() in vary:
            raise InputError.one("command line", "--vary", repr(item), "PARAM=V1,V2,... once per parameter")
        vary[name.strip()] = values
    return check_vary(vary)


def cases(vary: dict[str, list]) -> list[tuple[str, dict]]:
    """(label, settings) of every combination, in order."""
    vary = check_vary(vary)
    return [("|".join(f"{k}={v:g}" for k, v in zip(vary, combo)), dict(zip(vary, combo)))
            for combo in itertools.product(*vary.values())]


def _start_in(start: str, year: int) -> str:
    t = pd.Timestamp(start)
    try:
        return str(t.replace(year=year))
    except ValueError:  # 29 February
        return str(t.replace(year=year, day=28))


def plan_case(site, settings: dict, options: dict) -> dict:
    """Plan one case on a worker: scalars of the plan and its baseline, or a failure with its reason."""
    from twin.optimize.from_site import plan_site

    kwargs = dict(options)
    prices = kwargs.pop("prices", None)
    if "price_year" in settings:
        kwargs["start"] = _start_in(kwargs.get("start", "2025-01-01 00:00"), settings["price_year"])
        if prices is not None and "{year}" in str(prices):
            prices = str(prices).replace("{year}", str(settings["price_year"]))
    if "fuel_price" in settings:
        kwargs["fuel_price"] = settings["fuel_price"] / MMBTU
    if "bess_scale" in settings:
        kwargs["bess_scale"] = settings["bess_scale"]
    if "flexible_share" in settings:
        kwargs["flexible_share"] = settings["flexible_share"]
    try:
        result = plan_site(site, prices=prices, **kwargs)
    except InputError as error:  # bad input or an infeasible case: the others still run
        return {"status": "failed", "message": str(error).splitlines()[0], "result": None}
    f = result.figures
    out = {"cost": f["total_cost_USD"], "cost_baseline": f["baseline_cost_USD"], "savings": f["savings_USD"],
           "E_grid": f["grid_energy_J"], "P_grid_import_peak": f["peak_import_W"],
           "E_turbine": f.get("turbine_energy_J", 0.0), "battery_cycles": f.get("battery_cycles", 0.0),
           "mip_gap": f["mip_gap"]}
    return {"status": "ok", "message": "", "result": out}


def run_plan_sweep(site, vary: dict, *, scheduler: str | None = None, security=None, progress=None,
                   **options) -> xr.Dataset:
    """Plan every case of ``vary`` on a Dask cluster; the gathered Dataset (module docs).

    ``options`` go to :func:`~twin.optimize.plan_site` for every case (``start``,
    ``days``, ``step``, ``prices`` -- ``{year}`` replaced by the case's price
    year --, ``events``, ``workload``, ``time_limit`` ...).
    """
    from twin.site import load_site
    from twin.sweep import map_cases

    site = load_site(site) if isinstance(site, (str, Path)) else site
    todo = cases(vary)
    outcomes: list[dict | None] = [None] * len(todo)
    done = 0
    if progress is not None:
        progress(0, len(todo))
    for i, outcome in map_cases(plan_case, site, {i: (s, options) for i, (_, s) in enumerate(todo)},
                                scheduler, security):
        outcomes[i] = outcome
        done += 1
        if progress is not None:
            progress(done, len(todo))
    names = list(check_vary(vary))
    ds = xr.Dataset(coords={"case": [label for label, _ in todo]})
    for name in names:
        unit, long_name = PARAMETERS[name]
        ds = ds.assign_coords({name: ("case", [s[name] for _, s in todo], {"units": unit, "long_name": long_name})})
    for key, (unit, long_name) in RESULTS.items():
        values = [o["result"][key] if o["result"] is not None else np.nan for o in outcomes]
        ds[key] = xr.Variable("case", np.asarray(values, float), {"units": unit, "long_name": long_name})
    ds["status"] = xr.Variable("case", np.array([o["status"] for o in outcomes], dtype=str))
    ds["message"] = xr.Variable("case", np.array([o["message"] for o in outcomes], dtype=str))
    ds.attrs.update(site=site.name, varied=names, title=f"twin optimize sweep of {site.name}",
                    **{k: str(v) for k, v in options.items() if k in ("start", "days", "step", "prices")})
    return ds


def sensitivity_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per varied parameter and value: mean plan cost and savings over the other parameters' values (ok cases),
    and each parameter's swing (largest minus smallest mean cost)."""
    frame = ds[["cost", "savings"]].to_dataframe()
    frame = frame[ds["status"].values == "ok"]
    rows = []
    for name in ds.attrs["varied"]:
        means = frame.groupby(name)[["cost", "savings"]].mean()
        swing = float(means["cost"].max() - means["cost"].min())
        for value, row in means.iterrows():
            rows.append({"parameter": name, "value": value, "cost_USD": row["cost"], "savings_USD": row["savings"],
                         "swing_USD": swing})
    return pd.DataFrame(rows)


def plot_sweep(ds: xr.Dataset, folder) -> list[Path]:
    """One figure: per varied parameter, mean plan cost and savings against its values."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = sensitivity_table(ds)
    names = list(ds.attrs["varied"])
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        part = table[table["parameter"] == name]
        ax.plot(part["value"], part["cost_USD"] / 1e6, "o-", label="plan cost")
        ax.plot(part["value"], part["savings_USD"] / 1e6, "s--", label="savings against the baseline")
        unit = PARAMETERS[name][0]
        ax.set_xlabel(f"{name}" + (f" [{unit}]" if unit != "1" else ""))
        ax.set_ylabel("million USD over the horizon")
        ax.set_title(f"swing {part['swing_USD'].iloc[0] / 1e6:,.2f} M USD", fontsize=9)
        ax.grid(alpha=0.3)
        if name == "price_year":
            ax.set_xticks(part["value"].to_numpy())
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{ds.attrs['site']}: plan cost by parameter (mean over the other parameters)", fontsize=10)
    fig.tight_layout()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sensitivity.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
