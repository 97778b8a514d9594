"""Replay: drive the twin with measured inputs and compare its outputs with the measured ones.

Inputs (tag-map variables with role "input"): IT power per rack group, outdoor
dry and wet bulb, facility supply set-points and the share of each plant's
units available.  At every replay step the plant's steady state under those
inputs (the engine's :func:`twin.simulation.steady_state`) is compared with the
measured outputs.  This is a quasi-steady replay: at a 1-minute step the
facility loop's own dynamics (transport delays of tens of seconds, mains of a
few minutes) show as short residual transients after load steps.

Statistics per output tag follow ASHRAE Guideline 14-2014 (section 5.2.11):
NMBE = sum(m - s) / ((n - p) mean(m)), CV(RMSE) = sqrt(sum((m - s)^2) / (n - p)) / mean(m),
with p = 1, on hourly means; a model is calibrated on hourly data when
|NMBE| <= 10 % and CV(RMSE) <= 30 %.  Those ratios need a quantity with a true
zero (power, heat, flow): temperature tags get bias and RMSE in K, and no verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError
from twin.telemetry.model import apply, evaluate, model_for
from twin.telemetry.sources import Telemetry
from twin.telemetry.tagmap import TagMap
from twin.thermal.network import CP_FACILITY

#: ASHRAE Guideline 14-2014 calibration limits on hourly data (%).
GL14_NMBE_HOURLY = 10.0
GL14_CV_RMSE_HOURLY = 30.0
#: Inputs are carried forward over gaps up to this long (s); longer gaps leave steps unsimulated.
INPUT_HOLD = 900.0


def grid(data: Telemetry, tagmap: TagMap, step: float, start=None, end=None) -> pd.DataFrame:
    """Every mapped tag, in SI, averaged over ``step``-second bins (bin start as index, UTC)."""
    frame = data.frame[data.frame["tag"].isin(list(tagmap.bindings))]
    if frame.empty:
        raise InputError.one(data.source, "tags", "none of the map's tags", f"tags of {tagmap.file}")
    t0 = pd.Timestamp(start) if start is not None else frame["time"].min().floor(f"{int(step)}s")
    t1 = pd.Timestamp(end) if end is not None else frame["time"].max()
    index = pd.date_range(t0, t1, freq=f"{int(step)}s", inclusive="left" if end is not None else "both")
    frame = frame[(frame["time"] >= t0) & (frame["time"] < index[-1] + pd.Timedelta(seconds=step))]
    k = ((frame["time"] - t0) / pd.Timedelta(seconds=step)).astype(int).to_numpy()
    out = pd.DataFrame(index=index)
    for tag, binding in tagmap.bindings.items():
        rows = (frame["tag"] == tag).to_numpy()
        values = pd.Series(binding.to_si(frame["value"].to_numpy()[rows]), index=k[rows])
        means = values.groupby(level=0).mean()
        column = np.full(len(index), np.nan)
        column[means.index.to_numpy()] = means.to_numpy()
        out[tag] = column
    return out


def inputs(site, model, tagmap: TagMap, table: pd.DataFrame, step: float,
           partial: bool = False) -> tuple[dict, list[str]]:
    """Input arrays at every step from the gridded table; notes say what came from elsewhere.
    ``partial``: the table is a window of a longer record, where a rack group may have no IT power."""
    notes = []
    n = len(table)
    hold = max(int(INPUT_HOLD // step), 0)
    g, lp = model.groups, model.loops

    def column(binding) -> np.ndarray:
        return table[binding.tag].ffill(limit=hold).to_numpy() if hold else table[binding.tag].to_numpy()

    P = np.full((n, len(g.names)), np.nan)
    T_set = np.broadcast_to(lp.T_set, (n, len(lp.names))).copy()
    available = np.ones((n, len(lp.names)))
    weather = {"T_dry_bulb": None, "T_wet_bulb": None}
    held = np.zeros(n, dtype=bool)  # an input carried forward over a gap at this step
    for b in tagmap.of_role("input"):
        held |= table[b.tag].isna().to_numpy()
        if b.variable == "P_it":
            i = g.names.index(b.index[0])
            P[:, i] = np.where(np.isnan(P[:, i]), column(b), P[:, i] + np.nan_to_num(column(b)))
        elif b.variable in weather:
            weather[b.variable] = column(b)
        elif b.variable in ("T_fws_supply_set", "fraction_available"):
            target = T_set if b.variable == "T_fws_supply_set" else available
            for name in b.index:
                target[:, lp.names.index(name)] = np.where(np.isnan(column(b)), target[:, lp.names.index(name)],
                                                           column(b))
    unmeasured = [name for i, name in enumerate(g.names) if np.all(np.isnan(P[:, i]))]
    if unmeasured and not partial:
        raise InputError.one(tagmap.file, "tags", f"no P_it tag for rack group(s) {', '.join(unmeasured)}",
                             "a P_it tag bound to every rack group (component = 'rack_groups.<name>')")
    if weather["T_dry_bulb"] is None or weather["T_wet_bulb"] is None:
        from twin.weather import load_weather

        local = table.index[0] + pd.Timedelta(hours=site.location.time_zone)
        wx = load_weather(site.location.weather, start=local, duration=n * step, step=step)
        for name in weather:
            if weather[name] is None:
                weather[name] = wx[name].values[:n]
                notes.append(f"{name}: no tag in the map; the site's weather ({site.location.weather}) is used")
    return {"P_it": P, "T_dry_bulb": np.asarray(weather["T_dry_bulb"], float),
            "T_wet_bulb": np.asarray(weather["T_wet_bulb"], float), "T_set": T_set, "available": available, "held": held}, notes


def run(site, model, u: dict, parameters: dict | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """The twin's outputs at every step with inputs ``u``; (state, simulated-mask, no-steady-state mask)."""
    n = len(u["P_it"])
    ok = ~(np.isnan(u["P_it"]).any(-1) | np.isnan(u["T_dry_bulb"]) | np.isnan(u["T_wet_bulb"]))
    state: dict[str, np.ndarray] = {}
    failed = np.zeros(n, dtype=bool)
    # one assembled model per distinct availability of the plants (equipment states)
    avail = np.round(u["available"], 2)
    keys = [tuple(row) for row in avail]
    loop_plant = [lp.plant for lp in site.facility_loops]
    for key in sorted(set(keys)):
        rows = np.flatnonzero(ok & np.array([k == key for k in keys]))
        if rows.size == 0:
            continue
        fraction = {}
        for plant, f in zip(loop_plant, key):
            fraction[plant] = min(fraction.get(plant, 1.0), f)
        m = apply(model_for(site, fraction) if min(key) < 1.0 else model, parameters or {})
        part, bad = evaluate(m, u["P_it"][rows], u["T_dry_bulb"][rows], u["T_wet_bulb"][rows], u["T_set"][rows])
        failed[rows[bad]] = True
        for name, value in part.items():
            if name not in state:
                state[name] = np.full((n,) + value.shape[1:], np.nan)
            state[name][rows] = value
    if state:
        derive(state, u["P_it"], ok & ~failed)
    return state, ok & ~failed, failed


def derive(state: dict, P_it: np.ndarray, done: np.ndarray) -> dict:
    """Add the outputs derived from the plant state (flow, cooling, IT and facility power), in place."""
    state["m_flow_fws"] = state["C_fws"] / CP_FACILITY
    cooling = sum(np.nansum(state[k], axis=-1) for k in ("P_tcs_pumps", "P_air_fans", "P_fws_pumps",
                                                         "P_compressors", "P_plant_fans", "P_condenser_pumps"))
    state["P_cooling"] = np.where(done, cooling, np.nan)
    state["P_it"] = P_it
    state["P_it_total"] = P_it.sum(-1)
    state["P_facility"] = state["P_it_total"] + state["P_cooling"]
    return state


def simulated(binding, model, state: dict, n: int) -> np.ndarray:
    """The twin's value of one output tag (sum over the loops of a plant for flows and powers)."""
    if binding.variable not in state:
        return np.full(n, np.nan)
    value = state[binding.variable]
    if binding.spec.dim == "site":
        return value
    names = model.groups.names if binding.spec.dim == "group" else model.loops.names
    idx = [names.index(x) for x in binding.index]
    part = value[:, idx]
    if binding.spec.kind == "temperature" and len(idx) > 1:  # mixed streams: flow-weighted mean
        w = state["C_fws"][:, idx]
        return (part * w).sum(-1) / w.sum(-1)
    return part.sum(-1) if len(idx) > 1 else part[:, 0]


def statistics(measured: np.ndarray, sim: np.ndarray, time: pd.DatetimeIndex, kind: str) -> dict[str, float]:
    """Bias, RMSE (replay step) and GL14 NMBE, CV(RMSE) (hourly means) of residual = measured - simulated."""
    both = ~np.isnan(measured) & ~np.isnan(sim)
    r = measured[both] - sim[both]
    out = {"n": float(both.sum()), "bias": float(r.mean()) if r.size else np.nan,
           "rmse": float(np.sqrt((r ** 2).mean())) if r.size else np.nan, "nmbe": np.nan, "cv_rmse": np.nan}
    if kind == "temperature" or r.size == 0:
        return out
    frame = pd.DataFrame({"m": np.where(both, measured, np.nan), "s": np.where(both, sim, np.nan)}, index=time)
    hourly = frame.resample("1h").mean().dropna()
    n = len(hourly)
    if n < 2 or hourly["m"].mean() == 0:
        return out
    d = hourly["m"] - hourly["s"]
    mean = hourly["m"].mean()
    out["nmbe"] = float(100 * d.sum() / ((n - 1) * mean))
    out["cv_rmse"] = float(100 * np.sqrt((d ** 2).sum() / (n - 1)) / mean)
    return out


def replay(site, data: Telemetry, tagmap: TagMap, *, step: float = 60.0, parameters: dict | None = None,
           start=None, end=None, model=None, align=False, align_train: float | None = None,
           partial: bool = False) -> xr.Dataset:
    """Replay ``data`` through the twin of ``site``; a Dataset of measured, simulated and residual per tag.

    Variables: ``measured``, ``simulated``, ``residual`` (time, tag) in each tag's SI unit
    (``units`` coordinate); ``bias``, ``rmse``, ``nmbe``, ``cv_rmse`` and ``gl14`` (tag);
    the twin's state under the measured inputs (``P_it``, ``T_fws_supply``, ... as in a
    simulation, dims (time, group|loop)); ``simulated_step`` (time) says which steps ran.
    With ``align=True``: each output tag's clock skew is estimated over the first ``align_train`` seconds
    (default :data:`twin.telemetry.align.TRAIN`) and corrected, and tags sampled at ``step`` or more
    slowly are put on their nearest step (:mod:`twin.telemetry.align`); ``align`` may also be the skews
    of an earlier :func:`twin.telemetry.align.estimate_skews`.  Adds ``clock_skew`` (tag, s, NaN where
    not identifiable).  ``partial``: ``data`` is a window of a longer record (``twin watch``): a rack
    group without IT power there is not an error (its steps are not simulated).
    """
    model = model or model_for(site)
    skews = None
    if align is True:
        from twin.telemetry.align import TRAIN
        from twin.telemetry.align import align as aligned

        data, skews = aligned(site, data, tagmap, step=step, train=align_train or TRAIN, model=model)
    elif align:
        from twin.telemetry.align import snap

        skews = list(align)
        data = snap(data, tagmap, step, {k.tag: k.seconds for k in skews if k.identifiable})
    table = grid(data, tagmap, step, start, end)
    u, notes = inputs(site, model, tagmap, table, step, partial)
    state, done, failed = run(site, model, u, parameters)
    outputs = tagmap.of_role("output")
    if not outputs:
        raise InputError.one(tagmap.file, "tags", "no output tags", "at least one measured output "
                             "(e.g. T_fws_return, P_compressors) to compare the twin with")
    n = len(table)
    time = table.index
    tags = [b.tag for b in outputs]
    measured = np.stack([table[b.tag].to_numpy() for b in outputs], axis=1)
    sim = np.stack([simulated(b, model, state, n) for b in outputs], axis=1)
    sim[~done] = np.nan
    stats = [statistics(measured[:, j], sim[:, j], time, b.spec.kind) for j, b in enumerate(outputs)]
    from twin.units import SI_UNITS

    def verdict(s, b):
        if b.spec.kind == "temperature" or s["nmbe"] != s["nmbe"]:
            return "n/a"
        ok = abs(s["nmbe"]) <= GL14_NMBE_HOURLY and s["cv_rmse"] <= GL14_CV_RMSE_HOURLY
        return "pass" if ok else "fail"

    units = [SI_UNITS[b.spec.kind] or "1" for b in outputs]
    ds = xr.Dataset(
        {"measured": (("time", "tag"), measured, {"long_name": "measured value (SI)"}),
         "simulated": (("time", "tag"), sim, {"long_name": "twin's value under the measured inputs (SI)"}),
         "residual": (("time", "tag"), measured - sim, {"long_name": "measured minus simulated (SI)"}),
         "bias": ("tag", [s["bias"] for s in stats], {"long_name": "mean residual (SI)"}),
         "rmse": ("tag", [s["rmse"] for s in stats], {"long_name": "root-mean-square residual (SI)"}),
         "nmbe": ("tag", [s["nmbe"] for s in stats], {"units": "%", "long_name": "ASHRAE GL14 NMBE, hourly"}),
         "cv_rmse": ("tag", [s["cv_rmse"] for s in stats], {"units": "%", "long_name": "ASHRAE GL14 CV(RMSE), hourly"}),
         "gl14": ("tag", [verdict(s, b) for s, b in zip(stats, outputs)],
                  {"long_name": f"GL14 hourly: |NMBE| <= {GL14_NMBE_HOURLY:g} % and CV(RMSE) <= {GL14_CV_RMSE_HOURLY:g} %"}),
         "simulated_step": ("time", done, {"long_name": "the twin ran at this step"}),
         "input_held": ("time", u["held"], {"long_name": "an input was carried forward over a gap at this step"}),
         "no_steady_state": ("time", failed, {"long_name": "the plant could not carry the load (no steady state)"})},
        coords={"time": time.to_numpy().astype("datetime64[ns]"), "tag": tags, "units": ("tag", units),
                "variable": ("tag", [b.variable for b in outputs]),
                "component": ("tag", [b.component for b in outputs]),
                "group": list(model.groups.names), "loop": list(model.loops.names)},
        attrs={"site": site.name, "source": data.source, "tag_map": tagmap.file, "step_s": float(step),
               "mode": "replay (quasi-steady)", "time_zone": "UTC",
               "notes": "\n".join(notes + data.notes), "Conventions": "CF-1.10",
               "title": f"twin replay of {site.name}"})
    for name in ("P_it", "T_tcs_supply", "T_tcs_return", "valve", "T_die_max", "P_tcs_pumps"):
        if name in state:
            ds[name] = (("time", "group"), state[name])
    if "P_it" not in ds:  # no step ran (a window inside a gap): the IT power the twin saw is none
        ds["P_it"] = (("time", "group"), np.full((n, len(model.groups.names)), np.nan))
    for name in ("T_fws_supply", "T_fws_return", "m_flow_fws", "P_fws_pumps", "P_compressors", "P_plant_fans",
                 "P_condenser_pumps", "Q_flow_removed"):
        if name in state:
            ds[name] = (("time", "loop"), state[name])
    if "P_cooling" in state:
        ds["P_cooling"] = ("time", state["P_cooling"])
    ds["T_dry_bulb"] = ("time", u["T_dry_bulb"], {"units": "degC", "long_name": "outdoor dry bulb driving the replay"})
    ds["T_wet_bulb"] = ("time", u["T_wet_bulb"], {"units": "degC", "long_name": "outdoor wet bulb driving the replay"})
    ds["T_fws_supply_set"] = (("time", "loop"), u["T_set"], {"units": "degC",
                                                            "long_name": "facility supply set-points driving the replay"})
    if skews is not None:
        by_tag = {k.tag: k.seconds for k in skews}
        ds["clock_skew"] = ("tag", [by_tag.get(t, np.nan) for t in tags],
                            {"units": "s", "long_name": "estimated clock skew, corrected (timestamps minus true times)"})
        ds.attrs["notes"] += "\n" + "\n".join(f"clock: {k}" for k in skews)
    n_missing = int((~done).sum())
    if n_missing:
        ds.attrs["notes"] += (f"\n{n_missing} of {n} steps not simulated (inputs missing beyond "
                              f"{INPUT_HOLD:g} s, or no steady state at {int(failed.sum())} steps)")
    ds.attrs["notes"] = ds.attrs["notes"].strip()
    return ds
