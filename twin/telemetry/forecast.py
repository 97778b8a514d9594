"""Forecast from now: run scenario-library cases forward from the latest measured operating point.

The operating point is the end of a replay: the site's IT load (as a fraction of its peak),
the outdoor dry and wet bulb, and the hour.  Each case is a dynamic ``twin.simulate`` run with
the scenario's event at the first step, and reports ``twin.scenarios.ride_through``: time to
throttle, to shutdown, to rack trip, peak temperatures and storage hours left.  It starts
(``estimator``) from the plant's steady state at that point (``"steady"``, the default), or from
the plant's ODE state as the extended Kalman filter estimates it at that step (``"ekf"``: the
filter of ``track(..., estimator="ekf")``, :func:`twin.telemetry.track.estimated_state`, run over
the replay; a plant still in a transient, e.g. warming after a load step, starts where it is).

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
    """The last fully simulated step of a replay: UTC time, its index, site load fraction, weather."""
    done = np.flatnonzero(ds["simulated_step"].values)
    if done.size == 0:
        from twin.errors import InputError

        raise InputError.one(ds.attrs.get("source", "telemetry"), "replay", "no simulated step",
                             "measured inputs for at least one step")
    k = int(done[-1])
    P = float(ds["P_it"].isel(time=k).sum())
    return {"time": pd.Timestamp(ds["time"].values[k]), "step": k, "fraction": min(P / site.P_it_peak, 1.0),
            "T_dry_bulb": float(ds["T_dry_bulb"].values[k]), "T_wet_bulb": float(ds["T_wet_bulb"].values[k])}


#: Where a forecast starts: the steady state at the operating point, or the EKF's estimated state.
STARTS = ("steady", "ekf")


def forecast(site, point: dict, cases=CASES, *, hours: float = 2.0, plant_step: float = 10.0,
             overlay=None, estimator: str = "steady", replay: xr.Dataset | None = None,
             train: float = 24 * 3600, model=None, initial_state=None) -> pd.DataFrame:
    """Ride-through of each case from ``point`` (see :func:`operating_point`); one row per case,
    with the calibrated parameters of ``overlay`` (path or dict) when given.

    ``estimator="ekf"`` starts every case from the EKF's estimated plant state at the operating
    point's step of ``replay`` (the replay Dataset ``point`` came from; ``train`` and ``model`` as
    for ``track``, the model calibrated with ``overlay`` by default); ``initial_state`` (a
    :class:`twin.simulation.plant.PlantState`) starts them from a state the caller has.  The frame's
    ``start`` column says which start each row used, its ``attrs["initial_state"]`` the state.
    """
    from twin.errors import InputError

    if estimator not in STARTS:
        raise InputError.one("forecast", "estimator", repr(estimator), " or ".join(map(repr, STARTS)))
    start_label = "given state" if initial_state is not None else "steady state"
    if estimator == "ekf" and initial_state is None:
        if replay is None:
            raise InputError.one("forecast", "replay", "None with estimator='ekf'",
                                 "the replay Dataset the operating point came from")
        from twin.telemetry.track import estimated_state

        at = int(point["step"]) if "step" in point else int(np.flatnonzero(replay["simulated_step"].values)[-1])
        if model is None and overlay is not None:  # the filter runs on the calibrated plant, as the forecasts
            from twin.simulation.master import _overlay
            from twin.telemetry.model import apply, model_for

            model = apply(model_for(site), _overlay(overlay, site)[0])
        initial_state = estimated_state(replay, train=train, model=model, at=at)
        start_label = "EKF state"
    local = (point["time"] + pd.Timedelta(hours=site.location.time_zone)).floor("min")
    at = f"{local:%H:%M}"
    weather = xr.Dataset({"T_dry_bulb": ((), point["T_dry_bulb"]), "T_wet_bulb": ((), point["T_wet_bulb"])})
    rows = []
    for case in cases:
        spec = case if ":" in case else f"{case}:at={at}"
        ds = simulate(site, start=f"{local:%Y-%m-%d %H:%M}", duration=hours * 3600, plant_step=plant_step,
                      weather=weather, workload=ConstantProfile(point["fraction"]), scenario=spec,
                      overlay=overlay, initial_state=initial_state)
        metrics = ride_through(ds, 0.0)
        rows.append({"case": spec, "start": start_label, **metrics})
    frame = pd.DataFrame(rows).set_index("case")
    frame.attrs["initial_state"] = initial_state  # the PlantState the cases started from (None: the steady state)
    return frame
