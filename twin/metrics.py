"""One definition per metric, computed from a result Dataset.

Everything that quotes a metric -- the ``twin simulate`` summary, ``twin report``,
``ds.twin``, sweeps and notebooks -- calls these functions; nothing else divides
energies.  Inputs are SI (W, J, kg/s); outputs are SI or dimensionless.

- **PUE** (ISO/IEC 30134-2:2016, power usage effectiveness) = total facility
  energy / IT equipment energy.  Total facility energy here is IT + cooling
  (pumps, fans, compressors) + electrical losses (transformers, UPS,
  distribution): the ``P_facility`` variable of a result, which carries the
  losses in every mode (simulated by the electrical network, or from its
  steady-state loss curves in quasi-steady and thermal-only runs).
- **pPUE of cooling** (partial PUE, The Green Grid WP#49 / ISO/IEC 30134-2
  Annex) = (IT energy + cooling energy) / IT energy.  The old "PUE (IT +
  cooling)" figure is this, and is named so.
- **WUE** (ISO/IEC 30134-9:2022, water usage effectiveness, site water) = site
  water use (L) / IT energy (kWh).  Water is the plant's make-up water
  (evaporation, drift, blow-down), 1 kg = 1 L.
- **CUE** (ISO/IEC 30134-8:2022, carbon usage effectiveness) = CO2 of the
  facility's energy (kg) / IT energy (kWh).  On-site turbine CO2 is simulated;
  grid electricity counts only at a ``grid_CO2_intensity`` the caller gives
  (kg/J); without one CUE covers on-site combustion only, and says so.

IT energy is the energy drawn by the racks, ``P_it_total`` (after throttling
and any trip).  A value at time ``t`` is the mean over ``[t, t + step_s)``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

#: kg of water per litre (make-up water, 1000 kg/m3).
KG_PER_L = 1.0
J_PER_KWH = 3.6e6

#: Components of the energy table: variable -> label.
ENERGY_TERMS = {
    "P_it_total": "IT",
    "P_tcs_pumps": "TCS pumps",
    "P_air_fans": "air-side fans",
    "P_fws_pumps": "facility water pumps",
    "P_compressors": "chiller compressors",
    "P_plant_fans": "tower and dry-cooler fans",
    "P_condenser_pumps": "condenser pumps",
    "P_losses_transformers": "transformer losses",
    "P_losses_ups": "UPS losses",
    "P_losses_distribution": "distribution losses",
    "P_facility": "total facility",
}


def step_s(ds: xr.Dataset) -> float:
    return float(ds.attrs["step_s"])


def total(ds: xr.Dataset, name: str) -> xr.DataArray:
    """A variable summed over every dim but time."""
    da = ds[name]
    return da.sum([d for d in da.dims if d != "time"])


def energy(ds: xr.Dataset, name: str) -> float:
    """Energy (J, or kg for a kg/s rate) of a variable summed over time and its component dims."""
    return float(total(ds, name).sum("time")) * step_s(ds)


def it_energy(ds: xr.Dataset) -> float:
    """IT equipment energy (J)."""
    return energy(ds, "P_it_total")


def _per_it(value: float, ds: xr.Dataset) -> float:
    it = it_energy(ds)
    return value / it if it > 0 else float("nan")


def pue(ds: xr.Dataset) -> float:
    """PUE = total facility energy / IT energy (ISO/IEC 30134-2); NaN without IT energy."""
    return _per_it(energy(ds, "P_facility"), ds)


def ppue_cooling(ds: xr.Dataset) -> float:
    """Partial PUE of the cooling system = (IT + cooling energy) / IT energy."""
    return _per_it(it_energy(ds) + energy(ds, "P_cooling"), ds)


def water_use(ds: xr.Dataset) -> float:
    """Site water use over the run (L)."""
    return energy(ds, "m_flow_water_use") / KG_PER_L


def wue(ds: xr.Dataset) -> float:
    """WUE = site water use (L) / IT energy (kWh) (ISO/IEC 30134-9)."""
    return _per_it(water_use(ds) * J_PER_KWH, ds)


def co2(ds: xr.Dataset, grid_CO2_intensity: float | None = None) -> float:
    """CO2 (kg) of on-site turbines, plus grid import at ``grid_CO2_intensity`` (kg/J) when given."""
    onsite = energy(ds, "CO2") if "CO2" in ds else 0.0
    grid = energy(ds, "P_poi") * grid_CO2_intensity if grid_CO2_intensity is not None and "P_poi" in ds else 0.0
    return onsite + grid


def cue(ds: xr.Dataset, grid_CO2_intensity: float | None = None) -> float:
    """CUE = CO2 (kg) / IT energy (kWh) (ISO/IEC 30134-8); on-site combustion only without a grid intensity."""
    return _per_it(co2(ds, grid_CO2_intensity) * J_PER_KWH, ds)


def peak_demand(ds: xr.Dataset) -> float:
    """Highest plant-step mean of the site's demand (W): grid import plus turbines when simulated, else P_facility."""
    if "P_demand" in ds:
        return float(total(ds, "P_demand").max())
    return float(total(ds, "P_facility").max())


def headline(ds: xr.Dataset) -> dict[str, float]:
    """The run's metrics in SI: the one set the summary, report and accessor print."""
    out = {
        "E_it": it_energy(ds),
        "E_cooling": energy(ds, "P_cooling"),
        "E_facility": energy(ds, "P_facility"),
        "pue": pue(ds),
        "ppue_cooling": ppue_cooling(ds),
        "wue": wue(ds),
        "V_water": water_use(ds) / 1e3,
        "P_demand_peak": peak_demand(ds),
    }
    if "CO2" in ds:
        out["cue_onsite"] = cue(ds)
    return out


def display_rows(ds: xr.Dataset) -> list[tuple[str, str]]:
    """The metrics as (name, value with display units) rows: the same rows in the CLI summary and the report."""
    m = headline(ds)
    rows = [
        ("PUE (total facility / IT, ISO/IEC 30134-2)", f"{m['pue']:.3f}"),
        ("pPUE of cooling ((IT + cooling) / IT)", f"{m['ppue_cooling']:.3f}"),
        ("WUE (site water / IT energy)", f"{m['wue']:.3f} L/kWh"),
        ("IT energy", f"{m['E_it'] / 3.6e9:,.2f} MWh"),
        ("cooling energy", f"{m['E_cooling'] / 3.6e9:,.2f} MWh"),
        ("total facility energy", f"{m['E_facility'] / 3.6e9:,.2f} MWh"),
        ("peak demand (step mean)", f"{m['P_demand_peak'] / 1e6:,.2f} MW"),
        ("water use", f"{m['V_water']:,.1f} m3"),
    ]
    if "cue_onsite" in m:
        rows.append(("CUE, on-site fuel only (ISO/IEC 30134-8)", f"{m['cue_onsite']:.3f} kg CO2/kWh"))
    return rows


# --- tables ------------------------------------------------------------------------------------------


def _frame(ds: xr.Dataset, names: dict[str, str]):
    import pandas as pd

    data = {label: total(ds, name).values for name, label in names.items() if name in ds}
    return pd.DataFrame(data, index=pd.DatetimeIndex(ds.time.values, name="time"))


def _frames(ds: xr.Dataset, time_zone: str | None):
    """Per-step MWh of each energy term, kg (or J of fuel) of each amount, and demand (W), local clock."""
    dt = step_s(ds)
    energies = _frame(ds, ENERGY_TERMS) * dt / 3.6e9
    amounts = _frame(ds, {"P_cooling": "cooling", "m_flow_water_use": "water", "fuel": "fuel", "NOx": "NOx",
                          "CO2": "CO2"}) * dt
    demand = _frame(ds, {"P_demand" if "P_demand" in ds else "P_facility": "demand"})
    zone = time_zone or ds.attrs.get("time_zone")
    if zone:
        for frame in (energies, amounts, demand):
            frame.index = frame.index.tz_localize("UTC").tz_convert(zone).tz_localize(None)
    return energies, amounts, demand


def _table(e, x, d):
    """Display table from summed energies ``e`` (MWh), summed amounts ``x`` and peak demand ``d`` (W)."""
    table = e.rename(columns=lambda c: f"{c} energy (MWh)")
    it = e["IT"] * 3.6e9
    with np.errstate(divide="ignore", invalid="ignore"):
        table["PUE"] = e["total facility"] * 3.6e9 / it
        table["pPUE cooling"] = (it + x["cooling"]) / it
        table["WUE (L/kWh)"] = x["water"] / KG_PER_L / (it / J_PER_KWH)
    table["peak demand (MW)"] = d["demand"] / 1e6
    table["water (m3)"] = x["water"] / 1e3
    if "fuel" in x:
        table["fuel (MMBtu)"] = x["fuel"] / 1.055056e9
        table["NOx (t)"] = x["NOx"] / 1e3
        table["CO2 (t)"] = x["CO2"] / 1e3
    return table.replace([np.inf, -np.inf], np.nan)


def period_table(ds: xr.Dataset, freq: str = "MS", time_zone: str | None = None):
    """Energy by component, PUE, pPUE, WUE, peak demand, water, fuel and emissions per period.

    freq: a pandas period start (``"MS"`` months, ``"YS"`` years, ``"D"`` days); periods
    follow the site's local calendar (``time_zone``, default ``ds.attrs["time_zone"]``).
    Display units: MWh, MW, m3, MMBtu, t; PUE and pPUE dimensionless; WUE L/kWh.
    Files stay SI; this is for people.
    """
    e, x, d = _frames(ds, time_zone)
    table = _table(e.resample(freq).sum(), x.resample(freq).sum(), d.resample(freq).max())
    table.index.name = "period"
    return table


def monthly(ds: xr.Dataset, time_zone: str | None = None):
    """:func:`period_table` by calendar month (local), with a last row for the whole run."""
    import pandas as pd

    e, x, d = _frames(ds, time_zone)
    months = _table(e.resample("MS").sum(), x.resample("MS").sum(), d.resample("MS").max())
    whole = _table(e.sum().to_frame().T, x.sum().to_frame().T, d.max().to_frame().T)
    months.index = [ts.strftime("%Y-%m") for ts in months.index]
    whole.index = ["whole run"]
    out = pd.concat([months, whole])
    out.index.name = "month"
    return out


# --- ride-through --------------------------------------------------------------------------------


def duration_text(seconds: float) -> str:
    """A duration in the largest whole unit: '30 min', '2 h', '45 s'."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def ride_through_rows(ds: xr.Dataset) -> list[tuple[str, str]]:
    """Ride-through metrics from the first recorded event (empty without events), as (name, value
    with its unit) rows: the same rows in the ``twin simulate`` output and the report."""
    from twin.results import read_events
    from twin.scenarios import ride_through

    events = read_events(ds)
    if not events:
        return []
    names = {"time_to_throttle_s": ("time to first throttling", "s"),
             "time_to_shutdown_s": ("time to first accelerator shutdown", "s"),
             "time_to_rack_trip_s": ("time to first rack trip", "s"),
             "peak_coolant_inlet_degC": ("peak coolant at the racks after the event", "degC"),
             "peak_facility_supply_degC": ("peak facility supply after the event", "degC"),
             "storage_hours_left_min": ("least storage left", "h")}
    rows = []
    for key, value in ride_through(ds, min(e["start_s"] for e in events)).items():
        name, unit = names.get(key, (key, ""))
        if value != value:
            rows.append((name, "did not happen" if unit == "s" else "n/a"))
        elif unit == "s":
            rows.append((name, f"{duration_text(value)} after the event" if value > 0 else "at the event"))
        else:
            rows.append((name, f"{value:,.1f} {unit}"))
    return rows
