"""Forecast from now: run scenario-library cases forward from the latest measured operating point.

The operating point is the end of a replay: the site's IT load (as a fraction of its peak),
the outdoor dry and wet bulb, and the hour.  Each case is a dynamic ``twin.simulate`` run that
starts from the plant's steady state at that point (the state the replay estimates) with the
scenario's event at the first step, and reports ``twin.scenarios.ride_through``: time to
throttle, to shutdown, to rack trip, peak temperatures and storage hours left.

Limits: the load is held at its last value and spread over the groups in proportion to their
peak (``twin.simulate`` takes one site fraction).  Calibrated multipliers (``overlay``, a
``twin telemetry calibrate`` TOML or a dict) are applied to the dynamic runs by ``twin.simulate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twin.scenarios import ride_through
from twin.simulation import simulate
from twin.workload import ConstantProfile

#: Cases run by default: the failures a control room asks about first.
CASES = ("chiller_trip", "tower_fan_failure", "pump_trip", "utility_outage")


def operating_point(ds: xr.Dataset, site) -> dict:
    """The last fully simulated step of a replay: UTC time, site load fraction, weather."""
    done = np.flatnonzero(ds["simulated_step"].values)
    if done.size == 0:
        from twin.errors import InputError

        raise InputError.one(ds.attrs.get("source", "telemetry"), "replay", "no simulated step",
                             "measured inputs for at least one step")
    k = int(done[-1])
    P = float(ds["P_it"].isel(time=k).sum())
    return {"time": pd.Timestamp(ds["time"].values[k]), "fraction": min(P / site.P_it_peak, 1.0),
            "T_dry_bulb": float(ds["T_dry_bulb"].values[k]), "T_wet_bulb": float(ds["T_wet_bulb"].values[k])}


def forecast(site, point: dict, cases=CASES, *, hours: float = 2.0, plant_step: float = 10.0,
             overlay=None) -> pd.DataFrame:
    """Ride-through of each case from ``point`` (see :func:`operating_point`); one row per case,
    with the calibrated parameters of ``overlay`` (path or dict) when given."""
    local = (point["time"] + pd.Timedelta(hours=site.location.time_zone)).floor("min")
    at = f"{local:%H:%M}"
    weather = xr.Dataset({"T_dry_bulb": ((), point["T_dry_bulb"]), "T_wet_bulb": ((), point["T_wet_bulb"])})
    rows = []
    for case in cases:
        spec = case if ":" in case else f"{case}:at={at}"
        ds = simulate(site, start=f"{local:%Y-%m-%d %H:%M}", duration=hours * 3600, plant_step=plant_step,
                      weather=weather, workload=ConstantProfile(point["fraction"]), scenario=spec,
                      overlay=overlay)
        metrics = ride_through(ds, 0.0)
        rows.append({"case": spec, **metrics})
    return pd.DataFrame(rows).set_index("case")
